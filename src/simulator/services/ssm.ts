import {
  DescribeInstanceInformationCommand,
  DescribeInstancePatchStatesCommand,
  GetPatchBaselineCommand,
  ListResourceComplianceSummariesCommand,
  type ComplianceStringFilter,
  type GetPatchBaselineResult,
  type InstanceInformation,
  type InstancePatchState,
  type ResourceComplianceSummaryItem,
} from '@aws-sdk/client-ssm';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedSsm } from '../worlds/seed-ssm.js';

/**
 * Systems Manager in one account and region: managed nodes, their compliance summaries (Patch and others), the patch
 * states AWS-RunPatchBaseline recorded, and the patch baselines (custom ones and the AWS-provided ones, by ARN).
 */
export interface SsmState {
  instances: InstanceInformation[];
  complianceSummaries: ResourceComplianceSummaryItem[];
  patchStates: InstancePatchState[];
  baselines: GetPatchBaselineResult[];
}

declare module '../world.js' {
  interface RegionalState {
    ssm: SsmState;
  }
}

export function ssmState(account: SimAccount, region: string): SsmState {
  return account.regional(region, 'ssm', () => ({ instances: [], complianceSummaries: [], patchStates: [], baselines: [] }));
}

const state = (ctx: CallContext) => ssmState(ctx.account, ctx.region);
const invalidNextToken = () => new SimError('InvalidNextToken', 'The specified token is not valid.');
const validation = (message: string) => new SimError('ValidationException', message);

/** The compliance filter keys the simulator understands; SSM refuses unknown keys the same way. */
function matchesFilter(item: ResourceComplianceSummaryItem, f: ComplianceStringFilter): boolean {
  const values = f.Values ?? [];
  let actual: string | undefined;
  if (f.Key === 'ComplianceType') actual = item.ComplianceType;
  else if (f.Key === 'Status') actual = item.Status;
  else if (f.Key === 'ResourceId') actual = item.ResourceId;
  else if (f.Key === 'ResourceType') actual = item.ResourceType;
  else throw validation(`The compliance filter key ${f.Key ?? '(none)'} is not supported by the simulated Systems Manager.`);
  const hit = values.includes(actual ?? '');
  if (f.Type === undefined || f.Type === 'EQUAL') return hit;
  if (f.Type === 'NOT_EQUAL') return !hit;
  throw validation(`The compliance filter type ${f.Type} is not supported by the simulated Systems Manager.`);
}

export const ssm: SimService = {
  name: 'ssm',
  signingName: 'ssm',
  protocol: awsJson1_1,
  seed: (account, world) => seedSsm(account, world),
  operations: [
    operation(DescribeInstanceInformationCommand, (input, ctx) => {
      if (input.InstanceInformationFilterList?.length || input.Filters?.length) {
        throw validation('Instance information filters are not supported by the simulated Systems Manager.');
      }
      const { page, nextToken } = paginate(state(ctx).instances, {
        token: input.NextToken,
        limit: input.MaxResults,
        defaultLimit: 10,
        maxLimit: 50,
        scope: 'DescribeInstanceInformation',
        invalidToken: invalidNextToken,
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`),
      });
      return { InstanceInformationList: page, NextToken: nextToken };
    }),

    operation(ListResourceComplianceSummariesCommand, (input, ctx) => {
      const filters = input.Filters ?? [];
      const items = state(ctx).complianceSummaries.filter((i) => filters.every((f) => matchesFilter(i, f)));
      const { page, nextToken } = paginate(items, {
        token: input.NextToken,
        limit: input.MaxResults,
        defaultLimit: 50,
        maxLimit: 50,
        scope: `ListResourceComplianceSummaries/${JSON.stringify(filters)}`,
        invalidToken: invalidNextToken,
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50`),
      });
      return { ResourceComplianceSummaryItems: page, NextToken: nextToken };
    }),

    // InstanceIds: required, 0 to 50 ids matching (^i-(\w{8}|\w{17})$)|(^mi-\w{17}$); MaxResults 10 to 100.
    operation(DescribeInstancePatchStatesCommand, (input, ctx) => {
      const ids = input.InstanceIds;
      if (!ids) throw validation("1 validation error detected: Value null at 'instanceIds' failed to satisfy constraint: Member must not be null");
      if (ids.length > 50) throw validation("1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50");
      const bad = ids.find((id) => !/^i-(\w{8}|\w{17})$|^mi-\w{17}$/.test(id));
      if (bad !== undefined) throw validation(`1 validation error detected: Value '[${bad}]' at 'instanceIds' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)]`);
      const tooFew = input.MaxResults !== undefined && input.MaxResults < 10;
      const tooMany = (n: number) => validation(`1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value ${tooFew ? 'greater than or equal to 10' : 'less than or equal to 100'}`);
      if (tooFew) throw tooMany(input.MaxResults!);
      const wanted = new Set(ids);
      const { page, nextToken } = paginate(
        state(ctx).patchStates.filter((st) => wanted.has(st.InstanceId ?? '')),
        { token: input.NextToken, limit: input.MaxResults, defaultLimit: 10, maxLimit: 100, scope: `DescribeInstancePatchStates/${ids.join(',')}`, invalidToken: invalidNextToken, invalidLimit: tooMany },
      );
      return { InstancePatchStates: page, NextToken: nextToken };
    }),

    // BaselineId: 20 to 128 characters of [a-zA-Z0-9_\-:/]; an AWS-provided baseline is named by its ARN.
    operation(GetPatchBaselineCommand, (input, ctx) => {
      const id = input.BaselineId ?? '';
      if (!/^[a-zA-Z0-9_\-:/]{20,128}$/.test(id)) throw validation(`1 validation error detected: Value '${id}' at 'baselineId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-:/]{20,128}$`);
      const b = state(ctx).baselines.find((x) => x.BaselineId === id);
      if (!b) throw new SimError('DoesNotExistException', `Patch Baseline ${id} does not exist.`);
      return structuredClone(b);
    }),
  ],
};
