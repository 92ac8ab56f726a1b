import fc from 'fast-check';
import { resolveSchema, type Schema } from './openapi';

/** Values that break parsers, validators and databases, whatever the schema says. */
export const EDGE_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '1.5',
  '1e309',
  '9007199254740993',
  'null',
  'true',
  '[]',
  '{}',
  '%',
  '%00',
  '%zz',
  '\u0000',
  'a\u0000b',
  '\t\n',
  '\uD800',
  '😀',
  'ü',
  '../..',
  '..%2f..%2f',
  '%2e%2e%2f',
  '//',
  '\\',
  'http://169.254.169.254/',
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '2026-02-30',
  '2026-13-01',
  '0000-00-00',
  '9999-12-31T23:59:59.999Z',
  '25:61',
  'la_',
  'la_0',
  'sk_test_',
  'x'.repeat(300),
  'y'.repeat(5000),
];

export const edgeString = fc.constantFrom(...EDGE_STRINGS);

/** Any string a client could send: printable, unicode, control characters, edge values. */
export const anyString = fc.oneof(
  { weight: 3, arbitrary: edgeString },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const isoDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));
const isoDateTime = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

/** Known good values by property or parameter name (ids that exist, a real cursor), mixed into the fuzz. */
export type KnownValues = Record<string, readonly unknown[]>;

/**
 * Values a schema accepts, mostly, built from the document: enums, formats, patterns, bounds, required and
 * optional properties. `known` adds real values for names it lists, so generated requests reach the code
 * that runs after validation.
 */
export function schemaValue(
  input: Schema | undefined,
  known: KnownValues = {},
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const schema = resolveSchema(input) ?? {};
  const choices: fc.Arbitrary<unknown>[] = [];
  const knownValues = known[name];
  if (knownValues?.length) choices.push(fc.constantFrom(...knownValues));
  if (schema.example !== undefined) choices.push(fc.constant(schema.example));
  choices.push(typedValue(schema, known, depth));
  return fc.oneof(...choices);
}

function typedValue(schema: Schema, known: KnownValues, depth: number): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives))
    return fc.oneof(...alternatives.map((part: Schema) => schemaValue(part, known, '', depth)));
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type: string) => typedValue({ ...schema, type }, known, depth)));
  }
  switch (schema.type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min =
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1_000_000);
      const max =
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1_000_000);
      return fc.integer({ min, max });
    }
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'string':
      if (schema.format === 'date') return isoDate;
      if (schema.format === 'date-time') return isoDateTime;
      if (schema.format === 'email') return fc.emailAddress();
      if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.max(schema.minLength ?? 0, Math.min(schema.maxLength ?? 30, 30)),
      });
    case 'array':
      if (depth > 4) return fc.constant([]);
      return fc.array(schemaValue(schema.items, known, '', depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties: Record<string, Schema> = schema.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [property, propertySchema] of Object.entries(properties)) {
        model[property] = schemaValue(propertySchema, known, property, depth + 1);
      }
      return fc.record(model, {
        requiredKeys: (schema.required ?? []).filter((key: string) => key in model),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Mostly what the schema accepts, sometimes anything at all. */
export function fuzzValue(
  schema: Schema | undefined,
  known: KnownValues = {},
  name = '',
): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: schemaValue(schema, known, name) },
    { weight: 2, arbitrary: anyString },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
}

/**
 * A JSON body: mostly one the schema accepts (or nearly: a property dropped, added or replaced), sometimes
 * malformed JSON, another JSON value, or bytes that are not JSON at all.
 */
export function fuzzJsonBody(schema: Schema | undefined, known: KnownValues = {}): fc.Arbitrary<string> {
  const valid = schemaValue(schema, known);
  const nearly = fc
    .tuple(valid, anyString, fc.jsonValue({ maxDepth: 1 }))
    .map(([value, key, extra]) =>
      value && typeof value === 'object' && !Array.isArray(value) ? { ...value, [key]: extra } : value,
    );
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((value) => JSON.stringify(value)) },
    { weight: 2, arbitrary: nearly.map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        '{',
        '{"a":',
        '{"employee_id":1001,}',
        "{'a':1}",
        'null',
        '[]',
        '"text"',
        '1e999999',
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        `{"a":"${'\\ud800'}"}`,
        '{"a":"\\u0000"}',
        `${'['.repeat(2000)}${']'.repeat(2000)}`,
        '\uFEFF{}',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
  );
}

/** Header values a Fetch `Headers` object accepts (a ByteString without CR, LF or NUL). */
export const headerValue = fc.oneof(
  fc.constantFrom('', ' ', 'null', 'la_', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'x'.repeat(4000), 'ü'),
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code)),
    maxLength: 40,
  }),
);

/** Content types a client might (wrongly) send with a body. */
export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  'application/xml',
  '*/*',
  'json',
  ';',
);

/** The string with lone surrogates replaced, so it can be percent-encoded (they cannot). */
export function wellFormed(value: string): string {
  return value.replace(/\p{Cs}/gu, '\uFFFD');
}
