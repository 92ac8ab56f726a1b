import { describe, expect, it } from 'vitest';
import { classifyAddress, isAddressAllowed, webhookUrlProblem } from './egress';
import { endpointMatches } from './matching';

describe('egress policy', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.10.1', 'link_local'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.1.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link_local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['2606:4700::1111', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::a9fe:a9fe', 'metadata'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:0a00:0001::', 'private'],
    ['2002:5db8:d822::1', 'public'],
    ['64:ff9b:1::7f00:1', 'loopback'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['fec0::1', 'private'],
    ['example.com', null],
    ['1.2.3', null],
    ['1:2:3', null],
  ])('classifies %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('allows by policy: public only public; loopback adds this machine; private adds private networks', () => {
    expect(isAddressAllowed('127.0.0.1', 'public')).toBe(false);
    expect(isAddressAllowed('127.0.0.1', 'loopback')).toBe(true);
    expect(isAddressAllowed('10.0.0.1', 'loopback')).toBe(false);
    expect(isAddressAllowed('10.0.0.1', 'private')).toBe(true);
    for (const policy of ['public', 'loopback', 'private'] as const) {
      expect(isAddressAllowed('169.254.169.254', policy)).toBe(false);
      expect(isAddressAllowed('fe80::1', policy)).toBe(false);
      expect(isAddressAllowed('8.8.8.8', policy)).toBe(true);
    }
  });

  it('checks URLs: scheme, credentials, literal addresses and localhost', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x', 'public')).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com/x', 'public')).toMatch(/https/);
    expect(webhookUrlProblem('http://127.0.0.1:3000/x', 'loopback')).toBeNull();
    expect(webhookUrlProblem('https://user:pw@hooks.example.com/', 'public')).toMatch(/credentials/);
    expect(webhookUrlProblem('https://LOCALHOST./x', 'public')).toMatch(/loopback/);
    expect(webhookUrlProblem('https://api.localhost/x', 'public')).toMatch(/loopback/);
    expect(webhookUrlProblem('https://[::ffff:169.254.169.254]/', 'private')).toMatch(/metadata/);
    expect(webhookUrlProblem('https://2130706433/', 'public')).toMatch(/loopback/); // 127.0.0.1 as one number
    expect(webhookUrlProblem('file:///etc/passwd', 'private')).toMatch(/https/);
  });
});

describe('endpoint matching', () => {
  const event = { type: 'employee.hired', linkedAccountId: 'la_1' };
  it('matches exact types and resource wildcards, within the listed accounts', () => {
    expect(endpointMatches({ eventTypes: ['employee.*'], linkedAccountIds: null }, event)).toBe(true);
    expect(endpointMatches({ eventTypes: ['employee.hired'], linkedAccountIds: ['la_1'] }, event)).toBe(true);
    expect(endpointMatches({ eventTypes: ['employee.created'], linkedAccountIds: null }, event)).toBe(false);
    expect(endpointMatches({ eventTypes: ['employee.*'], linkedAccountIds: ['la_2'] }, event)).toBe(false);
    expect(endpointMatches({ eventTypes: ['timeoff_request.*'], linkedAccountIds: null }, event)).toBe(false);
  });
});
