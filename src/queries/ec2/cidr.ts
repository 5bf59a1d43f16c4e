/**
 * CIDR arithmetic for the network checks: which addresses a set of IPv4 or IPv6 ranges admits, whether that is every
 * public address, and how many public addresses it holds. "The internet" is not only 0.0.0.0/0 or ::/0: the two
 * halves 0.0.0.0/1 and 128.0.0.0/1 admit exactly the same sources.
 */

export type Family = 4 | 6;

/** A parsed CIDR block: the first and last address it covers, as integers. */
export interface Cidr {
  text: string;
  family: Family;
  prefix: number;
  first: bigint;
  last: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseIpv6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 tail (::ffff:192.0.2.1) is the last two groups.
  const v4tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const v4 = parseIpv4(v4tail[2]);
    if (v4 === undefined) return undefined;
    text = `${v4tail[1]}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const all = [...head, ...Array<string>(8 - given).fill('0'), ...rest].map((g) => BigInt(parseInt(g, 16)));
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses `10.0.0.0/8` or `2001:db8::/32` (a bare address is a /32 or /128); undefined when it is not a CIDR block. */
export function parseCidr(text: string | undefined): Cidr | undefined {
  if (!text) return undefined;
  const [addr, len, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const family: Family = addr.includes(':') ? 6 : 4;
  const bits = BITS[family];
  const prefix = len === undefined ? bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const value = family === 4 ? parseIpv4(addr) : parseIpv6(addr);
  if (value === undefined) return undefined;
  const hostBits = BigInt(bits - prefix);
  const first = (value >> hostBits) << hostBits;
  return { text, family, prefix, first, last: first + (1n << hostBits) - 1n };
}

/** Address ranges not reachable from the internet: RFC 1918, shared address space (RFC 6598), link-local, ULA. */
export const NON_PUBLIC_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', 'fc00::/7', 'fe80::/10'];
const NON_PUBLIC = NON_PUBLIC_RANGES.map((c) => parseCidr(c)!);

export type Interval = [bigint, bigint];

/** Sorted, merged intervals of the given blocks of one family. */
function merge(blocks: readonly Interval[]): Interval[] {
  const sorted = [...blocks].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Interval[] = [];
  for (const [a, b] of sorted) {
    const top = out[out.length - 1];
    if (top && a <= top[1] + 1n) top[1] = b > top[1] ? b : top[1];
    else out.push([a, b]);
  }
  return out;
}

const intervals = (blocks: readonly Cidr[], family: Family): Interval[] => blocks.filter((c) => c.family === family).map((c) => [c.first, c.last]);

/** Whether a block lies wholly inside a non-public range (so no internet source is in it). */
export function isNonPublic(c: Cidr): boolean {
  return NON_PUBLIC.some((p) => p.family === c.family && c.first >= p.first && c.last <= p.last);
}

/** Whether the blocks together cover every address of the family (0.0.0.0/0, or its pieces). */
export function coversAll(blocks: readonly Cidr[], family: Family): boolean {
  const m = merge(intervals(blocks, family));
  return m.length === 1 && m[0][0] === 0n && m[0][1] === (1n << BigInt(BITS[family])) - 1n;
}

/** Whether the blocks together admit every public address of the family (what 0.0.0.0/0 admits from the internet). */
export function coversAllPublic(blocks: readonly Cidr[], family: Family): boolean {
  return coversAll([...blocks.filter((c) => c.family === family), ...NON_PUBLIC.filter((c) => c.family === family)], family);
}

/** How many public addresses (outside the non-public ranges) the blocks admit together. */
export function publicAddressCount(blocks: readonly Cidr[], family: Family): bigint {
  const admitted = merge(intervals(blocks, family));
  const excluded = merge(intervals(NON_PUBLIC, family));
  let total = 0n;
  for (const [a, b] of admitted) {
    let size = b - a + 1n;
    for (const [x, y] of excluded) {
      const lo = a > x ? a : x;
      const hi = b < y ? b : y;
      if (lo <= hi) size -= hi - lo + 1n;
    }
    total += size;
  }
  return total;
}

/** Number of addresses in one block of the given prefix length. */
export function blockSize(family: Family, prefix: number): bigint {
  return 1n << BigInt(BITS[family] - prefix);
}

/**
 * Subtracts `b` from the interval set `a` (both of one family), for walking ordered rules: what is still undecided.
 * Returned as merged intervals.
 */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  let rest = merge(a);
  for (const [x, y] of merge(b)) {
    const next: Interval[] = [];
    for (const [p, q] of rest) {
      if (y < p || x > q) next.push([p, q]);
      else {
        if (p < x) next.push([p, x - 1n]);
        if (q > y) next.push([y + 1n, q]);
      }
    }
    rest = next;
  }
  return rest;
}

/** The whole address space of a family, as one interval. */
export function wholeSpace(family: Family): Interval[] {
  return [[0n, (1n << BigInt(BITS[family])) - 1n]];
}

/** The block of a range as an interval. */
export function toInterval(c: Cidr): Interval {
  return [c.first, c.last];
}

/** The part of an interval set inside one block. */
export function intersect(a: readonly Interval[], c: Cidr): Interval[] {
  const out: Interval[] = [];
  for (const [p, q] of a) {
    const lo = p > c.first ? p : c.first;
    const hi = q < c.last ? q : c.last;
    if (lo <= hi) out.push([lo, hi]);
  }
  return out;
}

const asBlocks = (set: readonly Interval[], family: Family): Cidr[] => set.map(([first, last]) => ({ text: '', family, prefix: 0, first, last }));

/** Public addresses in an interval set of one family (outside the non-public ranges). */
export function publicCountOf(set: readonly Interval[], family: Family): bigint {
  return publicAddressCount(asBlocks(set, family), family);
}

/** Whether an interval set of one family admits every public address of the family. */
export function setCoversAllPublic(set: readonly Interval[], family: Family): boolean {
  return coversAllPublic(asBlocks(set, family), family);
}

/**
 * Parameter for the widest public range an administration source may be before it needs review: an integer prefix
 * length within the family's bits; undefined when the value is not one.
 */
export function prefixParam(value: unknown, family: Family): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\/?\d{1,3}\s*$/.test(value) ? Number(value.trim().replace('/', '')) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= BITS[family] ? n : undefined;
}

/**
 * Widest public source range an administration port may be open to before it needs review. A /24 (256 addresses) is
 * the smallest block routed on the internet and the usual size of an office's or VPN's public address block; Prowler's
 * wide-open check uses the same IPv4 bound. For IPv6 a /48 is the usual allocation to one site.
 */
export const DEFAULT_WIDE_PUBLIC_PREFIX: Readonly<Record<Family, number>> = { 4: 24, 6: 48 };

/** `2147483648 public IPv4 addresses`, for reasons. */
export function describeCount(n: bigint, family: Family): string {
  const text = n < 1n << 32n ? String(n) : `about 2^${n.toString(2).length - 1}`;
  return `${text} public IPv${family} address${n === 1n ? '' : 'es'}`;
}
