import type { AwsSecurityFinding, AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import { loadSecurityHubSdk } from '../../aws/sdk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { defineQuery, isCapturedError, stripMetadata, type ResourceResult, type ResourceStatus } from '../types.js';
import {
  collectEnabledStandards,
  collectStandardsControls,
  judgeStandardsControls,
  pciSubscriptions,
  standardsId,
  type EnabledStandardsEvidence,
  type StandardsControlsEvidence,
} from './standards.js';

export interface ControlResultsEvidence {
  enabledStandards: EnabledStandardsEvidence;
  /**
   * One GetFindings listing (all pages) per enabled PCI DSS standard, and its DescribeStandardsControls listing
   * (absent from evidence sealed before the controls were read).
   */
  standards: { standardsArn: string; filters: AwsSecurityFindingFilters; findings: AwsSecurityFinding[]; controls?: StandardsControlsEvidence }[];
}

/**
 * The account's own active control findings of one standard (consolidated control findings carry the standards they
 * belong to); the account filter because a Security Hub administrator's GetFindings returns its members' findings too.
 */
export function pciFindingFilters(standardsArn: string, accountId: string): AwsSecurityFindingFilters {
  return {
    AwsAccountId: [{ Value: accountId, Comparison: 'EQUALS' }],
    ComplianceAssociatedStandardsId: [{ Value: standardsId(standardsArn), Comparison: 'EQUALS' }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  };
}

const STATUS: Record<string, ResourceStatus> = { PASSED: 'pass', FAILED: 'fail', WARNING: 'needs-review', NOT_AVAILABLE: 'needs-review' };

function controlOf(f: AwsSecurityFinding): string {
  return f.Compliance?.SecurityControlId ?? f.ProductFields?.ControlId ?? f.GeneratorId ?? 'unknown control';
}

export const controlResults = defineQuery<ControlResultsEvidence>({
  id: 'securityhub.control-results',
  service: 'securityhub',
  title: 'Security Hub PCI DSS control checks pass',
  description:
    'Every active Security Hub control finding of the account for the enabled PCI DSS standard in the region (its own only, also where it is the Security Hub administrator): the control, the resource checked and its compliance status (FAILED fails; WARNING and NOT_AVAILABLE need review; a FAILED, WARNING or NOT_AVAILABLE finding suppressed in Security Hub needs review, since suppression is a workflow label and the resource still does not pass), and the standard’s controls (DescribeStandardsControls): a control disabled in the standard produces no findings, so any disabled control needs review with the reason recorded for it.',
  remediation:
    'Fix each failing resource following the control’s remediation link in Security Hub; suppress a finding only with a documented justification (workflow status SUPPRESSED) and keep that justification for the assessor; re-enable controls disabled in the PCI DSS standard, or document why each does not apply.',
  scope: 'regional',
  apiCalls: ['securityhub:GetEnabledStandards', 'securityhub:GetFindings', 'securityhub:DescribeStandardsControls'],
  async collect(ctx) {
    const { SecurityHubClient, paginateGetFindings } = await loadSecurityHubSdk();
    const enabledStandards = await collectEnabledStandards(ctx);
    const hub = ctx.clients.get(SecurityHubClient);
    const standards: ControlResultsEvidence['standards'] = [];
    for (const s of pciSubscriptions(enabledStandards)) {
      const standardsArn = s.StandardsArn ?? '';
      const filters = pciFindingFilters(standardsArn, ctx.accountId);
      const findings: AwsSecurityFinding[] = [];
      for await (const page of paginateGetFindings({ client: hub, pageSize: 100 }, { Filters: filters })) {
        ctx.signal?.throwIfAborted();
        findings.push(...(stripMetadata(page).Findings ?? []));
      }
      const controls = await collectStandardsControls(ctx, s.StandardsSubscriptionArn ?? '');
      standards.push({ standardsArn, filters, findings, controls });
    }
    return { enabledStandards, standards };
  },
  evaluate(data, _params, ctx) {
    const hub = { resource: `arn:aws:securityhub:${ctx.region}:${ctx.accountId}:hub/default`, resourceType: 'AWS::SecurityHub::Hub' };
    if (!data?.enabledStandards) return [{ ...hub, status: 'error', reason: 'the evidence holds no GetEnabledStandards response' }];
    if (isCapturedError(data.enabledStandards)) {
      return [{ ...hub, status: 'needs-review', reason: `Security Hub is not enabled in ${ctx.region}, so no automated PCI DSS control results exist; other evidence of these controls is needed` }];
    }
    const pci = pciSubscriptions(data.enabledStandards);
    if (pci.length === 0) {
      return [{ ...hub, status: 'needs-review', reason: `no PCI DSS standard is enabled in Security Hub in ${ctx.region}, so no automated PCI DSS control results exist; other evidence of these controls is needed` }];
    }
    const results: ResourceResult[] = [];
    for (const s of pci) {
      const listing = data.standards?.find((x) => x.standardsArn === s.StandardsArn);
      if (!listing) {
        results.push({ ...hub, status: 'error', reason: `PCI DSS v${s.version}: the evidence holds no GetFindings listing for the standard` });
        continue;
      }
      const counts: Record<string, number> = {};
      let suppressedNotPassed = 0;
      const { own, others } = ownItems(listing.findings ?? [], (f) => f.AwsAccountId, ctx.accountId);
      for (const f of own) {
        const compliance = f.Compliance?.Status ?? 'NOT_AVAILABLE';
        const suppressed = f.Workflow?.Status === 'SUPPRESSED';
        // Suppression is a workflow label set by a person or an automation rule: a suppressed FAILED finding is still
        // a resource failing the control, so it is reviewed against its documented justification, never dropped.
        const reviewSuppressed = suppressed && compliance !== 'PASSED';
        if (reviewSuppressed) suppressedNotPassed++;
        const status: ResourceStatus = suppressed ? (reviewSuppressed ? 'needs-review' : 'not-applicable') : (STATUS[compliance] ?? 'needs-review');
        const key = suppressed ? (reviewSuppressed ? `${compliance} suppressed` : 'SUPPRESSED') : compliance;
        counts[key] = (counts[key] ?? 0) + 1;
        const target = f.Resources?.[0];
        results.push({
          resource: f.Id ?? '',
          resourceType: 'AWS::SecurityHub::Finding',
          status,
          reason: `PCI DSS v${s.version} control ${controlOf(f)} ${compliance}${f.Severity?.Label && compliance === 'FAILED' ? ` (severity ${f.Severity.Label})` : ''} on ${target ? `${target.Type} ${target.Id}` : 'an unnamed resource'}: ${f.Title ?? ''}${
            reviewSuppressed
              ? `; ${compliance}, suppressed in Security Hub: confirm the documented justification (suppression is a workflow label; the resource still does not pass the control)`
              : suppressed
                ? '; suppressed in Security Hub'
                : ''
          }`,
        });
      }
      const summary = Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const leftOut = othersLeftOut(others, 'control findings');
      const controls = judgeStandardsControls(s, listing.controls);
      if (!own.length) {
        results.push({ ...hub, status: 'needs-review', reason: `PCI DSS v${s.version} is enabled in ${ctx.region} but Security Hub holds no active control findings of this account for it yet; ${controls.text}${leftOut}` });
      } else {
        const suppressedNote = suppressedNotPassed ? `; ${suppressedNotPassed} of them not PASSED but suppressed in Security Hub: confirm the documented justification for each` : '';
        // Anything but PASSED (or a suppressed PASSED) and FAILED needs review: WARNING, NOT_AVAILABLE, suppressed failures.
        const review = Object.keys(counts).some((k) => !['PASSED', 'SUPPRESSED', 'FAILED'].includes(k)) || controls.status !== 'pass';
        results.push({
          ...hub,
          resource: s.StandardsSubscriptionArn ?? hub.resource,
          resourceType: 'AWS::SecurityHub::Standard',
          status: counts.FAILED ? 'fail' : review ? 'needs-review' : 'pass',
          reason: `PCI DSS v${s.version} in ${ctx.region}: ${own.length} active control findings (${summary})${suppressedNote}; ${controls.text}${leftOut}`,
        });
      }
    }
    return results;
  },
});
