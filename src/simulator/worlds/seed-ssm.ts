/** Systems Manager state of the demo account and generated accounts: managed instances and their patch compliance. */
import type { GetPatchBaselineResult, InstanceInformation, InstancePatchState, ResourceComplianceSummaryItem, SeveritySummary } from '@aws-sdk/client-ssm';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { ec2State } from '../services/ec2.js';
import { ssmState } from '../services/ssm.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

function severities(counts: Partial<Record<'critical' | 'high' | 'medium' | 'low', number>>): SeveritySummary {
  return { CriticalCount: counts.critical ?? 0, HighCount: counts.high ?? 0, MediumCount: counts.medium ?? 0, LowCount: counts.low ?? 0, InformationalCount: 0, UnspecifiedCount: 0 };
}

interface PatchState {
  scannedDaysAgo: number;
  installed: number;
  missing?: Partial<Record<'critical' | 'high' | 'medium' | 'low', number>>;
}

function patchSummary(instanceId: string, now: Date, p: PatchState): ResourceComplianceSummaryItem {
  const missing = p.missing ?? {};
  const missingCount = (missing.critical ?? 0) + (missing.high ?? 0) + (missing.medium ?? 0) + (missing.low ?? 0);
  const overall = missing.critical ? 'CRITICAL' : missing.high ? 'HIGH' : missing.medium ? 'MEDIUM' : missing.low ? 'LOW' : 'UNSPECIFIED';
  return {
    ComplianceType: 'Patch',
    ResourceType: 'ManagedInstance',
    ResourceId: instanceId,
    Status: missingCount ? 'NON_COMPLIANT' : 'COMPLIANT',
    OverallSeverity: overall,
    ExecutionSummary: { ExecutionTime: new Date(now.getTime() - p.scannedDaysAgo * DAY), ExecutionId: `${stableHex(`${instanceId}/patch-scan`, 8)}-${stableHex(instanceId, 4)}-4${stableHex('scan', 3)}-a${stableHex(instanceId + 'x', 3)}-${stableHex(`${instanceId}/run`, 12)}`, ExecutionType: 'Command' },
    CompliantSummary: { CompliantCount: p.installed, SeveritySummary: severities({ critical: Math.floor(p.installed / 10), high: Math.floor(p.installed / 4), medium: Math.floor(p.installed / 3) }) },
    NonCompliantSummary: { NonCompliantCount: missingCount, SeveritySummary: severities(missing) },
  };
}

/**
 * The AWS-provided Amazon Linux 2023 baseline as GetPatchBaseline returns it (named by ARN; the owner account is the
 * simulator's stand-in for AWS's): Security patches of Critical or Important severity and Bugfix patches, 7 days after
 * release.
 */
function amazonLinux2023Default(region: string): GetPatchBaselineResult {
  return {
    BaselineId: `arn:aws:ssm:${region}:000000000000:patchbaseline/pb-0${stableHex(`${region}/AL2023`, 16)}`,
    Name: 'AWS-AmazonLinux2023DefaultPatchBaseline',
    OperatingSystem: 'AMAZON_LINUX_2023',
    GlobalFilters: { PatchFilters: [] },
    ApprovalRules: {
      PatchRules: [
        { PatchFilterGroup: { PatchFilters: [{ Key: 'PRODUCT', Values: ['*'] }, { Key: 'CLASSIFICATION', Values: ['Security'] }, { Key: 'SEVERITY', Values: ['Critical', 'Important'] }] }, ComplianceLevel: 'UNSPECIFIED', ApproveAfterDays: 7, EnableNonSecurity: false },
        { PatchFilterGroup: { PatchFilters: [{ Key: 'PRODUCT', Values: ['*'] }, { Key: 'CLASSIFICATION', Values: ['Bugfix'] }] }, ComplianceLevel: 'UNSPECIFIED', ApproveAfterDays: 7, EnableNonSecurity: false },
      ],
    },
    ApprovedPatches: [],
    ApprovedPatchesComplianceLevel: 'UNSPECIFIED',
    ApprovedPatchesEnableNonSecurity: false,
    RejectedPatches: [],
    RejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
    PatchGroups: [],
    CreatedDate: new Date('2023-03-15T00:00:00Z'),
    ModifiedDate: new Date('2023-03-15T00:00:00Z'),
    Description: 'Default Patch Baseline for Amazon Linux 2023 Provided by AWS.',
    Sources: [],
  };
}

