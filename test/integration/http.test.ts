import { describe, expect, it } from 'vitest';
import { createPersonioSandbox, openStorage, startGateway } from '../support/gateway';

describe('docs and meta routes', () => {
  it('serves /openapi.json and interactive docs at /docs without an API key', async () => {
    const storage = await openStorage('pglite');
    try {
      const gateway = await startGateway(storage, createPersonioSandbox({ employees: 10 }));
      const spec = await gateway.request('/openapi.json');
      expect(spec.status).toBe(200);
      expect(((await spec.json()) as { paths: object }).paths).toHaveProperty('/unified/hris/employees');
      const docs = await gateway.request('/docs');
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('/openapi.json');
      const health = await gateway.request('/health');
      expect(await health.json()).toEqual({ status: 'ok' });
    } finally {
      await storage.close();
    }
  });
});
