import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { planRun, queryParameters } from '../../src/collect/plan.js';
import { queryById } from '../../src/queries/index.js';
import type { AccountTarget } from '../../src/collect/targets.js';
import { DEFAULT_SENSITIVE_EVENTS } from '../../src/queries/cloudtrail/sensitive-activity.js';

const target = (accountId: string, regions: string[]): AccountTarget => ({ accountId, regions, regionSource: 'configured' });

describe('planRun: the plan stage, without network', () => {
  const catalogs = loadCatalogs();

  it('runs regional queries in every region of each account and global ones once per account', () => {
    const config = ConfigSchema.parse({});
    const plan = planRun(catalogs, config, [target('111111111111', ['us-east-1', 'eu-west-1']), target('222222222222', ['us-east-1'])], { queries: ['iam.password-policy', 's3.bucket-encryption', 'cloudtrail.trail-logging'] });
    expect(plan.queries.map((q) => q.id)).toEqual(['account.enabled-regions', 'cloudtrail.trail-logging', 'iam.password-policy', 's3.bucket-encryption']);
    expect(plan.regions).toEqual(['eu-west-1', 'us-east-1']);
    const cells = plan.tasks.map((t) => `${t.query.id}@${t.target.accountId}/${t.region}`).sort();
    expect(cells).toEqual([
      'account.enabled-regions@111111111111/global',
      'account.enabled-regions@222222222222/global',
      'cloudtrail.trail-logging@111111111111/eu-west-1',
      'cloudtrail.trail-logging@111111111111/us-east-1',
      'cloudtrail.trail-logging@222222222222/us-east-1',
      'iam.password-policy@111111111111/global',
      'iam.password-policy@222222222222/global',
      's3.bucket-encryption@111111111111/global',
      's3.bucket-encryption@222222222222/global',
    ]);
  });

  it('records every account\'s enabled regions in every run, whatever the frameworks cite and whatever an explicit --queries list says', () => {
    const config = ConfigSchema.parse({});
    const targets = [target('111111111111', ['us-east-1']), target('222222222222', ['us-east-1'])];
    const plan = planRun(catalogs, config, targets, { frameworks: ['hipaa-security'] });
    expect(catalogs.find((c) => c.framework === 'hipaa-security')!.requirements.some((r) => r.queries.includes('account.enabled-regions'))).toBe(false);
    expect(plan.tasks.filter((t) => t.query.id === 'account.enabled-regions').map((t) => `${t.target.accountId}/${t.region}`)).toEqual(['111111111111/global', '222222222222/global']);
    expect(plan.queries.map((q) => q.id)).toEqual([...plan.queries.map((q) => q.id)].sort());
    // A partial run (--queries) records them too: without the record its regional results could not be capped.
    expect(planRun(catalogs, config, targets, { queries: ['iam.password-policy'] }).queries.map((q) => q.id)).toEqual(['account.enabled-regions', 'iam.password-policy']);
    expect(planRun(catalogs, config, targets, { queries: ['account.enabled-regions'] }).queries.map((q) => q.id)).toEqual(['account.enabled-regions']);
  });

  it('puts rate-paced queries first for every account', () => {
    const config = ConfigSchema.parse({});
    const plan = planRun(catalogs, config, [target('111111111111', ['us-east-1'])], { frameworks: ['pci-dss-4.0.1'] });
    const firstUnpaced = plan.tasks.findIndex((t) => !t.paced);
    expect(plan.tasks.some((t) => t.paced)).toBe(true);
    expect(plan.tasks.slice(firstUnpaced).every((t) => !t.paced)).toBe(true);
  });

  it('refuses unknown query ids and frameworks before anything runs', () => {
    const config = ConfigSchema.parse({});
    expect(() => planRun(catalogs, config, [], { queries: ['no.such-query'] })).toThrow(/unknown query id\(s\): no.such-query/);
    expect(() => planRun(catalogs, config, [], { frameworks: ['sox'] })).toThrow(/unknown framework "sox"/);
  });
});

describe('query parameters: declared by each query, given by its collect setting when configured', () => {
  const query = queryById('cloudtrail.sensitive-activity')!;

  it('uses the query defaults when the configuration sets nothing', () => {
    expect(queryParameters(query, ConfigSchema.parse({}))).toEqual({ lookbackHours: 24, eventOverlapMinutes: 60, sensitiveEvents: [...DEFAULT_SENSITIVE_EVENTS] });
  });

  it('uses collect.lookbackHours, collect.eventOverlapMinutes and collect.sensitiveEvents when configured', () => {
    const config = ConfigSchema.parse({ collect: { lookbackHours: 48, eventOverlapMinutes: 15, sensitiveEvents: ['StopLogging'] } });
    expect(queryParameters(query, config)).toEqual({ lookbackHours: 48, eventOverlapMinutes: 15, sensitiveEvents: ['StopLogging'] });
  });
});
