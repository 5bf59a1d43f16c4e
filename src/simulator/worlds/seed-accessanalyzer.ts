/** IAM Access Analyzer state of the demo account and generated accounts: analyzers and active findings. */
import type { AnalyzerSummary, FindingDetails, FindingSummaryV2, FindingType, ResourceType } from '@aws-sdk/client-accessanalyzer';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { accessAnalyzerState } from '../services/accessanalyzer.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;
/** The payment processor's AWS account, outside the demo organisation. */
export const DEMO_THIRD_PARTY_ACCOUNT = '444455556666';

const uuid = (seed: string) => `${stableHex(seed, 8)}-${stableHex(`${seed}/b`, 4)}-4${stableHex(`${seed}/c`, 3)}-a${stableHex(`${seed}/d`, 3)}-${stableHex(`${seed}/e`, 12)}`;

function newAnalyzer(account: SimAccount, region: string, name: string, type: AnalyzerSummary['type'], created: Date, now: Date): AnalyzerSummary {
  return {
    arn: `arn:aws:access-analyzer:${region}:${account.id}:analyzer/${name}`,
    name,
    type,
    createdAt: created,
    lastResourceAnalyzed: `arn:aws:s3:::${account.id}-example`,
    lastResourceAnalyzedAt: new Date(now.getTime() - 3_600_000),
    status: 'ACTIVE',
    tags: {},
    ...(type === 'ACCOUNT_UNUSED_ACCESS' ? { configuration: { unusedAccess: { unusedAccessAge: 90 } } } : {}),
  };
}

function finding(account: SimAccount, analyzerArn: string, resource: string, resourceType: ResourceType, findingType: FindingType, created: Date, now: Date, details: FindingDetails[] = []) {
  const summary: FindingSummaryV2 = {
    id: uuid(`${analyzerArn}/${resource}/${findingType}`),
    resource,
    resourceType,
    resourceOwnerAccount: account.id,
    findingType,
    status: 'ACTIVE',
    createdAt: created,
    analyzedAt: new Date(now.getTime() - 3_600_000),
    updatedAt: created,
  };
  return { analyzerArn, summary, details };
}

/**
 * Demo: the home region has an account analyzer (the cardholder-data bucket is shared with the payment processor's
 * account) and an unused-access analyzer (the legacy-ops role and carol.former's password are unused); the second
 * region has no analyzer. Generated accounts: an account analyzer in the home region with no active findings.
 */
export function seedAccessAnalyzer(account: SimAccount, world: WorldSeedContext): void {
  const [home] = world.regions;
  if (!home) return;
  const s = accessAnalyzerState(account, home);
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  const external = newAnalyzer(account, home, 'account-external-access', 'ACCOUNT', ago(400), world.now);
  s.analyzers.push(external);
  if (world.kind !== 'demo') return;
  const unused = newAnalyzer(account, home, 'account-unused-access', 'ACCOUNT_UNUSED_ACCESS', ago(200), world.now);
  s.analyzers.push(unused);
  s.findings.push(
    finding(account, external.arn!, 'arn:aws:s3:::demo-production-cardholder-data', 'AWS::S3::Bucket', 'ExternalAccess', ago(35), world.now, [
      { externalAccessDetails: { action: ['s3:GetObject', 's3:ListBucket'], condition: {}, isPublic: false, principal: { AWS: DEMO_THIRD_PARTY_ACCOUNT }, sources: [{ type: 'POLICY' }] } },
    ]),
    finding(account, unused.arn!, `arn:aws:iam::${account.id}:role/legacy-ops`, 'AWS::IAM::Role', 'UnusedIAMRole', ago(60), world.now, [{ unusedIamRoleDetails: { lastAccessed: ago(150) } }]),
    finding(account, unused.arn!, `arn:aws:iam::${account.id}:user/carol.former`, 'AWS::IAM::User', 'UnusedIAMUserPassword', ago(100), world.now, [{ unusedIamUserPasswordDetails: { lastAccessed: ago(200) } }]),
  );
}
