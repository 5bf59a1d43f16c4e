import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalBytesChunked, canonicalJson, keepCanonical } from '../../src/seal/canonical.js';
import { sha256Hex } from '../../src/evidence/hash.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: null }], c: 'é' } })).toBe('{"a":{"c":"é","d":[3,{"x":null,"z":1}]},"b":1}');
  });
  it('gives the same bytes for the same content whatever the insertion order', () => {
    const a = { trail: { Name: 't', IsMultiRegionTrail: true }, region: 'us-east-1' };
    const b = { region: 'us-east-1', trail: { IsMultiRegionTrail: true, Name: 't' } };
    expect(sha256Hex(canonicalJson(a))).toBe(sha256Hex(canonicalJson(b)));
  });
  it('serialises dates as ISO strings and byte arrays as base64', () => {
    expect(canonicalJson({ t: new Date('2026-01-02T03:04:05Z'), b: new Uint8Array([1, 2, 3]) })).toBe('{"b":"AQID","t":"2026-01-02T03:04:05.000Z"}');
  });
  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ n: NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ n: Infinity })).toThrow(/non-finite/);
  });
  it('refuses pathologically deep nesting instead of overflowing the stack', () => {
    let v: unknown = 1;
    for (let i = 0; i < 2000; i++) v = [v];
    expect(() => canonicalJson(v)).toThrow(/nesting deeper/);
  });
  it('escapes strings exactly like JSON.stringify', () => {
    const s = 'line\nquote" back\\ \u2028 \u0001';
    expect(canonicalJson(s)).toBe(JSON.stringify(s));
  });
});

describe('canonicalBytesChunked', () => {
  const manifestLike = {
    schema: 'x@1',
    scope: { accounts: ['111111111111'], regions: ['eu-west-1'], nested: { deep: { deeper: [1, { b: 2, a: undefined }] } } },
    when: new Date('2026-01-02T03:04:05Z'),
    bytes: new Uint8Array([1, 2, 3]),
    map: new Map([['k', 1]]),
    set: new Set(['s']),
    gaps: [],
    holes: [1, undefined, 3],
    previous: null,
    records: Array.from({ length: 500 }, (_, i) => ({ recordId: `q/${i}/r`, note: i % 7 === 0 ? 'é 😀 \u2028 "x"' : undefined, size: i, ok: i % 2 === 0 })),
  };

  it('gives exactly the bytes of canonicalBytes, whatever the chunk size (multi-byte characters across chunk ends)', () => {
    const whole = canonicalBytes(manifestLike);
    for (const chunkChars of [1, 7, 64, 1000, 1 << 20]) expect(canonicalBytesChunked(manifestLike, chunkChars).equals(whole)).toBe(true);
    for (const v of [null, 1, 'a', [], {}, [[]], { a: [] }]) expect(canonicalBytesChunked(v, 1).equals(canonicalBytes(v))).toBe(true);
  });

  it('refuses what canonicalJson refuses', () => {
    expect(() => canonicalBytesChunked({ records: [{ n: NaN }] })).toThrow(/non-finite/);
    let v: unknown = 1;
    for (let i = 0; i < 2000; i++) v = [v];
    expect(() => canonicalBytesChunked(v)).toThrow(/nesting deeper/);
  });
});


describe('keepCanonical', () => {
  const via = () => ({
    kind: 'inspector-administrator',
    region: 'eu-west-1',
    sharedRequests: Array.from({ length: 50 }, (_, i) => ({ operation: 'inspector2:ListFindings', requestId: `r-${i}`, ...(i === 0 ? { input: { maxResults: 100, b: undefined, a: [1, 'x'] } } : {}) })),
    endpointsByOperation: { 'inspector2:ListFindings': ['https://inspector2.eu-west-1.amazonaws.com'] },
  });

  it('gives the same bytes for a body holding a kept part as for the same body written afresh, wherever it sits', () => {
    const kept = keepCanonical(via());
    const body = (v: object) => ({ queryId: 'inspector2.findings', provenance: { tool: 'x', via: v }, data: [{ z: 1, a: v }] });
    expect(canonicalJson(body(kept))).toBe(canonicalJson(body(via())));
    expect(canonicalBytesChunked(body(kept), 7).equals(canonicalBytes(body(via())))).toBe(true);
    expect(canonicalJson(kept)).toBe(canonicalJson(via()));
  });

  it('freezes the kept part, so no record can change what other records cite', () => {
    const kept = keepCanonical(via());
    expect(Object.isFrozen(kept)).toBe(true);
    expect(Object.isFrozen(kept.sharedRequests[0])).toBe(true);
    expect(() => {
      (kept.sharedRequests as { requestId: string }[])[0].requestId = 'changed';
    }).toThrow(TypeError);
    expect(canonicalJson(kept)).toBe(canonicalJson(via()));
  });

  it('keeps only what freezing holds still, and a kept part nested past the depth limit is refused as before', () => {
    expect(() => keepCanonical({ bytes: new Uint8Array([1]) })).toThrow(/only plain objects and arrays/);
    expect(() => keepCanonical({ at: new Date(0) })).toThrow(/only plain objects and arrays/);
    const kept = keepCanonical({ a: { b: 1 } });
    let deep: unknown = kept;
    for (let i = 0; i < 511; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nesting deeper than 512 levels/);
    expect(canonicalJson([kept])).toBe('[{"a":{"b":1}}]');
  });
});
