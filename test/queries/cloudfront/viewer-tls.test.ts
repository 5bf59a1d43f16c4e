import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { viewerTls } from '../../../src/queries/cloudfront/viewer-tls.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, VPC_ORIGIN_ID, distributionArn, distributions, distributionTenant, multiTenantDistribution, vpcOriginDetail, withVpcOrigin } from '../../fixtures/cloudfront/distributions.js';
import { cloudFrontState } from '../../../src/simulator/services/cloudfront.js';
import { vpcOrigin } from '../../../src/simulator/worlds/seed-cloudfront.js';
import { DEMO_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: 'us-east-1', collectedAt: '2026-06-01T00:00:00.000Z' };

function evaluateBoth(data: unknown): ResourceResult[] {
  const fresh = viewerTls.evaluate(data, {}, ctx);
  expect(viewerTls.evaluate(JSON.parse(canonicalJson(data)) as unknown, {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('cloudfront.viewer-tls', () => {
  const byArn = Object.fromEntries(evaluateBoth({ distributions }).map((r) => [r.resource, r]));

  it('HTTPS required with TLSv1.2_2021 or newer passes', () => {
    expect(byArn[distributionArn('EGOOD')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('TLSv1.2_2021') });
    expect(byArn[distributionArn('ENEWER')].status).toBe('pass');
  });

  it('allow-all on any cache behaviour fails, naming the path', () => {
    expect(byArn[distributionArn('EALLOWALL')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('/legacy/* behaviour') });
  });

  it('the default certificate fails whatever MinimumProtocolVersion says; a policy accepting protocols older than TLS 1.2 fails', () => {
    expect(byArn[distributionArn('EDEFAULTCERT')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('accepts TLSv1 whatever') });
    const old = [{ ...distributions[0], ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: 'TLSv1.1_2016' } }];
    expect(evaluateBoth({ distributions: old })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('TLSv1.1_2016 still accepts protocols older than TLS 1.2') });
  });

  it('a TLS 1.2-or-later policy is judged by the suites CloudFront documents for it, by the rule load balancer SSL policies follow', () => {
    // TLSv1.2_2019 adds to TLSv1.2_2021 only ECDHE CBC suites with SHA-256/384 MACs: it passes, saying what was checked.
    expect(byArn[distributionArn('EOLDPOLICY')]).toMatchObject({
      status: 'pass',
      reason: expect.stringContaining('with security policy TLSv1.2_2019 (TLS 1.2 or later, and by the suites CloudFront documents for it every TLS 1.2 cipher suite is forward secret (ECDHE or DHE key exchange) and none is a CBC or RC4 suite with a SHA-1 or MD5 MAC'),
    });
    // TLSv1.2_2018 also keeps RSA key transport suites: review, naming them.
    const y2018 = [{ ...distributions[0], ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: 'TLSv1.2_2018' } }];
    const r = evaluateBoth({ distributions: y2018 })[0];
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('cipher suites without forward secrecy (RSA key transport: AES128-GCM-SHA256, AES256-GCM-SHA384, AES128-SHA256)') });
    expect(r.reason).not.toContain('ECDHE-RSA-AES128-SHA256');
    // The judgement load balancer SSL policies get for the same suites (test/queries/elbv2/listener-tls.test.ts).
    expect(r.reason).toContain("(the suites CloudFront documents for that policy), which ELBSecurityPolicy-TLS13-1-2-2021-06 and CloudFront's TLSv1.2_2019 no longer offer; whether they are acceptable strong cryptography is for the assessor to decide");
    // The newer policies pass; an unknown one needs review.
    for (const policy of ['TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025']) {
      const d = [{ ...distributions[0], ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: policy } }];
      expect(evaluateBoth({ distributions: d })[0].status, policy).toBe('pass');
    }
    const future = [{ ...distributions[0], ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: 'TLSv1.3_2031' } }];
    expect(evaluateBoth({ distributions: future })[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('security policy TLSv1.3_2031 is not one this query knows') });
    // A worse problem elsewhere still fails the distribution.
    const both = [{ ...y2018[0], DefaultCacheBehavior: { ...y2018[0].DefaultCacheBehavior, ViewerProtocolPolicy: 'allow-all' } }];
    expect(evaluateBoth({ distributions: both })[0].status).toBe('fail');
  });

  it('a custom origin reached over plain HTTP fails', () => {
    expect(byArn[distributionArn('EHTTPORIGIN')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('http-only') });
  });

  it('an unknown security policy needs review rather than passing', () => {
    const d = [{ ...distributions[0], ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: 'TLSv1.4_2030' } }];
    expect(evaluateBoth({ distributions: d })[0].status).toBe('needs-review');
  });

  it('a VPC origin is judged by its endpoint configuration (GetVpcOrigin) as custom origins are: http-only or SSLv3/TLSv1/TLSv1.1 fails, https-only with TLSv1.2 passes', () => {
    const judge = (v: unknown) => evaluateBoth({ distributions: [withVpcOrigin()], vpcOrigins: { [VPC_ORIGIN_ID]: v } })[0];
    expect(judge(vpcOriginDetail('http-only', ['TLSv1.2']))).toMatchObject({ status: 'fail', reason: expect.stringContaining(`VPC origin ${VPC_ORIGIN_ID}`) });
    expect(judge(vpcOriginDetail('http-only', ['TLSv1.2'])).reason).toContain('plain HTTP (http-only)');
    expect(judge(vpcOriginDetail('https-only', ['TLSv1', 'TLSv1.2']))).toMatchObject({ status: 'fail', reason: expect.stringContaining('may be reached with TLSv1') });
    expect(judge(vpcOriginDetail('https-only', ['TLSv1.2']))).toMatchObject({ status: 'pass', reason: expect.stringContaining('custom origins and 1 VPC origin(s) reached over TLS 1.2 or later') });
  });

  it('a VPC origin whose protocol is not in the evidence needs review naming it, never a pass (evidence sealed before GetVpcOrigin was read, a failed read, no OriginSslProtocols)', () => {
    const judge = (vpcOrigins: unknown) => evaluateBoth({ distributions: [withVpcOrigin()], vpcOrigins })[0];
    expect(judge(undefined)).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(new RegExp(`VPC origin ${VPC_ORIGIN_ID}: its protocol policy and TLS versions are not in the evidence`)) });
    expect(judge({})).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no GetVpcOrigin response was collected') });
    expect(judge({ [VPC_ORIGIN_ID]: { error: { code: 'AccessDenied', message: 'not authorized to perform cloudfront:GetVpcOrigin' } } })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('GetVpcOrigin failed (AccessDenied') });
    expect(judge({ [VPC_ORIGIN_ID]: vpcOriginDetail('https-only', []) })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('states no OriginSslProtocols') });
    // A failing viewer setting still fails; the unknown VPC origin is named too.
    const weak = { ...withVpcOrigin(), ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: 'TLSv1_2016' } };
    expect(evaluateBoth({ distributions: [weak] })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining(`VPC origin ${VPC_ORIGIN_ID}`) });
  });

  it('missing evidence is an error; no distributions is not-applicable only when both listings returned none', () => {
    expect(evaluateBoth({}).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth({ distributions: [], tenantOnlyDistributions: [], tenants: {} })).toEqual([
      expect.objectContaining({ resource: 'account', status: 'not-applicable', reason: expect.stringContaining('neither ListDistributions nor ListDistributionsByConnectionMode (tenant-only) returned one') }),
    ]);
  });

  it('evidence sealed before multi-tenant distributions were listed is never a pass for "no distributions": it needs review, and says so beside distributions too', () => {
    expect(evaluateBoth({ distributions: [] })).toEqual([
      expect.objectContaining({ resource: 'account', status: 'needs-review', reason: expect.stringContaining('ListDistributions returned no distribution, but the evidence was collected before multi-tenant distributions were read') }),
    ]);
    const old = evaluateBoth({ distributions: [distributions[0]] });
    expect(old.map((r) => [r.resource, r.status])).toEqual([[distributionArn('EGOOD'), 'pass'], ['account', 'needs-review']]);
    expect(old[1].reason).toContain('certificate customisations of distribution tenants');
  });

  it('a failed tenant-only listing is an account error, not "no distributions"', () => {
    const r = evaluateBoth({ distributions: [], tenantOnlyDistributions: { error: { code: 'AccessDenied', message: 'denied' } }, tenants: {} });
    expect(r).toEqual([expect.objectContaining({ resource: 'account', status: 'error', reason: expect.stringContaining('ListDistributionsByConnectionMode (tenant-only) failed (AccessDenied') })]);
  });

  describe('multi-tenant distributions (ListDistributionsByConnectionMode tenant-only) and their tenants', () => {
    const judge = (d: ReturnType<typeof multiTenantDistribution>, tenants: unknown, listedToo = false) =>
      evaluateBoth({ distributions: listedToo ? [d] : [], tenantOnlyDistributions: [d], tenants: tenants === undefined ? {} : { [d.Id!]: tenants } }).find((r) => r.resource === distributionArn(d.Id!))!;

    it('one returned only by the tenant-only listing is judged like the others: a weak security policy fails, tenants using its certificate pass', () => {
      const weak = multiTenantDistribution('EMTWEAK', { ViewerCertificate: { ...distributions[0].ViewerCertificate, MinimumProtocolVersion: 'TLSv1_2016' } });
      expect(judge(weak, [distributionTenant('EMTWEAK', 'shop')])).toMatchObject({ status: 'fail', reason: expect.stringMatching(/^multi-tenant distribution EMTWEAK .*TLSv1_2016/) });
      const good = multiTenantDistribution('EMTGOOD');
      expect(judge(good, [distributionTenant('EMTGOOD', 'shop'), distributionTenant('EMTGOOD', 'old', { Enabled: false })])).toMatchObject({
        status: 'pass',
        reason: expect.stringContaining('its 1 enabled distribution tenant uses this certificate; 1 disabled tenant not judged'),
      });
    });

    it('a tenant replacing the certificate (Customizations.Certificate) needs review naming the tenant and the certificate', () => {
      const cert = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/99999999-2222-4333-8444-555555555555`;
      const r = judge(multiTenantDistribution('EMT'), [distributionTenant('EMT', 'shop'), distributionTenant('EMT', 'brand', { Customizations: { Certificate: { Arn: cert } } })]);
      expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`tenant brand replaces the certificate with ${cert} (Customizations.Certificate): the TLS settings it is served with are not in the evidence`) });
    });

    it('tenants not collected, or a failed ListDistributionTenants, need review, never a pass', () => {
      expect(judge(multiTenantDistribution('EMT'), undefined)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('its distribution tenants, which can replace its certificate (Customizations.Certificate), are not in the evidence') });
      expect(judge(multiTenantDistribution('EMT'), { error: { code: 'AccessDenied', message: 'denied' } })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ListDistributionTenants failed (AccessDenied') });
    });

    it('a distribution the tenant-only listing returned is multi-tenant though neither summary states ConnectionMode', () => {
      const bare = { ...multiTenantDistribution('EMTBARE'), ConnectionMode: undefined };
      const r = judge(bare, [distributionTenant('EMTBARE', 'brand', { Customizations: { Certificate: { Arn: 'arn:aws:acm:us-east-1:111122223333:certificate/other' } } })], true);
      expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(/^multi-tenant distribution EMTBARE .*tenant brand replaces the certificate/) });
    });
  });
});

describe('cloudfront.viewer-tls against the simulated demo account (restXml)', () => {
  const session = demoSession();
  const q = queryById('cloudfront.viewer-tls')!;

  it('the payment pages pass; the legacy receipts distribution fails on viewer protocol, security policy and HTTP origin', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => [r.reason.match(/\((\S+\.example\.com)\)/)?.[1], r.status])).toEqual([
      ['pay.example.com', 'pass'],
      ['receipts.example.com', 'fail'],
    ]);
    expect(results[1].reason).toMatch(/allow-all.*TLSv1_2016.*http-only/);
    expect(calls.map((c) => c.operation)).toEqual(['cloudfront:ListDistributions', 'cloudfront:ListDistributionsByConnectionMode']);
    expect(calls[1].input).toMatchObject({ ConnectionMode: 'tenant-only' });
  });

  it('pages through ListDistributions with Marker/NextMarker', async () => {
    const { results, calls } = await session.run({ ...q, collect: async (c) => {
      const { CloudFrontClient, paginateListDistributions } = await import('@aws-sdk/client-cloudfront');
      const distributions = [];
      for await (const page of paginateListDistributions({ client: c.clients.get(CloudFrontClient), pageSize: 1 }, {})) distributions.push(...(page.DistributionList?.Items ?? []));
      return { distributions, tenantOnlyDistributions: [], tenants: {} };
    } }, 'us-east-1');
    expect(results).toHaveLength(2);
    expect(calls).toHaveLength(2);
    expect(calls[1].input).toMatchObject({ Marker: expect.any(String) });
  });

  it('lists multi-tenant distributions and reads their tenants: a tenant replacing the certificate needs review', async () => {
    const state = cloudFrontState(session.sim.world.account(DEMO_ACCOUNT_ID)!);
    const saved = { distributions: state.distributions, tenants: state.tenants };
    const [pay] = state.distributions;
    const mt = { ...pay, Id: 'EMULTITENANT', ARN: pay.ARN!.replace(pay.Id!, 'EMULTITENANT'), ConnectionMode: 'tenant-only' as const, DomainName: '-', Aliases: { Quantity: 0 } };
    state.distributions = [...state.distributions, mt];
    state.tenants = [distributionTenant('EMULTITENANT', 'shop'), distributionTenant('EMULTITENANT', 'brand', { Customizations: { Certificate: { Arn: 'arn:aws:acm:us-east-1:111122223333:certificate/brand' } } })];
    try {
      const { results, calls } = await session.run(q, 'us-east-1');
      expect(calls.filter((c) => c.operation === 'cloudfront:ListDistributionTenants').map((c) => c.input)).toEqual([expect.objectContaining({ AssociationFilter: { DistributionId: 'EMULTITENANT' } })]);
      expect(results.filter((r) => r.resource === mt.ARN)).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('tenant brand replaces the certificate') })]);
    } finally {
      Object.assign(state, saved);
    }
  });

  it('reads GetVpcOrigin once for each VPC origin the distributions name: an http-only one fails, an unknown id (EntityNotFound) needs review', async () => {
    const state = cloudFrontState(session.sim.world.account(DEMO_ACCOUNT_ID)!);
    const saved = { distributions: [...state.distributions], vpcOrigins: [...state.vpcOrigins] };
    try {
      const plain = vpcOrigin(DEMO_ACCOUNT_ID, session.now, 'internal-receipts', 'http-only', ['TLSv1.2']);
      state.vpcOrigins.push(plain);
      const [pay] = saved.distributions;
      const via = (id: string, vpcOriginId: string) => ({ ...pay, Id: id, ARN: `arn:aws:cloudfront::${DEMO_ACCOUNT_ID}:distribution/${id}`, Origins: { Quantity: 1, Items: [{ ...withVpcOrigin(id, vpcOriginId).Origins!.Items![0] }] } });
      state.distributions.push(via('EVPCPLAIN', plain.Id!), via('EVPCPLAIN2', plain.Id!), via('EVPCGONE', 'vo_doesnotexist0000000000'));
      const { results, calls } = await session.run(q, 'us-east-1');
      expect(calls.filter((c) => c.operation === 'cloudfront:GetVpcOrigin').map((c) => c.input)).toEqual([{ Id: plain.Id }, { Id: 'vo_doesnotexist0000000000' }]);
      const byId = Object.fromEntries(results.map((r) => [r.resource.split('/').pop(), r]));
      expect(byId.EVPCPLAIN).toMatchObject({ status: 'fail', reason: expect.stringContaining(`VPC origin ${plain.Id}`) });
      expect(byId.EVPCPLAIN.reason).toContain('http-only');
      expect(byId.EVPCGONE).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('GetVpcOrigin failed (EntityNotFound') });
    } finally {
      state.distributions.splice(0, Infinity, ...saved.distributions);
      state.vpcOrigins.splice(0, Infinity, ...saved.vpcOrigins);
    }
  });
});
