import type { EvidenceQuery } from '../types.js';
import { retention } from './retention.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [retention];
