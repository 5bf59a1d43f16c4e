import type { EvidenceQuery } from '../types.js';
import { scanConfiguration } from './scan-configuration.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [scanConfiguration];
