/** Fixed organisation of the sandbox company: the small lists seeded employees are drawn from. */

export interface NamedEntity {
  id: number;
  name: string;
}

export interface HolidayCalendar extends NamedEntity {
  country: string;
  state: string;
}

export interface Office extends NamedEntity {
  subcompany: NamedEntity;
  holidayCalendar: HolidayCalendar;
}

export interface Department extends NamedEntity {
  teams: readonly NamedEntity[];
  positions: readonly string[];
  costCenter: NamedEntity;
}

const GMBH: NamedEntity = { id: 7001, name: 'Example Company GmbH' };
const LTD: NamedEntity = { id: 7002, name: 'Example Company Ltd' };
const SL: NamedEntity = { id: 7003, name: 'Example Company S.L.' };

export const OFFICES: readonly Office[] = [
  {
    id: 4101,
    name: 'Munich',
    subcompany: GMBH,
    holidayCalendar: { id: 2, name: 'Deutschland (Bayern) Feiertage', country: 'DE', state: 'Bayern' },
  },
  {
    id: 4102,
    name: 'Berlin',
    subcompany: GMBH,
    holidayCalendar: { id: 3, name: 'Deutschland (Berlin) Feiertage', country: 'DE', state: 'Berlin' },
  },
  {
    id: 4103,
    name: 'Hamburg',
    subcompany: GMBH,
    holidayCalendar: { id: 4, name: 'Deutschland (Hamburg) Feiertage', country: 'DE', state: 'Hamburg' },
  },
  {
    id: 4104,
    name: 'London',
    subcompany: LTD,
    holidayCalendar: { id: 11, name: 'United Kingdom (England) Holidays', country: 'GB', state: 'England' },
  },
  {
    id: 4105,
    name: 'Madrid',
    subcompany: SL,
    holidayCalendar: { id: 21, name: 'España (Madrid) Festivos', country: 'ES', state: 'Madrid' },
  },
];

export const DEPARTMENTS: readonly Department[] = [
  {
    id: 3101,
    name: 'Engineering',
    teams: [
      { id: 5101, name: 'Platform' },
      { id: 5102, name: 'Integrations' },
    ],
    positions: ['Software Engineer', 'Senior Software Engineer', 'Engineering Manager', 'QA Engineer'],
    costCenter: { id: 8201, name: 'CC-100 Engineering' },
  },
  {
    id: 3102,
    name: 'Sales',
    teams: [
      { id: 5201, name: 'Inside Sales' },
      { id: 5202, name: 'Enterprise' },
    ],
    positions: ['Account Executive', 'Sales Development Representative', 'Head of Sales'],
    costCenter: { id: 8202, name: 'CC-200 Sales' },
  },
  {
    id: 3103,
    name: 'Marketing',
    teams: [{ id: 5301, name: 'Growth' }],
    positions: ['Online Marketing Specialist', 'Content Manager', 'Marketing Lead'],
    costCenter: { id: 8203, name: 'CC-300 Marketing' },
  },
  {
    id: 3104,
    name: 'Customer Support',
    teams: [
      { id: 5401, name: 'First Level' },
      { id: 5402, name: 'Onboarding' },
    ],
    positions: ['Support Agent', 'Customer Success Manager', 'Support Team Lead'],
    costCenter: { id: 8204, name: 'CC-400 Customer Support' },
  },
  {
    id: 3105,
    name: 'Finance',
    teams: [{ id: 5501, name: 'Accounting' }],
    positions: ['Accountant', 'Financial Controller', 'CFO'],
    costCenter: { id: 8205, name: 'CC-500 Finance' },
  },
  {
    id: 3106,
    name: 'People',
    teams: [{ id: 5601, name: 'Talent Acquisition' }],
    positions: ['HR Generalist', 'Recruiter', 'Head of People'],
    costCenter: { id: 8206, name: 'CC-600 People' },
  },
  {
    id: 3107,
    name: 'Operations',
    teams: [{ id: 5701, name: 'Workplace' }],
    positions: ['Office Manager', 'Operations Analyst'],
    costCenter: { id: 8207, name: 'CC-700 Operations' },
  },
];

/** Shared cost centre some employees split their time onto. */
export const SHARED_COST_CENTER: NamedEntity = { id: 8299, name: 'CC-900 Shared Services' };

const words = (text: string): readonly string[] => text.trim().split(/\s+/);

/** ASCII-only names so e-mail local parts need no transliteration. */
export const FEMALE_FIRST_NAMES = words(`
  Anna Mara Sofia Lena Clara Emma Hannah Lea Marie Julia Laura Sarah Elena Carmen Lucia Olivia
  Amelia Charlotte Ines Nora
`);

export const MALE_FIRST_NAMES = words(`
  Alexander Lukas Jonas Felix Paul Leon Max David Tobias Daniel Pablo Javier Mateo Oliver James
  Henry Samuel Elias Noah Jan
`);

export const LAST_NAMES = words(`
  Bergmann Kuhn Schmidt Schneider Fischer Weber Meyer Wagner Becker Hoffmann Koch Richter Klein
  Wolf Neumann Schwarz Zimmermann Braun Hartmann Lange Garcia Martinez Lopez Sanchez Romero Smith
  Jones Taylor Brown Wilson Evans Walker Novak Kowalski Rossi Bianchi Dubois Laurent Jensen
  Nielsen
`);

export const SHIRT_SIZES = ['S', 'M', 'L', 'XL'] as const;

export const TERMINATION_TYPES = ['Resignation', 'Dismissal', 'Mutual agreement', 'End of contract'] as const;

export const TERMINATION_REASONS = [
  'Career change',
  'Relocation',
  'Restructuring',
  'Personal reasons',
] as const;
