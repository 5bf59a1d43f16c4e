import type { EvidenceQuery } from '../types.js';
import { listenerTls } from './listener-tls.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [listenerTls];
