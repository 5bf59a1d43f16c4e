import { describe, it, expect } from 'vitest';
import { firstDuplicateKey, nonCanonicalRunManifest } from '../../src/verify/canonical-check.js';
import { canonicalBytes } from '../../src/seal/canonical.js';

describe('canonical manifests', () => {
  it('names the first key given twice and the object it sits in', () => {
    expect(firstDuplicateKey('{"a":1,"b":{"c":[{"d":1},{"d":2,"e":"\\"d\\":","d":3}]}}')).toEqual({ key: 'd', where: 'the object at b.c[1]' });
    expect(firstDuplicateKey('{"previous":null,"x":"previous","previous":{}}')).toEqual({ key: 'previous', where: 'the top-level object' });
    expect(firstDuplicateKey('{"a":{"k":1},"b":{"k":1}}')).toBeUndefined();
  });

  it('accepts exactly the canonical bytes of what they parse to', () => {
    const value = { records: [{ sha256: 'ab', n: 1.5 }], previous: null, runId: 'r\u00e9' };
    const bytes = canonicalBytes(value);
    expect(nonCanonicalRunManifest(bytes, JSON.parse(bytes.toString('utf8')))).toBeUndefined();
    const spaced = Buffer.from(JSON.stringify(JSON.parse(bytes.toString('utf8')), null, 1));
    expect(nonCanonicalRunManifest(spaced, JSON.parse(spaced.toString('utf8')))).toMatch(/^not the canonical JSON serialisation of its own content \(first difference at byte 1\)/);
    const twice = Buffer.from(bytes.toString('utf8').replace('"previous":null', '"previous":null,"previous":null'));
    expect(nonCanonicalRunManifest(twice, JSON.parse(twice.toString('utf8')))).toMatch(/^key "previous" appears twice in the top-level object/);
  });
});
