import type { FlowLog, Vpc } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** DescribeVpcs and DescribeFlowLogs, all pages. */
export interface FlowLogsEvidence {
  vpcs: Vpc[];
  flowLogs: FlowLog[];
}

/** `ALL traffic to CloudWatch Logs group /vpc/flow (fl-0123)`, naming where the records go. */
function describeFlowLog(f: FlowLog): string {
  const type = f.LogDestinationType ?? (f.LogGroupName ? 'cloud-watch-logs' : 'unknown destination type');
  const where =
    type === 'cloud-watch-logs' ? `CloudWatch Logs group ${f.LogGroupName ?? f.LogDestination ?? '(unnamed)'}` : type === 's3' ? `S3 ${f.LogDestination ?? '(unnamed bucket)'}` : type === 'kinesis-data-firehose' ? `Firehose stream ${f.LogDestination ?? '(unnamed)'}` : `${type} ${f.LogDestination ?? ''}`.trim();
  return `${f.TrafficType ?? 'unstated'} traffic to ${where} (${f.FlowLogId})`;
}

/**
 * The fields a record needs to say who talked to whom, how, when and with what outcome. A flow log's records hold only
 * the fields of its LogFormat (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html); DescribeFlowLogs
 * returns the format as set, the default one as its full field list.
 */
const REQUIRED_FIELDS = ['srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'action', 'start', 'end'];

/** The fields a flow log's records hold and the required ones they lack; undefined when the evidence has no LogFormat. */
function recordFields(f: FlowLog): { fields: string[]; missing: string[] } | undefined {
  if (typeof f.LogFormat !== 'string') return undefined;
  const fields = [...f.LogFormat.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);
  return { fields, missing: REQUIRED_FIELDS.filter((r) => !fields.includes(r)) };
}

/** Why a flow log's records cannot show a connection, or undefined when they hold every required field. */
function formatGap(f: FlowLog): string | undefined {
  const format = recordFields(f);
  if (!format) return `flow log ${f.FlowLogId}: the evidence does not hold its LogFormat, so which fields its records hold is unknown`;
  if (!format.missing.length) return undefined;
  return `flow log ${f.FlowLogId} records only: ${format.fields.length ? format.fields.join(' ') : '(no fields)'}; missing: ${format.missing.join(', ')}`;
}

export const flowLogs = defineQuery<FlowLogsEvidence>({
  id: 'ec2.flow-logs',
  service: 'ec2',
  title: 'Every VPC has an active flow log recording all traffic',
  description:
    'Every VPC in the region with the flow logs attached to it: where their records are delivered (CloudWatch Logs group, S3 bucket or Firehose stream), which traffic they record (accepted, rejected or all) and whether delivery works. A VPC passes with an active flow log of all traffic whose delivery has not failed and whose record format (LogFormat) holds the source and destination addresses and ports, protocol, action and start and end times; a flow log of accepted or rejected traffic only, or whose custom format lacks one of those fields (or is not in the evidence), needs review; none, or only failing ones, fails. Flow logs record connection metadata (addresses, ports, bytes, accept/reject), not payloads or the user behind a connection, and this shows that records are produced, not that anyone reviews or retains them.',
  remediation:
    'Create a flow log on each VPC recording ALL traffic to a CloudWatch Logs group or S3 bucket with the retention the logging policy requires (`aws ec2 create-flow-logs --resource-type VPC --traffic-type ALL`), and fix the delivery role or bucket policy of any flow log whose delivery fails.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeVpcs', 'ec2:DescribeFlowLogs'],
  async collect(ctx) {
    const { EC2Client, paginateDescribeVpcs, paginateDescribeFlowLogs } = await loadEc2Sdk();
    const client = ctx.clients.get(EC2Client);
    const vpcs: Vpc[] = [];
    for await (const page of paginateDescribeVpcs({ client, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      vpcs.push(...(stripMetadata(page).Vpcs ?? []));
    }
    const flowLogs: FlowLog[] = [];
    for await (const page of paginateDescribeFlowLogs({ client, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      flowLogs.push(...(stripMetadata(page).FlowLogs ?? []));
    }
    return { vpcs, flowLogs };
  },
  evaluate(data, _params, ctx) {
    if (!data?.vpcs || !data.flowLogs) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeVpcs or DescribeFlowLogs response' }];
    const vpcIds = new Set(data.vpcs.map((v) => v.VpcId));
    // Flow logs on subnets, interfaces or transit gateways cover only part of a VPC's traffic; they are counted, not credited.
    const partial = data.flowLogs.filter((f) => !vpcIds.has(f.ResourceId)).length;
    const partialText = partial ? `; ${partial} flow log${partial > 1 ? 's' : ''} on subnets, interfaces or transit gateways in the region cover only part of a VPC's traffic and are not credited` : '';
    const results: ResourceResult[] = data.vpcs.map((v) => {
      const base = { resource: `arn:aws:ec2:${ctx.region}:${v.OwnerId ?? ctx.accountId}:vpc/${v.VpcId}`, resourceType: 'AWS::EC2::VPC' };
      const label = `VPC ${v.VpcId} (${v.CidrBlock ?? 'no IPv4 range'}${v.IsDefault ? ', the default VPC' : ''})`;
      const attached = data.flowLogs.filter((f) => f.ResourceId === v.VpcId);
      const working = attached.filter((f) => f.FlowLogStatus === 'ACTIVE' && f.DeliverLogsStatus !== 'FAILED');
      const broken = attached.filter((f) => !working.includes(f)).map((f) => `${describeFlowLog(f)}: status ${f.FlowLogStatus ?? 'unstated'}, delivery ${f.DeliverLogsStatus ?? 'unstated'}${f.DeliverLogsErrorMessage ? ` (${f.DeliverLogsErrorMessage})` : ''}`);
      const brokenText = broken.length ? `; not working: ${broken.join('; ')}` : '';
      const allTraffic = working.filter((f) => f.TrafficType === 'ALL');
      const full = allTraffic.filter((f) => !formatGap(f));
      const gaps = working.map(formatGap).filter((g): g is string => !!g);
      const gapText = gaps.length ? `; ${gaps.join('; ')}` : '';
      if (full.length) return { ...base, status: 'pass' as const, reason: `${label} has an active flow log of ${full.map(describeFlowLog).join(' and ')} whose records hold addresses, ports, protocol, action and time${gapText}${brokenText}` };
      if (allTraffic.length) {
        return { ...base, status: 'needs-review' as const, reason: `${label} has active flow logs of ${allTraffic.map(describeFlowLog).join(' and ')}, but their records cannot show who connected to what: ${gaps.join('; ')}${brokenText}` };
      }
      if (working.length) {
        return { ...base, status: 'needs-review' as const, reason: `${label} has active flow logs of ${working.map(describeFlowLog).join(' and ')} only: the other traffic is not recorded${gapText}${brokenText}` };
      }
      if (broken.length) return { ...base, status: 'fail' as const, reason: `${label} has no working flow log${brokenText}` };
      return { ...base, status: 'fail' as const, reason: `${label} has no flow log: no record of its network traffic is produced${partialText}` };
    });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no VPCs in ${ctx.region}` });
    return results;
  },
});
