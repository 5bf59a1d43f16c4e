import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queries } from '../../../src/queries/guardduty/index.js';
import { detectorEnabled } from '../../../src/queries/guardduty/detector-enabled.js';
import { findings, type ArchivedInWindow } from '../../../src/queries/guardduty/findings.js';
import { malwareRuntimeProtection } from '../../../src/queries/guardduty/malware-runtime-protection.js';
import { runtimeCoverage, type RuntimeCoverageEvidence } from '../../../src/queries/guardduty/runtime-coverage.js';
import { GUARDDUTY_DECLARATIONS, type DetectorsEvidence } from '../../../src/queries/guardduty/detectors.js';
import { ENTITY_DECLARATIONS } from '../../../src/queries/parameter-source.js';
import type { EvidenceQuery, ResourceResult } from '../../../src/queries/types.js';
import {
  DETECTOR_ARN,
  DETECTOR_ID,
  archiveEverythingFilter,
  defaultScanSettings,
  filtersOf,
  includeTagScanSettings,
  narrowArchiveFilter,
  noFilters,
  noopFilter,
  coverageResources,
  coverageStatistics,
  criticalFinding,
  eksOnlyDetector,
  enabledDetector,
  highArchived,
  noneArchived,
  ARCHIVED_WINDOW,
  highFinding,
  lowFinding,
  mediumFinding,
  runningInstances,
  severityStatistics,
  suspendedDetector,
} from '../../fixtures/guardduty/detectors.js';
import { judgedByCatalogs } from '../../evaluate/run-manifest.js';

const ctx = { accountId: '111122223333', region: 'us-east-1', collectedAt: '2025-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;
const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));
const defaultsOf = (q: EvidenceQuery<unknown>) => Object.fromEntries(Object.entries(q.parameters ?? {}).map(([k, v]) => [k, v.default]));

function evaluateBoth<T>(q: EvidenceQuery<unknown>, data: T, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { ...defaultsOf(q), ...params } as Parameters<typeof q.evaluate>[1];
  const fresh = q.evaluate(data, p, ctx);
  expect(q.evaluate(roundTrip(data), p, ctx)).toEqual(fresh);
  return fresh;
}

type Entry = DetectorsEvidence['detectors'][number];
/** One detector, with the filters and malware scan settings read by default (none set). */
const one = (detector: typeof enabledDetector, extra: Partial<Entry> = { filters: noFilters, malwareScanSettings: defaultScanSettings }) => ({
  detectorIds: [DETECTOR_ID],
  detectors: [{ detectorId: DETECTOR_ID, detector, ...extra }],
});
const none = { detectorIds: [], detectors: [] };

describe('GuardDuty query registry', () => {
  it('registers the three detector queries', () => {
    expect(queries.map((q) => q.id).sort()).toEqual(['guardduty.detector-enabled', 'guardduty.findings', 'guardduty.malware-runtime-protection', 'guardduty.runtime-coverage']);
    expect(findings.apiCalls).toEqual(expect.arrayContaining(['guardduty:ListDetectors', 'guardduty:ListFindings', 'guardduty:GetFindings', 'guardduty:GetFindingsStatistics']));
  });
  it('every GuardDuty declaration is an entity declaration (made once per framework in the configuration)', () => {
    expect(Object.keys(GUARDDUTY_DECLARATIONS).filter((n) => !ENTITY_DECLARATIONS.has(n))).toEqual([]);
  });
});

