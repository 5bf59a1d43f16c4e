import type { AwsSecurityFinding, AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import { loadSecurityHubSdk } from '../../aws/sdk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { defineQuery, isCapturedError, stripMetadata, type ResourceResult, type ResourceStatus } from '../types.js';
import { collectEnabledStandards, pciSubscriptions, standardsId, type EnabledStandardsEvidence } from './standards.js';

export interface ControlResultsEvidence {
  enabledStandards: EnabledStandardsEvidence;
  /** One GetFindings listing (all pages) per enabled PCI DSS standard. */
  standards: { standardsArn: string; filters: AwsSecurityFindingFilters; findings: AwsSecurityFinding[] }[];
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
    'Every active Security Hub control finding of the account for the enabled PCI DSS standard in the region (its own only, also where it is the Security Hub administrator): the control, the resource checked and its compliance status (FAILED fails; WARNING and NOT_AVAILABLE need review).',
  remediation:
    'Fix each failing resource following the control’s remediation link in Security Hub; suppress a finding only with a documented justification (workflow status SUPPRESSED).',
  scope: 'regional',
  apiCalls: ['securityhub:GetEnabledStandards', 'securityhub:GetFindings'],
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
      standards.push({ standardsArn, filters, findings });
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
      const { own, others } = ownItems(listing.findings ?? [], (f) => f.AwsAccountId, ctx.accountId);
      for (const f of own) {
        const compliance = f.Compliance?.Status ?? 'NOT_AVAILABLE';
        const suppressed = f.Workflow?.Status === 'SUPPRESSED';
        const status: ResourceStatus = suppressed ? 'not-applicable' : (STATUS[compliance] ?? 'needs-review');
        counts[suppressed ? 'SUPPRESSED' : compliance] = (counts[suppressed ? 'SUPPRESSED' : compliance] ?? 0) + 1;
        const target = f.Resources?.[0];
        results.push({
          resource: f.Id ?? '',
          resourceType: 'AWS::SecurityHub::Finding',
          status,
          reason: `PCI DSS v${s.version} control ${controlOf(f)} ${compliance}${f.Severity?.Label && compliance === 'FAILED' ? ` (severity ${f.Severity.Label})` : ''} on ${target ? `${target.Type} ${target.Id}` : 'an unnamed resource'}: ${f.Title ?? ''}${suppressed ? '; suppressed in Security Hub' : ''}`,
        });
      }
      const summary = Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const leftOut = othersLeftOut(others, 'control findings');
      if (!own.length) {
        results.push({ ...hub, status: 'needs-review', reason: `PCI DSS v${s.version} is enabled in ${ctx.region} but Security Hub holds no active control findings of this account for it yet${leftOut}` });
      } else {
        results.push({ ...hub, resource: s.StandardsSubscriptionArn ?? hub.resource, resourceType: 'AWS::SecurityHub::Standard', status: counts.FAILED ? 'fail' : counts.WARNING || counts.NOT_AVAILABLE ? 'needs-review' : 'pass', reason: `PCI DSS v${s.version} in ${ctx.region}: ${own.length} active control findings (${summary})${leftOut}` });
      }
    }
    return results;
  },
});
