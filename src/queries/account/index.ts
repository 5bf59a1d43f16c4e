import type { EvidenceQuery } from '../types.js';
import { securityContact } from './security-contact.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [securityContact];
