/**
 * collect.mode delegated-admin against the simulated organisation: the same requirement results as per-account
 * collection, requirement by requirement and account by account, with the aggregated evidence saying where it came from.
 */
import { fstatSync, mkdtempSync, rmSync, writeSync } from 'node:fs';
import { deserialize } from 'node:v8';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runCollection } from '../../src/collect/run.js';
import { evaluateRun } from '../../src/evaluate/engine.js';
import { EvidenceBodySchema, isDelegatedReadQuery, type EvidenceBody, type SharedRequests } from '../../src/evidence/record.js';
import { putEvidenceBody } from '../../src/seal/seal.js';
import { RunManifestSchema, type RunManifest } from '../../src/evidence/manifest.js';
import { DELEGATED_SOURCES } from '../../src/queries/delegated/index.js';
import { queryById } from '../../src/queries/index.js';
import { DelegatedCollection } from '../../src/collect/delegated.js';
import { AwsClientProvider } from '../../src/aws/clients.js';
import type { CollectionTask } from '../../src/collect/plan.js';
import { startSimulatedAws, simulatorEnv, organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, ORG_CONFIG_AGGREGATOR, ORG_EVENT_DATA_STORE_ID, type SimulatedAws, type SimStats } from '../../src/simulator/index.js';
import type { SimWorld } from '../../src/simulator/world.js';
import { inspector2State } from '../../src/simulator/services/inspector2.js';
import { macieState } from '../../src/simulator/services/macie2.js';
import { capturedLogger } from '../support/capture-log.js';
import { accessAnalyzerState } from '../../src/simulator/services/accessanalyzer.js';
import { rdsState } from '../../src/simulator/services/rds.js';
import { backupState } from '../../src/simulator/services/backup.js';
import { ec2State } from '../../src/simulator/services/ec2.js';

const catalogs = loadCatalogs([]);
const REGIONS = ['us-east-1', 'us-west-2'];
const FRAMEWORKS = ['pci-dss-4.0.1', 'hipaa-security'];
let sim: SimulatedAws;
let dir: string;
const savedEnv = { ...process.env };

const logger = () => capturedLogger('warn');

function config(name: string, collect: Record<string, unknown> = {}): { config: Config; store: LocalEvidenceStore; signer: LocalEd25519Signer } {
  const base = join(dir, name);
  // Calls are counted and compared: a request timeout only as hang protection, so that an answer slowed by a loaded
  // machine is not abandoned and asked again (one call more).
  const config = ConfigSchema.parse({
    accounts: { source: 'organizations' },
    regions: { list: REGIONS, home: 'us-east-1' },
    store: { kind: 'local', path: join(base, 'store') },
    stateDir: join(base, 'state'),
    collect: { maxAttempts: 6, requestTimeoutMs: 300_000, sensitiveEvents: ['StopLogging', 'ConsoleLogin'], ...collect },
  });
  return { config, store: new LocalEvidenceStore(join(base, 'store')), signer: LocalEd25519Signer.open(join(base, 'keys')) };
}

const EVENT_DATA_STORE = `arn:aws:cloudtrail:us-east-1:${ORG_MANAGEMENT_ACCOUNT_ID}:eventdatastore/${ORG_EVENT_DATA_STORE_ID}`;
const DELEGATED = { mode: 'delegated-admin', delegatedAdmin: { accountId: ORG_MANAGEMENT_ACCOUNT_ID, configAggregator: ORG_CONFIG_AGGREGATOR, cloudtrailEventDataStore: EVENT_DATA_STORE } };

async function collectAndEvaluate(name: string, collect: Record<string, unknown> = {}) {
  const { config: cfg, store, signer } = config(name, collect);
  const { log, lines } = logger();
  sim.resetStats();
  const outcome = await runCollection({ config: cfg, catalogs, store, signer, log });
  const stats: SimStats = sim.stats();
  const manifest: RunManifest = RunManifestSchema.parse(JSON.parse((await store.getRun(outcome.runId)).manifest.toString('utf8')));
  const loadBody = async (sha: string): Promise<EvidenceBody> => EvidenceBodySchema.parse(JSON.parse((await store.getObject(sha)).toString('utf8')));
  const results = await evaluateRun({ manifest, loadBody, catalogs, frameworks: FRAMEWORKS });
  return { outcome, manifest, loadBody, results, stats, lines };
}

/** Requirement status and the status of every judged resource, per framework, requirement and account. */
function byRequirement(results: Awaited<ReturnType<typeof collectAndEvaluate>>['results']) {
  // Judged resources too, but: the analyzer that judged external access differs by design (the organization analyzer
  // instead of the member's own), and the aggregator names a Config rule by name where the member gives its ARN (a
  // compliant rule, or a non-compliant one judged as detection evidence: configRulesEvidence).
  const judged = (f: { queryId: string; resource: string; resourceType: string; status: string }) =>
    f.resourceType === 'AWS::AccessAnalyzer::Analyzer' ? 'analyzer' : f.queryId === 'config.rule-compliance' && f.resourceType === 'AWS::Config::ConfigRule' && (f.status === 'pass' || f.status === 'needs-review') ? 'rule' : f.resource;
  return new Map(results.map((r) => [`${r.framework} ${r.requirementId} ${r.accountId}`, { status: r.status, findings: r.findings.map((f) => `${f.queryId} ${f.region} ${judged(f)} ${f.status}`).sort(), gaps: r.gaps.length }]));
}

