import type { Reservation } from '@aws-sdk/client-ec2';
import type { InstanceInformation, ResourceComplianceSummaryItem } from '@aws-sdk/client-ssm';
import { loadEc2Sdk, loadSsmSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';
import { liveInstances } from '../ec2/instances.js';

/** DescribeInstances, DescribeInstanceInformation and the Patch compliance summaries, all pages. */
export interface PatchComplianceEvidence {
  reservations: Reservation[];
  managedInstances: InstanceInformation[];
  patchSummaries: ResourceComplianceSummaryItem[];
}

const DAY = 86_400_000;

function missingText(item: ResourceComplianceSummaryItem): { critical: number; high: number; text: string } {
  const s = item.NonCompliantSummary?.SeveritySummary ?? {};
  const parts = [
    ['critical', s.CriticalCount],
    ['high', s.HighCount],
    ['medium', s.MediumCount],
    ['low', s.LowCount],
    ['informational', s.InformationalCount],
    ['unspecified', s.UnspecifiedCount],
  ]
    .filter(([, n]) => Number(n) > 0)
    .map(([k, n]) => `${n} ${k}`);
  return { critical: s.CriticalCount ?? 0, high: s.HighCount ?? 0, text: parts.join(', ') || `${item.NonCompliantSummary?.NonCompliantCount ?? 0} of unstated severity` };
}

export const patchCompliance = defineQuery<PatchComplianceEvidence>({
  id: 'ssm.patch-compliance',
  service: 'ssm',
  title: 'EC2 instances report patch compliance through Systems Manager, with no missing critical or high patches',
  description:
    'Every EC2 instance in the region beside Systems Manager’s view of it: whether it is a managed node, and the Patch compliance summary Patch Manager recorded at its last scan (patches missing by severity, when it scanned). Compliance is judged against the instance’s patch baseline, so it is only as strict as that baseline’s approval rules.',
  remediation:
    'Bring every instance under Systems Manager (SSM Agent and an instance profile with AmazonSSMManagedInstanceCore), scan and install with Patch Manager (a patch policy in Quick Setup or AWS-RunPatchBaseline on a schedule), and set the baseline to approve critical and high security patches within the organisation’s patch window.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation', 'ssm:ListResourceComplianceSummaries'],
  parameters: {
    maxScanAgeDays: { description: 'A patch scan older than this many days no longer shows the current state (PCI DSS 6.3.3: critical patches within one month of release).', default: 30 },
  },
  async collect(ctx) {
    const [{ EC2Client, paginateDescribeInstances }, { SSMClient, paginateDescribeInstanceInformation, paginateListResourceComplianceSummaries }] = await Promise.all([loadEc2Sdk(), loadSsmSdk()]);
    const reservations: Reservation[] = [];
    for await (const page of paginateDescribeInstances({ client: ctx.clients.get(EC2Client), pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      reservations.push(...(stripMetadata(page).Reservations ?? []));
    }
    const ssm = ctx.clients.get(SSMClient);
    const managedInstances: InstanceInformation[] = [];
    for await (const page of paginateDescribeInstanceInformation({ client: ssm, pageSize: 50 }, {})) {
      ctx.signal?.throwIfAborted();
      managedInstances.push(...(stripMetadata(page).InstanceInformationList ?? []));
    }
    const patchSummaries: ResourceComplianceSummaryItem[] = [];
    for await (const page of paginateListResourceComplianceSummaries({ client: ssm, pageSize: 50 }, { Filters: [{ Key: 'ComplianceType', Values: ['Patch'], Type: 'EQUAL' }] })) {
      ctx.signal?.throwIfAborted();
      patchSummaries.push(...(stripMetadata(page).ResourceComplianceSummaryItems ?? []));
    }
    return { reservations, managedInstances, patchSummaries };
  },
  evaluate(data, params, ctx) {
    if (!data?.reservations || !data.managedInstances || !data.patchSummaries) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks DescribeInstances, DescribeInstanceInformation or ListResourceComplianceSummaries responses' }];
    }
    const maxAge = Number(params.maxScanAgeDays ?? 30);
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const nodes = new Map(data.managedInstances.map((n) => [n.InstanceId, n]));
    const patches = new Map(data.patchSummaries.filter((p) => p.ComplianceType === 'Patch').map((p) => [p.ResourceId, p]));
    const results: ResourceResult[] = [];
    for (const { instance: i, label, resource, resourceType } of liveInstances(data.reservations, ctx)) {
      const base = { resource, resourceType };
      const node = nodes.get(i.InstanceId);
      const summary = patches.get(i.InstanceId);
      if (!node) {
        results.push({ ...base, status: 'fail', reason: `${label} is not a Systems Manager managed node: AWS holds no patch compliance record for it` });
        continue;
      }
      if (!summary) {
        results.push({ ...base, status: 'fail', reason: `${label} is managed by Systems Manager but has no Patch compliance data: it has never been scanned against a patch baseline` });
        continue;
      }
      const scanned = toDate(summary.ExecutionSummary?.ExecutionTime);
      const ageMs = scanned ? now - scanned.getTime() : undefined;
      const when = scanned && ageMs !== undefined ? `last patch scan ${scanned.toISOString().slice(0, 10)} (${Math.floor(ageMs / DAY)} days before collection)` : 'scan time not recorded';
      const agent = node.PingStatus && node.PingStatus !== 'Online' ? `; SSM Agent ${node.PingStatus}` : '';
      if (summary.Status === 'NON_COMPLIANT') {
        const m = missingText(summary);
        const severe = m.critical + m.high > 0 || summary.OverallSeverity === 'CRITICAL' || summary.OverallSeverity === 'HIGH';
        results.push({ ...base, status: severe ? 'fail' : 'needs-review', reason: `${label} misses patches its baseline approves: ${m.text}; ${when}${agent}` });
      } else if (ageMs === undefined || ageMs > maxAge * DAY) {
        results.push({ ...base, status: 'needs-review', reason: `${label} was compliant with its patch baseline at a scan older than ${maxAge} days: ${when}${agent}` });
      } else if (summary.Status === 'COMPLIANT') {
        results.push({ ...base, status: 'pass', reason: `${label} has every patch its baseline approves (${summary.CompliantSummary?.CompliantCount ?? 0} installed); ${when}${agent}` });
      } else {
        results.push({ ...base, status: 'error', reason: `${label}: Patch compliance status ${summary.Status ?? 'missing'} is not one this query knows` });
      }
    }
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no running or stopped EC2 instances in ${ctx.region}` });
    return results;
  },
});
