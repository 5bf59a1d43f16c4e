import type { GetDetectorCommandOutput, GetFilterCommandOutput, GetMalwareScanSettingsCommandOutput } from '@aws-sdk/client-guardduty';
import { loadGuardDutySdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { declaredByRequirement, valueSetBy } from '../parameter-source.js';
import { stripMetadata, type CapturedError, type EvaluationContext, type ParameterSpec, type QueryContext, type QueryParameters, type ResourceResult } from '../types.js';

export type Detector = Omit<GetDetectorCommandOutput, '$metadata'>;
export type Filter = Omit<GetFilterCommandOutput, '$metadata'>;
export type MalwareScanSettings = Omit<GetMalwareScanSettingsCommandOutput, '$metadata'>;

/** ListFilters (all pages) and GetFilter for each name; a failed GetFilter is kept for that filter alone. */
export interface DetectorFilters {
  filterNames: string[];
  filters: { name: string; filter: Filter | CapturedError }[];
}

/** ListDetectors (all pages) and GetDetector for each: at most one detector per account and region. */
export interface DetectorsEvidence {
  detectorIds: string[];
  detectors: {
    detectorId: string;
    detector: Detector;
    /** Saved filters and suppression rules (guardduty.detector-enabled; absent in evidence collected before it read them). */
    filters?: DetectorFilters | CapturedError;
    /** GetMalwareScanSettings (guardduty.malware-runtime-protection; absent in evidence collected before it read them). */
    malwareScanSettings?: MalwareScanSettings | CapturedError;
  }[];
}

export interface CollectDetectorsOptions {
  filters?: boolean;
  malwareScanSettings?: boolean;
}

export async function collectDetectors(ctx: QueryContext, opts: CollectDetectorsOptions = {}): Promise<DetectorsEvidence> {
  const { GuardDutyClient, GetDetectorCommand, GetFilterCommand, GetMalwareScanSettingsCommand, paginateListDetectors, paginateListFilters } = await loadGuardDutySdk();
  const gd = ctx.clients.get(GuardDutyClient);
  const detectorIds: string[] = [];
  for await (const page of paginateListDetectors({ client: gd }, {})) detectorIds.push(...(stripMetadata(page).DetectorIds ?? []));
  const detectors: DetectorsEvidence['detectors'] = [];
  for (const detectorId of detectorIds) {
    const entry: DetectorsEvidence['detectors'][number] = { detectorId, detector: stripMetadata(await gd.send(new GetDetectorCommand({ DetectorId: detectorId }))) };
    if (opts.filters) {
      const names = await captureFailure(async () => {
        const out: string[] = [];
        for await (const page of paginateListFilters({ client: gd, pageSize: 50 }, { DetectorId: detectorId })) out.push(...(stripMetadata(page).FilterNames ?? []));
        return out;
      }, ctx.signal);
      if (Array.isArray(names)) {
        const filters: DetectorFilters['filters'] = [];
        for (const name of names) filters.push({ name, filter: await captureFailure(() => gd.send(new GetFilterCommand({ DetectorId: detectorId, FilterName: name })), ctx.signal) });
        entry.filters = { filterNames: names, filters };
      } else {
        entry.filters = names;
      }
    }
    if (opts.malwareScanSettings) entry.malwareScanSettings = await captureFailure(() => gd.send(new GetMalwareScanSettingsCommand({ DetectorId: detectorId })), ctx.signal);
    detectors.push(entry);
  }
  return { detectorIds, detectors };
}

/** The ARN GuardDuty gives a detector, used as the resource name in results. */
export function detectorArn(accountId: string, region: string, detectorId: string): string {
  return `arn:aws:guardduty:${region}:${accountId}:detector/${detectorId}`;
}

/**
 * Organisation declarations that GuardDuty is the entity's solution for what a requirement asks, each with the role it
 * names. GuardDuty off (no detector, a suspended one, a protection plan off) fails only under a requirement whose
 * declaration is true; otherwise it needs review, since another product doing the job is not visible to GuardDuty's API.
 */
export const GUARDDUTY_DECLARATIONS = {
  guarddutyIsAntiMalware: 'the anti-malware solution',
  guarddutyIsIntrusionDetection: 'the intrusion-detection solution',
  guarddutyIsLogReview: 'the automated mechanism reviewing the AWS audit logs (CloudTrail, VPC flow and DNS logs)',
} as const;
export type GuardDutyDeclaration = keyof typeof GUARDDUTY_DECLARATIONS;

/** The query parameters of these declarations (default false: not declared). */
export function declarationParameters(names: readonly GuardDutyDeclaration[]): Record<string, ParameterSpec> {
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        description: `Organisation declaration: GuardDuty is ${GUARDDUTY_DECLARATIONS[n]}. Set once in the configuration under any requirement of a framework that takes it, it applies to every requirement of that framework whose catalog entry takes it. true: GuardDuty off in a region (no detector, a suspended detector${n === 'guarddutyIsAntiMalware' ? ', a malware protection or runtime monitoring plan off' : ''}) or silenced (guardduty.detector-enabled: a suppression rule archiving every finding) fails. false (default): it needs review, since another solution is not visible in GuardDuty's evidence.`,
        default: false,
      },
    ]),
  );
}

