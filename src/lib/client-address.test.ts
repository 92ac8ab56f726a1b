import { describe, expect, it } from 'vitest';
import { addressBucket } from './client-address';

describe('addressBucket', () => {
  it('keeps an IPv4 address, without a port', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket(' 203.0.113.7:5123 ')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const bucket = '2001:db8:85a3:8d3::/64';
    expect(addressBucket('2001:db8:85a3:8d3:1319:8a2e:370:7348')).toBe(bucket);
    expect(addressBucket('2001:0DB8:85a3:08d3::1')).toBe(bucket);
    expect(addressBucket('[2001:db8:85a3:8d3::ffff]:443')).toBe(bucket);
    expect(addressBucket('2001:db8:85a3:8d3::1%eth0')).toBe(bucket);
    expect(addressBucket('2001:db8:85a3:8d4::1')).not.toBe(bucket);
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('reads an IPv4-mapped IPv6 address as IPv4', () => {
    expect(addressBucket('::ffff:198.51.100.4')).toBe('198.51.100.4');
  });

  it('puts requests without an address in one bucket, and bounds anything else', () => {
    expect(addressBucket(undefined)).toBe('unknown');
    expect(addressBucket('  ')).toBe('unknown');
    expect(addressBucket('x'.repeat(500))).toHaveLength(64);
    expect(addressBucket('1:2:3:4:5:6:7:8:9')).toBe('1:2:3:4:5:6:7:8:9');
  });
});
