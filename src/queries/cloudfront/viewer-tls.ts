import type { DistributionSummary, OriginSslProtocols, VpcOrigin } from '@aws-sdk/client-cloudfront';
import { loadCloudFrontSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type ResourceResult } from '../types.js';

/** ListDistributions, all pages: each distribution's cache behaviours, origins and viewer certificate. */
export interface ViewerTlsEvidence {
  distributions: DistributionSummary[];
  /**
   * GetVpcOrigin's VpcOrigin for each VPC origin a distribution's origins name (VpcOriginConfig.VpcOriginId), or the
   * error that kept it from us: the protocol policy and TLS versions of a VPC origin are on the VPC origin, not in
   * ListDistributions. Absent in evidence sealed before this was read.
   */
  vpcOrigins?: Record<string, VpcOrigin | CapturedError>;
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

/** The VPC origin ids a distribution's origins name. */
const vpcOriginIds = (d: DistributionSummary): string[] => (d.Origins?.Items ?? []).flatMap((o) => (o.VpcOriginConfig?.VpcOriginId ? [o.VpcOriginConfig.VpcOriginId] : []));

/** What is wrong with how CloudFront reaches a custom or VPC origin (protocol policy, TLS versions), if anything. */
function originShortfall(what: string, policy: string | undefined, protocols: OriginSslProtocols | undefined): { fail?: string; review?: string } {
  if (policy === 'http-only') return { fail: `${what} is reached over plain HTTP (http-only)` };
  const weak = (protocols?.Items ?? []).filter((p) => WEAK_ORIGIN_PROTOCOLS.has(p));
  if (weak.length) return { fail: `${what} may be reached with ${weak.join(', ')}` };
  if (!protocols?.Items?.length) return { review: `${what} (origin protocol policy ${policy ?? 'not stated'}) states no OriginSslProtocols, so the TLS versions CloudFront may use to reach it are not in the evidence` };
  return {};
}

export const viewerTls = defineQuery<ViewerTlsEvidence>({
  id: 'cloudfront.viewer-tls',
  service: 'cloudfront',
  title: 'CloudFront distributions require HTTPS from viewers with a TLSv1.2_2021 or newer security policy, and reach custom and VPC origins over TLS',
  description:
    'Every CloudFront distribution of the account (a global service, read once per account) with the viewer protocol policy of its default and path-specific cache behaviours, its viewer certificate and security policy (MinimumProtocolVersion), and the protocol policy and TLS versions of its custom origins and of its VPC origins (GetVpcOrigin for each VPC origin its origins name). It shows what CloudFront negotiates and forwards, not what the origin servers themselves accept, nor distributions’ continuous-deployment staging copies beyond what ListDistributions returns.',
  remediation:
    'Set every cache behaviour’s viewer protocol policy to redirect-to-https or https-only, use a custom certificate (ACM in us-east-1) with security policy TLSv1.2_2021 or newer, and set custom origins and VPC origins to https-only with TLSv1.2.',
  scope: 'global',
  apiCalls: ['cloudfront:ListDistributions', 'cloudfront:GetVpcOrigin'],
  async collect(ctx) {
    const { CloudFrontClient, paginateListDistributions, GetVpcOriginCommand } = await loadCloudFrontSdk();
    const client = ctx.clients.get(CloudFrontClient);
    const distributions: DistributionSummary[] = [];
    for await (const page of paginateListDistributions({ client, pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      distributions.push(...(stripMetadata(page).DistributionList?.Items ?? []));
    }
    const vpcOrigins: NonNullable<ViewerTlsEvidence['vpcOrigins']> = {};
    for (const id of new Set(distributions.flatMap(vpcOriginIds))) {
      const got = await captureFailure(() => client.send(new GetVpcOriginCommand({ Id: id })), ctx.signal);
      vpcOrigins[id] = isCapturedError(got) ? got : (got.VpcOrigin ?? { error: { code: 'EmptyResponse', message: 'GetVpcOrigin returned no VpcOrigin' } });
    }
    return { distributions, vpcOrigins };
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
      const unknowns: string[] = [];
      let vpcCount = 0;
      for (const o of d.Origins?.Items ?? []) {
        const c = o.CustomOriginConfig;
        if (c) {
          const short = originShortfall(`origin ${o.Id} (${o.DomainName})`, c.OriginProtocolPolicy, c.OriginSslProtocols);
          if (short.fail) problems.push(short.fail);
          continue;
        }
        const vpcId = o.VpcOriginConfig?.VpcOriginId;
        if (!o.VpcOriginConfig) continue;
        vpcCount++;
        const what = `origin ${o.Id} (${o.DomainName}), VPC origin ${vpcId ?? 'with no id'}`;
        const v = vpcId ? data.vpcOrigins?.[vpcId] : undefined;
        if (!data.vpcOrigins) unknowns.push(`${what}: its protocol policy and TLS versions are not in the evidence (collected before this check read GetVpcOrigin)`);
        else if (v === undefined) unknowns.push(`${what}: no GetVpcOrigin response was collected, so its protocol policy and TLS versions are unknown`);
        else if (isCapturedError(v)) unknowns.push(`${what}: GetVpcOrigin failed (${v.error.code}: ${v.error.message}), so its protocol policy and TLS versions are unknown`);
        else if (!v.VpcOriginEndpointConfig) unknowns.push(`${what}: GetVpcOrigin returned no endpoint configuration, so its protocol policy and TLS versions are unknown`);
        else {
          const e = v.VpcOriginEndpointConfig;
          const short = originShortfall(`${what} (endpoint ${e.Arn ?? e.Name ?? 'not stated'})`, e.OriginProtocolPolicy, e.OriginSslProtocols);
          if (short.fail) problems.push(short.fail);
          else if (short.review) unknowns.push(short.review);
        }
      }
      const unknownPolicy = problems.length === 1 && problems[0].includes('not one this query knows');
      const origins = `custom origins${vpcCount ? ` and ${vpcCount} VPC origin(s)` : ''} reached over TLS 1.2 or later`;
      if (problems.length === 0 && unknowns.length === 0) results.push({ ...base, status: 'pass', reason: `${label}: every cache behaviour requires HTTPS, ${certText}, ${origins}` });
      else if (problems.length === 0 || unknownPolicy) results.push({ ...base, status: 'needs-review', reason: `${label} (${certText}): ${[...problems, ...unknowns].join('; ')}` });
      else results.push({ ...base, status: 'fail', reason: `${label} (${certText}): ${[...problems, ...unknowns].join('; ')}` });
    }
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: 'the account has no CloudFront distributions' });
    return results;
  },
});
