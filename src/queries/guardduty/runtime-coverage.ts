import type { CoverageFilterCriteria, CoverageResource, GetCoverageStatisticsCommandOutput } from '@aws-sdk/client-guardduty';
import type { Reservation } from '@aws-sdk/client-ec2';
import { loadEc2Sdk, loadGuardDutySdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { judgeNotAtRisk, NOT_AT_RISK_PARAMETERS } from '../not-at-risk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { valueSetBy } from '../parameter-source.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type EvaluationContext, type QueryParameters, type ResourceResult } from '../types.js';
import { detectorArn, guardDutyOff } from './detectors.js';

export interface DetectorCoverageEvidence {
  detectorId: string;
  /** ListCoverage, all pages: every EC2 instance, ECS cluster and EKS cluster GuardDuty runtime monitoring knows of. */
  resources: CoverageResource[];
  /** GetCoverageStatistics by coverage status and by resource type, GuardDuty's own totals. */
  statistics: Omit<GetCoverageStatisticsCommandOutput, '$metadata'>;
}

export interface RuntimeCoverageEvidence {
  detectorIds: string[];
  detectors: DetectorCoverageEvidence[];
  /** DescribeInstances, all pages: the EC2 instances that should appear in the coverage list; a failed call is kept. */
  reservations: Reservation[] | CapturedError;
}

/** The account's own coverage: a GuardDuty administrator's detector lists its members' resources too. */
export function ownCoverage(accountId: string): CoverageFilterCriteria {
  return { FilterCriterion: [{ CriterionKey: 'ACCOUNT_ID', FilterCondition: { Equals: [accountId] } }] };
}

function coverageLabel(r: CoverageResource): string {
  const d = r.ResourceDetails;
  const type = d?.ResourceType ?? 'resource';
  const name = d?.Ec2InstanceDetails?.InstanceId ?? d?.EcsClusterDetails?.ClusterName ?? d?.EksClusterDetails?.ClusterName ?? r.ResourceId ?? '(unnamed)';
  return `${type} ${name}`;
}

function coverageResourceType(r: CoverageResource): string {
  const t = r.ResourceDetails?.ResourceType;
  return t === 'EC2' ? 'AWS::EC2::Instance' : t === 'ECS' ? 'AWS::ECS::Cluster' : t === 'EKS' ? 'AWS::EKS::Cluster' : 'AWS::GuardDuty::CoverageResource';
}

/**
 * Whether the organisation declares GuardDuty its anti-malware solution, in words naming who set it. Only then is a
 * workload outside GuardDuty's runtime coverage a failure: another anti-malware product does not appear in GuardDuty's
 * coverage list, so without the declaration the evidence cannot tell an unprotected instance from one protected otherwise.
 */
function antiMalwareDeclaration(params: QueryParameters, ctx: EvaluationContext): { declared: boolean; setting: string } {
  const declared = params.guarddutyIsAntiMalware === true;
  return { declared, setting: valueSetBy(ctx, 'guarddutyIsAntiMalware', declared) };
}

