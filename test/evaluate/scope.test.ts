import { describe, expect, it } from 'vitest';
import { accountSettingScope, componentScope, isAccountLevel, markScope, NO_SCOPE_REASON, scopeStatement } from '../../src/evaluate/scope.js';
import { FrameworkScopeSchema, ScopeConfigSchema } from '../../src/config/scope.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { ResourceFinding } from '../../src/evaluate/types.js';
import type { ResourceTags } from '../../src/evaluate/scope.js';
import { ebsEncryption } from '../../src/queries/ec2/ebs-encryption.js';
import { snapshots, volumes } from '../fixtures/ec2/ec2.js';
import { evaluateRun } from '../../src/evaluate/engine.js';
import type { Catalog } from '../../src/controls/schema.js';
import type { EvidenceBody } from '../../src/evidence/record.js';
import * as macieFixture from '../fixtures/macie/discovery.js';
import { bucketEncryptionEvidence } from '../fixtures/s3/buckets.js';
import { runManifest } from './run-manifest.js';

const scope = FrameworkScopeSchema.parse({
  description: 'cardholder data environment',
  accounts: ['111122223333'],
  regions: ['us-east-1'],
  include: [{ resource: '*cardholder-data*', reason: 'stores cardholder data' }, { resourceType: 'AWS::EC2::Instance' }],
  connected: [{ resource: '*:log-group:/app/payments', reason: 'payment logs' }],
  exclude: [{ resource: 'cardholder-data-test', reason: 'test copy with synthetic data' }],
});
const r = (resource: string, over: Partial<{ resourceType: string; accountId: string; region: string }> = {}) => ({ resource, resourceType: 'AWS::S3::Bucket', accountId: '111122223333', region: 'us-east-1', ...over });

describe('componentScope', () => {
  it('puts every component in scope when no scope is declared, and says so', () => {
    expect(componentScope(undefined, r('anything'))).toEqual({ inScope: true, reason: NO_SCOPE_REASON });
  });
  it('selects by resource glob, resource type and connected systems, with the reason', () => {
    expect(componentScope(scope, r('prod-cardholder-data'))).toEqual({ inScope: true, reason: 'stores cardholder data' });
    expect(componentScope(scope, r('arn:aws:ec2:us-east-1:111122223333:instance/i-1', { resourceType: 'AWS::EC2::Instance' })).inScope).toBe(true);
    expect(componentScope(scope, r('arn:aws:logs:us-east-1:111122223333:log-group:/app/payments', { resourceType: 'AWS::Logs::LogGroup' }))).toEqual({ inScope: true, reason: 'connected system: payment logs' });
    expect(componentScope(scope, r('marketing-site'))).toEqual({ inScope: false, reason: 'not selected by the declared scope' });
  });
  it('lets exclusions win and rejects other accounts and regions', () => {
    expect(componentScope(scope, r('cardholder-data-test'))).toEqual({ inScope: false, excluded: true, reason: 'excluded: test copy with synthetic data' });
    expect(componentScope(scope, r('prod-cardholder-data', { accountId: '999999999999' })).reason).toMatch(/account 999999999999 is not in the declared scope/);
    expect(componentScope(scope, r('prod-cardholder-data', { region: 'eu-west-1' })).reason).toMatch(/region eu-west-1/);
  });
});

