import { describe, expect, it } from 'vitest';
import { ApiError } from '../../errors';
import { personioDefinition } from '../../providers/personio/definition';
import { proxyTarget } from './target';

const BASE = 'https://api.personio.de/v1';

describe('proxyTarget', () => {
  it('maps paths onto the v1 base, and v1/ or v2/ onto that version', () => {
    expect(
      proxyTarget('company/attendances', 'start_date=2026-01-01', BASE, personioDefinition.proxy!).href,
    ).toBe('https://api.personio.de/v1/company/attendances?start_date=2026-01-01');
    expect(proxyTarget('v1/company/employees', '', BASE, personioDefinition.proxy!).href).toBe(
      'https://api.personio.de/v1/company/employees',
    );
    expect(proxyTarget('v2/persons', 'limit=5', BASE, personioDefinition.proxy!).href).toBe(
      'https://api.personio.de/v2/persons?limit=5',
    );
    expect(
      proxyTarget('company/employees', '', 'http://127.0.0.1:9000/sim/v1', personioDefinition.proxy!).href,
    ).toBe('http://127.0.0.1:9000/sim/v1/company/employees');
  });

  it('keeps the query exactly as sent, repeated keys included', () => {
    const query = 'employees%5B%5D=1&employees%5B%5D=2&employees[]=3';
    expect(proxyTarget('company/time-offs', query, BASE, personioDefinition.proxy!).search).toBe(`?${query}`);
  });

  it('sends the path fully decoded and encoded one canonical way', () => {
    const path = (raw: string) => proxyTarget(raw, '', BASE, personioDefinition.proxy!).pathname;
    expect(path('company/time%2Doffs')).toBe('/v1/company/time-offs');
    expect(path('company/%74ime-offs')).toBe('/v1/company/time-offs');
    expect(path('company/time%252Doffs')).toBe('/v1/company/time-offs');
    expect(path('company%2Ftime-offs')).toBe('/v1/company/time-offs');
    expect(path('%76%32/absence-periods')).toBe('/v2/absence-periods');
    expect(path('company/%c3%a4x')).toBe('/v1/company/%C3%A4x');
    expect(path("company/a,b;c=d!'()*+$&")).toBe('/v1/company/a%2Cb%3Bc%3Dd%21%27%28%29%2A%2B%24%26');
    expect(path('company/Employees/1')).toBe('/v1/company/Employees/1');
  });

  it.each([
    ['', 'required'],
    ['v2', 'required'],
    ['..', '..'],
    ['company/../..', '..'],
    ['%2e%2e/x', '..'],
    ['%252e%252e/x', '..'],
    ['company%2F..%2F..%2Fx', '..'],
    ['//evil.example', '//'],
    ['%2f%2fevil.example', '//'],
    ['%25252f%25252fevil.example', 'layers'],
    ['\\\\evil.example', 'forbidden'],
    ['%5Cevil.example', 'forbidden'],
    ['@evil.example', 'forbidden'],
    ['company%40evil.example', 'forbidden'],
    ['http://evil.example', 'forbidden'],
    ['http%3A%2F%2Fevil.example', 'forbidden'],
    ['company%0d%0aHost:%20evil', 'forbidden'],
    ['company%00', 'forbidden'],
    ['company%23fragment', 'forbidden'],
    ['company%3Fq=1', 'forbidden'],
    ['%c0%ae%c0%ae/x', 'percent-encoding'],
    ['%zz', 'percent-encoding'],
  ])('refuses %j', (path, reason) => {
    let error: unknown;
    try {
      proxyTarget(path, '', BASE, personioDefinition.proxy!);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('invalid_request');
    expect((error as ApiError).message).toContain(reason);
  });
});
