import type { Finding, FindingCriteria, GetFindingsStatisticsCommandOutput, Member } from '@aws-sdk/client-guardduty';
import { loadGuardDutySdk } from '../../aws/sdk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { defineQuery, stripMetadata, toDate, type ResourceResult } from '../types.js';
import { detectorArn, type Detector } from './detectors.js';

export interface DetectorFindingsEvidence {
  detectorId: string;
  /** GetDetector: its Status says whether GuardDuty is generating findings at all (absent when read through the GuardDuty administrator for a member). */
  detector?: Detector;
  /** ListFindings (all pages) for open findings. */
  findingIds: string[];
  /** GetFindings, in batches of at most 50 ids. */
  findings: Finding[];
  /** GetFindingsStatistics for open findings, grouped by severity (absent when read through the GuardDuty administrator). */
  statistics?: Omit<GetFindingsStatisticsCommandOutput, '$metadata'>;
}

export interface GuardDutyFindingsEvidence {
  detectorIds: string[];
  detectors: DetectorFindingsEvidence[];
}

/** GetFindings accepts at most 50 finding ids per request. */
export const GET_FINDINGS_BATCH = 50;
export const OPEN_FINDINGS: FindingCriteria = { Criterion: { 'service.archived': { Equals: ['false'] } } };
/** The account's own open findings: an administrator's detector also lists every member's. */
export function ownOpenFindings(accountId: string): FindingCriteria {
  return { Criterion: { ...OPEN_FINDINGS.Criterion, accountId: { Equals: [accountId] } } };
}

function band(severity: number): 'critical' | 'high' | 'medium' | 'low' {
  // GuardDuty severity levels: low 1.0-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.0.
  if (severity >= 9) return 'critical';
  if (severity >= 7) return 'high';
  if (severity >= 4) return 'medium';
  return 'low';
}

function affected(f: Finding): string {
  const r = f.Resource;
  const id =
    r?.InstanceDetails?.InstanceId ??
    r?.AccessKeyDetails?.UserName ??
    r?.S3BucketDetails?.[0]?.Name ??
    r?.EksClusterDetails?.Name ??
    r?.RdsDbInstanceDetails?.DbInstanceIdentifier ??
    r?.LambdaDetails?.FunctionName ??
    r?.EcsClusterDetails?.Name;
  return [r?.ResourceType, id].filter(Boolean).join(' ') || 'an unnamed resource';
}

