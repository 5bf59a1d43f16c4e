import type { EvidenceQuery } from '../types.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [];
