import type { ConformancePackDetail, ConformancePackRuleCompliance } from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';
import { asDetection, configRulesEvidenceParameter, TRIAGE } from './detection.js';

export interface ConformancePacksEvidence {
  /** DescribeConformancePacks, all pages. */
  conformancePacks: ConformancePackDetail[];
  /** DescribeConformancePackCompliance (all pages) per pack. */
  compliance: { conformancePackName: string; rules: ConformancePackRuleCompliance[] }[];
}

const LISTED_RULES = 10;

export const conformancePacks = defineQuery<ConformancePacksEvidence>({
  id: 'config.conformance-packs',
  service: 'config',
  title: 'AWS Config conformance packs report their rules compliant',
  description: 'Every conformance pack deployed in the region (such as the PCI DSS or HIPAA operational best practices packs) and the compliance of each of its rules.',
  remediation: 'Remediate the resources that make the listed rules NON_COMPLIANT (see config.rule-compliance for each resource), then re-evaluate the pack.',
  scope: 'regional',
  apiCalls: ['config:DescribeConformancePacks', 'config:DescribeConformancePackCompliance'],
  parameters: { configRulesEvidence: configRulesEvidenceParameter },
  async collect(ctx) {
    const { ConfigServiceClient, paginateDescribeConformancePackCompliance, paginateDescribeConformancePacks } = await loadConfigServiceSdk();
    const cfg = ctx.clients.get(ConfigServiceClient);
    const packs: ConformancePackDetail[] = [];
    for await (const page of paginateDescribeConformancePacks({ client: cfg }, {})) packs.push(...(stripMetadata(page).ConformancePackDetails ?? []));
    const compliance: ConformancePacksEvidence['compliance'] = [];
    for (const p of packs) {
      const rules: ConformancePackRuleCompliance[] = [];
      const pages = paginateDescribeConformancePackCompliance({ client: cfg }, { ConformancePackName: p.ConformancePackName });
      for await (const page of pages) rules.push(...(stripMetadata(page).ConformancePackRuleComplianceList ?? []));
      compliance.push({ conformancePackName: p.ConformancePackName ?? '', rules });
    }
    return { conformancePacks: packs, compliance };
  },
  evaluate(data, params, ctx) {
    if (!data?.conformancePacks) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeConformancePacks response' }];
    }
    if (data.conformancePacks.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `no AWS Config conformance pack is deployed in ${ctx.region}`, mechanismAbsent: 'AWS Config conformance packs' }];
    }
    return data.conformancePacks.map((p): ResourceResult => {
      const name = p.ConformancePackName ?? '';
      const resource = { resource: p.ConformancePackArn ?? name, resourceType: 'AWS::Config::ConformancePack' };
      const rules = data.compliance?.find((c) => c.conformancePackName === name)?.rules;
      if (!rules) return { ...resource, status: 'error', reason: `conformance pack ${name}: the evidence holds no compliance for it` };
      const by = (t: string) => rules.filter((r) => r.ComplianceType === t).map((r) => r.ConfigRuleName ?? '');
      const nonCompliant = by('NON_COMPLIANT');
      const insufficient = by('INSUFFICIENT_DATA');
      const compliant = by('COMPLIANT');
      const list = (names: string[]) => names.slice(0, LISTED_RULES).join(', ') + (names.length > LISTED_RULES ? ` and ${names.length - LISTED_RULES} more` : '');
      if (nonCompliant.length) {
        const text = `conformance pack ${name}: ${nonCompliant.length} of ${rules.length} rules NON_COMPLIANT (${list(nonCompliant)})`;
        return asDetection(params) ? { ...resource, status: 'needs-review', reason: `${text}; ${TRIAGE}` } : { ...resource, status: 'fail', reason: text };
      }
      if (rules.length === 0 || insufficient.length) {
        return {
          ...resource,
          status: 'needs-review',
          reason: rules.length ? `conformance pack ${name}: ${insufficient.length} of ${rules.length} rules have INSUFFICIENT_DATA (${list(insufficient)})` : `conformance pack ${name} reports no rule results yet`,
        };
      }
      return { ...resource, status: 'pass', reason: `conformance pack ${name}: ${compliant.length} of ${rules.length} rules COMPLIANT, none NON_COMPLIANT` };
    });
  },
});
