import type { EvidenceQuery } from '../types.js';
import { adminPortsOpen } from './admin-ports-open.js';
import { defaultSecurityGroup } from './default-security-group.js';
import { ebsDefaultEncryption } from './ebs-default-encryption.js';
import { imdsv2 } from './imdsv2.js';
import { securityGroupEgress } from './security-group-egress.js';
import { sourceDestCheck } from './source-dest-check.js';
import { ebsEncryption } from './ebs-encryption.js';
import { networkAcls } from './network-acls.js';
import { routeTables } from './route-tables.js';
import { flowLogs } from './flow-logs.js';

/** Evidence queries for this service, one module each. */
export const queries: EvidenceQuery<unknown>[] = [adminPortsOpen, defaultSecurityGroup, ebsDefaultEncryption, imdsv2, securityGroupEgress, sourceDestCheck, ebsEncryption, networkAcls, routeTables, flowLogs];
