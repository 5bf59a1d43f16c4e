import type { BatchGetAccountStatusResponse, Filter, Finding, Inspector2Client, StringFilter } from '@aws-sdk/client-inspector2';
import { loadInspector2Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type ResourceResult } from '../types.js';
import { describeState, SCAN_TYPES } from './account-status.js';

export interface Inspector2FindingsEvidence {
  /** BatchGetAccountStatus: whether Inspector was scanning at all, so "no findings" is not read as "no vulnerabilities". */
  accountStatus: Omit<BatchGetAccountStatusResponse, '$metadata'> | CapturedError;
  /** ListFindings for ACTIVE findings, all pages. */
  findings: Finding[] | CapturedError;
  /**
   * ListFilters with action SUPPRESS, all pages: the suppression rules that hide matching findings (status SUPPRESSED)
   * from ListFindings of ACTIVE findings. In delegated-admin mode, the Inspector administrator's rules (only the
   * administrator creates them for the organisation). Absent in evidence sealed before this version read them.
   */
  suppressionRules?: Filter[] | CapturedError;
  /**
   * Delegated-admin mode only: the member's own ListFilters with action SUPPRESS, read in the member with its role (the
   * administrator's ListFilters lists the administrator's filters, not a member's; a member's own filters, created while
   * it stood alone, are what its own ListFilters returns in per-account mode). Absent for the administrator's own
   * account (its rules are `suppressionRules`), in per-account evidence, and in evidence sealed before this was read.
   */
  memberSuppressionRules?: Filter[] | CapturedError;
  /** ListFindings for the account's SUPPRESSED findings, at most SUPPRESSED_PAGES pages. Absent as above. */
  suppressedFindings?: SuppressedFindings | CapturedError;
}

/** The account's suppressed findings as far as they were read; `more` when ListFindings had further pages. */
export interface SuppressedFindings {
  findings: Finding[];
  more: boolean;
}

/** Suppressed findings are read up to this many pages of 100: enough to name them, bounded for an account that hides thousands. */
export const SUPPRESSED_PAGES = 5;

const DAY = 86_400_000;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;
export const ACTIVE_ONLY = { findingStatus: [{ comparison: 'EQUALS' as const, value: 'ACTIVE' }] };
/** The account's own active findings: the Inspector delegated administrator's ListFindings returns every member's too. */
export function ownActiveFindings(accountId: string) {
  return { ...ACTIVE_ONLY, awsAccountId: [{ comparison: 'EQUALS' as const, value: accountId }] };
}

/** The account's own suppressed findings (hidden from the ACTIVE listing by a suppression rule). */
export function ownSuppressedFindings(accountId: string) {
  return { findingStatus: [{ comparison: 'EQUALS' as const, value: 'SUPPRESSED' }], awsAccountId: [{ comparison: 'EQUALS' as const, value: accountId }] };
}

/** ListFilters for suppression rules, all pages; a failure is kept as evidence of that listing only. */
export async function listSuppressionRules(client: Inspector2Client, signal?: AbortSignal): Promise<Filter[] | CapturedError> {
  const { paginateListFilters } = await loadInspector2Sdk();
  return captureFailure(async () => {
    const out: Filter[] = [];
    for await (const page of paginateListFilters({ client, pageSize: 100 }, { action: 'SUPPRESS' })) {
      signal?.throwIfAborted();
      out.push(...(stripMetadata(page).filters ?? []));
    }
    return out;
  }, signal);
}

/** One account's SUPPRESSED findings, up to SUPPRESSED_PAGES pages (the administrator reads each member's the same way). */
export async function listSuppressedFindings(client: Inspector2Client, accountId: string, signal?: AbortSignal): Promise<SuppressedFindings | CapturedError> {
  const { paginateListFindings } = await loadInspector2Sdk();
  return captureFailure(async () => {
    const out: SuppressedFindings = { findings: [], more: false };
    let pages = 0;
    for await (const page of paginateListFindings({ client, pageSize: 100 }, { filterCriteria: ownSuppressedFindings(accountId) })) {
      signal?.throwIfAborted();
      if (pages === SUPPRESSED_PAGES) {
        out.more = true;
        break;
      }
      pages += 1;
      out.findings.push(...(stripMetadata(page).findings ?? []));
    }
    return out;
  }, signal);
}

