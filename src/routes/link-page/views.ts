import { html, raw } from 'hono/html';
import type { FieldCoverage, ResourceAccess, ResourceRights } from '../../db/schema';
import type { CredentialField } from '../../providers/definition';
import { fieldLabel } from './labels';
import { LINK_PAGE_CSS } from './styles';

export type Html = ReturnType<typeof html>;

export interface Chrome {
  nonce: string;
  title: string;
  /** `sk_test_` environments say so on the page. */
  testMode: boolean;
  /** The provider's display name (`Personio`); generic wording where the token is unknown. */
  provider?: string | undefined;
}

const LOGO = raw(
  '<svg width="28" height="28" viewBox="0 0 28 28" aria-hidden="true" focusable="false"><rect width="28" height="28" rx="7" fill="#1f5fd1"/><path d="M8 19V9h6.2a3.3 3.3 0 0 1 0 6.6H11m3 0 3.5 3.4" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/></svg>',
);

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Disables a submitted form's button and says what is happening (the button stays usable without JS). */
const BUSY_SCRIPT = raw(`for (const form of document.querySelectorAll('form[data-busy]')) {
  form.addEventListener('submit', () => {
    const button = form.querySelector('button[type="submit"]');
    const status = document.getElementById('status');
    setTimeout(() => {
      if (button) { button.disabled = true; button.textContent = form.dataset.busy; }
      if (status) status.textContent = form.dataset.busy;
    }, 0);
  });
}`);

function layout(chrome: Chrome, body: Html, script: Html | string = BUSY_SCRIPT): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex, nofollow">
<title>${chrome.title} · ${connectTitle(chrome)}</title>
<style nonce="${chrome.nonce}">${raw(LINK_PAGE_CSS)}</style>
</head>
<body>
<main>
<div class="card">
<div class="brand">${LOGO}<span>${connectTitle(chrome)}</span>${chrome.testMode ? html`<span class="badge">Test mode</span>` : ''}</div>
${body}
</div>
<footer>Credentials are checked with ${chrome.provider ?? 'the provider'}, stored encrypted and never shown again.</footer>
</main>
<script nonce="${chrome.nonce}">${script}</script>
</body>
</html>`;
}

function connectTitle(chrome: Chrome): string {
  return chrome.provider ? `Connect ${chrome.provider}` : 'Connect your HR system';
}

function steps(current: 1 | 2 | 3): Html {
  const names = ['Credentials', 'Review access', 'Done'];
  return html`<ol class="steps" aria-label="Progress">${names.map((name, index) => {
    const number = index + 1;
    if (number === current) return html`<li aria-current="step">${number}. ${name}</li>`;
    return html`<li class="${number < current ? 'done' : ''}">${number}. ${name}${number < current ? html`<span class="sr-only"> (completed)</span>` : ''}</li>`;
  })}</ol>`;
}

export interface FormError {
  message: string;
  /** The credential field to mark invalid and focus; without one, the last secret field. */
  field?: string;
}

export interface CredentialsViewInput {
  chrome: Chrome & { provider: string };
  action: string;
  csrfToken: string;
  organizationName: string | null;
  /** The provider's credential fields, in order. */
  fields: readonly CredentialField[];
  /** What the admin typed into non-secret fields, shown again; secrets never are. */
  values: Record<string, string>;
  reconnect: boolean;
  /** For sandbox integrations: which credentials to use. */
  sandboxHint: string | null;
  help: { summary: string; steps: readonly string[] } | null;
  /** The provider fields to grant for complete employee data, with their labels, under a title. */
  recommendedGrants: { title: string; fields: readonly { name: string; label: string }[] };
  error?: FormError | undefined;
}

export function credentialsView(input: CredentialsViewInput): Html {
  const { error, fields } = input;
  const provider = input.chrome.provider;
  const who = input.organizationName ? html`<strong>${input.organizationName}</strong>'s` : 'your';
  const lastSecret = [...fields].reverse().find((field) => field.secret)?.name;
  const invalid = (name: string) =>
    error && (error.field === name || (!error.field && name === lastSecret)) ? 'true' : 'false';
  // Focus the first field that is empty or wrong: after a refused secret, the secret again.
  const focus =
    fields.find((field) => error?.field === field.name)?.name ??
    fields.find((field) => field.secret || !input.values[field.name])?.name ??
    fields[0]?.name;
  return layout(
    input.chrome,
    html`${steps(1)}
<h1>${input.reconnect ? `Reconnect ${provider}` : `Connect your ${provider} account`}</h1>
<p class="lead">Enter an API credential of ${who} ${provider} account. It is checked with ${provider} right away; nothing is saved until you confirm on the next step.</p>
${error ? html`<div class="alert error" role="alert" id="form-error"><strong>That did not work.</strong>${error.message}</div>` : ''}
${input.sandboxHint ? html`<div class="alert warn"><strong>Sandbox</strong>${input.sandboxHint}</div>` : ''}
<form method="post" action="${input.action}" data-busy="Checking with ${provider}…" novalidate>
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
${fields.map(
  (field) => html`<div class="field">
<label for="${field.name}">${field.label}</label>
<input type="${field.secret ? 'password' : 'text'}" id="${field.name}" name="${field.name}"${field.secret ? '' : html` value="${input.values[field.name] ?? ''}"`} required maxlength="${field.maxLength}" autocomplete="off" autocapitalize="off" spellcheck="false" aria-describedby="${field.name}_hint${error ? ' form-error' : ''}" aria-invalid="${invalid(field.name)}"${focus === field.name ? raw(' autofocus') : ''}>
${field.hint ? html`<span class="hint" id="${field.name}_hint">${field.hint}</span>` : ''}
</div>
`,
)}<div class="actions"><button type="submit" class="primary">Check credentials</button></div>
<p id="status" class="hint" role="status" aria-live="polite"></p>
</form>
${input.help ? helpSection(input.help, input.recommendedGrants) : ''}`,
  );
}

