import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { digestValidation, type DigestValidationEvidence } from '../../../src/queries/cloudtrail/digest-validation.js';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { demoSession } from '../s3/simulated-collect.js';
import { DEMO_ACCOUNT_ID, demoWorld, simulatorCredentials } from '../../../src/simulator/index.js';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { startSession } from '../s3/simulated-collect.js';
import { cloudTrailTrails } from '../../../src/simulator/services/cloudtrail.js';
import { s3State } from '../../../src/simulator/services/s3.js';
import { seedTrailDigests } from '../../../src/simulator/worlds/seed-cloudtrail-digests.js';

const session = demoSession();
const q = queryById('cloudtrail.digest-validation')!;
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

async function collectEast(): Promise<{ data: DigestValidationEvidence; ctx: { accountId: string; region: string; collectedAt: string } }> {
  const r = await session.run(q, 'us-east-1');
  return { data: r.data as DigestValidationEvidence, ctx: { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: r.results.length ? new Date().toISOString() : '' } };
}

describe('cloudtrail.digest-validation against the simulated demo account', () => {
  it('home region: 26 hours of digests verify with the CloudTrail public key, the chain holds and sampled log files match', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results).toEqual([expect.objectContaining({ status: 'pass', resourceType: 'AWS::CloudTrail::Trail' })]);
    expect(results[0].reason).toMatch(/every signature verifies with CloudTrail's public key, the chain is unbroken/);
    expect(results[0].reason).toMatch(/2[4-7] digest file\(s\)/);
    const ops = new Set(calls.map((c) => c.operation));
    expect([...ops].sort()).toEqual(['cloudtrail:DescribeTrails', 'cloudtrail:ListPublicKeys', 's3:GetBucketLocation', 's3:GetObject', 's3:ListObjectsV2']);
  });

  it('second region: a log file altered after delivery fails, naming the file and both hashes', async () => {
    const { results } = await session.run(q, 'us-west-2');
    const mgmt = results.find((r) => r.resource.endsWith(':trail/management-events'))!;
    expect(mgmt.status).toBe('fail');
    expect(mgmt.reason).toMatch(/log file s3:\/\/demo-production-cloudtrail-logs\/.+ was altered: SHA-256 [0-9a-f]{64} differs from [0-9a-f]{64}/);
  });
});

describe('cloudtrail.digest-validation evaluate (pure, on collected evidence)', () => {
  it('judges the same after the canonical-JSON round trip', async () => {
    const { data, ctx } = await collectEast();
    expect(digestValidation.evaluate(roundTrip(data), {}, ctx)).toEqual(digestValidation.evaluate(data, {}, ctx));
  });

  it('an edited digest fails its signature', async () => {
    const { data, ctx } = await collectEast();
    const d = data.trails[0].digests[data.trails[0].digests.length - 3];
    d.content = d.content!.replace('"newestEventTime":"', '"newestEventTime":"1');
    const r = digestValidation.evaluate(data, {}, ctx)[0];
    expect(r.status).toBe('fail');
    expect(r.reason).toContain(`digest ${d.key}: signature does not verify`);
  });

  it('a removed digest breaks the chain; a digest signed by another key is refused', async () => {
    const { data, ctx } = await collectEast();
    const removed = data.trails[0].digests.splice(10, 1)[0];
    const r = digestValidation.evaluate(data, {}, ctx)[0];
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/chain broken: digest .+ does not name .+ as its predecessor/);
    expect(r.reason).not.toContain(removed.key + ':');

    const fresh = await collectEast();
    fresh.data.publicKeys = [];
    expect(digestValidation.evaluate(fresh.data, {}, fresh.ctx)[0].reason).toMatch(/which ListPublicKeys did not return/);
  });

  it('a missing log file fails; no digests in the window fails; never a pass without digests', async () => {
    const { data, ctx } = await collectEast();
    data.trails[0].logFiles[0] = { ...data.trails[0].logFiles[0], sha256: undefined, bytes: undefined, error: 'NoSuchKey: The specified key does not exist.' };
    expect(digestValidation.evaluate(data, {}, ctx)[0].reason).toMatch(/listed in a digest is missing/);
    data.trails[0].digests = [];
    data.trails[0].logFiles = [];
    expect(digestValidation.evaluate(data, {}, ctx)[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no digest file') });
  });
});

describe('cloudtrail.digest-validation of an organisation trail', () => {
  it('finds the digests under AWSLogs/<organization id>/<account>/ (DescribeOrganization) and verifies them; before, it found none and failed', async () => {
    const now = new Date();
    const world = demoWorld({ now });
    const acct = world.account(DEMO_ACCOUNT_ID)!;
    world.organization = { id: 'o-a1b2c3d4e5', managementAccountId: DEMO_ACCOUNT_ID, accountIds: [DEMO_ACCOUNT_ID] };
    const trail = cloudTrailTrails(acct).trails.find((t) => t.trail.Name === 'management-events')!;
    trail.trail.IsOrganizationTrail = true;
    // CloudTrail delivers an organisation trail's files under the organization id: move the demo's digests there.
    const bucket = s3State(acct).buckets.find((b) => b.name === trail.trail.S3BucketName)!;
    bucket.objects = (bucket.objects ?? []).filter((o) => !o.key.includes(`AWSLogs/${DEMO_ACCOUNT_ID}/`));
    seedTrailDigests(acct, trail, { sourceRegion: 'us-east-1', now, hours: 30, organizationId: 'o-a1b2c3d4e5' });
    const org = await startSession(world);
    try {
      const { results, calls, data } = await org.run(q, 'us-east-1');
      const mgmt = results.find((r) => r.resource.endsWith(':trail/management-events'))!;
      expect(mgmt).toMatchObject({ status: 'pass', reason: expect.stringMatching(/every signature verifies with CloudTrail's public key, the chain is unbroken/) });
      expect((data as DigestValidationEvidence).trails[0].listedPrefixes[0]).toMatch(new RegExp(`^cloudtrail/AWSLogs/o-a1b2c3d4e5/${DEMO_ACCOUNT_ID}/CloudTrail-Digest/us-east-1/`));
      expect(calls.filter((c) => c.operation === 'organizations:DescribeOrganization')).toHaveLength(1);
      // The organization id unknown (DescribeOrganization refused): the organisation trail is an error naming what to grant, never a pass.
      world.organization = undefined;
      const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', credentials: simulatorCredentials(org.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 });
      try {
        const params = Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));
        const evidence = JSON.parse(canonicalJson(await q.collect({ accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', clients, params, now }))) as DigestValidationEvidence;
        expect(evidence.organization).toMatchObject({ error: { code: 'AWSOrganizationsNotInUseException' } });
        const judged = q.evaluate(evidence, params, { accountId: DEMO_ACCOUNT_ID, region: 'us-east-1', collectedAt: now.toISOString() });
        expect(judged.find((r) => r.resource.endsWith(':trail/management-events'))).toMatchObject({ status: 'error', reason: expect.stringContaining('DescribeOrganization failed (AWSOrganizationsNotInUseException') });
      } finally {
        clients.destroy();
      }
    } finally {
      await org.close();
    }
  });
});