/**
 * Whether a string filter of a suppression rule can match a value: EQUALS and PREFIX entries are alternatives (none
 * means any value), NOT_EQUALS entries each exclude one value, as Inspector documents string filters.
 */
function stringFilterAdmits(filters: StringFilter[] | undefined, value: string): boolean {
  const list = filters ?? [];
  const positive = list.filter((f) => f.comparison === 'EQUALS' || f.comparison === 'PREFIX');
  const admitted = positive.length === 0 || positive.some((f) => (f.comparison === 'EQUALS' ? f.value === value : value.startsWith(f.value ?? '')));
  return admitted && !list.some((f) => f.comparison === 'NOT_EQUALS' && f.value === value);
}

/** The judged severities a SUPPRESS rule can hide in this account (none when its account or severity criteria exclude them). */
export function hiddenSeverities(rule: Filter, judged: Iterable<string>, accountId: string): string[] {
  if (!stringFilterAdmits(rule.criteria?.awsAccountId, accountId)) return [];
  return [...judged].filter((sev) => stringFilterAdmits(rule.criteria?.severity, sev));
}

/** The criteria of a rule other than severity, named so the reviewer sees how far it reaches. */
function criteriaNames(rule: Filter): string {
  const keys = Object.entries(rule.criteria ?? {}).filter(([k, v]) => k !== 'severity' && Array.isArray(v) && v.length > 0).map(([k]) => k);
  return keys.length ? `narrowed by ${keys.join(', ')}` : 'no other criteria';
}

/** The affected resource of a finding, as the report's resource id and CloudFormation-style type. */
function affected(f: Finding, region: string, accountId: string): { resource: string; resourceType: string; label: string } {
  const r = f.resources?.[0];
  const id = r?.id ?? 'unknown';
  const acct = f.awsAccountId ?? accountId;
  const where = r?.region ?? region;
  const name = r?.tags?.Name ? ` (${r.tags.Name})` : '';
  switch (r?.type) {
    case 'AWS_EC2_INSTANCE':
      return { resource: id.startsWith('arn:') ? id : `arn:aws:ec2:${where}:${acct}:instance/${id}`, resourceType: 'AWS::EC2::Instance', label: `instance ${id.split('/').pop()}${name}` };
    case 'AWS_ECR_CONTAINER_IMAGE': {
      const repo = id.replace(/\/sha256:[a-f0-9]+$/, '');
      return { resource: repo, resourceType: 'AWS::ECR::Repository', label: `repository ${repo.split('repository/').pop()}` };
    }
    case 'AWS_LAMBDA_FUNCTION': {
      const fn = id.replace(/^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+):.*$/, '$1');
      return { resource: fn, resourceType: 'AWS::Lambda::Function', label: `function ${fn.split(':').pop()}` };
    }
    default:
      return { resource: id, resourceType: r?.type ? `AWS::Inspector2::${r.type}` : 'AWS::::Account', label: `${r?.type ?? 'resource'} ${id}` };
  }
}

/**
 * What suppression may hide from this evaluation, or undefined when the evidence shows nothing of the judged
 * severities suppressed and no SUPPRESS rule able to hide them.
 */
