import { DescribeOrganizationCommand, ListAccountsCommand, ListAccountsForParentCommand, ListChildrenCommand, ListParentsCommand, type Account, type Child } from '@aws-sdk/client-organizations';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimOrganization } from '../world.js';
import { paginate } from './paging.js';

function organizationOf(ctx: CallContext): SimOrganization {
  const org = ctx.world.organization;
  if (!org || !org.accountIds.includes(ctx.account.id)) {
    throw new SimError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  }
  return org;
}

function requireManagement(ctx: CallContext, org: SimOrganization): void {
  // A delegated administrator of any service may read the organisation, as AWS Organizations allows.
  const delegated = Object.values(org.delegatedAdministrators ?? {}).includes(ctx.account.id);
  if (org.managementAccountId !== ctx.account.id && !delegated) {
    throw new SimError('AccessDeniedException', `You don't have permissions to access this resource: account ${ctx.account.id} is not the management account of ${org.id}.`);
  }
}

function accountEntry(ctx: CallContext, org: SimOrganization, id: string): Account {
  const a = ctx.world.account(id);
  return {
    Id: id,
    Arn: `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${id}`,
    Email: a?.email,
    Name: a?.name,
    Status: 'ACTIVE',
    State: 'ACTIVE',
    JoinedMethod: id === org.managementAccountId ? 'INVITED' : 'CREATED',
    JoinedTimestamp: new Date(Date.UTC(2023, 0, 15)),
  };
}

const rootOf = (org: SimOrganization) => org.rootId ?? `r-${org.id.slice(2, 6)}`;
const parentOfAccount = (org: SimOrganization, id: string) => org.accountParents?.[id] ?? rootOf(org);
const isParent = (org: SimOrganization, id: string | undefined) => id === rootOf(org) || (org.organizationalUnits ?? []).some((o) => o.id === id);
const parentNotFound = (id: string | undefined) => new SimError('ParentNotFoundException', `We can't find a root or OU with the ParentId ${id ?? '(none)'} that you specified.`);
const pageOpts = (scope: string) => ({
  defaultLimit: 20,
  maxLimit: 20,
  scope,
  invalidToken: () => new SimError('InvalidInputException', 'The provided NextToken is not valid.', 400, { Reason: 'INVALID_NEXT_TOKEN' }),
  invalidLimit: (n: number) => new SimError('InvalidInputException', `MaxResults ${n} must be between 1 and 20.`, 400, { Reason: 'INVALID_PARTY_TYPE_TARGET' }),
});

export const organizations: SimService = {
  name: 'organizations',
  signingName: 'organizations',
  protocol: awsJson1_1,
  errors: { throttling: { code: 'TooManyRequestsException', status: 400 } },
  operations: [
    operation(DescribeOrganizationCommand, (_input, ctx) => {
      const org = organizationOf(ctx);
      const mgmt = ctx.world.account(org.managementAccountId);
      return {
        Organization: {
          Id: org.id,
          Arn: `arn:aws:organizations::${org.managementAccountId}:organization/${org.id}`,
          FeatureSet: 'ALL' as const,
          MasterAccountArn: `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${org.managementAccountId}`,
          MasterAccountId: org.managementAccountId,
          MasterAccountEmail: mgmt?.email,
        },
      };
    }),

    operation(ListAccountsCommand, (input, ctx) => {
      const org = organizationOf(ctx);
      requireManagement(ctx, org);
      const accounts: Account[] = org.accountIds.map((id) => {
        const a = ctx.world.account(id);
        return {
          Id: id,
          Arn: `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${id}`,
          Email: a?.email,
          Name: a?.name,
          Status: 'ACTIVE',
          State: 'ACTIVE',
          JoinedMethod: id === org.managementAccountId ? 'INVITED' : 'CREATED',
          JoinedTimestamp: new Date(Date.UTC(2023, 0, 15)),
        };
      });
      const { page, nextToken } = paginate(accounts, {
        token: input.NextToken,
        limit: input.MaxResults,
        defaultLimit: 20,
        maxLimit: 20,
        scope: 'ListAccounts',
        invalidToken: () => new SimError('InvalidInputException', 'The provided NextToken is not valid.', 400, { Reason: 'INVALID_NEXT_TOKEN' }),
        invalidLimit: (n) => new SimError('InvalidInputException', `MaxResults ${n} must be between 1 and 20.`, 400, { Reason: 'INVALID_PARTY_TYPE_TARGET' }),
      });
      return { Accounts: page, NextToken: nextToken };
    }),

    operation(ListParentsCommand, (input, ctx) => {
      const org = organizationOf(ctx);
      requireManagement(ctx, org);
      const child = input.ChildId ?? '';
      const ou = (org.organizationalUnits ?? []).find((o) => o.id === child);
      const parentId = ou ? ou.parentId : org.accountIds.includes(child) ? parentOfAccount(org, child) : undefined;
      if (!parentId) throw new SimError('ChildNotFoundException', `We can't find an organizational unit (OU) or AWS account with the ChildId ${child} that you specified.`);
      return { Parents: [{ Id: parentId, Type: parentId === rootOf(org) ? ('ROOT' as const) : ('ORGANIZATIONAL_UNIT' as const) }] };
    }),

    operation(ListChildrenCommand, (input, ctx) => {
      const org = organizationOf(ctx);
      requireManagement(ctx, org);
      if (!isParent(org, input.ParentId)) throw parentNotFound(input.ParentId);
      const children: Child[] =
        input.ChildType === 'ACCOUNT'
          ? org.accountIds.filter((id) => parentOfAccount(org, id) === input.ParentId).map((id) => ({ Id: id, Type: 'ACCOUNT' as const }))
          : (org.organizationalUnits ?? []).filter((o) => o.parentId === input.ParentId).map((o) => ({ Id: o.id, Type: 'ORGANIZATIONAL_UNIT' as const }));
      const { page, nextToken } = paginate(children, { token: input.NextToken, limit: input.MaxResults, ...pageOpts(`ListChildren/${input.ParentId}/${input.ChildType}`) });
      return { Children: page, NextToken: nextToken };
    }),

    operation(ListAccountsForParentCommand, (input, ctx) => {
      const org = organizationOf(ctx);
      requireManagement(ctx, org);
      if (!isParent(org, input.ParentId)) throw parentNotFound(input.ParentId);
      const accounts = org.accountIds.filter((id) => parentOfAccount(org, id) === input.ParentId).map((id) => accountEntry(ctx, org, id));
      const { page, nextToken } = paginate(accounts, { token: input.NextToken, limit: input.MaxResults, ...pageOpts(`ListAccountsForParent/${input.ParentId}`) });
      return { Accounts: page, NextToken: nextToken };
    }),
  ],
};
