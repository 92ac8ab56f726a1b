import type { PersonioSandbox, SandboxCredential } from '../../src/sandbox/personio';

/** Minimal Personio v1 client for driving the sandbox in tests. */

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on structurally.
export type Body = any;

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Body;
}

const BASE_URL = 'http://sandbox.test/v1';

export type AuthTransport = 'json' | 'form' | 'query';

export async function postAuth(
  sandbox: PersonioSandbox,
  fields: Record<string, string>,
  transport: AuthTransport = 'json',
): Promise<JsonResponse> {
  const params = new URLSearchParams(fields);
  const request =
    transport === 'json'
      ? new Request(`${BASE_URL}/auth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(fields),
        })
      : transport === 'form'
        ? new Request(`${BASE_URL}/auth`, { method: 'POST', body: params })
        : new Request(`${BASE_URL}/auth?${params}`, { method: 'POST' });
  return toJson(await sandbox.fetch(request));
}

export async function tokenFor(
  sandbox: PersonioSandbox,
  credential: SandboxCredential,
  transport: AuthTransport = 'json',
): Promise<string> {
  const { status, body } = await postAuth(
    sandbox,
    { client_id: credential.clientId, client_secret: credential.clientSecret },
    transport,
  );
  if (status !== 200) throw new Error(`auth failed with ${status}: ${JSON.stringify(body)}`);
  return body.data.token;
}

/** GET `/v1<path>`; `authorization` is the raw header value (tests need malformed ones too). */
export async function getJson(
  sandbox: PersonioSandbox,
  path: string,
  authorization?: string,
): Promise<JsonResponse> {
  const headers = authorization === undefined ? undefined : { authorization };
  return toJson(await sandbox.fetch(new Request(`${BASE_URL}${path}`, { headers })));
}

export const bearer = (token: string) => `Bearer ${token}`;

/** Follows record offsets until the collection is exhausted; returns every page body. */
export async function walkEmployeePages(
  sandbox: PersonioSandbox,
  token: string,
  limit: number,
  extraQuery = '',
): Promise<Body[]> {
  const pages: Body[] = [];
  for (let offset = 0; ; offset += limit) {
    const { status, body } = await getJson(
      sandbox,
      `/company/employees?limit=${limit}&offset=${offset}${extraQuery}`,
      bearer(token),
    );
    if (status !== 200) throw new Error(`page at offset ${offset} failed with ${status}`);
    pages.push(body);
    if (offset + limit >= body.metadata.total_elements) return pages;
  }
}

export const attributeValue = (employee: Body, key: string) => employee.attributes[key]?.value;

async function toJson(response: Response): Promise<JsonResponse> {
  return { status: response.status, headers: response.headers, body: await response.json() };
}
