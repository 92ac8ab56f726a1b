/** How the unified Employee fields read to an HR admin. */
export const FIELD_LABELS: Record<string, string> = {
  first_name: 'First name',
  last_name: 'Last name',
  preferred_name: 'Preferred name',
  display_name: 'Display name',
  work_email: 'Work email',
  employment_status: 'Employment status',
  employment_type: 'Employment type',
  job_title: 'Job title',
  department: 'Department',
  team: 'Team',
  work_location: 'Work location (office)',
  legal_entity: 'Legal entity (subcompany)',
  cost_centers: 'Cost centers',
  manager: 'Manager (supervisor)',
  hire_date: 'Hire date',
  termination_date: 'Termination date',
  date_of_birth: 'Date of birth',
  gender: 'Gender',
  weekly_working_hours: 'Weekly working hours',
  avatar_url: 'Profile picture',
  created_at: 'Created at',
  updated_at: 'Last modified',
};

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}
