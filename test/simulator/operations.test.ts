import { describe, expect, it } from 'vitest';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, ListTrailsCommand, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRuleEvaluationStatusCommand,
  DescribeConfigRulesCommand,
  DescribeConfigurationRecordersCommand,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConformancePackComplianceCommand,
  DescribeConformancePacksCommand,
  DescribeDeliveryChannelsCommand,
  DescribeDeliveryChannelStatusCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import {
  GetDetectorCommand,
  GetFilterCommand,
  GetFindingsCommand,
  GetFindingsStatisticsCommand,
  GetMalwareScanSettingsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListFiltersCommand,
  ListFindingsCommand,
} from '@aws-sdk/client-guardduty';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketPolicyStatusCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localhostAwareLookup } from '../../src/aws/localhost-lookup.js';
import { DEMO_ACCOUNT_ID, demoWorld, simulatorClientConfig } from '../../src/simulator/index.js';
import { clientConfig, useSimulator } from './helpers.js';

const NOW = new Date();

describe('simulated AWS operations through the real SDK clients (demo account)', () => {
  // Rate limits are exercised in faults.test.ts; here every call is answered on its merits.
  const sim = useSimulator(() => ({ world: demoWorld({ now: NOW }), faults: { rateLimits: {} } }));

  it('STS GetCallerIdentity (awsQuery) names the demo account', async () => {
    const out = await new STSClient(clientConfig(sim())).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(DEMO_ACCOUNT_ID);
    expect(out.Arn).toBe(`arn:aws:iam::${DEMO_ACCOUNT_ID}:user/evidence-locker`);
    expect(out.UserId).toMatch(/^AIDA/);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  describe('S3 (restXml, path-style)', () => {
    const s3 = () => new S3Client(clientConfig(sim()));
    const s3West = () => new S3Client(clientConfig(sim(), { region: 'us-west-2' }));

    it('ListBuckets returns every bucket with its region and the owner', async () => {
      const out = await s3().send(new ListBucketsCommand({}));
      const names = out.Buckets!.map((b) => b.Name);
      expect(names).toContain('demo-production-legacy-uploads');
      expect(names).toContain('demo-production-marketing-site');
      const site = out.Buckets!.find((b) => b.Name === 'demo-production-marketing-site')!;
      expect(site.BucketRegion).toBe('us-west-2');
      expect(site.CreationDate).toBeInstanceOf(Date);
      expect(out.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
      expect(out.ContinuationToken).toBeUndefined();
    });

    it('GetBucketEncryption: KMS on a good bucket, ServerSideEncryptionConfigurationNotFoundError on the legacy one', async () => {
      const out = await s3().send(new GetBucketEncryptionCommand({ Bucket: 'demo-production-cloudtrail-logs' }));
      const rule = out.ServerSideEncryptionConfiguration!.Rules![0];
      expect(rule.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('aws:kms');
      expect(rule.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\//);
      expect(rule.BucketKeyEnabled).toBe(true);
      await expect(s3().send(new GetBucketEncryptionCommand({ Bucket: 'demo-production-legacy-uploads' }))).rejects.toMatchObject({
        name: 'ServerSideEncryptionConfigurationNotFoundError',
        $metadata: { httpStatusCode: 404 },
      });
    });

    it('GetPublicAccessBlock: all four flags, or NoSuchPublicAccessBlockConfiguration', async () => {
      const out = await s3().send(new GetPublicAccessBlockCommand({ Bucket: 'demo-production-access-logs' }));
      expect(out.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
      await expect(s3West().send(new GetPublicAccessBlockCommand({ Bucket: 'demo-production-marketing-site' }))).rejects.toMatchObject({ name: 'NoSuchPublicAccessBlockConfiguration' });
    });

    it('GetBucketVersioning: Enabled, Suspended, never enabled', async () => {
      expect((await s3().send(new GetBucketVersioningCommand({ Bucket: 'demo-production-cloudtrail-logs' }))).Status).toBe('Enabled');
      expect((await s3().send(new GetBucketVersioningCommand({ Bucket: 'demo-production-legacy-uploads' }))).Status).toBe('Suspended');
      const never = await s3West().send(new GetBucketVersioningCommand({ Bucket: 'demo-production-marketing-site' }));
      expect(never.Status).toBeUndefined();
      expect(never.MFADelete).toBeUndefined();
    });

    it('GetObjectLockConfiguration: COMPLIANCE default retention, or ObjectLockConfigurationNotFoundError', async () => {
      const out = await s3West().send(new GetObjectLockConfigurationCommand({ Bucket: 'demo-production-evidence-archive' }));
      expect(out.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } });
      await expect(s3().send(new GetObjectLockConfigurationCommand({ Bucket: 'demo-production-access-logs' }))).rejects.toMatchObject({ name: 'ObjectLockConfigurationNotFoundError' });
    });

    it('GetBucketLogging: target bucket and prefix, or no LoggingEnabled', async () => {
      const out = await s3().send(new GetBucketLoggingCommand({ Bucket: 'demo-production-cloudtrail-logs' }));
      expect(out.LoggingEnabled).toEqual({ TargetBucket: 'demo-production-access-logs', TargetPrefix: 'demo-production-cloudtrail-logs/' });
      expect((await s3().send(new GetBucketLoggingCommand({ Bucket: 'demo-production-legacy-uploads' }))).LoggingEnabled).toBeUndefined();
    });

    it('GetBucketPolicy: the TLS-only policy text, or NoSuchBucketPolicy; GetBucketPolicyStatus flags public policies', async () => {
      const out = await s3().send(new GetBucketPolicyCommand({ Bucket: 'demo-production-cloudtrail-logs' }));
      const doc = JSON.parse(out.Policy!);
      expect(doc.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      await expect(s3().send(new GetBucketPolicyCommand({ Bucket: 'demo-production-legacy-uploads' }))).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
      expect((await s3West().send(new GetBucketPolicyStatusCommand({ Bucket: 'demo-production-marketing-site' }))).PolicyStatus?.IsPublic).toBe(true);
      expect((await s3().send(new GetBucketPolicyStatusCommand({ Bucket: 'demo-production-cloudtrail-logs' }))).PolicyStatus?.IsPublic).toBe(false);
    });

    it('GetBucketLifecycleConfiguration: flattened rules, or NoSuchLifecycleConfiguration', async () => {
      const out = await s3().send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'demo-production-cloudtrail-logs' }));
      expect(out.Rules).toHaveLength(1);
      expect(out.Rules![0]).toMatchObject({ ID: 'retain-one-year-then-glacier', Status: 'Enabled', Transitions: [{ Days: 90, StorageClass: 'GLACIER' }], Expiration: { Days: 2555 } });
      await expect(s3().send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'demo-production-legacy-uploads' }))).rejects.toMatchObject({ name: 'NoSuchLifecycleConfiguration' });
    });

    it('GetBucketLocation answers from any region; us-east-1 is an empty constraint', async () => {
      expect((await s3().send(new GetBucketLocationCommand({ Bucket: 'demo-production-marketing-site' }))).LocationConstraint).toBe('us-west-2');
      expect((await s3().send(new GetBucketLocationCommand({ Bucket: 'demo-production-access-logs' }))).LocationConstraint).toBeUndefined();
    });

    it('a bucket in another region answers PermanentRedirect with its region; an unknown bucket NoSuchBucket', async () => {
      const err = await s3().send(new GetBucketEncryptionCommand({ Bucket: 'demo-production-marketing-site' })).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'PermanentRedirect', $metadata: { httpStatusCode: 301 } });
      const followed = await new S3Client({ ...clientConfig(sim()), followRegionRedirects: true }).send(new GetBucketEncryptionCommand({ Bucket: 'demo-production-marketing-site' }));
      expect(followed.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
      await expect(s3().send(new GetBucketEncryptionCommand({ Bucket: 'no-such-bucket-anywhere' }))).rejects.toMatchObject({ name: 'NoSuchBucket', BucketName: 'no-such-bucket-anywhere' });
    });

    it('virtual-hosted requests (<bucket>.localhost) reach the same bucket as path-style ones', async () => {
      const vhost = new S3Client({ ...simulatorClientConfig(sim(), { s3Control: true, maxAttempts: 1 }) });
      const out = await vhost.send(new GetBucketVersioningCommand({ Bucket: 'demo-production-cloudtrail-logs' }));
      expect(out.Status).toBe('Enabled');
      const control = new S3ControlClient(simulatorClientConfig(sim(), { s3Control: true }));
      expect((await control.send(new GetAccountPublicAccessBlockCommand({ AccountId: DEMO_ACCOUNT_ID }))).PublicAccessBlockConfiguration?.BlockPublicAcls).toBe(true);
    });

    it('S3 Control GetPublicAccessBlock reaches <account>.localhost and reports the account setting', async () => {
      const client = new S3ControlClient({
        ...clientConfig(sim()),
        endpoint: `http://localhost:${sim().port}`,
        requestHandler: new NodeHttpHandler({ httpAgent: { lookup: localhostAwareLookup } }),
      });
      const out = await client.send(new GetAccountPublicAccessBlockCommand({ AccountId: DEMO_ACCOUNT_ID }));
      expect(out.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false });
      await expect(client.send(new GetAccountPublicAccessBlockCommand({ AccountId: '999999999999' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    });
  });

  describe('CloudTrail (awsJson1_1)', () => {
    const ct = (region = 'us-east-1') => new CloudTrailClient(clientConfig(sim(), { region }));

    it('DescribeTrails shows the multi-region trail everywhere and the regional trail only at home unless shadows are excluded', async () => {
      const east = await ct().send(new DescribeTrailsCommand({ includeShadowTrails: true }));
      expect(east.trailList!.map((t) => t.Name)).toEqual(['management-events']);
      const good = east.trailList![0];
      expect(good).toMatchObject({ IsMultiRegionTrail: true, HomeRegion: 'us-east-1', LogFileValidationEnabled: true, IncludeGlobalServiceEvents: true });
      expect(good.KmsKeyId).toMatch(/^arn:aws:kms:/);
      expect(good.CloudWatchLogsLogGroupArn).toMatch(/^arn:aws:logs:us-east-1:111122223333:log-group:/);
      const west = await ct('us-west-2').send(new DescribeTrailsCommand({}));
      expect(west.trailList!.map((t) => t.Name).sort()).toEqual(['legacy-app-trail', 'management-events']);
      expect(west.trailList!.find((t) => t.Name === 'legacy-app-trail')).toMatchObject({ LogFileValidationEnabled: false, IsMultiRegionTrail: false });
      const westOwn = await ct('us-west-2').send(new DescribeTrailsCommand({ includeShadowTrails: false }));
      expect(westOwn.trailList!.map((t) => t.Name)).toEqual(['legacy-app-trail']);
    });

    it('ListTrails lists every trail of the account with its home region', async () => {
      const out = await ct().send(new ListTrailsCommand({}));
      expect(out.Trails!.map((t) => `${t.Name}@${t.HomeRegion}`).sort()).toEqual(['legacy-app-trail@us-west-2', 'management-events@us-east-1']);
    });

    it('GetTrailStatus gives logging state and Date timestamps; a shadow trail needs its ARN', async () => {
      const out = await ct().send(new GetTrailStatusCommand({ Name: 'management-events' }));
      expect(out.IsLogging).toBe(true);
      expect(out.LatestDeliveryTime).toBeInstanceOf(Date);
      expect(out.LatestDeliveryTime!.getTime()).toBeGreaterThan(NOW.getTime() - 3_600_000);
      const stopped = await ct('us-west-2').send(new GetTrailStatusCommand({ Name: 'legacy-app-trail' }));
      expect(stopped.IsLogging).toBe(false);
      expect(stopped.StopLoggingTime).toBeInstanceOf(Date);
      await expect(ct().send(new GetTrailStatusCommand({ Name: 'legacy-app-trail' }))).rejects.toMatchObject({ name: 'TrailNotFoundException' });
      const byArn = await ct().send(new GetTrailStatusCommand({ Name: 'arn:aws:cloudtrail:us-west-2:111122223333:trail/legacy-app-trail' }));
      expect(byArn.IsLogging).toBe(false);
    });

    it('GetEventSelectors returns the trail ARN and management-event selectors', async () => {
      const out = await ct().send(new GetEventSelectorsCommand({ TrailName: 'management-events' }));
      expect(out.TrailARN).toBe('arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events');
      expect(out.EventSelectors).toEqual([{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }]);
    });

    it('LookupEvents finds the failed console login of the last 24 h, newest first, with the record as a JSON string', async () => {
      const out = await ct().send(
        new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ConsoleLogin' }], StartTime: new Date(NOW.getTime() - 86_400_000), EndTime: NOW }),
      );
      expect(out.Events).toHaveLength(2);
      expect(out.Events![0].EventTime!.getTime()).toBeGreaterThan(out.Events![1].EventTime!.getTime());
      const records = out.Events!.map((e) => JSON.parse(e.CloudTrailEvent!));
      const failed = records.find((r) => r.responseElements?.ConsoleLogin === 'Failure');
      expect(failed).toMatchObject({ eventName: 'ConsoleLogin', errorMessage: 'Failed authentication', eventType: 'AwsConsoleSignIn', recipientAccountId: DEMO_ACCOUNT_ID, awsRegion: 'us-east-1' });
      const west = await ct('us-west-2').send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'StopLogging' }] }));
      expect(west.Events).toHaveLength(1);
      expect(west.Events![0].Resources).toEqual([{ ResourceType: 'AWS::CloudTrail::Trail', ResourceName: 'arn:aws:cloudtrail:us-west-2:111122223333:trail/legacy-app-trail' }]);
      const policy = await ct('us-west-2').send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PutBucketPolicy' }] }));
      expect(JSON.parse(policy.Events![0].CloudTrailEvent!).requestParameters.bucketName).toBe('demo-production-marketing-site');
    });

    it('LookupEvents rejects MaxResults above 50 and two lookup attributes', async () => {
      await expect(ct().send(new LookupEventsCommand({ MaxResults: 51 }))).rejects.toMatchObject({ name: 'InvalidMaxResultsException' });
      await expect(
        ct().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'A' }, { AttributeKey: 'Username', AttributeValue: 'B' }] })),
      ).rejects.toMatchObject({ name: 'InvalidLookupAttributesException' });
    });
  });

  describe('GuardDuty (restJson1)', () => {
    const gd = (region = 'us-east-1') => new GuardDutyClient(clientConfig(sim(), { region }));
    const detectorId = async (region = 'us-east-1') => (await gd(region).send(new ListDetectorsCommand({}))).DetectorIds![0];

    it('ListDetectors and GetDetector with Features (camelCase on the wire, SDK names after decoding)', async () => {
      const id = await detectorId();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      const d = await gd().send(new GetDetectorCommand({ DetectorId: id }));
      expect(d.Status).toBe('ENABLED');
      expect(d.ServiceRole).toMatch(/AWSServiceRoleForAmazonGuardDuty$/);
      expect(d.FindingPublishingFrequency).toBe('FIFTEEN_MINUTES');
      expect(d.Features!.find((f) => f.Name === 'S3_DATA_EVENTS')?.Status).toBe('ENABLED');
      expect(d.Features![0].UpdatedAt).toBeInstanceOf(Date);
      const west = await gd('us-west-2').send(new GetDetectorCommand({ DetectorId: await detectorId('us-west-2') }));
      expect(west.Features!.find((f) => f.Name === 'S3_DATA_EVENTS')?.Status).toBe('DISABLED');
      await expect(gd().send(new GetDetectorCommand({ DetectorId: '0'.repeat(32) }))).rejects.toMatchObject({ name: 'BadRequestException', $metadata: { httpStatusCode: 400 } });
    });

    it('ListFindings filters on service.archived and severity; GetFindings returns full findings', async () => {
      const id = await detectorId();
      const active = await gd().send(new ListFindingsCommand({ DetectorId: id, FindingCriteria: { Criterion: { 'service.archived': { Eq: ['false'] } } } }));
      expect(active.FindingIds).toHaveLength(3);
      const high = await gd().send(new ListFindingsCommand({ DetectorId: id, FindingCriteria: { Criterion: { 'service.archived': { Eq: ['false'] }, severity: { GreaterThanOrEqual: 7 } } } }));
      expect(high.FindingIds).toHaveLength(1);
      const all = await gd().send(new ListFindingsCommand({ DetectorId: id }));
      expect(all.FindingIds).toHaveLength(4);
      const found = await gd().send(new GetFindingsCommand({ DetectorId: id, FindingIds: all.FindingIds }));
      expect(found.Findings).toHaveLength(4);
      expect(found.Findings!.map((f) => f.Severity).sort()).toEqual([2, 5, 5, 8]);
      const archived = found.Findings!.find((f) => f.Service?.Archived);
      expect(archived).toMatchObject({ Type: 'Policy:S3/BucketBlockPublicAccessDisabled', Region: 'us-east-1', AccountId: DEMO_ACCOUNT_ID, SchemaVersion: '2.0' });
      expect(archived!.Resource?.ResourceType).toBe('S3Bucket');
      expect(archived!.Resource?.S3BucketDetails?.[0].Name).toBe('demo-production-legacy-uploads');
    });

    it('ListFilters, GetFilter (the suppression rule in us-east-1) and GetMalwareScanSettings; unknown names and bad limits are BadRequestException', async () => {
      const id = await detectorId();
      expect(await gd().send(new ListFiltersCommand({ DetectorId: id }))).toMatchObject({ FilterNames: ['suppress-vulnerability-scanner-portscan'] });
      const f = await gd().send(new GetFilterCommand({ DetectorId: id, FilterName: 'suppress-vulnerability-scanner-portscan' }));
      expect(f).toMatchObject({ Name: 'suppress-vulnerability-scanner-portscan', Action: 'ARCHIVE', Rank: 1, FindingCriteria: { Criterion: { type: { Equals: ['Recon:EC2/Portscan'] } } } });
      await expect(gd().send(new GetFilterCommand({ DetectorId: id, FilterName: 'nope' }))).rejects.toMatchObject({ name: 'BadRequestException', $metadata: { httpStatusCode: 400 } });
      await expect(gd().send(new ListFiltersCommand({ DetectorId: id, MaxResults: 51 }))).rejects.toMatchObject({ name: 'BadRequestException' });
      const west = await gd('us-west-2').send(new ListFiltersCommand({ DetectorId: await detectorId('us-west-2'), MaxResults: 1 }));
      expect(west.FilterNames).toEqual(['high-severity-view']);
      expect(west.NextToken).toBeUndefined();
      const settings = await gd().send(new GetMalwareScanSettingsCommand({ DetectorId: id }));
      expect(settings.EbsSnapshotPreservation).toBe('NO_RETENTION');
      expect(settings.ScanResourceCriteria).toBeUndefined();
      await expect(gd().send(new GetMalwareScanSettingsCommand({ DetectorId: '0'.repeat(32) }))).rejects.toMatchObject({ name: 'BadRequestException' });
    });

    it('GetFindings rejects more than 50 ids with BadRequestException', async () => {
      const id = await detectorId();
      const ids = Array.from({ length: 51 }, (_, i) => i.toString(16).padStart(32, '0'));
      await expect(gd().send(new GetFindingsCommand({ DetectorId: id, FindingIds: ids }))).rejects.toMatchObject({ name: 'BadRequestException' });
    });

    it('GetFindingsStatistics counts by severity, honouring the criteria', async () => {
      const id = await detectorId();
      const out = await gd().send(new GetFindingsStatisticsCommand({ DetectorId: id, FindingStatisticTypes: ['COUNT_BY_SEVERITY'], FindingCriteria: { Criterion: { 'service.archived': { Eq: ['false'] } } } }));
      expect(out.FindingStatistics?.CountBySeverity).toEqual({ '2.0': 1, '5.0': 1, '8.0': 1 });
      const grouped = await gd().send(new GetFindingsStatisticsCommand({ DetectorId: id, GroupBy: 'SEVERITY' }));
      expect(grouped.FindingStatistics?.GroupedBySeverity?.find((g) => g.Severity === 5)?.TotalFindings).toBe(2);
      expect(grouped.FindingStatistics?.GroupedBySeverity?.[0].LastGeneratedAt).toBeInstanceOf(Date);
      const byType = await gd().send(new GetFindingsStatisticsCommand({ DetectorId: id, GroupBy: 'FINDING_TYPE', OrderBy: 'DESC', MaxResults: 2 }));
      expect(byType.FindingStatistics?.GroupedByFindingType).toHaveLength(2);
      expect(byType.FindingStatistics?.GroupedByFindingType?.[0].TotalFindings).toBe(1);
      const byResource = await gd().send(new GetFindingsStatisticsCommand({ DetectorId: id, GroupBy: 'RESOURCE' }));
      expect(byResource.FindingStatistics?.GroupedByResource?.map((r) => r.ResourceId).sort()).toEqual(['alice.ops', 'demo-production-legacy-uploads', 'i-0a1b2c3d4e5f60718', 'i-0f9e8d7c6b5a40312']);
    });
  });

  describe('AWS Config (awsJson1_1)', () => {
    const cs = (region = 'us-east-1') => new ConfigServiceClient(clientConfig(sim(), { region }));

    it('recorder records all supported types, is recording, and delivers', async () => {
      const rec = await cs().send(new DescribeConfigurationRecordersCommand({}));
      expect(rec.ConfigurationRecorders![0].recordingGroup).toMatchObject({ allSupported: true, includeGlobalResourceTypes: true });
      const status = await cs().send(new DescribeConfigurationRecorderStatusCommand({}));
      expect(status.ConfigurationRecordersStatus![0]).toMatchObject({ name: 'default', recording: true, lastStatus: 'Success' });
      expect(status.ConfigurationRecordersStatus![0].lastStartTime).toBeInstanceOf(Date);
      const ch = await cs().send(new DescribeDeliveryChannelsCommand({}));
      expect(ch.DeliveryChannels![0].s3BucketName).toBe('demo-production-cloudtrail-logs');
      const chs = await cs().send(new DescribeDeliveryChannelStatusCommand({}));
      expect(chs.DeliveryChannelsStatus![0].configHistoryDeliveryInfo?.lastStatus).toBe('Success');
      await expect(cs().send(new DescribeConfigurationRecordersCommand({ ConfigurationRecorderNames: ['nope'] }))).rejects.toMatchObject({ name: 'NoSuchConfigurationRecorderException' });
    });

    it('rules: NON_COMPLIANT where the resources fail, COMPLIANT elsewhere; details per resource', async () => {
      const rules = await cs().send(new DescribeConfigRulesCommand({ ConfigRuleNames: ['s3-bucket-server-side-encryption-enabled'] }));
      expect(rules.ConfigRules![0]).toMatchObject({ ConfigRuleState: 'ACTIVE', Source: { Owner: 'AWS', SourceIdentifier: 'S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED' } });
      const compliance = await cs().send(new DescribeComplianceByConfigRuleCommand({ ConfigRuleNames: ['s3-bucket-server-side-encryption-enabled', 'cloudtrail-enabled'] }));
      expect(compliance.ComplianceByConfigRules!.map((c) => [c.ConfigRuleName, c.Compliance?.ComplianceType])).toEqual([
        ['s3-bucket-server-side-encryption-enabled', 'NON_COMPLIANT'],
        ['cloudtrail-enabled', 'COMPLIANT'],
      ]);
      const details = await cs().send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 's3-bucket-server-side-encryption-enabled', ComplianceTypes: ['NON_COMPLIANT'] }));
      expect(details.EvaluationResults!.map((r) => r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId)).toEqual(['demo-production-legacy-uploads']);
      expect(details.EvaluationResults![0].ResultRecordedTime).toBeInstanceOf(Date);
      await expect(cs().send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'nope' }))).rejects.toMatchObject({ name: 'NoSuchConfigRuleException' });
      const status = await cs().send(new DescribeConfigRuleEvaluationStatusCommand({ ConfigRuleNames: ['cloudtrail-enabled'] }));
      expect(status.ConfigRulesEvaluationStatus).toEqual([
        expect.objectContaining({ ConfigRuleName: 'cloudtrail-enabled', FirstEvaluationStarted: true, LastSuccessfulEvaluationTime: expect.any(Date), LastSuccessfulInvocationTime: expect.any(Date) }),
      ]);
      await expect(cs().send(new DescribeConfigRuleEvaluationStatusCommand({ Limit: 51 }))).rejects.toMatchObject({ name: 'InvalidLimitException' });
    });

    it('conformance packs and their per-rule compliance', async () => {
      const packs = await cs().send(new DescribeConformancePacksCommand({}));
      expect(packs.ConformancePackDetails![0].ConformancePackName).toBe('Operational-Best-Practices-for-PCI-DSS');
      const comp = await cs().send(new DescribeConformancePackComplianceCommand({ ConformancePackName: 'Operational-Best-Practices-for-PCI-DSS', Filters: { ComplianceType: 'NON_COMPLIANT' } }));
      expect(comp.ConformancePackName).toBe('Operational-Best-Practices-for-PCI-DSS');
      expect(comp.ConformancePackRuleComplianceList!.map((r) => r.ConfigRuleName)).toContain('s3-bucket-server-side-encryption-enabled');
      expect(comp.ConformancePackRuleComplianceList!.every((r) => r.ComplianceType === 'NON_COMPLIANT')).toBe(true);
      await expect(cs().send(new DescribeConformancePackComplianceCommand({ ConformancePackName: 'nope' }))).rejects.toMatchObject({ name: 'NoSuchConformancePackException' });
    });

    it('Limit above the maximum is InvalidLimitException; a foreign NextToken is InvalidNextTokenException', async () => {
      await expect(cs().send(new DescribeConformancePacksCommand({ Limit: 21 }))).rejects.toMatchObject({ name: 'InvalidLimitException' });
      const first = await cs().send(new DescribeConfigRulesCommand({}));
      expect(first.NextToken).toBeDefined();
      await expect(cs().send(new DescribeConformancePacksCommand({ NextToken: first.NextToken }))).rejects.toMatchObject({ name: 'InvalidNextTokenException' });
    });
  });

  it('Account ListRegions (restJson1) filters by opt status', async () => {
    const out = await new AccountClient(clientConfig(sim())).send(new ListRegionsCommand({ RegionOptStatusContains: ['ENABLED', 'ENABLED_BY_DEFAULT'], MaxResults: 50 }));
    const names = out.Regions!.map((r) => r.RegionName);
    expect(names).toContain('us-east-1');
    expect(names).not.toContain('af-south-1');
    expect(out.Regions!.every((r) => r.RegionOptStatus === 'ENABLED_BY_DEFAULT')).toBe(true);
  });
});
