import type { EvidenceQuery } from '../types.js';
import { externalAccess } from './external-access.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [externalAccess];