/** The patch state AWS-RunPatchBaseline records with the scan that produced the Patch compliance summary. */
function patchState(instanceId: string, baselineId: string, now: Date, p: PatchState): InstancePatchState {
  const missing = p.missing ?? {};
  const missingCount = (missing.critical ?? 0) + (missing.high ?? 0) + (missing.medium ?? 0) + (missing.low ?? 0);
  const end = new Date(now.getTime() - p.scannedDaysAgo * DAY);
  return {
    InstanceId: instanceId,
    PatchGroup: '',
    BaselineId: baselineId,
    SnapshotId: `${stableHex(`${instanceId}/snapshot`, 8)}-${stableHex(instanceId, 4)}-4${stableHex('snap', 3)}-a${stableHex(instanceId + 's', 3)}-${stableHex(`${instanceId}/snap`, 12)}`,
    InstalledCount: p.installed,
    InstalledOtherCount: 12,
    InstalledPendingRebootCount: 0,
    InstalledRejectedCount: 0,
    MissingCount: missingCount,
    FailedCount: 0,
    UnreportedNotApplicableCount: 0,
    NotApplicableCount: 830,
    OperationStartTime: new Date(end.getTime() - 4 * 60_000),
    OperationEndTime: end,
    Operation: 'Scan',
    RebootOption: 'NoReboot',
    // The AWS-provided baseline assigns compliance level Unspecified (none counts as Critical); the missing patches are
    // the security advisories it approves.
    CriticalNonCompliantCount: 0,
    SecurityNonCompliantCount: missingCount,
    OtherNonCompliantCount: 0,
  };
}

function managed(instanceId: string, ip: string | undefined, now: Date, online = true): InstanceInformation {
  return {
    InstanceId: instanceId,
    PingStatus: online ? 'Online' : 'ConnectionLost',
    LastPingDateTime: new Date(now.getTime() - (online ? 5 * 60_000 : 9 * DAY)),
    AgentVersion: '3.3.1142.0',
    IsLatestVersion: false,
    PlatformType: 'Linux',
    PlatformName: 'Amazon Linux',
    PlatformVersion: '2023',
    ResourceType: 'EC2Instance',
    IPAddress: ip,
    ComputerName: `ip-${(ip ?? '10.0.0.1').replace(/\./g, '-')}.ec2.internal`,
    AssociationStatus: 'Success',
  };
}

/**
 * Demo: the home region's API instance is managed and fully patched; the legacy batch host is managed but misses
 * critical and high patches; the second region's API instance is not managed by Systems Manager at all (no patch
 * evidence). Generated accounts: every instance managed and patched. Every instance is scanned against the AWS-provided
 * Amazon Linux 2023 baseline, and each scan leaves its patch state beside the compliance summary.
 */
export function seedSsm(account: SimAccount, world: WorldSeedContext): void {
  world.regions.forEach((region, i) => {
    const s = ssmState(account, region);
    const baseline = amazonLinux2023Default(region);
    s.baselines.push(baseline);
    const instances = (account.regions.get(region)?.ec2 ? ec2State(account, region).reservations : []).flatMap((r) => r.Instances ?? []);
    for (const inst of instances) {
      const id = inst.InstanceId!;
      const name = inst.Tags?.find((t) => t.Key === 'Name')?.Value ?? '';
      if (world.kind === 'demo' && i !== 0) continue;
      s.instances.push(managed(id, inst.PrivateIpAddress, world.now));
      const state: PatchState = world.kind === 'demo' && name === 'legacy-batch' ? { scannedDaysAgo: 1, installed: 212, missing: { critical: 2, high: 5, medium: 9 } } : { scannedDaysAgo: 1, installed: 184 };
      s.complianceSummaries.push(patchSummary(id, world.now, state));
      s.patchStates.push(patchState(id, baseline.BaselineId!, world.now, state));
    }
  });
}
