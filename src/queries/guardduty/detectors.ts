import type { GetDetectorCommandOutput } from '@aws-sdk/client-guardduty';
import { loadGuardDutySdk } from '../../aws/sdk.js';
import { stripMetadata, type QueryContext, type ResourceResult } from '../types.js';

export type Detector = Omit<GetDetectorCommandOutput, '$metadata'>;

/** ListDetectors (all pages) and GetDetector for each: at most one detector per account and region. */
export interface DetectorsEvidence {
  detectorIds: string[];
  detectors: { detectorId: string; detector: Detector }[];
}

export async function collectDetectors(ctx: QueryContext): Promise<DetectorsEvidence> {
  const { GuardDutyClient, GetDetectorCommand, paginateListDetectors } = await loadGuardDutySdk();
  const gd = ctx.clients.get(GuardDutyClient);
  const detectorIds: string[] = [];
  for await (const page of paginateListDetectors({ client: gd }, {})) detectorIds.push(...(stripMetadata(page).DetectorIds ?? []));
  const detectors: DetectorsEvidence['detectors'] = [];
  for (const detectorId of detectorIds) {
    detectors.push({ detectorId, detector: stripMetadata(await gd.send(new GetDetectorCommand({ DetectorId: detectorId }))) });
  }
  return { detectorIds, detectors };
}

/** The ARN GuardDuty gives a detector, used as the resource name in results. */
export function detectorArn(accountId: string, region: string, detectorId: string): string {
  return `arn:aws:guardduty:${region}:${accountId}:detector/${detectorId}`;
}

/**
 * Judges each listed detector; an account with no detector in the region fails (GuardDuty is off there),
 * and a listed detector without its GetDetector response is an error, never a pass.
 */
export function evaluateDetectors(
  data: DetectorsEvidence | undefined,
  ctx: { accountId: string; region: string },
  judge: (detectorId: string, detector: Detector) => Pick<ResourceResult, 'status' | 'reason'>,
): ResourceResult[] {
  if (!data?.detectorIds) {
    return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListDetectors response' }];
  }
  if (data.detectorIds.length === 0) {
    return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `GuardDuty has no detector in ${ctx.region}: threat detection is off in this region` }];
  }
  return data.detectorIds.map((id) => {
    const d = data.detectors?.find((x) => x.detectorId === id)?.detector;
    const base = { resource: detectorArn(ctx.accountId, ctx.region, id), resourceType: 'AWS::GuardDuty::Detector' };
    return d ? { ...base, ...judge(id, d) } : { ...base, status: 'error' as const, reason: `detector ${id}: the evidence holds no GetDetector response` };
  });
}
