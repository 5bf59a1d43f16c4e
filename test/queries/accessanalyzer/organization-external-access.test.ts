/** accessanalyzer.external-access through the delegated administrator's organization analyzer. */
import { describe, expect, it } from 'vitest';
import { externalAccess, ownActiveFindingsFilter, type ExternalAccessEvidence } from '../../../src/queries/accessanalyzer/external-access.js';
import { organizationExternalAccess } from '../../../src/queries/accessanalyzer/organization-external-access.js';
import { accessAnalyzerState } from '../../../src/simulator/services/accessanalyzer.js';
import type { SimWorld } from '../../../src/simulator/world.js';
import { ADMIN, useOrganization } from '../delegated/helpers.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { AwsClientProvider, withCallLog, type LoggedCall } from '../../../src/aws/clients.js';
import { createLogger } from '../../../src/log/logger.js';
import { memberKey } from '../../../src/queries/delegated/types.js';
import { readOnce } from '../../../src/queries/delegated/read-once.js';
import { DEFAULT_RATE_LIMITS, ORG_CONFIG_AGGREGATOR, organizationWorld, simulatorCredentials, simulatorEnv, startSimulatedAws } from '../../../src/simulator/index.js';

const VENDOR = '444455556666';

function share(world: SimWorld, owner: string, bucket: string, principal: string, id: string): void {
  const s = accessAnalyzerState(world.account(owner)!, 'us-east-1');
  const at = new Date(Date.now() - 10 * 86_400_000);
  s.findings.push({
    analyzerArn: s.analyzers.find((a) => a.type === 'ACCOUNT')!.arn!,
    summary: { id, resource: `arn:aws:s3:::${bucket}`, resourceType: 'AWS::S3::Bucket', resourceOwnerAccount: owner, findingType: 'ExternalAccess', status: 'ACTIVE', createdAt: at, analyzedAt: at, updatedAt: at },
    details: [{ externalAccessDetails: { action: ['s3:GetObject'], condition: {}, isPublic: false, principal: { AWS: principal }, sources: [{ type: 'POLICY' }] } }],
  });
}

/** The judged resources, without the analyzer row (the organization analyzer judges instead of the member's own). */
const judged = (results: ResourceResult[] | undefined) => results?.filter((r) => r.resourceType !== 'AWS::AccessAnalyzer::Analyzer').map((r) => `${r.resource} ${r.status}`).sort();

