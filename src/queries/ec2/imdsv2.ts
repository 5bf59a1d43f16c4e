import type { Instance, Reservation } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence, type ConfigItemFamily } from '../config/aggregate-items.js';
import { liveInstances } from './instances.js';
import { recordedEc2Resource } from './recorded-items.js';

/** DescribeInstances, all pages. */
export interface InstancesEvidence {
  reservations: Reservation[];
}

/**
 * AWS::EC2::Instance configuration items as DescribeInstances evidence, one reservation per instance (a CI names no
 * reservation; the evaluation reads only its owner and instances). A terminated instance's CI is ResourceDeleted and
 * never reaches here; a shutting-down one keeps its state, which the evaluation skips as DescribeInstances' would be.
 */
export const INSTANCE_ITEMS: ConfigItemFamily<InstancesEvidence> = {
  resourceTypes: ['AWS::EC2::Instance'],
  toEvidence: (items) => ({ reservations: items.map((item) => ({ OwnerId: item.accountId, Instances: [recordedEc2Resource<Instance>(item)] })) }),
};

export const imdsv2 = defineQuery<InstancesEvidence | AggregateConfigItemsEvidence>({
  id: 'ec2.imdsv2',
  service: 'ec2',
  title: 'EC2 instances require IMDSv2 session tokens',
  description:
    'Every EC2 instance in the region with its instance metadata options: IMDSv2 required (HttpTokens=required), or the metadata endpoint turned off. IMDSv1 lets a server-side request forgery read the instance role’s credentials.',
  remediation:
    'Require IMDSv2 on the listed instances (`aws ec2 modify-instance-metadata-options --http-tokens required --http-endpoint enabled`) after checking their software uses a current SDK; set the account default for new instances with `aws ec2 modify-instance-metadata-defaults`.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeInstances'],
  async collect(ctx) {
    const { EC2Client, paginateDescribeInstances } = await loadEc2Sdk();
    const reservations: Reservation[] = [];
    for await (const page of paginateDescribeInstances({ client: ctx.clients.get(EC2Client), pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      reservations.push(...(stripMetadata(page).Reservations ?? []));
    }
    return { reservations };
  },
  evaluate: acceptConfigItems(INSTANCE_ITEMS, (data, _params, ctx) => {
    if (!data?.reservations) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeInstances response' }];
    const results: ResourceResult[] = [];
    for (const { instance: i, label, resource, resourceType } of liveInstances(data.reservations, ctx)) {
      const base = { resource, resourceType };
      const m = i.MetadataOptions;
      if (!m) results.push({ ...base, status: 'error', reason: `${label}: the evidence holds no metadata options` });
      else if (m.HttpEndpoint === 'disabled') results.push({ ...base, status: 'pass', reason: `${label} has the instance metadata endpoint turned off` });
      else if (m.HttpTokens === 'required') results.push({ ...base, status: 'pass', reason: `${label} requires IMDSv2 session tokens (hop limit ${m.HttpPutResponseHopLimit ?? 'default'})` });
      else results.push({ ...base, status: 'fail', reason: `${label} (${i.State?.Name ?? 'unknown state'}) accepts IMDSv1 requests without a session token (HttpTokens=${m.HttpTokens ?? 'unset'})` });
    }
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no running or stopped EC2 instances in ${ctx.region}` });
    return results;
  }),
});
