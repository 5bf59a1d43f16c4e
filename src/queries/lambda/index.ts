import type { EvidenceQuery } from '../types.js';
import { environmentSecrets } from './environment-secrets.js';
import { runtimeSupport } from './runtime-support.js';
import { runtimeUpdateMode } from './runtime-update-mode.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [environmentSecrets, runtimeSupport, runtimeUpdateMode];