/** One collection per mode serves every case that reads it (whole collections of an organisation are the slow part). */
const collected = new Map<string, ReturnType<typeof collectAndEvaluate>>();
function collectedOnce(mode: 'per-account' | 'delegated'): ReturnType<typeof collectAndEvaluate> {
  let run = collected.get(mode);
  if (!run) collected.set(mode, (run = mode === 'per-account' ? collectAndEvaluate('per-account') : collectAndEvaluate('delegated', DELEGATED)));
  return run;
}

const calls = (stats: SimStats, prefix: string) => Object.entries(stats.byOperation).filter(([op]) => op.startsWith(prefix)).reduce((n, [, c]) => n + c.calls, 0);

const DAY = 86_400_000;
/** Outside the simulated organisation. */
const THIRD_PARTY = '444455556666';

/**
 * Findings the administrators must route to the right member: an old critical Inspector finding, card numbers found
 * by Macie, and a bucket shared with an account outside the organisation (the generated members have none).
 */
function addMemberFindings(world: SimWorld): { inspectorMember: string; macieMember: string; sharingMember: string; filteringMember: string; undiscoveredMember: string } {
  const [, inspectorMember, macieMember, sharingMember, undiscoveredMember, filteringMember] = world.organization!.accountIds;
  const region = REGIONS[0];
  const now = Date.now();
  inspector2State(world.account(inspectorMember)!, region).findings.push({
    findingArn: `arn:aws:inspector2:${region}:${inspectorMember}:finding/0123456789abcdef0123456789abcdef`,
    awsAccountId: inspectorMember,
    type: 'PACKAGE_VULNERABILITY',
    title: 'CVE-2023-38545 - curl',
    description: 'curl 7.76.1 is affected by CVE-2023-38545.',
    remediation: { recommendation: { text: 'Upgrade curl to 8.4.0 or later.' } },
    severity: 'CRITICAL',
    firstObservedAt: new Date(now - 60 * DAY),
    lastObservedAt: new Date(now - DAY),
    updatedAt: new Date(now - DAY),
    status: 'ACTIVE',
    resources: [{ type: 'AWS_EC2_INSTANCE', id: 'i-0aaaabbbbccccdddd', partition: 'aws', region }],
    packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2023-38545', source: 'NVD', vulnerablePackages: [{ name: 'curl', version: '7.76.1', fixedInVersion: '8.4.0' }] },
  });
  macieState(world.account(macieMember)!, region).findings.push({
    id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
    accountId: macieMember,
    region,
    partition: 'aws',
    type: 'SensitiveData:S3Object/Financial',
    category: 'CLASSIFICATION',
    archived: false,
    severity: { description: 'High', score: 3 },
    createdAt: new Date(now - 5 * DAY),
    updatedAt: new Date(now - 5 * DAY),
    resourcesAffected: { s3Bucket: { name: `exports-${macieMember}`, arn: `arn:aws:s3:::exports-${macieMember}` }, s3Object: { key: 'batch/0412.csv' } },
    classificationDetails: {
      result: { sensitiveData: [{ category: 'FINANCIAL_INFORMATION', totalCount: 3, detections: [{ type: 'CREDIT_CARD_NUMBER', count: 3, occurrences: { cells: [{ row: 2, column: 4, columnName: 'pan' }] } }] }] },
    },
  });
  const aa = accessAnalyzerState(world.account(sharingMember)!, region);
  const created = new Date(now - 20 * DAY);
  aa.findings.push({
    analyzerArn: aa.analyzers.find((a) => a.type === 'ACCOUNT')!.arn!,
    summary: { id: '0b1c2d3e-4f50-4617-a8b9-cadbecfd0e1f', resource: `arn:aws:s3:::shared-${sharingMember}`, resourceType: 'AWS::S3::Bucket', resourceOwnerAccount: sharingMember, findingType: 'ExternalAccess', status: 'ACTIVE', createdAt: created, analyzedAt: created, updatedAt: created },
    details: [{ externalAccessDetails: { action: ['s3:GetObject'], condition: {}, isPublic: false, principal: { AWS: THIRD_PARTY }, sources: [{ type: 'POLICY' }] } }],
  });
  // A member's own Inspector suppression rule, kept from before it joined: its own ListFilters lists it, the
  // administrator's does not. It can hide the member's high findings, so both modes must name it.
  inspector2State(world.account(filteringMember)!, region).filters.push({
    arn: `arn:aws:inspector2:${region}:${filteringMember}:owner/${filteringMember}/filter/legacy-images-accepted`,
    ownerId: filteringMember,
    name: 'legacy-images-accepted',
    action: 'SUPPRESS',
    criteria: { severity: [{ comparison: 'EQUALS', value: 'HIGH' }], ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'legacy' }] },
    reason: 'accepted until the legacy images are retired',
    createdAt: new Date(now - 400 * DAY),
    updatedAt: new Date(now - 400 * DAY),
  });
  // A Macie member whose administrator does not run automated discovery for it (its own setting says ENABLED).
  macieState(world.account(undiscoveredMember)!, region).automatedDiscoveryAccountStatus = 'DISABLED';
  return { inspectorMember, macieMember, sharingMember, filteringMember, undiscoveredMember };
}

/**
 * Databases the aggregator must record as the member's API describes them (the generated members each have one passing
 * instance in the home region): a public, unencrypted one with a day of backups, its read replica and an Aurora member.
 * Its Aurora cluster has AWS Backup recovery points (one unencrypted, of a cluster since deleted), and another member
 * shares an unencrypted cluster snapshot with it; AWS Config records neither, so both modes read them in the member.
 * Returns the account-regions that hold a database, the Aurora cluster's account and the sharing account.
 */
