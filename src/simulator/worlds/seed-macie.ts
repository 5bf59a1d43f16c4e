/** Amazon Macie state of the demo account and generated accounts. */
import type { Finding, JobSummary } from '@aws-sdk/client-macie2';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { macieState } from '../services/macie2.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

function cardFinding(account: SimAccount, region: string, bucket: string, key: string, created: Date, detections: [type: string, count: number][]): Finding {
  const id = stableHex(`${account.id}/${region}/macie/${bucket}/${key}`, 32);
  return {
    id,
    accountId: account.id,
    region,
    partition: 'aws',
    type: 'SensitiveData:S3Object/Financial',
    category: 'CLASSIFICATION',
    title: 'The S3 object contains financial information.',
    description: 'The object contains financial information such as bank account numbers or credit card numbers.',
    severity: { description: 'High', score: 3 },
    archived: false,
    count: 1,
    sample: false,
    createdAt: created,
    updatedAt: created,
    schemaVersion: '1.0',
    resourcesAffected: {
      s3Bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}`, createdAt: new Date(created.getTime() - 400 * DAY), owner: { id: stableHex(`${account.id}/canonical`, 64) }, tags: [] },
      s3Object: { bucketArn: `arn:aws:s3:::${bucket}`, key, path: `${bucket}/${key}`, extension: key.split('.').pop(), size: 48_213, storageClass: 'STANDARD', lastModified: new Date(created.getTime() - 2 * DAY), publicAccess: false },
    },
    classificationDetails: {
      originType: 'AUTOMATED_SENSITIVE_DATA_DISCOVERY',
      detailedResultsLocation: `s3://demo-production-macie-results/AWSLogs/${account.id}/Macie/${region}/`,
      result: {
        status: { code: 'COMPLETE' },
        mimeType: 'text/csv',
        sizeClassified: 48_213,
        additionalOccurrences: false,
        sensitiveData: [{ category: 'FINANCIAL_INFORMATION', totalCount: detections.reduce((n, [, c]) => n + c, 0), detections: detections.map(([type, count]) => ({ type, count })) }],
      },
    },
  };
}

/**
 * Demo: Macie is enabled in both regions. The home region runs automated discovery and a scheduled job, and found card
 * numbers in the legacy uploads bucket (excluded from scope as a sandbox: discovery contradicts that); the second region
 * has Macie on but discovers nothing. Generated accounts: Macie enabled with automated discovery, no findings.
 */
export function seedMacie(account: SimAccount, world: WorldSeedContext): void {
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  world.regions.forEach((region, i) => {
    const s = macieState(account, region);
    s.session = { status: 'ENABLED', findingPublishingFrequency: 'FIFTEEN_MINUTES', createdAt: ago(300), updatedAt: ago(30), serviceRole: `arn:aws:iam::${account.id}:role/aws-service-role/macie.amazonaws.com/AWSServiceRoleForAmazonMacie` };
    if (world.kind !== 'demo' || i === 0) {
      const scopeId = stableHex(`${account.id}/${region}/scope`, 32);
      const templateId = stableHex(`${account.id}/${region}/template`, 32);
      s.automatedDiscovery = { status: 'ENABLED', firstEnabledAt: ago(200), lastUpdatedAt: ago(30), classificationScopeId: scopeId, sensitivityInspectionTemplateId: templateId, autoEnableOrganizationMembers: 'NONE' };
      // Macie's defaults: no bucket excluded, the recommended managed data identifiers.
      s.classificationScopes[scopeId] = { id: scopeId, name: 'automated-sensitive-data-discovery', s3: { excludes: { bucketNames: [] } } };
      s.sensitivityInspectionTemplates[templateId] = { sensitivityInspectionTemplateId: templateId, name: 'automated-sensitive-data-discovery', description: '', excludes: { managedDataIdentifierIds: [] }, includes: { allowListIds: [], customDataIdentifierIds: [], managedDataIdentifierIds: [] } };
    }
    if (world.kind !== 'demo' || i !== 0) return;
    const job: JobSummary = {
      jobId: stableHex(`${account.id}/macie-job`, 32),
      name: 'weekly-cardholder-data-scan',
      jobType: 'SCHEDULED',
      jobStatus: 'IDLE',
      createdAt: ago(180),
      bucketDefinitions: [{ accountId: account.id, buckets: ['demo-production-cardholder-data', 'demo-production-legacy-uploads'] }],
      lastRunErrorStatus: { code: 'NONE' },
    };
    s.jobs.push(job);
    s.findings.push(
      cardFinding(account, region, 'demo-production-legacy-uploads', 'exports/2019/settlement-batch-0412.csv', ago(12), [['CREDIT_CARD_NUMBER', 214], ['CREDIT_CARD_EXPIRATION', 214]]),
      cardFinding(account, region, 'demo-production-legacy-uploads', 'exports/2019/settlement-batch-0413.csv', ago(12), [['CREDIT_CARD_NUMBER', 198]]),
    );
  });
}
