import { describe, expect, it } from 'vitest';
import full from '../../../../test/fixtures/personio/employee-full.json';
import limited from '../../../../test/fixtures/personio/employee-limited.json';
import { EmployeeSchema as UnifiedEmployeeSchema } from '../../../models/employee';
import { EmployeeSchema } from '../schemas';
import { employeeFieldCoverage } from './coverage';
import { mapEmployee } from './employee';

const fullEmployee = EmployeeSchema.parse(full);
const limitedEmployee = EmployeeSchema.parse(limited);

describe('mapEmployee', () => {
  it('maps every attribute of a fully whitelisted credential', () => {
    const employee = mapEmployee(fullEmployee);
    expect(employee).toEqual({
      id: '4711',
      first_name: 'Mara',
      last_name: 'Kuhn',
      preferred_name: null,
      display_name: 'Mara Kuhn',
      work_email: 'mara.kuhn@example.org',
      employment_status: 'pending',
      employment_type: 'employee',
      job_title: 'Controller',
      department: { id: '12', name: 'Finance' },
      team: { id: '55', name: 'Controlling' },
      work_location: { id: '131014', name: 'Munich' },
      legal_entity: { id: '7033', name: 'CS Demo GmbH' },
      cost_centers: [
        { id: '82957', name: 'Cost center 1', percentage: 60 },
        { id: '82958', name: 'Cost center 2', percentage: 40 },
      ],
      manager: { id: '2', display_name: 'Alexander Bergmann' },
      hire_date: '2021-03-01',
      termination_date: null,
      date_of_birth: '1990-05-17',
      gender: 'female',
      weekly_working_hours: 32.5,
      avatar_url: 'https://api.personio.de/v1/company/employees/4711/profile-picture',
      custom_fields: {
        dynamic_1001: 'M',
        dynamic_1002: '1990-05-17',
        dynamic_1003: null,
        dynamic_1004: 'MK',
      },
      created_at: '2021-02-10T08:00:00.000Z',
      updated_at: '2025-06-30T14:00:00.000Z',
    });
    expect(UnifiedEmployeeSchema.safeParse(employee).success).toBe(true);
  });

  it('keys custom fields by the attribute key, whatever their labels', () => {
    const raw = structuredClone(full) as typeof full;
    raw.attributes.dynamic_1001.label = 'Taille de t-shirt';
    expect(Object.keys(mapEmployee(EmployeeSchema.parse(raw)).custom_fields)).toEqual([
      'dynamic_1001',
      'dynamic_1002',
      'dynamic_1003',
      'dynamic_1004',
    ]);
  });

  it('keeps the calendar date of midnight-CET dates instead of shifting them to UTC', () => {
    expect(mapEmployee(fullEmployee).hire_date).toBe('2021-03-01');
  });

  it('returns null, never an empty string, for attributes the credential cannot read', () => {
    const employee = mapEmployee(limitedEmployee);
    expect(employee).toMatchObject({
      id: '4711',
      first_name: 'Mara',
      last_name: 'Kuhn',
      display_name: 'Mara Kuhn',
      work_email: 'mara.kuhn@example.org',
      employment_status: 'active',
    });
    for (const field of [
      'preferred_name',
      'employment_type',
      'job_title',
      'department',
      'team',
      'work_location',
      'legal_entity',
      'cost_centers',
      'manager',
      'hire_date',
      'termination_date',
      'date_of_birth',
      'gender',
      'weekly_working_hours',
      'avatar_url',
      'created_at',
      'updated_at',
    ] as const) {
      expect(employee[field], field).toBeNull();
    }
    expect(employee.custom_fields).toEqual({});
    expect(UnifiedEmployeeSchema.safeParse(employee).success).toBe(true);
  });

  it('adds remote_data only when asked', () => {
    expect(mapEmployee(limitedEmployee)).not.toHaveProperty('remote_data');
    expect(mapEmployee(limitedEmployee, { includeRemoteData: true }).remote_data).toEqual(limited);
  });

  it('prefers the preferred name for display_name', () => {
    const raw = structuredClone(limited) as typeof limited & { attributes: Record<string, unknown> };
    raw.attributes.preferred_name = {
      label: 'Name (preferred)',
      value: 'Mo',
      type: 'standard',
      universal_id: 'preferred_name',
    };
    expect(mapEmployee(EmployeeSchema.parse(raw)).display_name).toBe('Mo');
  });

  it('maps unknown enum values to null rather than guessing', () => {
    const raw = structuredClone(full) as typeof full;
    raw.attributes.status.value = 'archived';
    raw.attributes.gender.value = 'unknown';
    raw.attributes.employment_type.value = 'freelance';
    const employee = mapEmployee(EmployeeSchema.parse(raw));
    expect(employee.employment_status).toBeNull();
    expect(employee.gender).toBeNull();
    expect(employee.employment_type).toBeNull();
  });
});

describe('employeeFieldCoverage', () => {
  it('names the unified fields a limited credential cannot fill and what to whitelist', () => {
    const coverage = employeeFieldCoverage(
      ['id', 'first_name', 'last_name', 'email', 'status'].map((key) => ({
        key,
        label: key,
        type: 'standard',
        universal_id: key,
      })),
      new Date('2026-01-01T00:00:00Z'),
    );
    expect(coverage.available).toEqual([
      'first_name',
      'last_name',
      'display_name',
      'work_email',
      'employment_status',
    ]);
    expect(coverage.unavailable).toContainEqual({ field: 'department', remote_fields: ['department'] });
    expect(coverage.unavailable).toContainEqual({
      field: 'date_of_birth',
      remote_fields: ['date_of_birth'],
    });
  });

  it('finds custom attributes by universal id', () => {
    const coverage = employeeFieldCoverage(
      [{ key: 'dynamic_1002', label: 'Date of birth', type: 'date', universal_id: 'date_of_birth' }],
      new Date(),
    );
    expect(coverage.available).toEqual(['date_of_birth']);
  });
});
