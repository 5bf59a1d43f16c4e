import { DescribeCertificateCommand, ListCertificatesCommand, type CertificateDetail, type CertificateSummary, type KeyAlgorithm } from '@aws-sdk/client-acm';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedAcm } from '../worlds/seed-acm.js';

/** AWS Certificate Manager in one account and region: its certificates as DescribeCertificate reports them. */
export interface AcmState {
  certificates: CertificateDetail[];
}

declare module '../world.js' {
  interface RegionalState {
    acm: AcmState;
  }
}

export function acmState(account: SimAccount, region: string): AcmState {
  return account.regional(region, 'acm', () => ({ certificates: [] }));
}

const state = (ctx: CallContext) => acmState(ctx.account, ctx.region);
/** ListCertificates without Includes.keyTypes lists only these (documented default filter). */
const DEFAULT_KEY_TYPES: KeyAlgorithm[] = ['RSA_1024', 'RSA_2048'];
const ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;

function summaryOf(c: CertificateDetail): CertificateSummary {
  return {
    CertificateArn: c.CertificateArn,
    DomainName: c.DomainName,
    SubjectAlternativeNameSummaries: c.SubjectAlternativeNames,
    HasAdditionalSubjectAlternativeNames: false,
    Status: c.Status,
    Type: c.Type,
    KeyAlgorithm: c.KeyAlgorithm,
    KeyUsages: c.KeyUsages?.map((k) => k.Name!),
    ExtendedKeyUsages: c.ExtendedKeyUsages?.map((k) => k.Name!),
    InUse: (c.InUseBy?.length ?? 0) > 0,
    RenewalEligibility: c.RenewalEligibility,
    NotBefore: c.NotBefore,
    NotAfter: c.NotAfter,
    CreatedAt: c.CreatedAt,
    IssuedAt: c.IssuedAt,
    ImportedAt: c.ImportedAt,
  };
}

export const acm: SimService = {
  name: 'acm',
  signingName: 'acm',
  protocol: awsJson1_1,
  seed: (account, world) => seedAcm(account, world),
  operations: [
    operation(ListCertificatesCommand, (input, ctx) => {
      const keyTypes = input.Includes?.keyTypes?.length ? input.Includes.keyTypes : DEFAULT_KEY_TYPES;
      const statuses = input.CertificateStatuses ?? [];
      const certs = state(ctx).certificates.filter((c) => keyTypes.includes(c.KeyAlgorithm!) && (!statuses.length || statuses.includes(c.Status!)));
      const { page, nextToken } = paginate(certs.map(summaryOf), {
        token: input.NextToken,
        limit: input.MaxItems,
        defaultLimit: 1000,
        maxLimit: 1000,
        scope: `ListCertificates/${JSON.stringify([keyTypes, statuses])}`,
        invalidToken: () => new SimError('InvalidArgsException', 'The NextToken is not valid.'),
        invalidLimit: (n) => new SimError('ValidationException', `1 validation error detected: Value '${n}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`),
      });
      return { CertificateSummaryList: page, NextToken: nextToken };
    }),

    operation(DescribeCertificateCommand, (input, ctx) => {
      const arn = input.CertificateArn ?? '';
      if (!ARN.test(arn)) throw new SimError('InvalidArnException', `String '${arn}' is not a valid ARN.`);
      const cert = state(ctx).certificates.find((c) => c.CertificateArn === arn);
      if (!cert) throw new SimError('ResourceNotFoundException', `Could not find certificate ${arn}.`);
      return { Certificate: cert };
    }),
  ],
};
