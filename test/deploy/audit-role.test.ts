/** deploy/audit-role.json: the audit account is granted exactly the aggregator and administrator reads, and only the collector may use them. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/version.js';
import { DELEGATED_SOURCES } from '../../src/queries/delegated/index.js';
import { generatedTemplates, templateText } from '../../deploy/generate.js';
import { auditRoleActions } from '../../deploy/audit-role.js';
import { iamActionsFor, isReadOnlyAction, memberRoleActions } from '../../deploy/policy.js';
import { ALL_QUERIES } from '../../src/queries/index.js';

type Json = Record<string, any>;
const DEPLOY = join(PACKAGE_ROOT, 'deploy');
const committed = readFileSync(join(DEPLOY, 'audit-role.json'), 'utf8');
const audit = JSON.parse(committed) as Json;

describe('deploy/audit-role.json', () => {
  it('is what `npm run deploy:policy` generates from the delegated sources', () => {
    expect(committed).toBe(templateText(generatedTemplates(DEPLOY)['audit-role.json']));
  });

  it('grants exactly the read actions the delegated sources declare, on one statement, nothing else', () => {
    const statements = audit.Resources.AuditRole.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    expect(statements).toHaveLength(1);
    const granted: string[] = statements[0].Action;
    // An API call maps to the IAM actions that authorise it (ListFindingsV2 is authorised by access-analyzer:ListFindings).
    expect(granted).toEqual([...new Set(DELEGATED_SOURCES.flatMap((s) => s.apiCalls.flatMap((c) => iamActionsFor(c))))].sort());
    for (const a of granted) expect(isReadOnlyAction(a), a).toBe(true);
    expect(granted).toContain('config:SelectAggregateResourceConfig');
    expect(granted).toContain('guardduty:ListMembers');
    // The per-account reads stay on the member role; the audit role adds only what an administrator or aggregator answers.
    const member = new Set(memberRoleActions(ALL_QUERIES).actions);
    for (const a of granted.filter((x) => x.startsWith('config:'))) expect(member.has(a), a).toBe(false);
  });

  it('is assumable by the collector role only', () => {
    const trust = audit.Resources.AuditRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CollectorAccountId}:role/${CollectorRoleName}' } } });
  });

  it('refuses a delegated source that declares a write, naming it', () => {
    expect(() => auditRoleActions([{ queryId: 'x.bad', kind: 'config-aggregator', apiCalls: ['config:PutConfigurationAggregator'] }])).toThrow(/x\.bad .*config:PutConfigurationAggregator is not a read-only action/);
  });
});
