import type { CriterionAdditionalProperties, Finding, GetAutomatedDiscoveryConfigurationCommandOutput, GetMacieSessionCommandOutput, JobSummary, Macie2Client } from '@aws-sdk/client-macie2';
import { loadMacie2Sdk } from '../../aws/sdk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { captureAbsence, defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';

/**
 * GetMacieSession (Macie answers AccessDeniedException "Macie is not enabled" when it is off), and when enabled: the
 * automated discovery configuration, every classification job, and the unarchived card-data findings' metadata.
 */
export interface MacieDiscoveryEvidence {
  session: Omit<GetMacieSessionCommandOutput, '$metadata'> | CapturedError;
  automatedDiscovery?: Omit<GetAutomatedDiscoveryConfigurationCommandOutput, '$metadata'> | CapturedError;
  jobs?: JobSummary[];
  /** GetFindings for ListFindings of the financial and multiple-type sensitive data findings, without occurrence locations. */
  findings?: Finding[];
}

/** Finding types whose sensitive data may include card numbers. */
export const CARD_FINDING_TYPES = ['SensitiveData:S3Object/Financial', 'SensitiveData:S3Object/Multiple'] as const;
/** Sensitive authentication data: never to be stored after authorization, wherever it is found. */
const SAD_TYPES = new Set(['CREDIT_CARD_MAGNETIC_STRIPE', 'CREDIT_CARD_SECURITY_CODE']);

const DAY = 86_400_000;

/** Glob with `*` over bucket names, as in the scope configuration. */
function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

/** Card-related detections of one finding, by managed data identifier type (counts only; values are never collected). */
function cardDetections(f: Finding): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of f.classificationDetails?.result?.sensitiveData ?? []) {
    for (const d of item.detections ?? []) if (d.type?.startsWith('CREDIT_CARD')) out.set(d.type, (out.get(d.type) ?? 0) + (d.count ?? 0));
  }
  return out;
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  return typeof value === 'string' && value.trim() ? value.split(',').map((s) => s.trim()) : [];
}

/** The account's own Macie session and, when enabled, its discovery configuration and classification jobs. */
export async function readDiscoverySettings(ctx: QueryContext): Promise<Omit<MacieDiscoveryEvidence, 'findings'>> {
  const { Macie2Client, GetAutomatedDiscoveryConfigurationCommand, GetMacieSessionCommand, paginateListClassificationJobs } = await loadMacie2Sdk();
  const client = ctx.clients.get(Macie2Client);
  const session = await captureAbsence(() => client.send(new GetMacieSessionCommand({}), { abortSignal: ctx.signal }), ['AccessDeniedException']);
  if (isCapturedError(session) || session.status !== 'ENABLED') return { session };
  // A member account may not read the administrator's discovery settings: kept as evidence, judged as unknown.
  const automatedDiscovery = await captureAbsence(() => client.send(new GetAutomatedDiscoveryConfigurationCommand({}), { abortSignal: ctx.signal }), ['AccessDeniedException', 'ValidationException']);
  const jobs: JobSummary[] = [];
  for await (const page of paginateListClassificationJobs({ client, pageSize: 25 }, {})) {
    ctx.signal?.throwIfAborted();
    jobs.push(...(stripMetadata(page).items ?? []));
  }
  return { session, automatedDiscovery, jobs };
}

/** ListFindings then GetFindings of the unarchived card-data findings (with `extra` criteria), without occurrence locations. */
export async function readCardFindings(client: Macie2Client, extra: Record<string, CriterionAdditionalProperties>, signal?: AbortSignal): Promise<Finding[]> {
  const { GetFindingsCommand, paginateListFindings } = await loadMacie2Sdk();
  const ids: string[] = [];
  const findingCriteria = { criterion: { type: { eq: [...CARD_FINDING_TYPES] }, archived: { eq: ['false'] }, ...extra } };
  for await (const page of paginateListFindings({ client, pageSize: 50 }, { findingCriteria })) {
    signal?.throwIfAborted();
    ids.push(...(stripMetadata(page).findingIds ?? []));
  }
  const findings: Finding[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const out = stripMetadata(await client.send(new GetFindingsCommand({ findingIds: ids.slice(i, i + 50) }), { abortSignal: signal }));
    for (const f of out.findings ?? []) {
      // Occurrence locations point at the card numbers inside the object; the assessor needs counts, not where to read them.
      const sensitiveData = f.classificationDetails?.result?.sensitiveData?.map((s) => ({ ...s, detections: s.detections?.map(({ occurrences: _where, ...d }) => d) }));
      findings.push(sensitiveData && f.classificationDetails?.result ? { ...f, classificationDetails: { ...f.classificationDetails, result: { ...f.classificationDetails.result, sensitiveData } } } : f);
    }
  }
  return findings;
}

