/**
 * cloudtrail.sensitive-activity through the organisation's CloudTrail Lake event data store: one query split per member
 * account and region, judged exactly like each member's own LookupEvents, and every way the query can fail to finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsClientProvider, withCallLog } from '../../../src/aws/clients.js';
import { RateLimiterRegistry } from '../../../src/aws/rate-limit.js';
import { createLogger } from '../../../src/log/logger.js';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { lakeSensitiveActivity, LakeQueryNotFinished, waitForLakeQuery, type LakeSensitiveActivityPart } from '../../../src/queries/cloudtrail/lake-sensitive-activity.js';
import { sensitiveActivity } from '../../../src/queries/cloudtrail/sensitive-activity.js';
import { sensitiveActivityStatement, type LakeSensitiveActivityEvidence } from '../../../src/queries/cloudtrail/lake-events.js';
import { memberKey, type AuditContext } from '../../../src/queries/delegated/types.js';
import { readOnce } from '../../../src/queries/delegated/read-once.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ORG_EVENT_DATA_STORE_ID, ORG_MANAGEMENT_ACCOUNT_ID, organizationWorld, simulatorCredentials, simulatorEnv, startSimulatedAws, type SimulatedAws } from '../../../src/simulator/index.js';
import { cloudTrailLake } from '../../../src/simulator/services/cloudtrail-lake.js';
import { cloudTrailEvents } from '../../../src/simulator/services/cloudtrail.js';
import { addEvent } from '../../../src/simulator/worlds/builders.js';

const REGIONS = ['us-east-1', 'us-west-2'];
const HOUR = 3_600_000;
const EDS_ARN = `arn:aws:cloudtrail:us-east-1:${ORG_MANAGEMENT_ACCOUNT_ID}:eventdatastore/${ORG_EVENT_DATA_STORE_ID}`;
const params = { lookbackHours: 24, sensitiveEvents: ['StopLogging', 'ConsoleLogin'] };
const rateLimits = new RateLimiterRegistry();
let sim: SimulatedAws;
let now: Date;
let busy: string;
let quiet: string;
const saved = { ...process.env };

function provider(accountId: string, region: string): AwsClientProvider {
  return new AwsClientProvider({ accountId, region, credentials: simulatorCredentials(sim, accountId), maxAttempts: 3, rateLimits });
}

async function withAudit<T>(fn: (audit: AuditContext) => Promise<T>, over: Partial<AuditContext> = {}): Promise<T> {
  const clients = provider(ORG_MANAGEMENT_ACCOUNT_ID, 'us-east-1');
  try {
    return await fn({ accountId: ORG_MANAGEMENT_ACCOUNT_ID, region: 'us-east-1', clients, aggregator: '', eventDataStore: EDS_ARN, now, params, log: createLogger({ level: 'silent' }), once: readOnce(), ...over });
  } finally {
    clients.destroy();
  }
}

const evaluate = (data: unknown, accountId: string, region: string): ResourceResult[] =>
  sensitiveActivity.evaluate(JSON.parse(canonicalJson(data)), params, { accountId, region, collectedAt: now.toISOString() });
const listing = (results: ResourceResult[]) => results.map((r) => `${r.resource} ${r.status}`);

beforeAll(async () => {
  now = new Date();
  const world = organizationWorld({ accounts: 4, regions: REGIONS, seed: 11, delegatedAdministrator: true, now });
  const accounts = world.organization!.accountIds;
  // More failed sign-ins than one page of GetQueryResults (1,000 rows) and than the review lists one by one (20).
  busy = accounts[2];
  const account = world.account(busy)!;
  for (let i = 0; i < 1_010; i++) {
    addEvent(account, 'us-west-2', { name: 'ConsoleLogin', source: 'signin.amazonaws.com', time: new Date(now.getTime() - 2 * HOUR - i * 60_000), userName: `intruder-${i % 7}`, readOnly: false, eventType: 'AwsConsoleSignIn', errorMessage: 'Failed authentication', responseElements: { ConsoleLogin: 'Failure' } });
  }
  // A successful sign-in is not listed, and an event outside the window is not found, by either path.
  addEvent(world.account(accounts[1])!, 'us-east-1', { name: 'ConsoleLogin', source: 'signin.amazonaws.com', time: new Date(now.getTime() - HOUR), userName: 'alice.ops', readOnly: false, eventType: 'AwsConsoleSignIn', responseElements: { ConsoleLogin: 'Success' } });
  addEvent(world.account(accounts[1])!, 'us-east-1', { name: 'StopLogging', source: 'cloudtrail.amazonaws.com', time: new Date(now.getTime() - 30 * HOUR), userName: 'bob.dev', readOnly: false });
  // A member-region the store received nothing from in the window: not shown to be delivered, so never reported quiet.
  quiet = accounts[1];
  const quietEvents = cloudTrailEvents(world.account(quiet)!, 'us-west-2');
  quietEvents.events = quietEvents.events.filter((e) => (e.EventTime?.getTime() ?? 0) < now.getTime() - 25 * HOUR);
  addEvent(world.account(accounts[3])!, 'us-west-2', { name: 'StopLogging', source: 'cloudtrail.amazonaws.com', time: new Date(now.getTime() - 3 * HOUR), userName: 'bob.dev', readOnly: false });
  sim = await startSimulatedAws({ world });
  Object.assign(process.env, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
});

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  await sim?.close();
});

describe('cloudtrail.sensitive-activity through an organisation event data store', () => {
  it('runs one query for the organisation, reads every page, and judges each member as its own LookupEvents would', async () => {
    const fetched = await withAudit((audit) => withCallLog(() => lakeSensitiveActivity.fetch(audit)));
    if ('error' in fetched) throw fetched.error;
    const ops = fetched.calls.map((c) => c.operation);
    // The search and the per-member event count; the search's 1,000+ rows take two pages.
    expect(ops.filter((o) => o === 'cloudtrail:StartQuery')).toHaveLength(2);
    expect(ops.filter((o) => o === 'cloudtrail:DescribeQuery').length).toBeGreaterThanOrEqual(4);
    expect(ops.filter((o) => o === 'cloudtrail:GetQueryResults')).toHaveLength(3);
    // The store's own description is read first: it must keep every management event for the whole window.
    expect(ops[0]).toBe('cloudtrail:GetEventDataStore');
    const statement = (fetched.calls.find((c) => c.operation === 'cloudtrail:StartQuery')!.input as { QueryStatement: string }).QueryStatement;
    // The look-back (24 h) plus the default overlap with the previous run's window (60 min).
    expect(statement).toBe(sensitiveActivityStatement(EDS_ARN, ['StopLogging', 'ConsoleLogin'], new Date(now.getTime() - 25 * HOUR), now));
    expect(statement).toContain(`FROM ${ORG_EVENT_DATA_STORE_ID} WHERE`);

    const parts = fetched.result;
    let compared = 0;
    for (const accountId of sim.world.organization!.accountIds) {
      for (const region of REGIONS) {
        const part = parts.get(memberKey(accountId, region));
        if (accountId === quiet && region === 'us-west-2') {
          expect(part).toBeUndefined();
          continue;
        }
        expect(part, `${accountId}/${region}`).toBeDefined();
        const clients = provider(accountId, region);
        const member = { accountId, region, clients, params, now };
        const lakeData = (await lakeSensitiveActivity.complete(part, member, { accountId: ORG_MANAGEMENT_ACCOUNT_ID, region: 'us-east-1', clients, aggregator: '', now, params, log: createLogger({ level: 'silent' }), once: readOnce() })) as LakeSensitiveActivityEvidence;
        // The evidence records the window searched: the look-back plus the overlap, as LookupEvents searches it.
        expect({ startTime: lakeData.startTime, endTime: lakeData.endTime }).toEqual({ startTime: new Date(now.getTime() - 25 * HOUR).toISOString(), endTime: now.toISOString() });
        // Every row kept is the member's own, verbatim as a list of single-key maps.
        for (const row of lakeData.rows) {
          for (const cell of row) expect(Object.keys(cell)).toHaveLength(1);
          expect(row).toEqual(expect.arrayContaining([{ recipientAccountId: accountId }, { awsRegion: region }]));
        }
        const lookup = await sensitiveActivity.collect(member);
        clients.destroy();
        const viaLake = evaluate(lakeData, accountId, region);
        const own = evaluate(lookup, accountId, region);
        expect({ member: `${accountId}/${region}`, results: listing(viaLake) }).toEqual({ member: `${accountId}/${region}`, results: listing(own) });
        compared++;
        if (accountId === busy && region === 'us-west-2') {
          expect(lakeData.rows.length).toBeGreaterThanOrEqual(1_010);
          expect(viaLake.find((r) => r.resource === 'ConsoleLogin/more')?.reason).toMatch(/^\d+ more failed ConsoleLogin events between .* in CloudTrail Lake event data store/);
          expect(viaLake.find((r) => r.resource === 'ConsoleLogin/more')?.reason.split(' ')[0]).toBe(own.find((r) => r.resource === 'ConsoleLogin/more')?.reason.split(' ')[0]);
        }
        if (viaLake.length === 1 && viaLake[0].status === 'pass') expect(viaLake[0].reason).toMatch(new RegExp(`CloudTrail Lake event data store ${ORG_EVENT_DATA_STORE_ID} \\([1-9]\\d* events of this account and region`));
      }
    }
    expect(compared).toBe(7);
    // The comparison covers listed events, not only passes.
    const all = [...(parts as Map<string, LakeSensitiveActivityPart>).values()].flatMap((p) => p.rows);
    expect(all.length).toBeGreaterThan(1_010);
  }, 120_000);

  it('says who, when and from where for a listed event, as LookupEvents evidence does', async () => {
    const fetched = await withAudit((audit) => lakeSensitiveActivity.fetch(audit));
    const accountId = sim.world.organization!.accountIds[3];
    const data = await lakeSensitiveActivity.complete(fetched.get(memberKey(accountId, 'us-west-2'))!, undefined as never, undefined as never);
    const stop = evaluate(data, accountId, 'us-west-2').find((r) => r.resource.startsWith('StopLogging/'));
    expect(stop).toMatchObject({ status: 'needs-review' });
    expect(stop!.reason).toContain(`StopLogging by arn:aws:iam::${accountId}:user/bob.dev at ${new Date(Math.floor((now.getTime() - 3 * HOUR) / 1000) * 1000).toISOString().slice(0, 16)}`);
  });

  it('throws, naming the store, when the event data store does not exist', async () => {
    await expect(withAudit((audit) => lakeSensitiveActivity.fetch(audit), { eventDataStore: 'no-such-store' })).rejects.toMatchObject({ name: 'EventDataStoreNotFoundException' });
  });

  it('refuses a store that cannot stand in for every member event of the window, before any query, and keeps the description it judged', async () => {
    const store = cloudTrailLake(sim.world.account(ORG_MANAGEMENT_ACCOUNT_ID)!, 'us-east-1').eventDataStores[0];
    const cases: [string, Partial<typeof store>, RegExp][] = [
      // A count of the member's events would still be above zero, while every KMS call searched for is missing.
      ['KMS events excluded', { advancedEventSelectors: [{ Name: 'No KMS', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] }] }] }, /no selector keeps every management event/],
      ['read-only events only', { advancedEventSelectors: [{ Name: 'Reads', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['true'] }] }] }, /no selector keeps every management event/],
      ['ingestion stopped', { status: 'STOPPED_INGESTION' }, /status is STOPPED_INGESTION, not ENABLED/],
      ['created inside the window', { createdAt: new Date(now.getTime() - 2 * HOUR) }, /created .* after the window start/],
    ];
    for (const [label, change, why] of cases) {
      const saved = { advancedEventSelectors: store.advancedEventSelectors, status: store.status, createdAt: store.createdAt };
      Object.assign(store, change);
      try {
        const started = sim.stats().byOperation['cloudtrail:StartQuery']?.calls ?? 0;
        const err = await withAudit((audit) => lakeSensitiveActivity.fetch(audit)).catch((e: unknown) => e);
        expect(err, label).toMatchObject({ name: 'LakeStoreNotCovering', message: expect.stringMatching(why) });
        expect(sim.stats().byOperation['cloudtrail:StartQuery']?.calls ?? 0, label).toBe(started);
      } finally {
        Object.assign(store, saved);
      }
    }
    const fetched = await withAudit((audit) => lakeSensitiveActivity.fetch(audit));
    const part = [...fetched.values()][0] as LakeSensitiveActivityPart;
    expect(part.lake.store).toMatchObject({ Status: 'ENABLED', OrganizationEnabled: true, AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }] });
  });

  it('throws for a query that fails, is cancelled or times out at Lake, with Lake\'s message', async () => {
    const store = cloudTrailLake(sim.world.account(ORG_MANAGEMENT_ACCOUNT_ID)!, 'us-east-1').eventDataStores[0];
    try {
      for (const status of ['FAILED', 'CANCELLED', 'TIMED_OUT'] as const) {
        store.failQueries = { status, message: `simulated ${status}` };
        const err = await withAudit((audit) => lakeSensitiveActivity.fetch(audit)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LakeQueryNotFinished);
        expect(err).toMatchObject({ status, message: expect.stringContaining(`simulated ${status}`) });
      }
    } finally {
      delete store.failQueries;
    }
  });

  it('stops waiting after its limit, and on abort', async () => {
    const store = cloudTrailLake(sim.world.account(ORG_MANAGEMENT_ACCOUNT_ID)!, 'us-east-1').eventDataStores[0];
    store.pollsBeforeFinished = 1_000_000;
    const clients = provider(ORG_MANAGEMENT_ACCOUNT_ID, 'us-east-1');
    try {
      const { CloudTrailClient, StartQueryCommand } = await import('@aws-sdk/client-cloudtrail');
      const ct = clients.get(CloudTrailClient);
      const statement = sensitiveActivityStatement(EDS_ARN, ['StopLogging'], new Date(now.getTime() - HOUR), now);
      const { QueryId } = await ct.send(new StartQueryCommand({ QueryStatement: statement }));
      await expect(waitForLakeQuery(ct, QueryId!, { maxWaitMs: 300, firstPollMs: 100 })).rejects.toMatchObject({ name: 'LakeQueryWaitExceeded' });
      // collect.delegatedAdmin.cloudtrailQueryWaitSeconds reaches the organisation-wide read as the audit context's wait.
      await expect(withAudit((audit) => lakeSensitiveActivity.fetch(audit), { lakeQueryWaitMs: 1_200 })).rejects.toMatchObject({ name: 'LakeQueryWaitExceeded', message: expect.stringContaining('after 1 s') });
      const controller = new AbortController();
      const waiting = waitForLakeQuery(ct, QueryId!, { firstPollMs: 60_000, signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      delete store.pollsBeforeFinished;
      clients.destroy();
    }
  });

  it('refuses SQL outside the subset with InvalidQueryStatementException', async () => {
    const clients = provider(ORG_MANAGEMENT_ACCOUNT_ID, 'us-east-1');
    try {
      const { CloudTrailClient, StartQueryCommand } = await import('@aws-sdk/client-cloudtrail');
      await expect(clients.get(CloudTrailClient).send(new StartQueryCommand({ QueryStatement: `DELETE FROM ${ORG_EVENT_DATA_STORE_ID}` }))).rejects.toMatchObject({ name: 'InvalidQueryStatementException' });
      await expect(clients.get(CloudTrailClient).send(new StartQueryCommand({ QueryStatement: `SELECT eventID FROM ${ORG_EVENT_DATA_STORE_ID} WHERE userAgent LIKE '%aws-cli%'` }))).rejects.toMatchObject({ name: 'InvalidQueryStatementException' });
    } finally {
      clients.destroy();
    }
  });
});
