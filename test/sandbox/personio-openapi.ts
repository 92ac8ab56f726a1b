import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Loads Personio's official v1 OpenAPI files (shared folder beside the repo) and turns their schemas into
 * ajv validators. OpenAPI 3.0 schemas are close to JSON Schema draft-07; `#/components/schemas/X` refs are
 * rewritten to `<spec id>#/$defs/X` so that every operation schema resolves against one registered root.
 */

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is navigated structurally and checked at runtime.
export type Json = any;

const SPEC_DIR = new URL('../../../shared/personio-api/spec/', import.meta.url);
export const PERSONNEL_SPEC_FILE = 'personio-personnel-data-api-oa3.yaml';
export const AUTH_SPEC_FILE = 'personio-auth-api.yaml';

export function loadSpec(file: string): Json {
  return parse(readFileSync(new URL(file, SPEC_DIR), 'utf8'));
}

/** A deliberate, documented change to the official spec; `apply` throws if the spec no longer matches. */
export interface Erratum {
  id: string;
  kind: 'spec-bug' | 'simulator-assumption';
  why: string;
  apply(spec: Json): void;
}

function expectNode(condition: boolean, erratum: string, detail: string): void {
  if (!condition) throw new Error(`Erratum ${erratum} no longer matches the spec (${detail}); re-check it.`);
}

export const PERSONNEL_ERRATA: readonly Erratum[] = [
  {
    id: 'E1-employee-list-data-is-array',
    kind: 'spec-bug',
    why:
      'EmployeesResponse = allOf[Response, …]; Response types `data` as object while the second branch and ' +
      'every example make it an array, so no list response can satisfy the schema (Prism flags the same).',
    apply(spec) {
      const schemas = spec.components.schemas;
      const allOf = schemas.EmployeesResponse?.allOf;
      expectNode(
        isDeepStrictEqual(allOf?.[0], { $ref: '#/components/schemas/Response' }),
        this.id,
        'allOf[0]',
      );
      expectNode(schemas.Response?.properties?.data?.type === 'object', this.id, 'Response.data.type');
      expectNode(allOf?.[1]?.properties?.data?.type === 'array', this.id, 'allOf[1].data.type');
      // Same envelope minus the object constraint on `data`; allOf[1] still requires the array.
      allOf[0] = {
        type: 'object',
        required: ['success', 'data'],
        properties: { success: { type: 'boolean' }, data: {} },
      };
    },
  },
  {
    id: 'E2-supervisor-may-be-null',
    kind: 'simulator-assumption',
    why:
      'An employee without supervisor is sent as `supervisor.value: null` (UNCONFIRMED, chosen to match how ' +
      'the spec example renders every other unset attribute); the spec only models a present supervisor.',
    apply(spec) {
      const supervisor = spec.components.schemas.Supervisor?.properties;
      expectNode(
        isDeepStrictEqual(supervisor?.value, { $ref: '#/components/schemas/ShortEmployee' }),
        this.id,
        'Supervisor.value',
      );
      supervisor.value = { anyOf: [{ $ref: '#/components/schemas/ShortEmployee' }, { type: 'null' }] };
    },
  },
];

/**
 * `/company/employees/attributes` documents only an example, no schema. This schema is derived from that
 * example (and REFERENCE §3.3); the spec test asserts the gap still exists and the example still fits.
 */
export const ATTRIBUTE_LIST_SCHEMA_FROM_EXAMPLE = {
  type: 'object',
  required: ['success', 'data'],
  additionalProperties: false,
  properties: {
    success: { type: 'boolean', enum: [true] },
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'label', 'type', 'universal_id'],
        additionalProperties: false,
        properties: {
          key: { type: 'string', minLength: 1 },
          label: { type: 'string' },
          type: { $ref: '#/components/schemas/TypeEnum' },
          universal_id: { type: 'string', nullable: true },
          options: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
};

/**
 * The spec leaves every property of an attribute object optional, so it would accept `{}`. Every official
 * example (and REFERENCE §3.3) has label/value/type/universal_id; this stricter check is applied on top.
 */
const ATTRIBUTE_OBJECT_SCHEMA = {
  type: 'object',
  required: ['label', 'value', 'type', 'universal_id'],
  additionalProperties: false,
  properties: {
    label: { type: 'string' },
    value: {},
    type: { $ref: '#/components/schemas/TypeEnum' },
    universal_id: { type: 'string', nullable: true },
    currency: { type: 'string' },
  },
};

export const EMPLOYEE_ITEM_STRICT_SCHEMA = {
  type: 'object',
  required: ['type', 'attributes'],
  properties: {
    type: { enum: ['Employee'] },
    attributes: {
      type: 'object',
      required: ['id'],
      properties: { id: ATTRIBUTE_OBJECT_SCHEMA },
      additionalProperties: ATTRIBUTE_OBJECT_SCHEMA,
    },
  },
};

function rewriteRefs(node: Json, specId: string): Json {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, specId));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string'
        ? value.replace('#/components/schemas/', `${specId}#/$defs/`)
        : rewriteRefs(value, specId),
    ]),
  );
}

export interface SpecValidators {
  /** Validator for an operation's documented response schema, e.g. ('/company/employees', 'get', '200'). */
  forOperation(path: string, method: string, status: string): ValidateFunction;
  /** Validator for `components.responses[name]` (e.g. the shared 401/403 responses). */
  forSharedResponse(name: string): ValidateFunction;
  /** Validator for an extra schema whose `#/components/schemas/...` refs point into this spec. */
  forSchema(schema: Json): ValidateFunction;
}

export function buildValidators(spec: Json, specId: string): SpecValidators {
  // strictTypes is off because OpenAPI 3.0 authors routinely omit `type: object` next to `properties`;
  // that is about how the schema is written, not about which documents it accepts.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
  const addFormats = addFormatsPlugin as unknown as (instance: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addVocabulary(['example']);
  ajv.addSchema({ $id: specId, $defs: rewriteRefs(spec.components.schemas, specId) });

  const compile = (schema: Json, where: string): ValidateFunction => {
    if (schema === undefined) throw new Error(`${where} has no schema in ${specId}`);
    return ajv.compile(rewriteRefs(schema, specId));
  };
  return {
    forOperation: (path, method, status) =>
      compile(
        spec.paths[path]?.[method]?.responses?.[status]?.content?.['application/json']?.schema,
        `${method.toUpperCase()} ${path} → ${status}`,
      ),
    forSharedResponse: (name) =>
      compile(spec.components.responses?.[name]?.content?.['application/json']?.schema, `responses.${name}`),
    forSchema: (schema) => compile(schema, 'extra schema'),
  };
}

/** A spec deep copy with the given errata applied. */
export function patchedSpec(spec: Json, errata: readonly Erratum[]): Json {
  const copy = structuredClone(spec);
  for (const erratum of errata) erratum.apply(copy);
  return copy;
}

export function officialExample(spec: Json, path: string, method: string, status: string): Json {
  const example =
    spec.paths[path]?.[method]?.responses?.[status]?.content?.['application/json']?.examples?.response?.value;
  if (example === undefined)
    throw new Error(`No official example for ${method.toUpperCase()} ${path} → ${status}`);
  return example;
}

export function describeErrors(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ');
}
