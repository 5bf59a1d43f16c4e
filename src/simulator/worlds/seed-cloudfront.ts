/** CloudFront distributions of the demo account: the payment pages (HTTPS only, TLSv1.2_2021, WAF) and a legacy receipts site (old policy, HTTP allowed, HTTP origin, no WAF). */
import type { DistributionSummary, OriginProtocolPolicy, SslProtocol, VpcOrigin } from '@aws-sdk/client-cloudfront';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { cloudFrontState } from '../services/cloudfront.js';
import { stableHex } from './builders.js';
import { demoCloudFrontAclArn } from './seed-wafv2.js';

const DAY = 86_400_000;

interface DistributionSpec {
  alias: string;
  comment: string;
  viewerPolicy: 'redirect-to-https' | 'https-only' | 'allow-all';
  minimumProtocol: 'TLSv1_2016' | 'TLSv1.2_2021';
  originDomain: string;
  originPolicy: 'https-only' | 'http-only';
  webAclArn: string;
}

export const demoCertificateArn = (accountId: string, name: string) => {
  const h = stableHex(`${accountId}/us-east-1/cert/${name}`, 32);
  return `arn:aws:acm:us-east-1:${accountId}:certificate/${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function distribution(accountId: string, now: Date, spec: DistributionSpec): DistributionSummary {
  const id = `E${stableHex(`${accountId}/${spec.alias}`, 13).toUpperCase()}`;
  const behaviour = { TargetOriginId: 'origin-1', ViewerProtocolPolicy: spec.viewerPolicy, CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', Compress: true, AllowedMethods: { Quantity: 2, Items: ['HEAD' as const, 'GET' as const], CachedMethods: { Quantity: 2, Items: ['HEAD' as const, 'GET' as const] } } };
  return {
    Id: id,
    ARN: `arn:aws:cloudfront::${accountId}:distribution/${id}`,
    ETag: stableHex(id, 13).toUpperCase(),
    Status: 'Deployed',
    LastModifiedTime: new Date(now.getTime() - 90 * DAY),
    DomainName: `d${stableHex(id, 13)}.cloudfront.net`,
    Aliases: { Quantity: 1, Items: [spec.alias] },
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: 'origin-1',
          DomainName: spec.originDomain,
          OriginPath: '',
          CustomHeaders: { Quantity: 0 },
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: spec.originPolicy, OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] }, OriginReadTimeout: 30, OriginKeepaliveTimeout: 5 },
          ConnectionAttempts: 3,
          ConnectionTimeout: 10,
          OriginShield: { Enabled: false },
          OriginAccessControlId: '',
        },
      ],
    },
    OriginGroups: { Quantity: 0 },
    DefaultCacheBehavior: behaviour,
    CacheBehaviors: { Quantity: 0 },
    CustomErrorResponses: { Quantity: 0 },
    Comment: spec.comment,
    PriceClass: 'PriceClass_100',
    Enabled: true,
    ViewerCertificate: { CloudFrontDefaultCertificate: false, ACMCertificateArn: demoCertificateArn(accountId, spec.alias), SSLSupportMethod: 'sni-only', MinimumProtocolVersion: spec.minimumProtocol, Certificate: demoCertificateArn(accountId, spec.alias), CertificateSource: 'acm' },
    Restrictions: { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
    WebACLId: spec.webAclArn,
    HttpVersion: 'http2',
    IsIPV6Enabled: true,
    Staging: false,
  };
}

/**
 * A deployed CloudFront VPC origin (GetVpcOrigin's VpcOrigin) in front of an internal load balancer, with the origin
 * protocol policy and TLS versions given. The demo world has none; tests add them to an account's CloudFront state.
 */
export function vpcOrigin(accountId: string, now: Date, name: string, policy: OriginProtocolPolicy, protocols: SslProtocol[]): VpcOrigin {
  const id = `vo_${stableHex(`${accountId}/vpc-origin/${name}`, 22)}`;
  return {
    Id: id,
    Arn: `arn:aws:cloudfront::${accountId}:vpcorigin/${id}`,
    AccountId: accountId,
    Status: 'Deployed',
    CreatedTime: new Date(now.getTime() - 30 * DAY),
    LastModifiedTime: new Date(now.getTime() - 30 * DAY),
    VpcOriginEndpointConfig: {
      Name: name,
      Arn: `arn:aws:elasticloadbalancing:us-east-1:${accountId}:loadbalancer/app/${name}/${stableHex(name, 16)}`,
      HTTPPort: 80,
      HTTPSPort: 443,
      OriginProtocolPolicy: policy,
      ...(protocols.length ? { OriginSslProtocols: { Quantity: protocols.length, Items: protocols } } : {}),
    },
  };
}

/** Demo only: the payment pages pass; the legacy receipts site fails viewer TLS and has no web ACL (needs review for 6.4.x). Generated accounts: none. */
export function seedCloudFront(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  const s = cloudFrontState(account);
  s.distributions.push(
    distribution(account.id, world.now, { alias: 'pay.example.com', comment: 'cardholder-data payment pages', viewerPolicy: 'redirect-to-https', minimumProtocol: 'TLSv1.2_2021', originDomain: 'cardholder-data-checkout.example.internal', originPolicy: 'https-only', webAclArn: demoCloudFrontAclArn(account.id) }),
    distribution(account.id, world.now, { alias: 'receipts.example.com', comment: 'cardholder-data legacy receipts', viewerPolicy: 'allow-all', minimumProtocol: 'TLSv1_2016', originDomain: 'receipts-origin.example.com', originPolicy: 'http-only', webAclArn: '' }),
  );
}