function helpSection(
  help: { summary: string; steps: readonly string[] },
  grants: { title: string; fields: readonly { name: string; label: string }[] },
): Html {
  return html`<details>
<summary>${help.summary}</summary>
<ol>${help.steps.map((step) => html`<li>${step}</li>`)}</ol>
${
  grants.fields.length
    ? html`<p>${grants.title}</p>
<ul>${grants.fields.map((grant) => html`<li>${grant.label} <code>${grant.name}</code></li>`)}</ul>`
    : ''
}
</details>`;
}

export interface ExistingAccount {
  id: string;
  label: string | null;
  createdAt: Date;
}

export interface CoverageViewInput {
  chrome: Chrome;
  actions: { confirm: string; recheck: string; restart: string };
  csrfToken: string;
  /** The credential's non-secret identifier (Personio: client id). */
  credentialId: string;
  coverage: FieldCoverage;
  /** Labels of the provider's fields, and what the admin must do to grant the missing ones. */
  remoteFieldLabels: Readonly<Record<string, string>>;
  grantHint: string;
  grantColumn: string;
  /** null for sessions checked before access rights were. */
  access: ResourceAccess | null;
  /** What the connection's name field starts with. */
  label: string | null;
  reconnect: boolean;
  companyChanged: boolean;
  existing: ExistingAccount | null;
  /** The fields the admin may map, with the choices; null when the environment declares none. */
  mapping?: MappingStepInput | null;
  /** Said when the credential may not register webhooks with a provider that has them. */
  webhooksHint?: string | undefined;
  error?: string | undefined;
}

export interface MappingStepInput {
  fields: { target: string; label: string; current: string | null }[];
  choices: { key: string; label: string | null; samples: string[] }[];
}

/** One select per field the admin maps; each choice names the field and shows a few of its values. */
function mappingFieldset(mapping: MappingStepInput, provider: string): Html {
  return html`<fieldset class="mapping"><legend>Match your fields</legend>
<p class="hint">Which ${provider} field holds each of these? Examples are values of your first employees.</p>
${mapping.fields.map(
  (field, index) => html`<div class="field">
<label for="map_${String(index)}">${field.label}</label>
<select id="map_${String(index)}" name="map:${field.target}">
<option value=""${field.current === null ? ' selected' : ''}>Not kept in ${provider}</option>
${mapping.choices.map(
  (choice) =>
    html`<option value="${choice.key}"${field.current === choice.key ? ' selected' : ''}>${choice.label ?? choice.key}${
      choice.samples.length > 0 ? ` (e.g. ${choice.samples.join(', ')})` : ''
    }</option>`,
)}
</select>
</div>`,
)}
</fieldset>`;
}

