import type { EvidenceQuery } from './types.js';
import { queries as config } from './config/index.js';
import { queries as cloudtrail } from './cloudtrail/index.js';
import { queries as guardduty } from './guardduty/index.js';
import { queries as s3 } from './s3/index.js';
import { queries as iam } from './iam/index.js';
import { queries as kms } from './kms/index.js';
import { queries as ec2 } from './ec2/index.js';
import { queries as rds } from './rds/index.js';
import { queries as logs } from './logs/index.js';
import { queries as securityhub } from './securityhub/index.js';
import { queries as ssm } from './ssm/index.js';
import { queries as networkfirewall } from './networkfirewall/index.js';
import { queries as elbv2 } from './elbv2/index.js';
import { queries as acm } from './acm/index.js';
import { queries as cloudfront } from './cloudfront/index.js';
import { queries as wafv2 } from './wafv2/index.js';
import { queries as cloudwatch } from './cloudwatch/index.js';
import { queries as eventbridge } from './eventbridge/index.js';
import { queries as backup } from './backup/index.js';
import { queries as accessanalyzer } from './accessanalyzer/index.js';
import { queries as identitycenter } from './identitycenter/index.js';
import { queries as account } from './account/index.js';
import { queries as macie } from './macie/index.js';
import { queries as inspector2 } from './inspector2/index.js';
import { queries as ecr } from './ecr/index.js';
import { queries as secretsmanager } from './secretsmanager/index.js';
import { queries as lambda } from './lambda/index.js';
import { queries as tagging } from './tagging/index.js';

/** Every evidence query, by id. */
export const ALL_QUERIES: readonly EvidenceQuery<unknown>[] = [
  ...config,
  ...cloudtrail,
  ...guardduty,
  ...s3,
  ...iam,
  ...kms,
  ...ec2,
  ...rds,
  ...logs,
  ...securityhub,
  ...ssm,
  ...networkfirewall,
  ...elbv2,
  ...acm,
  ...cloudfront,
  ...wafv2,
  ...cloudwatch,
  ...eventbridge,
  ...backup,
  ...accessanalyzer,
  ...identitycenter,
  ...account,
  ...macie,
  ...inspector2,
  ...ecr,
  ...secretsmanager,
  ...lambda,
  ...tagging,
];

export function queryById(id: string): EvidenceQuery<unknown> | undefined {
  return ALL_QUERIES.find((q) => q.id === id);
}
