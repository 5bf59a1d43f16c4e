import type { EvidenceQuery } from '../types.js';
import { firewallPolicies } from './policies.js';
import { firewallConfigurationSync } from './configuration-sync.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [firewallPolicies, firewallConfigurationSync];
