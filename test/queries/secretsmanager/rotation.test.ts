import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { rotation } from '../../../src/queries/secretsmanager/rotation.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, COLLECTED_AT, REGION, listSecrets, secretArn } from '../../fixtures/secretsmanager/secrets.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
function evaluate(data: unknown, params: Record<string, unknown> = {}): Record<string, ResourceResult> {
  const p = { rotationPeriodDays: 90, ...params } as Parameters<typeof rotation.evaluate>[1];
  const fresh = rotation.evaluate(data, p, ctx);
  expect(rotation.evaluate(JSON.parse(canonicalJson(data)), p, ctx)).toEqual(fresh);
  return Object.fromEntries(fresh.map((r) => [r.resource, r]));
}

describe('secretsmanager.rotation', () => {
  it('rotation on and recent passes; off, never completed, or stalled past the period fails; a schedule longer than the period needs review', () => {
    const r = evaluate({ secrets: listSecrets.SecretList });
    expect(r[secretArn('rotating')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('every 30 days; last rotated 12 days') });
    expect(r[secretArn('never-configured')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no automatic rotation; never rotated') });
    expect(r[secretArn('stalled')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('243 days before collection, beyond the 90-day rotation period') });
    expect(r[secretArn('never-rotated')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no completed rotation') });
    expect(r[secretArn('long-schedule')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('rate(180 days) (up to 180 days between rotations)') });
    expect(r[secretArn('rds!db-1234')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('managed by rds') });
  });

  it('the rotation period is the organisation’s: a longer one lets the stalled secret pass; rotation off fails whatever the period', () => {
    const r = evaluate({ secrets: listSecrets.SecretList }, { rotationPeriodDays: 365 });
    expect(r[secretArn('stalled')].status).toBe('pass');
    expect(r[secretArn('never-configured')].status).toBe('fail');
  });

  describe('schedules', () => {
    // Last rotated 12 days before collection, well within the 90-day period: only the schedule decides.
    const rotating = listSecrets.SecretList![0];
    const judge = (RotationRules: object, extra: object = {}) => Object.values(evaluate({ secrets: [{ ...rotating, RotationRules, ...extra }] }))[0];

    it('a cron schedule is judged by its longest gap between rotations: yearly needs review like rate(365 days), monthly passes', () => {
      expect(judge({ ScheduleExpression: 'rate(365 days)' }).status).toBe('needs-review');
      expect(judge({ ScheduleExpression: 'cron(0 0 1 1 ? *)' })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('cron(0 0 1 1 ? *) (up to 366 days between rotations)) is longer than the 90-day rotation period') });
      expect(judge({ ScheduleExpression: 'cron(0 0 1 1,7 ? *)' }).status).toBe('needs-review');
      expect(judge({ ScheduleExpression: 'cron(0 0 1 * ? *)' })).toMatchObject({ status: 'pass', reason: expect.stringContaining('up to 31 days between rotations') });
      expect(judge({ ScheduleExpression: 'rate(12 hours)' })).toMatchObject({ status: 'pass', reason: expect.stringContaining('up to 12 hours between rotations') });
    });

    it('the ScheduleExpression is preferred over an AutomaticallyAfterDays computed before it replaced the old schedule', () => {
      expect(judge({ AutomaticallyAfterDays: 30, ScheduleExpression: 'cron(0 0 1 1 ? *)' })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('up to 366 days between rotations') });
      expect(judge({ AutomaticallyAfterDays: 365, ScheduleExpression: 'rate(30 days)' }).status).toBe('pass');
    });

    const next = (iso: string) => ({ NextRotationDate: new Date(iso) }); // last rotated 2026-05-20

    it('a next rotation scheduled more than the period after the last needs review', () => {
      expect(judge({ AutomaticallyAfterDays: 30 }, next('2027-01-01T00:00:00Z'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('next rotation is scheduled 2027-01-01, 226 days after the last') });
      expect(judge({ AutomaticallyAfterDays: 30 }, next('2026-06-19T00:00:00Z')).status).toBe('pass');
    });

    it('cron L, W and # schedules are read for their interval: monthly ones pass, with or without a next rotation date', () => {
      // AWS accepts L in day-of-month and day-of-week, W in day-of-month and # in day-of-week for Secrets Manager rotation.
      expect(judge({ ScheduleExpression: 'cron(0 16 L * ? *)' }, next('2026-06-30T16:00:00Z'))).toMatchObject({ status: 'pass', reason: expect.stringContaining('on schedule cron(0 16 L * ? *) (up to 31 days between rotations)') });
      expect(judge({ ScheduleExpression: 'cron(0 0 ? * SUN#1 *)' }, next('2026-06-07T00:00:00Z'))).toMatchObject({ status: 'pass', reason: expect.stringContaining('(up to 35 days between rotations)') });
      expect(judge({ ScheduleExpression: 'cron(0 0 ? * 6L *)' }).status).toBe('pass');
      expect(judge({ ScheduleExpression: 'cron(0 0 15W * ? *)' }).status).toBe('pass');
      // A fifth Monday: most months have none, so up to 119 days pass between rotations.
      expect(judge({ ScheduleExpression: 'cron(0 0 ? * 2#5 *)' }, next('2026-06-29T00:00:00Z'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(up to 119 days between rotations)) is longer than the 90-day rotation period') });
    });

    it('a schedule that cannot be read for its interval needs review, naming it and why, even with a next rotation within the period: one next date does not show the interval', () => {
      expect(judge({ ScheduleExpression: 'cron(0 16 1 * ? 2026)' }, next('2026-06-01T16:00:00Z'))).toMatchObject({
        status: 'needs-review',
        reason: expect.stringContaining('its schedule (cron(0 16 1 * ? 2026)) could not be read for its interval (its year field (2026) limits it to some years, after which it never runs) and its next rotation is scheduled 2026-06-01, 12 days after the last, but one next rotation date does not show the interval between later rotations, so it is not shown to rotate within the 90-day rotation period'),
      });
      expect(judge({ ScheduleExpression: 'cron(0 0 1,L * ? *)' })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(its day-of-month field (1,L) is not a form this reader knows (values, ranges, steps, L, LW or a day with W)) and no next rotation date is recorded') });
      // No schedule recorded at all: a next date alone does not pass either.
      expect(judge({}, next('2026-06-19T00:00:00Z'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('its schedule (none recorded) could not be read for its interval (neither a ScheduleExpression nor AutomaticallyAfterDays is recorded)') });
    });

    it('the rate and cron forms AWS documents for rotation that the reader evaluates are judged as before, with or without a next rotation date', () => {
      for (const [expression, between] of [
        ['rate(4 hours)', '4 hours'],
        ['rate(1 day)', '1 days'],
        ['rate(10 days)', '10 days'],
        ['cron(0 4/12 * * ? *)', '1 days'], // twice a day, counted as daily: never shorter than the real interval
        ['cron(0 8 1/7 * ? *)', '7 days'],
        ['cron(0 0 ? * MON-FRI *)', '3 days'],
        ['cron(0 0 ? * 2/2 *)', '3 days'],
        ['cron(0 0 1,15 * ? *)', '17 days'],
      ]) {
        expect(judge({ ScheduleExpression: expression })).toMatchObject({ status: 'pass', reason: expect.stringContaining(`${expression} (up to ${between} between rotations)`) });
        expect(judge({ ScheduleExpression: expression }, next('2026-06-19T00:00:00Z')).status).toBe('pass');
      }
      expect(judge({ ScheduleExpression: 'cron(0 0 1 JAN,APR,JUL,OCT ? *)' }, next('2026-07-01T00:00:00Z'))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('up to 92 days between rotations)) is longer than the 90-day rotation period') });
    });
  });

  it('no response is an error; no secrets is not applicable', () => {
    expect(Object.values(evaluate({})).map((x) => x.status)).toEqual(['error']);
    expect(Object.values(evaluate({ secrets: [] })).map((x) => x.status)).toEqual(['not-applicable']);
  });
});

describe('secretsmanager.rotation against the simulated demo account', () => {
  const session = demoSession();

  it('lists secret metadata only (ListSecrets, never GetSecretValue): the processor key passes, the database password and the stalled token fail', async () => {
    const { results, calls } = await session.run(queryById('secretsmanager.rotation')!, 'us-east-1');
    expect(results.map((r) => [r.reason.split(' ')[1], r.status])).toEqual([
      ['payments/processor-api-key', 'pass'],
      ['reporting/db-password', 'fail'],
      ['partners/webhook-token', 'fail'],
    ]);
    expect(calls.map((c) => c.operation)).toEqual(['secretsmanager:ListSecrets']);
    expect(rotation.apiCalls).toEqual(['secretsmanager:ListSecrets']);
  });
});
