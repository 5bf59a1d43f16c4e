import { parameterSetBy, type EvaluationContext, type ParameterSpec, type QueryParameters, type ResourceResult } from './types.js';

/**
 * PCI DSS 5.2.3: system components the entity judged not at risk from malware are listed and evaluated periodically.
 * A check that names components without some protection (no Inspector scan, no GuardDuty runtime agent) gives the
 * population to compare with the entity's list, not a failure of each: under a requirement that sets
 * `notAtRiskEvaluation`, an uncovered component on the list (`notAtRiskComponents`) agrees with it but still needs
 * review (the periodic evaluation the requirement asks for is not in AWS evidence: the assessor examines it), one not on
 * it needs review, and a covered one is not part of the comparison. Elsewhere (5.2.1, 5.2.2) the check judges as before.
 */
export const NOT_AT_RISK_PARAMETERS: Record<'notAtRiskEvaluation' | 'notAtRiskComponents', ParameterSpec> = {
  notAtRiskEvaluation: {
    description:
      'Catalog setting of a requirement about components judged not at risk from malware (PCI DSS 5.2.3), always true there and absent elsewhere: each component without the protection this check sees is compared with notAtRiskComponents instead of being judged unprotected; a covered component is not part of the comparison.',
    default: false,
    check: (v) => (v === true ? undefined : 'only a requirement about components judged not at risk from malware (PCI DSS 5.2.3) sets it, to true: leave it out elsewhere'),
  },
  notAtRiskComponents: {
    description:
      'Organisation declaration (with notAtRiskEvaluation, PCI DSS 5.2.3): the components the entity judged not at risk from malware, each an ARN, a resource id or name (instance id, repository or function name, cluster name) or `tag:Key=Value` (EC2 instances carrying that tag). An uncovered component on the list agrees with the evidence but needs review (its periodic evaluation, which 5.2.3 asks for, is not in AWS evidence: the assessor examines the entity’s record of it); one not on it needs review (protect it under 5.2.1, or add it to the list with an evaluation). Empty (default): no list declared, every uncovered component needs review.',
    default: [],
    check: (v) => {
      if (!Array.isArray(v)) return 'a list of ARNs, resource ids or names, or tag:Key=Value';
      const bad = v.find((e) => !e.trim() || (e.startsWith('tag:') && !/^tag:[^=]+=.*$/.test(e)));
      return bad === undefined ? undefined : `${JSON.stringify(bad)} is neither an ARN, a resource id or name, nor tag:Key=Value`;
    },
  },
};

type Tag = { Key?: string; Value?: string };

/** The list entry that names this component (its ARN, its id or name: the ARN's last segment, or one of its tags), if any. */
export function notAtRiskEntry(list: readonly string[], resource: string, tags: readonly Tag[] = []): string | undefined {
  const id = resource.split(/[/:]/).pop();
  return list.find((e) => {
    if (e.startsWith('tag:')) {
      const [key, ...rest] = e.slice(4).split('=');
      return tags.some((t) => t.Key === key && (t.Value ?? '') === rest.join('='));
    }
    return e === resource || e === id;
  });
}

/**
 * The results of a coverage check, judged as 5.2.3's comparison when the requirement sets `notAtRiskEvaluation`
 * (unchanged otherwise). `protection` names what the check sees (for the reasons); `tagsOf` gives a component's tags.
 * Account-level results and errors are kept as they are.
 */
export function judgeNotAtRisk(results: ResourceResult[], params: QueryParameters, ctx: Pick<EvaluationContext, 'parameterSources'>, protection: string, tagsOf: (resource: string) => readonly Tag[] | undefined = () => undefined): ResourceResult[] {
  if (params.notAtRiskEvaluation !== true) return results;
  const list = Array.isArray(params.notAtRiskComponents) ? params.notAtRiskComponents : [];
  const setBy = parameterSetBy(ctx, 'notAtRiskComponents');
  return results.map((r): ResourceResult => {
    if (r.resource === 'account' || r.status === 'error' || r.status === 'not-applicable') return r;
    if (r.status === 'pass') {
      return { ...r, status: 'not-applicable', reason: `${r.reason}. 5.2.3: covered by ${protection}, so not among the components without it that are compared with the entity's list of components judged not at risk from malware` };
    }
    const uncovered = `5.2.3: not shown covered by ${protection}`;
    if (list.length === 0) {
      return { ...r, status: 'needs-review', reason: `${r.reason}. ${uncovered}, and no list of components judged not at risk from malware is declared (${setBy}): either it is protected against malware (5.2.1), or it belongs on that list with its periodic evaluation; the assessor compares it with the entity's list` };
    }
    const entry = notAtRiskEntry(list, r.resource, tagsOf(r.resource));
    if (entry !== undefined) {
      // Listed is what the entity says; 5.2.3 asks for the periodic evaluation behind it, which no AWS API shows.
      return {
        ...r,
        status: 'needs-review',
        reason: `${r.reason}. ${uncovered}, and it is on the entity's list of components judged not at risk from malware (entry ${JSON.stringify(entry)} of ${setBy}): the list and the evidence agree, but the periodic evaluation 5.2.3 asks for is not in this evidence: the assessor examines the entity's record of its latest evaluation of this component: its date, within the frequency the entity's targeted risk analysis sets (5.2.3.1), that it considered the evolving malware threats to this kind of component, and that it concluded the component still needs no anti-malware protection`,
      };
    }
    return { ...r, status: 'needs-review', reason: `${r.reason}. ${uncovered} and not on the not-at-risk list (${list.length} entr${list.length === 1 ? 'y' : 'ies'} of ${setBy}): either protect it (5.2.1) or add it to the list with an evaluation` };
  });
}
