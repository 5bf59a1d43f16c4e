import type { EvidenceQuery } from '../types.js';
import { storageEncrypted } from './storage-encrypted.js';
import { publicAccess } from './public-access.js';
import { backupRetention } from './backup-retention.js';
import { snapshotSharing } from './snapshot-sharing.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [storageEncrypted, publicAccess, backupRetention, snapshotSharing];
