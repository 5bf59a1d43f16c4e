import type { EvidenceQuery } from '../types.js';
import { backupPlans } from './plans.js';
import { restoreTesting } from './restore-testing.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [backupPlans, restoreTesting];
