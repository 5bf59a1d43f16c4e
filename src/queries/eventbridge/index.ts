import type { EvidenceQuery } from '../types.js';
import { securityFindingsRules } from './security-findings-rules.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [securityFindingsRules];
