import type { Rule, Target } from '@aws-sdk/client-eventbridge';
import { loadEventBridgeSdk } from '../../aws/sdk.js';
import { captureAbsence, defineQuery, isCapturedError, type CapturedError, type ResourceResult } from '../types.js';

/** ListTargetsByRule of one rule (ResourceNotFoundException kept when the rule was deleted between the calls). */
export interface RuleTargets {
  rule: string;
  targets: Target[] | CapturedError;
}

export interface SecurityFindingsRulesEvidence {
  /** ListRules on the default event bus (where AWS services publish their events), all pages. */
  rules: Rule[];
  /** Targets of each rule whose pattern can match GuardDuty or Security Hub findings. */
  targets: RuleTargets[];
}

/** A findings stream published to the default bus: its event source and detail types. */
export interface FindingsSource {
  id: string;
  title: string;
  source: string;
  detailTypes: readonly string[];
}

export const FINDINGS_SOURCES: readonly FindingsSource[] = [
  { id: 'guardduty-findings', title: 'GuardDuty findings', source: 'aws.guardduty', detailTypes: ['GuardDuty Finding'] },
  { id: 'securityhub-findings', title: 'Security Hub findings', source: 'aws.securityhub', detailTypes: ['Security Hub Findings - Imported'] },
];

// Keys that only pick the stream; any other key (detail, account, region ...) lets through only some findings.
const STREAM_KEYS = new Set(['source', 'detail-type']);

/** Whether a matcher accepts a value: yes, no, or unknown (an operator or operand form this check does not read). */
type Match = 'yes' | 'no' | 'unknown';

/** EventBridge wildcard: `*` matches any run of characters; a backslash before `*` or before a backslash makes it literal. */
function wildcardMatches(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '*' || pattern[i + 1] === '\\')) re += `\\${pattern[++i]}`;
    else if (c === '*') re += '.*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(value);
}

/** A prefix or suffix operand: a string, or `{ "equals-ignore-case": string }`. */
function affixMatch(operand: unknown, value: string, test: (v: string, affix: string) => boolean): Match {
  if (typeof operand === 'string') return test(value, operand) ? 'yes' : 'no';
  const o = single(operand);
  if (o?.key === 'equals-ignore-case' && typeof o.value === 'string') return test(value.toLowerCase(), o.value.toLowerCase()) ? 'yes' : 'no';
  return 'unknown';
}

/** The one key and value of an operator object, or undefined for anything else. */
function single(m: unknown): { key: string; value: unknown } | undefined {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const keys = Object.keys(m);
  return keys.length === 1 ? { key: keys[0], value: (m as Record<string, unknown>)[keys[0]] } : undefined;
}

/** A string operand, or a list of them (the forms anything-but takes for its nested matchers). */
const strings = (v: unknown): string[] | undefined => (typeof v === 'string' ? [v] : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);

/** anything-but's operand: strings (or numbers), or one nested prefix / suffix / wildcard / equals-ignore-case matcher. */
function anythingBut(operand: unknown, value: string): Match {
  if (typeof operand === 'number') return 'yes'; // a number is never equal to the string value
  if (Array.isArray(operand) && operand.length > 0 && operand.every((x) => typeof x === 'string' || typeof x === 'number')) return operand.includes(value) ? 'no' : 'yes';
  if (typeof operand === 'string') return operand === value ? 'no' : 'yes';
  const o = single(operand);
  const list = o && strings(o.value);
  if (!o || !list) return 'unknown';
  const any = (f: (x: string) => boolean): Match => (list.some(f) ? 'no' : 'yes');
  if (o.key === 'prefix') return any((x) => value.startsWith(x));
  if (o.key === 'suffix') return any((x) => value.endsWith(x));
  if (o.key === 'wildcard') return any((x) => wildcardMatches(x, value));
  if (o.key === 'equals-ignore-case') return any((x) => x.toLowerCase() === value.toLowerCase());
  return 'unknown';
}

/**
 * One matcher of an event-pattern value list against a string value, after the comparison operators of
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html. Any operator or operand
 * form not read here is `unknown`, never a match.
 */