describe('guardduty.detector-enabled', () => {
  it('passes an enabled detector and states its publishing frequency', () => {
    expect(evaluateBoth(detectorEnabled, one(enabledDetector))).toEqual([
      expect.objectContaining({ resource: DETECTOR_ARN, status: 'pass', reason: expect.stringContaining('every 15 minutes') }),
    ]);
  });
  it('a suspended detector and an account with no detector need review unless GuardDuty is declared the solution, then fail naming the declaration', () => {
    // QSA (5.3.1, 5.3.5, 10.4.1.1, 11.5.1, 11.5.1.1, 164.308(a)(5)(ii)(B), 164.308(a)(6)(ii)): "GuardDuty has no detector in
    // us-east-1: threat detection is off in this region" was a FAIL, though another anti-malware, IDS or log review
    // solution is not visible to GuardDuty's API.
    const [absent] = evaluateBoth(detectorEnabled, none);
    expect(absent).toMatchObject({ resource: 'account', status: 'needs-review', reason: expect.stringContaining('GuardDuty has no detector in us-east-1: GuardDuty threat detection is off in this region; the entity may use another solution, which is not in this evidence') });
    expect(absent.reason).toContain('guarddutyIsIntrusionDetection = false: true declares GuardDuty the intrusion-detection solution');
    const [suspended] = evaluateBoth(detectorEnabled, one(suspendedDetector));
    expect(suspended).toMatchObject({ resource: DETECTOR_ARN, status: 'needs-review', reason: expect.stringContaining('is DISABLED: GuardDuty threat detection is suspended; the entity may use another solution') });
    for (const declared of ['guarddutyIsAntiMalware', 'guarddutyIsIntrusionDetection', 'guarddutyIsLogReview']) {
      expect(statusOf(evaluateBoth(detectorEnabled, none, { [declared]: true })), declared).toEqual({ account: 'fail' });
      // The declared tool switched off: a failure.
      expect(evaluateBoth(detectorEnabled, one(suspendedDetector), { [declared]: true })[0], declared).toMatchObject({ status: 'fail', reason: expect.stringContaining(`and GuardDuty is declared the`) });
    }
    expect(evaluateBoth(detectorEnabled, one(suspendedDetector), { guarddutyIsIntrusionDetection: true })[0].reason).toContain('is declared the intrusion-detection solution (guarddutyIsIntrusionDetection = true)');
  });
  it('judged by the catalogs: each requirement offers its own declaration; one without any needs review and says so', async () => {
    const absent = await judgedByCatalogs('guardduty.detector-enabled', none);
    const cases: [string, string][] = [
      ['5.2.1', 'guarddutyIsAntiMalware'],
      ['5.3.1', 'guarddutyIsAntiMalware'],
      ['5.3.5', 'guarddutyIsAntiMalware'],
      ['164.308(a)(5)(ii)(B)', 'guarddutyIsAntiMalware'],
      ['10.4.1.1', 'guarddutyIsLogReview'],
      ['11.5.1', 'guarddutyIsIntrusionDetection'],
      ['11.5.1.1', 'guarddutyIsIntrusionDetection'],
      ['164.308(a)(6)(ii)', 'guarddutyIsIntrusionDetection'],
    ];
    for (const [id, name] of cases) {
      const [f] = absent(id).findings.filter((x) => x.queryId === 'guardduty.detector-enabled');
      expect(f.status, id).toBe('needs-review');
      expect(f.reason, id).toContain(`${name} = false, set by the catalog default for ${id}`);
      for (const other of ['guarddutyIsAntiMalware', 'guarddutyIsIntrusionDetection', 'guarddutyIsLogReview'].filter((n) => n !== name)) expect(f.reason, id).not.toContain(other);
    }
    const declared = await judgedByCatalogs('guardduty.detector-enabled', one(suspendedDetector), { parameterOverrides: { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true } } } });
    expect(declared('11.5.1').findings[0]).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining(`guarddutyIsIntrusionDetection = true, set by the organisation's configuration (parameters.pci-dss-4.0.1."11.5.1".guarddutyIsIntrusionDetection)`),
    });
    await expect(judgedByCatalogs('guardduty.detector-enabled', none, { parameterOverrides: { 'pci-dss-4.0.1': { '10.4.1': { guarddutyIsIntrusionDetection: true } } } })).rejects.toThrow(/requirement 10.4.1 has no parameter "guarddutyIsIntrusionDetection"/);
  });
  it('a declaration made once reaches every requirement of the framework that takes it (10.7.x, 12.10.5, A3.x), naming the configuration field that set it; never another framework or another declaration', async () => {
    // QSA: declaring GuardDuty the IDS at 11.5.1 left 10.7.1/10.7.2 (failures of critical security controls, IDS/IPS and
    // anti-malware among them) reading "this requirement takes no declaration that GuardDuty is the solution".
    const undeclared = await judgedByCatalogs('guardduty.detector-enabled', one(suspendedDetector));
    const cases: [string, string[]][] = [
      ['10.7.1', ['guarddutyIsIntrusionDetection', 'guarddutyIsAntiMalware']],
      ['10.7.2', ['guarddutyIsIntrusionDetection', 'guarddutyIsAntiMalware', 'guarddutyIsLogReview']],
      ['A3.3.1', ['guarddutyIsIntrusionDetection', 'guarddutyIsAntiMalware', 'guarddutyIsLogReview']],
      ['12.10.5', ['guarddutyIsIntrusionDetection']],
      ['A3.5.1', ['guarddutyIsIntrusionDetection', 'guarddutyIsLogReview']],
    ];
    for (const [id, names] of cases) {
      const [f] = undeclared(id).findings;
      expect(f.status, id).toBe('needs-review');
      for (const n of names) expect(f.reason, id).toContain(`${n} = false, set by the catalog default for ${id}`);
    }
    const declared = await judgedByCatalogs('guardduty.detector-enabled', one(suspendedDetector), { parameterOverrides: { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true } } } });
    for (const id of ['11.5.1.1', '10.7.1', '10.7.2', '12.10.5', 'A3.3.1', 'A3.5.1']) {
      const [f] = declared(id).findings;
      expect(f.status, id).toBe('fail');
      expect(f.reason, id).toContain(
        `is declared the intrusion-detection solution (guarddutyIsIntrusionDetection = true, set by the organisation's configuration (parameters.pci-dss-4.0.1."11.5.1".guarddutyIsIntrusionDetection: an entity declaration, which applies to every pci-dss-4.0.1 requirement taking guarddutyIsIntrusionDetection, ${id} among them))`,
      );
    }
    // The IDS declaration is not the anti-malware one, and a PCI DSS declaration does not reach HIPAA.
    for (const id of ['5.3.1', '5.3.5', '10.4.1.1', '164.308(a)(6)(ii)']) expect(declared(id).findings[0].status, id).toBe('needs-review');
    const antiMalware = await judgedByCatalogs('guardduty.detector-enabled', none, { parameterOverrides: { 'pci-dss-4.0.1': { '5.3.1': { guarddutyIsAntiMalware: true } } } });
    for (const id of ['5.2.1', '5.3.5', '10.7.1', '10.7.2', 'A3.3.1']) expect(antiMalware(id).findings.find((x) => x.queryId === 'guardduty.detector-enabled')?.status, id).toBe('fail');
    for (const id of ['11.5.1', '12.10.5', 'A3.5.1', '10.4.1.1']) expect(antiMalware(id).findings[0].status, id).toBe('needs-review');
    // One declaration, one value: true under 11.5.1 and false under 10.7.2 is refused at start-up.
    await expect(
      judgedByCatalogs('guardduty.detector-enabled', none, { parameterOverrides: { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true }, '10.7.2': { guarddutyIsIntrusionDetection: false } } } }),
    ).rejects.toThrow(/parameters.pci-dss-4.0.1."10.7.2".guarddutyIsIntrusionDetection: false contradicts parameters.pci-dss-4.0.1."11.5.1".guarddutyIsIntrusionDetection: true/);
  });
  it('errors on a listed detector without its GetDetector response', () => {
    expect(statusOf(evaluateBoth(detectorEnabled, { detectorIds: [DETECTOR_ID], detectors: [] }))).toEqual({ [DETECTOR_ARN]: 'error' });
    expect(statusOf(evaluateBoth(detectorEnabled, {}))).toEqual({ account: 'error' });
  });
  it('passes with only NOOP saved filters: they save a view and archive nothing', () => {
    const [r] = evaluateBoth(detectorEnabled, one(enabledDetector, { filters: filtersOf(noopFilter) }));
    expect(r).toMatchObject({ status: 'pass', reason: expect.stringContaining('no suppression rule (ARCHIVE filter)') });
    expect(r.reason).toContain('1 saved filters only save a view');
  });
  it('a suppression rule archiving every finding (severity >= 0, or no criteria) silences GuardDuty: judged like GuardDuty off, a failure only where it is declared the solution', () => {
    // atk18b: create-filter --action ARCHIVE --finding-criteria '{"Criterion":{"severity":{"Gte":0}}}' passed before.
    // QSA (session 23): a silenced detector FAILED every requirement whatever the declaration, though a missing one needs
    // review: the entity may rely on another solution.
    const silenced = one(enabledDetector, { filters: filtersOf(noopFilter, archiveEverythingFilter) });
    const [r] = evaluateBoth(detectorEnabled, silenced);
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('GuardDuty present but every finding archived automatically: GuardDuty detector') });
    expect(r.reason).toContain('mute-all (severity {"Gte":0}) archives every finding automatically, so they are not sent to Security Hub, EventBridge');
    expect(r.reason).toContain('; the entity may use another solution, which is not in this evidence: confirm which, and why GuardDuty is silenced (');
    expect(r.reason).toContain('guarddutyIsIntrusionDetection = false: true declares GuardDuty the intrusion-detection solution');
    for (const declared of ['guarddutyIsAntiMalware', 'guarddutyIsIntrusionDetection', 'guarddutyIsLogReview']) {
      expect(evaluateBoth(detectorEnabled, silenced, { [declared]: true })[0], declared).toMatchObject({ status: 'fail', reason: expect.stringContaining(`archives every finding automatically, so they are not sent to Security Hub, EventBridge or other integrations and no finding alerts, and GuardDuty is declared the`) });
    }
    const bare = { ...archiveEverythingFilter, FindingCriteria: {} };
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: filtersOf(bare) }))[0].status).toBe('needs-review');
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: filtersOf(bare) }), { guarddutyIsLogReview: true })[0].status).toBe('fail');
    const wide = { ...archiveEverythingFilter, FindingCriteria: { Criterion: { severity: { GreaterThanOrEqual: 1, LessThanOrEqual: 10 } } } };
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: filtersOf(wide) }))[0].status).toBe('needs-review');
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: filtersOf(wide) }), { guarddutyIsAntiMalware: true })[0].status).toBe('fail');
  });
  it('judged by the catalogs: a silenced detector fails where the organisation declares GuardDuty the solution (reaching 10.7.2), else needs review; never a pass', async () => {
    const silenced = one(enabledDetector, { filters: filtersOf(archiveEverythingFilter) });
    const undeclared = await judgedByCatalogs('guardduty.detector-enabled', silenced);
    for (const id of ['5.3.1', '10.4.1.1', '10.7.2', '11.5.1', '164.308(a)(6)(ii)']) expect(undeclared(id).findings[0].status, id).toBe('needs-review');
    const declared = await judgedByCatalogs('guardduty.detector-enabled', silenced, { parameterOverrides: { 'pci-dss-4.0.1': { '10.4.1.1': { guarddutyIsLogReview: true } } } });
    for (const id of ['10.4.1.1', '10.7.2', 'A3.3.1', 'A3.5.1']) expect(declared(id).findings[0], id).toMatchObject({ status: 'fail', reason: expect.stringContaining('parameters.pci-dss-4.0.1."10.4.1.1".guarddutyIsLogReview') });
    for (const id of ['10.7.1', '11.5.1', '5.3.1']) expect(declared(id).findings[0].status, id).toBe('needs-review');
  });
  it('needs review for a narrow suppression rule, naming it and its criteria; a severity floor above 1 is narrow too', () => {
    const [r] = evaluateBoth(detectorEnabled, one(enabledDetector, { filters: filtersOf(narrowArchiveFilter) }));
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('suppress-scanner-portscan (resource.instanceDetails.instanceId {"Equals":["i-0c5a11e7b0a9d8f76"]}, type {"Equals":["Recon:EC2/Portscan"]})') });
    const lowOnly = { ...archiveEverythingFilter, FindingCriteria: { Criterion: { severity: { Lt: 4 } } } };
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: filtersOf(lowOnly) }))[0].status).toBe('needs-review');
  });
  it('keeps the detector judged when ListFilters or a GetFilter failed: an error, never a pass; a suspended detector still fails', () => {
    const denied = { error: { code: 'AccessDeniedException', message: 'not authorized to perform guardduty:ListFilters' } };
    const [r] = evaluateBoth(detectorEnabled, one(enabledDetector, { filters: denied }));
    expect(r).toMatchObject({ status: 'error', reason: expect.stringContaining('ListFilters failed (AccessDeniedException') });
    expect(r.reason).toContain('is enabled');
    const oneFailed = { filterNames: ['x', 'y'], filters: [{ name: 'x', filter: noopFilter }, { name: 'y', filter: { error: { code: 'AccessDeniedException', message: 'denied' } } }] };
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: oneFailed }))[0]).toMatchObject({ status: 'error', reason: expect.stringContaining('GetFilter failed for y (AccessDeniedException)') });
    // A catch-all suppression rule silences GuardDuty even when another filter could not be read: for review, a failure where declared.
    const withAll = { ...oneFailed, filters: [...oneFailed.filters, { name: 'mute-all', filter: archiveEverythingFilter }], filterNames: [...oneFailed.filterNames, 'mute-all'] };
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: withAll }))[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('GetFilter failed for y (AccessDeniedException)') });
    expect(evaluateBoth(detectorEnabled, one(enabledDetector, { filters: withAll }), { guarddutyIsIntrusionDetection: true })[0].status).toBe('fail');
    expect(evaluateBoth(detectorEnabled, one(suspendedDetector, { filters: denied }))[0].status).toBe('needs-review');
    expect(evaluateBoth(detectorEnabled, one(suspendedDetector, { filters: denied }), { guarddutyIsAntiMalware: true })[0].status).toBe('fail');
  });
  it('needs review on evidence collected before filters were read (no ListFilters answer): never a pass', () => {
    const [r] = evaluateBoth(detectorEnabled, one(enabledDetector, {}));
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('holds no ListFilters answer') });
  });
});

