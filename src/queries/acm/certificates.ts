import type { CertificateDetail, CertificateSummary, KeyAlgorithm } from '@aws-sdk/client-acm';
import { loadAcmSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type ResourceResult } from '../types.js';
import { acceptConfigItems, apiCase, type AggregateConfigItemsEvidence, type ConfigItem, type ConfigItemFamily } from '../config/aggregate-items.js';

/** ListCertificates (every key type) and DescribeCertificate for each certificate listed. */
export interface CertificatesEvidence {
  summaries: CertificateSummary[];
  /** By certificate ARN: DescribeCertificate's Certificate, or the error that kept it from us. */
  details: Record<string, CertificateDetail | CapturedError>;
}

/** ListCertificates returns only RSA_1024 and RSA_2048 certificates unless every key type is asked for. */
export const ALL_KEY_TYPES: KeyAlgorithm[] = ['RSA_1024', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'EC_prime256v1', 'EC_secp384r1', 'EC_secp521r1'];
const DAY = 86_400_000;

/**
 * AWS::ACM::Certificate configuration items as ListCertificates + DescribeCertificate evidence: an item's
 * `configuration` is DescribeCertificate's Certificate. The listing keeps the key types ListCertificates is asked for
 * (key algorithms compared with `-` and `_` alike, as ACM writes both), so both paths judge the same certificates.
 */
export const CERTIFICATE_ITEMS: ConfigItemFamily<CertificatesEvidence> = {
  resourceTypes: ['AWS::ACM::Certificate'],
  toEvidence: (items) => {
    const listed = new Set<string>(ALL_KEY_TYPES.map(keyType));
    const certs = items.map(certificateFromItem).filter((c) => c.KeyAlgorithm === undefined || listed.has(keyType(c.KeyAlgorithm)));
    return {
      summaries: certs.map((c) => ({ CertificateArn: c.CertificateArn, DomainName: c.DomainName, Status: c.Status, Type: c.Type, KeyAlgorithm: c.KeyAlgorithm as KeyAlgorithm | undefined })),
      details: Object.fromEntries(certs.map((c) => [c.CertificateArn!, c])),
    };
  },
};

const keyType = (k: string) => k.replace(/-/g, '_').toUpperCase();

/**
 * A signature whose hash is MD2/MD4/MD5 or SHA-1 (however written: SHA1WITHRSA, sha1WithRSAEncryption, SHA-1/RSA,
 * MD5WITHRSA): collisions are practical for these, so the certificate's signature is not strong cryptography.
 */
const weakSignature = (alg: string) => /MD[245]|SHA-?1(?![0-9])/i.test(alg);

function certificateFromItem(item: ConfigItem): CertificateDetail {
  const c = apiCase<CertificateDetail>(item.configuration);
  return { ...c, CertificateArn: c.CertificateArn ?? item.arn ?? item.resourceId };
}

