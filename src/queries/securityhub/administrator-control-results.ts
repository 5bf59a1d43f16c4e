import type { AwsSecurityFinding, AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import { loadSecurityHubSdk } from '../../aws/sdk.js';
import { stripMetadata } from '../types.js';
import { defineDelegatedSource, memberKey } from '../delegated/types.js';
import type { ControlResultsEvidence } from './control-results.js';
import { collectEnabledStandards, collectStandardsControls, pciSubscriptions, standardsId, PCI_VERSIONS } from './standards.js';

/** One member's active PCI DSS control findings, as the Security Hub administrator lists them. */
export interface AdministratorControlFindingsPart {
  administratorAccountId: string;
  filters: AwsSecurityFindingFilters;
  findings: AwsSecurityFinding[];
}

/** Active control findings of every PCI DSS version Security Hub offers, for every member at once. */
export function organizationPciFilters(): AwsSecurityFindingFilters {
  return {
    ComplianceAssociatedStandardsId: PCI_VERSIONS.map((v) => ({ Value: `standards/pci-dss/v/${v}`, Comparison: 'EQUALS' as const })),
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
  };
}

export const administratorControlResults = defineDelegatedSource<AdministratorControlFindingsPart>({
  queryId: 'securityhub.control-results',
  kind: 'securityhub-administrator',
  reach: 'each-region',
  apiCalls: ['securityhub:GetFindings'],
  async fetch(audit) {
    const { SecurityHubClient, paginateGetFindings } = await loadSecurityHubSdk();
    const filters = organizationPciFilters();
    const parts = new Map<string, AdministratorControlFindingsPart>();
    for await (const page of paginateGetFindings({ client: audit.clients.get(SecurityHubClient), pageSize: 100 }, { Filters: filters })) {
      audit.signal?.throwIfAborted();
      for (const f of stripMetadata(page).Findings ?? []) {
        // Without a cross-region finding aggregator the administrator sees its own region's findings only.
        const key = memberKey(f.AwsAccountId ?? '', audit.region);
        let part = parts.get(key);
        if (!part) parts.set(key, (part = { administratorAccountId: audit.accountId, filters, findings: [] }));
        part.findings.push(f);
      }
    }
    return parts;
  },
  // Which standards the member has enabled, and which of their controls it has disabled, is not visible to the
  // administrator: those calls stay in the member account.
  async complete(part, member): Promise<ControlResultsEvidence & { administratorAccountId: string }> {
    const enabledStandards = await collectEnabledStandards(member);
    const standards: ControlResultsEvidence['standards'] = [];
    for (const s of pciSubscriptions(enabledStandards)) {
      const id = standardsId(s.StandardsArn ?? '');
      standards.push({
        standardsArn: s.StandardsArn ?? '',
        filters: part.filters,
        findings: part.findings.filter((f) => (f.Compliance?.AssociatedStandards ?? []).some((a) => a.StandardsId === id)),
        controls: await collectStandardsControls(member, s.StandardsSubscriptionArn ?? ''),
      });
    }
    return { administratorAccountId: part.administratorAccountId, enabledStandards, standards };
  },
});
