import type { EvidenceQuery } from '../types.js';
import { macieDiscovery } from './discovery.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [macieDiscovery];