function addMemberDatabases(world: SimWorld): { regions: { accountId: string; region: string }[]; member: string; owner: string } {
  const member = world.organization!.accountIds[4];
  const account = world.account(member)!;
  const [home, other] = REGIONS;
  const template = rdsState(account, home).dbInstances[0];
  const db = (id: string, rest: Partial<typeof template>) => ({
    ...template,
    DBInstanceIdentifier: id,
    DBInstanceArn: `arn:aws:rds:${other}:${member}:db:${id}`,
    DbiResourceId: `db-${id.toUpperCase().replace(/-/g, '')}0000000000`,
    Endpoint: { ...template.Endpoint, Address: `${id}.cabcdefghijk.${other}.rds.amazonaws.com` },
    ...rest,
  });
  rdsState(account, other).dbInstances.push(
    db('legacy-reporting', { Engine: 'mysql', BackupRetentionPeriod: 1, PubliclyAccessible: true, StorageEncrypted: false, KmsKeyId: undefined }),
    db('legacy-reporting-replica', { Engine: 'mysql', BackupRetentionPeriod: 0, ReadReplicaSourceDBInstanceIdentifier: 'legacy-reporting', StorageEncrypted: false, KmsKeyId: undefined }),
    db('payments-1', { Engine: 'aurora-postgresql', DBClusterIdentifier: 'payments', StorageType: 'aurora' }),
  );
  const s = rdsState(account, other);
  const clusterSnapshotArn = (owner: string, id: string) => `arn:aws:rds:${other}:${owner}:cluster-snapshot:${id}`;
  s.dbClusters.push({ DBClusterIdentifier: 'payments', DBClusterArn: `arn:aws:rds:${other}:${member}:cluster:payments`, Engine: 'aurora-postgresql', Status: 'available', StorageEncrypted: true, KmsKeyId: template.KmsKeyId, DBClusterMembers: [{ DBInstanceIdentifier: 'payments-1', IsClusterWriter: true }] });
  // AWS Backup keeps the cluster's recovery points in a vault of the region, with one of a cluster since deleted.
  const b = backupState(account, other);
  const vaultArn = `arn:aws:backup:${other}:${member}:backup-vault:aurora-vault`;
  b.vaults.push({ BackupVaultName: 'aurora-vault', BackupVaultArn: vaultArn, VaultType: 'BACKUP_VAULT', VaultState: 'AVAILABLE', NumberOfRecoveryPoints: 2, Locked: true, MinRetentionDays: 7, LockDate: new Date(Date.UTC(2024, 0, 1)) });
  const point = (id: string, cluster: string, encrypted: boolean) => ({
    RecoveryPointArn: clusterSnapshotArn(member, id),
    BackupVaultName: 'aurora-vault',
    BackupVaultArn: vaultArn,
    ResourceArn: `arn:aws:rds:${other}:${member}:cluster:${cluster}`,
    ResourceType: 'Aurora',
    ResourceName: cluster,
    Status: 'COMPLETED' as const,
    IsEncrypted: encrypted,
    ...(encrypted ? { EncryptionKeyArn: template.KmsKeyId } : {}),
  });
  b.recoveryPoints.push(point('awsbackup:job-0a0a0a0a-0001', 'payments', true), point('awsbackup:job-0b0b0b0b-0002', 'payments-2019', false));
  const owner = world.organization!.accountIds[3];
  const o = rdsState(world.account(owner)!, other);
  o.dbClusterSnapshots.push({ DBClusterSnapshotIdentifier: 'ledger-export', DBClusterSnapshotArn: clusterSnapshotArn(owner, 'ledger-export'), DBClusterIdentifier: 'ledger', Engine: 'aurora-mysql', SnapshotType: 'manual', Status: 'available', StorageEncrypted: false });
  o.restoreAccounts['ledger-export'] = [member];
  const regions = world.organization!.accountIds.flatMap((accountId) => REGIONS.filter((r) => (world.account(accountId)!.regions.get(r)?.rds?.dbInstances.length ?? 0) > 0).map((region) => ({ accountId, region })));
  return { regions, member, owner };
}

/**
 * Security-group rules whose sources AWS Config records by id only: SSH from a customer-managed prefix list holding
 * 0.0.0.0/0 (fails on its entries), and PostgreSQL from a peer group AWS reports stale (needs review). Both modes read the
 * lists and the stale references in the member. Returns the member and the failing group's ARN.
 */
function addMemberNetworkReferences(world: SimWorld): { member: string; failing: string } {
  const member = world.organization!.accountIds[5];
  const region = REGIONS[0];
  const s = ec2State(world.account(member)!, region);
  const vpc = s.securityGroups[0].VpcId!;
  const list = 'pl-0c0c0c0c0c0c0c0c2';
  s.managedPrefixLists = [...(s.managedPrefixLists ?? []), { PrefixListId: list, AddressFamily: 'IPv4', State: 'create-complete', PrefixListArn: `arn:aws:ec2:${region}:${member}:prefix-list/${list}`, PrefixListName: 'contractors', MaxEntries: 5, Version: 2, OwnerId: member, Tags: [] }];
  s.prefixListEntries = { ...s.prefixListEntries, [list]: [{ Cidr: '192.0.2.0/24' }, { Cidr: '0.0.0.0/0', Description: 'temporary' }] };
  const rule = (port: number, extra: object) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...extra });
  const arn = (id: string) => `arn:aws:ec2:${region}:${member}:security-group/${id}`;
  const stalePair = { GroupId: 'sg-0deadbeef0000000d', UserId: THIRD_PARTY, VpcId: 'vpc-0peer', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718', PeeringStatus: 'deleted' };
  s.securityGroups.push(
    { GroupId: 'sg-0a1111111111111c2', GroupName: 'contractor-ssh', Description: 'SSH for contractors', OwnerId: member, VpcId: vpc, SecurityGroupArn: arn('sg-0a1111111111111c2'), IpPermissions: [rule(22, { PrefixListIds: [{ PrefixListId: list }] })], IpPermissionsEgress: [], Tags: [] },
    { GroupId: 'sg-0a1111111111111b0', GroupName: 'reporting', Description: 'reporting', OwnerId: member, VpcId: vpc, SecurityGroupArn: arn('sg-0a1111111111111b0'), IpPermissions: [rule(5432, { UserIdGroupPairs: [stalePair] })], IpPermissionsEgress: [], Tags: [] },
  );
  s.staleSecurityGroups = { [vpc]: [{ GroupId: 'sg-0a1111111111111b0', GroupName: 'reporting', Description: 'reporting', VpcId: vpc, StaleIpPermissions: [rule(5432, { UserIdGroupPairs: [stalePair] })], StaleIpPermissionsEgress: [] }] };
  return { member, failing: arn('sg-0a1111111111111c2') };
}