export const runtimeCoverage = defineQuery<RuntimeCoverageEvidence>({
  id: 'guardduty.runtime-coverage',
  service: 'guardduty',
  title: 'Every running EC2 instance and every monitored cluster is covered by GuardDuty runtime monitoring',
  description:
    'GuardDuty’s runtime coverage list of the account (ListCoverage, its own entries only, also where it is the GuardDuty administrator) with each EC2 instance, ECS cluster and EKS cluster and whether its security agent reports (HEALTHY) or not (UNHEALTHY, with the issue), GuardDuty’s coverage statistics, and the running EC2 instances of the region (DescribeInstances), so an instance missing from the coverage list shows as uncovered by GuardDuty. Anti-malware products other than GuardDuty are not visible in this evidence: an uncovered instance, and a workload whose GuardDuty agent does not report (UNHEALTHY), fail only where the organisation declares GuardDuty its anti-malware solution (guarddutyIsAntiMalware), and otherwise need review. Under a requirement that sets notAtRiskEvaluation (PCI DSS 5.2.3) an uncovered workload is compared with the entity’s list of components judged not at risk from malware (notAtRiskComponents) instead.',
  remediation:
    'Enable Runtime Monitoring with automated agent management for EC2 and ECS Fargate (`aws guardduty update-detector --features Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EC2_AGENT_MANAGEMENT,Status=ENABLED}]`), or install the GuardDuty security agent; fix the issue GuardDuty names for each unhealthy resource (usually the VPC endpoint or the SSM agent).',
  scope: 'regional',
  apiCalls: ['guardduty:ListDetectors', 'guardduty:ListCoverage', 'guardduty:GetCoverageStatistics', 'ec2:DescribeInstances'],
  parameters: {
    guarddutyIsAntiMalware: {
      description:
        'Organisation declaration: GuardDuty runtime monitoring (its security agent) is the anti-malware solution of the EC2 instances and clusters. true: a running instance missing from GuardDuty’s runtime coverage list, an UNHEALTHY coverage entry (its agent does not report) and a region without a detector fail. false (default): they need review, since another anti-malware product would not appear in GuardDuty’s list. Set once in the configuration under any requirement of a framework that takes it, it applies to every requirement of that framework whose catalog entry takes it.',
      default: false,
    },
    ...NOT_AT_RISK_PARAMETERS,
  },
  async collect(ctx) {
    const { GuardDutyClient, GetCoverageStatisticsCommand, paginateListCoverage, paginateListDetectors } = await loadGuardDutySdk();
    const gd = ctx.clients.get(GuardDutyClient);
    const detectorIds: string[] = [];
    for await (const page of paginateListDetectors({ client: gd }, {})) detectorIds.push(...(stripMetadata(page).DetectorIds ?? []));
    const detectors: DetectorCoverageEvidence[] = [];
    const own = ownCoverage(ctx.accountId);
    for (const detectorId of detectorIds) {
      const resources: CoverageResource[] = [];
      for await (const page of paginateListCoverage({ client: gd, pageSize: 50 }, { DetectorId: detectorId, FilterCriteria: own })) {
        ctx.signal?.throwIfAborted();
        resources.push(...(stripMetadata(page).Resources ?? []));
      }
      const statistics = stripMetadata(
        await gd.send(new GetCoverageStatisticsCommand({ DetectorId: detectorId, FilterCriteria: own, StatisticsType: ['COUNT_BY_COVERAGE_STATUS', 'COUNT_BY_RESOURCE_TYPE'] })),
      );
      detectors.push({ detectorId, resources, statistics });
    }
    const { EC2Client, paginateDescribeInstances } = await loadEc2Sdk();
    // The coverage list stands on its own; without the instance list only the uncovered instances go unjudged.
    const reservations = await captureFailure(async () => {
      const out: Reservation[] = [];
      for await (const page of paginateDescribeInstances(
        { client: ctx.clients.get(EC2Client), pageSize: 1000 },
        { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] },
      )) {
        ctx.signal?.throwIfAborted();
        out.push(...(stripMetadata(page).Reservations ?? []));
      }
      return out;
    }, ctx.signal);
    return { detectorIds, detectors, reservations };
  },
  evaluate(data, params, ctx) {
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!data?.detectorIds) return [{ ...account, status: 'error', reason: 'the evidence holds no ListDetectors response' }];
    const { declared, setting } = antiMalwareDeclaration(params, ctx);
    // PCI DSS 5.2.3 compares every workload without a reporting agent with the entity's not-at-risk list: without a
    // detector, that is every running instance (named below); clusters are not listed without one.
    const notAtRisk = params.notAtRiskEvaluation === true;
    const noDetector = data.detectorIds.length === 0;
    if (noDetector && !notAtRisk) {
      const why = `GuardDuty has no detector in ${ctx.region}, so no workload is under GuardDuty runtime monitoring`;
      return [
        declared
          ? { ...account, status: 'fail', reason: `${why}, and GuardDuty is declared the anti-malware solution (${setting})` }
          : { ...account, status: 'needs-review', reason: `${why}; whether another anti-malware solution runs on the region’s workloads is not in the evidence (${setting}: true declares GuardDuty the anti-malware solution)` },
      ];
    }
    const results: ResourceResult[] = [];
    if (noDetector) {
      results.push({
        ...account,
        status: 'needs-review',
        reason: `GuardDuty has no detector in ${ctx.region}, so no workload is under GuardDuty runtime monitoring; its running EC2 instances are named one by one, but ECS and EKS clusters are not listed without a detector: the assessor compares the region's clusters with the entity's list of components judged not at risk from malware`,
      });
    }
    const covered = new Set<string>();
    const leftOut: [string, number][] = [];
    for (const id of data.detectorIds) {
      const d = data.detectors?.find((x) => x.detectorId === id);
      if (!d) {
        results.push({ resource: detectorArn(ctx.accountId, ctx.region, id), resourceType: 'AWS::GuardDuty::Detector', status: 'error', reason: `detector ${id}: the evidence holds no coverage list for it` });
        continue;
      }
      const { own, others } = ownItems(d.resources ?? [], (r) => r.AccountId, ctx.accountId);
      leftOut.push(...others);
      for (const r of own) {
        const instanceId = r.ResourceDetails?.Ec2InstanceDetails?.InstanceId;
        if (instanceId) covered.add(instanceId);
        const resource =
          r.ResourceDetails?.ResourceType === 'EC2' && instanceId
            ? `arn:aws:ec2:${ctx.region}:${r.AccountId ?? ctx.accountId}:instance/${instanceId}`
            : (r.ResourceId ?? coverageLabel(r));
        const base = { resource, resourceType: coverageResourceType(r) };
        if (r.CoverageStatus === 'HEALTHY') {
          results.push({ ...base, status: 'pass', reason: `${coverageLabel(r)} is covered by GuardDuty runtime monitoring and its agent reports (HEALTHY)` });
          continue;
        }
        // An agent that does not report is GuardDuty's protection off for this workload: judged as GuardDuty off is
        // (guardduty.detector-enabled), a failure where GuardDuty is declared the anti-malware solution, else for review.
        results.push({
          ...base,
          ...guardDutyOff(
            `${coverageLabel(r)} is ${r.CoverageStatus ?? 'in an unknown coverage state'} in GuardDuty runtime monitoring${r.Issue ? ` (${r.Issue})` : ''}: its GuardDuty agent does not report, so GuardDuty does not protect it against malware`,
            ['guarddutyIsAntiMalware'],
            params,
            ctx,
            'confirm which protects it, and why its GuardDuty agent does not report',
          ),
        });
      }
    }
    const tags = new Map<string, readonly { Key?: string; Value?: string }[]>();
    if (!data.reservations || isCapturedError(data.reservations)) {
      const why = data.reservations ? `DescribeInstances failed (${data.reservations.error.code})` : 'the evidence holds no DescribeInstances response';
      results.push({ ...account, status: 'error', reason: `${why}, so EC2 instances missing from the coverage list cannot be found` });
    } else {
      for (const res of data.reservations) {
        for (const i of res.Instances ?? []) {
          const resource = `arn:aws:ec2:${ctx.region}:${res.OwnerId ?? ctx.accountId}:instance/${i.InstanceId}`;
          if (i.InstanceId) tags.set(resource, i.Tags ?? []);
          if (i.State?.Name !== 'running' || !i.InstanceId || covered.has(i.InstanceId)) continue;
          const name = i.Tags?.find((t) => t.Key === 'Name')?.Value;
          const label = `running EC2 instance ${i.InstanceId}${name ? ` (${name})` : ''}`;
          if (noDetector) {
            results.push({ resource, resourceType: 'AWS::EC2::Instance', status: 'needs-review', reason: `${label}: no GuardDuty runtime agent reports from it, as GuardDuty has no detector in ${ctx.region}` });
            continue;
          }
          results.push({
            resource,
            resourceType: 'AWS::EC2::Instance',
            ...(declared
              ? { status: 'fail' as const, reason: `${label} does not appear in GuardDuty’s runtime coverage list: no GuardDuty runtime agent reports from it, and GuardDuty is declared the anti-malware solution (${setting})` }
              : {
                  status: 'needs-review' as const,
                  reason: `${label} is not covered by GuardDuty runtime monitoring (it does not appear in GuardDuty’s runtime coverage list); whether another anti-malware solution runs on it is not in the evidence (${setting}: true declares GuardDuty the anti-malware solution)`,
                }),
          });
        }
      }
    }
    if (results.length === 0) {
      results.push({ ...account, status: 'not-applicable', reason: `no running EC2 instance and no ECS or EKS cluster under runtime monitoring in ${ctx.region}` });
    }
    const judged = judgeNotAtRisk(results, params, ctx, 'GuardDuty runtime monitoring (a reporting GuardDuty agent; other anti-malware is not visible here)', (arn) => tags.get(arn));
    // Each resource was judged on this account's coverage entries only; the reason says so when others were present.
    const note = othersLeftOut(leftOut, 'coverage entries');
    return note ? judged.map((r) => ({ ...r, reason: `${r.reason}${note}` })) : judged;
  },
});
