/**
 * Canonical JSON: object keys sorted by code unit, no insignificant whitespace, `undefined` members dropped,
 * so the same content always produces the same bytes (and the same SHA-256). Follows the JSON
 * Canonicalization Scheme (RFC 8785) for everything our records contain (strings, finite numbers,
 * booleans, null, arrays, objects). Dates are serialised as ISO strings.
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

/** Canonical JSON already written for values that can no longer change (`keepCanonical`), and their nesting depth. */
const KEPT = new WeakMap<object, { text: string; depth: number }>();

/**
 * Freezes `value` (deeply) and writes its canonical JSON once: every later `canonicalJson` of a value that holds it
 * copies that text instead of walking it again (the same bytes). For a part many records cite whole, such as the
 * `provenance.via` every member record of a delegated read carries.
 */
export function keepCanonical<T extends object>(value: T): T {
  if (KEPT.has(value)) return value;
  deepFreeze(value);
  KEPT.set(value, { text: write(value, 0), depth: depthOf(value) });
  return value;
}

function deepFreeze(value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) throw new Error(`canonical JSON: nesting deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object') return;
  // What freezing does not stop from changing (a byte array's bytes, a date's time, a map's entries) is not kept.
  if (value instanceof Uint8Array || value instanceof Date || value instanceof Map || value instanceof Set) throw new Error('canonical JSON: only plain objects and arrays can be kept');
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v, depth + 1);
}

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const v of Object.values(value)) deepest = Math.max(deepest, depthOf(v));
  return deepest + 1;
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/**
 * The same bytes as `canonicalBytes(value)`, built a megabyte at a time: a run manifest that lists 250,000 records is
 * never one string as well as its bytes (about three times the memory of the bytes alone). Arrays at any depth and the
 * top two levels of objects are walked here; anything below is written whole by `canonicalJson`'s own writer.
 */
export function canonicalBytesChunked(value: unknown, chunkChars = 1 << 20): Buffer {
  const chunks: Buffer[] = [];
  canonicalChunks(value, (chunk) => chunks.push(Buffer.from(chunk, 'utf8')), chunkChars);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * Hands `canonicalJson(value)` to `onChunk` in order, as strings of about `chunkChars` characters each (never empty):
 * what `canonicalBytesChunked` joins, and what a verifier compares a manifest's bytes with without building them whole.
 */
export function canonicalChunks(value: unknown, onChunk: (chunk: string) => void, chunkChars = 1 << 20): void {
  let pending = '';
  const emit = (s: string) => {
    pending += s;
    if (pending.length >= chunkChars) {
      onChunk(pending);
      pending = '';
    }
  };
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Error(`canonical JSON: nesting deeper than ${MAX_DEPTH} levels`);
    if (Array.isArray(v)) {
      emit('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) emit(',');
        if (v[i] === undefined) emit('null');
        else walk(v[i], depth + 1);
      }
      emit(']');
      return;
    }
    if (depth < 2 && isPlainRecord(v)) {
      const keys = Object.keys(v)
        .filter((k) => v[k] !== undefined && typeof v[k] !== 'function')
        .sort();
      emit('{');
      keys.forEach((k, i) => {
        emit((i > 0 ? ',' : '') + JSON.stringify(k) + ':');
        walk(v[k], depth + 1);
      });
      emit('}');
      return;
    }
    emit(write(v, depth));
  };
  walk(value, 0);
  if (pending.length > 0) onChunk(pending);
}

/** An object `write` serialises member by member (not a Date, byte array, Map or Set, which it converts first). */
function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof Uint8Array) && !(v instanceof Map) && !(v instanceof Set);
}

const MAX_DEPTH = 512;

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error(`canonical JSON: nesting deeper than ${MAX_DEPTH} levels`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonical JSON: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object': {
      const kept = KEPT.get(value);
      // Where it sits the limit still holds: kept text nested too deep is walked again, and refused as before.
      if (kept !== undefined && depth + kept.depth <= MAX_DEPTH) return kept.text;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
        return JSON.stringify(Buffer.from(value).toString('base64'));
      }
      // Built by appending (V8 joins the pieces once, when the string is read) rather than by a join at every level,
      // which copies each level's text again: the same bytes, for a fraction of the collector's CPU per record.
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (value[i] === undefined ? 'null' : write(value[i], depth + 1));
        return out + ']';
      }
      if (value instanceof Map) return write(Object.fromEntries(value), depth);
      if (value instanceof Set) return write([...value], depth);
      const obj = value as Record<string, unknown>;
      // Members in code-unit order of their names; undefined and function members are left out.
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined || typeof v === 'function') continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + write(v, depth + 1);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new Error(`canonical JSON: cannot serialise a ${typeof value}`);
  }
}
