import type { EvidenceQuery } from '../types.js';
import { patchCompliance } from './patch-compliance.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [patchCompliance];
