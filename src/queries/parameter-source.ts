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
