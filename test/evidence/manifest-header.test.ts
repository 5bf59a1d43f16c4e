import { describe, expect, it } from 'vitest';
import { manifestHeaderText } from '../../src/evidence/manifest-header.js';
import { canonicalBytes } from '../../src/seal/canonical.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('manifestHeaderText', () => {
  it('empties the top-level records array of a canonical manifest and counts its records, whatever their text holds', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      recordId: `q${i}/111122223333/eu-west-1`,
      // Text that looks like structure: brackets, braces, commas, quotes, a "records" key, escapes, multi-byte characters.
      note: i % 2 ? `a "records":[1,2,3] ] } , \\" \\\\ {[` : 'Zürich — 東京 ✓',
      nested: { records: [{ x: 1 }, { y: [2, 3] }], list: [[], {}, ''] },
    }));
    const manifest = { chain: 'default', kind: 'collection', records, runId: '20261204T010000Z-abcdef', scope: { note: 'records' }, z: ['records'] };
    const split = manifestHeaderText(canonicalBytes(manifest));
    expect(split?.recordCount).toBe(500);
    expect(JSON.parse(split!.text)).toEqual({ ...manifest, records: [] });
  });

  it('counts an empty records array as none, and takes the key only at the top level and only as a key', () => {
    expect(manifestHeaderText(bytes('{"records":[],"runId":"x"}'))).toEqual({ text: '{"records":[],"runId":"x"}', recordCount: 0 });
    expect(manifestHeaderText(bytes(' {\n "records" : [ ] }'))?.recordCount).toBe(0);
    expect(manifestHeaderText(bytes('{"a":"records","records":[1,{"b":[2,3]},"c,d"]}'))).toEqual({ text: '{"a":"records","records":[]}', recordCount: 3 });
    // Nested "records" keys are not the manifest's.
    expect(manifestHeaderText(bytes('{"scope":{"records":[1,2]},"records":[4]}'))).toEqual({ text: '{"scope":{"records":[1,2]},"records":[]}', recordCount: 1 });
    // An escaped quote does not end a string early: the key inside the string is not a key.
    expect(manifestHeaderText(bytes('{"a":"x\\",\\"records\\":[9,9]","records":[7,8]}'))?.recordCount).toBe(2);
  });

  it('gives up (the caller parses the whole text) when the bytes are not an object with a records array', () => {
    for (const text of ['', '[]', '"records"', '{"records":{}}', '{"records":[1,2', '{"a":1}', '{"a":"unterminated', '["records",[1]]', 'null']) {
      expect(manifestHeaderText(bytes(text)), text).toBeUndefined();
    }
  });
});
