import { z } from 'zod';
import { hiddenAbsenceDetailsError, reachesHiddenAbsenceDetails } from '../../routes/proxy/absence-policy';
import type { ProviderDefinition } from '../definition';
import { PersonioConnector } from './connector';
import { PERSONIO_ATTRIBUTE_LABELS } from './labels';
import { PERSONIO_FIELD_SOURCES } from './mappers/field-sources';
import { type PersonioSettings, personioSettings } from './settings';

/** Personio: everything generic code needs to know, in one place (see `docs/providers.md`). */
export const personioDefinition: ProviderDefinition<PersonioSettings> = {
  id: 'personio',
  displayName: 'Personio',
  integrations: [
    { id: 'personio', sandbox: false },
    { id: 'personio-sandbox', sandbox: true },
  ],
  credentials: {
    // Stored as `{ client_id, client_secret }`, as before the provider registry existed.
    schema: z.object({ client_id: z.string(), client_secret: z.string() }),
    fields: [
      {
        name: 'client_id',
        label: 'Client ID',
        hint: 'From Personio: Settings → API credentials.',
        secret: false,
        maxLength: 200,
      },
      {
        name: 'client_secret',
        label: 'Client secret',
        hint: 'Shown by Personio only once, when the credential is created.',
        secret: true,
        maxLength: 500,
      },
    ],
    help: {
      summary: 'Where do I create API credentials?',
      steps: [
        'In Personio (as an admin), open Settings → API credentials and generate a new credential for a custom integration.',
        'Give it read access to employees.',
        'Under the readable employee attributes, whitelist the ones below. Personio silently leaves out every attribute that is not whitelisted, so those fields would stay empty.',
        'Copy the client ID and the client secret into this form.',
      ],
    },
    rejectedMessage:
      'Personio did not accept this client ID and secret. Check that both were copied completely and that the credential is still active in Personio.',
    sandboxHint:
      'Use client ID sandbox-full with secret sandbox-secret-full, or sandbox-limited / sandbox-secret-limited to see a credential with few whitelisted attributes.',
  },
  coverage: {
    fieldSources: PERSONIO_FIELD_SOURCES,
    remoteFieldLabels: PERSONIO_ATTRIBUTE_LABELS,
    grantHint:
      'Personio leaves out attributes that the credential does not whitelist, so these fields will be empty. To fill them, edit the credential in Personio (Settings → API credentials), whitelist the attributes below, then check again.',
    grantColumn: 'Whitelist in Personio',
    grantListTitle: 'Attributes to whitelist for complete employee data:',
  },
  proxy: {
    // `/proxy/company/…` is v1; `v1/…` and `v2/…` name the version (v2 sits beside v1 on the same host).
    versions: ['v1', 'v2'],
    defaultVersion: 'v1',
    policy: (target, account) =>
      account.settings?.hide_absence_details && reachesHiddenAbsenceDetails(target)
        ? hiddenAbsenceDetailsError()
        : null,
  },
  inboundWebhooksHint:
    'Without the webhooks scope, the application learns of changes in Personio only at its next scheduled check (every 15 minutes by default). Give the credential the scope personio:webhooks:write (Settings → API credentials) and check again: changes to employees and absences then reach it within seconds, and Personio is asked far less often.',
  capabilities: {
    operations: [
      'listEmployees',
      'getEmployee',
      'listTimeoffTypes',
      'listTimeoffRequests',
      'getTimeoffRequest',
      'createTimeoffRequest',
      'deleteTimeoffRequest',
      'listTimeoffBalances',
      'createEmployee',
      'updateEmployee',
      'getEmployeeAvatar',
      'listRemoteFields',
    ],
    writes: true,
    sync: true,
  },
  settings: personioSettings,
  connect: (runtime) => new PersonioConnector(runtime),
};
