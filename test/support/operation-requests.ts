import { randomUUID } from 'node:crypto';
import { exampleFor, namesLinkedAccount, type Operation, parametersOf, requestBodySchema } from './openapi';

export interface OperationRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** The JSON body before serialisation, to check it against the schema. */
  json?: unknown;
}

/**
 * A request for an operation of the document that is valid in every respect the document describes:
 * examples for parameters and body, the given API key and linked account wherever one is named.
 */
export function buildOperationRequest(
  operation: Operation,
  auth: { apiKey: string | null; linkedAccountId: string },
): OperationRequest {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const parameter = parametersOf(operation, 'path').find((candidate) => candidate.name === name);
    const value =
      parameter && namesLinkedAccount(parameter) ? auth.linkedAccountId : exampleFor(parameter?.schema);
    return encodeURIComponent(String(value)).replaceAll('%2F', '/');
  });
  const query = new URLSearchParams();
  for (const parameter of parametersOf(operation, 'query')) {
    if (parameter.required) query.set(parameter.name, String(exampleFor(parameter.schema)));
  }
  const headers: Record<string, string> = {};
  if (auth.apiKey) headers.authorization = `Bearer ${auth.apiKey}`;
  for (const parameter of parametersOf(operation, 'header')) {
    if (namesLinkedAccount(parameter)) headers[parameter.name] = auth.linkedAccountId;
    else if (parameter.name.toLowerCase() === 'idempotency-key') headers[parameter.name] = randomUUID();
    else if (parameter.required) headers[parameter.name] = String(exampleFor(parameter.schema));
  }
  const schema = requestBodySchema(operation);
  const request: OperationRequest = {
    method: operation.method,
    path: query.size ? `${path}?${query}` : path,
    headers,
  };
  if (schema) {
    const example = operation.operation.requestBody?.content['application/json']?.example;
    request.json = example ?? exampleFor(schema);
    request.body = JSON.stringify(request.json);
    headers['content-type'] = 'application/json';
  }
  return request;
}
