import type { EvidenceQuery } from '../types.js';
import { keyRotation } from './key-rotation.js';
import { keyState } from './key-state.js';
import { keyAccess } from './key-access.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [keyRotation, keyState, keyAccess];
