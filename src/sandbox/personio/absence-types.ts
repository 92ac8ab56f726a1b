/** The sandbox company's absence (time-off) types: day-based ones and hour-based ones. */

export type TimeOffUnit = 'day' | 'hour';

export interface SandboxTimeOffType {
  id: number;
  name: string;
  /** Personio's category enum (spec `TimeOffTypeResource.category`). */
  category: string;
  unit: TimeOffUnit;
  approvalRequired: boolean;
  halfDayRequestsEnabled: boolean;
  certificationRequired: boolean;
  /** Days after the absence by which a certificate is due; null without certification. */
  certificationSubmissionTimeframe: number | null;
  substituteOption: 'disabled' | 'optional' | 'required';
  /** Hour-based types also appear as an `AbsenceType` with a UUID inside `/company/absence-periods`. */
  absenceTypeUuid: string | null;
  /** Listed by `GET /company/employees/{id}/absences/balance` (types with an accrual policy). */
  hasBalance: boolean;
}

const dayType = (
  id: number,
  name: string,
  category: string,
  options: Partial<SandboxTimeOffType> = {},
): SandboxTimeOffType => ({
  id,
  name,
  category,
  unit: 'day',
  approvalRequired: true,
  halfDayRequestsEnabled: true,
  certificationRequired: false,
  certificationSubmissionTimeframe: null,
  substituteOption: 'disabled',
  absenceTypeUuid: null,
  hasBalance: false,
  ...options,
});

const hourType = (
  id: number,
  name: string,
  category: string,
  absenceTypeUuid: string,
  options: Partial<SandboxTimeOffType> = {},
): SandboxTimeOffType => ({
  ...dayType(id, name, category, options),
  unit: 'hour',
  absenceTypeUuid,
});

export const TIME_OFF_TYPES: readonly SandboxTimeOffType[] = [
  dayType(301, 'Paid vacation', 'paid_vacation', { hasBalance: true, substituteOption: 'optional' }),
  dayType(302, 'Sick leave', 'sick_leave', {
    approvalRequired: false,
    certificationRequired: true,
    certificationSubmissionTimeframe: 3,
  }),
  dayType(303, 'Parental leave', 'maternity_parental_leave', { halfDayRequestsEnabled: false }),
  dayType(304, 'Unpaid leave', 'unpaid_vacation', { halfDayRequestsEnabled: false }),
  dayType(308, 'Education leave', 'other', { hasBalance: true, halfDayRequestsEnabled: false }),
  hourType(305, 'Mobile work', 'offsite_work', '2f1c9a4e-5b7d-4c3e-9a1f-6d8e0b2c4a71', {
    approvalRequired: false,
  }),
  hourType(306, "Doctor's appointment", 'other', '7a3e5c1b-9d2f-4e8a-b6c4-1f0d3e5a7b92', {
    approvalRequired: false,
    halfDayRequestsEnabled: false,
  }),
  hourType(307, 'Overtime compensation', 'other', 'c4b8e2d6-1a3f-4b5c-8d7e-9f0a1b2c3d43', {
    hasBalance: true,
  }),
];

export function timeOffTypeById(id: number): SandboxTimeOffType | undefined {
  return TIME_OFF_TYPES.find((type) => type.id === id);
}

/** The `attributes` of `GET /company/time-off-types` items, including the configuration fields added in 2024. */
export function renderTimeOffType(type: SandboxTimeOffType) {
  return {
    type: 'TimeOffType',
    attributes: {
      id: type.id,
      name: type.name,
      category: type.category,
      unit: type.unit,
      approval_required: type.approvalRequired,
      half_day_requests_enabled: type.halfDayRequestsEnabled,
      certification_required: type.certificationRequired,
      certification_submission_timeframe: type.certificationSubmissionTimeframe,
      substitute_option: type.substituteOption,
      legacy_category: null,
    },
  };
}
