import { describe, expect, it } from 'vitest';
import type { InstancePatchState } from '@aws-sdk/client-ssm';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { patchCompliance, type PatchBaseline, type PatchComplianceEvidence } from '../../../src/queries/ssm/patch-compliance.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { captureFailure } from '../../../src/queries/partial-evidence.js';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../../src/simulator/index.js';
import { ec2State } from '../../../src/simulator/services/ec2.js';
import { ssmState } from '../../../src/simulator/services/ssm.js';
import { ACCOUNT, BASELINE_ID, COLLECTED_AT, REGION, baseline, evidence, instanceArn, patchState } from '../../fixtures/ssm/patch.js';
import { demoSession, runDenied } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(data: unknown, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { maxScanAgeDays: 30, ...params } as Parameters<typeof patchCompliance.evaluate>[1];
  const fresh = patchCompliance.evaluate(data, p, ctx);
  expect(patchCompliance.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

describe('ssm.patch-compliance', () => {
  it('judges every live instance: patched passes, missing critical/high fails, medium only and stale scans need review, unmanaged and never-scanned fail', () => {
    const results = evaluateBoth(evidence);
    const byId = Object.fromEntries(results.map((r) => [r.resource, r]));
    expect(Object.keys(byId)).toHaveLength(6);
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa1')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('150 installed') });
    // The pass names the baseline, what it approves, and that it is only as strict as the baseline.
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa1')].reason).toContain(`patch baseline prod-al2023 (${BASELINE_ID}, AMAZON_LINUX_2023)`);
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa1')].reason).toContain('it approves PRODUCT=* and CLASSIFICATION=Security and SEVERITY=Critical|Important 7 days after release');
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa1')].reason).toContain('only as strict as that baseline');
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa2')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('1 critical, 2 high') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa3')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('4 medium') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa4')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('older than 30 days') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa5')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('never been scanned') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa6')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('not a Systems Manager managed node') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa7')]).toBeUndefined();
  });

  it('a longer scan window turns the stale scan into a pass; a compliant record is never a pass once it is older than the window', () => {
    expect(evaluateBoth(evidence, { maxScanAgeDays: 120 }).find((r) => r.resource === instanceArn('i-0aaaaaaaaaaaaaaa4'))?.status).toBe('pass');
    expect(evaluateBoth(evidence, { maxScanAgeDays: 1 }).find((r) => r.resource === instanceArn('i-0aaaaaaaaaaaaaaa1'))?.status).toBe('needs-review');
  });

  it('missing evidence is an error, never a pass; no instances is not-applicable', () => {
    expect(evaluateBoth({ reservations: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth({ reservations: [], managedInstances: [], patchSummaries: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});

/** The fixture with instance 1's patch state, baseline or summary replaced. */
function variant(change: { state?: Partial<InstancePatchState> | null; baseline?: Partial<PatchBaseline>; evidence?: Partial<PatchComplianceEvidence> }): PatchComplianceEvidence {
  const states = evidence.patchStates!.filter((st) => st.InstanceId !== 'i-0aaaaaaaaaaaaaaa1');
  if (change.state !== null) states.push(patchState('i-0aaaaaaaaaaaaaaa1', '2026-05-30T03:00:00Z', change.state));
  return { ...evidence, patchStates: states, baselines: { [BASELINE_ID]: { ...baseline, ...change.baseline } }, ...change.evidence };
}
const first = (data: unknown, params: Record<string, unknown> = {}) => evaluateBoth(data, params).find((r) => r.resource === instanceArn('i-0aaaaaaaaaaaaaaa1'))!;
const noRules = { ApprovalRules: { PatchRules: [] } };
const rule = (filters: [string, string[]][], timing: { ApproveAfterDays?: number; ApproveUntilDate?: string } = { ApproveAfterDays: 7 }) => ({
  ApprovalRules: { PatchRules: [{ PatchFilterGroup: { PatchFilters: filters.map(([Key, Values]) => ({ Key: Key as 'CLASSIFICATION', Values })) }, ...timing }] },
});

describe('ssm.patch-compliance cross-checks a COMPLIANT summary with the patch state AWS-RunPatchBaseline wrote', () => {
  it('a summary with no patch state (written with PutComplianceItems, no Patch Manager run) needs review, not a pass', () => {
    expect(first(variant({ state: null }))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no patch state') });
    expect(first(variant({ state: null })).reason).toContain('PutComplianceItems');
    expect(patchCompliance.apiCalls).toEqual(expect.arrayContaining(['ssm:DescribeInstancePatchStates', 'ssm:GetPatchBaseline']));
  });

  it('a patch state that disagrees: critical or security patches not installed fail; missing, failed, pending reboot, rejected or held-back security updates need review', () => {
    expect(first(variant({ state: { CriticalNonCompliantCount: 2, MissingCount: 2 } }))).toMatchObject({ status: 'fail', reason: expect.stringContaining('2 critical non-compliant, 2 missing') });
    expect(first(variant({ state: { SecurityNonCompliantCount: 1 } }))).toMatchObject({ status: 'fail', reason: expect.stringContaining('1 security non-compliant') });
    for (const [counts, text] of [
      [{ MissingCount: 3 }, '3 missing'],
      [{ FailedCount: 1 }, '1 failed to install'],
      [{ InstalledPendingRebootCount: 4 }, '4 installed pending reboot'],
      [{ InstalledRejectedCount: 1 }, '1 rejected but installed'],
      [{ AvailableSecurityUpdateCount: 5 }, '5 security updates available but not approved'],
    ] as const) {
      expect(first(variant({ state: counts }))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(text) });
    }
    // An install from an override list replaces the baseline's approvals.
    expect(first(variant({ state: { Operation: 'Install', InstallOverrideList: 's3://patch-lists/override.yaml' } }))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('override list (s3://patch-lists/override.yaml)') });
  });

  it('a fresh summary over a patch state older than the scan window needs review (the summary is newer than any Patch Manager run)', () => {
    const r = first(variant({ state: { OperationEndTime: new Date('2026-03-01T03:00:00Z') } }));
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('Patch Manager Scan ended 2026-03-01 (91 days before collection), not within 30 days') });
  });

  it('a NON_COMPLIANT summary whose patch state counts security patches not installed fails even when the summary shows only medium severity', () => {
    const states = evidence.patchStates!.map((st) => (st.InstanceId === 'i-0aaaaaaaaaaaaaaa3' ? { ...st, SecurityNonCompliantCount: 4 } : st));
    expect(evaluateBoth({ ...evidence, patchStates: states }).find((r) => r.resource === instanceArn('i-0aaaaaaaaaaaaaaa3'))).toMatchObject({ status: 'fail', reason: expect.stringContaining('4 security non-compliant') });
  });

  it('a DescribeInstancePatchStates that failed (AccessDenied) makes a COMPLIANT summary need review with the error; the other instances are judged as before', () => {
    const denied = { ...evidence, patchStates: { error: { code: 'AccessDeniedException', message: 'User is not authorized to perform: ssm:DescribeInstancePatchStates' } }, baselines: {} };
    const byId = Object.fromEntries(evaluateBoth(denied).map((r) => [r.resource, r]));
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa1')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('DescribeInstancePatchStates failed (AccessDeniedException: User is not authorized to perform: ssm:DescribeInstancePatchStates)') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa2')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('1 critical, 2 high') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa3')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('is not known (DescribeInstancePatchStates failed: AccessDeniedException') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa4')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('older than 30 days') });
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa5')].status).toBe('fail');
    expect(byId[instanceArn('i-0aaaaaaaaaaaaaaa6')].status).toBe('fail');
  });

  it('the reads captured as evidence still let an aborted run abort (captureFailure rethrows once the run signal is aborted)', async () => {
    const run = new AbortController();
    run.abort();
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(captureFailure(() => Promise.reject(denied), run.signal)).rejects.toBe(denied);
    await expect(captureFailure(() => Promise.reject(denied), new AbortController().signal)).resolves.toEqual({ error: { code: 'AccessDeniedException', message: 'denied' } });
  });

  it('evidence sealed before the patch states and baselines were read is never a pass (a COMPLIANT summary with 0 installed included)', () => {
    const { patchStates: _s, baselines: _b, ...old } = evidence;
    const r = first(old);
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('sealed before this query read DescribeInstancePatchStates and GetPatchBaseline') });
    const zero = { ...old, patchSummaries: old.patchSummaries.map((p) => (p.ResourceId === 'i-0aaaaaaaaaaaaaaa1' ? { ...p, CompliantSummary: { CompliantCount: 0, SeveritySummary: {} } } : p)) };
    expect(first(zero)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(0 installed;') });
    // Failing evidence still fails without the new reads.
    expect(evaluateBoth(old).find((r) => r.resource === instanceArn('i-0aaaaaaaaaaaaaaa2'))?.status).toBe('fail');
  });
});

