import type { EvidenceQuery } from '../types.js';
import { securityAlarms } from './security-alarms.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [securityAlarms];
