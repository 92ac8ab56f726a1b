import { readFileSync } from 'node:fs';

/** The committed OpenAPI document, read as the tests' contract (what users see), not rebuilt from code. */
// biome-ignore lint/suspicious/noExplicitAny: a JSON Schema is walked structurally.
export type Schema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface OperationObject {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema; example?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

export interface Operation {
  method: string;
  /** The path template, e.g. `/linked-accounts/{id}`. */
  path: string;
  operationId: string;
  operation: OperationObject;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

export const openApiDocument: OpenApiDocument = JSON.parse(
  readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8'),
);

/** Every operation of the document, in document order. */
export const operations: Operation[] = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.has(method))
    .map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operationId: operation.operationId ?? `${method} ${path}`,
      operation,
    })),
);

/** Follows a local `$ref` (one level at a time, as often as needed). */
export function resolveSchema(schema: Schema | undefined): Schema | undefined {
  let current = schema;
  for (let depth = 0; current?.$ref && depth < 20; depth++) {
    const name = String(current.$ref).replace('#/components/schemas/', '');
    current = openApiDocument.components.schemas[name];
  }
  return current;
}

const matchers = operations
  .map((operation) => {
    const names: string[] = [];
    const source = operation.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    });
    // A trailing parameter may span segments (the proxy's `{path}`): tried only when nothing else matches.
    const greedy = source.replace(/\(\[\^\/\]\+\)$/, '(.+)');
    return { operation, names, exact: new RegExp(`^${source}$`), greedy: new RegExp(`^${greedy}$`) };
  })
  // Static segments win over parameters (`/things/search` before `/things/{id}`).
  .sort((a, b) => a.names.length - b.names.length);

/** The operation a request path and method belong to, or undefined outside the API (pages, docs). */
export function findOperation(method: string, pathname: string): Operation | undefined {
  const upper = method.toUpperCase();
  for (const kind of ['exact', 'greedy'] as const) {
    const found = matchers.find(
      (matcher) => matcher.operation.method === upper && matcher[kind].test(pathname),
    );
    if (found) return found.operation;
  }
  return undefined;
}

export function parametersOf(operation: Operation, location: Parameter['in']): Parameter[] {
  return (operation.operation.parameters ?? []).filter((parameter) => parameter.in === location);
}

/** The JSON request body schema of an operation, if it takes one. */
export function requestBodySchema(operation: Operation): Schema | undefined {
  return operation.operation.requestBody?.content['application/json']?.schema;
}

/** A parameter that names a linked account (`la_…`): the header, or a path id of `/linked-accounts/{id}`. */
export function namesLinkedAccount(parameter: Parameter): boolean {
  if (parameter.in === 'header') return parameter.name.toLowerCase() === 'x-linked-account-id';
  return parameter.in === 'path' && String(resolveSchema(parameter.schema)?.example ?? '').startsWith('la_');
}

/**
 * A minimal value the schema accepts: its example where it has one, else the smallest thing of its type
 * (required properties only). Used to build requests whose only fault is the one a test puts in.
 */
export function exampleFor(input: Schema | undefined): unknown {
  const schema = resolveSchema(input) ?? {};
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (Array.isArray(schema.anyOf ?? schema.oneOf)) return exampleFor((schema.anyOf ?? schema.oneOf)[0]);
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((part: Schema) => exampleFor(part)));
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const name of schema.required ?? []) value[name] = exampleFor(schema.properties?.[name]);
      return value;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleFor(schema.items));
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date') return '2026-07-06';
      if (schema.format === 'date-time') return '2026-07-06T09:00:00.000Z';
      if (schema.format === 'email') return 'hr@example.com';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return null;
  }
}
