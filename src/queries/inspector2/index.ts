import type { EvidenceQuery } from '../types.js';
import { accountStatus } from './account-status.js';
import { coverage } from './coverage.js';
import { findings } from './findings.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [accountStatus, coverage, findings];
