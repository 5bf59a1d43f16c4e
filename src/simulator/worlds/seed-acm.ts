/** ACM certificates of the demo account: the load balancers' and distributions' certificates, one expiring soon, one expired. */
import type { CertificateDetail, KeyAlgorithm } from '@aws-sdk/client-acm';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { acmState } from '../services/acm.js';
import { cloudFrontState } from '../services/cloudfront.js';
import { elbv2State } from '../services/elbv2.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

interface CertSpec {
  arn: string;
  domain: string;
  type: 'AMAZON_ISSUED' | 'IMPORTED';
  key: KeyAlgorithm;
  /** Days from the world's now to NotAfter (negative: expired). */
  expiresInDays: number;
  inUseBy: string[];
}

function certificate(now: Date, c: CertSpec): CertificateDetail {
  const notAfter = new Date(now.getTime() + c.expiresInDays * DAY);
  const notBefore = new Date(notAfter.getTime() - 395 * DAY);
  const expired = c.expiresInDays < 0;
  const amazon = c.type === 'AMAZON_ISSUED';
  return {
    CertificateArn: c.arn,
    DomainName: c.domain,
    SubjectAlternativeNames: [c.domain],
    DomainValidationOptions: amazon ? [{ DomainName: c.domain, ValidationDomain: c.domain, ValidationStatus: 'SUCCESS', ValidationMethod: 'DNS' }] : undefined,
    Serial: stableHex(`${c.arn}/serial`, 32).replace(/(..)(?!$)/g, '$1:'),
    Subject: `CN=${c.domain}`,
    Issuer: amazon ? 'Amazon' : 'Example Legacy CA',
    CreatedAt: notBefore,
    ...(amazon ? { IssuedAt: notBefore } : { ImportedAt: notBefore }),
    Status: expired ? 'EXPIRED' : 'ISSUED',
    NotBefore: notBefore,
    NotAfter: notAfter,
    KeyAlgorithm: c.key,
    SignatureAlgorithm: c.key.startsWith('EC') ? 'SHA256WITHECDSA' : 'SHA256WITHRSA',
    InUseBy: c.inUseBy,
    Type: c.type,
    ...(amazon && !expired ? { RenewalSummary: { RenewalStatus: 'SUCCESS' as const, DomainValidationOptions: [{ DomainName: c.domain, ValidationStatus: 'SUCCESS' as const, ValidationMethod: 'DNS' as const }], UpdatedAt: notBefore } } : {}),
    KeyUsages: [{ Name: 'DIGITAL_SIGNATURE' }, { Name: 'KEY_ENCIPHERMENT' }],
    ExtendedKeyUsages: [{ Name: 'TLS_WEB_SERVER_AUTHENTICATION', OID: '1.3.6.1.5.5.7.3.1' }],
    RenewalEligibility: amazon && !expired ? 'ELIGIBLE' : 'INELIGIBLE',
    Options: { CertificateTransparencyLoggingPreference: 'ENABLED' },
  };
}

/**
 * Demo: each load balancer and distribution certificate is issued by ACM and valid for months, except the partner API's,
 * imported and expiring in 12 days, and one imported certificate for a retired portal that has expired. Generated accounts: none.
 */
export function seedAcm(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  const home = world.regions[0];
  const seen = new Set<string>();
  const add = (region: string, spec: CertSpec) => {
    if (seen.has(spec.arn)) return;
    seen.add(spec.arn);
    acmState(account, region).certificates.push(certificate(world.now, spec));
  };
  const elb = elbv2State(account, home);
  for (const l of elb.listeners) {
    for (const cert of l.Certificates ?? []) {
      const lb = elb.loadBalancers.find((b) => b.LoadBalancerArn === l.LoadBalancerArn)!;
      const partner = lb.LoadBalancerName!.includes('partner');
      const domain = `${lb.LoadBalancerName!.replace(/^cardholder-data-/, '')}.example.com`;
      add(home, { arn: cert.CertificateArn!, domain, type: partner ? 'IMPORTED' : 'AMAZON_ISSUED', key: 'RSA_2048', expiresInDays: partner ? 12 : 210, inUseBy: [lb.LoadBalancerArn!] });
    }
  }
  for (const d of cloudFrontState(account).distributions) {
    const arn = d.ViewerCertificate?.ACMCertificateArn;
    if (arn) add('us-east-1', { arn, domain: d.Aliases?.Items?.[0] ?? d.DomainName!, type: 'AMAZON_ISSUED', key: 'EC_prime256v1', expiresInDays: 300, inUseBy: [d.ARN!] });
  }
  const h = stableHex(`${account.id}/${home}/cert/old-portal`, 32);
  add(home, { arn: `arn:aws:acm:${home}:${account.id}:certificate/${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`, domain: 'old-portal.example.com', type: 'IMPORTED', key: 'RSA_2048', expiresInDays: -20, inUseBy: [] });
}