/**
 * GuardDuty off (`why`) judged against the declarations the requirement makes: a failure where one is true (the declared
 * tool is switched off), otherwise needs review naming the declarations it can make and who set them, and `ask`, what the
 * assessor is to confirm. GuardDuty silenced (a suppression rule archiving every finding) is judged the same way.
 */
export function guardDutyOff(why: string, names: readonly GuardDutyDeclaration[], params: QueryParameters, ctx: Pick<EvaluationContext, 'parameterSources'>, ask?: string): Pick<ResourceResult, 'status' | 'reason'> {
  const declared = names.filter((n) => params[n] === true);
  if (declared.length) {
    return { status: 'fail', reason: `${why}, and GuardDuty is declared ${declared.map((n) => `${GUARDDUTY_DECLARATIONS[n]} (${valueSetBy(ctx, n, true)})`).join(' and ')}` };
  }
  const open = names.filter((n) => declaredByRequirement(ctx, n));
  const how = open.length
    ? ` (${open.map((n) => `${valueSetBy(ctx, n, params[n] ?? false)}: true declares GuardDuty ${GUARDDUTY_DECLARATIONS[n]}`).join('; ')})`
    : ' (this requirement takes no declaration that GuardDuty is the solution)';
  return { status: 'needs-review', reason: `${why}; the entity may use another solution, which is not in this evidence${ask ? `: ${ask}` : ''}${how}` };
}

/**
 * Judges each listed detector; an account with no detector in the region is judged by `noDetector` (GuardDuty is off
 * there: a failure only where GuardDuty is declared the solution), and a listed detector without its GetDetector
 * response is an error, never a pass.
 */
export function evaluateDetectors(
  data: DetectorsEvidence | undefined,
  ctx: { accountId: string; region: string },
  judge: (detectorId: string, detector: Detector, entry: DetectorsEvidence['detectors'][number]) => Pick<ResourceResult, 'status' | 'reason'>,
  noDetector: (why: string) => Pick<ResourceResult, 'status' | 'reason'>,
): ResourceResult[] {
  if (!data?.detectorIds) {
    return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListDetectors response' }];
  }
  if (data.detectorIds.length === 0) {
    return [{ resource: 'account', resourceType: 'AWS::::Account', ...noDetector(`GuardDuty has no detector in ${ctx.region}: GuardDuty threat detection is off in this region`) }];
  }
  return data.detectorIds.map((id) => {
    const entry = data.detectors?.find((x) => x.detectorId === id);
    const base = { resource: detectorArn(ctx.accountId, ctx.region, id), resourceType: 'AWS::GuardDuty::Detector' };
    return entry?.detector ? { ...base, ...judge(id, entry.detector, entry) } : { ...base, status: 'error' as const, reason: `detector ${id}: the evidence holds no GetDetector response` };
  });
}
