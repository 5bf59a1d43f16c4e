import type { ProcedureMap } from '../controls/procedures.js';
import type { ControlResult } from '../evaluate/types.js';

/** Per framework and requirement: why the procedure map says its AWS checks test none of its procedures. */
export type UntestedRequirements = Map<string, string>;

export function untestedKey(framework: string, requirement: string): string {
  return `${framework}\u0000${requirement}`;
}

/** The requirements each procedure map names `untested`, with the map's reason. */
export function untestedRequirements(maps: ProcedureMap[]): UntestedRequirements {
  const out: UntestedRequirements = new Map();
  for (const m of maps) for (const u of m.untested ?? []) out.set(untestedKey(m.framework, u.requirement), u.reason);
  return out;
}

/** Opening words of the reason a requirement's result carries when its checks are only supporting information. */
export const UNTESTED_HEAD = 'NOT TESTED by AWS evidence';

/**
 * A requirement the procedure map names untested: its AWS checks inform the assessor but test none of its testing
 * procedures, so passing checks are no "AWS portion met" (nor a pass), and checks finding nothing to judge no proposed
 * "not applicable": the result is `manual` (the assessor tests the requirement), the checks' results stay cited as
 * supporting information. A failing check, a gap or a result
 * needing review is kept as it is: those are facts about the evidence, and never read better than they are.
 */
export function asUntested(res: ControlResult, reason: string): ControlResult {
  // Checks that found nothing to judge say nothing of whether a requirement they do not test applies: manual too.
  if (res.status !== 'aws-portion-satisfied' && res.status !== 'pass' && res.status !== 'not-applicable') return res;
  // Not applicable because the entity declared it is not of the type the requirement is for: that stands.
  if (res.notApplicableToEntity) return res;
  const passed = res.findings.filter((f) => f.status === 'pass' && f.inScope !== false).length;
  const kept = res.reasons.filter((r) => !/^AWS portion satisfied\b/.test(r) && !/^\d+ resource checks? passed$/.test(r));
  return {
    ...res,
    status: 'manual',
    reasons: [
      `${UNTESTED_HEAD}: its AWS checks inform but do not test this requirement (${reason}); the assessor tests it`,
      `supporting information only: ${passed} in-scope resource check${passed === 1 ? '' : 's'} passed (not a finding that the requirement, or any part of it, is met)`,
      ...kept,
    ],
  };
}