describe('guardduty.malware-runtime-protection', () => {
  it('passes when EBS malware protection and runtime monitoring are enabled', () => {
    expect(statusOf(evaluateBoth(malwareRuntimeProtection, one(enabledDetector)))).toEqual({ [DETECTOR_ARN]: 'pass' });
  });
  it('does not take EKS-only runtime monitoring as EC2/ECS cover: the missing plans fail where GuardDuty is declared the anti-malware solution, else need review', () => {
    const AM = { guarddutyIsAntiMalware: true };
    const r = evaluateBoth(malwareRuntimeProtection, one(eksOnlyDetector), AM);
    expect(r[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('EBS_MALWARE_PROTECTION') });
    expect(r[0].reason).toContain('runtime monitoring of EC2, ECS and EKS (RUNTIME_MONITORING)');
    expect(r[0].reason).toContain('and GuardDuty is declared the anti-malware solution (guarddutyIsAntiMalware = true)');
    expect(statusOf(evaluateBoth(malwareRuntimeProtection, one(eksOnlyDetector), { ...AM, requiredFeatures: ['RUNTIME_MONITORING'] }))).toEqual({ [DETECTOR_ARN]: 'fail' });
    // QSA (5.2.1, 5.2.2, 5.3.2, 164.308(a)(5)(ii)(B)): a plan off was a FAIL, though another anti-malware product is not in the evidence.
    expect(evaluateBoth(malwareRuntimeProtection, one(eksOnlyDetector))[0]).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('the entity may use another solution, which is not in this evidence (guarddutyIsAntiMalware = false: true declares GuardDuty the anti-malware solution)'),
    });
  });
  it('a suspended detector and an account with no detector need review, and fail where GuardDuty is declared the anti-malware solution', () => {
    expect(evaluateBoth(malwareRuntimeProtection, one(suspendedDetector))[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('DISABLED') });
    expect(statusOf(evaluateBoth(malwareRuntimeProtection, none))).toEqual({ account: 'needs-review' });
    expect(evaluateBoth(malwareRuntimeProtection, one(suspendedDetector), { guarddutyIsAntiMalware: true })[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining('is itself DISABLED') });
    expect(statusOf(evaluateBoth(malwareRuntimeProtection, none, { guarddutyIsAntiMalware: true }))).toEqual({ account: 'fail' });
  });
  it('needs review when malware scan options include or exclude instances by tag, naming the tags', () => {
    // atk18b: Include={EC2_INSTANCE_TAG={MapEquals=[{Key=scan,Value=never}]}} passed as "malware protection for EC2".
    const [r] = evaluateBoth(malwareRuntimeProtection, one(enabledDetector, { malwareScanSettings: includeTagScanSettings }));
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('include EC2_INSTANCE_TAG scan=never') });
    const exclude = { ScanResourceCriteria: { Exclude: { EC2_INSTANCE_TAG: { MapEquals: [{ Key: 'env', Value: 'prod' }] } } } };
    expect(evaluateBoth(malwareRuntimeProtection, one(enabledDetector, { malwareScanSettings: exclude }))[0].reason).toContain('exclude EC2_INSTANCE_TAG env=prod');
    // Scan options matter only when EBS malware protection is required.
    expect(evaluateBoth(malwareRuntimeProtection, one(enabledDetector, { malwareScanSettings: includeTagScanSettings }), { requiredFeatures: ['RUNTIME_MONITORING'] })[0].status).toBe('pass');
    // Empty include/exclude maps limit nothing.
    expect(evaluateBoth(malwareRuntimeProtection, one(enabledDetector, { malwareScanSettings: { ScanResourceCriteria: { Include: {}, Exclude: {} } } }))[0].status).toBe('pass');
  });
  it('errors when GetMalwareScanSettings failed and needs review on evidence without it; a missing plan still fails', () => {
    const denied = { error: { code: 'AccessDeniedException', message: 'denied' } };
    expect(evaluateBoth(malwareRuntimeProtection, one(enabledDetector, { malwareScanSettings: denied }))[0]).toMatchObject({ status: 'error', reason: expect.stringContaining('GetMalwareScanSettings failed (AccessDeniedException') });
    expect(evaluateBoth(malwareRuntimeProtection, one(enabledDetector, {}))[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no GetMalwareScanSettings answer') });
    expect(evaluateBoth(malwareRuntimeProtection, one(eksOnlyDetector, { malwareScanSettings: denied }), { guarddutyIsAntiMalware: true })[0].status).toBe('fail');
  });
  it('names only the workloads whose agent GuardDuty manages, not "EC2, ECS and EKS"', () => {
    // atk18b: RUNTIME_MONITORING with only ECS_FARGATE_AGENT_MANAGEMENT passed as runtime monitoring of EC2, ECS and EKS.
    const [r] = evaluateBoth(malwareRuntimeProtection, one(enabledDetector), { requiredFeatures: ['RUNTIME_MONITORING'] });
    expect(r.status).toBe('pass');
    expect(r.reason).not.toContain('EC2, ECS and EKS');
    expect(r.reason).toContain('managed by GuardDuty for ECS on Fargate (ECS_FARGATE_AGENT_MANAGEMENT)');
    expect(r.reason).toContain('for EC2, EKS GuardDuty deploys no agent, so only agents installed manually report (judged by guardduty.runtime-coverage)');
    const all = {
      ...enabledDetector,
      Features: [{ Name: 'RUNTIME_MONITORING' as const, Status: 'ENABLED' as const, AdditionalConfiguration: ['EC2_AGENT_MANAGEMENT', 'ECS_FARGATE_AGENT_MANAGEMENT', 'EKS_ADDON_MANAGEMENT'].map((n) => ({ Name: n as 'EKS_ADDON_MANAGEMENT', Status: 'ENABLED' as const })) }],
    };
    expect(evaluateBoth(malwareRuntimeProtection, one(all), { requiredFeatures: ['RUNTIME_MONITORING'] })[0].reason).toContain('for EC2 (EC2_AGENT_MANAGEMENT), ECS on Fargate (ECS_FARGATE_AGENT_MANAGEMENT), EKS (EKS_ADDON_MANAGEMENT)');
    const bare = { ...enabledDetector, Features: [{ Name: 'RUNTIME_MONITORING' as const, Status: 'ENABLED' as const }] };
    expect(evaluateBoth(malwareRuntimeProtection, one(bare), { requiredFeatures: ['RUNTIME_MONITORING'] })[0].reason).toContain('with no automated agent management');
  });
});

