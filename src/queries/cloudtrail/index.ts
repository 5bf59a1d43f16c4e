import type { EvidenceQuery } from '../types.js';
import { trailLogging } from './trail-logging.js';
import { logFileValidation } from './log-file-validation.js';
import { trailEncryption } from './trail-encryption.js';
import { cloudWatchLogs } from './cloudwatch-logs.js';
import { s3DataEvents } from './s3-data-events.js';
import { sensitiveActivity } from './sensitive-activity.js';
import { logBucketRetention } from './log-bucket-retention.js';
import { digestValidation } from './digest-validation.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [
  trailLogging,
  logFileValidation,
  trailEncryption,
  cloudWatchLogs,
  s3DataEvents,
  sensitiveActivity,
  logBucketRetention,
  digestValidation,
];