describe('ssm.patch-compliance judges the baseline the patch state names', () => {
  it('a baseline that approves nothing needs review, naming the baseline', () => {
    const r = first(variant({ baseline: noRules }));
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`patch baseline prod-al2023 (${BASELINE_ID}, AMAZON_LINUX_2023): no approval rule covers security or critical patches`) });
    expect(r.reason).toContain('it approves no patches (no approval rules, no approved patches)');
  });

  it('only an explicit list of approved patches needs review: it approves no newly released patch', () => {
    const r = first(variant({ baseline: { ...noRules, ApprovedPatches: ['openssl-3.0.8-1.amzn2023.0.1.x86_64'] } }));
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('only its fixed list of approved patches') });
    expect(r.reason).toContain('it approves 1 explicitly listed patches');
  });

  it('rules that leave out security or critical patches need review: Bugfix only, severity below Critical, a patch named by NAME, a global filter excluding Security', () => {
    for (const b of [
      rule([['CLASSIFICATION', ['Bugfix', 'Enhancement']]]),
      rule([['CLASSIFICATION', ['Security']], ['SEVERITY', ['Medium', 'Low']]]),
      rule([['NAME', ['openssl']]]),
      { GlobalFilters: { PatchFilters: [{ Key: 'CLASSIFICATION' as const, Values: ['Bugfix'] }] } },
    ]) {
      expect(first(variant({ baseline: b }))).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(/no approval rule covers security or critical patches|global filters CLASSIFICATION=Bugfix leave out critical security patches/) });
    }
  });

  it('approval later than maxApproveAfterDays needs review; a larger window accepts it', () => {
    const slow = variant({ baseline: rule([['CLASSIFICATION', ['Security']]], { ApproveAfterDays: 360 }) });
    expect(first(slow)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no approval rule approves critical security patches within 30 days of release') });
    expect(first(slow, { maxApproveAfterDays: 400 }).status).toBe('pass');
  });

  it('ApproveUntilDate: a cutoff before the window leaves later patches unapproved (needs review); a cutoff within it passes', () => {
    expect(first(variant({ baseline: rule([['CLASSIFICATION', ['Security']]], { ApproveUntilDate: '2025-12-31' }) })).status).toBe('needs-review');
    expect(first(variant({ baseline: rule([['CLASSIFICATION', ['Security']]], { ApproveUntilDate: '2026-05-20' }) })).status).toBe('pass');
  });

  it('other operating systems: a Windows rule on SecurityUpdates / MSRC Critical and an Ubuntu rule with immediate approval pass', () => {
    const windows = { OperatingSystem: 'WINDOWS' as const, ...rule([['CLASSIFICATION', ['CriticalUpdates', 'SecurityUpdates']], ['MSRC_SEVERITY', ['Critical', 'Important']]]) };
    expect(first(variant({ baseline: windows })).status).toBe('pass');
    const ubuntu = { OperatingSystem: 'UBUNTU' as const, ...rule([['PRIORITY', ['Required', 'Important']], ['SECTION', ['*']]], {}) };
    expect(first(variant({ baseline: ubuntu }))).toMatchObject({ status: 'pass', reason: expect.stringContaining('PRIORITY=Required|Important and SECTION=* immediately') });
  });

  it('a baseline that no longer exists, or is absent from the evidence, needs review', () => {
    const gone = { ...variant({}), baselines: { [BASELINE_ID]: { error: { code: 'DoesNotExistException', message: `Patch Baseline ${BASELINE_ID} does not exist.` } } } };
    expect(first(gone)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no longer exists (GetPatchBaseline: DoesNotExistException)') });
    expect(first({ ...variant({}), baselines: {} })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no GetPatchBaseline response') });
  });

  it('a GetPatchBaseline that failed otherwise (AccessDenied) needs review naming the read and the error, not that the baseline was deleted', () => {
    const denied = { ...variant({}), baselines: { [BASELINE_ID]: { error: { code: 'AccessDeniedException', message: 'User is not authorized to perform: ssm:GetPatchBaseline' } } } };
    expect(first(denied)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`GetPatchBaseline of its patch baseline ${BASELINE_ID} failed (AccessDeniedException: User is not authorized to perform: ssm:GetPatchBaseline)`) });
    expect(first(denied).reason).not.toContain('no longer exists');
  });
});