describe('account-level settings', () => {
  it('are recognised by resource type', () => {
    expect(isAccountLevel('AWS::::Account')).toBe(true);
    expect(isAccountLevel('AWS::CloudTrail::Trail')).toBe(true);
    expect(isAccountLevel('AWS::IAM::User')).toBe(true);
    expect(isAccountLevel('AWS::S3::Bucket')).toBe(false);
    // Security services and identity settings watch or govern the whole account: never dropped as unselected components.
    for (const t of ['AWS::Macie::Session', 'AWS::AccessAnalyzer::Analyzer', 'AWS::SSO::PermissionSet', 'AWS::SSO::Instance', 'AWS::Inspector2::Coverage']) expect(isAccountLevel(t)).toBe(true);
  });
  it('stay in scope only where an in-scope component lives', () => {
    expect(accountSettingScope(scope, '111122223333', true).inScope).toBe(true);
    expect(accountSettingScope(scope, '111122223333', false).inScope).toBe(false);
    expect(accountSettingScope(scope, '999999999999', true).inScope).toBe(false);
  });
  it('markScope marks the password policy of an account out of scope when none of its components is in scope', () => {
    const f = (resource: string, resourceType: string): ResourceFinding => ({ resource, resourceType, status: 'fail', reason: 'x', queryId: 'q', region: 'us-east-1', evidenceSha256: 'a' });
    const holding = [f('prod-cardholder-data', 'AWS::S3::Bucket'), f('account', 'AWS::::Account')];
    const empty = [f('marketing-site', 'AWS::S3::Bucket'), f('account', 'AWS::::Account')];
    markScope('pci', { pci: { ...scope, accounts: undefined } }, new Map([['111122223333', holding], ['444455556666', empty]]));
    expect(holding.map((x) => x.inScope)).toEqual([true, true]);
    expect(empty.map((x) => x.inScope)).toEqual([false, false]);
    expect(empty[1].scopeReason).toMatch(/no in-scope component/);
  });
});

