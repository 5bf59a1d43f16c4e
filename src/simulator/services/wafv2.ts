import { GetLoggingConfigurationCommand, ListResourcesForWebACLCommand, ListWebACLsCommand, type LoggingConfiguration, type Scope, type WebACLSummary } from '@aws-sdk/client-wafv2';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedWafv2 } from '../worlds/seed-wafv2.js';

/** One web ACL: its summary, the resources associated with it (ARNs) and its logging configuration, if any. */
export interface SimWebAcl {
  summary: WebACLSummary;
  resources: string[];
  logging?: LoggingConfiguration;
}

/** AWS WAF in one account and region; CLOUDFRONT-scope web ACLs live in us-east-1's state, as AWS serves them only there. */
export interface Wafv2State {
  regional: SimWebAcl[];
  cloudfront: SimWebAcl[];
}

declare module '../world.js' {
  interface RegionalState {
    wafv2: Wafv2State;
  }
}

export function wafv2State(account: SimAccount, region: string): Wafv2State {
  return account.regional(region, 'wafv2', () => ({ regional: [], cloudfront: [] }));
}

const nonexistent = () => new SimError('WAFNonexistentItemException', 'AWS WAF couldn’t perform the operation because your resource doesn’t exist.');
const invalidParameter = (field: string, parameter: string, reason: string) =>
  new SimError('WAFInvalidParameterException', `Error reason: ${reason}, field: ${field}, parameter: ${parameter}`, 400, { Field: field, Parameter: parameter, Reason: reason });

/** The web ACLs of a scope; CLOUDFRONT is refused outside us-east-1 as AWS WAF refuses it. */
function aclsOf(ctx: CallContext, scope: Scope | undefined): SimWebAcl[] {
  if (scope === 'CLOUDFRONT') {
    if (ctx.region !== 'us-east-1') throw invalidParameter('SCOPE_VALUE', 'CLOUDFRONT', 'The scope is not valid. CLOUDFRONT is only available in us-east-1.');
    return wafv2State(ctx.account, ctx.region).cloudfront;
  }
  if (scope === 'REGIONAL') return wafv2State(ctx.account, ctx.region).regional;
  throw invalidParameter('SCOPE_VALUE', String(scope), 'The scope is not valid');
}

function findAcl(ctx: CallContext, arn: string | undefined): SimWebAcl {
  const s = wafv2State(ctx.account, ctx.region);
  const acl = [...s.regional, ...s.cloudfront].find((a) => a.summary.ARN === arn);
  if (!acl) throw nonexistent();
  return acl;
}

/** The resource type an associated resource's ARN shows (ListResourcesForWebACL filters by it). */
function resourceTypeOf(arn: string): string {
  if (arn.includes(':loadbalancer/app/')) return 'APPLICATION_LOAD_BALANCER';
  if (arn.includes(':apigateway:')) return 'API_GATEWAY';
  if (arn.includes(':appsync:')) return 'APPSYNC';
  if (arn.includes(':cognito-idp:')) return 'COGNITO_USER_POOL';
  return 'OTHER';
}

export const wafv2: SimService = {
  name: 'wafv2',
  signingName: 'wafv2',
  protocol: awsJson1_1,
  errors: { accessDenied: { code: 'AccessDeniedException', status: 400 } },
  seed: (account, world) => seedWafv2(account, world),
  operations: [
    operation(ListWebACLsCommand, (input, ctx) => {
      const acls = aclsOf(ctx, input.Scope);
      const { page, nextToken } = paginate(
        acls.map((a) => a.summary),
        {
          token: input.NextMarker,
          limit: input.Limit,
          defaultLimit: 100,
          maxLimit: 100,
          scope: `ListWebACLs/${input.Scope}`,
          invalidToken: () => invalidParameter('NEXT_MARKER', input.NextMarker ?? '', 'The marker is not valid'),
          invalidLimit: (n) => invalidParameter('LIMIT', String(n), 'Your limit must be between 1 and 100'),
        },
      );
      return { WebACLs: page, NextMarker: nextToken };
    }),

    operation(ListResourcesForWebACLCommand, (input, ctx) => {
      const acl = findAcl(ctx, input.WebACLArn);
      const type = input.ResourceType ?? 'APPLICATION_LOAD_BALANCER';
      return { ResourceArns: acl.resources.filter((r) => resourceTypeOf(r) === type) };
    }),

    operation(GetLoggingConfigurationCommand, (input, ctx) => {
      const acl = findAcl(ctx, input.ResourceArn);
      if (!acl.logging) throw nonexistent();
      return { LoggingConfiguration: acl.logging };
    }),
  ],
};
