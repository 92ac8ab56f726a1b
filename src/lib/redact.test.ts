import { describe, expect, it } from 'vitest';
import { loggablePath } from './redact';

describe('loggablePath', () => {
  it('hides the link token of link page paths', () => {
    expect(loggablePath('/link/eyJhbGciOiJIUzI1NiJ9.e30.sig')).toBe('/link/{token}');
    expect(loggablePath('/link/eyJ.a.b/credentials')).toBe('/link/{token}/credentials');
  });

  it('leaves other paths alone', () => {
    expect(loggablePath('/link-tokens')).toBe('/link-tokens');
    expect(loggablePath('/linked-accounts/la_1')).toBe('/linked-accounts/la_1');
    expect(loggablePath('/unified/hris/employees')).toBe('/unified/hris/employees');
  });
});
