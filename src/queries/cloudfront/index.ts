import type { EvidenceQuery } from '../types.js';
import { viewerTls } from './viewer-tls.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [viewerTls];
