import type { EvidenceQuery } from '../types.js';
import { identityCenterSettings } from './settings.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [identityCenterSettings];
