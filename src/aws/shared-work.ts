import type { AwsClientProvider } from './clients.js';

declare const SHARED_WORK: unique symbol;

/**
 * The key of work several queries share (`AwsClientProvider.shared`): made only by `sharedWork`, from the work's name
 * and parameters, so no free string can stand in for it and two queries asking for the same work ask by one key.
 */
export type SharedWorkKey = string & { readonly [SHARED_WORK]: true };

/** The names of the shared work defined in this process: one definition a name. */
const SHARED_WORK_NAMES = new Set<string>();

/**
 * Defines work several queries of an account and region judge in full (a listing and what its items name): its name
 * and parameters build the key, and `read` is the one way to do it. Every query wanting it calls the function this
 * returns, so a query cannot share it under another key (and read again) or share another read under its key.
 */
export function sharedWork<C extends { clients: AwsClientProvider }, P, T>(name: string, read: (ctx: C, params: P) => Promise<T>): (ctx: C, params: P) => Promise<T> {
  if (SHARED_WORK_NAMES.has(name)) throw new Error(`shared work "${name}" is defined twice: define it once and call that definition wherever it is needed`);
  SHARED_WORK_NAMES.add(name);
  return (ctx, params) => ctx.clients.shared((params === undefined ? name : `${name} ${JSON.stringify(params)}`) as SharedWorkKey, () => read(ctx, params));
}
