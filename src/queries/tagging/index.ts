import type { EvidenceQuery } from '../types.js';
import { taggedResources } from './resources.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [taggedResources];
