import type { EvidenceQuery } from '../types.js';
import { pciStandard } from './pci-standard.js';
import { controlResults } from './control-results.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [pciStandard, controlResults];
