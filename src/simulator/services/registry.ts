/**
 * Every simulated service. A new service is one module under services/ exporting a `SimService` (and, when it
 * keeps state, augmenting `RegionalState`/`GlobalState` in world.ts from its own file), plus one line here.
 */
import type { SimService } from '../types.js';
import { account } from './account.js';
import { cloudtrail } from './cloudtrail.js';
import { config } from './config.js';
import { guardduty } from './guardduty.js';
import { organizations } from './organizations.js';
import { s3 } from './s3.js';
import { s3control } from './s3control.js';
import { sts } from './sts.js';
import { iam } from './iam.js';
import { kms } from './kms.js';
import { ec2 } from './ec2.js';
import { rds } from './rds.js';
import { logs } from './logs.js';
import { securityhub } from './securityhub.js';
import { ssm } from './ssm.js';
import { networkfirewall } from './networkfirewall.js';
import { elbv2 } from './elbv2.js';
import { cloudfront } from './cloudfront.js';
import { wafv2 } from './wafv2.js';
import { acm } from './acm.js';
import { cloudwatch } from './cloudwatch.js';
import { sns } from './sns.js';
import { events } from './events.js';
import { backup } from './backup.js';
import { accessanalyzer } from './accessanalyzer.js';
import { ssoadmin } from './ssoadmin.js';
import { macie2 } from './macie2.js';
import { ecr } from './ecr.js';
import { lambda } from './lambda.js';
import { inspector2 } from './inspector2.js';
import { secretsmanager } from './secretsmanager.js';
import { tagging } from './tagging.js';

export const SERVICES: readonly SimService[] = [
  sts, config, cloudtrail, guardduty, s3, s3control, organizations, account, iam, kms, ec2, rds, logs,
  securityhub, ssm, networkfirewall, elbv2, cloudfront, wafv2, acm, cloudwatch, sns, events, backup,
  accessanalyzer, ssoadmin, macie2,
  // Inspector's seed reads the EC2, ECR and Lambda resources seeded before it.
  ecr, lambda, inspector2, secretsmanager, tagging,
];
