import type { DistributionSummary } from '@aws-sdk/client-cloudfront';
import { loadCloudFrontSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** ListDistributions, all pages: each distribution's cache behaviours, origins and viewer certificate. */
export interface ViewerTlsEvidence {
  distributions: DistributionSummary[];
}

/** CloudFront security policies, oldest first (MinimumProtocolVersion). */
const POLICY_ORDER = ['SSLv3', 'TLSv1', 'TLSv1_2016', 'TLSv1.1_2016', 'TLSv1.2_2018', 'TLSv1.2_2019', 'TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025'];
const MIN_POLICY = 'TLSv1.2_2021';
const WEAK_ORIGIN_PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);

/** Why a security policy falls short of TLSv1.2_2021, or undefined when it does not. */
function policyShortfall(policy: string): string | undefined {
  const i = POLICY_ORDER.indexOf(policy);
  if (i < 0) return `security policy ${policy} is not one this query knows; compare it with ${MIN_POLICY}`;
  if (i >= POLICY_ORDER.indexOf(MIN_POLICY)) return undefined;
  if (i >= POLICY_ORDER.indexOf('TLSv1.2_2018')) return `security policy ${policy} accepts only TLS 1.2 or later but still offers the CBC-mode cipher suites ${MIN_POLICY} drops`;
  return `security policy ${policy} still accepts protocols older than TLS 1.2`;
}

export const viewerTls = defineQuery<ViewerTlsEvidence>({
  id: 'cloudfront.viewer-tls',
  service: 'cloudfront',
  title: 'CloudFront distributions require HTTPS from viewers with a TLSv1.2_2021 or newer security policy, and reach custom origins over TLS',
  description:
    'Every CloudFront distribution of the account (a global service, read once per account) with the viewer protocol policy of its default and path-specific cache behaviours, its viewer certificate and security policy (MinimumProtocolVersion), and its custom origins’ protocol policy and TLS versions. It shows what CloudFront negotiates and forwards, not what the origin servers themselves accept, nor distributions’ continuous-deployment staging copies beyond what ListDistributions returns.',
  remediation:
    'Set every cache behaviour’s viewer protocol policy to redirect-to-https or https-only, use a custom certificate (ACM in us-east-1) with security policy TLSv1.2_2021 or newer, and set custom origins to https-only with TLSv1.2.',
  scope: 'global',
  apiCalls: ['cloudfront:ListDistributions'],
  async collect(ctx) {
    const { CloudFrontClient, paginateListDistributions } = await loadCloudFrontSdk();
    const distributions: DistributionSummary[] = [];
    for await (const page of paginateListDistributions({ client: ctx.clients.get(CloudFrontClient), pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      distributions.push(...(stripMetadata(page).DistributionList?.Items ?? []));
    }
    return { distributions };
  },
  evaluate(data) {
    if (!data?.distributions) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListDistributions response' }];
    const results: ResourceResult[] = [];
    for (const d of data.distributions) {
      const base = { resource: d.ARN ?? d.Id ?? 'unknown distribution', resourceType: 'AWS::CloudFront::Distribution' };
      const aliases = d.Aliases?.Items?.length ? ` (${d.Aliases.Items.join(', ')})` : '';
      const label = `distribution ${d.Id} ${d.DomainName}${aliases}${d.Enabled === false ? ', disabled' : ''}`;
      const problems: string[] = [];
      const behaviours = [{ path: 'default', policy: d.DefaultCacheBehavior?.ViewerProtocolPolicy }, ...(d.CacheBehaviors?.Items ?? []).map((b) => ({ path: b.PathPattern ?? '?', policy: b.ViewerProtocolPolicy }))];
      const plain = behaviours.filter((b) => b.policy === 'allow-all' || b.policy === undefined);
      if (plain.length) problems.push(`viewers may use plain HTTP on the ${plain.map((b) => `${b.path} behaviour`).join(', ')} (viewer protocol policy ${plain.map((b) => b.policy ?? 'missing').join(', ')})`);
      const cert = d.ViewerCertificate;
      let certText: string;
      if (!cert || cert.CloudFrontDefaultCertificate) {
        certText = 'the default *.cloudfront.net certificate';
        problems.push('with the default *.cloudfront.net certificate CloudFront accepts TLSv1 whatever MinimumProtocolVersion says');
      } else {
        certText = `${cert.ACMCertificateArn ?? cert.IAMCertificateId ?? cert.Certificate ?? 'a custom certificate'} with security policy ${cert.MinimumProtocolVersion ?? 'not stated'}`;
        const short = policyShortfall(cert.MinimumProtocolVersion ?? 'not stated');
        if (short) problems.push(short);
      }
      for (const o of d.Origins?.Items ?? []) {
        const c = o.CustomOriginConfig;
        if (!c) continue;
        if (c.OriginProtocolPolicy === 'http-only') problems.push(`origin ${o.Id} (${o.DomainName}) is reached over plain HTTP (http-only)`);
        else {
          const weak = (c.OriginSslProtocols?.Items ?? []).filter((p) => WEAK_ORIGIN_PROTOCOLS.has(p));
          if (weak.length) problems.push(`origin ${o.Id} (${o.DomainName}) may be reached with ${weak.join(', ')}`);
        }
      }
      const unknownPolicy = problems.length === 1 && problems[0].includes('not one this query knows');
      if (problems.length === 0) results.push({ ...base, status: 'pass', reason: `${label}: every cache behaviour requires HTTPS, ${certText}, custom origins reached over TLS 1.2 or later` });
      else results.push({ ...base, status: unknownPolicy ? 'needs-review' : 'fail', reason: `${label} (${certText}): ${problems.join('; ')}` });
    }
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: 'the account has no CloudFront distributions' });
    return results;
  },
});