export const certificates = defineQuery<CertificatesEvidence | AggregateConfigItemsEvidence>({
  id: 'acm.certificates',
  service: 'acm',
  title: 'ACM certificate inventory: every certificate valid, not about to expire, with a strong key',
  description:
    'Every certificate AWS Certificate Manager holds in the region (issued, imported and private, every key type) with its domain, issuer, key algorithm, signature algorithm, validity dates, renewal status and the resources using it (InUseBy). It is an inventory of ACM only: certificates installed on hosts, in IAM server certificates, in other clouds or at a CDN outside AWS are not in it, and it does not show which endpoints carry account data or ePHI.',
  remediation:
    'Renew or replace certificates before they expire (ACM renews Amazon-issued certificates whose DNS validation records are in place; imported certificates must be re-imported), delete expired and unused ones, and reissue any certificate with an RSA key shorter than 2048 bits or a signature made with MD5 or SHA-1.',
  scope: 'regional',
  apiCalls: ['acm:ListCertificates', 'acm:DescribeCertificate'],
  parameters: {
    expiryWarningDays: { description: 'A certificate expiring within this many days of collection needs review (renewal due).', default: 30 },
  },
  async collect(ctx) {
    const { ACMClient, paginateListCertificates, DescribeCertificateCommand } = await loadAcmSdk();
    const client = ctx.clients.get(ACMClient);
    const summaries: CertificateSummary[] = [];
    for await (const page of paginateListCertificates({ client, pageSize: 1000 }, { Includes: { keyTypes: ALL_KEY_TYPES } })) {
      ctx.signal?.throwIfAborted();
      summaries.push(...(stripMetadata(page).CertificateSummaryList ?? []));
    }
    const details: CertificatesEvidence['details'] = {};
    for (const s of summaries) {
      const arn = s.CertificateArn!;
      const got = await captureFailure(() => client.send(new DescribeCertificateCommand({ CertificateArn: arn })), ctx.signal);
      details[arn] = isCapturedError(got) ? got : (got.Certificate ?? { error: { code: 'EmptyResponse', message: 'DescribeCertificate returned no Certificate' } });
    }
    return { summaries, details };
  },
  evaluate: acceptConfigItems(CERTIFICATE_ITEMS, (data, params, ctx) => {
    if (!data?.summaries || !data.details) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListCertificates or DescribeCertificate responses' }];
    }
    const warnDays = Number(params.expiryWarningDays ?? 30);
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const results: ResourceResult[] = [];
    for (const s of data.summaries) {
      const arn = s.CertificateArn!;
      const base = { resource: arn, resourceType: 'AWS::CertificateManager::Certificate' };
      const d = data.details[arn];
      const label = `certificate for ${s.DomainName ?? 'no domain'}`;
      if (d === undefined || isCapturedError(d)) {
        results.push({ ...base, status: 'error', reason: `${label}: ${d ? `DescribeCertificate failed (${d.error.code}: ${d.error.message})` : 'no DescribeCertificate response was collected'}, so its validity and use are unknown` });
        continue;
      }
      const notAfter = toDate(d.NotAfter);
      const inUse = d.InUseBy?.length
        ? `in use by ${d.InUseBy.length} resource(s): ${d.InUseBy.join(', ')}`
        : Array.isArray(d.InUseBy)
          ? 'not in use by any AWS resource'
          : 'the evidence does not say which AWS resources use it (no InUseBy)';
      const kind = `${d.Type ?? 'unknown type'}, ${d.KeyAlgorithm ?? 'key algorithm not stated'}, ${d.SignatureAlgorithm ? `signed ${d.SignatureAlgorithm}` : 'signature algorithm not stated'}, issuer ${d.Issuer ?? 'not stated'}`;
      const expiry = notAfter ? `expires ${notAfter.toISOString().slice(0, 10)}` : 'no expiry date recorded';
      const renewal = d.RenewalSummary?.RenewalStatus ? `; managed renewal ${d.RenewalSummary.RenewalStatus}` : d.Type === 'IMPORTED' ? '; imported, so ACM does not renew it' : '';
      const facts = `${label} (${kind}) ${expiry}${renewal}; ${inUse}`;
      const daysLeft = notAfter ? Math.floor((notAfter.getTime() - now) / DAY) : undefined;
      if (d.Status === 'REVOKED') results.push({ ...base, status: 'fail', reason: `${facts}: it was revoked${d.RevocationReason ? ` (${d.RevocationReason})` : ''}` });
      else if (d.Status === 'EXPIRED' || (notAfter && notAfter.getTime() <= now)) {
        // Only an InUseBy that is present and empty shows no AWS resource uses it; a certificate nothing uses protects no transmission.
        if (Array.isArray(d.InUseBy) && d.InUseBy.length === 0) {
          results.push({
            ...base,
            status: 'needs-review',
            reason: `${facts}: expired and not in use by any AWS resource: it protects no AWS endpoint; delete it or show where else it is deployed (an imported certificate may be installed outside AWS)`,
          });
        } else results.push({ ...base, status: 'fail', reason: `${facts}: it has expired` });
      }
      // DescribeCertificate writes key algorithms with a hyphen (RSA-2048), ListCertificates with an underscore.
      else if (d.KeyAlgorithm && keyType(d.KeyAlgorithm) === 'RSA_1024') results.push({ ...base, status: 'fail', reason: `${facts}: a 1024-bit RSA key is not strong cryptography` });
      else if (d.SignatureAlgorithm && weakSignature(d.SignatureAlgorithm)) results.push({ ...base, status: 'fail', reason: `${facts}: a certificate signed with ${d.SignatureAlgorithm} (an MD5 or SHA-1 signature) is not strong cryptography` });
      else if (d.Status !== 'ISSUED') results.push({ ...base, status: 'needs-review', reason: `${facts}: status ${d.Status ?? 'missing'}, so it protects nothing yet${d.FailureReason ? ` (${d.FailureReason})` : ''}` });
      else if (daysLeft === undefined) results.push({ ...base, status: 'error', reason: `${facts}: without an expiry date its validity cannot be judged` });
      else if (daysLeft < warnDays) results.push({ ...base, status: 'needs-review', reason: `${facts}: it expires in ${daysLeft} days, within the ${warnDays}-day renewal window` });
      // An issued certificate's DescribeCertificate (and its AWS Config item) carries SignatureAlgorithm; without it the signature's strength is unknown.
      else if (!d.SignatureAlgorithm) results.push({ ...base, status: 'needs-review', reason: `${facts}: the evidence does not state the algorithm that signed it, so whether the signature is strong (not MD5 or SHA-1) is unknown; valid for ${daysLeft} more days` });
      else results.push({ ...base, status: 'pass', reason: `${facts}: valid for ${daysLeft} more days` });
    }
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `AWS Certificate Manager holds no certificates in ${ctx.region}` });
    return results;
  }),
});
