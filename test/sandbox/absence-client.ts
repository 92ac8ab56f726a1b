import type { PersonioSandbox } from '../../src/sandbox/personio';
import { type Body, bearer, getJson, type JsonResponse } from './sandbox-client';

/** Writes against the sandbox's absence endpoints, the way a Personio v1 client sends them. */

const BASE_URL = 'http://sandbox.test/v1';

export async function postForm(
  sandbox: PersonioSandbox,
  path: string,
  token: string,
  fields: Record<string, string>,
): Promise<JsonResponse> {
  const response = await sandbox.fetch(
    new Request(`${BASE_URL}${path}`, {
      method: 'POST',
      headers: { authorization: bearer(token), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    }),
  );
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export async function deleteJson(
  sandbox: PersonioSandbox,
  path: string,
  token: string,
): Promise<JsonResponse> {
  const response = await sandbox.fetch(
    new Request(`${BASE_URL}${path}`, { method: 'DELETE', headers: { authorization: bearer(token) } }),
  );
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export function getAuthed(sandbox: PersonioSandbox, path: string, token: string): Promise<JsonResponse> {
  return getJson(sandbox, path, bearer(token));
}

/** Every record of an absence list, read in one page (the sandbox has no maximum page size). */
export async function everything(sandbox: PersonioSandbox, path: string, token: string): Promise<Body[]> {
  const separator = path.includes('?') ? '&' : '?';
  const { status, body } = await getAuthed(sandbox, `${path}${separator}limit=100000`, token);
  if (status !== 200) throw new Error(`${path} failed with ${status}`);
  return body.data;
}