describe('guardduty.runtime-coverage (5.2.1, 5.2.2, 5.3.2: deployment, not feature flags)', () => {
  const evidence = (resources = coverageResources, reservations: RuntimeCoverageEvidence['reservations'] = runningInstances) => ({
    detectorIds: [DETECTOR_ID],
    detectors: [{ detectorId: DETECTOR_ID, resources, statistics: coverageStatistics }],
    reservations,
  });
  const UNSEEN = 'arn:aws:ec2:us-east-1:111122223333:instance/i-0fedcba9876543210';
  it('passes a healthy covered instance; an unhealthy cluster (naming its issue) and a running instance GuardDuty never saw need review', () => {
    const r = evaluateBoth(runtimeCoverage, evidence());
    expect(statusOf(r)).toEqual({
      'arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890': 'pass',
      'payments-eks': 'needs-review',
      [UNSEEN]: 'needs-review',
    });
    // QSA: an UNHEALTHY agent FAILED whatever the declaration, though GuardDuty's agent not reporting is GuardDuty off for
    // that workload, which guardduty.detector-enabled judges a failure only where GuardDuty is declared the solution.
    const eks = r.find((x) => x.resource === 'payments-eks')!.reason;
    expect(eks).toContain('Addon aws-guardduty-agent is not installed');
    expect(eks).toContain('its GuardDuty agent does not report, so GuardDuty does not protect it against malware; the entity may use another solution, which is not in this evidence: confirm which protects it, and why its GuardDuty agent does not report (guarddutyIsAntiMalware = false: true declares GuardDuty the anti-malware solution)');
    // QSA (5.2.1, 5.2.2, 5.3.2, 164.308(a)(5)(ii)(B)): "does not appear in GuardDuty's runtime coverage list: no runtime
    // monitoring or malware agent reports from it" was a FAIL, though a third-party anti-malware product is not in that list.
    const unseen = r.find((x) => x.resource === UNSEEN)!.reason;
    expect(unseen).toContain('running EC2 instance i-0fedcba9876543210 (batch-worker) is not covered by GuardDuty runtime monitoring');
    expect(unseen).toContain('whether another anti-malware solution runs on it is not in the evidence (guarddutyIsAntiMalware = false: true declares GuardDuty the anti-malware solution)');
  });
  it('fails a running instance GuardDuty never saw only where GuardDuty is declared the anti-malware solution, naming who declared it', () => {
    const r = evaluateBoth(runtimeCoverage, evidence(), { guarddutyIsAntiMalware: true });
    expect(statusOf(r)).toMatchObject({ 'payments-eks': 'fail', [UNSEEN]: 'fail' });
    expect(r.find((x) => x.resource === UNSEEN)!.reason).toContain('does not appear in GuardDuty’s runtime coverage list: no GuardDuty runtime agent reports from it, and GuardDuty is declared the anti-malware solution (guarddutyIsAntiMalware = true)');
    // Declared, an UNHEALTHY entry fails, naming the declaration.
    expect(r.find((x) => x.resource === 'payments-eks')!.reason).toMatch(/UNHEALTHY in GuardDuty runtime monitoring \(Addon aws-guardduty-agent is not installed[^)]*\): its GuardDuty agent does not report, so GuardDuty does not protect it against malware, and GuardDuty is declared the anti-malware solution \(guarddutyIsAntiMalware = true\)$/);
  });
  it('EKS runtime monitoring is no EC2 cover: every running instance is judged uncovered', () => {
    const eksOnly = coverageResources.filter((c) => c.ResourceDetails?.ResourceType === 'EKS').map((c) => ({ ...c, CoverageStatus: 'HEALTHY' as const }));
    const s = statusOf(evaluateBoth(runtimeCoverage, evidence(eksOnly)));
    expect(s['payments-eks']).toBe('pass');
    expect(s['arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890']).toBe('needs-review');
    expect(statusOf(evaluateBoth(runtimeCoverage, evidence(eksOnly), { guarddutyIsAntiMalware: true }))[UNSEEN]).toBe('fail');
  });
  it('a region with no detector needs review (fails when GuardDuty is declared), is not applicable with nothing to cover, and an error without the instance list', () => {
    const noDetector = { detectorIds: [], detectors: [], reservations: [] };
    expect(evaluateBoth(runtimeCoverage, noDetector)).toEqual([expect.objectContaining({ resource: 'account', status: 'needs-review', reason: expect.stringContaining('whether another anti-malware solution runs on the region’s workloads is not in the evidence') })]);
    expect(statusOf(evaluateBoth(runtimeCoverage, noDetector, { guarddutyIsAntiMalware: true }))).toEqual({ account: 'fail' });
    expect(statusOf(evaluateBoth(runtimeCoverage, evidence([], [])))).toEqual({ account: 'not-applicable' });
    expect(statusOf(evaluateBoth(runtimeCoverage, { detectorIds: [DETECTOR_ID], detectors: [{ detectorId: DETECTOR_ID, resources: [], statistics: {} }] }))).toEqual({ account: 'error' });
    // A failed DescribeInstances leaves the coverage list judged; only the uncovered-instance part is a gap.
    const denied = evaluateBoth(runtimeCoverage, evidence(coverageResources, { error: { code: 'UnauthorizedOperation', message: 'denied' } }));
    expect(denied.map((x) => x.status)).toEqual(['pass', 'needs-review', 'error']);
    expect(denied[2].reason).toContain('DescribeInstances failed (UnauthorizedOperation)');
  });

  it('judged by the catalogs: the declaration is the catalog default (false) until the organisation sets it; 5.2.3 never takes it', async () => {
    const byDefault = await judgedByCatalogs('guardduty.runtime-coverage', evidence());
    for (const id of ['5.2.1', '5.2.2', '5.3.2', '164.308(a)(5)(ii)(B)']) {
      const f = byDefault(id).findings.find((x) => x.resource === UNSEEN)!;
      expect(f.status, id).toBe('needs-review');
      expect(f.reason, id).toContain(`guarddutyIsAntiMalware = false, set by the catalog default for ${id}`);
    }
    // 5.2.3 compares the uncovered components with the list of those judged not at risk: always for review.
    expect(byDefault('5.2.3').findings.find((x) => x.resource === UNSEEN)!.status).toBe('needs-review');
    const declared = await judgedByCatalogs('guardduty.runtime-coverage', evidence(), { parameterOverrides: { 'pci-dss-4.0.1': { '5.2.1': { guarddutyIsAntiMalware: true } } } });
    expect(declared('5.2.1').findings.find((x) => x.resource === UNSEEN)).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining(`guarddutyIsAntiMalware = true, set by the organisation's configuration (parameters.pci-dss-4.0.1."5.2.1".guarddutyIsAntiMalware)`),
    });
    // The declaration is the entity's: made under 5.2.1, it reaches 5.2.2 and 5.3.2 too (not HIPAA, another framework).
    for (const id of ['5.2.2', '5.3.2']) {
      expect(declared(id).findings.find((x) => x.resource === UNSEEN), id).toMatchObject({
        status: 'fail',
        reason: expect.stringContaining(`(parameters.pci-dss-4.0.1."5.2.1".guarddutyIsAntiMalware: an entity declaration, which applies to every pci-dss-4.0.1 requirement taking guarddutyIsAntiMalware, ${id} among them)`),
      });
    }
    expect(declared('164.308(a)(5)(ii)(B)').findings.find((x) => x.resource === UNSEEN)!.status).toBe('needs-review');
    // The unhealthy cluster: a failure where the declaration reaches (5.2.1, 5.2.2, 5.3.2), for review elsewhere; under
    // 5.2.3 it is compared with the not-at-risk list whatever the declaration.
    for (const id of ['5.2.1', '5.2.2', '5.3.2']) expect(declared(id).findings.find((x) => x.resource === 'payments-eks')!.status, id).toBe('fail');
    for (const id of ['164.308(a)(5)(ii)(B)', '5.2.3']) expect(declared(id).findings.find((x) => x.resource === 'payments-eks')!.status, id).toBe('needs-review');
    expect(byDefault('5.2.1').findings.find((x) => x.resource === 'payments-eks')!.status).toBe('needs-review');
    await expect(judgedByCatalogs('guardduty.runtime-coverage', evidence(), { parameterOverrides: { 'pci-dss-4.0.1': { '5.2.3': { guarddutyIsAntiMalware: true } } } })).rejects.toThrow(/requirement 5.2.3 has no parameter "guarddutyIsAntiMalware"/);
  });

  // QSA (5.2.3 "components not considered at risk from malware are re-evaluated periodically"): the EKS cluster without
  // a reporting agent FAILED 5.2.3, though the requirement asks only that components judged not at risk be listed and
  // evaluated. Under 5.2.3 the uncovered components are compared with the entity's list (notAtRiskComponents).
  describe('5.2.3: the uncovered workloads are compared with the entity’s not-at-risk list, never failed', () => {
    const EKS = 'payments-eks';
    const COVERED = 'arn:aws:ec2:us-east-1:111122223333:instance/i-0abc1234def567890';
    const list = (notAtRiskComponents: string[]) => ({ parameterOverrides: { 'pci-dss-4.0.1': { '5.2.3': { notAtRiskComponents } } } });

    it('no list declared: every uncovered workload needs review, naming that no list is declared; a covered one is not compared', async () => {
      const judged = await judgedByCatalogs('guardduty.runtime-coverage', evidence());
      expect(judged('5.2.3').status).toBe('needs-review');
      expect(statusOf(judged('5.2.3').findings)).toEqual({ [COVERED]: 'not-applicable', [EKS]: 'needs-review', [UNSEEN]: 'needs-review' });
      const eks = judged('5.2.3').findings.find((x) => x.resource === EKS)!.reason;
      expect(eks).toContain('Addon aws-guardduty-agent is not installed');
      expect(eks).toContain('5.2.3: not shown covered by GuardDuty runtime monitoring');
      expect(eks).toContain('no list of components judged not at risk from malware is declared (notAtRiskComponents, set by the catalog default for 5.2.3');
      // 5.2.1 and 5.2.2 judge as 5.2.1 does: the unhealthy cluster needs review, GuardDuty not being declared the solution.
      expect(statusOf(judged('5.2.1').findings)).toEqual({ [COVERED]: 'pass', [EKS]: 'needs-review', [UNSEEN]: 'needs-review' });
      expect(judged('5.2.2').status).toBe('needs-review');
    });

    // QSA: a listed component PASSED 5.2.3 "where the list and the evidence agree", though what 5.2.3 asks for (the
    // periodic evaluation of each listed component) is in no AWS evidence: it needs review, saying what to examine.
    it('on the list (by name, id, ARN or tag): agrees with it, yet needs review for the periodic evaluation; not on it: needs review', async () => {
      const some = await judgedByCatalogs('guardduty.runtime-coverage', evidence(), list(['tag:Name=batch-worker']));
      expect(statusOf(some('5.2.3').findings)).toEqual({ [COVERED]: 'not-applicable', [EKS]: 'needs-review', [UNSEEN]: 'needs-review' });
      expect(some('5.2.3').findings.find((x) => x.resource === UNSEEN)!.reason).toContain(
        `on the entity's list of components judged not at risk from malware (entry "tag:Name=batch-worker" of notAtRiskComponents, set by the organisation's configuration (parameters.pci-dss-4.0.1."5.2.3".notAtRiskComponents)): the list and the evidence agree, but the periodic evaluation 5.2.3 asks for is not in this evidence: the assessor examines the entity's record of its latest evaluation of this component: its date, within the frequency the entity's targeted risk analysis sets (5.2.3.1), that it considered the evolving malware threats to this kind of component, and that it concluded the component still needs no anti-malware protection`,
      );
      expect(some('5.2.3').findings.find((x) => x.resource === EKS)!.reason).toContain('not on the not-at-risk list (1 entry of notAtRiskComponents, set by the organisation');
      expect(some('5.2.3').findings.find((x) => x.resource === EKS)!.reason).toContain('either protect it (5.2.1) or add it to the list with an evaluation');
      expect(some('5.2.3').status).toBe('needs-review');
      for (const entries of [[EKS, 'i-0fedcba9876543210'], [EKS, UNSEEN]]) {
        const all = await judgedByCatalogs('guardduty.runtime-coverage', evidence(), list(entries));
        expect(statusOf(all('5.2.3').findings)).toEqual({ [COVERED]: 'not-applicable', [EKS]: 'needs-review', [UNSEEN]: 'needs-review' });
        // A full list never makes 5.2.3 pass: each listed component's periodic evaluation is the assessor's to examine.
        expect(all('5.2.3')).toMatchObject({ status: 'needs-review', gaps: [expect.objectContaining({ queryId: 'inspector2.coverage' })] });
        expect(all('5.2.3').findings.every((f) => f.status !== 'pass')).toBe(true);
        expect(all('5.2.1').status).toBe('needs-review');
      }
    });

    it('no detector: every running instance is compared with the list, and the clusters GuardDuty cannot list need review', () => {
      const r = evaluateBoth(runtimeCoverage, { detectorIds: [], detectors: [], reservations: runningInstances }, { notAtRiskEvaluation: true, notAtRiskComponents: ['i-0abc1234def567890'] });
      expect(statusOf(r)).toEqual({ account: 'needs-review', [COVERED]: 'needs-review', [UNSEEN]: 'needs-review' });
      expect(r.find((x) => x.resource === COVERED)!.reason).toContain('the periodic evaluation 5.2.3 asks for is not in this evidence');
      expect(r[0].reason).toContain('ECS and EKS clusters are not listed without a detector');
      expect(r.find((x) => x.resource === UNSEEN)!.reason).toContain('no GuardDuty runtime agent reports from it, as GuardDuty has no detector in us-east-1');
    });

    it('the setting is the catalog’s: the configuration cannot switch it off, nor give the list to another requirement', async () => {
      await expect(judgedByCatalogs('guardduty.runtime-coverage', evidence(), { parameterOverrides: { 'pci-dss-4.0.1': { '5.2.3': { notAtRiskEvaluation: false } } } })).rejects.toThrow(/notAtRiskEvaluation: false cannot be used by .*only a requirement about components judged not at risk/);
      await expect(judgedByCatalogs('guardduty.runtime-coverage', evidence(), list(['tag:NoValue']))).rejects.toThrow(/"tag:NoValue" is neither an ARN/);
      await expect(judgedByCatalogs('guardduty.runtime-coverage', evidence(), { parameterOverrides: { 'pci-dss-4.0.1': { '5.2.1': { notAtRiskComponents: [EKS] } } } })).rejects.toThrow(/requirement 5.2.1 has no parameter "notAtRiskComponents"/);
    });
  });
});

