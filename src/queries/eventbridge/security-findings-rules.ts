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

/** Whether one event-pattern value list (strings, or prefix / anything-but matchers) accepts a value. */
function accepts(list: unknown, value: string): boolean {
  if (list === undefined) return true;
  if (!Array.isArray(list)) return false;
  return list.some((m) => {
    if (typeof m === 'string') return m === value;
    if (m && typeof m === 'object') {
      const o = m as Record<string, unknown>;
      if (typeof o.prefix === 'string') return value.startsWith(o.prefix);
      if (typeof o.wildcard === 'string') return new RegExp(`^${o.wildcard.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(value);
      if ('anything-but' in o) {
        const but = o['anything-but'];
        return !(Array.isArray(but) ? but : [but]).includes(value);
      }
    }
    return false;
  });
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
  if (!accepts(p.source, s.source) || !s.detailTypes.some((d) => accepts(p['detail-type'], d))) return { covers: 'none', narrowing: [] };
  const narrowing = Object.keys(p).filter((k) => !STREAM_KEYS.has(k));
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
