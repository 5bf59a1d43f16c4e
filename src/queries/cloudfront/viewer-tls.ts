import type { DistributionSummary, DistributionTenantSummary, OriginSslProtocols, VpcOrigin } from '@aws-sdk/client-cloudfront';
import { loadCloudFrontSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { SUITES_CHECKED, weakSuitesReview } from '../tls-suites.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type ResourceResult } from '../types.js';
import { allDistributions, collectMultiTenant, multiTenantIds, type MultiTenantEvidence } from './multi-tenant.js';

/**
 * ListDistributions, all pages: each distribution's cache behaviours, origins and viewer certificate; beside it the
 * multi-tenant distributions (ListDistributionsByConnectionMode tenant-only) and their tenants, whose
 * Customizations.Certificate can replace the distribution's certificate.
 */
export interface ViewerTlsEvidence extends MultiTenantEvidence {
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
/** The oldest security policy that accepts nothing older than TLS 1.2. */
const FIRST_TLS12 = 'TLSv1.2_2018';
const WEAK_ORIGIN_PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);

/**
 * The TLS 1.2 cipher suites of each TLS 1.2-or-later security policy, as CloudFront documents them ("Supported protocols
 * and ciphers between viewers and CloudFront"; every policy also offers the TLS 1.3 suites): the evidence holds only
 * the policy's name, so the suites are judged from this table by the rule load balancer SSL policies follow.
 */
const ECDHE_AEAD = ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384'];
const ECDHE_CHACHA20 = ['ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305'];
const ECDHE_CBC_SHA2 = ['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384'];
const CLOUDFRONT_TLS12_SUITES: Readonly<Record<string, readonly string[]>> = {
  'TLSv1.2_2018': [...ECDHE_AEAD, ...ECDHE_CHACHA20, ...ECDHE_CBC_SHA2, 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA256'],
  'TLSv1.2_2019': [...ECDHE_AEAD, ...ECDHE_CHACHA20, ...ECDHE_CBC_SHA2],
  'TLSv1.2_2021': [...ECDHE_AEAD, ...ECDHE_CHACHA20],
  'TLSv1.2_2025': ECDHE_AEAD,
  'TLSv1.3_2025': [],
};

/**
 * How a security policy falls short, or {} when it does not: protocols older than TLS 1.2 fail; a TLS 1.2-or-later
 * policy's documented suites are judged by the same rule as a load balancer's SSL policy; an unknown policy needs
 * review.
 */
function policyShortfall(policy: string): { fail?: string; review?: string } {
  const i = POLICY_ORDER.indexOf(policy);
  const suites = CLOUDFRONT_TLS12_SUITES[policy];
  if (i < 0 || (i >= POLICY_ORDER.indexOf(FIRST_TLS12) && !suites)) return { review: `security policy ${policy} is not one this query knows; compare its protocols and cipher suites with TLSv1.2_2021` };
  if (!suites) return { fail: `security policy ${policy} still accepts protocols older than TLS 1.2` };
  return { review: weakSuitesReview(policy, suites, ' (the suites CloudFront documents for that policy)') };
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
  title: 'CloudFront distributions require HTTPS from viewers with a TLS 1.2-or-later security policy whose cipher suites are forward secret, and reach custom and VPC origins over TLS',
  description:
    'Every CloudFront distribution of the account (a global service, read once per account: ListDistributions, and ListDistributionsByConnectionMode for the multi-tenant ones) with the viewer protocol policy of its default and path-specific cache behaviours, its viewer certificate and security policy (MinimumProtocolVersion), the protocol policy and TLS versions of its custom origins and of its VPC origins (GetVpcOrigin for each VPC origin its origins name), and for multi-tenant distributions each distribution tenant’s certificate customisation (ListDistributionTenants). It shows what CloudFront negotiates and forwards, not what the origin servers themselves accept, nor distributions’ continuous-deployment staging copies beyond what ListDistributions returns; a tenant that replaces the certificate needs review, since the TLS settings it is served with are not in the evidence. A security policy accepting protocols older than TLS 1.2 fails; the TLS 1.2 suites CloudFront documents for a TLS 1.2-or-later policy are judged by the same rule as a load balancer’s SSL policy: suites without forward secrecy (TLSv1.2_2018’s RSA key transport suites) or CBC suites with a SHA-1 MAC need review, naming them; ECDHE CBC suites with SHA-256/384 MACs (TLSv1.2_2019) do not.',
  remediation:
    'Set every cache behaviour’s viewer protocol policy to redirect-to-https or https-only, use a custom certificate (ACM in us-east-1) with security policy TLSv1.2_2021 or newer, and set custom origins and VPC origins to https-only with TLSv1.2.',
  scope: 'global',
  apiCalls: ['cloudfront:ListDistributions', 'cloudfront:ListDistributionsByConnectionMode', 'cloudfront:ListDistributionTenants', 'cloudfront:GetVpcOrigin'],
  async collect(ctx) {
    const { CloudFrontClient, paginateListDistributions, GetVpcOriginCommand } = await loadCloudFrontSdk();
    const client = ctx.clients.get(CloudFrontClient);
    const distributions: DistributionSummary[] = [];
    for await (const page of paginateListDistributions({ client, pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      distributions.push(...(stripMetadata(page).DistributionList?.Items ?? []));
    }
    const multiTenant = await collectMultiTenant(client, distributions, ctx.signal);
    const vpcOrigins: NonNullable<ViewerTlsEvidence['vpcOrigins']> = {};
    for (const id of new Set(allDistributions(distributions, multiTenant.tenantOnlyDistributions).flatMap(vpcOriginIds))) {
      const got = await captureFailure(() => client.send(new GetVpcOriginCommand({ Id: id })), ctx.signal);
      vpcOrigins[id] = isCapturedError(got) ? got : (got.VpcOrigin ?? { error: { code: 'EmptyResponse', message: 'GetVpcOrigin returned no VpcOrigin' } });
    }
    return { distributions, ...multiTenant, vpcOrigins };
  },
  evaluate(data) {
    if (!data?.distributions) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListDistributions response' }];
    const results: ResourceResult[] = [];
    const multiTenant = multiTenantIds(data.distributions, data.tenantOnlyDistributions);
    for (const d of allDistributions(data.distributions, data.tenantOnlyDistributions)) {
      const base = { resource: d.ARN ?? d.Id ?? 'unknown distribution', resourceType: 'AWS::CloudFront::Distribution' };
      const aliases = d.Aliases?.Items?.length ? ` (${d.Aliases.Items.join(', ')})` : '';
      const isMultiTenant = multiTenant.has(d.Id ?? '');
      const label = `${isMultiTenant ? 'multi-tenant ' : ''}distribution ${d.Id} ${d.DomainName}${aliases}${d.Enabled === false ? ', disabled' : ''}`;
      const problems: string[] = [];
      const behaviours = [{ path: 'default', policy: d.DefaultCacheBehavior?.ViewerProtocolPolicy }, ...(d.CacheBehaviors?.Items ?? []).map((b) => ({ path: b.PathPattern ?? '?', policy: b.ViewerProtocolPolicy }))];
      const plain = behaviours.filter((b) => b.policy === 'allow-all' || b.policy === undefined);
      if (plain.length) problems.push(`viewers may use plain HTTP on the ${plain.map((b) => `${b.path} behaviour`).join(', ')} (viewer protocol policy ${plain.map((b) => b.policy ?? 'missing').join(', ')})`);
      const unknowns: string[] = [];
      const cert = d.ViewerCertificate;
      let certText: string;
      if (!cert || cert.CloudFrontDefaultCertificate) {
        certText = 'the default *.cloudfront.net certificate';
        problems.push('with the default *.cloudfront.net certificate CloudFront accepts TLSv1 whatever MinimumProtocolVersion says');
      } else {
        certText = `${cert.ACMCertificateArn ?? cert.IAMCertificateId ?? cert.Certificate ?? 'a custom certificate'} with security policy ${cert.MinimumProtocolVersion ?? 'not stated'}`;
        const short = policyShortfall(cert.MinimumProtocolVersion ?? 'not stated');
        if (short.fail) problems.push(short.fail);
        if (short.review) unknowns.push(short.review);
        else if (!short.fail) certText += CLOUDFRONT_TLS12_SUITES[cert.MinimumProtocolVersion ?? '']?.length ? ` (TLS 1.2 or later, and by the suites CloudFront documents for it ${SUITES_CHECKED})` : ' (TLS 1.3 only)';
      }
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
      let tenantText = '';
      if (isMultiTenant) {
        const t = judgeTenantCertificates(data.tenants, d.Id ?? '');
        unknowns.push(...t.unknowns);
        tenantText = t.note;
      }
      const origins = `custom origins${vpcCount ? ` and ${vpcCount} VPC origin(s)` : ''} reached over TLS 1.2 or later`;
      if (problems.length === 0 && unknowns.length === 0) results.push({ ...base, status: 'pass', reason: `${label}: every cache behaviour requires HTTPS, ${certText}, ${origins}${tenantText}` });
      else if (problems.length === 0) results.push({ ...base, status: 'needs-review', reason: `${label} (${certText}): ${[...problems, ...unknowns].join('; ')}` });
      else results.push({ ...base, status: 'fail', reason: `${label} (${certText}): ${[...problems, ...unknowns].join('; ')}` });
    }
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    const none = results.length === 0;
    if (data.tenantOnlyDistributions === undefined) {
      results.push({ ...account, status: 'needs-review', reason: `${none ? 'ListDistributions returned no distribution, but the' : 'the'} evidence was collected before multi-tenant distributions were read (no ListDistributionsByConnectionMode or ListDistributionTenants response): multi-tenant distributions ListDistributions may leave out, and the certificate customisations of distribution tenants, are not in it` });
    } else if (isCapturedError(data.tenantOnlyDistributions)) {
      const e = data.tenantOnlyDistributions.error;
      results.push({ ...account, status: 'error', reason: `${none ? 'ListDistributions returned no distribution, but ' : ''}ListDistributionsByConnectionMode (tenant-only) failed (${e.code}: ${e.message}), so multi-tenant distributions ListDistributions may leave out are unknown` });
    } else if (none) {
      results.push({ ...account, status: 'not-applicable', reason: 'the account has no CloudFront distributions: neither ListDistributions nor ListDistributionsByConnectionMode (tenant-only) returned one' });
    }
    return results;
  },
});

/**
 * A multi-tenant distribution serves viewers through its distribution tenants; a tenant's Customizations.Certificate
 * replaces the distribution's certificate for it, and the TLS settings that certificate is served with are not in the
 * evidence, so such a tenant needs review. Tenants without it use the distribution's viewer certificate, judged above.
 */
function judgeTenantCertificates(all: ViewerTlsEvidence['tenants'], id: string): { unknowns: string[]; note: string } {
  const tenants: DistributionTenantSummary[] | CapturedError | undefined = all?.[id];
  if (tenants === undefined) return { unknowns: ['its distribution tenants, which can replace its certificate (Customizations.Certificate), are not in the evidence (no ListDistributionTenants response for it)'], note: '' };
  if (isCapturedError(tenants)) return { unknowns: [`ListDistributionTenants failed (${tenants.error.code}: ${tenants.error.message}), so whether its tenants replace its certificate is unknown`], note: '' };
  const serving = tenants.filter((t) => t.Enabled !== false);
  const off = tenants.length - serving.length;
  const offNote = off ? `; ${off} disabled tenant${off === 1 ? '' : 's'} not judged` : '';
  const replaced = serving.filter((t) => t.Customizations?.Certificate);
  const unknowns = replaced.map((t) => `tenant ${t.Name ?? t.Id} replaces the certificate with ${t.Customizations!.Certificate!.Arn ?? 'a certificate naming no ARN'} (Customizations.Certificate): the TLS settings it is served with are not in the evidence`);
  const inheriting = serving.length - replaced.length;
  const note = serving.length === 0 ? `; it has no enabled distribution tenant${offNote}` : `; its ${inheriting} enabled distribution tenant${inheriting === 1 ? '' : 's'} use${inheriting === 1 ? 's' : ''} this certificate${offNote}`;
  return { unknowns: unknowns.length ? [`${unknowns.join('; ')}${offNote}`] : [], note };
}