describe('parts of components and results that judge the scope', () => {
  const f = (resource: string, resourceType: string, more: Partial<ResourceFinding> = {}): ResourceFinding => ({ resource, resourceType, status: 'fail', reason: 'x', queryId: 'q', region: 'us-east-1', evidenceSha256: 'a', ...more });
  const partScope = FrameworkScopeSchema.parse({
    accounts: ['111122223333'],
    include: [{ resource: '*loadbalancer/app/cardholder-data-*', reason: 'load balancers of the payment pages' }],
    exclude: [
      { resource: '*loadbalancer/app/cardholder-data-old*', reason: 'retired, no traffic' },
      { resource: '*listener/app/cardholder-data-api/*/debug', reason: 'debug listener bound to localhost' },
      { resource: 'sandbox-*', reason: 'sandbox: holds no account data' },
    ],
  });
  const lb = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/${name}/50dc6c495c0c9188`;
  const listener = (name: string, id = 'f2f7dc8efc522ab2') => ({ resource: `arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/${name}/50dc6c495c0c9188/${id}`, parent: { resource: lb(name), resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer' } });

  it('a part is in scope with its component (a listener with its load balancer), unless its component or an exclusion of the part leaves it out', () => {
    const inScope = listener('cardholder-data-api');
    const retired = listener('cardholder-data-old');
    const debug = listener('cardholder-data-api', 'debug');
    const orphan: { resource: string; parent?: ResourceFinding['parent'] } = { resource: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/other/1/2' };
    const findings = [inScope, retired, debug, orphan].map((x) => f(x.resource, 'AWS::ElasticLoadBalancingV2::Listener', x.parent ? { parent: x.parent } : {}));
    markScope('pci', { pci: partScope }, new Map([['111122223333', findings]]));
    expect(findings.map((x) => x.inScope)).toEqual([true, false, false, false]);
    expect(findings[0].scopeReason).toBe(`part of ${lb('cardholder-data-api')}, which is in scope: load balancers of the payment pages`);
    expect(findings[2].scopeReason).toBe('excluded: debug listener bound to localhost');
  });

  it('a volume is in scope with the instance it is attached to, a snapshot with its volume and that volume\'s instance; an excluded volume brings none of its snapshots in', () => {
    const account = '111122223333';
    const at = (id: string) => `arn:aws:ec2:us-east-1:${account}:${id}`;
    const extra = {
      volumes: [...volumes, { VolumeId: 'vol-0scratch000000001', Encrypted: false, State: 'in-use', Attachments: [{ InstanceId: 'i-0aaa1111bbbb2222c', State: 'attached' }] }],
      snapshots: [
        ...snapshots,
        { SnapshotId: 'snap-0scratch00000001', VolumeId: 'vol-0scratch000000001', Encrypted: false, OwnerId: account, State: 'completed' },
        // A copy: its VolumeId is arbitrary and names no volume of the account.
        { SnapshotId: 'snap-0copy0000000001', VolumeId: 'vol-ffffffff', Encrypted: false, OwnerId: account, State: 'completed' },
      ],
    };
    const results = ebsEncryption.evaluate(extra as never, {}, { accountId: account, region: 'us-east-1', collectedAt: '2026-12-01T00:00:00.000Z' });
    const findings = results.map((x) => f(x.resource, x.resourceType, x.parent ? { parent: x.parent } : {}));
    const ebsScope = FrameworkScopeSchema.parse({
      include: [{ resourceType: 'AWS::EC2::Instance', tags: { pci: 'yes' }, reason: 'payment hosts' }],
      exclude: [{ resource: 'vol-0scratch*', reason: 'scratch volume, wiped on boot' }],
    });
    const tags = (_a: string, res: string): ResourceTags => ({ known: true, tags: res.endsWith('instance/i-0aaa1111bbbb2222c') ? { pci: 'yes' } : {} });
    markScope('pci', { pci: ebsScope }, new Map([[account, findings]]), tags);
    const by = new Map(findings.map((x) => [x.resource.split(':').pop()!, x]));
    expect(by.get('volume/vol-0aaa1111bbbb2222c')).toMatchObject({ inScope: true, scopeReason: `part of ${at('instance/i-0aaa1111bbbb2222c')}, which is in scope: payment hosts` });
    expect(by.get('snapshot/snap-0aaa1111bbbb2222c')).toMatchObject({ inScope: true, scopeReason: `part of ${at('instance/i-0aaa1111bbbb2222c')}, which is in scope: payment hosts` });
    expect(by.get('volume/vol-0ddd3333eeee4444f')).toMatchObject({ inScope: false, scopeReason: 'not selected by the declared scope' });
    expect(by.get('snapshot/snap-0ddd3333eeee4444f')?.inScope).toBe(false);
    expect(by.get('volume/vol-0scratch000000001')).toMatchObject({ inScope: false, scopeReason: 'excluded: scratch volume, wiped on boot' });
    expect(by.get('snapshot/snap-0scratch00000001')).toMatchObject({ inScope: false, scopeReason: 'not selected by the declared scope' });
    expect(by.get('snapshot/snap-0copy0000000001')).toMatchObject({ inScope: false });
    expect(by.get('snapshot/snap-0copy0000000001')?.parent).toBeUndefined();
  });

  it('judges a part\'s component with the account its ARN names (an interface attached to another account\'s instance), tags included', () => {
    const eni = f('arn:aws:ec2:us-east-1:111122223333:network-interface/eni-0aaa1111bbbb2222c', 'AWS::EC2::NetworkInterface', {
      parent: { resource: 'arn:aws:ec2:us-east-1:444455556666:instance/i-0bbb2222cccc3333d', resourceType: 'AWS::EC2::Instance' },
    });
    const tagScope = FrameworkScopeSchema.parse({ accounts: ['111122223333', '444455556666'], include: [{ tags: { pci: 'yes' }, reason: 'tagged pci' }] });
    const asked: string[] = [];
    const tags = (a: string, res: string): ResourceTags => {
      asked.push(`${a} ${res.split(':').pop()}`);
      return { known: true, tags: a === '444455556666' && res.endsWith('i-0bbb2222cccc3333d') ? { pci: 'yes' } : {} };
    };
    markScope('pci', { pci: tagScope }, new Map([['111122223333', [eni]]]), tags);
    expect(asked).toEqual(['111122223333 network-interface/eni-0aaa1111bbbb2222c', '444455556666 instance/i-0bbb2222cccc3333d']);
    expect(eni).toMatchObject({ inScope: true, scopeReason: 'part of arn:aws:ec2:us-east-1:444455556666:instance/i-0bbb2222cccc3333d, which is in scope: tagged pci' });
    // The other account out of scope: the interface stays out with it.
    const eni2 = { ...eni, inScope: undefined, scopeReason: undefined };
    markScope('pci', { pci: { ...tagScope, accounts: ['111122223333'] } }, new Map([['111122223333', [eni2]]]), tags);
    expect(eni2.inScope).toBe(false);
  });

  it('a result that contradicts the scope (card data where none is declared) stays in scope wherever it was found, and puts its account\'s settings in scope', () => {
    const pan = f('arn:aws:s3:::sandbox-uploads', 'AWS::S3::Bucket', { judgesScope: 'card numbers found where no card data is declared' });
    const clean = f('arn:aws:s3:::sandbox-other', 'AWS::S3::Bucket');
    const setting = f('account', 'AWS::::Account');
    markScope('pci', { pci: { ...partScope, accounts: undefined } }, new Map([['444455556666', [pan, clean, setting]]]));
    expect(pan).toMatchObject({ inScope: true, scopeReason: 'kept in scope whatever the declared scope says: card numbers found where no card data is declared' });
    expect(clean).toMatchObject({ inScope: false, scopeReason: 'excluded: sandbox: holds no account data' });
    expect(setting.inScope).toBe(true);
  });
});

describe('scope configuration', () => {
  it('says on the cover when no scope is declared', () => {
    expect(scopeStatement(undefined)).toBe('scope: every resource of the listed accounts (no scope declared)');
    expect(scopeStatement(scope)).toMatch(/^scope: cardholder data environment; accounts 111122223333; regions us-east-1/);
  });
  it('refuses an exclusion without a reason and an empty selector, naming the field', () => {
    const a = ScopeConfigSchema.safeParse({ pci: { exclude: [{ resource: 'x' }] } });
    expect(a.success).toBe(false);
    expect(a.error?.issues[0].path.join('.')).toBe('pci.exclude.0.reason');
    const b = ConfigSchema.safeParse({ scope: { pci: { include: [{ reason: 'nothing selected' }] } } });
    expect(b.success).toBe(false);
    expect(b.error?.issues[0].message).toMatch(/at least one of resource, resourceType, account, region/);
  });
});

describe('a declared exclusion the evidence contradicts (card data found on an excluded resource)', () => {
  const f = (resource: string, resourceType: string, more: Partial<ResourceFinding> = {}): ResourceFinding => ({ resource, resourceType, status: 'fail', reason: 'x', queryId: 'q', region: 'us-east-1', evidenceSha256: 'a', ...more });
  const sandbox = FrameworkScopeSchema.parse({
    include: [{ resource: 'payments-*', reason: 'stores cardholder data' }],
    exclude: [{ resource: 'sandbox-*', reason: 'sandbox: holds no account data or ePHI (data discovery to confirm)' }],
  });
  const macie = (bucket: string, status: ResourceFinding['status'] = 'fail') =>
    f(`arn:aws:s3:::${bucket}`, 'AWS::S3::Bucket', {
      status,
      queryId: 'macie.discovery',
      recordId: 'macie.discovery/111122223333/us-east-1',
      judgesScope: 'card numbers found where no card data is declared: a scope that leaves this bucket out is contradicted by this finding',
      scopeFound: 'card numbers (412 CREDIT_CARD_NUMBER in 3 objects (a.csv, b.csv, c.csv))',
    });
  const why = 'declared exclusion contradicted: macie.discovery found card numbers (412 CREDIT_CARD_NUMBER in 3 objects (a.csv, b.csv, c.csv)) (record macie.discovery/111122223333/us-east-1); counted in scope, whatever the declared scope says (excluded: sandbox: holds no account data or ePHI (data discovery to confirm))';

  it('puts every check of that bucket in scope, however the query names it (name or arn:aws:s3:::name), and says so', () => {
    const encryption = f('sandbox-uploads', 'AWS::S3::Bucket', { queryId: 's3.bucket-encryption', region: 'global' });
    const tagging = f('arn:aws:s3:::sandbox-uploads', 'AWS::S3::Bucket', { queryId: 'tagging.resources', status: 'not-applicable' });
    const other = f('sandbox-other', 'AWS::S3::Bucket', { queryId: 's3.bucket-encryption', region: 'global' });
    markScope('pci', { pci: sandbox }, new Map([['111122223333', [macie('sandbox-uploads'), encryption, tagging, other]]]));
    expect(encryption).toMatchObject({ inScope: true, scopeReason: why });
    expect(encryption.scopeContradicted).toMatchObject({ resource: 'arn:aws:s3:::sandbox-uploads', queryId: 'macie.discovery', excluded: true });
    expect(tagging).toMatchObject({ inScope: true, scopeReason: why });
    // An exclusion nothing contradicts stays exactly as declared.
    expect(other).toMatchObject({ inScope: false, scopeReason: 'excluded: sandbox: holds no account data or ePHI (data discovery to confirm)' });
    expect(other.scopeContradicted).toBeUndefined();
  });

  it('contradicts only in the account where the data was found, and not through a result that could not judge', () => {
    const elsewhere = f('sandbox-uploads', 'AWS::S3::Bucket', { queryId: 's3.bucket-encryption', region: 'global' });
    const unjudged = f('sandbox-errors', 'AWS::S3::Bucket', { queryId: 's3.bucket-encryption', region: 'global' });
    const scopeConfig = { pci: sandbox };
    markScope('pci', scopeConfig, new Map([['111122223333', [macie('sandbox-uploads'), macie('sandbox-errors', 'error'), macie('sandbox-errors', 'needs-review'), unjudged]], ['444455556666', [elsewhere]]]));
    expect(elsewhere).toMatchObject({ inScope: false, scopeReason: 'excluded: sandbox: holds no account data or ePHI (data discovery to confirm)' });
    expect(unjudged).toMatchObject({ inScope: false, scopeReason: 'excluded: sandbox: holds no account data or ePHI (data discovery to confirm)' });
  });

  it('a resource left unselected (not excluded) is named as a contradicted scope, not a contradicted exclusion', () => {
    const unselected = f('analytics-dump', 'AWS::S3::Bucket', { queryId: 's3.bucket-encryption', region: 'global' });
    markScope('pci', { pci: sandbox }, new Map([['111122223333', [macie('analytics-dump'), unselected]]]));
    expect(unselected.inScope).toBe(true);
    expect(unselected.scopeReason).toMatch(/^declared scope contradicted: macie\.discovery found card numbers .*\(not selected by the declared scope\)$/);
    expect(unselected.scopeContradicted?.excluded).toBe(false);
  });
});

describe('a declared exclusion contradicted, through the engine: PCI DSS and HIPAA', () => {
  const rec = (queryId: string, region: string, sha256: string) => ({ recordId: `${queryId}/${macieFixture.ACCOUNT}/${region}`, queryId, accountId: macieFixture.ACCOUNT, region, status: 'ok' as const, collectedAt: macieFixture.COLLECTED_AT, sha256, size: 1 });
  const body = (queryId: string, region: string, data: unknown): EvidenceBody => ({ schema: 'evidence-locker/evidence@1', queryId, accountId: macieFixture.ACCOUNT, region, status: 'ok', operations: [], requests: [], data, sdkVersion: 'x' });
  // Macie found card numbers in legacy-exports, a bucket without default encryption.
  const card = macieFixture.findings.findings![1];
  const macieData = { ...macieFixture.evidence, findings: [{ ...card, resourcesAffected: { s3Bucket: { name: 'legacy-exports', arn: 'arn:aws:s3:::legacy-exports' }, s3Object: { key: 'exports/a.csv' } } }] };
  const bodies: Record<string, EvidenceBody> = {
    ['a'.repeat(64)]: body('macie.discovery', 'us-east-1', macieData),
    ['b'.repeat(64)]: body('s3.bucket-encryption', 'global', bucketEncryptionEvidence),
  };
  const requirement = (id: string, queries: string[]) => ({ id, principal: '3', title: id, testingProcedures: [id], coverage: 'automated' as const, rationale: 'r', kind: 'requirement' as const, parameters: {}, queries });
  const base = { name: 'x', version: '1', publisher: 'us', principals: [] };
  const pci: Catalog = { ...base, framework: 'pci', requirements: [requirement('3.2.1', ['macie.discovery']), requirement('3.5.1', ['s3.bucket-encryption'])] };
  const hipaa: Catalog = { ...base, framework: 'hipaa', requirements: [requirement('164.312(a)(2)(iv)', ['s3.bucket-encryption'])] };
  const exclusion = FrameworkScopeSchema.parse({ exclude: [{ resource: 'legacy-exports', reason: 'sandbox: holds no account data or ePHI' }, { resource: 'access-logs-*', reason: 'log bucket' }] });

  it('the bucket\'s failing encryption check fails 3.5.1 for PCI DSS; the card numbers contradict nothing in the HIPAA scope', async () => {
    const results = await evaluateRun({
      manifest: runManifest({ accounts: [macieFixture.ACCOUNT], regions: ['us-east-1'], frameworks: ['pci', 'hipaa'], queries: ['macie.discovery', 's3.bucket-encryption'] }, [rec('macie.discovery', 'us-east-1', 'a'.repeat(64)), rec('s3.bucket-encryption', 'global', 'b'.repeat(64))]),
      loadBody: async (sha) => bodies[sha],
      catalogs: [pci, hipaa],
      frameworks: ['pci', 'hipaa'],
      scope: { pci: exclusion, hipaa: exclusion },
    });
    const by = (fw: string, id: string) => results.find((r) => r.framework === fw && r.requirementId === id)!;
    const legacy = (fw: string, id: string) => by(fw, id).findings.find((x) => x.resource === 'legacy-exports')!;
    expect(legacy('pci', '3.5.1')).toMatchObject({ status: 'fail', inScope: true, scopeReason: expect.stringMatching(/^declared exclusion contradicted: macie\.discovery found card numbers \(12 CREDIT_CARD_NUMBER, 12 CREDIT_CARD_EXPIRATION in 1 object \(exports\/a\.csv\)\) \(record macie\.discovery\/111122223333\/us-east-1\)/) });
    expect(by('pci', '3.5.1').status).toBe('fail');
    // The uncontradicted exclusion (the log bucket) still decides nothing.
    expect(by('pci', '3.5.1').findings.find((x) => x.resource === 'access-logs-111122223333')).toMatchObject({ inScope: false, scopeReason: 'excluded: log bucket' });
    // HIPAA's scope is defined by ePHI: card numbers are not shown to be ePHI, and no HIPAA check judges its scope.
    expect(legacy('hipaa', '164.312(a)(2)(iv)')).toMatchObject({ inScope: false, scopeReason: 'excluded: sandbox: holds no account data or ePHI' });
  });

  const run = (catalogs: Catalog[], parameterOverrides?: Record<string, Record<string, Record<string, unknown>>>) =>
    evaluateRun({
      manifest: runManifest({ accounts: [macieFixture.ACCOUNT], regions: ['us-east-1'], frameworks: catalogs.map((c) => c.framework), queries: ['macie.discovery', 's3.bucket-encryption'] }, [rec('macie.discovery', 'us-east-1', 'a'.repeat(64)), rec('s3.bucket-encryption', 'global', 'b'.repeat(64))]),
      loadBody: async (sha) => bodies[sha],
      catalogs,
      frameworks: catalogs.map((c) => c.framework),
      scope: Object.fromEntries(catalogs.map((c) => [c.framework, exclusion])),
      ...(parameterOverrides ? { parameterOverrides } : {}),
    });

  it('a bucket the configuration declares a card data location (cardDataBuckets) that the PCI scope excludes: the exclusion is contradicted by the configuration alone', async () => {
    const declaring: Catalog = { ...pci, requirements: [{ ...requirement('3.2.1', ['macie.discovery']), parameters: { cardDataBuckets: [] } }, requirement('3.5.1', ['s3.bucket-encryption'])] };
    const results = await run([declaring, hipaa], { pci: { '3.2.1': { cardDataBuckets: ['legacy-*'] } } });
    const by = (fw: string, id: string) => results.find((r) => r.framework === fw && r.requirementId === id)!;
    // Macie's card numbers there now pass (a declared location) and contradict nothing: the declaration does.
    expect(by('pci', '3.2.1').findings.find((x) => x.resource === 'arn:aws:s3:::legacy-exports')).toMatchObject({ status: 'pass', inScope: true });
    const encryption = by('pci', '3.5.1').findings.find((x) => x.resource === 'legacy-exports')!;
    expect(encryption).toMatchObject({
      status: 'fail',
      inScope: true,
      scopeReason:
        'declared exclusion contradicted: the configuration declares it a card data location (parameters.pci."3.2.1".cardDataBuckets: "legacy-*"), so by the organisation\'s own declaration it holds that data; counted in scope, whatever the declared scope says (excluded: sandbox: holds no account data or ePHI)',
    });
    expect(encryption.scopeContradicted).toMatchObject({ resource: 'arn:aws:s3:::legacy-exports', queryId: 'macie.discovery', record: 'parameters.pci."3.2.1".cardDataBuckets', excluded: true, configuration: 'parameters.pci."3.2.1".cardDataBuckets: "legacy-*"' });
    expect(by('pci', '3.5.1').status).toBe('fail');
    // A bucket the declaration does not name keeps its exclusion; HIPAA's scope is not about card data.
    expect(by('pci', '3.5.1').findings.find((x) => x.resource === 'access-logs-111122223333')).toMatchObject({ inScope: false, scopeReason: 'excluded: log bucket' });
    expect(by('hipaa', '164.312(a)(2)(iv)').findings.find((x) => x.resource === 'legacy-exports')).toMatchObject({ inScope: false });
    // Without the declaration, the same card numbers in a declared-nowhere bucket contradict it through the finding.
    const undeclared = await run([declaring, hipaa]);
    expect(undeclared.find((r) => r.framework === 'pci' && r.requirementId === '3.5.1')!.findings.find((x) => x.resource === 'legacy-exports')!.scopeReason).toMatch(/^declared exclusion contradicted: macie\.discovery found card numbers/);
  });

  // QSA: declared under 12.10.7 only, the card data location was one for the scope check (which unioned every
  // requirement's list) but not for 3.2.1, which FAILED Macie's card numbers there against its own, empty, list.
  it('card data locations are one declaration for the framework: set under one requirement, every requirement and the scope use them', async () => {
    const both: Catalog = {
      ...pci,
      requirements: [
        { ...requirement('3.2.1', ['macie.discovery']), parameters: { cardDataBuckets: [] } },
        { ...requirement('12.10.7', ['macie.discovery']), parameters: { cardDataBuckets: [], discoveriesNeedResponseRecords: true } },
        requirement('3.5.1', ['s3.bucket-encryption']),
      ],
    };
    const results = await run([both, hipaa], { pci: { '12.10.7': { cardDataBuckets: ['legacy-*'] } } });
    const by = (id: string) => results.find((r) => r.framework === 'pci' && r.requirementId === id)!;
    const legacy = (id: string) => by(id).findings.find((x) => x.resource === 'arn:aws:s3:::legacy-exports')!;
    expect(legacy('3.2.1')).toMatchObject({ status: 'pass', inScope: true });
    expect(legacy('12.10.7').status).toBe('not-applicable');
    expect(by('3.5.1').findings.find((x) => x.resource === 'legacy-exports')!.scopeContradicted).toMatchObject({ record: 'parameters.pci."12.10.7".cardDataBuckets', configuration: 'parameters.pci."12.10.7".cardDataBuckets: "legacy-*"' });
    // Two different lists are refused before anything is judged, naming both fields.
    await expect(run([both, hipaa], { pci: { '3.2.1': { cardDataBuckets: ['legacy-*'] }, '12.10.7': { cardDataBuckets: ['payments-*'] } } })).rejects.toThrow(
      'parameters.pci."12.10.7".cardDataBuckets: ["payments-*"] contradicts parameters.pci."3.2.1".cardDataBuckets: ["legacy-*"]',
    );
  });

  it('a response requirement (12.10.7) needs review for the discovery the location requirement (3.2.1) fails', async () => {
    const response: Catalog = { ...pci, requirements: [requirement('3.2.1', ['macie.discovery']), { ...requirement('12.10.7', ['macie.discovery']), parameters: { discoveriesNeedResponseRecords: true } }] };
    const results = await run([response]);
    const by = (id: string) => results.find((r) => r.requirementId === id)!;
    expect(by('3.2.1').status).toBe('fail');
    expect(by('12.10.7').status).toBe('needs-review');
    expect(by('12.10.7').findings.find((x) => x.resource === 'arn:aws:s3:::legacy-exports')).toMatchObject({ status: 'needs-review', inScope: true, reason: expect.stringContaining('ask for the response record of each finding') });
  });
});
