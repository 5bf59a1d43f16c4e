import type { EvidenceQuery } from '../types.js';
import { certificates } from './certificates.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [certificates];
