import { describe, expect, it } from 'vitest';
import { coverageView, credentialsView, doneView } from './views';

const chrome = { nonce: 'n0nce', title: 'Connect', testMode: false, provider: 'Personio' };
const fields = [
  { name: 'client_id', label: 'Client ID', secret: false, maxLength: 200 },
  { name: 'client_secret', label: 'Client secret', secret: true, maxLength: 500 },
];
const render = async (view: unknown) => String(await view);

describe('link page views', () => {
  it('escapes everything that comes from the link token or the admin', async () => {
    const html = await render(
      credentialsView({
        chrome,
        action: '/link/t/credentials',
        csrfToken: 'csrf',
        organizationName: '<img src=x onerror=alert(1)>',
        fields,
        values: { client_id: '"><script>alert(2)</script>' },
        reconnect: false,
        sandboxHint: null,
        help: null,
        recommendedGrants: { title: 'Grant', fields: [] },
        error: { message: 'Personio did not accept <b>this</b>' },
      }),
    );
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert(2)');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;');
    expect(html).toContain('role="alert"');
    expect(html).toMatch(/<input type="password" id="client_secret" name="client_secret" required/);
    expect(html).not.toMatch(/name="client_secret"[^>]*value=/);
  });

  it('asks to choose between updating and adding when the company is already connected', async () => {
    const html = await render(
      coverageView({
        chrome,
        actions: { confirm: '/c', recheck: '/r', restart: '/s' },
        csrfToken: 'csrf',
        credentialId: 'client',
        remoteFieldLabels: {},
        grantHint: 'Whitelist them.',
        grantColumn: 'Whitelist in Personio',
        coverage: { checked_at: '2025-01-01T00:00:00.000Z', available: ['first_name'], unavailable: [] },
        access: null,
        label: 'Acme <GmbH>',
        reconnect: false,
        companyChanged: true,
        existing: { id: 'la_existing', label: 'Acme Berlin', createdAt: new Date('2024-12-24T10:00:00Z') },
      }),
    );
    expect(html).toContain('This Personio company is already connected');
    expect(html).toContain('<strong>Acme Berlin</strong>, connected on 2024-12-24');
    expect(html).toContain('name="label" value="Acme &lt;GmbH&gt;"');
    expect(html.match(/name="choice"/g)).toHaveLength(2);
    expect(html).not.toMatch(/name="choice"[^>]*checked/);
    expect(html).toContain('Different Personio company?');
  });

  it('shows which resources the credential may read and write', async () => {
    const html = await render(
      coverageView({
        chrome,
        actions: { confirm: '/c', recheck: '/r', restart: '/s' },
        csrfToken: 'csrf',
        credentialId: 'client',
        remoteFieldLabels: {},
        grantHint: 'Whitelist them.',
        grantColumn: 'Whitelist in Personio',
        coverage: { checked_at: '2025-01-01T00:00:00.000Z', available: ['first_name'], unavailable: [] },
        access: {
          checked_at: '2025-01-01T00:00:00.000Z',
          employees: { read: true, write: false },
          timeoff_requests: { read: true, write: true },
          timeoff_types: { read: true, write: null },
          timeoff_balances: { read: true, write: null },
          attendances: { read: false, write: null },
        },
        label: null,
        reconnect: false,
        companyChanged: false,
        existing: null,
      }),
    );
    const rows = [
      ...html.matchAll(/<tr><td>([^<]+)<\/td><td[^>]*>([^<]+)<\/td><td[^>]*>([^<]+)<\/td><\/tr>/g),
    ].map((match) => match.slice(1).join(' | '));
    expect(rows).toEqual([
      'Employees | Yes | No',
      'Absences | Yes | Yes',
      'Absence types | Yes | —',
      'Absence balances | Yes | —',
      'Attendances | No | Unknown',
    ]);
    expect(html).toContain('access rights in Personio');
  });

  it('keeps the result script from being closed early by a hostile state', async () => {
    const html = await render(
      doneView({
        chrome,
        linkedAccountId: 'la_1',
        message: {
          type: 'roster:linked',
          linked_account_id: 'la_1',
          state: '</script><script>alert(1)//\u2028',
        },
        allowedOrigins: ['https://app.example.com'],
        redirectUrl: null,
      }),
    );
    const script = /<script nonce="n0nce">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(script).toContain('\\u003c/script\\u003e');
    expect(script).not.toContain('\u2028');
  });
});