export function coverageView(input: CoverageViewInput): Html {
  const { coverage } = input;
  const provider = input.chrome.provider ?? 'The provider';
  const remoteLabel = (name: string) => input.remoteFieldLabels[name] ?? name;
  const total = coverage.available.length + coverage.unavailable.length;
  const complete = coverage.unavailable.length === 0;
  const checkedAt = `${coverage.checked_at.slice(0, 19).replace('T', ' ')} UTC`;
  return layout(
    input.chrome,
    html`${steps(2)}
<h1>Review what can be read</h1>
<p class="lead">${provider} accepted the credential <code>${input.credentialId}</code>. This is what it lets the application read about employees.</p>
${input.error ? html`<div class="alert error" role="alert"><strong>One more thing.</strong>${input.error}</div>` : ''}
${
  input.companyChanged
    ? html`<div class="alert warn" role="alert"><strong>Different ${provider} company?</strong>These credentials seem to belong to another ${provider} company than the connection you are repairing. Continue only if that is intended.</div>`
    : ''
}
<p class="summary"><strong>${coverage.available.length} of ${total}</strong> employee fields can be filled.</p>
<progress value="${coverage.available.length}" max="${total}" aria-label="Readable employee fields">${coverage.available.length} of ${total}</progress>
${
  complete
    ? html`<div class="alert ok"><strong>Complete access.</strong>Every employee field can be read.</div>`
    : html`<h2 id="missing-heading">Cannot be read (${coverage.unavailable.length})</h2>
<p>${input.grantHint}</p>
<table aria-labelledby="missing-heading">
<thead><tr><th scope="col">Employee field</th><th scope="col">${input.grantColumn}</th></tr></thead>
<tbody>${coverage.unavailable.map(
        (entry) =>
          html`<tr><td>${fieldLabel(entry.field)}</td><td>${entry.remote_fields.map(
            (name, index) => html`${index > 0 ? ' or ' : ''}${remoteLabel(name)} <code>${name}</code>`,
          )}</td></tr>`,
      )}</tbody>
</table>
<form method="post" action="${input.actions.recheck}" data-busy="Checking again…">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<div class="actions"><button type="submit" class="secondary">I changed the whitelist: check again</button></div>
</form>
<p class="hint">Last checked ${checkedAt}.</p>`
}
${input.access ? accessTable(input.access, provider) : ''}
${
  input.webhooksHint
    ? html`<h2 id="webhooks-heading">Changes within seconds</h2>
<p class="hint" id="webhooks-hint">${input.webhooksHint}</p>`
    : ''
}
<h2 id="available-heading">Can be read (${coverage.available.length})</h2>
${
  coverage.available.length
    ? html`<ul class="chips" aria-labelledby="available-heading">${coverage.available.map((field) => html`<li>${fieldLabel(field)}</li>`)}</ul>`
    : html`<p>No employee field beyond the id.</p>`
}
<form method="post" action="${input.actions.confirm}" data-busy="Connecting…">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
${input.existing ? duplicateChoice(input.existing, provider) : ''}
${input.mapping ? mappingFieldset(input.mapping, provider) : ''}
<div class="field">
<label for="label">Name this connection</label>
<input type="text" id="label" name="label" value="${input.label ?? ''}" maxlength="100" autocomplete="off" aria-describedby="label_hint">
<span class="hint" id="label_hint">Optional. Tells this ${provider} account apart from others connected to the application.</span>
</div>
<div class="actions"><button type="submit" class="primary">${
      input.reconnect || input.existing
        ? 'Save connection'
        : complete
          ? 'Connect'
          : 'Continue with this access'
    }</button></div>
<p id="status" class="hint" role="status" aria-live="polite"></p>
</form>
<form method="post" action="${input.actions.restart}">
<input type="hidden" name="csrf_token" value="${input.csrfToken}">
<button type="submit" class="link">Use different credentials</button>
</form>`,
  );
}

const RESOURCE_LABELS: [keyof Omit<ResourceAccess, 'checked_at'>, string][] = [
  ['employees', 'Employees'],
  ['timeoff_requests', 'Absences'],
  ['timeoff_types', 'Absence types'],
  ['timeoff_balances', 'Absence balances'],
  ['attendances', 'Attendances'],
];