describe('IAM Access Analyzer through the organization analyzer', () => {
  const org = useOrganization((world) => {
    const [, owner, , peer] = world.organization!.accountIds;
    share(world, owner, 'to-vendor', VENDOR, '10000000-0000-4000-a000-000000000001');
    share(world, owner, 'to-peer', `arn:aws:iam::${peer}:root`, '10000000-0000-4000-a000-000000000002');
  });

  it('judges access from outside the organisation as the member’s own analyzer does, in both evaluation modes', async () => {
    const owner = org.members()[0];
    for (const [params, status] of [[{}, 'fail'], [{ purpose: 'third-parties' }, 'needs-review']] as const) {
      const r = await org.bothWays(externalAccess, organizationExternalAccess, owner, 'us-east-1', params);
      expect(r.perAccount.find((x) => x.resource === 'arn:aws:s3:::to-vendor')?.status).toBe(status);
      expect(r.delegated!.find((x) => x.resource === 'arn:aws:s3:::to-vendor')).toMatchObject({ status, reason: expect.stringContaining(VENDOR) });
      // The analyzer that judged external access is the organization's, active, and says so.
      const analyzer = r.delegated!.find((x) => x.resourceType === 'AWS::AccessAnalyzer::Analyzer');
      expect(analyzer).toMatchObject({ status: 'pass', resource: expect.stringContaining(`:${ADMIN}:analyzer/`), reason: expect.stringContaining('the organization as zone of trust') });
      expect(r.data).toMatchObject({ administrator: { accountId: ADMIN }, account: { Id: owner } });
      // Sharing with another account of the organisation is inside the organization analyzer's zone of trust: not a finding there.
      expect(judged(r.delegated)).toEqual(judged(r.perAccount)!.filter((x) => !x.startsWith('arn:aws:s3:::to-peer')));
      expect(judged(r.perAccount)).toContain(`arn:aws:s3:::to-peer ${status}`);
    }
  });

  it('judges the administrator, in its own account, on findings of resources it owns only, as the organization analyzer’s split does', async () => {
    const r = await org.bothWays(externalAccess, organizationExternalAccess, ADMIN, 'us-east-1');
    const own = r.own as ExternalAccessEvidence;
    const organization = own.analyzers.find((a) => a.type === 'ORGANIZATION')!;
    expect(organization).toBeDefined();
    for (const f of own.findings.flatMap((x) => x.findings)) expect(f.resourceOwnerAccount).toBe(ADMIN);
    expect(JSON.stringify(r.perAccount)).not.toContain('to-vendor');
    expect(judged(r.delegated)).toEqual(judged(r.perAccount));
    // Unfiltered, the organization analyzer reports the member's bucket: its owner's evidence judges it, not the administrator's.
    expect(ownActiveFindingsFilter(organization, ADMIN)).toEqual({ status: { eq: ['ACTIVE'] }, resourceOwnerAccount: { eq: [ADMIN] } });
    expect(ownActiveFindingsFilter({ ...organization, type: 'ACCOUNT' }, ADMIN)).toEqual({ status: { eq: ['ACTIVE'] } });
  });

  it('leaves out a finding on another account’s resource found in the evidence, saying so, never judging it', () => {
    const owner = '222233334444';
    const analyzerArn = `arn:aws:access-analyzer:us-east-1:${ADMIN}:analyzer/org`;
    const at = new Date(Date.now() - 86_400_000);
    const data: ExternalAccessEvidence = {
      analyzers: [{ arn: analyzerArn, name: 'org', type: 'ORGANIZATION', status: 'ACTIVE', createdAt: at }],
      findings: [{ analyzerArn, findings: [{ id: 'x1', resource: 'arn:aws:s3:::to-vendor', resourceType: 'AWS::S3::Bucket', resourceOwnerAccount: owner, findingType: 'ExternalAccess', status: 'ACTIVE', createdAt: at, analyzedAt: at, updatedAt: at }] }],
      details: [],
    };
    const results = externalAccess.evaluate(data, { purpose: 'third-parties' }, { accountId: ADMIN, region: 'us-east-1', collectedAt: new Date().toISOString() });
    expect(results).toEqual([expect.objectContaining({ resourceType: 'AWS::AccessAnalyzer::Analyzer', status: 'pass', reason: expect.stringContaining(`reports 0 active findings`) })]);
    expect(results[0].reason).toContain(`1 findings on resources of other accounts (${owner} (1)) in this listing were left out`);
  });

  it('covers every account of the organisation in the analyzer’s region, and none where there is no organization analyzer', async () => {
    const clean = org.members()[1];
    const r = await org.bothWays(externalAccess, organizationExternalAccess, clean, 'us-east-1');
    expect(r.delegated!.map((x) => x.status).sort()).toEqual(r.perAccount.map((x) => x.status).sort());
    const west = await org.bothWays(externalAccess, organizationExternalAccess, clean, 'us-west-2');
    expect(west.parts.size).toBe(0);
    expect(west.data).toBeUndefined();
  });

  it('reads the organisation\'s accounts on from the page it reached when ListAccounts is still throttled after the SDK\'s retries (shards and regions share the management account\'s quota)', async () => {
    // 45 accounts: three pages of ListAccounts, against a quota of one call a second with no burst, and clients that
    // try each call once: the second and third pages are refused before they are answered.
    const world = organizationWorld({ accounts: 45, regions: ['us-east-1'], seed: 5, delegatedAdministrator: true });
    const sim = await startSimulatedAws({ world, faults: { rateLimits: { ...DEFAULT_RATE_LIMITS, 'organizations:ListAccounts': { ratePerSecond: 1, burst: 1 } } } });
    const saved = { ...process.env };
    Object.assign(process.env, simulatorEnv(sim, ADMIN));
    const clients = new AwsClientProvider({ accountId: ADMIN, region: 'us-east-1', credentials: simulatorCredentials(sim, ADMIN), maxAttempts: 1 });
    const lines: { msg: string; action?: string; pagesRead?: number }[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) } });
    try {
      const parts = await organizationExternalAccess.fetch({ accountId: ADMIN, region: 'us-east-1', clients, aggregator: ORG_CONFIG_AGGREGATOR, params: {}, now: new Date(), log, once: readOnce() });
      // Every ACTIVE account of the organisation has its part: none was lost to throttling.
      expect([...parts.keys()].sort()).toEqual(world.organization!.accountIds.map((id) => memberKey(id, 'us-east-1')).sort());
      expect(parts.size).toBe(45);
      const waits = lines.filter((l) => l.action === 'organizations:ListAccounts');
      expect(waits.length).toBeGreaterThanOrEqual(1);
      expect(waits[0].msg).toMatch(/^organizations:ListAccounts is still throttled after the SDK's retries \(other collector processes share the quota\); reading on from page 2 in \d s$/);
      expect(waits[0].pagesRead).toBe(1);
    } finally {
      clients.destroy();
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      await sim.close();
    }
  });

  it('lists the organisation\'s accounts once per run, however many regions have an organization analyzer (the listing is the same organisation in every region)', async () => {
    const world = organizationWorld({ accounts: 45, regions: ['us-east-1', 'us-west-2'], seed: 5, delegatedAdministrator: true });
    // A second organization analyzer, in us-west-2.
    const west = accessAnalyzerState(world.account(ADMIN)!, 'us-west-2');
    west.analyzers.push({ arn: `arn:aws:access-analyzer:us-west-2:${ADMIN}:analyzer/organization-west`, name: 'organization-west', type: 'ORGANIZATION', createdAt: new Date('2026-01-01T00:00:00Z'), status: 'ACTIVE', tags: {} });
    const sim = await startSimulatedAws({ world });
    const saved = { ...process.env };
    Object.assign(process.env, simulatorEnv(sim, ADMIN));
    const providers = ['us-east-1', 'us-west-2'].map((region) => new AwsClientProvider({ accountId: ADMIN, region, credentials: simulatorCredentials(sim, ADMIN), maxAttempts: 4 }));
    const log = createLogger({ level: 'silent' });
    // Each region's read under its own call log, as the collector makes it (its records cite those calls).
    const logs: LoggedCall[][] = [];
    const fetchBoth = (once: () => ReturnType<typeof readOnce>) =>
      Promise.all(
        providers.map(async (clients, i) => {
          const out = await withCallLog(() => organizationExternalAccess.fetch({ accountId: ADMIN, region: ['us-east-1', 'us-west-2'][i], clients, aggregator: ORG_CONFIG_AGGREGATOR, params: {}, now: new Date(), log, once: once() }));
          logs.push(out.calls);
          if ('error' in out) throw out.error;
          return out.result;
        }),
      );
    const listed = () => sim.stats().byOperation['organizations:ListAccounts']?.ok ?? 0;
    try {
      // One run: both regions' reads share one listing of three pages (45 accounts, 20 a page).
      const shared = readOnce();
      const [east, westParts] = await fetchBoth(() => shared);
      expect(east.size).toBe(45);
      expect(westParts.size).toBe(45);
      expect([...westParts.keys()].every((k) => k.endsWith('/us-west-2'))).toBe(true);
      expect(listed()).toBe(3);
      // Both regions' call logs cite the one listing's three requests, whichever region made them.
      const listings = logs.map((calls) => calls.filter((c) => c.operation === 'organizations:ListAccounts').map((c) => c.requestId));
      expect(listings[0]).toHaveLength(3);
      expect(listings[1]).toEqual(listings[0]);
      // Each read on its own (two runs) lists for itself.
      await fetchBoth(() => readOnce());
      expect(listed()).toBe(3 + 6);
    } finally {
      for (const p of providers) p.destroy();
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      await sim.close();
    }
  });
});
