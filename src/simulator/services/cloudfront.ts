import { GetVpcOriginCommand, ListDistributionsByConnectionModeCommand, ListDistributionsCommand, ListDistributionTenantsCommand, type DistributionSummary, type DistributionTenantSummary, type VpcOrigin } from '@aws-sdk/client-cloudfront';
import { restXml } from '../protocols/wire.js';
import { operation, SimError, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedCloudFront } from '../worlds/seed-cloudfront.js';

/** CloudFront is global: one set of distributions per account, whichever region signs the request. */
export interface CloudFrontState {
  distributions: DistributionSummary[];
  /** Distribution tenants of the multi-tenant (ConnectionMode tenant-only) distributions. */
  tenants?: DistributionTenantSummary[];
  /** VPC origins (GetVpcOrigin), which distributions' origins name by VpcOriginConfig.VpcOriginId. */
  vpcOrigins: VpcOrigin[];
}

declare module '../world.js' {
  interface GlobalState {
    cloudfront: CloudFrontState;
  }
}

export function cloudFrontState(account: SimAccount): CloudFrontState {
  return account.globalState('cloudfront', () => ({ distributions: [], vpcOrigins: [] }));
}

const invalidArgument = (message: string) => new SimError('InvalidArgument', message);

/** ListDistributions and ListDistributionsByConnectionMode answer with the same DistributionList paging. */
function distributionList(all: DistributionSummary[], input: { Marker?: string; MaxItems?: number }, scope: string) {
  const { page, nextToken } = paginate(all, {
    token: input.Marker,
    limit: input.MaxItems,
    defaultLimit: 100,
    maxLimit: 100,
    scope,
    invalidToken: () => invalidArgument('The parameter Marker is invalid.'),
    invalidLimit: (n) => invalidArgument(`The value ${n} for parameter MaxItems is invalid: it must be between 1 and 100.`),
  });
  return { DistributionList: { Marker: input.Marker ?? '', NextMarker: nextToken, MaxItems: input.MaxItems ?? 100, IsTruncated: nextToken !== undefined, Quantity: page.length, Items: page } };
}

/** One element's text in the XML request body (ListDistributionTenants sends its filter and paging there, not in the URI). */
function bodyElement(body: Buffer, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(body.toString('utf8'));
  return m ? m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&') : undefined;
}

export const cloudfront: SimService = {
  name: 'cloudfront',
  signingName: 'cloudfront',
  protocol: restXml,
  xmlNamespace: 'http://cloudfront.amazonaws.com/doc/2020-05-31/',
  // CloudFront wraps errors in <ErrorResponse> and throttles with a 400 `Throttling`.
  wrappedXmlErrors: true,
  errors: { throttling: { code: 'Throttling', status: 400 }, invalidClientToken: { code: 'InvalidClientTokenId', status: 403 }, unknownOperation: { code: 'InvalidAction', status: 400 } },
  seed: (account, world) => seedCloudFront(account, world),
  operations: [
    operation(ListDistributionsCommand, (input, ctx) => distributionList(cloudFrontState(ctx.account).distributions, input, 'ListDistributions')),
    operation(ListDistributionsByConnectionModeCommand, (input, ctx) => {
      if (input.ConnectionMode !== 'direct' && input.ConnectionMode !== 'tenant-only') throw invalidArgument(`The value ${String(input.ConnectionMode)} for parameter ConnectionMode is invalid: it must be direct or tenant-only.`);
      const all = cloudFrontState(ctx.account).distributions.filter((d) => (d.ConnectionMode ?? 'direct') === input.ConnectionMode);
      return distributionList(all, input, `ListDistributionsByConnectionMode/${input.ConnectionMode}`);
    }),
    operation(ListDistributionTenantsCommand, (_input, ctx) => {
      const state = cloudFrontState(ctx.account);
      const body = ctx.request.body;
      const distributionId = bodyElement(body, 'DistributionId');
      const connectionGroupId = bodyElement(body, 'ConnectionGroupId');
      const maxItems = bodyElement(body, 'MaxItems');
      if (distributionId !== undefined && !state.distributions.some((d) => d.Id === distributionId)) throw new SimError('EntityNotFound', `The distribution ${distributionId} does not exist.`, 404);
      const all = (state.tenants ?? []).filter((t) => (distributionId === undefined || t.DistributionId === distributionId) && (connectionGroupId === undefined || t.ConnectionGroupId === connectionGroupId));
      const { page, nextToken } = paginate(all, {
        token: bodyElement(body, 'Marker'),
        limit: maxItems === undefined ? undefined : Number(maxItems),
        defaultLimit: 100,
        maxLimit: 100,
        scope: `ListDistributionTenants/${distributionId ?? ''}/${connectionGroupId ?? ''}`,
        invalidToken: () => invalidArgument('The parameter Marker is invalid.'),
        invalidLimit: (n) => invalidArgument(`The value ${n} for parameter MaxItems is invalid: it must be between 1 and 100.`),
      });
      return { DistributionTenantList: page, NextMarker: nextToken };
    }),
    // GET /2020-05-31/vpc-origin/{Id}: the VpcOrigin as payload, its ETag as a header; an unknown id is EntityNotFound (404).
    operation(GetVpcOriginCommand, (input, ctx) => {
      const found = cloudFrontState(ctx.account).vpcOrigins.find((v) => v.Id === input.Id);
      if (!found) throw new SimError('EntityNotFound', `The VPC origin ${input.Id} does not exist.`, 404);
      return { VpcOrigin: found, ETag: `E${found.Id!.replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 13)}` };
    }),
  ],
};
