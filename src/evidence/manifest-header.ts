/**
 * A run manifest's header (every member but its records) and how many records it holds, read from its bytes without
 * building the records: at 1,000 accounts a manifest is about 92 MB and 246,000 records, which JSON.parse and the
 * schema would turn into some 500 MB of objects just to learn the run's chain, times and link.
 *
 * The bytes are scanned once (strings and their escapes honoured, so no record's text can pose as the key), the
 * top-level `"records": [...]` is replaced by `[]`, and the rest is parsed as JSON. What the records say is left to
 * whoever reads them; the signature over the whole bytes is what binds them to the header.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const RECORDS_KEY = Buffer.from('"records"', 'utf8');

export interface ManifestHeaderText {
  /** The manifest's JSON text with its top-level records array emptied. */
  text: string;
  /** Elements of the records array. */
  recordCount: number;
}

/** Index just past the string that opens at `i` (a `"`), or -1 when it never closes. */
function skipString(bytes: Uint8Array, i: number): number {
  for (let k = i + 1; k < bytes.length; k++) {
    const c = bytes[k];
    if (c === BACKSLASH) k++;
    else if (c === QUOTE) return k + 1;
  }
  return -1;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  let k = i;
  while (k < bytes.length && (bytes[k] === 0x20 || bytes[k] === 0x0a || bytes[k] === 0x0d || bytes[k] === 0x09)) k++;
  return k;
}

/** Index of the `]` that closes the array opening at `open`, and its number of elements; undefined if it never closes. */
function scanArray(bytes: Uint8Array, open: number): { close: number; count: number } | undefined {
  let depth = 0;
  let commas = 0;
  let empty = true;
  for (let k = open; k < bytes.length; k++) {
    const c = bytes[k];
    if (c === QUOTE) {
      if (depth === 1) empty = false;
      const end = skipString(bytes, k);
      if (end < 0) return undefined;
      k = end - 1;
    } else if (c === 0x5b || c === 0x7b) {
      if (depth === 1) empty = false;
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0) return { close: k, count: empty ? 0 : commas + 1 };
    } else if (depth === 1) {
      if (c === 0x2c) commas++;
      else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) empty = false;
    }
  }
  return undefined;
}

/**
 * The manifest's header text and record count, or undefined when the bytes are not a JSON object with a top-level
 * `records` array (the caller then parses them whole, and reports what is wrong with them as it always has).
 */
export function manifestHeaderText(bytes: Uint8Array): ManifestHeaderText | undefined {
  const first = skipSpace(bytes, 0);
  if (bytes[first] !== 0x7b) return undefined; // not an object
  let depth = 0;
  for (let i = first; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      const end = skipString(bytes, i);
      if (end < 0) return undefined;
      const isKey = depth === 1 && end - i === RECORDS_KEY.length && RECORDS_KEY.equals(bytes.subarray(i, end));
      i = end - 1;
      if (!isKey) continue;
      const colon = skipSpace(bytes, end);
      // A string value "records" (`"kind":"records"`) is not the key.
      if (bytes[colon] !== 0x3a) continue;
      const open = skipSpace(bytes, colon + 1);
      if (bytes[open] !== 0x5b) return undefined;
      const array = scanArray(bytes, open);
      if (!array) return undefined;
      const text = Buffer.concat([bytes.subarray(0, open), Buffer.from('[]'), bytes.subarray(array.close + 1)]).toString('utf8');
      return { text, recordCount: array.count };
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    if (depth === 0) return undefined; // the object closed without a records key
  }
  return undefined;
}
