import type { EvaluationContext, ParameterValue } from './types.js';

/**
 * "name = value, set by <who>" for a reason that names a limit or a declaration (who: parameterSource of
 * src/evaluate/baseline.ts, passed by the engine as ctx.parameterSources), or "name = value" when the evaluation does
 * not know who set it (a direct evaluation). Never calls a catalog or check default "the organisation's".
 */
export function valueSetBy(ctx: Pick<EvaluationContext, 'parameterSources'>, name: string, value: ParameterValue): string {
  const who = ctx.parameterSources?.[name];
  return `${name} = ${String(value)}${who ? `, set by ${who}` : ''}`;
}

/** What src/evaluate/baseline.ts parameterSource says of a value no catalog entry or configuration sets. */
export const CHECK_DEFAULT_SOURCE = 'the check\'s default, to be confirmed by the organisation';

/**
 * Whether the requirement being judged can set this parameter (its catalog entry declares it, or the configuration sets
 * it): false only when the engine says the value is the check's own default. A direct evaluation (no sources) says yes.
 */
export function declaredByRequirement(ctx: Pick<EvaluationContext, 'parameterSources'>, name: string): boolean {
  const who = ctx.parameterSources?.[name];
  return who === undefined || who !== CHECK_DEFAULT_SOURCE;
}

/**
 * Organisation declarations that are facts about the entity, not a threshold of one requirement: that an AWS service is
 * the entity's solution for a job (GuardDuty its anti-malware, its intrusion detection, its automated review of the AWS
 * audit logs; AWS WAF its solution against web attacks) and where it keeps stored card data (the S3 buckets of
 * `cardDataBuckets`, which the PCI DSS scope check also reads). Set once in the configuration under any requirement of a
 * framework that takes it, a declaration applies to every requirement of that framework whose catalog entry takes it
 * (src/controls/parameters.ts requirementOverrides); two different values of one declaration in one framework are
 * refused at start-up, naming both fields (a list's order and repeats do not make it a different value).
 */
export const ENTITY_DECLARATIONS: ReadonlySet<string> = new Set([
  'guarddutyIsAntiMalware',
  'guarddutyIsIntrusionDetection',
  'guarddutyIsLogReview',
  'awsWafIsWebAppFirewall',
  'cardDataBuckets',
]);
