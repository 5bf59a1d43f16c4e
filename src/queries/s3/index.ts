import type { EvidenceQuery } from '../types.js';
import { bucketEncryption } from './bucket-encryption.js';
import { publicAccessBlock } from './public-access-block.js';
import { bucketVersioning } from './bucket-versioning.js';
import { objectLock } from './object-lock.js';
import { accessLogging } from './access-logging.js';
import { tlsOnlyPolicy } from './tls-only-policy.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [bucketEncryption, publicAccessBlock, bucketVersioning, objectLock, accessLogging, tlsOnlyPolicy];
