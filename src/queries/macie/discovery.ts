import type {
  AutomatedDiscoveryAccount,
  CriteriaBlockForJob,
  CriterionAdditionalProperties,
  DescribeClassificationJobCommandOutput,
  Finding,
  FindingCriteria,
  FindingsFilterListItem,
  GetAdministratorAccountCommandOutput,
  GetAutomatedDiscoveryConfigurationCommandOutput,
  GetClassificationScopeCommandOutput,
  GetFindingsFilterCommandOutput,
  GetMacieSessionCommandOutput,
  GetSensitivityInspectionTemplateCommandOutput,
  JobScopingBlock,
  JobSummary,
  Macie2Client,
} from '@aws-sdk/client-macie2';
import { loadMacie2Sdk } from '../../aws/sdk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { captureAbsence, defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';

type Out<T> = Omit<T, '$metadata'>;

/**
 * GetMacieSession (Macie answers AccessDeniedException "Macie is not enabled" when it is off), and when enabled: the
 * automated discovery configuration with its classification scope and sensitivity inspection template, every
 * classification job (DescribeClassificationJob of each active scheduled one), the suppression rules (findings filters
 * with action ARCHIVE) and the unarchived card-data findings' metadata.
 */
export interface MacieDiscoveryEvidence {
  session: Out<GetMacieSessionCommandOutput> | CapturedError;
  /**
   * GetAdministratorAccount: the account's Macie administrator (empty when it has none). For a member, Macie uses the
   * administrator's classification scope and sensitivity inspection template in automated discovery, not its own.
   * Absent in evidence sealed before this field.
   */
  administratorAccount?: Out<GetAdministratorAccountCommandOutput> | CapturedError;
  /**
   * For a Macie member: ListAutomatedDiscoveryAccounts for this account, whether its administrator runs automated
   * discovery for it (items as returned; read by the member itself, or by the administrator for its Enabled members in
   * delegated-admin mode). Absent for an account without an administrator and in evidence sealed before this field.
   */
  automatedDiscoveryAccounts?: AutomatedDiscoveryAccount[] | CapturedError;
  automatedDiscovery?: Out<GetAutomatedDiscoveryConfigurationCommandOutput> | CapturedError;
  /** GetClassificationScope of the configuration's classificationScopeId (the S3 bucket exclusion list of automated discovery). */
  classificationScope?: Out<GetClassificationScopeCommandOutput> | CapturedError;
  /** GetSensitivityInspectionTemplate of the configuration's sensitivityInspectionTemplateId (managed data identifiers used). */
  sensitivityInspectionTemplate?: Out<GetSensitivityInspectionTemplateCommandOutput> | CapturedError;
  jobs?: JobSummary[];
  /** DescribeClassificationJob of each SCHEDULED job in RUNNING or IDLE, by job id. */
  jobDetails?: Record<string, Out<DescribeClassificationJobCommandOutput> | CapturedError>;
  /** GetFindingsFilter of each ListFindingsFilters entry with action ARCHIVE (a suppression rule); the listing's error if refused. */
  suppressionRules?: Array<Out<GetFindingsFilterCommandOutput> | (CapturedError & { id?: string; name?: string })> | CapturedError;
  /** GetFindings for ListFindings of the financial and multiple-type sensitive data findings, without occurrence locations. */
  findings?: Finding[];
}

/** Finding types whose sensitive data may include card numbers. */
export const CARD_FINDING_TYPES = ['SensitiveData:S3Object/Financial', 'SensitiveData:S3Object/Multiple'] as const;
/** Sensitive authentication data: never to be stored after authorization, wherever it is found. */
const SAD_TYPES = new Set(['CREDIT_CARD_MAGNETIC_STRIPE', 'CREDIT_CARD_SECURITY_CODE']);

const DAY = 86_400_000;
/** Findings named one by one in a response-record request; the rest are counted (every one is in the evidence). */
const MAX_LISTED_FINDINGS = 10;

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

/** A scheduled job that runs (RUNNING) or waits for its next run (IDLE). */
const isActiveScheduled = (j: JobSummary) => j.jobType === 'SCHEDULED' && (j.jobStatus === 'RUNNING' || j.jobStatus === 'IDLE');

/** Refusals kept as evidence and judged as unknown (a member may not read its administrator's settings). */
const REFUSED = ['AccessDeniedException', 'ValidationException', 'ResourceNotFoundException'];

/**
 * The account's own Macie session and, when enabled: its discovery configuration (with the classification scope and
 * sensitivity inspection template when automated discovery is on), its classification jobs (each active scheduled
 * job's full definition) and its suppression rules.
 */
