import { describe, expect, it } from 'vitest';
import { manifestHeaderText } from '../../src/evidence/manifest-header.js';
import { canonicalBytes } from '../../src/seal/canonical.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
/** The header split and the text of each element handed over. */
function split(text: string) {
  const elements: string[] = [];
  const header = manifestHeaderText(bytes(text), (b) => elements.push(Buffer.from(b).toString('utf8')));
  return { header, elements };
}

describe('manifestHeaderText', () => {
  it('empties the top-level records array of a canonical manifest and hands over each record, whatever their text holds', () => {
    const records = Array.from({ length: 500 }, (_, i) => ({
      recordId: `q${i}/111122223333/eu-west-1`,
      // Text that looks like structure: brackets, braces, commas, quotes, a "records" key, escapes, multi-byte characters.
      note: i % 2 ? `a "records":[1,2,3] ] } , \\" \\\\ {[` : 'Zürich — 東京 ✓',
      nested: { records: [{ x: 1 }, { y: [2, 3] }], list: [[], {}, ''] },
    }));
    const manifest = { chain: 'default', kind: 'collection', records, runId: '20261204T010000Z-abcdef', scope: { note: 'records' }, z: ['records'] };
    const { header, elements } = split(canonicalBytes(manifest).toString('utf8'));
    expect(header?.recordCount).toBe(500);
    expect(JSON.parse(header!.text)).toEqual({ ...manifest, records: [] });
    expect(elements.map((e) => JSON.parse(e) as unknown)).toEqual(records);
  });

  it('counts an empty records array as none, and takes the key only at the top level and only as a key', () => {
    expect(split('{"records":[],"runId":"x"}')).toEqual({ header: { text: '{"records":[],"runId":"x"}', recordCount: 0 }, elements: [] });
    expect(split(' {\n "records" : [ ] }\n').header?.recordCount).toBe(0);
    expect(split('{"a":"records","records":[1,{"b":[2,3]},"c,d"]}')).toEqual({ header: { text: '{"a":"records","records":[]}', recordCount: 3 }, elements: ['1', '{"b":[2,3]}', '"c,d"'] });
    // Nested "records" keys are not the manifest's.
    expect(split('{"scope":{"records":[1,2]},"records":[4]}').header).toEqual({ text: '{"scope":{"records":[1,2]},"records":[]}', recordCount: 1 });
    // An escaped quote does not end a string early: the key inside the string is not a key.
    expect(split('{"a":"x\\",\\"records\\":[9,9]","records":[7,8]}').elements).toEqual(['7', '8']);
    // Empty elements are handed over as they are, for the caller to refuse (JSON has none).
    expect(split('{"records":[1,,2,]}').elements).toEqual(['1', '', '2', '']);
  });

  it('lets the caller refuse a record: its error comes out', () => {
    expect(() => manifestHeaderText(bytes('{"records":[{"ok":1},{"bad":1}]}'), (b) => {
      if (Buffer.from(b).includes('bad')) throw new Error('record 1 refused');
    })).toThrow('record 1 refused');
  });

  it('gives up (the caller parses the whole text) when the bytes cannot be split with certainty', () => {
    for (const text of [
      '', '[]', '"records"', 'null', '{"a":1}', '{"a":"unterminated',
      '{"records":{}}', '{"records":[1,2', '["records",[1]]',
      // Brackets of the wrong kind, inside the records or around them.
      '{"records":[1,2},"runId":"x"}', '{"records":[{"a":1]]}', '{"x":[1},"records":[]}',
      // A second records key, plain or escaped: JSON keeps the last one.
      '{"records":[1,2,3],"records":[]}', '{"records":[1],"rec\\u006frds":[]}', '{"rec\\u006frds":[1],"records":[]}',
      // Something after the manifest's object.
      '{"records":[]} {"records":[1]}', '{"records":[]}]',
    ]) {
      expect(manifestHeaderText(bytes(text)), text).toBeUndefined();
    }
  });
});