let seeded: ReturnType<typeof addMemberFindings>;
let network: ReturnType<typeof addMemberNetworkReferences>;
let databases: ReturnType<typeof addMemberDatabases>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'el-delegated-'));
  const world = organizationWorld({ accounts: 6, regions: REGIONS, seed: 11, delegatedAdministrator: true });
  seeded = addMemberFindings(world);
  databases = addMemberDatabases(world);
  network = addMemberNetworkReferences(world);
  // The audit account (every service's administrator here) is a collection target too, through the same member role.
  world.account(ORG_MANAGEMENT_ACCOUNT_ID)!.roles.set('EvidenceLockerReadOnly', { name: 'EvidenceLockerReadOnly', trustedAccounts: [ORG_MANAGEMENT_ACCOUNT_ID], maxSessionDurationSeconds: 3600 });
  sim = await startSimulatedAws({ world });
  Object.assign(process.env, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
});

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Several whole collections of an organisation per test: a generous guard on a busy machine, never an assertion on time.
describe('collect.mode delegated-admin', () => {
  it('gives the same result as per-account collection for every requirement of every account, with fewer member calls', async () => {
    const perAccount = await collectedOnce('per-account');
    const delegated = await collectedOnce('delegated');
    expect(delegated.lines.filter((l) => String(l.msg).includes('read failed'))).toEqual([]);
    expect(delegated.outcome.status).toBe(perAccount.outcome.status);
    // The same records, plus one record of each organisation-wide read (the audit account's requests, cited by its members).
    expect(delegated.manifest.records.filter((r) => !isDelegatedReadQuery(r.queryId)).map((r) => r.recordId)).toEqual(perAccount.manifest.records.map((r) => r.recordId));
    expect(delegated.manifest.records.filter((r) => isDelegatedReadQuery(r.queryId)).length).toBeGreaterThan(0);
    expect(perAccount.manifest.records.filter((r) => isDelegatedReadQuery(r.queryId))).toEqual([]);

    // The administrator account is judged in both modes on its own findings only, never on its members'.
    for (const run of [perAccount, delegated]) expect(run.outcome.accounts).toContain(ORG_MANAGEMENT_ACCOUNT_ID);
    const a = byRequirement(perAccount.results);
    const b = byRequirement(delegated.results);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [key, expected] of a) expect({ key, ...b.get(key)! }).toEqual({ key, ...expected });
    // A comparison of nothing proves nothing: the organisation has failing, passing and reviewed requirements.
    const statuses = new Set([...a.values()].map((v) => v.status));
    for (const s of ['fail', 'needs-review', 'aws-portion-satisfied']) expect(statuses).toContain(s);
    // Sensitive activity read from CloudTrail Lake is compared on listed events, not only on quiet accounts.
    expect([...a.values()].some((v) => v.findings.some((f) => f.startsWith('cloudtrail.sensitive-activity ') && f.endsWith(' needs-review')))).toBe(true);
    // Lambda is compared on judged functions: a supported runtime and a deprecated one, and each runtime update mode
    // (Auto passes; a pinned published version and a function patched only on deployment need review), read in each
    // member with its own role in both modes (AWS Config records neither published versions nor the mode).
    const lambdaFindings = (v: Map<string, { findings: string[] }>, queryId: string) => new Set([...v.values()].flatMap((x) => x.findings).filter((f) => f.startsWith(`${queryId} `)).map((f) => f.split(' ').pop()));
    expect([...lambdaFindings(a, 'lambda.runtime-support')]).toEqual(expect.arrayContaining(['fail', 'pass']));
    expect([...lambdaFindings(a, 'lambda.runtime-update-mode')]).toEqual(expect.arrayContaining(['needs-review', 'pass']));
    expect([...a.values()].flatMap((x) => x.findings)).toEqual(expect.arrayContaining([expect.stringMatching(/^lambda\.runtime-update-mode us-east-1 arn:aws:lambda:us-east-1:\d{12}:function:orders-api:1 needs-review$/)]));
    expect(delegated.stats.byOperation['lambda:GetRuntimeManagementConfig']?.ok ?? 0).toBeGreaterThan(0);
    expect(delegated.stats.byOperation['lambda:GetRuntimeManagementConfig']?.ok).toBe(perAccount.stats.byOperation['lambda:GetRuntimeManagementConfig']?.ok);
    expect(delegated.stats.byOperation['lambda:ListFunctions']?.ok).toBe(perAccount.stats.byOperation['lambda:ListFunctions']?.ok);

    // The report cites each aggregated record with what it was read through; per-account evidence cites none.
    const cited = delegated.results.flatMap((r) => r.evidence).filter((e) => e.via).map((e) => e.via!);
    expect(cited).toContain(`AWS Config aggregator ${ORG_CONFIG_AGGREGATOR} (audit account ${ORG_MANAGEMENT_ACCOUNT_ID}, us-east-1)`);
    expect(cited).toContain(`GuardDuty delegated administrator (audit account ${ORG_MANAGEMENT_ACCOUNT_ID}, us-west-2)`);
    expect(cited).toContain(`Amazon Inspector delegated administrator (audit account ${ORG_MANAGEMENT_ACCOUNT_ID}, us-east-1)`);
    expect(cited).toContain(`Amazon Macie administrator (audit account ${ORG_MANAGEMENT_ACCOUNT_ID}, us-east-1)`);
    expect(cited).toContain(`IAM Access Analyzer organization analyzer (audit account ${ORG_MANAGEMENT_ACCOUNT_ID}, us-east-1)`);
    // The seeded member findings are judged the same way through the administrators as in the members.
    const judged = (results: typeof delegated.results, queryId: string, accountId: string) =>
      [...new Set(results.filter((r) => r.accountId === accountId).flatMap((r) => r.findings).filter((f) => f.queryId === queryId && f.status === 'fail').map((f) => f.resource))].sort();
    for (const [queryId, accountId, resource] of [
      ['inspector2.findings', seeded.inspectorMember, `arn:aws:ec2:us-east-1:${seeded.inspectorMember}:instance/i-0aaaabbbbccccdddd`],
      ['macie.discovery', seeded.macieMember, `arn:aws:s3:::exports-${seeded.macieMember}`],
      ['accessanalyzer.external-access', seeded.sharingMember, `arn:aws:s3:::shared-${seeded.sharingMember}`],
    ] as const) {
      expect(judged(perAccount.results, queryId, accountId), queryId).toContain(resource);
      expect(judged(delegated.results, queryId, accountId), queryId).toEqual(judged(perAccount.results, queryId, accountId));
    }
    // A prefix list's entries and AWS's stale references are read in the member beside the aggregator's items.
    expect(judged(perAccount.results, 'ec2.admin-ports-open', network.member)).toContain(network.failing);
    expect(judged(delegated.results, 'ec2.admin-ports-open', network.member)).toEqual(judged(perAccount.results, 'ec2.admin-ports-open', network.member));
    for (const op of ['ec2:GetManagedPrefixListEntries', 'ec2:DescribeStaleSecurityGroups']) {
      expect(perAccount.stats.byOperation[op]?.ok ?? 0, op).toBeGreaterThan(0);
      expect(delegated.stats.byOperation[op]?.ok, op).toBe(perAccount.stats.byOperation[op]?.ok);
    }
    // A member's own Inspector suppression rule is read in the member in both modes: its account result needs review.
    const inspectorAccount = (results: typeof delegated.results, accountId: string) =>
      [...new Set(results.filter((r) => r.accountId === accountId).flatMap((r) => r.findings).filter((f) => f.queryId === 'inspector2.findings' && f.region === REGIONS[0] && f.resource === 'account').map((f) => f.status))];
    // (needs review wherever high findings are judged; a requirement judging other severities passes on it)
    expect(inspectorAccount(perAccount.results, seeded.filteringMember)).toContain('needs-review');
    expect(inspectorAccount(delegated.results, seeded.filteringMember).sort()).toEqual(inspectorAccount(perAccount.results, seeded.filteringMember).sort());
    // Automated discovery the Macie administrator does not run for a member covers nothing, in either mode.
    const macieSession = (results: typeof delegated.results, accountId: string) =>
      [...new Set(results.filter((r) => r.accountId === accountId).flatMap((r) => r.findings).filter((f) => f.queryId === 'macie.discovery' && f.region === REGIONS[0] && f.resourceType === 'AWS::Macie::Session').map((f) => f.status))];
    expect(macieSession(perAccount.results, seeded.undiscoveredMember)).toContain('fail');
    expect(macieSession(delegated.results, seeded.undiscoveredMember)).toEqual(macieSession(perAccount.results, seeded.undiscoveredMember));
    expect(cited).toContain(`CloudTrail Lake event data store ${EVENT_DATA_STORE} (audit account ${ORG_MANAGEMENT_ACCOUNT_ID}, us-east-1)`);
    expect(perAccount.results.flatMap((r) => r.evidence).filter((e) => e.via)).toEqual([]);

    // Member accounts no longer answer what the aggregator and the administrators hold.
    for (const op of ['s3:GetBucketEncryption', 's3:GetBucketVersioning', 's3:GetBucketLogging', 's3:GetBucketPolicy']) {
      expect(delegated.stats.byOperation[op]?.ok ?? 0, op).toBeLessThan(perAccount.stats.byOperation[op]?.ok ?? 0);
    }
    // No generated bucket has Object Lock: every member answer is ObjectLockConfigurationNotFoundError, so count calls.
    expect(delegated.stats.byOperation['s3:GetObjectLockConfiguration']?.calls ?? 0).toBeLessThan(perAccount.stats.byOperation['s3:GetObjectLockConfiguration']?.calls ?? 0);
    for (const op of [
      'config:DescribeComplianceByConfigRule',
      'config:GetDiscoveredResourceCounts',
      'guardduty:ListFindings',
      'securityhub:GetFindings',
      'inspector2:ListFindings',
      'inspector2:ListCoverage',
      'macie2:ListFindings',
      'access-analyzer:ListFindingsV2',
      'cloudtrail:LookupEvents',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeNetworkAcls',
      'ec2:DescribeNetworkInterfaces',
    ]) {
      expect(delegated.stats.byOperation[op]?.ok ?? 0, op).toBeLessThan(perAccount.stats.byOperation[op]?.ok ?? 0);
    }
    // kms.key-rotation asks each member for its keys' rotation periods, which AWS Config does not record.
    expect(delegated.stats.byOperation['kms:GetKeyRotationStatus']?.ok ?? 0).toBe(perAccount.stats.byOperation['kms:GetKeyRotationStatus']?.ok ?? 0);
    // Not fewer DescribeInstances: Inspector, SSM and GuardDuty coverage still read each member's instances, once per
    // member-region now that a run shares that read, so the instance queries' items save no member call.
    expect(delegated.stats.byOperation['ec2:DescribeInstances']?.ok ?? 0).toBeLessThanOrEqual(perAccount.stats.byOperation['ec2:DescribeInstances']?.ok ?? 0);
    expect(calls(delegated.stats, 'config:DescribeAggregateComplianceByConfigRules')).toBe(1);
    // The Inspector administrator's membership is read once per region, though three organisation-wide sources use it.
    expect(delegated.stats.byOperation['inspector2:ListMembers']?.ok).toBe(REGIONS.length);
    // One Lake search (and one count of each member's events) answers for every member and region, in place of LookupEvents in each.
    expect(delegated.stats.byOperation['cloudtrail:StartQuery']?.ok).toBe(2);
    expect(delegated.stats.byOperation['cloudtrail:LookupEvents']?.ok ?? 0).toBe(0);
    expect(calls(delegated.stats, 'config:SelectAggregateResourceConfig')).toBeGreaterThan(0);
    // The RDS queries ask every member-region (rds.storage-encrypted also reads DB clusters and snapshots, which AWS
    // Config instance items do not hold), one DescribeDBInstances read shared by the three, and no aggregator read.
    const describeDbInstances = (stats: SimStats) => stats.byOperation['rds:DescribeDBInstances']?.ok ?? 0;
    expect(databases.regions.length).toBeGreaterThan(0);
    expect(describeDbInstances(delegated.stats)).toBe(describeDbInstances(perAccount.stats));
    expect(delegated.stats.byOperation['rds:DescribeDBSnapshots']?.ok).toBe(perAccount.stats.byOperation['rds:DescribeDBSnapshots']?.ok);
    expect(delegated.stats.byOperation['rds:DescribeDBClusterSnapshots']?.ok).toBe(perAccount.stats.byOperation['rds:DescribeDBClusterSnapshots']?.ok);
    // AWS Backup's Aurora recovery points are read in each member-region in both modes (no aggregator holds them).
    expect(delegated.stats.byOperation['backup:ListRecoveryPointsByBackupVault']?.ok).toBeGreaterThan(0);
    expect(delegated.stats.byOperation['backup:ListRecoveryPointsByBackupVault']?.ok).toBe(perAccount.stats.byOperation['backup:ListRecoveryPointsByBackupVault']?.ok);
    // Both modes read and judge the Aurora cluster's AWS Backup recovery points and the cluster snapshot shared with it.
    for (const run of [perAccount, delegated]) {
      const findings = new Set([...byRequirement(run.results).values()].flatMap((v) => v.findings));
      expect([...findings].filter((f) => f.startsWith('rds.storage-encrypted ') && f.includes(':cluster')).sort()).toEqual(
        [
          `rds.storage-encrypted ${REGIONS[1]} arn:aws:rds:${REGIONS[1]}:${databases.member}:cluster-snapshot:awsbackup:job-0a0a0a0a-0001 pass`,
          `rds.storage-encrypted ${REGIONS[1]} arn:aws:rds:${REGIONS[1]}:${databases.member}:cluster-snapshot:awsbackup:job-0b0b0b0b-0002 fail`,
          `rds.storage-encrypted ${REGIONS[1]} arn:aws:rds:${REGIONS[1]}:${databases.member}:cluster:payments pass`,
          // The owner's own evidence fails it; the member sharing it reviews it.
          `rds.storage-encrypted ${REGIONS[1]} arn:aws:rds:${REGIONS[1]}:${databases.owner}:cluster-snapshot:ledger-export fail`,
          `rds.storage-encrypted ${REGIONS[1]} arn:aws:rds:${REGIONS[1]}:${databases.owner}:cluster-snapshot:ledger-export needs-review`,
        ].sort(),
      );
    }
    expect(delegated.stats.total.calls).toBeLessThan(perAccount.stats.total.calls);
  }, 600_000);

  it('says in each aggregated record which aggregator or administrator answered, and keeps its items verbatim', async () => {
    const { manifest, loadBody } = await collectedOnce('delegated');
    const sourced = new Map(DELEGATED_SOURCES.map((s) => [s.queryId, s.kind]));
    let viaAggregator = 0;
    const reads = new Map(manifest.records.filter((r) => isDelegatedReadQuery(r.queryId)).map((r) => [r.recordId, r]));
    const cited = new Set<string>();
    for (const rec of manifest.records) {
      const body = await loadBody(rec.sha256);
      expect(body.status, rec.recordId).toBe('ok');
      const via = body.provenance?.via;
      if (reads.has(rec.recordId)) {
        // A read's own record: the audit account's calls, every page, with AWS's ids and dates; no member cites it whole.
        expect(via, rec.recordId).toBeUndefined();
        expect(rec.accountId).toBe(ORG_MANAGEMENT_ACCOUNT_ID);
        expect(body.requests.length, rec.recordId).toBeGreaterThan(0);
        expect(body.provenance?.requestIds.length, rec.recordId).toBe(body.requests.length);
        expect(body.provenance?.responseDates.length, rec.recordId).toBe(body.requests.length);
        expect(body.provenance?.callerArn).toMatch(new RegExp(`^arn:aws:iam::${ORG_MANAGEMENT_ACCOUNT_ID}:`));
        const listed = (body.data as { requests: SharedRequests }).requests;
        expect(listed.map((r) => r.requestId)).toEqual(body.provenance?.requestIds);
        // Each operation's first request keeps its input (the filter or query); later pages are cited by request id only.
        const firstOf = new Map<string, SharedRequests[number]>();
        for (const r of listed) if (!firstOf.has(r.operation)) firstOf.set(r.operation, r);
        for (const r of listed) expect('input' in r, `${rec.recordId} ${r.operation}`).toBe(firstOf.get(r.operation) === r || r.error !== undefined);
        continue;
      }
      if (!sourced.has(rec.queryId)) {
        expect(via, rec.recordId).toBeUndefined();
        continue;
      }
      if (!via) continue;
      viaAggregator++;
      expect(via.kind).toBe(sourced.get(rec.queryId));
      expect(via.accountId).toBe(ORG_MANAGEMENT_ACCOUNT_ID);
      expect(via.callerArn).toMatch(new RegExp(`^arn:aws:iam::${ORG_MANAGEMENT_ACCOUNT_ID}:`));
      // The read is cited by its record in the same run, not copied: the run's manifest lists it with that SHA-256.
      expect(via.sharedRequests).toBeUndefined();
      const read = reads.get(via.read!.recordId);
      expect(read, rec.recordId).toBeDefined();
      expect(via.read!.sha256).toBe(read!.sha256);
      cited.add(read!.recordId);
      const readBody = await loadBody(read!.sha256);
      expect(via.read!.requests).toBe(readBody.requests.length);
      expect(readBody.region).toBe(via.region);
      expect((readBody.data as { kind: string }).kind).toBe(via.kind);
      // Where the organisation-wide calls went, by operation: the simulator's one origin for each, as the read records them.
      expect(via.endpointsByOperation, rec.recordId).toEqual(readBody.provenance?.endpointsByOperation);
      expect(Object.keys(via.endpointsByOperation ?? {}).sort(), rec.recordId).toEqual([...new Set(readBody.requests.map((r) => r.operation))].sort());
      for (const origins of Object.values(via.endpointsByOperation ?? {})) expect(origins).toEqual([new URL(process.env.AWS_ENDPOINT_URL_CONFIG_SERVICE!).origin]);
      // The member record lists the read's operations first, then its own.
      expect(body.operations.slice(0, readBody.operations.length)).toEqual(readBody.operations);
      expect(body.accountId).toBe(rec.accountId);
      // Every item of the member's part names the member account and region it describes.
      const data = body.data as Record<string, unknown>;
      if (rec.queryId === 'config.rule-compliance') {
        const items = data.aggregateCompliance as { AccountId: string; AwsRegion: string }[];
        expect(items.length).toBeGreaterThan(0);
        for (const i of items) expect([i.AccountId, i.AwsRegion]).toEqual([rec.accountId, rec.region]);
      }
      if (rec.queryId === 'guardduty.findings') {
        const findings = (data.detectors as { findings: { AccountId: string; Region: string }[] }[])[0].findings;
        for (const f of findings) expect([f.AccountId, f.Region]).toEqual([rec.accountId, rec.region]);
        // The administrator's own record has no membership entry: it is not its own member.
        if (rec.accountId !== ORG_MANAGEMENT_ACCOUNT_ID) expect((data.member as { RelationshipStatus: string }).RelationshipStatus).toBe('Enabled');
      }
      if (rec.queryId === 'inspector2.findings') {
        for (const f of data.findings as { awsAccountId: string }[]) expect(f.awsAccountId).toBe(rec.accountId);
        expect((data.accountStatus as { accounts: { accountId: string }[] }).accounts.map((a) => a.accountId)).toEqual([rec.accountId]);
      }
      if (rec.queryId === 'inspector2.coverage') {
        const coverage = data.coverage as { accountId: string }[];
        expect(coverage.length).toBeGreaterThan(0);
        for (const c of coverage) expect(c.accountId).toBe(rec.accountId);
      }
      if (rec.queryId === 'macie.discovery') {
        for (const f of (data.findings ?? []) as { accountId: string }[]) expect(f.accountId).toBe(rec.accountId);
        // Where the card numbers sit inside the object is never stored, through the administrator either.
        expect(JSON.stringify(data)).not.toContain('occurrences');
      }
      if (rec.queryId === 'accessanalyzer.external-access') {
        for (const f of (data.findings as { findings: { resourceOwnerAccount: string }[] }[]).flatMap((x) => x.findings)) expect(f.resourceOwnerAccount).toBe(rec.accountId);
        expect((data.account as { Id: string }).Id).toBe(rec.accountId);
      }
      if (rec.queryId === 'cloudtrail.sensitive-activity') {
        expect(data.lake).toMatchObject({ eventDataStore: EVENT_DATA_STORE, auditAccountId: ORG_MANAGEMENT_ACCOUNT_ID });
        for (const row of data.rows as Record<string, string>[][]) expect(row).toEqual(expect.arrayContaining([{ recipientAccountId: rec.accountId }, { awsRegion: rec.region }]));
      }
      if ('resourceTypes' in data) {
        // A configuration item read: every row is a CI of the member account and region, of a type the read asked for;
        // a global query's record holds the account's CIs of every region, and the member's own listing they cover.
        expect((data.results as string[]).length, rec.recordId).toBeGreaterThan(0);
        if (rec.region === 'global') expect(Array.isArray(data.listing), rec.recordId).toBe(true);
        for (const row of data.results as string[]) {
          const ci = JSON.parse(row) as { accountId: string; awsRegion: string; resourceType: string; configuration: unknown };
          expect([ci.accountId, rec.region === 'global' ? 'global' : ci.awsRegion], rec.recordId).toEqual([rec.accountId, rec.region]);
          expect(REGIONS, rec.recordId).toContain(ci.awsRegion);
          expect(data.resourceTypes as string[]).toContain(ci.resourceType);
          expect(typeof ci.configuration).toBe('object');
        }
      }
      if (rec.queryId === 'config.resource-inventory') {
        for (const row of data.results as string[]) expect(JSON.parse(row)).toMatchObject({ accountId: rec.accountId, awsRegion: rec.region });
      }
    }
    expect(viaAggregator).toBeGreaterThan(0);
    // Members cite reads of their own run only (a read no member's part came from is sealed all the same: it was made).
    expect(cited.size).toBeGreaterThan(0);
    for (const id of cited) expect(reads.has(id), id).toBe(true);
    for (const queryId of sourced.keys()) {
      const any = await Promise.all(manifest.records.filter((r) => r.queryId === queryId).map(async (r) => (await loadBody(r.sha256)).provenance?.via !== undefined));
      expect(any.some(Boolean), queryId).toBe(true);
    }
  }, 600_000);

  it('collects in each member account, with a warning that names the fix, when the aggregator or the event data store does not exist', async () => {
    const perAccount = await collectedOnce('per-account');
    const wrong = await collectAndEvaluate('wrong-aggregator', { ...DELEGATED, delegatedAdmin: { ...DELEGATED.delegatedAdmin, configAggregator: 'no-such-aggregator', cloudtrailEventDataStore: 'no-such-event-data-store' } });
    expect(wrong.outcome.errorRecords).toBe(0);
    const warnings = wrong.lines.filter((l) => String(l.msg).includes('config-aggregator read failed'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings[0]).toMatchObject({ code: 'NoSuchConfigurationAggregatorException', auditAccountId: ORG_MANAGEMENT_ACCOUNT_ID });
    // The failed Lake query costs no evidence: every member's LookupEvents answers instead.
    expect(wrong.lines.filter((l) => String(l.msg).includes('cloudtrail-lake read failed'))).toEqual([expect.objectContaining({ code: 'EventDataStoreNotFoundException', queryId: 'cloudtrail.sensitive-activity' })]);
    expect(wrong.stats.byOperation['cloudtrail:LookupEvents']?.ok).toBe(perAccount.stats.byOperation['cloudtrail:LookupEvents']?.ok);
    const a = byRequirement(perAccount.results);
    const b = byRequirement(wrong.results);
    for (const [key, expected] of a) expect({ key, ...b.get(key)! }).toEqual({ key, ...expected });
  }, 600_000);

  it('keeps members\' parts of an organisation-wide read on disk and lets each go once the last task of the plan that needs it has it; a part changed on disk stops the run', async () => {
    const { config: cfg } = config('parts', DELEGATED);
    const member = sim.world.organization!.accountIds.find((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID)!;
    const task = (queryId: string): CollectionTask => ({ query: queryById(queryId)!, target: { accountId: member, regions: ['us-east-1'], regionSource: 'configured' }, region: 'us-east-1', params: {}, paced: false });
    // Two queries of one configuration-item family: one organisation-wide read, the member's part taken twice.
    const [ports, defaults] = [task('ec2.admin-ports-open'), task('ec2.default-security-group')];
    const providers = (accountId: string, region: string) => new AwsClientProvider({ accountId, region, maxAttempts: 4, shareReads: true });
    const store = new LocalEvidenceStore(join(dir, 'parts', 'store'));
    const recordRead = (body: EvidenceBody, at: Date) => putEvidenceBody(store, body, at);
    const planned = new DelegatedCollection(cfg, providers, logger().log, recordRead);
    const unplanned = new DelegatedCollection(cfg, providers, logger().log, recordRead);
    try {
      planned.expect([ports, defaults]);
      const first = await planned.partFor(ports);
      const second = await planned.partFor(defaults);
      expect(first?.part).toBeDefined();
      // Each taker unpacks its own copy of what the read returned for the member: the rows, verbatim.
      expect(second?.part).toEqual(first?.part);
      expect(second?.part).not.toBe(first?.part);
      const rows = first?.part as string[];
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(JSON.parse(row)).toMatchObject({ accountId: member, awsRegion: 'us-east-1' });

      // No task of the plan is left to take it: asked again (never, in a run), the member is collected in its own account.
      expect(await planned.partFor(ports)).toBeUndefined();
      // Without a plan the part is held until the run ends.
      const held = (await unplanned.partFor(ports))?.part;
      expect((held as string[]).length).toBe(rows.length);
      for (const t of [ports, defaults, ports]) expect((await unplanned.partFor(t))?.part).toEqual(held);
      // Packed for a worker process: the bytes the worker unpacks to the same rows.
      expect(deserialize((await unplanned.packedPartFor(defaults))!.packed)).toEqual(held);
      // Someone with the collector's rights changes a byte of the spool's (unlinked) file through its descriptor.
      const fd = (unplanned as unknown as { spool: { fd: number } }).spool.fd;
      writeSync(fd, Buffer.alloc(fstatSync(fd).size, 0x20), 0, fstatSync(fd).size, 0);
      await expect(unplanned.partFor(ports)).rejects.toThrow(/spool of organisation-wide reads .* was changed or damaged before the member's tasks took it \(the part of .* does not read back as written\); the run stops and nothing is sealed/);
    } finally {
      planned.destroy();
      unplanned.destroy();
    }
  }, 600_000);

  it('refuses delegated-admin without the audit account and aggregator, naming the field', () => {
    expect(() => ConfigSchema.parse({ collect: { mode: 'delegated-admin' } })).toThrow(/delegatedAdmin/);
  });
});
