import { GetVpcOriginCommand, ListDistributionsCommand, type DistributionSummary, type VpcOrigin } from '@aws-sdk/client-cloudfront';
import { restXml } from '../protocols/wire.js';
import { operation, SimError, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedCloudFront } from '../worlds/seed-cloudfront.js';

/** CloudFront is global: one set of distributions per account, whichever region signs the request. */
export interface CloudFrontState {
  distributions: DistributionSummary[];
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
    operation(ListDistributionsCommand, (input, ctx) => {
      const all = cloudFrontState(ctx.account).distributions;
      const { page, nextToken } = paginate(all, {
        token: input.Marker,
        limit: input.MaxItems,
        defaultLimit: 100,
        maxLimit: 100,
        scope: 'ListDistributions',
        invalidToken: () => invalidArgument('The parameter Marker is invalid.'),
        invalidLimit: (n) => invalidArgument(`The value ${n} for parameter MaxItems is invalid: it must be between 1 and 100.`),
      });
      return {
        DistributionList: { Marker: input.Marker ?? '', NextMarker: nextToken, MaxItems: input.MaxItems ?? 100, IsTruncated: nextToken !== undefined, Quantity: page.length, Items: page },
      };
    }),
    // GET /2020-05-31/vpc-origin/{Id}: the VpcOrigin as payload, its ETag as a header; an unknown id is EntityNotFound (404).
    operation(GetVpcOriginCommand, (input, ctx) => {
      const found = cloudFrontState(ctx.account).vpcOrigins.find((v) => v.Id === input.Id);
      if (!found) throw new SimError('EntityNotFound', `The VPC origin ${input.Id} does not exist.`, 404);
      return { VpcOrigin: found, ETag: `E${found.Id!.replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 13)}` };
    }),
  ],
};
