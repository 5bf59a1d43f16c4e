import {
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  type AccountAssignment,
  type InstanceMetadata,
  type PermissionSet,
} from '@aws-sdk/client-sso-admin';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedSsoAdmin } from '../worlds/seed-ssoadmin.js';

/** A permission set with the accounts it is provisioned to and its assignments there. */
export interface SimPermissionSet {
  set: PermissionSet;
  assignments: AccountAssignment[];
}

/** IAM Identity Center as one account sees it in one region: its instance(s) and their permission sets. */
export interface SsoAdminState {
  instances: (InstanceMetadata & { permissionSets: SimPermissionSet[] })[];
}

declare module '../world.js' {
  interface RegionalState {
    ssoadmin: SsoAdminState;
  }
}

export function ssoAdminState(account: SimAccount, region: string): SsoAdminState {
  return account.regional(region, 'ssoadmin', () => ({ instances: [] }));
}

const validation = (message: string) => new SimError('ValidationException', message);
const notFound = (message: string) => new SimError('ResourceNotFoundException', message);

function instance(ctx: CallContext, arn: string | undefined) {
  const i = ssoAdminState(ctx.account, ctx.region).instances.find((x) => x.InstanceArn === arn);
  if (!i) throw notFound(`Instance ${arn ?? ''} does not exist.`);
  return i;
}

function permissionSet(ctx: CallContext, instanceArn: string | undefined, arn: string | undefined): SimPermissionSet {
  const p = instance(ctx, instanceArn).permissionSets.find((x) => x.set.PermissionSetArn === arn);
  if (!p) throw notFound(`PermissionSet ${arn ?? ''} does not exist.`);
  return p;
}

const limits = (scope: string, token: string | undefined, limit: number | undefined) => ({
  token,
  limit,
  defaultLimit: 100,
  maxLimit: 100,
  scope,
  invalidToken: () => validation('The pagination token is invalid.'),
  invalidLimit: (n: number) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`),
});

export const ssoadmin: SimService = {
  name: 'sso',
  signingName: 'sso',
  protocol: awsJson1_1,
  errors: { throttling: { code: 'ThrottlingException', status: 400 }, serverError: { code: 'InternalServerException', status: 500 } },
  seed: (account, world) => seedSsoAdmin(account, world),
  operations: [
    operation(ListInstancesCommand, (input, ctx) => {
      const all = ssoAdminState(ctx.account, ctx.region).instances.map(({ permissionSets: _sets, ...meta }) => meta);
      const { page, nextToken } = paginate(all, limits('ListInstances', input.NextToken, input.MaxResults));
      return { Instances: page, NextToken: nextToken };
    }),

    operation(ListPermissionSetsCommand, (input, ctx) => {
      const arns = instance(ctx, input.InstanceArn).permissionSets.map((p) => p.set.PermissionSetArn!);
      const { page, nextToken } = paginate(arns, limits(`ListPermissionSets/${input.InstanceArn}`, input.NextToken, input.MaxResults));
      return { PermissionSets: page, NextToken: nextToken };
    }),

    operation(DescribePermissionSetCommand, (input, ctx) => ({ PermissionSet: permissionSet(ctx, input.InstanceArn, input.PermissionSetArn).set })),

    operation(ListAccountsForProvisionedPermissionSetCommand, (input, ctx) => {
      const p = permissionSet(ctx, input.InstanceArn, input.PermissionSetArn);
      const accounts = [...new Set(p.assignments.map((a) => a.AccountId!))];
      const { page, nextToken } = paginate(accounts, limits(`ListAccountsForProvisionedPermissionSet/${input.PermissionSetArn}`, input.NextToken, input.MaxResults));
      return { AccountIds: page, NextToken: nextToken };
    }),

    operation(ListAccountAssignmentsCommand, (input, ctx) => {
      if (!/^\d{12}$/.test(input.AccountId ?? '')) throw validation(`1 validation error detected: Value '${input.AccountId ?? ''}' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}`);
      const p = permissionSet(ctx, input.InstanceArn, input.PermissionSetArn);
      const list = p.assignments.filter((a) => a.AccountId === input.AccountId);
      const { page, nextToken } = paginate(list, limits(`ListAccountAssignments/${input.AccountId}/${input.PermissionSetArn}`, input.NextToken, input.MaxResults));
      return { AccountAssignments: page, NextToken: nextToken };
    }),
  ],
};