describe('ssm.patch-compliance against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('ssm.patch-compliance')!;

  it('home region: the API instance is patched, the legacy batch host misses critical patches; calls page through SSM', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => [r.reason.match(/\((.+?)\)/)?.[1], r.status])).toEqual([
      ['api-us-east-1', 'pass'],
      ['legacy-batch', 'fail'],
    ]);
    expect(results[1].reason).toContain('2 critical, 5 high, 9 medium');
    expect(results[0].reason).toContain('AWS-AmazonLinux2023DefaultPatchBaseline');
    expect(calls.map((c) => c.operation)).toEqual([
      'ec2:DescribeInstances',
      'ssm:DescribeInstanceInformation',
      'ssm:ListResourceComplianceSummaries',
      'ssm:DescribeInstancePatchStates',
      'ssm:GetPatchBaseline',
    ]);
    expect(calls[2].input).toMatchObject({ Filters: [{ Key: 'ComplianceType', Values: ['Patch'], Type: 'EQUAL' }] });
    expect(calls[4].input).toEqual({ BaselineId: expect.stringMatching(/^arn:aws:ssm:us-east-1:\d{12}:patchbaseline\/pb-/) });
  });

  it('a denied DescribeInstancePatchStates or GetPatchBaseline is kept as evidence: the patched instance needs review with the error, the unpatched one still fails', async () => {
    for (const operation of ['ssm:DescribeInstancePatchStates', 'ssm:GetPatchBaseline']) {
      const results = await runDenied(session, q, 'us-east-1', operation);
      expect(results.map((r) => [r.reason.match(/\((.+?)\)/)?.[1], r.status])).toEqual([
        ['api-us-east-1', 'needs-review'],
        ['legacy-batch', 'fail'],
      ]);
      expect(results[0].reason).toMatch(new RegExp(`${operation.split(':')[1]}.*failed \\(AccessDenied`));
    }
  });

  it('second region: the instance is not managed by Systems Manager, so it has no patch evidence and fails', async () => {
    const { results } = await session.run(q, 'us-west-2');
    expect(results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('not a Systems Manager managed node') })]);
  });
});

