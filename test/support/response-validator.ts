import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { findOperation, openApiDocument, type Schema } from './openapi';

const BASE = 'https://roster.test/openapi.json';

/** Points the document's `#/components/schemas/X` references at the shared `$defs` below. */
function rebase(schema: unknown): Schema {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${BASE}#/$defs/`),
  ) as Schema;
}

// OpenAPI 3.1 schemas are JSON Schema 2020-12, plus OpenAPI's annotation keywords.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs']) ajv.addKeyword(keyword);
ajv.addSchema({ $id: BASE, $defs: rebase(openApiDocument.components.schemas) });

const compiled = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Schema): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(rebase(schema));
    compiled.set(key, validate);
  }
  return validate;
}

export class ResponseContractError extends Error {
  override name = 'ResponseContractError';
}

/**
 * Checks a 2xx answer of an API operation against the committed OpenAPI document: the status must be
 * declared, and a JSON body must match the declared schema. Requests outside the document (link pages,
 * docs, health) and non-2xx answers pass unchecked.
 */
export async function validateResponse(method: string, url: string, response: Response): Promise<void> {
  if (response.status < 200 || response.status > 299) return;
  const pathname = new URL(url, 'http://gateway.test').pathname;
  const found = findOperation(method === 'HEAD' ? 'GET' : method, pathname);
  if (!found) return;
  const where = `${method} ${pathname} (${found.operationId}) answered ${response.status}`;
  const declared =
    found.operation.responses[String(response.status)] ??
    found.operation.responses['2XX'] ??
    found.operation.responses.default;
  if (!declared) {
    throw new ResponseContractError(
      `${where}, a status the OpenAPI document does not declare (it declares ${Object.keys(found.operation.responses).join(', ')})`,
    );
  }
  const schema = declared.content?.['application/json']?.schema;
  // An operation that declares no JSON body (the proxy's upstream answer) is Personio's to shape.
  if (!schema || method === 'HEAD') return;
  const type = response.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ResponseContractError(`${where} with content-type "${type}"; the document declares JSON`);
  }
  const text = await response.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ResponseContractError(`${where} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  const validate = validatorFor(`${found.method} ${found.path} ${response.status}`, schema);
  if (!validate(body)) {
    throw new ResponseContractError(
      `${where} with a body that does not match the OpenAPI document:\n${ajv.errorsText(validate.errors, {
        separator: '\n',
      })}\n${JSON.stringify(validate.errors, null, 2).slice(0, 4000)}`,
    );
  }
}

type RequestFn = (
  input: string | URL | Request,
  init?: RequestInit,
  ...rest: never[]
) => Response | Promise<Response>;

interface FetchingApp {
  request: RequestFn;
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

const validated = new WeakSet<object>();

/**
 * The same app, whose `request` and `fetch` check every 2xx answer against the OpenAPI document (see
 * `validateResponse`): the shared helpers hand this out, so every integration test checks the document
 * is true without saying so.
 */
export function withResponseValidation<T extends FetchingApp>(app: T): T {
  if (validated.has(app)) return app;
  const wrapped = new Proxy(app, {
    get(target, property, receiver) {
      if (property === 'request') {
        return async (input: string | URL | Request, init?: RequestInit, ...rest: never[]) => {
          const response = await target.request(input, init, ...rest);
          const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
          const url = input instanceof Request ? input.url : String(input);
          await validateResponse(method, url, response);
          return response;
        };
      }
      if (property === 'fetch') {
        return async (request: Request, ...rest: never[]) => {
          const response = await target.fetch(request, ...rest);
          await validateResponse(request.method, request.url, response);
          return response;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  validated.add(wrapped);
  return wrapped;
}

/** What is wrong with a value under a schema of the document (a request body, say); undefined if nothing. */
export function schemaErrors(schema: Schema, value: unknown): string | undefined {
  const validate = validatorFor(JSON.stringify(schema), schema);
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}
