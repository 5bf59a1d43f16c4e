import type { Reservation } from '@aws-sdk/client-ec2';
import type { GetPatchBaselineCommandOutput, InstanceInformation, InstancePatchState, PatchFilter, PatchRule, ResourceComplianceSummaryItem } from '@aws-sdk/client-ssm';
import { loadEc2Sdk, loadSsmSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type ResourceResult } from '../types.js';
import { liveInstances } from '../ec2/instances.js';

export type PatchBaseline = Omit<GetPatchBaselineCommandOutput, '$metadata'>;

/**
 * DescribeInstances, DescribeInstanceInformation and the Patch compliance summaries, all pages; the patch state
 * AWS-RunPatchBaseline recorded for each managed instance and the patch baseline it named. `patchStates` and
 * `baselines` are absent in evidence sealed before this query read them.
 */
export interface PatchComplianceEvidence {
  reservations: Reservation[];
  managedInstances: InstanceInformation[];
  patchSummaries: ResourceComplianceSummaryItem[];
  /**
   * DescribeInstancePatchStates for every managed instance of the region (at most 50 instance ids a call, all pages),
   * or the failure of those reads (AWS's error code and message).
   */
  patchStates?: InstancePatchState[] | CapturedError;
  /**
   * GetPatchBaseline for each distinct BaselineId of the patch states, keyed by that id; a failed read is its error (AWS's
   * code and message): DoesNotExistException for a deleted baseline, AccessDeniedException ... otherwise.
   */
  baselines?: Record<string, PatchBaseline | CapturedError>;
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

/** Classification values that name security or critical updates (Windows: SecurityUpdates, CriticalUpdates; Linux: Security). */
const SECURITY_CLASSIFICATIONS = new Set(['security', 'securityupdates', 'criticalupdates']);
/** Ubuntu and Debian rules select by package priority; Required and Important carry the security fixes. */
const URGENT_PRIORITIES = new Set(['required', 'important']);
/** Keys that only say which products or package sections a rule applies to, not which kinds of patch. */
const SCOPE_KEYS = new Set(['PRODUCT', 'PRODUCT_FAMILY', 'PATCH_SET', 'SECTION']);

const filterText = (f: PatchFilter) => `${f.Key ?? '?'}=${(f.Values ?? []).join('|') || '(none)'}`;

/**
 * Whether a filter lets a critical security patch through: a CLASSIFICATION naming security or critical updates, a
 * SEVERITY or MSRC_SEVERITY naming Critical, a PRIORITY naming Required or Important, a wildcard, or a key that only
 * scopes products. Any other key (NAME, PATCH_ID, CVE_ID, ADVISORY_ID, SECURITY...) narrows the rule to particular
 * patches and is not taken as covering security patches in general.
 */
function admitsCriticalSecurity(f: PatchFilter): boolean {
  const values = (f.Values ?? []).map((v) => v.toLowerCase());
  if (values.includes('*')) return true;
  switch (f.Key) {
    case 'CLASSIFICATION':
      return values.some((v) => SECURITY_CLASSIFICATIONS.has(v));
    case 'SEVERITY':
    case 'MSRC_SEVERITY':
      return values.includes('critical');
    case 'PRIORITY':
      return values.some((v) => URGENT_PRIORITIES.has(v));
    default:
      return SCOPE_KEYS.has(f.Key ?? '');
  }
}

function ruleText(r: PatchRule): string {
  const filters = r.PatchFilterGroup?.PatchFilters ?? [];
  const when = r.ApproveAfterDays !== undefined ? `${r.ApproveAfterDays} days after release` : r.ApproveUntilDate ? `if released by ${r.ApproveUntilDate}` : 'immediately';
  return `${filters.length ? filters.map(filterText).join(' and ') : 'all patches'} ${when}`;
}

/**
 * Days after release by which a rule approves a patch, judged at `now`: ApproveAfterDays; for ApproveUntilDate, 0 when
 * the cutoff is no earlier than `maxDays` before now (every patch older than the window is approved) and never
 * otherwise; for a rule with neither (Debian and Ubuntu, where Patch Manager approves at once), 0.
 */
function approvalDelay(r: PatchRule, now: number, maxDays: number): number | undefined {
  if (r.ApproveAfterDays !== undefined) return r.ApproveAfterDays;
  if (r.ApproveUntilDate) {
    const until = toDate(r.ApproveUntilDate)?.getTime();
    return until !== undefined && until + DAY >= now - maxDays * DAY ? 0 : undefined;
  }
  return 0;
}

interface BaselineJudgement {
  name: string;
  /** What the baseline approves, in its own terms. */
  approves: string;
  /** Why the baseline does not show that critical security patches are approved in time; absent when it does. */
  gap?: string;
}

function judgeBaseline(id: string, b: PatchBaseline, now: number, maxDays: number): BaselineJudgement {
  const name = `patch baseline ${b.Name ?? '(unnamed)'} (${id}${b.OperatingSystem ? `, ${b.OperatingSystem}` : ''})`;
  const rules = b.ApprovalRules?.PatchRules ?? [];
  const global = b.GlobalFilters?.PatchFilters ?? [];
  const parts = rules.map(ruleText);
  if (b.ApprovedPatches?.length) parts.push(`${b.ApprovedPatches.length} explicitly listed patches`);
  const approves = [
    parts.length ? `it approves ${parts.join('; ')}` : 'it approves no patches (no approval rules, no approved patches)',
    global.length ? `within global filters ${global.map(filterText).join(' and ')}` : '',
    b.RejectedPatches?.length ? `rejecting ${b.RejectedPatches.length} listed patches (${b.RejectedPatchesAction ?? 'ALLOW_AS_DEPENDENCY'})` : '',
    b.AvailableSecurityUpdatesComplianceStatus ? `security updates it does not approve count as ${b.AvailableSecurityUpdatesComplianceStatus}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const excluding = global.filter((f) => !admitsCriticalSecurity(f));
  if (excluding.length) return { name, approves, gap: `its global filters ${excluding.map(filterText).join(' and ')} leave out critical security patches` };
  const covering = rules.filter((r) => (r.PatchFilterGroup?.PatchFilters ?? []).every(admitsCriticalSecurity));
  const timely = covering.filter((r) => {
    const d = approvalDelay(r, now, maxDays);
    return d !== undefined && d <= maxDays;
  });
  if (timely.length) return { name, approves };
  if (covering.length) return { name, approves, gap: `no approval rule approves critical security patches within ${maxDays} days of release` };
  return {
    name,
    approves,
    gap: b.ApprovedPatches?.length
      ? 'no approval rule covers security or critical patches; only its fixed list of approved patches, which approves no newly released patch'
      : 'no approval rule covers security or critical patches',
  };
}

/** Counts in the patch state that contradict a COMPLIANT summary, worst first. */
function stateContradictions(st: InstancePatchState): { severe: string[]; other: string[] } {
  const severe: string[] = [];
  const other: string[] = [];
  if (st.CriticalNonCompliantCount) severe.push(`${st.CriticalNonCompliantCount} critical non-compliant`);
  if (st.SecurityNonCompliantCount) severe.push(`${st.SecurityNonCompliantCount} security non-compliant`);
  if (st.MissingCount) other.push(`${st.MissingCount} missing`);
  if (st.FailedCount) other.push(`${st.FailedCount} failed to install`);
  if (st.InstalledPendingRebootCount) other.push(`${st.InstalledPendingRebootCount} installed pending reboot`);
  if (st.InstalledRejectedCount) other.push(`${st.InstalledRejectedCount} rejected but installed`);
  if (st.OtherNonCompliantCount) other.push(`${st.OtherNonCompliantCount} other non-compliant`);
  if (st.AvailableSecurityUpdateCount) other.push(`${st.AvailableSecurityUpdateCount} security updates available but not approved by the baseline`);
  return { severe, other };
}

export const patchCompliance = defineQuery<PatchComplianceEvidence>({
  id: 'ssm.patch-compliance',
  service: 'ssm',
  title: 'EC2 instances report patch compliance through Systems Manager, with no missing critical or high patches',
  description:
    'Every EC2 instance in the region beside Systems Manager’s view of it: whether it is a managed node, the Patch compliance summary (patches missing by severity, when it scanned), the patch state AWS-RunPatchBaseline recorded (which baseline, when the scan or install ended, missing, failed, critical and security non-compliant counts), and that baseline’s approval rules. A compliance summary with no matching patch state (one written with PutComplianceItems) or a baseline with no rule approving critical security patches within the window is not a pass; compliance is only as strict as the baseline.',
  remediation:
    'Bring every instance under Systems Manager (SSM Agent and an instance profile with AmazonSSMManagedInstanceCore), scan and install with Patch Manager (a patch policy in Quick Setup or AWS-RunPatchBaseline on a schedule), and set the baseline to approve critical and high security patches within the organisation’s patch window.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeInstances', 'ssm:DescribeInstanceInformation', 'ssm:ListResourceComplianceSummaries', 'ssm:DescribeInstancePatchStates', 'ssm:GetPatchBaseline'],
  parameters: {
    maxScanAgeDays: { description: 'A patch scan older than this many days no longer shows the current state (PCI DSS 6.3.3: critical patches within one month of release).', default: 30 },
    maxApproveAfterDays: {
      description: 'A patch baseline must have an approval rule covering critical security patches that approves them within this many days of release (PCI DSS 6.3.3: critical patches within one month); otherwise its compliant instances need review.',
      default: 30,
    },
  },
  async collect(ctx) {
    const [{ EC2Client, paginateDescribeInstances }, { SSMClient, GetPatchBaselineCommand, paginateDescribeInstanceInformation, paginateDescribeInstancePatchStates, paginateListResourceComplianceSummaries }] = await Promise.all([
      loadEc2Sdk(),
      loadSsmSdk(),
    ]);
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
    // DescribeInstancePatchStates takes at most 50 instance ids a call (MaxResults 10 to 100), so ask in chunks of 50.
    const ec2Ids = new Set(reservations.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId));
    const ids = [...new Set(managedInstances.map((n) => n.InstanceId).filter((id): id is string => !!id && ec2Ids.has(id)))];
    // A failure of these reads (AccessDenied from a role not yet redeployed with them) is kept as evidence, so the
    // instances whose judgement does not depend on them are still judged; an aborted run still aborts.
    const patchStates = await captureFailure(async () => {
      const states: InstancePatchState[] = [];
      for (let k = 0; k < ids.length; k += 50) {
        for await (const page of paginateDescribeInstancePatchStates({ client: ssm, pageSize: 50 }, { InstanceIds: ids.slice(k, k + 50) })) {
          ctx.signal?.throwIfAborted();
          states.push(...(stripMetadata(page).InstancePatchStates ?? []));
        }
      }
      return states;
    }, ctx.signal);
    const baselines: Record<string, PatchBaseline | CapturedError> = {};
    const baselineIds = isCapturedError(patchStates) ? [] : [...new Set(patchStates.map((st) => st.BaselineId).filter((b): b is string => !!b))].sort();
    for (const id of baselineIds) {
      ctx.signal?.throwIfAborted();
      baselines[id] = await captureFailure(() => ssm.send(new GetPatchBaselineCommand({ BaselineId: id }), { abortSignal: ctx.signal }), ctx.signal);
    }
    return { reservations, managedInstances, patchSummaries, patchStates, baselines };
  },
  evaluate(data, params, ctx) {
    if (!data?.reservations || !data.managedInstances || !data.patchSummaries) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks DescribeInstances, DescribeInstanceInformation or ListResourceComplianceSummaries responses' }];
    }
    const maxAge = Number(params.maxScanAgeDays ?? 30);
    const maxApprove = Number(params.maxApproveAfterDays ?? 30);
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const nodes = new Map(data.managedInstances.map((n) => [n.InstanceId, n]));
    const patches = new Map(data.patchSummaries.filter((p) => p.ComplianceType === 'Patch').map((p) => [p.ResourceId, p]));
    const statesError = isCapturedError(data.patchStates) ? data.patchStates.error : undefined;
    const states = Array.isArray(data.patchStates) ? new Map(data.patchStates.map((st) => [st.InstanceId, st])) : undefined;
    const judged = new Map<string, BaselineJudgement | string>();
    const baselineOf = (id: string): BaselineJudgement | string => {
      let j = judged.get(id);
      if (!j) {
        const b = data.baselines?.[id];
        j = !b
          ? `the evidence holds no GetPatchBaseline response for its patch baseline ${id}`
          : isCapturedError(b) && b.error.code === 'DoesNotExistException'
            ? `its patch baseline ${id} no longer exists (GetPatchBaseline: ${b.error.code}), so what it approved is not known`
            : isCapturedError(b)
              ? `GetPatchBaseline of its patch baseline ${id} failed (${b.error.code}: ${b.error.message}), so what that baseline approves is not known`
            : judgeBaseline(id, b, now, maxApprove);
        judged.set(id, j);
      }
      return j;
    };
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
      const state = states?.get(i.InstanceId);
      const contradictions = state ? stateContradictions(state) : undefined;
      if (summary.Status === 'NON_COMPLIANT') {
        const m = missingText(summary);
        const severe = m.critical + m.high > 0 || summary.OverallSeverity === 'CRITICAL' || summary.OverallSeverity === 'HIGH' || !!contradictions?.severe.length;
        const stateText = contradictions?.severe.length
          ? `; its patch state counts ${contradictions.severe.join(', ')} patches`
          : statesError && !severe
            ? `; whether its patch state counts critical or security patches not installed is not known (DescribeInstancePatchStates failed: ${statesError.code}: ${statesError.message})`
            : '';
        results.push({ ...base, status: severe ? 'fail' : 'needs-review', reason: `${label} misses patches its baseline approves: ${m.text}${stateText}; ${when}${agent}` });
        continue;
      }
      if (summary.Status !== 'COMPLIANT') {
        results.push({ ...base, status: 'error', reason: `${label}: Patch compliance status ${summary.Status ?? 'missing'} is not one this query knows` });
        continue;
      }
      if (ageMs === undefined || ageMs > maxAge * DAY) {
        results.push({ ...base, status: 'needs-review', reason: `${label} was compliant with its patch baseline at a scan older than ${maxAge} days: ${when}${agent}` });
        continue;
      }
      const claim = `${label} has a COMPLIANT Patch compliance summary (${summary.CompliantSummary?.CompliantCount ?? 0} installed; ${when})`;
      if (statesError) {
        results.push({ ...base, status: 'needs-review', reason: `${claim}, but DescribeInstancePatchStates failed (${statesError.code}: ${statesError.message}), so it does not show that Patch Manager produced the summary (PutComplianceItems can write one by hand) or which baseline it was judged against${agent}` });
        continue;
      }
      if (!states || !data.baselines) {
        results.push({ ...base, status: 'needs-review', reason: `${claim}, but the evidence was sealed before this query read DescribeInstancePatchStates and GetPatchBaseline, so it does not show that Patch Manager produced it or what the baseline approves${agent}` });
        continue;
      }
      if (!state) {
        results.push({ ...base, status: 'needs-review', reason: `${claim}, but Systems Manager holds no patch state for it (DescribeInstancePatchStates, written only by AWS-RunPatchBaseline): no Patch Manager scan backs the summary, which PutComplianceItems can write by hand${agent}` });
        continue;
      }
      const ended = toDate(state.OperationEndTime);
      const stateAge = ended ? now - ended.getTime() : undefined;
      const op = `Patch Manager ${state.Operation ?? 'operation'} ${ended ? `ended ${ended.toISOString().slice(0, 10)} (${Math.floor((stateAge ?? 0) / DAY)} days before collection)` : 'with no end time'}`;
      if (contradictions!.severe.length) {
        results.push({ ...base, status: 'fail', reason: `${claim}, but its patch state from the ${op} counts ${[...contradictions!.severe, ...contradictions!.other].join(', ')} patches${agent}` });
        continue;
      }
      if (contradictions!.other.length) {
        results.push({ ...base, status: 'needs-review', reason: `${claim}, but its patch state from the ${op} counts ${contradictions!.other.join(', ')} patches${agent}` });
        continue;
      }
      if (state.InstallOverrideList) {
        results.push({ ...base, status: 'needs-review', reason: `${claim}, but the ${op} installed from an override list (${state.InstallOverrideList}) that replaces the baseline's approved patches${agent}` });
        continue;
      }
      if (stateAge === undefined || stateAge > maxAge * DAY) {
        results.push({ ...base, status: 'needs-review', reason: `${claim}, but the ${op}, not within ${maxAge} days: the summary is newer than any Patch Manager run that could have written it${agent}` });
        continue;
      }
      const baseline = state.BaselineId ? baselineOf(state.BaselineId) : 'its patch state names no patch baseline';
      if (typeof baseline === 'string') {
        results.push({ ...base, status: 'needs-review', reason: `${claim} and its patch state agrees (${op}), but ${baseline}${agent}` });
        continue;
      }
      if (baseline.gap) {
        results.push({ ...base, status: 'needs-review', reason: `${claim} and its patch state agrees (${op}), but against ${baseline.name}: ${baseline.gap}; ${baseline.approves}${agent}` });
        continue;
      }
      results.push({
        ...base,
        status: 'pass',
        reason: `${label} has every patch approved by ${baseline.name} (${state.InstalledCount ?? 0} installed, none missing, failed or pending reboot; ${op}); ${baseline.approves}. The result is only as strict as that baseline: patches it does not approve are not counted${agent}`,
      });
    }
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no running or stopped EC2 instances in ${ctx.region}` });
    return results;
  },
});
