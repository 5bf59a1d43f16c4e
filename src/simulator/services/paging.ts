import { SimError } from '../types.js';

export interface PageRequest {
  token?: string;
  limit?: number;
  /** Page size when the caller sets no limit. */
  defaultLimit: number;
  /** Largest limit the API accepts. */
  maxLimit: number;
  /** Ties a token to the listing that issued it, so a token from another call is rejected. */
  scope: string;
  invalidToken: () => SimError;
  invalidLimit: (limit: number) => SimError;
}

/** Opaque token: base64url of the offset and the listing scope, as real services' tokens are opaque. */
export function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope })).toString('base64url');
}

function decodeToken(token: string, scope: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; s?: unknown };
    return typeof v.o === 'number' && v.s === scope && v.o >= 0 ? v.o : undefined;
  } catch {
    return undefined;
  }
}

export function paginate<T>(items: readonly T[], p: PageRequest): { page: T[]; nextToken?: string } {
  if (p.limit !== undefined && (p.limit < 0 || p.limit > p.maxLimit)) throw p.invalidLimit(p.limit);
  // Most AWS list APIs treat 0 as "the default page size".
  const size = p.limit ? p.limit : p.defaultLimit;
  let offset = 0;
  if (p.token) {
    const o = decodeToken(p.token, p.scope);
    if (o === undefined) throw p.invalidToken();
    offset = o;
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return { page, nextToken: next < items.length ? encodeToken(next, p.scope) : undefined };
}
