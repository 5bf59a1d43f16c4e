/**
 * A run manifest's header (every member but its records) and its records one at a time, read from its bytes without
 * building them all: at 1,000 accounts a manifest is about 92 MB and 246,000 records, which one JSON.parse and the
 * schema would turn into some 500 MB of objects just to learn the run's chain, times and link.
 *
 * The bytes are scanned once (strings and their escapes honoured, so no record's text can pose as the key; brackets
 * matched by kind), the top-level `"records": [...]` is replaced by `[]`, and each element's text is handed to the
 * caller, who parses and checks it on its own. Anything the scan cannot split with certainty (no records array, a
 * second top-level `records` key, however escaped, unbalanced brackets) gives undefined: parse those bytes whole.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const RECORDS = 'records';
const RECORDS_KEY = Buffer.from(`"${RECORDS}"`, 'utf8');

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

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  let k = i;
  while (k < bytes.length && isSpace(bytes[k])) k++;
  return k;
}

/** Whether the string at [start, end) (quotes included) is the key `records`, written plainly or with escapes. */
function isRecordsKey(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start === RECORDS_KEY.length && RECORDS_KEY.equals(bytes.subarray(start, end))) return true;
  // `"rec\u006frds"` is the same key: decode any short key that holds an escape.
  if (end - start > 64 || !bytes.subarray(start, end).includes(BACKSLASH)) return false;
  try {
    return JSON.parse(Buffer.from(bytes.subarray(start, end)).toString('utf8')) === RECORDS;
  } catch {
    return false;
  }
}

/**
 * Walks the array that opens at `open`, handing each top-level element's byte range to `element`; gives the index of
 * its closing `]`, or undefined when a bracket does not match its kind or the array never closes.
 */
function scanArray(bytes: Uint8Array, open: number, element: (start: number, end: number) => void): number | undefined {
  const closers: number[] = [];
  let start = open + 1;
  for (let k = open; k < bytes.length; k++) {
    const c = bytes[k];
    if (c === QUOTE) {
      const end = skipString(bytes, k);
      if (end < 0) return undefined;
      k = end - 1;
    } else if (c === 0x5b) closers.push(0x5d);
    else if (c === 0x7b) closers.push(0x7d);
    else if (c === 0x5d || c === 0x7d) {
      if (closers.pop() !== c) return undefined;
      if (closers.length === 0) {
        // `[]` and `[ ]` have no element; anything else's last element ends here (an empty one is the caller's to refuse).
        if (skipSpace(bytes, open + 1) !== k) element(start, k);
        return k;
      }
    } else if (c === 0x2c && closers.length === 1) {
      element(start, k);
      start = k + 1;
    }
  }
  return undefined;
}

/**
 * The manifest's header text and record count, handing each record's bytes to `record` (which may throw to refuse
 * it); undefined when the bytes cannot be split with certainty (the caller then parses them whole, and reports what
 * is wrong with them as it always has).
 */
export function manifestHeaderText(bytes: Uint8Array, record: (bytes: Uint8Array) => void = () => undefined): ManifestHeaderText | undefined {
  const first = skipSpace(bytes, 0);
  if (bytes[first] !== 0x7b) return undefined; // not an object
  const closers: number[] = [];
  let cut: { open: number; close: number; count: number } | undefined;
  for (let i = first; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === QUOTE) {
      const end = skipString(bytes, i);
      if (end < 0) return undefined;
      const start = i;
      i = end - 1;
      // A key of the manifest itself: a string at the top level followed by a colon (`"kind":"records"` is a value).
      if (closers.length !== 1 || bytes[skipSpace(bytes, end)] !== 0x3a || !isRecordsKey(bytes, start, end)) continue;
      // A second records key: JSON keeps the last, which a split could hide; parse such bytes whole.
      if (cut) return undefined;
      const open = skipSpace(bytes, skipSpace(bytes, end) + 1);
      if (bytes[open] !== 0x5b) return undefined;
      let count = 0;
      const close = scanArray(bytes, open, (s, e) => {
        count++;
        record(bytes.subarray(s, e));
      });
      if (close === undefined) return undefined;
      cut = { open, close, count };
      i = close;
      continue;
    }
    if (c === 0x5b) closers.push(0x5d);
    else if (c === 0x7b) closers.push(0x7d);
    else if (c === 0x5d || c === 0x7d) {
      if (closers.pop() !== c) return undefined;
      if (closers.length === 0) {
        // The manifest's object has closed: only white space may follow.
        if (!cut || skipSpace(bytes, i + 1) !== bytes.length) return undefined;
        const text = Buffer.concat([bytes.subarray(0, cut.open), Buffer.from('[]'), bytes.subarray(cut.close + 1)]).toString('utf8');
        return { text, recordCount: cut.count };
      }
    }
  }
  return undefined;
}
