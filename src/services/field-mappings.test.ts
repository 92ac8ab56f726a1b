import { describe, expect, it } from 'vitest';
import type { Employee } from '../models/employee';
import {
  applyFieldMappings,
  coverageWithMappings,
  mappedWrite,
  mergeMappings,
  transformed,
} from './field-mappings';

const employee: Employee = {
  id: '1',
  first_name: 'Mara',
  last_name: 'Kuhn',
  preferred_name: null,
  display_name: 'Mara Kuhn',
  work_email: 'mara@example.org',
  employment_status: 'active',
  employment_type: 'employee',
  job_title: 'Controller',
  department: null,
  team: null,
  work_location: null,
  legal_entity: null,
  cost_centers: null,
  manager: null,
  hire_date: '2021-03-01',
  termination_date: null,
  date_of_birth: null,
  gender: 'female',
  weekly_working_hours: 40,
  avatar_url: null,
  custom_fields: {
    dynamic_1: ' 17.05.1990 ',
    dynamic_2: 'w',
    dynamic_3: 'MK',
    dynamic_4: '32,5',
    dynamic_5: null,
  },
  created_at: null,
  updated_at: null,
};

describe('field mapping transforms', () => {
  it('parses dates in the given format, after trim, and refuses impossible ones', () => {
    const mapping = {
      target: 'date_of_birth',
      remote_field: 'dynamic_1',
      transform: { trim: true, date_format: 'DD.MM.YYYY' },
    };
    expect(transformed(' 17.05.1990 ', mapping, 'date_of_birth')).toBe('1990-05-17');
    expect(transformed('31.02.1990', mapping, 'date_of_birth')).toBeNull();
    expect(transformed('1990-05-17', mapping, 'date_of_birth')).toBeNull();
    expect(transformed('5/7/2024', { ...mapping, transform: { date_format: 'M/D/YYYY' } }, 'hire_date')).toBe(
      '2024-05-07',
    );
  });

  it('maps enum values and makes a value that does not fit the target null', () => {
    const gender = {
      target: 'gender',
      remote_field: 'dynamic_2',
      transform: { value_map: { w: 'female', m: 'male' } },
    };
    expect(transformed('w', gender, 'gender')).toBe('female');
    expect(transformed('x', gender, 'gender')).toBeNull();
    expect(
      transformed('32,5', { target: 'weekly_working_hours', remote_field: 'd' }, 'weekly_working_hours'),
    ).toBe(32.5);
    expect(transformed('', { target: 'job_title', remote_field: 'd' }, 'job_title')).toBeNull();
  });

  it('applies mappings over the record: unified fields, custom keys, display name; an absent field is null', () => {
    const mapped = applyFieldMappings(employee, [
      { target: 'preferred_name', remote_field: 'dynamic_3' },
      { target: 'gender', remote_field: 'dynamic_2', transform: { value_map: { w: 'female' } } },
      { target: 'custom_fields.hours', remote_field: 'dynamic_4' },
      { target: 'job_title', remote_field: 'dynamic_9' },
    ]);
    expect(mapped).toMatchObject({
      preferred_name: 'MK',
      display_name: 'MK',
      gender: 'female',
      job_title: null,
    });
    expect(mapped.custom_fields).toMatchObject({ hours: '32,5', dynamic_4: '32,5' });
    expect(employee.preferred_name).toBeNull();
  });

  it('an account null drops an environment default; account mappings win by target', () => {
    const merged = mergeMappings(
      [
        { target: 'work_email', remote_field: 'dynamic_1' },
        { target: 'job_title', remote_field: 'dynamic_2' },
      ],
      [
        { target: 'work_email', remote_field: null },
        { target: 'job_title', remote_field: 'dynamic_3' },
      ],
    );
    expect(merged).toEqual([{ target: 'job_title', remote_field: 'dynamic_3', source: 'linked_account' }]);
  });

  it('writes mapped fields to their remote fields, values mapped back', () => {
    const mappings = mergeMappings(
      [
        { target: 'gender', remote_field: 'dynamic_2', transform: { value_map: { w: 'female' } } },
        { target: 'hire_date', remote_field: 'dynamic_1', transform: { date_format: 'DD.MM.YYYY' } },
        { target: 'custom_fields.size', remote_field: 'dynamic_6' },
        { target: 'work_email', remote_field: 'dynamic_7' },
      ],
      [],
    );
    expect(
      mappedWrite(
        { gender: 'female', hireDate: '2024-05-07', jobTitle: 'Lead', customFields: { size: 'L' } },
        mappings,
        { create: false },
      ),
    ).toEqual({
      jobTitle: 'Lead',
      customFields: { dynamic_2: 'w', dynamic_1: '07.05.2024', dynamic_6: 'L' },
    });
    // On create the provider's own address is still sent (Personio requires it), and the mapped field too.
    expect(mappedWrite({ workEmail: 'a@b.c' }, mappings, { create: true })).toEqual({
      workEmail: 'a@b.c',
      customFields: { dynamic_7: 'a@b.c' },
    });
  });

  it('field coverage names a mapping the credential could not read, and hides the stored readable list', () => {
    const coverage = {
      checked_at: '2026-01-01T00:00:00.000Z',
      available: ['work_email', 'first_name'],
      unavailable: [],
      readable_remote_fields: ['email', 'first_name'],
    };
    const mappings = mergeMappings([{ target: 'work_email', remote_field: 'dynamic_7' }], []);
    expect(coverageWithMappings(coverage, mappings)).toEqual({
      checked_at: '2026-01-01T00:00:00.000Z',
      available: ['first_name'],
      unavailable: [{ field: 'work_email', remote_fields: ['dynamic_7'] }],
    });
  });

  it('refuses custom keys that would reach the prototype of custom_fields', async () => {
    const { FieldMappingSchema } = await import('../models/field-mapping');
    for (const target of ['custom_fields.__proto__', 'custom_fields.constructor']) {
      expect(FieldMappingSchema.safeParse({ target, remote_field: 'dynamic_1' }).success, target).toBe(false);
    }
    expect(
      FieldMappingSchema.safeParse({ target: 'custom_fields.cost_centre', remote_field: 'dynamic_1' })
        .success,
    ).toBe(true);
  });
});
