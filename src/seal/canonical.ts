/**
 * Canonical JSON: object keys sorted by code unit, no insignificant whitespace, `undefined` members dropped,
 * so the same content always produces the same bytes (and the same SHA-256). Follows the JSON
 * Canonicalization Scheme (RFC 8785) for everything our records contain (strings, finite numbers,
 * booleans, null, arrays, objects). Dates are serialised as ISO strings.
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
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
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
        return JSON.stringify(Buffer.from(value).toString('base64'));
      }
      if (Array.isArray(value)) {
        return '[' + value.map((v) => (v === undefined ? 'null' : write(v, depth + 1))).join(',') + ']';
      }
      if (value instanceof Map) return write(Object.fromEntries(value), depth);
      if (value instanceof Set) return write([...value], depth);
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function')
        .sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + write(obj[k], depth + 1)).join(',') + '}';
    }
    default:
      throw new Error(`canonical JSON: cannot serialise a ${typeof value}`);
  }
}
