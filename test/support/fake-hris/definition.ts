import { z } from 'zod';
import type { Employee } from '../../../src/models/employee';
import { fieldCoverage } from '../../../src/providers/coverage';
import type { CredentialValues, ProviderDefinition } from '../../../src/providers/definition';
import { ProviderError } from '../../../src/providers/errors';
import type { HrisProvider } from '../../../src/providers/types';

/**
 * A second HRIS for tests: "Fake HR", one folder, registered through `registerProvider` like any other.
 * Its "API" is the in-memory `FakeHrisCompany` below; nothing generic knows about it.
 */
export interface FakeHrisCompany {
  /** The API token the company accepts; change it to revoke the linked credential. */
  apiToken: string;
  subdomain: string;
  /** Fields the token may read (the rest stay null, as with a narrow whitelist). */
  readable: Set<string>;
  people: { id: string; given: string; family: string; mail: string; title: string }[];
  /** Calls the fake served, for assertions. */
  calls: string[];
}

const FIELD_SOURCES: Record<string, string[]> = {
  first_name: ['given_name'],
  last_name: ['family_name'],
  display_name: ['given_name', 'family_name'],
  work_email: ['mail'],
  job_title: ['role_title'],
};

function employee(company: FakeHrisCompany, person: FakeHrisCompany['people'][number]): Employee {
  const can = (field: string) => company.readable.has(field);
  return {
    id: person.id,
    first_name: can('given_name') ? person.given : null,
    last_name: can('family_name') ? person.family : null,
    preferred_name: null,
    display_name: can('given_name') && can('family_name') ? `${person.given} ${person.family}` : null,
    work_email: can('mail') ? person.mail : null,
    employment_status: 'active',
    employment_type: null,
    job_title: can('role_title') ? person.title : null,
    department: null,
    team: null,
    work_location: null,
    legal_entity: null,
    cost_centers: null,
    manager: null,
    hire_date: null,
    termination_date: null,
    date_of_birth: null,
    gender: null,
    weekly_working_hours: null,
    avatar_url: null,
    custom_fields: {},
    created_at: null,
    updated_at: null,
  };
}

function authenticate(company: FakeHrisCompany, credentials: CredentialValues): void {
  company.calls.push('auth');
  if (credentials.api_token !== company.apiToken || credentials.subdomain !== company.subdomain) {
    // A typed outcome, no HTTP status or marker in the details: the gateway must act on the kind alone.
    throw new ProviderError('credentials_rejected', 'Fake HR refused the API token.');
  }
}

function provider(company: FakeHrisCompany, credentials: () => Promise<CredentialValues>): HrisProvider {
  const authenticated = async () => authenticate(company, await credentials());
  const notOffered = () =>
    Promise.reject(new Error('the gateway called an operation Fake HR does not declare'));
  return {
    async listEmployees(query) {
      await authenticated();
      company.calls.push('listEmployees');
      const position = query.position as { offset?: unknown } | null | undefined;
      const start = typeof position?.offset === 'number' ? position.offset : 0;
      const people = company.people.slice(start, start + query.limit);
      const end = start + people.length;
      return {
        items: people.map((person) => employee(company, person)),
        next: end < company.people.length ? { offset: end } : null,
      };
    },
    async getEmployee(id) {
      await authenticated();
      const person = company.people.find((candidate) => candidate.id === id);
      return person ? employee(company, person) : null;
    },
    async listTimeoffTypes() {
      await authenticated();
      return [];
    },
    async listTimeoffRequests() {
      await authenticated();
      return { items: [], next: null };
    },
    async getTimeoffRequest() {
      await authenticated();
      return null;
    },
    createTimeoffRequest: notOffered,
    deleteTimeoffRequest: notOffered,
    listTimeoffBalances: notOffered,
    createEmployee: notOffered,
    updateEmployee: notOffered,
    getEmployeeAvatar: notOffered,
    listRemoteFields: notOffered,
  };
}

export function fakeHrisDefinition(company: FakeHrisCompany): ProviderDefinition {
  return {
    id: 'fake-hris',
    displayName: 'Fake HR',
    integrations: [{ id: 'fake-hris', sandbox: false }],
    credentials: {
      schema: z.object({ subdomain: z.string(), api_token: z.string() }),
      fields: [
        {
          name: 'subdomain',
          label: 'Company subdomain',
          hint: 'The part before .fakehr.example',
          secret: false,
          maxLength: 63,
        },
        { name: 'api_token', label: 'API token', secret: true, maxLength: 200 },
      ],
      help: { summary: 'Where is my Fake HR token?', steps: ['Open Admin → Tokens in Fake HR.'] },
    },
    coverage: {
      fieldSources: FIELD_SOURCES,
      remoteFieldLabels: { role_title: 'Role title', mail: 'E-mail' },
      grantHint: 'Grant the token these scopes in Fake HR, then check again.',
      grantColumn: 'Scope in Fake HR',
      grantListTitle: 'Scopes for complete employee data:',
    },
    capabilities: {
      operations: [
        'listEmployees',
        'getEmployee',
        'listTimeoffTypes',
        'listTimeoffRequests',
        'getTimeoffRequest',
      ],
      writes: false,
      sync: true,
    },
    connect: (runtime) => ({
      async validateCredentials(_integration, credentials) {
        authenticate(company, credentials);
        return {
          fieldCoverage: fieldCoverage(FIELD_SOURCES, company.readable, runtime.now()),
          resourceAccess: null,
          companyName: null,
          companyFingerprint: `fake:${company.subdomain}`,
          capabilities: null,
        };
      },
      async hris(account) {
        return provider(company, account.credentials);
      },
      async forget() {},
    }),
  };
}