function rightCell(right: boolean | null, applicable: boolean): Html {
  if (!applicable) return html`<td>—</td>`;
  if (right === null) return html`<td>Unknown</td>`;
  return right ? html`<td class="yes">Yes</td>` : html`<td class="no">No</td>`;
}

/** What the credential may read and write per resource, from Personio's access rights. */
function accessTable(access: ResourceAccess, provider: string): Html {
  const rows = RESOURCE_LABELS.map(([key, label]) => {
    const rights: ResourceRights = access[key];
    const writable = key !== 'timeoff_types' && key !== 'timeoff_balances';
    return html`<tr><td>${label}</td>${rightCell(rights.read, true)}${rightCell(rights.write, writable)}</tr>`;
  });
  const missing = RESOURCE_LABELS.some(
    ([key]) =>
      access[key].read === false ||
      (key !== 'timeoff_types' && key !== 'timeoff_balances' && access[key].write === false),
  );
  return html`<h2 id="access-heading">Access rights</h2>
<table aria-labelledby="access-heading">
<thead><tr><th scope="col">Data</th><th scope="col">Read</th><th scope="col">Write</th></tr></thead>
<tbody>${rows}</tbody>
</table>
${missing ? html`<p class="hint">A "No" comes from the credential's access rights in ${provider}; the application cannot use that data until they are granted.</p>` : ''}`;
}

function duplicateChoice(existing: ExistingAccount, provider: string): Html {
  const since = existing.createdAt.toISOString().slice(0, 10);
  return html`<fieldset aria-describedby="duplicate-hint">
<legend>This ${provider} company is already connected</legend>
<p class="hint" id="duplicate-hint">${existing.label ? html`<strong>${existing.label}</strong>, connected` : 'It was connected'} on ${since} (<code>${existing.id}</code>). Choose what to do:</p>
<label class="choice"><input type="radio" name="choice" value="reconnect" required><span><strong>Update the existing connection</strong><span class="hint">It keeps working with these credentials; nothing new is created.</span></span></label>
<label class="choice"><input type="radio" name="choice" value="new" required><span><strong>Add a separate connection</strong><span class="hint">The existing one stays as it is.</span></span></label>
</fieldset>`;
}

export interface DoneViewInput {
  chrome: Chrome;
  linkedAccountId: string;
  /** What the script posts, to whom, and where it sends the browser afterwards. */
  message: { type: 'roster:linked'; linked_account_id: string; state: string | null };
  allowedOrigins: string[];
  redirectUrl: string | null;
}

/**
 * Posts the result to the page that opened (or frames) this one, to the allowed origins only (the browser
 * delivers a message only when the target's origin is the one named), then closes a popup or follows the
 * redirect.
 */
export function doneView(input: DoneViewInput): Html {
  const data = { message: input.message, origins: input.allowedOrigins, redirect: input.redirectUrl };
  const script = raw(`const result = ${scriptJson(data)};
const target = window.opener || (window.parent !== window ? window.parent : null);
let posted = false;
if (target) {
  for (const origin of result.origins) {
    try { target.postMessage(result.message, origin); posted = true; } catch (error) { /* origin gone */ }
  }
}
if (posted && window.opener) {
  setTimeout(() => window.close(), 250);
} else if (!posted && result.redirect) {
  window.location.replace(result.redirect);
}`);
  return layout(
    input.chrome,
    html`${steps(3)}
<h1 tabindex="-1" autofocus>${input.chrome.provider ?? 'Your HR system'} is connected</h1>
<div class="alert ok" role="status"><strong>All set.</strong>The connection is saved. You can close this window.</div>
${input.redirectUrl ? html`<p><a href="${input.redirectUrl}">Return to the application</a></p>` : ''}`,
    script,
  );
}

export interface ProblemViewInput {
  chrome: Chrome;
  heading: string;
  message: string;
  retry?: { href: string; label: string } | undefined;
}

/** A page with no form: expired, used or unknown links, refused submissions, failures. */
export function problemView(input: ProblemViewInput): Html {
  return layout(
    input.chrome,
    html`<h1 tabindex="-1" autofocus>${input.heading}</h1>
<p>${input.message}</p>
${input.retry ? html`<p><a href="${input.retry.href}">${input.retry.label}</a></p>` : ''}`,
    '',
  );
}
