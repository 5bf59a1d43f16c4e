import { describe, expect, it } from 'vitest';
import { coversAll, coversAllPublic, isNonPublic, parseCidr, publicAddressCount, type Cidr } from '../../../src/queries/ec2/cidr.js';

const blocks = (texts: string[]): Cidr[] => texts.map((t) => parseCidr(t)!);

describe('CIDR helper (ec2 network checks)', () => {
  it('parses IPv4 and IPv6 blocks, including compressed and IPv4-tailed IPv6, and rejects malformed ones', () => {
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ family: 4, prefix: 8, first: 10n << 24n, last: (11n << 24n) - 1n });
    expect(parseCidr('::/0')).toMatchObject({ family: 6, prefix: 0, first: 0n, last: (1n << 128n) - 1n });
    expect(parseCidr('8000::/1')).toMatchObject({ first: 1n << 127n });
    expect(parseCidr('::ffff:192.0.2.1/128')?.first).toBe((0xffffn << 32n) | 0xc0000201n);
    expect(parseCidr('fe80::1')).toMatchObject({ family: 6, prefix: 128 });
    for (const bad of ['1.2.3/8', '300.0.0.0/8', '0.0.0.0/33', '::1::2/64', '1:2:3:4:5:6:7:8:9/64', 'abc', '10.0.0.0/8/1']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('sees split ranges as the whole address space', () => {
    expect(coversAll(blocks(['0.0.0.0/1', '128.0.0.0/1']), 4)).toBe(true);
    expect(coversAll(blocks(['::/1', '8000::/1']), 6)).toBe(true);
    expect(coversAll(blocks(['0.0.0.0/1']), 4)).toBe(false);
    expect(coversAll(blocks(['0.0.0.0/0']), 6)).toBe(false);
  });

  it('counts every public address: the internet minus RFC 1918, 100.64/10, link-local and ULA', () => {
    // 0.0.0.0/0 with 10.0.0.0/8 cut out still admits every public IPv4 address.
    expect(coversAllPublic(blocks(['0.0.0.0/5', '8.0.0.0/7', '11.0.0.0/8', '12.0.0.0/6', '16.0.0.0/4', '32.0.0.0/3', '64.0.0.0/2', '128.0.0.0/1']), 4)).toBe(true);
    expect(coversAllPublic(blocks(['0.0.0.0/1']), 4)).toBe(false);
    expect(publicAddressCount(blocks(['10.0.0.0/8', '192.168.0.0/16', '198.51.100.0/24']), 4)).toBe(256n);
    expect(isNonPublic(parseCidr('172.20.0.0/16')!)).toBe(true);
    expect(isNonPublic(parseCidr('fd00:1::/64')!)).toBe(true);
    expect(isNonPublic(parseCidr('172.0.0.0/8')!)).toBe(false);
  });
});