export const findings = defineQuery<GuardDutyFindingsEvidence>({
  id: 'guardduty.findings',
  service: 'guardduty',
  title: 'Open GuardDuty findings at or above the review severity are listed for review',
  description:
    'Every open (unarchived) GuardDuty finding of the account in the region (its own only, even where it is the GuardDuty administrator and its detector lists its members’ too) with its severity, type and affected resource, and GuardDuty’s own count by severity. Findings at or above the review threshold are listed for review; they are never judged automatically.',
  remediation:
    'Investigate each listed finding, remediate or document it as expected behaviour, then archive it (or add a suppression rule for recurring benign findings).',
  scope: 'regional',
  apiCalls: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:ListFindings', 'guardduty:GetFindings', 'guardduty:GetFindingsStatistics'],
  parameters: {
    minimumSeverity: {
      description:
        'Organisation choice, not set by PCI DSS or HIPAA: open findings at or above this severity are listed for review (default 4.0, GuardDuty medium and above; 7.0 would list only high and critical).',
      default: 4,
    },
  },
  async collect(ctx) {
    const { GuardDutyClient, GetDetectorCommand, GetFindingsCommand, GetFindingsStatisticsCommand, paginateListDetectors, paginateListFindings } = await loadGuardDutySdk();
    const gd = ctx.clients.get(GuardDutyClient);
    const detectorIds: string[] = [];
    for await (const page of paginateListDetectors({ client: gd }, {})) detectorIds.push(...(stripMetadata(page).DetectorIds ?? []));
    const detectors: DetectorFindingsEvidence[] = [];
    const own = ownOpenFindings(ctx.accountId);
    for (const detectorId of detectorIds) {
      const detector = stripMetadata(await gd.send(new GetDetectorCommand({ DetectorId: detectorId })));
      const findingIds: string[] = [];
      for await (const page of paginateListFindings({ client: gd, pageSize: 50 }, { DetectorId: detectorId, FindingCriteria: own })) {
        findingIds.push(...(stripMetadata(page).FindingIds ?? []));
      }
      const found: Finding[] = [];
      for (let i = 0; i < findingIds.length; i += GET_FINDINGS_BATCH) {
        const out = await gd.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: findingIds.slice(i, i + GET_FINDINGS_BATCH) }));
        found.push(...(out.Findings ?? []));
      }
      const statistics = stripMetadata(await gd.send(new GetFindingsStatisticsCommand({ DetectorId: detectorId, FindingCriteria: own, GroupBy: 'SEVERITY' })));
      detectors.push({ detectorId, detector, findingIds, findings: found, statistics });
    }
    return { detectorIds, detectors };
  },
  evaluate(data, params, ctx) {
    const threshold = Number(params.minimumSeverity ?? 4);
    if (!data?.detectorIds) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListDetectors response' }];
    if (data.detectorIds.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `GuardDuty has no detector in ${ctx.region}, so no threat findings exist to review` }];
    }
    const results: ResourceResult[] = [];
    for (const id of data.detectorIds) {
      const resource = detectorArn(ctx.accountId, ctx.region, id);
      const d = data.detectors?.find((x) => x.detectorId === id);
      if (!d) {
        results.push({ resource, resourceType: 'AWS::GuardDuty::Detector', status: 'error', reason: `detector ${id}: the evidence holds no findings for it` });
        continue;
      }
      const { own, others } = ownItems(d.findings ?? [], (f) => f.AccountId, ctx.accountId);
      const open = own.filter((f) => f.Service?.Archived !== true);
      const counts = { critical: 0, high: 0, medium: 0, low: 0 };
      for (const f of open) counts[band(f.Severity ?? 0)]++;
      const review = open.filter((f) => (f.Severity ?? 0) >= threshold).sort((a, b) => (b.Severity ?? 0) - (a.Severity ?? 0) || (a.Id ?? '').localeCompare(b.Id ?? ''));
      for (const f of review) {
        const last = toDate(f.Service?.EventLastSeen ?? f.UpdatedAt);
        results.push({
          resource: f.Arn ?? f.Id ?? '',
          resourceType: 'AWS::GuardDuty::Finding',
          status: 'needs-review',
          reason: `open ${band(f.Severity ?? 0)} finding ${f.Type} (severity ${f.Severity}) on ${affected(f)}: ${f.Title ?? ''}${f.Service?.Count ? `; seen ${f.Service.Count} times` : ''}${last ? `, last ${last.toISOString()}` : ''}`,
        });
      }
      const missing = (d.findingIds ?? []).length - (d.findings ?? []).length;
      // Open findings say something only while the detector is generating them: a suspended detector has none new.
      const member = (data as GuardDutyFindingsEvidence & { member?: Member }).member;
      const state = d.detector?.Status;
      if (state !== undefined && state !== 'ENABLED') {
        results.push({
          resource,
          resourceType: 'AWS::GuardDuty::Detector',
          status: 'fail',
          reason: `detector ${id} is ${state} (suspended): GuardDuty is not generating findings, so its ${open.length} open findings say nothing about current threats`,
        });
        continue;
      }
      if (state === undefined && member?.RelationshipStatus !== 'Enabled') {
        results.push({
          resource,
          resourceType: 'AWS::GuardDuty::Detector',
          status: 'needs-review',
          reason: `detector ${id}: the evidence holds no GetDetector status, so whether GuardDuty is generating findings is not shown; ${open.length} open findings were listed`,
        });
        continue;
      }
      const on = state === 'ENABLED' ? 'is ENABLED' : 'is a member the GuardDuty administrator monitors (relationship Enabled)';
      const summary = `${open.length} open findings (critical ${counts.critical}, high ${counts.high}, medium ${counts.medium}, low ${counts.low})${missing > 0 ? `; ${missing} listed findings were no longer returned by GetFindings` : ''}${othersLeftOut(others, 'findings')}`;
      results.push({
        resource,
        resourceType: 'AWS::GuardDuty::Detector',
        status: review.length ? 'needs-review' : 'pass',
        reason: review.length
          ? `detector ${id} ${on}: ${summary}; ${review.length} at or above severity ${threshold} need review`
          : `detector ${id} ${on}: ${summary}; none at or above severity ${threshold}`,
      });
    }
    return results;
  },
});
