import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/seal/canonical.js';
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