export async function readDiscoverySettings(ctx: QueryContext, read: { automatedDiscoveryAccounts?: AutomatedDiscoveryAccount[] | CapturedError } = {}): Promise<Omit<MacieDiscoveryEvidence, 'findings'>> {
  const sdk = await loadMacie2Sdk();
  const client = ctx.clients.get(sdk.Macie2Client);
  const opts = { abortSignal: ctx.signal };
  const session = await captureAbsence(() => client.send(new sdk.GetMacieSessionCommand({}), opts), ['AccessDeniedException']);
  if (isCapturedError(session) || session.status !== 'ENABLED') return { session };
  // A member's automated discovery uses its administrator's classification scope and template, not the ones read below.
  const administratorAccount = await captureAbsence(() => client.send(new sdk.GetAdministratorAccountCommand({}), opts), REFUSED);
  // A member account may not read the administrator's discovery settings: kept as evidence, judged as unknown.
  const automatedDiscovery = await captureAbsence(() => client.send(new sdk.GetAutomatedDiscoveryConfigurationCommand({}), opts), ['AccessDeniedException', 'ValidationException']);
  const settings: Omit<MacieDiscoveryEvidence, 'findings'> = { session, administratorAccount, automatedDiscovery };
  // A member's automated discovery runs only if its administrator enabled it for the member: the member may read that status.
  if (read.automatedDiscoveryAccounts !== undefined) settings.automatedDiscoveryAccounts = read.automatedDiscoveryAccounts;
  else if (!isCapturedError(administratorAccount) && administratorAccount.administrator?.accountId) {
    settings.automatedDiscoveryAccounts = await captureAbsence(async () => stripMetadata(await client.send(new sdk.ListAutomatedDiscoveryAccountsCommand({ accountIds: [ctx.accountId] }), opts)).items ?? [], REFUSED);
  }
  if (!isCapturedError(automatedDiscovery) && automatedDiscovery.status === 'ENABLED') {
    const { classificationScopeId: scopeId, sensitivityInspectionTemplateId: templateId } = automatedDiscovery;
    settings.classificationScope = scopeId
      ? await captureAbsence(() => client.send(new sdk.GetClassificationScopeCommand({ id: scopeId }), opts), REFUSED)
      : { error: { code: 'NoClassificationScopeId', message: 'the automated discovery configuration names no classification scope' } };
    settings.sensitivityInspectionTemplate = templateId
      ? await captureAbsence(() => client.send(new sdk.GetSensitivityInspectionTemplateCommand({ id: templateId }), opts), REFUSED)
      : { error: { code: 'NoSensitivityInspectionTemplateId', message: 'the automated discovery configuration names no sensitivity inspection template' } };
  }
  const jobs: JobSummary[] = [];
  for await (const page of sdk.paginateListClassificationJobs({ client, pageSize: 25 }, {})) {
    ctx.signal?.throwIfAborted();
    jobs.push(...(stripMetadata(page).items ?? []));
  }
  // The summary lacks the object scoping, sampling and managed data identifiers of a job: read them for the jobs judged.
  const jobDetails: NonNullable<MacieDiscoveryEvidence['jobDetails']> = {};
  for (const j of jobs) {
    const jobId = j.jobId;
    if (jobId && isActiveScheduled(j)) jobDetails[jobId] = await captureAbsence(() => client.send(new sdk.DescribeClassificationJobCommand({ jobId }), opts), REFUSED);
  }
  // Suppression rules archive matching findings as Macie creates them: the unarchived listing below never shows those.
  const listed = await captureAbsence(async () => {
    const items: FindingsFilterListItem[] = [];
    for await (const page of sdk.paginateListFindingsFilters({ client, pageSize: 25 }, {})) {
      ctx.signal?.throwIfAborted();
      items.push(...(stripMetadata(page).findingsFilterListItems ?? []));
    }
    return items;
  }, REFUSED);
  let suppressionRules: NonNullable<MacieDiscoveryEvidence['suppressionRules']> = [];
  if (isCapturedError(listed)) suppressionRules = listed;
  else {
    for (const f of listed) {
      const id = f.id;
      if (f.action !== 'ARCHIVE' || !id) continue;
      const rule = await captureAbsence(() => client.send(new sdk.GetFindingsFilterCommand({ id }), opts), REFUSED);
      suppressionRules.push(isCapturedError(rule) ? { ...rule, id, name: f.name } : rule);
    }
  }
  return { ...settings, jobs, jobDetails, suppressionRules };
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

/** Managed data identifiers that detect payment card data (CREDIT_CARD_NUMBER, CREDIT_CARD_SECURITY_CODE, ...). */
const isCardIdentifier = (id: string) => id.startsWith('CREDIT_CARD');
const isCardNumberIdentifier = (id: string) => id.startsWith('CREDIT_CARD_NUMBER');

/** A job's bucket criteria block as text: its conditions, joined by AND as Macie joins them. */
function bucketBlockText(b: CriteriaBlockForJob | undefined): string {
  return (b?.and ?? [])
    .map((c) => {
      if (c.simpleCriterion) return `${c.simpleCriterion.key ?? '?'} ${c.simpleCriterion.comparator ?? '?'} ${(c.simpleCriterion.values ?? []).join('|')}`;
      if (c.tagCriterion) return `tag ${c.tagCriterion.comparator ?? '?'} ${(c.tagCriterion.tagValues ?? []).map((t) => `${t.key ?? ''}${t.value ? `=${t.value}` : ''}`).join('|')}`;
      return '(unrecognised condition)';
    })
    .join(' AND ');
}

/** A job's object scoping block as text. */
function scopingBlockText(b: JobScopingBlock | undefined): string {
  return (b?.and ?? [])
    .map((t) => {
      if (t.simpleScopeTerm) return `${t.simpleScopeTerm.key ?? '?'} ${t.simpleScopeTerm.comparator ?? '?'} ${(t.simpleScopeTerm.values ?? []).join('|')}`;
      if (t.tagScopeTerm) return `object tag ${t.tagScopeTerm.comparator ?? '?'} ${(t.tagScopeTerm.tagValues ?? []).map((v) => `${v.key ?? ''}${v.value ? `=${v.value}` : ''}`).join('|')}`;
      return '(unrecognised term)';
    })
    .join(' AND ');
}

/** Findings filter criteria as text. */
function findingCriteriaText(c: FindingCriteria | undefined): string {
  const parts = Object.entries(c?.criterion ?? {}).flatMap(([field, ops]) =>
    Object.entries(ops ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([op, v]) => `${field} ${op} ${Array.isArray(v) ? v.join('|') : String(v)}`),
  );
  return parts.length ? parts.join(' AND ') : 'every finding';
}

/** Whether a suppression rule's criteria can match a card-data finding (a sensitive-data finding of a card type). */
function mayArchiveCardFindings(c: FindingCriteria | undefined): boolean {
  const crit = c?.criterion ?? {};
  const type = crit.type;
  if (type?.eq && !type.eq.some((t) => (CARD_FINDING_TYPES as readonly string[]).includes(t))) return false;
  if (type?.eqExactMatch && !type.eqExactMatch.some((t) => (CARD_FINDING_TYPES as readonly string[]).includes(t))) return false;
  if (type?.neq && CARD_FINDING_TYPES.every((t) => type.neq!.includes(t))) return false;
  const category = crit.category;
  if (category?.eq && !category.eq.includes('CLASSIFICATION')) return false;
  if (category?.neq?.includes('CLASSIFICATION')) return false;
  return true;
}

/** One discovery source (automated discovery or a scheduled job): what it covers, and what keeps it from covering every bucket for card data. */
interface Coverage {
  text: string;
  limits: string[];
}

function jobCoverage(j: JobSummary, detail: Out<DescribeClassificationJobCommandOutput> | CapturedError | undefined, accountId: string): Coverage {
  const name = `scheduled job ${j.name ?? j.jobId}`;
  const limits: string[] = [];
  const d = detail && !isCapturedError(detail) ? detail : undefined;
  if (!detail) limits.push('its definition (DescribeClassificationJob: object scoping, sampling, managed data identifiers) is not in the evidence');
  else if (isCapturedError(detail)) limits.push(`its definition was not readable (${detail.error.code}): object scoping, sampling and managed data identifiers unknown`);
  const def = d ? d.s3JobDefinition : { bucketDefinitions: j.bucketDefinitions, bucketCriteria: j.bucketCriteria };
  const lastRunError = d?.lastRunErrorStatus ?? j.lastRunErrorStatus;
  if (lastRunError?.code === 'ERROR') limits.push('its last run reported account- or bucket-level errors (lastRunErrorStatus ERROR): it did not analyse every bucket in its scope');
  const scope: string[] = [];
  if (def?.bucketDefinitions?.length) {
    const named = def.bucketDefinitions.map((b) => `${(b.buckets ?? []).join(', ')}${b.accountId && b.accountId !== accountId ? ` of account ${b.accountId}` : ''}`).join('; ');
    scope.push(`only the named buckets ${named}`);
    limits.push(`it analyses only the named buckets ${named}`);
  } else if (def?.bucketCriteria) {
    const inc = bucketBlockText(def.bucketCriteria.includes);
    const exc = bucketBlockText(def.bucketCriteria.excludes);
    if (inc || exc) {
      const criteria = [inc && `include ${inc}`, exc && `exclude ${exc}`].filter(Boolean).join(', ');
      scope.push(`buckets matching ${criteria}`);
      limits.push(`it analyses only the buckets matching its criteria (${criteria})`);
    } else scope.push('every bucket (bucket criteria without conditions, re-evaluated at each run)');
  } else {
    scope.push('buckets not named in the evidence');
    limits.push('its definition names neither buckets nor bucket criteria');
  }
  if (d) {
    const inc = scopingBlockText(d.s3JobDefinition?.scoping?.includes);
    const exc = scopingBlockText(d.s3JobDefinition?.scoping?.excludes);
    if (inc || exc) {
      const scoping = [inc && `include ${inc}`, exc && `exclude ${exc}`].filter(Boolean).join(', ');
      scope.push(`objects matching ${scoping}`);
      limits.push(`its object scoping limits it to objects matching ${scoping}`);
    } else scope.push('every object');
    if (d.samplingPercentage !== undefined && d.samplingPercentage < 100) {
      scope.push(`${d.samplingPercentage}% sampling`);
      limits.push(`it analyses a ${d.samplingPercentage}% sample of the objects`);
    }
    const allowLists = d.allowListIds ?? [];
    if (allowLists.length) {
      scope.push(`allow lists ${allowLists.join(', ')}`);
      limits.push(`it uses the allow lists ${allowLists.join(', ')}: Macie ignores text matching them, which may include card numbers (their contents are not read)`);
    }
    const selector = d.managedDataIdentifierSelector ?? 'RECOMMENDED';
    const ids = d.managedDataIdentifierIds ?? [];
    scope.push(`managed data identifiers ${selector}${ids.length ? ` ${ids.join(', ')}` : ''}`);
    if (selector === 'NONE') limits.push('it uses no managed data identifiers (managedDataIdentifierSelector NONE): card numbers are not detected unless a custom data identifier does');
    else if (selector === 'EXCLUDE' && ids.some(isCardIdentifier)) limits.push(`it excludes the card managed data identifiers ${ids.filter(isCardIdentifier).join(', ')}`);
    else if (selector === 'INCLUDE' && !ids.some(isCardNumberIdentifier)) limits.push(`it uses only the managed data identifiers ${ids.join(', ') || '(none listed)'}, no CREDIT_CARD_NUMBER identifier`);
  }
  return { text: `${name} (${scope.join('; ')})`, limits };
}

/** The account's Macie administrator and its relationship, from GetAdministratorAccount or the administrator's ListMembers entry. */
function macieAdministrator(data: MacieDiscoveryEvidence): { id: string; relationship: string | undefined } | undefined {
  const admin = data.administratorAccount;
  const delegated = data as MacieDiscoveryEvidence & { administrator?: { accountId?: string }; member?: { relationshipStatus?: string } };
  if (admin && !isCapturedError(admin) && admin.administrator?.accountId) return { id: admin.administrator.accountId, relationship: admin.administrator.relationshipStatus };
  if (delegated.member && delegated.administrator?.accountId) return { id: delegated.administrator.accountId, relationship: delegated.member.relationshipStatus };
  return undefined;
}

/**
 * For a Macie member: whether its administrator runs automated discovery for it (ListAutomatedDiscoveryAccounts), as
 * `ENABLED`, `DISABLED`, or the reason it is unknown.
 */
function memberDiscoveryStatus(data: MacieDiscoveryEvidence, accountId: string): 'ENABLED' | 'DISABLED' | { unknown: string } {
  const read = data.automatedDiscoveryAccounts;
  if (read === undefined) return { unknown: 'whether the administrator runs automated discovery for this account (ListAutomatedDiscoveryAccounts) is not in the evidence' };
  if (isCapturedError(read)) return { unknown: `whether the administrator runs automated discovery for this account was not readable (ListAutomatedDiscoveryAccounts ${read.error.code})` };
  const status = read.find((a) => a.accountId === accountId)?.status;
  if (status === 'ENABLED' || status === 'DISABLED') return status;
  return { unknown: 'ListAutomatedDiscoveryAccounts gave no status for this account' };
}

/**
 * Whose classification scope and sensitivity inspection template automated discovery uses: Macie documents that a
 * member of a Macie organization uses its administrator's. Returns the limit when they are not (shown to be) this account's.
 */
function membershipLimit(data: MacieDiscoveryEvidence, accountId: string): string | undefined {
  const admin = data.administratorAccount;
  const notRead = "'s classification scope and sensitivity inspection template apply to this account's automated discovery (Macie uses a member's administrator settings) and are not read here";
  const adm = macieAdministrator(data);
  if (adm) {
    // Only an Enabled member is analysed by its administrator's automated discovery.
    if (adm.relationship !== 'Enabled') {
      return `this account ${accountId} has the Macie administrator ${adm.id} but is not an enabled member of it (relationship ${adm.relationship ?? 'unknown'}): the administrator's automated discovery does not cover it while so, and whether the settings read here are in effect is not shown`;
    }
    const status = memberDiscoveryStatus(data, accountId);
    const runs = status === 'ENABLED' ? '; the administrator runs automated discovery for this account (ListAutomatedDiscoveryAccounts ENABLED)' : typeof status === 'object' ? `; ${status.unknown}` : '';
    return `this account has the Macie administrator ${adm.id} (relationship Enabled): the administrator ${adm.id}${notRead}${runs}`;
  }
  if (!admin) return 'whether this account is a Macie member (GetAdministratorAccount) is not in the evidence: a member uses its administrator\'s classification scope and template, not those read here';
  if (isCapturedError(admin)) return `whether this account is a Macie member was not readable (GetAdministratorAccount ${admin.error.code}): a member uses its administrator's classification scope and template, not those read here`;
  return undefined;
}

/**
 * Why automated discovery does not run for this account although its own configuration may say ENABLED: its Macie
 * administrator has not enabled it for this (Enabled) member. Undefined when that is not shown.
 */
export function administratorDisabledDiscovery(data: MacieDiscoveryEvidence, accountId: string): string | undefined {
  const adm = macieAdministrator(data);
  if (!adm || adm.relationship !== 'Enabled' || memberDiscoveryStatus(data, accountId) !== 'DISABLED') return undefined;
  return `its Macie administrator ${adm.id} does not run automated discovery for this account ${accountId} (ListAutomatedDiscoveryAccounts DISABLED), so the account's own automated discovery setting has no effect`;
}

function automatedCoverage(data: MacieDiscoveryEvidence, since: string, expected: string[], accountId: string): Coverage {
  const limits: string[] = [];
  const member = membershipLimit(data, accountId);
  if (member) limits.push(member);
  const scope = data.classificationScope;
  let buckets = 'every bucket';
  if (!scope) limits.push('its classification scope (GetClassificationScope: the bucket exclusion list) is not in the evidence');
  else if (isCapturedError(scope)) limits.push(`its classification scope was not readable (${scope.error.code}): which buckets it excludes is unknown`);
  else {
    const excluded = scope.s3?.excludes?.bucketNames ?? [];
    if (excluded.length) {
      const declared = excluded.filter((b) => expected.some((p) => globMatch(p, b)));
      buckets = `every bucket but ${excluded.length} excluded`;
      limits.push(`its classification scope excludes ${excluded.length} bucket${excluded.length === 1 ? '' : 's'} from analysis: ${excluded.join(', ')}${declared.length ? ` (declared card data locations among them: ${declared.join(', ')})` : ''}`);
    } else buckets = 'every bucket (no classification-scope exclusions)';
  }
  const template = data.sensitivityInspectionTemplate;
  let identifiers = 'its recommended managed data identifiers';
  if (!template) limits.push('its sensitivity inspection template (GetSensitivityInspectionTemplate: the managed data identifiers used) is not in the evidence');
  else if (isCapturedError(template)) limits.push(`its sensitivity inspection template was not readable (${template.error.code}): whether card numbers are detected is unknown`);
  else {
    const excludedIds = (template.excludes?.managedDataIdentifierIds ?? []).filter(isCardIdentifier);
    if (excludedIds.length) limits.push(`its sensitivity inspection template excludes the card managed data identifiers ${excludedIds.join(', ')}: those card data types are not detected`);
    else identifiers = 'the recommended managed data identifiers, no card identifier excluded by its sensitivity inspection template';
    const allowLists = template.includes?.allowListIds ?? [];
    if (allowLists.length) limits.push(`its sensitivity inspection template uses the allow lists ${allowLists.join(', ')}: Macie ignores text matching them, which may include card numbers (their contents are not read)`);
  }
  const whose = member ? 'the scope and template read in this account' : 'the scope and template of this account, which has no Macie administrator';
  return {
    text: `automated sensitive data discovery${since} over ${buckets} with ${identifiers} (${whose}; it samples objects in each bucket, not every object)`,
    limits,
  };
}

/** Why card-data findings may be missing from the unarchived listing: suppression rules that can archive them. */
function suppressionNote(rules: MacieDiscoveryEvidence['suppressionRules']): string | undefined {
  if (rules === undefined) return 'the suppression rules (findings filters with action ARCHIVE) are not in the evidence: card-data findings they archive would be missing from the unarchived findings judged here';
  if (isCapturedError(rules)) return `the findings filters were not readable (${rules.error.code}): card-data findings archived by suppression rules would be missing from the unarchived findings judged here`;
  const relevant = rules.filter((r) => isCapturedError(r) || mayArchiveCardFindings(r.findingCriteria));
  if (!relevant.length) return undefined;
  const list = relevant.map((r) => (isCapturedError(r) ? `${r.name ?? r.id} (criteria not readable: ${r.error.code})` : `${r.name ?? r.id} (${findingCriteriaText(r.findingCriteria)})`)).join('; ');
  return `${relevant.length} suppression rule${relevant.length === 1 ? '' : 's'} (findings filter action ARCHIVE) can archive card-data findings as Macie creates them, and only unarchived findings are judged here: ${list}`;
}

export const macieDiscovery = defineQuery<MacieDiscoveryEvidence>({
  id: 'macie.discovery',
  service: 'macie2',
  title: 'Amazon Macie discovers sensitive data in S3, and card numbers appear only where card data is expected',
  description:
    'Amazon Macie in the region: whether it is enabled; whether automated sensitive data discovery runs, with the buckets its classification scope excludes and the card managed data identifiers and allow lists of its sensitivity inspection template (for a Macie member, per GetAdministratorAccount, the administrator\'s scope and template apply: they are not read, so its automated discovery needs review; it counts only for an Enabled member for which the administrator runs it, per ListAutomatedDiscoveryAccounts); which scheduled classification jobs run, with their bucket and object scope, sampling, managed data identifiers, allow lists and last-run errors (discovery passes only where one of them covers every bucket with the card identifiers); the suppression rules (findings filters that archive) able to hide card-data findings; and the metadata of every unarchived sensitive-data finding of the account (its own only, also where it is the Macie administrator) that may hold payment card data (bucket, object key, detection types and counts, severity, origin). Sample values and occurrence locations are never collected. Macie only inspects S3 objects of the types it supports, in buckets it can read; other data stores are not covered.',
  remediation:
    'Enable Macie in every region holding S3 data and turn on automated sensitive data discovery without bucket exclusions or excluded card identifiers (or schedule classification jobs over all buckets and objects with the card identifiers), and review suppression rules that archive card-data findings; for each bucket where card numbers are found outside the declared card data locations, delete or truncate the data, or bring the bucket into the CDE and the data retention policy.',
  scope: 'regional',
  apiCalls: [
    'macie2:GetMacieSession',
    'macie2:GetAdministratorAccount',
    'macie2:ListAutomatedDiscoveryAccounts',
    'macie2:GetAutomatedDiscoveryConfiguration',
    'macie2:GetClassificationScope',
    'macie2:GetSensitivityInspectionTemplate',
    'macie2:ListClassificationJobs',
    'macie2:DescribeClassificationJob',
    'macie2:ListFindingsFilters',
    'macie2:GetFindingsFilter',
    'macie2:ListFindings',
    'macie2:GetFindings',
  ],
  parameters: {
    cardDataBuckets: {
      description:
        'Organisation choice: bucket name patterns (with *) where stored card data is expected (the documented CDE data stores). Card numbers found in any other bucket fail (need review under discoveriesNeedResponseRecords); with none listed, every bucket with card numbers fails. A bucket named here that the PCI DSS scope leaves out is counted in scope (declared exclusion contradicted), from the configuration alone. A fact about the entity: set once in the configuration under any requirement of a framework that takes it, the one list applies to every requirement of that framework whose catalog entry takes it (two different lists are refused at start-up).',
      default: [],
    },
    maxJobAgeDays: { description: 'A one-time classification job created longer ago than this is not taken as current discovery.', default: 90 },
    judgeCardNumberLocations: {
      description: 'Judge where card numbers are found against cardDataBuckets; off for requirements about sensitive authentication data only (PCI DSS 3.3.1), where buckets with card numbers but no magnetic stripe or security code detection are listed, not judged.',
      default: true,
    },
    discoveriesNeedResponseRecords: {
      description:
        'For requirements about starting response procedures when PAN is found where it is not expected (PCI DSS 12.10.7, A3.2.5.2): each discovery (card numbers in a bucket outside cardDataBuckets, sensitive authentication data in any bucket) needs review, naming the bucket and its findings and asking for the response record, instead of failing: a discovery shows the procedures were due, not that they were not started. Card numbers in a declared card data location are not such a discovery (not applicable); Macie off, paused or discovering nothing needs review, not a failure (no discovery to respond to is not a response not started).',
      default: false,
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
    // Under a requirement about responding to discoveries, Macie not discovering is not a response not started.
    const noDiscovery = (reason: string): ResourceResult =>
      params.discoveriesNeedResponseRecords === true
        ? { ...base, status: 'needs-review', reason: `${reason}. Not a failure of this requirement: it shows that Macie makes no discovery to respond to, not that the response procedures are missing; ask how PAN found where it is not expected is detected and responded to` }
        : { ...base, status: 'fail', reason };
    if (!session) return [{ ...base, status: 'error', reason: 'the evidence lacks the GetMacieSession answer' }];
    if (isCapturedError(session)) {
      if (/not enabled/i.test(session.error.message)) return [noDiscovery(`Amazon Macie is not enabled in ${ctx.region}: no sensitive data discovery runs on its S3 buckets`)];
      return [{ ...base, status: 'error', reason: `GetMacieSession was refused (${session.error.code}: ${session.error.message}); whether Macie runs is unknown` }];
    }
    if (session.status !== 'ENABLED') return [noDiscovery(`Amazon Macie is ${session.status ?? 'in an unknown state'} in ${ctx.region}: it discovers nothing while paused`)];
    if (!data.automatedDiscovery || !Array.isArray(data.jobs) || !Array.isArray(data.findings)) {
      return [{ ...base, status: 'error', reason: 'Macie is enabled but the evidence lacks the discovery configuration, classification jobs or findings' }];
    }
    const results: ResourceResult[] = [];
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const maxAge = Number(params.maxJobAgeDays ?? 90);
    const auto = data.automatedDiscovery;
    // A member's automated discovery runs only where its administrator enabled it for the member.
    const disabledByAdministrator = administratorDisabledDiscovery(data, ctx.accountId);
    const autoOn = !isCapturedError(auto) && auto.status === 'ENABLED' && !disabledByAdministrator;
    const scheduled = data.jobs.filter(isActiveScheduled);
    const recentOneTime = data.jobs.filter((j) => j.jobType === 'ONE_TIME' && j.jobStatus !== 'CANCELLED' && now - (toDate(j.createdAt)?.getTime() ?? 0) <= maxAge * DAY);
    const { own: ownFindings, others } = ownItems(data.findings, (f) => f.accountId, ctx.accountId);
    const expected = stringList(params.cardDataBuckets);
    const jobsText = `${data.jobs.length} classification job${data.jobs.length === 1 ? '' : 's'} (${scheduled.length} scheduled and active)`;
    const since = !isCapturedError(auto) && autoOn && auto.firstEnabledAt ? ` since ${toDate(auto.firstEnabledAt)?.toISOString().slice(0, 10)}` : '';
    const sources = [...(autoOn ? [automatedCoverage(data, since, expected, ctx.accountId)] : []), ...scheduled.map((j) => jobCoverage(j, j.jobId ? data.jobDetails?.[j.jobId] : undefined, ctx.accountId))];
    const full = sources.filter((c) => !c.limits.length);
    const partial = sources.filter((c) => c.limits.length);
    const suppressed = suppressionNote(data.suppressionRules);
    const partialText = partial.map((c) => `${c.text}: ${c.limits.join('; ')}`).join('. ');
    if (full.length) {
      const others = partial.length ? `; not covering every bucket for card data: ${partialText}` : '';
      const reason = `Macie is enabled in ${ctx.region} with ${full.map((c) => c.text).join(' and ')}${others}; ${jobsText}; it inspects S3 objects of supported types only, not other data stores`;
      results.push(suppressed ? { ...base, status: 'needs-review', reason: `${reason}. But ${suppressed}` } : { ...base, status: 'pass', reason });
    } else if (partial.length || (isCapturedError(auto) && !disabledByAdministrator)) {
      const unreadable = isCapturedError(auto) ? `its automated discovery setting was not readable (${auto.error.code})${partial.length ? '; ' : ''}` : '';
      results.push({
        ...base,
        status: 'needs-review',
        reason: `Macie is enabled in ${ctx.region} but no discovery is shown to cover every bucket for card data: ${unreadable}${partialText}; ${jobsText}${suppressed ? `. Also, ${suppressed}` : ''}`,
      });
    } else if (recentOneTime.length) {
      results.push({ ...base, status: 'needs-review', reason: `Macie is enabled in ${ctx.region} without automated discovery or a scheduled job; only one-time jobs created in the last ${maxAge} days (${recentOneTime.map((j) => j.name ?? j.jobId).join(', ')}) show discovery${suppressed ? `. Also, ${suppressed}` : ''}` });
    } else {
      const off = disabledByAdministrator ?? 'automated discovery is off';
      results.push(noDiscovery(`Macie is enabled in ${ctx.region} but ${off} and no current classification job runs: nothing is being discovered (${jobsText})`));
    }

    if (disabledByAdministrator && !results[0].reason.includes(disabledByAdministrator)) results[0] = { ...results[0], reason: `${results[0].reason}; automated discovery is not counted: ${disabledByAdministrator}` };
    const leftOut = othersLeftOut(others, 'card-data findings');
    if (leftOut) results[0] = { ...results[0], reason: `${results[0].reason}${leftOut}` };

    // One result per bucket: every finding there is one location to resolve.
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
      if (params.discoveriesNeedResponseRecords === true) {
        // A response requirement: the discovery is the population to sample, not evidence that no response was started.
        if (!sad.length && isExpected) {
          results.push({ ...where, status: 'not-applicable', reason: `Macie found card numbers in bucket ${bucket}, a declared card data location: ${detections} in ${objects}; card numbers where they are expected are not a discovery that starts the response procedures` });
          continue;
        }
        const shown = list.slice(0, MAX_LISTED_FINDINGS).map((f) => `${f.id ?? '(no id)'}: ${f.resourcesAffected?.s3Object?.key ?? '(no object key)'}, created ${toDate(f.createdAt)?.toISOString().slice(0, 10) ?? 'on an unknown date'}`);
        const more = list.length > MAX_LISTED_FINDINGS ? `; ${list.length - MAX_LISTED_FINDINGS} more in the evidence` : '';
        const what = sad.length
          ? `sensitive authentication data (${sad.join(', ')}) in bucket ${bucket}${isExpected ? ' (a declared card data location, but this data may be stored nowhere after authorization)' : ''}`
          : `card numbers in bucket ${bucket}, which is not a declared card data location${expected.length ? '' : ' (no card data locations are declared)'}`;
        results.push({
          ...where,
          status: 'needs-review',
          reason: `Macie found ${what}: ${detections} in ${objects}; findings ${shown.join('; ')}${more}. A discovery that should have started the response procedures: ask for the response record of each finding; this evidence shows the discovery, not whether the procedures were started`,
          judgesScope: !sad.length
            ? 'card numbers found where no card data is declared: a scope that leaves this bucket out is contradicted by this finding'
            : isExpected
              ? 'sensitive authentication data may not be stored after authorization anywhere, in scope or not'
              : 'account data found where no card data is declared: a scope that leaves this bucket out is contradicted by this finding',
        });
      } else if (sad.length) {
        const found = `Macie found sensitive authentication data (${sad.join(', ')}) in bucket ${bucket}: ${detections} in ${objects}`;
        // Where card data locations are judged, a bucket no location names fails on that alone: an issuer's documented
        // need to keep such data (which may turn the failure into a review) does not cover an undeclared location.
        const undeclared = params.judgeCardNumberLocations !== false && !isExpected;
        results.push({
          ...where,
          status: 'fail',
          reason: undeclared
            ? `${found}; it may not be stored after authorization wherever it is, and card data may not be kept in a bucket that is not a declared card data location${expected.length ? '' : ' (no card data locations are declared)'}`
            : `${found}; it may not be stored after authorization wherever it is`,
          ...(undeclared ? {} : { sensitiveAuthenticationData: found }),
          judgesScope: isExpected
            ? 'sensitive authentication data may not be stored after authorization anywhere, in scope or not'
            : 'account data found where no card data is declared: a scope that leaves this bucket out is contradicted by this finding',
          scopeFound: `sensitive authentication data (${detections} in ${objects})`,
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
          scopeFound: `card numbers (${detections} in ${objects})`,
        });
      }
    }
    return results;
  },
});