export const macieDiscovery = defineQuery<MacieDiscoveryEvidence>({
  id: 'macie.discovery',
  service: 'macie2',
  title: 'Amazon Macie discovers sensitive data in S3, and card numbers appear only where card data is expected',
  description:
    'Amazon Macie in the region: whether it is enabled, whether automated sensitive data discovery or classification jobs are running, and the metadata of every unarchived sensitive-data finding of the account (its own only, also where it is the Macie administrator) that may hold payment card data (bucket, object key, detection types and counts, severity, origin). Sample values and occurrence locations are never collected. Macie only inspects S3 objects of the types it supports, in buckets it can read; other data stores are not covered.',
  remediation:
    'Enable Macie in every region holding S3 data and turn on automated sensitive data discovery (or schedule classification jobs over all buckets); for each bucket where card numbers are found outside the declared card data locations, delete or truncate the data, or bring the bucket into the CDE and the data retention policy.',
  scope: 'regional',
  apiCalls: ['macie2:GetMacieSession', 'macie2:GetAutomatedDiscoveryConfiguration', 'macie2:ListClassificationJobs', 'macie2:ListFindings', 'macie2:GetFindings'],
  parameters: {
    cardDataBuckets: {
      description: 'Organisation choice: bucket name patterns (with *) where stored card data is expected (the documented CDE data stores). Card numbers found in any other bucket fail; with none listed, every bucket with card numbers fails.',
      default: [],
    },
    maxJobAgeDays: { description: 'A one-time classification job created longer ago than this is not taken as current discovery.', default: 90 },
    judgeCardNumberLocations: {
      description: 'Judge where card numbers are found against cardDataBuckets; off for requirements about sensitive authentication data only (PCI DSS 3.3.1), where buckets with card numbers but no magnetic stripe or security code detection are listed, not judged.',
      default: true,
    },
  },
  async collect(ctx) {
    const { Macie2Client } = await loadMacie2Sdk();
    const settings = await readDiscoverySettings(ctx);
    if (!settings.jobs) return settings;
    // The account's own findings: a Macie administrator's ListFindings returns its members' findings too.
    const findings = await readCardFindings(ctx.clients.get(Macie2Client), { accountId: { eq: [ctx.accountId] } }, ctx.signal);
    return { ...settings, findings };
  },
  evaluate(data, params, ctx) {
    const session = data?.session;
    const base = { resource: `arn:aws:macie2:${ctx.region}:${ctx.accountId}:session`, resourceType: 'AWS::Macie::Session' };
    if (!session) return [{ ...base, status: 'error', reason: 'the evidence lacks the GetMacieSession answer' }];
    if (isCapturedError(session)) {
      if (/not enabled/i.test(session.error.message)) return [{ ...base, status: 'fail', reason: `Amazon Macie is not enabled in ${ctx.region}: no sensitive data discovery runs on its S3 buckets` }];
      return [{ ...base, status: 'error', reason: `GetMacieSession was refused (${session.error.code}: ${session.error.message}); whether Macie runs is unknown` }];
    }
    if (session.status !== 'ENABLED') return [{ ...base, status: 'fail', reason: `Amazon Macie is ${session.status ?? 'in an unknown state'} in ${ctx.region}: it discovers nothing while paused` }];
    if (!data.automatedDiscovery || !Array.isArray(data.jobs) || !Array.isArray(data.findings)) {
      return [{ ...base, status: 'error', reason: 'Macie is enabled but the evidence lacks the discovery configuration, classification jobs or findings' }];
    }
    const results: ResourceResult[] = [];
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const maxAge = Number(params.maxJobAgeDays ?? 90);
    const auto = data.automatedDiscovery;
    const autoOn = !isCapturedError(auto) && auto.status === 'ENABLED';
    const scheduled = data.jobs.filter((j) => j.jobType === 'SCHEDULED' && (j.jobStatus === 'RUNNING' || j.jobStatus === 'IDLE'));
    const recentOneTime = data.jobs.filter((j) => j.jobType === 'ONE_TIME' && j.jobStatus !== 'CANCELLED' && now - (toDate(j.createdAt)?.getTime() ?? 0) <= maxAge * DAY);
    const { own: ownFindings, others } = ownItems(data.findings, (f) => f.accountId, ctx.accountId);
    const jobsText = `${data.jobs.length} classification job${data.jobs.length === 1 ? '' : 's'} (${scheduled.length} scheduled and active)`;
    if (autoOn || scheduled.length) {
      const since = !isCapturedError(auto) && autoOn && auto.firstEnabledAt ? ` since ${toDate(auto.firstEnabledAt)?.toISOString().slice(0, 10)}` : '';
      results.push({ ...base, status: 'pass', reason: `Macie is enabled in ${ctx.region}${autoOn ? ` with automated sensitive data discovery${since}` : ''}; ${jobsText}; it inspects S3 objects of supported types only, not other data stores` });
    } else if (isCapturedError(auto) && !scheduled.length) {
      results.push({ ...base, status: 'needs-review', reason: `Macie is enabled in ${ctx.region} but its automated discovery setting was not readable (${auto.error.code}); ${jobsText}` });
    } else if (recentOneTime.length) {
      results.push({ ...base, status: 'needs-review', reason: `Macie is enabled in ${ctx.region} without automated discovery or a scheduled job; only one-time jobs created in the last ${maxAge} days (${recentOneTime.map((j) => j.name ?? j.jobId).join(', ')}) show discovery` });
    } else {
      results.push({ ...base, status: 'fail', reason: `Macie is enabled in ${ctx.region} but automated discovery is off and no current classification job runs: nothing is being discovered (${jobsText})` });
    }

    const leftOut = othersLeftOut(others, 'card-data findings');
    if (leftOut) results[0] = { ...results[0], reason: `${results[0].reason}${leftOut}` };

    // One result per bucket: every finding there is one location to resolve.
    const expected = stringList(params.cardDataBuckets);
    const byBucket = new Map<string, Finding[]>();
    for (const f of ownFindings) {
      if (f.archived) continue;
      const bucket = f.resourcesAffected?.s3Bucket?.name ?? '(unknown bucket)';
      if (cardDetections(f).size === 0) continue;
      byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), f]);
    }
    for (const [bucket, list] of byBucket) {
      const totals = new Map<string, number>();
      for (const f of list) for (const [t, n] of cardDetections(f)) totals.set(t, (totals.get(t) ?? 0) + n);
      const detections = [...totals].map(([t, n]) => `${n} ${t}`).join(', ');
      const objects = `${list.length} object${list.length === 1 ? '' : 's'} (${list.slice(0, 3).map((f) => f.resourcesAffected?.s3Object?.key ?? f.id).join(', ')}${list.length > 3 ? ', ...' : ''})`;
      const where = { resource: list[0].resourcesAffected?.s3Bucket?.arn ?? `arn:aws:s3:::${bucket}`, resourceType: 'AWS::S3::Bucket' };
      const sad = [...totals.keys()].filter((t) => SAD_TYPES.has(t));
      const isExpected = expected.some((p) => globMatch(p, bucket));
      if (sad.length) {
        results.push({
          ...where,
          status: 'fail',
          reason: `Macie found sensitive authentication data (${sad.join(', ')}) in bucket ${bucket}: ${detections} in ${objects}; it may not be stored after authorization wherever it is`,
          judgesScope: isExpected
            ? 'sensitive authentication data may not be stored after authorization anywhere, in scope or not'
            : 'account data found where no card data is declared: a scope that leaves this bucket out is contradicted by this finding',
        });
      } else if (params.judgeCardNumberLocations === false) {
        results.push({ ...where, status: 'not-applicable', reason: `Macie found card numbers but no magnetic stripe (CREDIT_CARD_MAGNETIC_STRIPE) or security code (CREDIT_CARD_SECURITY_CODE) detection in bucket ${bucket}: ${detections} in ${objects}; where card numbers may be stored is judged under the data retention and scope requirements` });
      } else if (isExpected) {
        results.push({ ...where, status: 'pass', reason: `Macie found card numbers in bucket ${bucket}, a declared card data location: ${detections} in ${objects}; retention and protection of that data are judged elsewhere` });
      } else {
        results.push({
          ...where,
          status: 'fail',
          reason: `Macie found card numbers in bucket ${bucket}, which is not a declared card data location${expected.length ? '' : ' (no card data locations are declared)'}: ${detections} in ${objects}`,
          judgesScope: 'card numbers found where no card data is declared: a scope that leaves this bucket out is contradicted by this finding',
        });
      }
    }
    return results;
  },
});