function suppressionReview(data: Inspector2FindingsEvidence, judged: Set<string>, judgedLabel: string, accountId: string): string | undefined {
  const parts: string[] = [];
  const { suppressionRules: rules, suppressedFindings: suppressed } = data;
  if (rules === undefined || suppressed === undefined) {
    return 'the evidence holds no suppression rules or suppressed findings (inspector2:ListFilters and SUPPRESSED findings were not read: evidence sealed before this check read them), so findings a suppression rule hides are unknown';
  }
  if (isCapturedError(suppressed)) {
    parts.push(`the account’s suppressed findings could not be listed (${suppressed.error.code}: ${suppressed.error.message}), so findings a suppression rule hides are unknown`);
  } else {
    const own = suppressed.findings.filter((f) => f.awsAccountId === undefined || f.awsAccountId === accountId);
    const severe = own.filter((f) => judged.has(f.severity ?? 'UNTRIAGED'));
    const tally = [...judged].map((s) => [s, severe.filter((f) => (f.severity ?? 'UNTRIAGED') === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ');
    const atLeast = suppressed.more ? 'at least ' : '';
    if (severe.length) {
      const named = severe.slice(0, 5).map((f) => `${vulnId(f)} (${(f.severity ?? 'UNTRIAGED').toLowerCase()}, ${f.resources?.[0]?.id ?? 'unknown resource'}, first observed ${toDate(f.firstObservedAt)?.toISOString().slice(0, 10) ?? 'unknown'})`).join(', ');
      parts.push(`${atLeast}${severe.length} ${judgedLabel} findings are SUPPRESSED (${tally}): hidden from the active findings judged here, not remediated: ${named}${severe.length > 5 ? ` and ${severe.length - 5} more` : ''}`);
    } else if (suppressed.more) {
      parts.push(`more than ${own.length} findings are SUPPRESSED (only the first ${SUPPRESSED_PAGES} pages were read, none of them ${judgedLabel}), so suppressed ${judgedLabel} findings cannot be ruled out`);
    }
  }
  const listed: Filter[] = [];
  if (isCapturedError(rules)) parts.push(`the suppression rules could not be listed (${rules.error.code}: ${rules.error.message})`);
  else listed.push(...rules);
  const memberRules = data.memberSuppressionRules;
  const throughAdministrator = data as Inspector2FindingsEvidence & { administrator?: unknown; member?: unknown };
  if (memberRules === undefined && throughAdministrator.administrator !== undefined && throughAdministrator.member !== undefined) {
    parts.push('the member’s own suppression rules were not read (inspector2:ListFilters in the member: evidence sealed before this check read them through the administrator), so findings they hide are unknown');
  } else if (memberRules !== undefined && isCapturedError(memberRules)) {
    parts.push(`the member’s own suppression rules could not be listed in the member (${memberRules.error.code}: ${memberRules.error.message})`);
  } else if (memberRules !== undefined) {
    // The same rule listed twice (an owner that answers both listings) is named once.
    for (const r of memberRules) if (!listed.some((x) => x.arn !== undefined && x.arn === r.arn)) listed.push(r);
  }
  const hiding = listed.filter((r) => r.action === 'SUPPRESS').map((r) => [r, hiddenSeverities(r, judged, accountId)] as const).filter(([, sev]) => sev.length > 0);
  if (hiding.length) {
    parts.push(
      `${hiding.length} suppression rule${hiding.length > 1 ? 's' : ''} can hide ${judgedLabel} findings of this account: ${hiding
        .map(([r, sev]) => `${r.name ?? r.arn ?? 'unnamed rule'} (owner ${r.ownerId ?? 'unknown'}; severities ${sev.map((x) => x.toLowerCase()).join(', ')}; ${criteriaNames(r)}${r.reason ? `; reason: ${r.reason}` : ''})`)
        .join(', ')}; confirm each is a documented risk acceptance`,
    );
  }
  return parts.length ? parts.join('; ') : undefined;
}

const vulnId = (f: Finding) => f.packageVulnerabilityDetails?.vulnerabilityId ?? f.title ?? f.findingArn ?? 'unnamed finding';

export const findings = defineQuery<Inspector2FindingsEvidence>({
  id: 'inspector2.findings',
  service: 'inspector2',
  title: 'No critical or high Amazon Inspector finding stays open longer than the organisation’s remediation window',
  description:
    'Every active Amazon Inspector finding of the account in the region (its own only, also where it is the Inspector delegated administrator; software package vulnerabilities, code vulnerabilities and network reachability) with its severity, affected resource and when Inspector first observed it, grouped per resource; and Inspector’s account status, because no findings from a scanner that is off proves nothing; and what suppression hides: the suppression rules (ListFilters, action SUPPRESS; in delegated-admin mode both the Inspector administrator’s and the member’s own, read in the member) and the account’s SUPPRESSED findings (up to 500), since a suppressed finding is not in the active list yet is not remediated. Ages run from first observation, not from the vendor’s release of a fix.',
  remediation:
    'Patch or rebuild the affected resource (update the package to the fixed version Inspector names, rebuild and redeploy the image or function), then let Inspector rescan; a finding accepted as a risk is suppressed with a documented suppression rule.',
  scope: 'regional',
  apiCalls: ['inspector2:BatchGetAccountStatus', 'inspector2:ListFindings', 'inspector2:ListFilters'],
  parameters: {
    remediationWindowDays: {
      description:
        'Organisation choice, from its vulnerability ranking (PCI DSS 6.3.3 sets one month for critical patches): an active critical or high finding first observed longer ago than this many days fails; younger ones are listed for review.',
      default: 30,
      looser: 'higher',
    },
    judgedSeverities: {
      description:
        'Which Inspector severities the remediation window applies to, comma separated: `critical,high` (the high-risk and critical vulnerabilities of PCI DSS 11.3.1) by default; `medium,low` judges the other applicable vulnerabilities against the window the entity\'s targeted risk analysis sets (11.3.1.1).',
      default: 'critical,high',
    },
  },
  async collect(ctx) {
    const { Inspector2Client, BatchGetAccountStatusCommand, paginateListFindings } = await loadInspector2Sdk();
    const client = ctx.clients.get(Inspector2Client);
    const accountStatus = await captureFailure(() => client.send(new BatchGetAccountStatusCommand({ accountIds: [ctx.accountId] })), ctx.signal);
    const findings = await captureFailure(async () => {
      const out: Finding[] = [];
      for await (const page of paginateListFindings({ client, pageSize: 100 }, { filterCriteria: ownActiveFindings(ctx.accountId) })) {
        ctx.signal?.throwIfAborted();
        out.push(...(stripMetadata(page).findings ?? []));
      }
      return out;
    }, ctx.signal);
    const suppressionRules = await listSuppressionRules(client, ctx.signal);
    const suppressedFindings = await listSuppressedFindings(client, ctx.accountId, ctx.signal);
    return { accountStatus, findings, suppressionRules, suppressedFindings };
  },
  evaluate(data, params, ctx) {
    const base = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!data?.accountStatus || !data.findings) return [{ ...base, status: 'error', reason: 'the evidence lacks the BatchGetAccountStatus or ListFindings response' }];
    if (isCapturedError(data.findings)) {
      return [{ ...base, status: 'error', reason: `Amazon Inspector findings in ${ctx.region} could not be listed (${data.findings.error.code}: ${data.findings.error.message}), so open vulnerabilities are unknown` }];
    }
    const windowDays = Number(params.remediationWindowDays ?? 30);
    const judged = new Set(String(params.judgedSeverities ?? 'critical,high').split(',').map((x) => x.trim().toUpperCase()).filter(Boolean));
    const judgedLabel = [...judged].map((x) => x.toLowerCase()).join(' or ');
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    const { own, others } = ownItems(data.findings, (f) => f.awsAccountId, ctx.accountId);
    const active = own.filter((f) => f.status === undefined || f.status === 'ACTIVE');
    const ageOf = (f: Finding) => {
      const first = toDate(f.firstObservedAt);
      return first ? Math.floor((now - first.getTime()) / DAY) : undefined;
    };

    const results: ResourceResult[] = [];
    const acct = isCapturedError(data.accountStatus) ? undefined : data.accountStatus.accounts?.find((a) => a.accountId === ctx.accountId);
    const counts = SEVERITIES.map((s) => [s, active.filter((f) => (f.severity ?? 'UNTRIAGED') === s).length] as const).filter(([, n]) => n > 0);
    const ages = [
      ['30 days or less', active.filter((f) => (ageOf(f) ?? 0) <= 30).length],
      ['31-90 days', active.filter((f) => (ageOf(f) ?? 0) > 30 && (ageOf(f) ?? 0) <= 90).length],
      ['over 90 days', active.filter((f) => (ageOf(f) ?? 0) > 90).length],
    ].filter(([, n]) => Number(n) > 0);
    const summary = `${active.length} active findings${counts.length ? ` (${counts.map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ')}; first observed ${ages.map(([a, n]) => `${n} ${a}`).join(', ')} before collection)` : ''}${othersLeftOut(others, 'findings')}`;
    if (isCapturedError(data.accountStatus)) {
      results.push({ ...base, status: 'error', reason: `${summary} in ${ctx.region}; Amazon Inspector’s status could not be read (${data.accountStatus.error.code}), so whether every resource type was being scanned is unknown` });
    } else if (acct?.state?.status !== 'ENABLED') {
      results.push({ ...base, status: 'fail', reason: `Amazon Inspector is ${describeState(acct?.state)} in ${ctx.region}: ${summary}, and the absence of findings proves nothing while it does not scan` });
    } else {
      // Enabled for the account is not scanning everything: a resource type whose scanning is off has no findings to show.
      const off = SCAN_TYPES.filter(([key]) => acct.resourceState?.[key]?.status !== 'ENABLED');
      if (off.length) {
        // Needs review, not fail: inspector2.account-status fails the scan type itself, and an account with no
        // resource of that type has nothing for it to scan; these findings cannot tell which.
        results.push({ ...base, status: 'needs-review', reason: `Amazon Inspector is enabled in ${ctx.region} and reports ${summary}, but ${off.map(([key, label]) => `${label} is ${describeState(acct.resourceState?.[key])}`).join(', ')}: no findings for ${off.length > 1 ? 'those resource types proves' : 'that resource type proves'} nothing while it is not scanned; this evidence does not show whether the account has such resources: check them against the scan coverage evidence (inspector2.coverage) and the inventory, not as if there were none` });
      } else {
        results.push({ ...base, status: 'pass', reason: `Amazon Inspector is enabled in ${ctx.region}, scanning EC2 instances, ECR images and Lambda functions, and reports ${summary}; each affected resource is judged separately` });
      }
    }

    // Suppressed findings never appear in the ACTIVE listing: a pass of the account says nothing about what a
    // suppression rule hides, so the rules and the suppressed findings of the judged severities are named for review.
    const hidden = suppressionReview(data, judged, judgedLabel, ctx.accountId);
    if (hidden && results[0].status === 'pass') results[0] = { ...results[0], status: 'needs-review', reason: `${results[0].reason}; but ${hidden}` };
    else if (hidden) results[0] = { ...results[0], reason: `${results[0].reason}; also ${hidden}` };

    const byResource = new Map<string, { where: ReturnType<typeof affected>; items: Finding[] }>();
    for (const f of active) {
      const where = affected(f, ctx.region, ctx.accountId);
      const entry = byResource.get(where.resource) ?? { where, items: [] };
      entry.items.push(f);
      byResource.set(where.resource, entry);
    }
    for (const { where, items } of [...byResource.values()].sort((a, b) => a.where.resource.localeCompare(b.where.resource))) {
      const severe = items.filter((f) => judged.has(f.severity ?? ''));
      const overdue = severe.filter((f) => (ageOf(f) ?? Number.POSITIVE_INFINITY) > windowDays).sort((a, b) => (ageOf(b) ?? 0) - (ageOf(a) ?? 0));
      const untriaged = items.filter((f) => (f.severity ?? 'UNTRIAGED') === 'UNTRIAGED');
      const tally = SEVERITIES.map((s) => [s, items.filter((f) => (f.severity ?? 'UNTRIAGED') === s).length] as const).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s.toLowerCase()}`).join(', ');
      const list = (fs: Finding[]) => fs.slice(0, 5).map((f) => `${vulnId(f)} (${(f.severity ?? 'UNTRIAGED').toLowerCase()}, ${ageOf(f) ?? '?'} days${f.fixAvailable ? `, fix ${f.fixAvailable.toLowerCase()}` : ''})`).join(', ') + (fs.length > 5 ? ` and ${fs.length - 5} more` : '');
      const r = { resource: where.resource, resourceType: where.resourceType };
      if (overdue.length) {
        results.push({ ...r, status: 'fail', reason: `${where.label} has ${overdue.length} ${judgedLabel} findings open longer than the ${windowDays}-day remediation window: ${list(overdue)}; ${tally} active in all` });
      } else if (severe.length || untriaged.length) {
        results.push({ ...r, status: 'needs-review', reason: `${where.label} has ${severe.length ? `${severe.length} ${judgedLabel} findings still inside the ${windowDays}-day remediation window: ${list(severe)}` : `${untriaged.length} findings not yet given a severity by the vendor: ${list(untriaged)}`}; ${tally} active in all` });
      } else {
        results.push({ ...r, status: 'pass', reason: `${where.label} has no ${judgedLabel} findings open; ${tally} active (${list(items)}), other severities judged on their own timeline` });
      }
    }
    return results;
  },
});
