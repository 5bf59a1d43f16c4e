/**
 * The simulated aggregator and administrator APIs answer from the members' own world data, over the real wire
 * protocols, with AWS's published errors.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigServiceClient,
  DescribeAggregateComplianceByConfigRulesCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetDiscoveredResourceCountsCommand,
  SelectAggregateResourceConfigCommand,
  paginateDescribeComplianceByConfigRule,
  type ComplianceByConfigRule,
} from '@aws-sdk/client-config-service';
import { GuardDutyClient, ListDetectorsCommand, ListFindingsCommand, ListMembersCommand } from '@aws-sdk/client-guardduty';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { BatchGetAccountStatusCommand, Inspector2Client, ListCoverageCommand, ListMembersCommand as ListInspectorMembersCommand } from '@aws-sdk/client-inspector2';
import { ListMembersCommand as ListMacieMembersCommand, Macie2Client } from '@aws-sdk/client-macie2';
import { AccessAnalyzerClient, ListAnalyzersCommand, ListFindingsV2Command } from '@aws-sdk/client-accessanalyzer';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { organizationWorld, ORG_ACCESS_ANALYZER, ORG_CONFIG_AGGREGATOR, ORG_MANAGEMENT_ACCOUNT_ID } from '../../src/simulator/index.js';
import { accessAnalyzerState } from '../../src/simulator/services/accessanalyzer.js';
import { INVENTORY_QUERY } from '../../src/queries/config/aggregate-resource-inventory.js';
import { clientConfig, useSimulator } from './helpers.js';

const REGIONS = ['us-east-1', 'us-west-2'];
const ADMIN = ORG_MANAGEMENT_ACCOUNT_ID;

describe('aggregator and delegated administrator APIs of the simulated organisation', () => {
  const sim = useSimulator(() => ({ world: organizationWorld({ accounts: 4, regions: REGIONS, seed: 5, delegatedAdministrator: true }) }));
  const members = () => sim().world.organization!.accountIds.filter((id) => id !== ADMIN);
  const config = (accountId = ADMIN, region = 'us-east-1') => new ConfigServiceClient(clientConfig(sim(), { accountId, region }));

  it('the aggregator reports every member rule exactly as the member reports it', async () => {
    const out = await config().send(new DescribeAggregateComplianceByConfigRulesCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR }));
    const items = out.AggregateComplianceByConfigRules ?? [];
    for (const id of members()) {
      for (const region of REGIONS) {
        const own: ComplianceByConfigRule[] = [];
        for await (const page of paginateDescribeComplianceByConfigRule({ client: config(id, region) }, {})) own.push(...(page.ComplianceByConfigRules ?? []));
        const agg = items.filter((i) => i.AccountId === id && i.AwsRegion === region);
        expect(own.length).toBeGreaterThan(25);
        expect(agg.map((i) => [i.ConfigRuleName, i.Compliance?.ComplianceType])).toEqual(own.map((c) => [c.ConfigRuleName, c.Compliance?.ComplianceType]));
      }
    }
    const nonCompliant = items.find((i) => i.Compliance?.ComplianceType === 'NON_COMPLIANT' && i.AccountId !== ADMIN);
    expect(nonCompliant).toBeDefined();
    const details = await config().send(
      new GetAggregateComplianceDetailsByConfigRuleCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR, ConfigRuleName: nonCompliant!.ConfigRuleName, AccountId: nonCompliant!.AccountId, AwsRegion: nonCompliant!.AwsRegion, ComplianceType: 'NON_COMPLIANT' }),
    );
    const own = await config(nonCompliant!.AccountId, nonCompliant!.AwsRegion).send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: nonCompliant!.ConfigRuleName, ComplianceTypes: ['NON_COMPLIANT'] }));
    expect(details.AggregateEvaluationResults!.map((r) => r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId)).toEqual(own.EvaluationResults!.map((r) => r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId));
    for (const r of details.AggregateEvaluationResults!) expect([r.AccountId, r.AwsRegion]).toEqual([nonCompliant!.AccountId, nonCompliant!.AwsRegion]);
  });

  it('answers AWS Config errors: unknown aggregator, missing account, unsupported expression', async () => {
    await expect(config().send(new DescribeAggregateComplianceByConfigRulesCommand({ ConfigurationAggregatorName: 'nope' }))).rejects.toMatchObject({ name: 'NoSuchConfigurationAggregatorException' });
    // The aggregator lives in its own region only.
    await expect(config(ADMIN, 'us-west-2').send(new DescribeAggregateComplianceByConfigRulesCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR }))).rejects.toMatchObject({ name: 'NoSuchConfigurationAggregatorException' });
    await expect(config().send(new GetAggregateComplianceDetailsByConfigRuleCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR, ConfigRuleName: 'x', AccountId: undefined, AwsRegion: 'us-east-1' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(config().send(new SelectAggregateResourceConfigCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR, Expression: 'SELECT resourceId' }))).rejects.toMatchObject({ name: 'InvalidExpressionException' });
    await expect(config().send(new DescribeAggregateComplianceByConfigRulesCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR, Limit: 1001 }))).rejects.toMatchObject({ name: 'InvalidLimitException' });
  });

  it('the inventory advanced query counts what each member discovers itself', async () => {
    const rows: Record<string, unknown>[] = [];
    let NextToken: string | undefined;
    do {
      const page = await config().send(new SelectAggregateResourceConfigCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR, Expression: INVENTORY_QUERY, NextToken }));
      rows.push(...(page.Results ?? []).map((r) => JSON.parse(r) as Record<string, unknown>));
      NextToken = page.NextToken;
    } while (NextToken);
    const id = members()[0];
    const own = await config(id, 'us-east-1').send(new GetDiscoveredResourceCountsCommand({}));
    const agg = rows.filter((r) => r.accountId === id && r.awsRegion === 'us-east-1');
    expect(agg.reduce((n, r) => n + Number(r['COUNT(*)']), 0)).toBe(own.totalDiscoveredResources);
  });

  it('two readers paging the same advanced query at once, one abandoning it, each read every row exactly once', async () => {
    const read = async (limit: number, stopAfter = Infinity) => {
      const rows: string[] = [];
      let NextToken: string | undefined;
      let pages = 0;
      do {
        const page = await config().send(new SelectAggregateResourceConfigCommand({ ConfigurationAggregatorName: ORG_CONFIG_AGGREGATOR, Expression: INVENTORY_QUERY, Limit: limit, NextToken }));
        rows.push(...(page.Results ?? []));
        NextToken = page.NextToken;
      } while (NextToken && ++pages < stopAfter);
      return rows;
    };
    const whole = await read(100);
    expect(whole.length).toBeGreaterThan(20);
    // Pages of 12 and of 20 interleave, and a third reader leaves after two pages (12 calls: within the quota's burst).
    const [a, b, abandoned] = await Promise.all([read(12), read(20), read(5, 2)]);
    expect(abandoned).toHaveLength(10);
    expect([...a].sort()).toEqual([...whole].sort());
    expect([...b].sort()).toEqual([...whole].sort());
    expect(await read(100)).toEqual(whole);
  });

  it('the GuardDuty administrator lists its enabled members and sees their findings', async () => {
    const gd = new GuardDutyClient(clientConfig(sim(), { accountId: ADMIN, region: 'us-east-1' }));
    const detectorId = (await gd.send(new ListDetectorsCommand({}))).DetectorIds![0];
    const listed = (await gd.send(new ListMembersCommand({ DetectorId: detectorId, OnlyAssociated: 'true' }))).Members ?? [];
    const withDetector = members().filter((m) => (sim().world.account(m)!.regions.get('us-east-1')?.guardduty?.detectors.length ?? 0) > 0);
    expect(listed.map((m) => m.AccountId).sort()).toEqual(withDetector.sort());
    for (const m of listed) expect(m).toMatchObject({ RelationshipStatus: 'Enabled', AdministratorId: ADMIN });
    const memberFindings = withDetector.flatMap((m) => sim().world.account(m)!.regions.get('us-east-1')!.guardduty!.detectors[0].findings);
    const ids: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await gd.send(new ListFindingsCommand({ DetectorId: detectorId, NextToken }));
      ids.push(...(page.FindingIds ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    for (const f of memberFindings) expect(ids).toContain(f.Id);
    // A member's own detector sees only its own findings.
    const member = withDetector[0];
    const own = new GuardDutyClient(clientConfig(sim(), { accountId: member, region: 'us-east-1' }));
    const ownDetector = (await own.send(new ListDetectorsCommand({}))).DetectorIds![0];
    expect((await own.send(new ListMembersCommand({ DetectorId: ownDetector }))).Members).toEqual([]);
  });

  it('the Security Hub administrator sees every member’s findings of its region', async () => {
    const hub = new SecurityHubClient(clientConfig(sim(), { accountId: ADMIN, region: 'us-east-1' }));
    const out = await hub.send(new GetFindingsCommand({ Filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] }, MaxResults: 100 }));
    const accounts = new Set((out.Findings ?? []).map((f) => f.AwsAccountId));
    for (const id of members()) expect(accounts.has(id), id).toBe(true);
  });

  it('the Inspector administrator reads its members’ status and coverage; others only their own', async () => {
    const admin = new Inspector2Client(clientConfig(sim(), { accountId: ADMIN, region: 'us-east-1' }));
    const listed = (await admin.send(new ListInspectorMembersCommand({ onlyAssociated: true }))).members ?? [];
    expect(listed.map((m) => m.accountId).sort()).toEqual([...members()].sort());
    for (const m of listed) expect(m).toMatchObject({ relationshipStatus: 'ENABLED', delegatedAdminAccountId: ADMIN });
    const status = await admin.send(new BatchGetAccountStatusCommand({ accountIds: members().slice(0, 2) }));
    expect(status.accounts!.map((a) => [a.accountId, a.state?.status])).toEqual(members().slice(0, 2).map((id) => [id, 'ENABLED']));
    const coverage = (await admin.send(new ListCoverageCommand({ maxResults: 200 }))).coveredResources ?? [];
    expect(new Set(coverage.map((c) => c.accountId))).toEqual(new Set([ADMIN, ...members()].filter((id) => coverage.some((c) => c.accountId === id))));
    expect(coverage.some((c) => c.accountId !== ADMIN)).toBe(true);
    await expect(admin.send(new BatchGetAccountStatusCommand({ accountIds: Array.from({ length: 11 }, (_, i) => String(100000000100 + i)) }))).rejects.toMatchObject({ name: 'ValidationException' });

    const member = new Inspector2Client(clientConfig(sim(), { accountId: members()[0], region: 'us-east-1' }));
    expect((await member.send(new ListInspectorMembersCommand({}))).members).toEqual([]);
    const denied = await member.send(new BatchGetAccountStatusCommand({ accountIds: [members()[1]] }));
    expect(denied.failedAccounts).toEqual([expect.objectContaining({ accountId: members()[1], errorCode: 'ACCESS_DENIED' })]);
    expect(((await member.send(new ListCoverageCommand({ maxResults: 200 }))).coveredResources ?? []).every((c) => c.accountId === members()[0])).toBe(true);
  });

  it('the Macie administrator lists its enabled members; a region without Macie refuses', async () => {
    const admin = new Macie2Client(clientConfig(sim(), { accountId: ADMIN, region: 'us-east-1' }));
    const listed = (await admin.send(new ListMacieMembersCommand({ onlyAssociated: 'true' }))).members ?? [];
    expect(listed.map((m) => m.accountId).sort()).toEqual([...members()].sort());
    for (const m of listed) expect(m).toMatchObject({ relationshipStatus: 'Enabled', administratorAccountId: ADMIN });
    await expect(admin.send(new ListMacieMembersCommand({ maxResults: 51 }))).rejects.toMatchObject({ name: 'ValidationException' });
    const member = new Macie2Client(clientConfig(sim(), { accountId: members()[0], region: 'us-east-1' }));
    expect((await member.send(new ListMacieMembersCommand({}))).members).toEqual([]);
  });

  it('the organization analyzer reports sharing outside the organisation, not between its accounts', async () => {
    const [owner, peer] = members();
    const s = accessAnalyzerState(sim().world.account(owner)!, 'us-east-1');
    const analyzerArn = s.analyzers.find((a) => a.type === 'ACCOUNT')!.arn!;
    const at = new Date('2026-11-01T00:00:00Z');
    const summary = (id: string, resource: string) => ({ id, resource, resourceType: 'AWS::S3::Bucket' as const, resourceOwnerAccount: owner, findingType: 'ExternalAccess' as const, status: 'ACTIVE' as const, createdAt: at, analyzedAt: at, updatedAt: at });
    const access = (principal: string) => [{ externalAccessDetails: { action: ['s3:GetObject'], condition: {}, isPublic: false, principal: { AWS: principal }, sources: [{ type: 'POLICY' as const }] } }];
    s.findings.push(
      { analyzerArn, summary: summary('11111111-1111-4111-a111-111111111111', 'arn:aws:s3:::to-vendor'), details: access('444455556666') },
      { analyzerArn, summary: summary('22222222-2222-4222-a222-222222222222', 'arn:aws:s3:::to-peer'), details: access(`arn:aws:iam::${peer}:root`) },
    );
    const admin = new AccessAnalyzerClient(clientConfig(sim(), { accountId: ADMIN, region: 'us-east-1' }));
    const [org] = (await admin.send(new ListAnalyzersCommand({ type: 'ORGANIZATION' }))).analyzers ?? [];
    expect(org).toMatchObject({ name: ORG_ACCESS_ANALYZER, status: 'ACTIVE' });
    const found = (await admin.send(new ListFindingsV2Command({ analyzerArn: org.arn, filter: { resourceOwnerAccount: { eq: [owner] } } }))).findings ?? [];
    expect(found.map((f) => f.resource)).toEqual(['arn:aws:s3:::to-vendor']);
    // The account analyzer of the owner sees both: its zone of trust is the account.
    const own = new AccessAnalyzerClient(clientConfig(sim(), { accountId: owner, region: 'us-east-1' }));
    expect(((await own.send(new ListFindingsV2Command({ analyzerArn }))).findings ?? []).map((f) => f.resource).sort()).toEqual(['arn:aws:s3:::to-peer', 'arn:aws:s3:::to-vendor']);
    // No organization analyzer in the second region.
    const west = new AccessAnalyzerClient(clientConfig(sim(), { accountId: ADMIN, region: 'us-west-2' }));
    expect((await west.send(new ListAnalyzersCommand({ type: 'ORGANIZATION' }))).analyzers).toEqual([]);
    await expect(admin.send(new ListFindingsV2Command({ analyzerArn: org.arn!.replace(ORG_ACCESS_ANALYZER, 'nope') }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    s.findings.splice(-2);
  });

  it('the audit account may list the organisation’s accounts; other members may not', async () => {
    const listed = await new OrganizationsClient(clientConfig(sim(), { accountId: ADMIN })).send(new ListAccountsCommand({}));
    expect(listed.Accounts!.length).toBe(sim().world.organization!.accountIds.length);
    await expect(new OrganizationsClient(clientConfig(sim(), { accountId: members()[0] })).send(new ListAccountsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('a member account as delegated administrator', () => {
  // The member ids follow from the seed: build once to learn them, then make the second one the audit account.
  const auditId = organizationWorld({ accounts: 3, regions: ['us-east-1'], seed: 9 }).organization!.accountIds[1];
  const sim = useSimulator(() => ({ world: organizationWorld({ accounts: 3, regions: ['us-east-1'], seed: 9, delegatedAdministrator: auditId }) }));

  it('reads the organisation’s accounts and the administrator views; the other member reads neither', async () => {
    const ids = sim().world.organization!.accountIds;
    const listed = await new OrganizationsClient(clientConfig(sim(), { accountId: auditId })).send(new ListAccountsCommand({}));
    expect(listed.Accounts!.map((a) => a.Id).sort()).toEqual([...ids].sort());
    const inspector = (await new Inspector2Client(clientConfig(sim(), { accountId: auditId })).send(new ListInspectorMembersCommand({ onlyAssociated: true }))).members ?? [];
    // The management account is a member like any other to the delegated administrator.
    expect(inspector.map((m) => m.accountId).sort()).toEqual(ids.filter((id) => id !== auditId).sort());
    const other = ids.find((id) => id !== auditId && id !== ADMIN)!;
    await expect(new OrganizationsClient(clientConfig(sim(), { accountId: other })).send(new ListAccountsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect((await new Macie2Client(clientConfig(sim(), { accountId: other })).send(new ListMacieMembersCommand({}))).members).toEqual([]);
  });
});