describe('guardduty.findings', () => {
  const all = [criticalFinding, highFinding, mediumFinding, lowFinding];
  const evidence = (list = all) => ({
    detectorIds: [DETECTOR_ID],
    detectors: [{ detectorId: DETECTOR_ID, detector: enabledDetector, findingIds: list.map((f) => f.Id!), findings: list, statistics: severityStatistics, archived: noneArchived as ArchivedInWindow | undefined }],
  });
  it('lists open findings at or above the chosen severity for review, never as failures', () => {
    const r = evaluateBoth(findings, evidence(), { minimumSeverity: 7 });
    expect(r.map((x) => x.status)).toEqual(['needs-review', 'needs-review', 'needs-review']);
    expect(r[0]).toMatchObject({ resource: criticalFinding.Arn, reason: expect.stringContaining('critical finding AttackSequence:IAM/CompromisedCredentials') });
    expect(r[0].reason).toContain('AccessKey ci-deployer');
    expect(r[1]).toMatchObject({ resource: highFinding.Arn, reason: expect.stringContaining('last 2025-05-31T22:10:00.000Z') });
    expect(r[2]).toMatchObject({ resource: DETECTOR_ARN, reason: expect.stringContaining('4 open findings (critical 1, high 1, medium 1, low 1)') });
  });
  it('lists medium findings by default; the severity cut-off is an organisation choice', () => {
    expect(findings.parameters?.minimumSeverity.default).toBe(4);
    expect(findings.parameters?.minimumSeverity.description).toMatch(/^Organisation choice/);
    const r = evaluateBoth(findings, evidence([mediumFinding, lowFinding]));
    expect(statusOf(r)).toEqual({ [mediumFinding.Arn!]: 'needs-review', [DETECTOR_ARN]: 'needs-review' });
    const pass = evaluateBoth(findings, evidence([mediumFinding, lowFinding]), { minimumSeverity: 7 });
    expect(statusOf(pass)).toEqual({ [DETECTOR_ARN]: 'pass' });
    // The pass says the archived findings were counted, and over which window.
    expect(pass[0].reason).toContain(`none open at or above severity 7; none at or above severity 7 archived in the period (last updated ${ARCHIVED_WINDOW.from} to ${ARCHIVED_WINDOW.to}`);
  });
  it('needs review when findings at or above the threshold were archived in the period (by hand or by a suppression rule the member cannot see)', () => {
    const data = evidence([lowFinding]);
    data.detectors[0].archived = highArchived;
    const r = evaluateBoth(findings, data);
    expect(r).toEqual([expect.objectContaining({ resource: DETECTOR_ARN, status: 'needs-review' })]);
    expect(r[0].reason).toContain('none open at or above severity 4; 2 findings at or above severity 4 were archived in the period (high 2; last updated');
    expect(r[0].reason).toContain("suppression rule (the GuardDuty administrator's rules are not in a member's ListFilters)");
    expect(r[0].reason).toContain('not sent to Security Hub or EventBridge');
    // The low one counts only when the threshold reaches it; above the high level none count.
    expect(evaluateBoth(findings, data, { minimumSeverity: 1 }).at(-1)!.reason).toContain('3 findings at or above severity 1 were archived in the period (high 2, low 1;');
    expect(statusOf(evaluateBoth(findings, data, { minimumSeverity: 9 }))).toEqual({ [DETECTOR_ARN]: 'pass' });
    // A threshold inside a level counts that level whole, saying so.
    expect(evaluateBoth(findings, data, { minimumSeverity: 8.5 })[0].reason).toContain('the high level, 7.0-8.9, is counted whole, so some may be below 8.5');
  });
  it('needs review when the count of archived findings was refused or is not in the evidence (sealed before it was read), never a pass', () => {
    const refused = evidence([lowFinding]);
    refused.detectors[0].archived = { ...ARCHIVED_WINDOW, bySeverity: { error: { code: 'AccessDeniedException', message: 'not authorized to perform guardduty:GetFindingsStatistics' } } };
    const r = evaluateBoth(findings, refused);
    expect(r).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('GetFindingsStatistics for archived findings was refused (AccessDeniedException)') })]);
    const sealed = evidence([lowFinding]);
    delete sealed.detectors[0].archived;
    expect(evaluateBoth(findings, sealed)).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('the evidence holds no count of findings archived in the period') })]);
  });
  it('judges the GuardDuty administrator’s per-level counts as the account’s own count', () => {
    const level = (l: string, entry?: { AccountId: string; TotalFindings: number }, listed = entry ? 1 : 0) => ({ level: l as 'high', ...(entry ? { entry } : {}), listed, maxResults: 100 });
    const byLevel = (high?: { AccountId: string; TotalFindings: number }, listed?: number) => ({ ...ARCHIVED_WINDOW, byLevel: [level('critical'), level('high', high, listed), level('medium'), level('low')] });
    const data = evidence([lowFinding]);
    data.detectors[0].archived = byLevel({ AccountId: ctx.accountId, TotalFindings: 2 });
    expect(evaluateBoth(findings, data)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('2 findings at or above severity 4 were archived in the period (high 2;') });
    data.detectors[0].archived = byLevel(undefined, 3);
    expect(evaluateBoth(findings, data)[0].status).toBe('pass');
    // An answer listing as many accounts as it can may have left this one out.
    data.detectors[0].archived = byLevel(undefined, 100);
    expect(evaluateBoth(findings, data)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('lists 100 accounts, the most it lists, and not this one') });
    // An answer without statistics shows no count.
    data.detectors[0].archived = { ...ARCHIVED_WINDOW, byLevel: [level('critical'), { level: 'high', noStatistics: true }, level('medium'), level('low')] };
    expect(evaluateBoth(findings, data)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('answer for archived high findings holds no statistics') });
  });
  it('ignores findings archived after listing and notes findings GetFindings no longer returned', () => {
    const archived = { ...highFinding, Service: { ...highFinding.Service, Archived: true } };
    const data = evidence([archived, lowFinding]);
    data.detectors[0].findingIds.push('vanished');
    const r = evaluateBoth(findings, data);
    expect(statusOf(r)).toEqual({ [DETECTOR_ARN]: 'pass' });
    expect(r[0].reason).toContain('1 listed findings were no longer returned');
  });
  it('an account with no detector needs review (never a pass), and fails where GuardDuty is declared the solution', () => {
    expect(evaluateBoth(findings, none)).toEqual([expect.objectContaining({ resource: 'account', status: 'needs-review', reason: expect.stringContaining('so no GuardDuty findings exist to review; the entity may use another solution') })]);
    expect(statusOf(evaluateBoth(findings, none, { guarddutyIsLogReview: true }))).toEqual({ account: 'fail' });
  });
  it('a suspended detector is no pass when GuardDuty generates no findings (5.3.4): it needs review, and fails where GuardDuty is declared the solution', () => {
    const data = evidence([lowFinding]);
    data.detectors[0].detector = suspendedDetector;
    expect(evaluateBoth(findings, data)).toEqual([expect.objectContaining({ resource: DETECTOR_ARN, status: 'needs-review', reason: expect.stringContaining('is DISABLED (suspended): GuardDuty is not generating findings') })]);
    expect(evaluateBoth(findings, data, { guarddutyIsAntiMalware: true })).toEqual([
      expect.objectContaining({ resource: DETECTOR_ARN, status: 'fail', reason: expect.stringContaining('and GuardDuty is declared the anti-malware solution (guarddutyIsAntiMalware = true)') }),
    ]);
  });
  it('needs review when the evidence holds no detector status, never a pass', () => {
    const data = evidence([lowFinding]);
    delete (data.detectors[0] as { detector?: unknown }).detector;
    expect(evaluateBoth(findings, data)).toEqual([expect.objectContaining({ resource: DETECTOR_ARN, status: 'needs-review', reason: expect.stringContaining('no GetDetector status') })]);
  });
});
