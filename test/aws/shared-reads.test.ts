/**
 * A collection run's client provider sends a configuration read once per account and region for the same parameters:
 * a second query asking the same gets the same response, cited by the same request id, as its own copy.
 */
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { CloudTrailClient, DescribeTrailsCommand, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { AwsClientProvider, SHARED_READS, privateCopy, withCallLog } from '../../src/aws/clients.js';
import { sharedWork } from '../../src/aws/shared-work.js';
import { DEMO_ACCOUNT_ID, demoWorld, simulatorEnv } from '../../src/simulator/index.js';
import { useSimulator } from '../simulator/helpers.js';
import { pciStandard, type PciStandardEvidence } from '../../src/queries/securityhub/pci-standard.js';
import { controlResults, type ControlResultsEvidence } from '../../src/queries/securityhub/control-results.js';
import { viewerTls } from '../../src/queries/cloudfront/viewer-tls.js';
import { cloudFrontWebAcls } from '../../src/queries/wafv2/cloudfront-web-acls.js';

const sim = useSimulator(() => ({ world: demoWorld() }));
const saved = { ...process.env };
let provider: AwsClientProvider | undefined;

afterEach(() => {
  provider?.destroy();
  sim().setFaults({});
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

function open(shareReads: boolean): AwsClientProvider {
  Object.assign(process.env, simulatorEnv(sim(), DEMO_ACCOUNT_ID));
  provider = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', maxAttempts: 1, shareReads });
  return provider;
}

const sent = (op: string) => sim().stats().byOperation[op]?.calls ?? 0;

describe('shared reads', () => {
  it('two queries reading the trails with the same parameters make one call; both records cite its request id, each with its own copy', async () => {
    const clients = open(true);
    sim().resetStats();
    const first = await withCallLog(() => clients.get(CloudTrailClient).send(new DescribeTrailsCommand({ includeShadowTrails: true })));
    const second = await withCallLog(() => clients.get(CloudTrailClient).send(new DescribeTrailsCommand({ includeShadowTrails: true })));
    if (!('result' in first) || !('result' in second)) throw new Error('a read failed');
    expect(sent('cloudtrail:DescribeTrails')).toBe(1);
    expect(second.calls).toHaveLength(1);
    expect(second.calls[0]).toEqual(first.calls[0]);
    expect(second.calls[0].requestId).toMatch(/\S/);
    expect(second.result.trailList).toEqual(first.result.trailList);
    // One query changing its answer cannot change another's evidence.
    first.result.trailList!.length = 0;
    const third = await withCallLog(() => clients.get(CloudTrailClient).send(new DescribeTrailsCommand({ includeShadowTrails: true })));
    if (!('result' in third)) throw new Error('a read failed');
    expect(third.result.trailList!.length).toBe(second.result.trailList!.length);
    expect(third.result.trailList!.length).toBeGreaterThan(0);
  });

  it('a query changing its shared answer deep inside (a member, a date, an array) changes no other query\'s answer or evidence', async () => {
    const clients = open(true);
    const read = async () => {
      const got = await withCallLog(() => clients.get(CloudTrailClient).send(new DescribeTrailsCommand({ includeShadowTrails: true })));
      if (!('result' in got)) throw new Error('a read failed');
      return got.result;
    };
    const first = await read();
    const untouched = JSON.stringify(first);
    const second = await read();
    expect(JSON.stringify(second)).toBe(untouched);
    // The second query vandalises its answer at every depth; the first's, and a third's, stay as answered.
    const trail = second.trailList![0] as unknown as Record<string, unknown>;
    trail.Name = 'changed';
    delete trail.S3BucketName;
    second.trailList!.push({ Name: 'planted' });
    (second.$metadata as { requestId?: string }).requestId = 'forged';
    const third = await read();
    expect(JSON.stringify(first)).toBe(untouched);
    expect(JSON.stringify(third)).toBe(untouched);
    expect(third.trailList![0]).not.toBe(first.trailList![0]);

    // Work shared by its definition: each asking query gets an answer no other holds, dates included.
    const dated = sharedWork('test: dated work', async () => ({ at: new Date('2026-12-08T00:00:00Z'), items: [{ n: 1 }] }));
    const [a, b] = await Promise.all([dated({ clients }, undefined), dated({ clients }, undefined)]);
    a.at.setUTCFullYear(2000);
    a.items[0].n = 2;
    expect(b).toEqual({ at: new Date('2026-12-08T00:00:00Z'), items: [{ n: 1 }] });
    expect((await dated({ clients }, undefined)).at.toISOString()).toBe('2026-12-08T00:00:00.000Z');
  });

  it('a private copy is what structuredClone gives, sharing nothing with the answer, a member named __proto__ included', () => {
    const answer = JSON.parse('{"Tags":{"__proto__":{"polluted":true},"Name":"x"},"List":[1,"two",null,{"deep":[true]}],"Empty":{}}') as Record<string, unknown>;
    Object.assign(answer, { At: new Date('2026-12-08T01:02:03.004Z'), Bytes: new Uint8Array([1, 2, 3]), Missing: undefined, Bare: Object.assign(Object.create(null) as object, { k: 'v' }) });
    const copy = privateCopy(answer);
    expect(copy).toStrictEqual(structuredClone(answer));
    expect(Object.keys(copy.Tags as object)).toEqual(['__proto__', 'Name']);
    expect(Object.getPrototypeOf(copy.Tags)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect('Missing' in copy).toBe(true);
    const shared = (x: unknown, y: unknown): boolean =>
      typeof x === 'object' && x !== null && (x === y || Object.keys(x).some((k) => shared((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])));
    expect(shared(copy, answer)).toBe(false);
    expect(privateCopy('text')).toBe('text');
    expect(privateCopy(null)).toBeNull();
  });

  it('the two Security Hub queries read the PCI DSS standard’s controls once', async () => {
    const clients = open(true);
    sim().resetStats();
    const ctx = { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', clients, params: {}, now: new Date() };
    const [standard, results] = (await Promise.all([pciStandard.collect(ctx), controlResults.collect(ctx)])) as [PciStandardEvidence & { standardsControls: unknown[] }, ControlResultsEvidence];
    expect(sent('securityhub:DescribeStandardsControls')).toBe(1);
    expect(standard.standardsControls).toEqual([{ standardsSubscriptionArn: expect.stringContaining('pci-dss/v/4.0.1'), controls: results.standards[0].controls }]);
  });

  it('the CloudFront TLS and web ACL queries list the multi-tenant distributions once', async () => {
    const clients = open(true);
    sim().resetStats();
    const ctx = { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', clients, params: {}, now: new Date() };
    await Promise.all([viewerTls.collect(ctx), cloudFrontWebAcls.collect(ctx)]);
    expect(sent('cloudfront:ListDistributions')).toBe(1);
    expect(sent('cloudfront:ListDistributionsByConnectionMode')).toBe(1);
  });

  it('other parameters, reads outside the list and providers without the setting make their own calls', async () => {
    expect(SHARED_READS.has('cloudtrail:LookupEvents')).toBe(false);
    expect(SHARED_READS.has('iam:GenerateCredentialReport')).toBe(false);
    const clients = open(true);
    sim().resetStats();
    const trails = clients.get(CloudTrailClient);
    await Promise.all([trails.send(new DescribeTrailsCommand({ includeShadowTrails: true })), trails.send(new DescribeTrailsCommand({ includeShadowTrails: false }))]);
    expect(sent('cloudtrail:DescribeTrails')).toBe(2);
    await trails.send(new LookupEventsCommand({ MaxResults: 1 }));
    await trails.send(new LookupEventsCommand({ MaxResults: 1 }));
    expect(sent('cloudtrail:LookupEvents')).toBe(2);
    provider!.destroy();
    const unshared = open(false);
    sim().resetStats();
    await unshared.get(CloudTrailClient).send(new DescribeTrailsCommand({}));
    await unshared.get(CloudTrailClient).send(new DescribeTrailsCommand({}));
    expect(sent('cloudtrail:DescribeTrails')).toBe(2);
  });

  it('reads asked at the same time wait for the one call; a failed read is never shared: each query records its own failure', async () => {
    const clients = open(true);
    sim().resetStats();
    await Promise.all([1, 2, 3].map(() => clients.get(CloudTrailClient).send(new DescribeTrailsCommand({}))));
    expect(sent('cloudtrail:DescribeTrails')).toBe(1);

    sim().setFaults({ rules: [{ service: 'guardduty', accessDenied: true }] });
    const a = await withCallLog(() => clients.get(GuardDutyClient).send(new ListDetectorsCommand({})));
    const b = await withCallLog(() => clients.get(GuardDutyClient).send(new ListDetectorsCommand({})));
    expect('error' in a && 'error' in b).toBe(true);
    expect(sent('guardduty:ListDetectors')).toBe(2);
    expect(a.calls[0].error).toBe('AccessDeniedException');
    expect(b.calls[0].error).toBe('AccessDeniedException');
    expect(b.calls[0].requestId).not.toBe(a.calls[0].requestId);
  });

  it('work shared by its definition runs once for queries asking at the same time with the same parameters; each gets its own copy, the same error, and the calls', async () => {
    const clients = open(true);
    sim().resetStats();
    let runs = 0;
    const trails = sharedWork('test: trails', async (ctx: { clients: AwsClientProvider }, params: { includeShadowTrails: boolean }) => {
      runs++;
      const out = await ctx.clients.get(CloudTrailClient).send(new DescribeTrailsCommand(params));
      return { trails: out.trailList ?? [] };
    });
    const ask = (on: AwsClientProvider, includeShadowTrails = false) => trails({ clients: on }, { includeShadowTrails });
    const [a, b] = await Promise.all([withCallLog(() => ask(clients)), withCallLog(() => ask(clients))]);
    if (!('result' in a) || !('result' in b)) throw new Error('a read failed');
    expect(runs).toBe(1);
    expect(sent('cloudtrail:DescribeTrails')).toBe(1);
    expect(b.calls).toEqual(a.calls);
    expect(a.calls.map((c) => c.operation)).toEqual(['cloudtrail:DescribeTrails']);
    a.result.trails.length = 0;
    expect(b.result.trails.length).toBeGreaterThan(0);
    // Other parameters are other work.
    await ask(clients, true);
    expect(runs).toBe(2);

    const denied = new Error('denied');
    let failures = 0;
    const failing = sharedWork<{ clients: AwsClientProvider }, void, never>('test: failing', () => {
      failures++;
      return Promise.reject(denied);
    });
    await expect(failing({ clients })).rejects.toBe(denied);
    await expect(failing({ clients })).rejects.toBe(denied);
    expect(failures).toBe(1);

    // Another account-region, or a provider outside a collection run, runs its own.
    const west = clients.forRegion('us-west-2');
    try {
      await ask(west);
    } finally {
      west.destroy();
    }
    expect(runs).toBe(3);
    provider!.destroy();
    const unshared = open(false);
    await ask(unshared);
    await ask(unshared);
    expect(runs).toBe(5);
  });

  it('shares work only under the key its definition builds: no free string is a key, and a name is defined once', () => {
    // @ts-expect-error a key of shared work is made by sharedWork, never written by hand
    expectTypeOf<AwsClientProvider['shared']>().toBeCallableWith('ec2 security groups with references', () => Promise.resolve({}));
    sharedWork('test: defined once', () => Promise.resolve(1));
    expect(() => sharedWork('test: defined once', () => Promise.resolve(2))).toThrow('shared work "test: defined once" is defined twice');
  });
});
