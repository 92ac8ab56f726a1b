import { isDeepStrictEqual } from 'node:util';
import type { Erratum, Json } from './personio-openapi';

/**
 * Documented changes to the official spec for the absence endpoints, in the style of PERSONNEL_ERRATA:
 * each names what it fixes and refuses to apply when the spec node it patches has changed.
 */

function expectNode(condition: boolean, erratum: string, detail: string): void {
  if (!condition) throw new Error(`Erratum ${erratum} no longer matches the spec (${detail}); re-check it.`);
}

const RESPONSE_REF = { $ref: '#/components/schemas/Response' };

export const ABSENCE_ERRATA: readonly Erratum[] = [
  {
    id: 'A1-absence-list-data-is-array',
    kind: 'spec-bug',
    why:
      'AbsencePeriodsResponse and HourlyAbsencePeriodsResponse are allOf[Response, …] like EmployeesResponse (E1): ' +
      'Response types `data` as object, the second branch as array, so no list can satisfy them.',
    apply(spec) {
      const schemas = spec.components.schemas;
      expectNode(schemas.Response?.properties?.data?.type === 'object', this.id, 'Response.data.type');
      for (const name of ['AbsencePeriodsResponse', 'HourlyAbsencePeriodsResponse']) {
        const allOf = schemas[name]?.allOf;
        expectNode(isDeepStrictEqual(allOf?.[0], RESPONSE_REF), this.id, `${name}.allOf[0]`);
        expectNode(allOf?.[1]?.properties?.data?.type === 'array', this.id, `${name}.allOf[1].data.type`);
        allOf[0] = {
          type: 'object',
          required: ['success', 'data'],
          properties: { success: { type: 'boolean' }, data: {} },
        };
      }
    },
  },
  {
    id: 'A2-create-time-off-response-wrapped-twice',
    kind: 'spec-bug',
    why:
      'POST /company/time-offs 200 is `{ data: AbsencePeriodResponse }`, but AbsencePeriodResponse already is the ' +
      '`{ success, data }` envelope (GET /company/time-offs/{id} uses it directly); the official example has one envelope.',
    apply(spec) {
      const content =
        spec.paths['/company/time-offs']?.post?.responses?.['200']?.content?.['application/json'];
      expectNode(
        isDeepStrictEqual(content?.schema?.properties?.data, {
          $ref: '#/components/schemas/AbsencePeriodResponse',
        }),
        this.id,
        'POST /company/time-offs 200 schema',
      );
      content.schema = { $ref: '#/components/schemas/AbsencePeriodResponse' };
    },
  },
  {
    id: 'A3-create-absence-period-response-wrapped-twice',
    kind: 'spec-bug',
    why:
      'POST /company/absence-periods 201 is `{ data: HourlyAbsencePeriodResponse }`, the same double envelope as A2. ' +
      '(Its example additionally sends `data` as a one-element array, which no reading of the schema allows.)',
    apply(spec) {
      const content =
        spec.paths['/company/absence-periods']?.post?.responses?.['201']?.content?.['application/json'];
      expectNode(
        isDeepStrictEqual(content?.schema?.properties?.data, {
          $ref: '#/components/schemas/HourlyAbsencePeriodResponse',
        }),
        this.id,
        'POST /company/absence-periods 201 schema',
      );
      content.schema = { $ref: '#/components/schemas/HourlyAbsencePeriodResponse' };
    },
  },
  {
    id: 'A4-absence-type-is-wrapped',
    kind: 'spec-bug',
    why:
      'HourlyAbsence.absence_type is AbsenceType `{ id, name, time_off_type_id }`, but every official example (and ' +
      'REFERENCE §3.6) wraps it as `{ type: "AbsenceType", attributes: { id, name, time_off_type_id } }`.',
    apply(spec) {
      const properties = spec.components.schemas.HourlyAbsence?.properties;
      expectNode(
        isDeepStrictEqual(properties?.absence_type, { $ref: '#/components/schemas/AbsenceType' }),
        this.id,
        'HourlyAbsence.absence_type',
      );
      properties.absence_type = {
        type: 'object',
        required: ['type', 'attributes'],
        properties: {
          type: { type: 'string', enum: ['AbsenceType'] },
          attributes: { $ref: '#/components/schemas/AbsenceType' },
        },
      };
    },
  },
];

/** The official list examples carry `offset: "0,"` and `limit: 200,` (a YAML typo that makes strings). */
export function withoutOffsetTypo(example: Json): Json {
  const copy = structuredClone(example);
  if (copy.offset === '0,') copy.offset = 0;
  if (copy.limit === '200,') copy.limit = 200;
  return copy;
}