function matcher(m: unknown, value: string): Match {
  if (typeof m === 'string') return m === value ? 'yes' : 'no';
  if (m === null || typeof m === 'number' || typeof m === 'boolean') return 'no'; // the value is a non-empty string
  const o = single(m);
  if (!o) return 'unknown';
  switch (o.key) {
    case 'prefix':
      return affixMatch(o.value, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return affixMatch(o.value, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return typeof o.value === 'string' ? (o.value.toLowerCase() === value.toLowerCase() ? 'yes' : 'no') : 'unknown';
    case 'wildcard':
      return typeof o.value === 'string' ? (wildcardMatches(o.value, value) ? 'yes' : 'no') : 'unknown';
    case 'anything-but':
      return anythingBut(o.value, value);
    case 'exists':
      // source and detail-type are present in every event.
      return o.value === true ? 'yes' : o.value === false ? 'no' : 'unknown';
    case 'numeric':
    case 'cidr':
      // A service name or detail type is neither a number nor an IP address.
      return 'no';
    default:
      return 'unknown';
  }
}

/** Whether one event-pattern value list (strings or operator objects, any of which may match) accepts a value. */
function accepts(list: unknown, value: string): Match {
  if (list === undefined) return 'yes';
  if (!Array.isArray(list)) return 'no'; // an object here names nested fields, which a string value does not have
  const each = list.map((m) => matcher(m, value));
  return each.includes('yes') ? 'yes' : each.includes('unknown') ? 'unknown' : 'no';
}

/** How a rule's pattern treats a findings stream: all of it, some of it (with the narrowing keys), or none. */
export function patternCoverage(eventPattern: string | undefined, s: FindingsSource): { covers: 'all' | 'some' | 'none'; narrowing: string[] } {
  if (!eventPattern) return { covers: 'none', narrowing: [] };
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(eventPattern) as Record<string, unknown>;
  } catch {
    return { covers: 'none', narrowing: [] };
  }
  const source = accepts(p.source, s.source);
  const detailTypes = s.detailTypes.map((d) => accepts(p['detail-type'], d));
  const detailType: Match = detailTypes.includes('yes') ? 'yes' : detailTypes.includes('unknown') ? 'unknown' : 'no';
  if (source === 'no' || detailType === 'no') return { covers: 'none', narrowing: [] };
  // An operator this check does not read never counts as matching every finding: the rule is listed for review.
  const unread = [...(source === 'unknown' ? ['source (an operator this check does not read)'] : []), ...(detailType === 'unknown' ? ['detail-type (an operator this check does not read)'] : [])];
  const narrowing = [...unread, ...Object.keys(p).filter((k) => !STREAM_KEYS.has(k))];
  return { covers: narrowing.length ? 'some' : 'all', narrowing };
}

function targetsOf(data: SecurityFindingsRulesEvidence, rule: Rule): Target[] {
  const t = data.targets.find((x) => x.rule === rule.Name);
  return t && !isCapturedError(t.targets) ? t.targets : [];
}

export const securityFindingsRules = defineQuery<SecurityFindingsRulesEvidence>({
  id: 'eventbridge.security-findings-rules',
  service: 'eventbridge',
  title: 'GuardDuty and Security Hub findings are routed by an enabled EventBridge rule to a target',
  description:
    'The rules on the region’s default event bus: for GuardDuty findings and for Security Hub findings, whether an enabled rule matches every finding (or only some, when its pattern filters on severity, account or other fields) and has at least one target. It shows that findings are sent somewhere, not that the target delivers them to a person or that anyone responds; where Security Hub aggregates findings into another region, the rule that matters is in that region.',
  remediation:
    'Create an EventBridge rule on the default bus with the pattern {"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"]} (and one for "aws.securityhub" / "Security Hub Findings - Imported") whose target is an SNS topic, an incident tool or a ticketing integration that the security team watches; enable it in every region where the services run.',
  scope: 'regional',
  apiCalls: ['events:ListRules', 'events:ListTargetsByRule'],
  async collect(ctx) {
    const { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } = await loadEventBridgeSdk();
    const client = ctx.clients.get(EventBridgeClient);
    const rules: Rule[] = [];
    // EventBridge's SDK client ships no paginators; NextToken is followed until the listing ends.
    let token: string | undefined;
    do {
      ctx.signal?.throwIfAborted();
      const page = await client.send(new ListRulesCommand({ EventBusName: 'default', Limit: 100, NextToken: token }));
      rules.push(...(page.Rules ?? []));
      token = page.NextToken;
    } while (token);
    const targets: RuleTargets[] = [];
    for (const rule of rules.filter((r) => FINDINGS_SOURCES.some((s) => patternCoverage(r.EventPattern, s).covers !== 'none'))) {
      const list = await captureAbsence(async () => {
        const out: Target[] = [];
        let next: string | undefined;
        do {
          ctx.signal?.throwIfAborted();
          const page = await client.send(new ListTargetsByRuleCommand({ Rule: rule.Name, EventBusName: 'default', Limit: 100, NextToken: next }));
          out.push(...(page.Targets ?? []));
          next = page.NextToken;
        } while (next);
        return out;
      }, ['ResourceNotFoundException']);
      targets.push({ rule: rule.Name ?? '', targets: list });
    }
    return { rules, targets };
  },
  evaluate(data, _params, ctx) {
    if (!data?.rules || !data.targets) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the ListRules or ListTargetsByRule responses' }];
    }
    const bus = `arn:aws:events:${ctx.region}:${ctx.accountId}:event-bus/default`;
    return FINDINGS_SOURCES.map((s): ResourceResult => {
      const base = { resource: `${bus}#${s.id}`, resourceType: 'AWS::Events::Rule' };
      const matching = data.rules.map((rule) => ({ rule, ...patternCoverage(rule.EventPattern, s) })).filter((m) => m.covers !== 'none');
      const live = matching.filter((m) => m.rule.State?.startsWith('ENABLED') && targetsOf(data, m.rule).length > 0);
      const describe = (m: (typeof matching)[number]) => `rule ${m.rule.Name} → ${targetsOf(data, m.rule).map((t) => t.Arn).join(', ')}`;
      const full = live.filter((m) => m.covers === 'all');
      if (full.length) return { ...base, status: 'pass', reason: `${s.title} in ${ctx.region} are routed to a target: ${full.map(describe).join('; ')}` };
      if (live.length) {
        return { ...base, status: 'needs-review', reason: `${s.title} in ${ctx.region} are routed only when they match further conditions (${live.map((m) => `${describe(m)}, filtering on ${m.narrowing.join(', ')}`).join('; ')}): the other findings reach no target` };
      }
      const idle = matching.map((m) => `rule ${m.rule.Name} is ${m.rule.State?.startsWith('ENABLED') ? 'enabled but has no target' : (m.rule.State ?? 'in an unknown state').toLowerCase()}`);
      return { ...base, status: 'fail', reason: `no enabled EventBridge rule on the default bus of ${ctx.region} sends ${s.title} to a target${idle.length ? ` (${idle.join('; ')})` : ''}` };
    });
  },
});
