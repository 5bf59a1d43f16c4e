import type { EvidenceQuery } from '../types.js';
import { detectorEnabled } from './detector-enabled.js';
import { findings } from './findings.js';
import { malwareRuntimeProtection } from './malware-runtime-protection.js';
import { runtimeCoverage } from './runtime-coverage.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [detectorEnabled, findings, malwareRuntimeProtection, runtimeCoverage];
