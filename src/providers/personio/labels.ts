import { PERSONIO_FIELD_SOURCES } from './mappers/field-sources';

/** Personio attributes as the credential's whitelist names them (labels of Personio's own example). */
export const PERSONIO_ATTRIBUTE_LABELS: Record<string, string> = {
  first_name: 'First name',
  last_name: 'Last name',
  preferred_name: 'Preferred name',
  email: 'Email',
  status: 'Status',
  employment_type: 'Employment type',
  position: 'Position',
  department: 'Department',
  team: 'Team',
  office: 'Office',
  subcompany: 'Subcompany',
  cost_centers: 'Cost center',
  supervisor: 'Supervisor',
  hire_date: 'Hire date',
  termination_date: 'Termination date',
  date_of_birth: 'Date of birth (a custom attribute whose global ID is date_of_birth)',
  gender: 'Gender',
  weekly_working_hours: 'Weekly hours',
  profile_picture: 'Profile picture',
  created_at: 'Created at',
  last_modified_at: 'Last modified',
};

/** Every Personio attribute some unified field reads: the whitelist that fills all of them. */
export function recommendedWhitelist(): string[] {
  return [...new Set(Object.values(PERSONIO_FIELD_SOURCES).flat())];
}
