import { describe, expect, it } from 'vitest';
import { componentScope, markScope, scopeStatement } from '../../src/evaluate/scope.js';
import { TagIndex } from '../../src/evaluate/tags.js';
import { FrameworkScopeSchema, ScopeConfigSchema, scopeUsesTags } from '../../src/config/scope.js';
import type { EvidenceBody, ManifestRecord } from '../../src/evidence/record.js';
import type { ResourceFinding } from '../../src/evaluate/types.js';
import type { TaggedResourcesEvidence } from '../../src/queries/tagging/resources.js';
import { planRun } from '../../src/collect/plan.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import { page } from '../fixtures/tagging/resources.js';

const ACCOUNT = '111122223333';
const scope = FrameworkScopeSchema.parse({
  description: 'cardholder data environment',
  include: [{ tags: { 'data-classification': 'cardholder-data' }, reason: 'tagged as cardholder data' }, { resourceType: 'AWS::EC2::Instance' }],
  connected: [{ tags: { team: ['security', 'platform-*'] }, reason: 'security tooling' }],
  exclude: [{ tags: { environment: 'sandbox' }, reason: 'sandbox copy' }],
});
const known = (tags: Record<string, string>) => ({ known: true as const, tags });
const r = (resource: string, tags?: ReturnType<typeof known> | { known: false; why: string }, resourceType = 'AWS::S3::Bucket') => ({ resource, resourceType, accountId: ACCOUNT, region: 'us-east-1', ...(tags ? { tags } : {}) });

describe('tag selectors', () => {
  it('select by tag key and value glob, connected systems by any of several values, and exclusions win', () => {
    expect(componentScope(scope, r('prod-data', known({ 'data-classification': 'cardholder-data' })))).toEqual({ inScope: true, reason: 'tagged as cardholder data' });
    expect(componentScope(scope, r('siem', known({ team: 'platform-logging' })))).toEqual({ inScope: true, reason: 'connected system: security tooling' });
    expect(componentScope(scope, r('copy', known({ 'data-classification': 'cardholder-data', environment: 'sandbox' })))).toEqual({ inScope: false, excluded: true, reason: 'excluded: sandbox copy' });
    expect(componentScope(scope, r('marketing', known({ 'data-classification': 'public' })))).toEqual({ inScope: false, reason: 'not selected by the declared scope' });
    // A resource with no tags at all is simply not selected by a tag selector.
    expect(componentScope(scope, r('untagged', known({}))).inScope).toBe(false);
  });

  it('never decide silently when the tags are unknown: counted in scope and named, unless another field already rules it out', () => {
    const unknown = { known: false as const, why: 'tagging.resources failed in us-east-1: AccessDeniedException' };
    const d = componentScope(scope, r('prod-data', unknown));
    expect(d).toMatchObject({ inScope: true, tagsUnknown: true });
    expect(d.reason).toMatch(/^scope unknown: its tags could not be read \(tagging.resources failed in us-east-1: AccessDeniedException\)/);
    // An instance is selected by type, but the sandbox exclusion might apply: still unknown, not silently in.
    expect(componentScope(scope, r('arn:aws:ec2:us-east-1:111122223333:instance/i-1', unknown, 'AWS::EC2::Instance'))).toMatchObject({ inScope: true, tagsUnknown: true });
    expect(componentScope({ ...scope, accounts: ['999999999999'] }, r('prod-data', unknown))).toEqual({ inScope: false, reason: `account ${ACCOUNT} is not in the declared scope` });
  });

  it('are validated and described on the cover', () => {
    expect(() => FrameworkScopeSchema.parse({ include: [{ tags: {} }] })).toThrow(/name at least one tag key/);
    expect(() => FrameworkScopeSchema.parse({ exclude: [{ tags: { environment: 'sandbox' } }] })).toThrow();
    // Each tag under its role: the sandbox tag takes components out, it never reads as one that selects them.
    expect(scopeStatement(scope)).toBe('scope: cardholder data environment; 2 component selector(s), 1 connected; selected by tag data-classification=cardholder-data; connected by tag team=security|platform-*; 1 exclusion(s) by tag environment=sandbox');
    expect(scopeStatement({ ...scope, exclude: [...scope.exclude, { resource: 'legacy-*', reason: 'retired' }] })).toMatch(/; 2 exclusion\(s\), 1 by tag environment=sandbox$/);
    expect(scopeUsesTags(ScopeConfigSchema.parse({ pci: scope }))).toBe(true);
    expect(scopeUsesTags(ScopeConfigSchema.parse({ pci: scope }), ['hipaa'])).toBe(false);
    expect(scopeUsesTags(ScopeConfigSchema.parse({ pci: { include: [{ resource: '*' }] } }))).toBe(false);
  });
});

function rec(region: string, sha: string): ManifestRecord {
  return { recordId: `tagging.resources/${ACCOUNT}/${region}`, queryId: 'tagging.resources', accountId: ACCOUNT, region, status: 'ok', collectedAt: '2026-12-03T02:00:00.000Z', sha256: sha, size: 1 };
}
const okBody = (data: TaggedResourcesEvidence): EvidenceBody => ({ schema: 'evidence-locker/evidence@1', queryId: 'tagging.resources', accountId: ACCOUNT, region: 'us-east-1', status: 'ok', operations: ['tag:GetResources'], requests: [], data, sdkVersion: 'test' }) as unknown as EvidenceBody;
const errorBody = { schema: 'evidence-locker/evidence@1', queryId: 'tagging.resources', accountId: ACCOUNT, region: 'us-west-2', status: 'error', operations: ['tag:GetResources'], requests: [], error: { code: 'AccessDeniedException', message: 'denied', operation: 'tag:GetResources' }, sdkVersion: 'test' } as unknown as EvidenceBody;

