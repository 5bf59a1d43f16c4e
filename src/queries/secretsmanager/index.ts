import type { EvidenceQuery } from '../types.js';
import { rotation } from './rotation.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [rotation];
