import type { EvidenceQuery } from '../types.js';
import { securityContact } from './security-contact.js';
import { enabledRegions } from './enabled-regions.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [securityContact, enabledRegions];
