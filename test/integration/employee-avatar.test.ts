import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonioSandbox } from '../../src/sandbox/personio';
import {
  createPersonioSandbox,
  createTenant,
  openStorage,
  SANDBOX_CREDENTIALS,
  type Storage,
  startGateway,
  type Tenant,
  type TestGateway,
  walk,
} from '../support/gateway';
import { UNPACED } from '../support/timeoff';

interface EmployeeBody {
  id: string;
  avatar_url: string | null;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('employee pictures', () => {
  let storage: Storage;
  let sandbox: PersonioSandbox;
  let full: TestGateway;
  let limited: TestGateway;
  let fullTenant: Tenant;
  let limitedTenant: Tenant;

  beforeAll(async () => {
    storage = await openStorage('postgres');
    sandbox = createPersonioSandbox({ employees: 30, seed: 10 });
    const setup = await startGateway(storage, sandbox, undefined, UNPACED);
    fullTenant = await createTenant(setup, SANDBOX_CREDENTIALS.full, 'Full');
    limitedTenant = await createTenant(setup, SANDBOX_CREDENTIALS.limited, 'Limited');
    full = await startGateway(storage, sandbox, fullTenant, UNPACED);
    limited = await startGateway(storage, sandbox, limitedTenant, UNPACED);
  });

  afterAll(async () => {
    await storage?.close();
  });

  it('points avatar_url at the gateway, which streams the picture at the asked width with its cache headers', async () => {
    const { items } = await walk<EmployeeBody>(full, '/unified/hris/employees?limit=200');
    const withPicture = items.filter((employee) => employee.avatar_url !== null);
    const without = items.filter((employee) => employee.avatar_url === null);
    expect(withPicture.length).toBeGreaterThan(0);
    expect(without.length).toBeGreaterThan(0);
    const { publicUrl } = full.deps.config;
    for (const employee of withPicture) {
      expect(employee.avatar_url).toBe(`${publicUrl}/unified/hris/employees/${employee.id}/avatar`);
    }
    const employee = withPicture[0]!;
    const single = await (await full.request(`/unified/hris/employees/${employee.id}`)).json();
    expect(single.result.avatar_url).toBe(employee.avatar_url);

    const path = `${new URL(employee.avatar_url!).pathname}?width=64`;
    const picture = await full.request(path);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(picture.headers.get('cache-control')).toBe('private, max-age=3600');
    const etag = picture.headers.get('etag');
    expect(etag).toBeTruthy();
    const bytes = new Uint8Array(await picture.arrayBuffer());
    expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    // IHDR: the width Personio was asked for.
    expect(new DataView(bytes.buffer).getUint32(16)).toBe(64);
    expect(picture.headers.get('authorization')).toBeNull();

    const revalidated = await full.request(path, { headers: { 'if-none-match': etag! } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(etag);
  });

  it('answers 404 for an employee without a picture, and 400 naming a bad width', async () => {
    const { items } = await walk<EmployeeBody>(full, '/unified/hris/employees?limit=200');
    const without = items.find((employee) => employee.avatar_url === null)!;
    const missing = await full.request(`/unified/hris/employees/${without.id}/avatar`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
    const badWidth = await full.request(`/unified/hris/employees/${items[0]!.id}/avatar?width=0`);
    expect(badWidth.status).toBe(400);
    expect((await badWidth.json()).error.details[0].field).toBe('width');
  });

  it('gives avatar_url null, never a broken URL, when the credential cannot read pictures', async () => {
    const { items } = await walk<EmployeeBody>(limited, '/unified/hris/employees?limit=200');
    expect(items.length).toBe(30);
    expect(items.every((employee) => employee.avatar_url === null)).toBe(true);
    const { items: seenByFull } = await walk<EmployeeBody>(full, '/unified/hris/employees?limit=200');
    const pictured = seenByFull.find((employee) => employee.avatar_url !== null)!;
    const refused = await limited.request(`/unified/hris/employees/${pictured.id}/avatar`);
    expect(refused.status).toBe(404);
  });
});