describe('ssm.patch-compliance in a simulated account with forged and baseline-blind compliance', () => {
  const session = demoSession(() => {
    const world = demoWorld({ now: new Date() });
    const acct = world.account(DEMO_ACCOUNT_ID)!;
    const ec2 = ec2State(acct, 'us-east-1');
    const ssm = ssmState(acct, 'us-east-1');
    const now = world.now();
    const [api] = ssm.patchStates;
    // 60 more managed, scanned instances (more than one DescribeInstancePatchStates call holds), on the AWS default baseline.
    const extra = Array.from({ length: 60 }, (_, k) => `i-0f${String(k).padStart(15, '0')}`);
    ec2.reservations.push({ ReservationId: 'r-0ffffffffffffff01', OwnerId: DEMO_ACCOUNT_ID, Instances: extra.map((InstanceId) => ({ InstanceId, State: { Code: 16, Name: 'running' } })) });
    for (const id of extra) {
      ssm.instances.push({ ...ssm.instances[0], InstanceId: id });
      ssm.complianceSummaries.push({ ...ssm.complianceSummaries[0], ResourceId: id });
      ssm.patchStates.push({ ...api, InstanceId: id });
    }
    // The forged one: a COMPLIANT Patch item put with PutComplianceItems, no AWS-RunPatchBaseline run (no patch state).
    const forged = extra[0];
    ssm.patchStates = ssm.patchStates.filter((st) => st.InstanceId !== forged);
    ssm.complianceSummaries = ssm.complianceSummaries.map((p) => (p.ResourceId === forged ? { ...p, ExecutionSummary: { ExecutionTime: now, ExecutionType: 'Command' } } : p));
    // One instance scanned against a custom baseline with no approval rules.
    const blind = extra[1];
    ssm.baselines.push({ BaselineId: 'pb-0123456789abcdef0', Name: 'approve-nothing', OperatingSystem: 'AMAZON_LINUX_2023', ApprovalRules: { PatchRules: [] }, ApprovedPatches: [], RejectedPatches: [] });
    ssm.patchStates = ssm.patchStates.map((st) => (st.InstanceId === blind ? { ...st, BaselineId: 'pb-0123456789abcdef0' } : st));
    return world;
  });
  const q = queryById('ssm.patch-compliance')!;

  it('asks for patch states 50 instance ids at a time, reads each distinct baseline once, and does not pass the forged or baseline-blind instances', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    const states = calls.filter((c) => c.operation === 'ssm:DescribeInstancePatchStates');
    expect(states.map((c) => (c.input as { InstanceIds: string[] }).InstanceIds.length).sort((a, b) => b - a)).toEqual(expect.arrayContaining([50]));
    expect(states.every((c) => (c.input as { InstanceIds: string[] }).InstanceIds.length <= 50)).toBe(true);
    expect(calls.filter((c) => c.operation === 'ssm:GetPatchBaseline')).toHaveLength(2);
    const of = (id: string) => results.find((r) => r.resource.endsWith(`instance/${id}`))!;
    expect(of(`i-0f${'0'.repeat(15)}`)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no patch state') });
    expect(of(`i-0f${'0'.repeat(14)}1`)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('patch baseline approve-nothing (pb-0123456789abcdef0, AMAZON_LINUX_2023): no approval rule covers security or critical patches') });
    expect(of(`i-0f${'0'.repeat(14)}2`).status).toBe('pass');
    expect(results.filter((r) => r.status === 'pass')).toHaveLength(59);
  });
});