describe('TagIndex', () => {
  const bodies: Record<string, EvidenceBody> = { a: okBody({ resourceTagMappings: page.ResourceTagMappingList! }), b: errorBody };
  const index = () => TagIndex.fromRecords([rec('us-east-1', 'a'), rec('us-west-2', 'b')], async (sha) => bodies[sha]);

  it('finds tags by ARN, by bucket name and by id; a resource not listed where the call answered has no tags', async () => {
    const i = await index();
    expect(i.tagsOf(ACCOUNT, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/app/payments`, 'us-east-1')).toEqual(known({ 'data-classification': 'cardholder-data' }));
    expect(i.tagsOf(ACCOUNT, 'prod-cardholder-data', 'global')).toEqual(known({ 'data-classification': 'cardholder-data', workload: 'payments' }));
    expect(i.tagsOf(ACCOUNT, 'i-0abc1234def567890', 'us-east-1')).toEqual(known({ Name: 'api' }));
    expect(i.tagsOf(ACCOUNT, `arn:aws:rds:us-east-1:${ACCOUNT}:db:other`, 'us-east-1')).toEqual(known({}));
  });

  it('gives a published Lambda version or alias its function\'s tags: Lambda tags functions, not versions', async () => {
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:checkout`;
    const withFunction = okBody({ resourceTagMappings: [{ ResourceARN: fn, Tags: [{ Key: 'data-classification', Value: 'cardholder-data' }] }] });
    const i = await TagIndex.fromRecords([rec('us-east-1', 'fn')], async () => withFunction);
    for (const qualified of [`${fn}:7`, `${fn}:prod`, `${fn}:$LATEST`]) expect(i.tagsOf(ACCOUNT, qualified, 'us-east-1')).toEqual(known({ 'data-classification': 'cardholder-data' }));
    expect(componentScope(scope, r(`${fn}:7`, i.tagsOf(ACCOUNT, `${fn}:7`, 'us-east-1'), 'AWS::Lambda::Function'))).toEqual({ inScope: true, reason: 'tagged as cardholder data' });
    // Another function whose name extends this one's is not given its tags.
    expect(i.tagsOf(ACCOUNT, `${fn}-worker:7`, 'us-east-1')).toEqual(known({}));
  });

  it('knows nothing where the call failed, was not made, or for a bucket of unknown region while any region failed', async () => {
    const i = await index();
    expect(i.tagsOf(ACCOUNT, `arn:aws:rds:us-west-2:${ACCOUNT}:db:reports`, 'us-west-2')).toEqual({ known: false, why: 'tagging.resources failed in us-west-2: AccessDeniedException' });
    expect(i.tagsOf(ACCOUNT, `arn:aws:rds:eu-west-1:${ACCOUNT}:db:x`, 'eu-west-1')).toEqual({ known: false, why: 'tagging.resources was not collected in eu-west-1' });
    expect(i.tagsOf(ACCOUNT, 'some-other-bucket', 'global').known).toBe(false);
    expect(i.tagsOf('444455556666', 'x', 'us-east-1')).toEqual({ known: false, why: 'tagging.resources was not collected for account 444455556666' });
  });

  it('markScope flags findings whose scope depends on unknown tags', async () => {
    const i = await index();
    const f = (resource: string, region: string): ResourceFinding => ({ resource, resourceType: 'AWS::RDS::DBInstance', status: 'fail', reason: 'x', queryId: 'q', region, evidenceSha256: 'a' });
    const findings = [f(`arn:aws:rds:us-east-1:${ACCOUNT}:db:other`, 'us-east-1'), f(`arn:aws:rds:us-west-2:${ACCOUNT}:db:reports`, 'us-west-2')];
    markScope('pci', { pci: scope }, new Map([[ACCOUNT, findings]]), (a, res, g) => i.tagsOf(a, res, g));
    expect(findings.map((x) => [x.inScope, x.scopeUnknown ?? false])).toEqual([
      [false, false],
      [true, true],
    ]);
  });
});

describe('collection plan', () => {
  const catalog = CatalogSchema.parse({
    framework: 'pci',
    name: 'p',
    version: '1',
    publisher: 't',
    requirements: [{ id: '3.5.1', title: 'Stored data unreadable', principal: '3', testingProcedures: ['3.5.1'], coverage: 'automated', rationale: 'Default bucket encryption shows it.', queries: ['s3.bucket-encryption'] }],
  });
  const target = { accountId: ACCOUNT, regions: ['us-east-1', 'us-west-2'] } as unknown as Parameters<typeof planRun>[2][number];
  it('adds tagging.resources in every region when a declared scope uses tags, and not otherwise or with an explicit query list (which still records the enabled regions)', () => {
    const tagged = ConfigSchema.parse({ frameworks: ['pci'], scope: { pci: scope } });
    const plain = ConfigSchema.parse({ frameworks: ['pci'], scope: { pci: { include: [{ resource: '*data*' }] } } });
    const ids = (p: ReturnType<typeof planRun>) => p.tasks.map((t) => `${t.query.id}@${t.region}`).sort();
    // account.enabled-regions is part of every run (test/collect/plan.test.ts).
    expect(ids(planRun([catalog], tagged, [target]))).toEqual(['account.enabled-regions@global', 's3.bucket-encryption@global', 'tagging.resources@us-east-1', 'tagging.resources@us-west-2']);
    expect(ids(planRun([catalog], plain, [target]))).toEqual(['account.enabled-regions@global', 's3.bucket-encryption@global']);
    expect(ids(planRun([catalog], tagged, [target], { queries: ['s3.bucket-encryption'] }))).toEqual(['account.enabled-regions@global', 's3.bucket-encryption@global']);
  });
});
