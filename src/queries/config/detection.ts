import type { ParameterSpec, ParameterValue, QueryParameters } from '../types.js';

/**
 * What a requirement cites AWS Config's rule results for: `resources` (the default), the configuration of the resources
 * the rules evaluate, so a NON_COMPLIANT result fails; or `detection`, AWS Config as the detection part of a process
 * (HIPAA 164.308(a)(1)'s security management process), so a NON_COMPLIANT result shows detection working and is
 * needs-review (how were the findings triaged and corrected?), while no rule in a region fails: nothing detects there.
 */
export const CONFIG_RULES_EVIDENCE = ['resources', 'detection'] as const;

export const configRulesEvidenceParameter: ParameterSpec = {
  description:
    'What the requirement cites AWS Config rule results for: "resources" (default): the resources\' configuration, so a NON_COMPLIANT rule fails; "detection": AWS Config as the detection part of a process, so NON_COMPLIANT rules need review (how they were triaged and corrected; the resources are judged under the requirements that cite their own checks) and a region without any Config rule fails.',
  default: 'resources',
  check: (v: ParameterValue) => (CONFIG_RULES_EVIDENCE.includes(v as (typeof CONFIG_RULES_EVIDENCE)[number]) ? undefined : `expected one of ${CONFIG_RULES_EVIDENCE.join(', ')}`),
};

/** True when the requirement cites the rules as detection (process) evidence. */
export function asDetection(params: QueryParameters): boolean {
  return params.configRulesEvidence === 'detection';
}

/** The needs-review sentence for rules found NON_COMPLIANT when they are detection evidence. */
export const TRIAGE = 'this shows AWS Config detection working, not the process missing: ask how the findings were triaged and corrected (the resources are judged under the requirements that cite their own checks)';
