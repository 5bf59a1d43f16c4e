import type { Instance, Reservation } from '@aws-sdk/client-ec2';

/** Instances that no longer exist for evidence purposes. */
const GONE = new Set(['terminated', 'shutting-down']);

export interface LiveInstance {
  instance: Instance;
  /** `instance i-... (Name tag)`, for reasons an auditor reads. */
  label: string;
  resource: string;
  resourceType: 'AWS::EC2::Instance';
}

/** Every running or stopped instance of DescribeInstances reservations, with its ARN and a readable label. */
export function liveInstances(reservations: readonly Reservation[], ctx: { region: string; accountId: string }): LiveInstance[] {
  const out: LiveInstance[] = [];
  for (const r of reservations) {
    for (const i of r.Instances ?? []) {
      if (GONE.has(i.State?.Name ?? '')) continue;
      const name = i.Tags?.find((t) => t.Key === 'Name')?.Value;
      out.push({ instance: i, label: `instance ${i.InstanceId}${name ? ` (${name})` : ''}`, resource: `arn:aws:ec2:${ctx.region}:${r.OwnerId ?? ctx.accountId}:instance/${i.InstanceId}`, resourceType: 'AWS::EC2::Instance' });
    }
  }
  return out;
}
