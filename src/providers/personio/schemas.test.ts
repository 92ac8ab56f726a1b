import { describe, expect, it } from 'vitest';
import { mapEmployee } from './mappers/employee';
import {
  AttributeSchema,
  EmployeeListSchema,
  isAttribute,
  isRelation,
  isSupervisor,
  type PersonioEmployee,
  READ_EMPLOYEE_ATTRIBUTES,
  RelationSchema,
  SupervisorSchema,
} from './schemas';

const SAMPLES: unknown[] = [
  null,
  1,
  'department',
  [],
  {},
  { attributes: null },
  { attributes: [] },
  { attributes: {} },
  { type: 1, attributes: {} },
  { type: null, attributes: { id: null, name: null, percentage: null } },
  { type: 'Department', attributes: { id: 12, name: 'Finance' } },
  { type: 'CostCenter', attributes: { id: '8', name: 'CC', percentage: '50' } },
  { attributes: { id: true } },
  { attributes: { name: 3 } },
  { attributes: { percentage: {} } },
  { attributes: { id: { label: 'ID', value: 2 } } },
  { attributes: { id: { label: 2, value: 2 } } },
  { attributes: { first_name: { value: 'Mo', universal_id: null } } },
  { attributes: { first_name: { label: 'First name' } } },
  { attributes: { first_name: { value: undefined } } },
  { attributes: { first_name: [] } },
  { attributes: { first_name: null } },
];

describe('the mappers’ predicates agree with the raw schemas', () => {
  it.each(SAMPLES.map((sample) => [JSON.stringify(sample) ?? 'undefined', sample]))('%s', (_name, sample) => {
    expect(isRelation(sample)).toBe(RelationSchema.safeParse(sample).success);
    expect(isSupervisor(sample)).toBe(SupervisorSchema.safeParse(sample).success);
    expect(isAttribute(sample)).toBe(AttributeSchema.safeParse(sample).success);
  });
});

describe('EmployeeListSchema', () => {
  const page = (attributes: unknown) => ({
    success: true,
    data: [
      { type: 'Employee', attributes: { id: { label: 'ID', value: 1, type: 'integer' } } },
      { type: 'Employee', attributes },
    ],
  });

  it('accepts attributes it does not know, leaving them as they came', () => {
    const attributes = { id: { label: 'ID', value: 2 }, dynamic_9: { label: 'X', value: [1], extra: true } };
    const parsed = EmployeeListSchema.parse(page(attributes));
    expect(parsed.data[1]!.attributes).toBe(attributes);
  });

  it('rejects a page whose read attribute is not an attribute object, and names it', () => {
    for (const attributes of [{ id: 2 }, { id: { label: 'ID' } }, { first_name: 'Mo' }, { dynamic_3: [] }]) {
      const parsed = EmployeeListSchema.safeParse(page(attributes));
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0]!.path).toEqual(['data', 1, 'attributes', Object.keys(attributes)[0]]);
    }
    for (const attributes of [[], null]) {
      const parsed = EmployeeListSchema.safeParse(page(attributes));
      expect(parsed.error!.issues[0]!.path).toEqual(['data', 1, 'attributes']);
    }
  });

  it('says what is wrong with each attribute it rejects, every one of them', () => {
    const parsed = EmployeeListSchema.safeParse(
      page({ id: 2, first_name: { label: 'First name', value: 'Mo' }, dynamic_7: { label: 7, value: 'x' } }),
    );
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      {
        path: ['data', 1, 'attributes', 'id'],
        message: 'expected an attribute object ({ label, value, type, universal_id })',
      },
      {
        path: ['data', 1, 'attributes', 'dynamic_7', 'label'],
        message: 'expected a string (a custom attribute is named by its label)',
      },
    ]);
  });

  it('accepts attributes it does not read in any shape, and an unread label or type of a read one', () => {
    const attributes = {
      id: { label: 3, value: 2, type: [] },
      fix_salary: 3000,
      holiday_calendar: 'Berlin',
      absence_entitlement: null,
    };
    expect(EmployeeListSchema.parse(page(attributes)).data[1]!.attributes).toBe(attributes);
  });
});

describe('READ_EMPLOYEE_ATTRIBUTES', () => {
  it('lists every attribute the employee mapper reads by name, so the schema checks each of them', () => {
    const read = new Set<string>();
    const attributes = new Proxy(
      {},
      {
        get(target, key) {
          if (typeof key === 'string') read.add(key);
          return Reflect.get(target, key);
        },
      },
    );
    mapEmployee({ attributes } as PersonioEmployee);
    expect(read.size).toBeGreaterThan(15);
    expect([...read].filter((key) => !READ_EMPLOYEE_ATTRIBUTES.has(key))).toEqual([]);
  });
});
