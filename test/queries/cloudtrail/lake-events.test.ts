/** cloudtrail.sensitive-activity's evaluate on CloudTrail Lake rows: the same judgement as on LookupEvents evidence. */
import type { Event } from '@aws-sdk/client-cloudtrail';
import { describe, expect, it } from 'vitest';
import { sensitiveActivity, type SensitiveActivityEvidence } from '../../../src/queries/cloudtrail/sensitive-activity.js';
import { eventDataStoreId, eventDataStoreRegion, lakeTime, sensitiveActivityStatement, type LakeRow, type LakeSensitiveActivityEvidence } from '../../../src/queries/cloudtrail/lake-events.js';

const ACCOUNT = '123456789012';
const EDS = `arn:aws:cloudtrail:eu-west-1:999988887777:eventdatastore/abcd1234-ef56-7890-abcd-ef1234567890`;
const ctx = { accountId: ACCOUNT, region: 'us-east-1', collectedAt: '2026-12-03T12:00:00.000Z' };

interface Spec {
  id: string;
  name: string;
  time: string;
  user: string;
  errorMessage?: string;
  consoleLogin?: string;
}

function lakeRow(s: Spec): LakeRow {
  return [
    { eventID: s.id },
    { eventName: s.name },
    { eventTime: s.time.replace('T', ' ').replace('Z', '') },
    { recipientAccountId: ACCOUNT },
    { awsRegion: 'us-east-1' },
    { userIdentityArn: `arn:aws:iam::${ACCOUNT}:user/${s.user}` },
    { sourceIPAddress: '203.0.113.24' },
    ...(s.errorMessage ? [{ errorMessage: s.errorMessage }] : []),
    ...(s.consoleLogin ? [{ consoleLoginResponse: s.consoleLogin }] : []),
  ];
}

function lookupEvent(s: Spec): Event {
  const record = { userIdentity: { arn: `arn:aws:iam::${ACCOUNT}:user/${s.user}` }, sourceIPAddress: '203.0.113.24', ...(s.errorMessage ? { errorMessage: s.errorMessage } : {}), responseElements: s.consoleLogin ? { ConsoleLogin: s.consoleLogin } : null };
  return { EventId: s.id, EventName: s.name, EventTime: new Date(s.time), Username: s.user, CloudTrailEvent: JSON.stringify(record) };
}

const specs: Spec[] = [
  { id: 'e-ok', name: 'ConsoleLogin', time: '2026-12-03T10:00:00Z', user: 'alice', consoleLogin: 'Success' },
  { id: 'e-fail-1', name: 'ConsoleLogin', time: '2026-12-03T09:00:00Z', user: 'mallory', consoleLogin: 'Failure' },
  { id: 'e-fail-2', name: 'ConsoleLogin', time: '2026-12-03T11:00:00Z', user: 'mallory', errorMessage: 'Failed authentication' },
  ...Array.from({ length: 23 }, (_, i) => ({ id: `e-stop-${i}`, name: 'StopLogging', time: new Date(Date.parse('2026-12-03T08:00:00Z') - i * 60_000).toISOString(), user: 'bob' })),
];
const window = { startTime: '2026-12-02T12:00:00.000Z', endTime: '2026-12-03T12:00:00.000Z' };
const names = ['StopLogging', 'DeleteTrail', 'ConsoleLogin'];

const lake = (rows: LakeRow[], events = '120'): LakeSensitiveActivityEvidence => ({
  ...window,
  eventNames: names,
  lake: { eventDataStore: EDS, queryId: 'q-1', queryStatement: 'SELECT ...', coverageQueryId: 'q-2', coverageStatement: 'SELECT ... COUNT(*) ...', auditAccountId: '999988887777', region: 'eu-west-1' },
  rows,
  coverage: [{ recipientAccountId: ACCOUNT }, { awsRegion: 'us-east-1' }, { events }],
});
const lookups = (all: Spec[]): SensitiveActivityEvidence => ({
  ...window,
  lookups: names.map((eventName) => ({ eventName, events: all.filter((s) => s.name === eventName).sort((a, b) => b.time.localeCompare(a.time)).map(lookupEvent) })),
});

describe('cloudtrail.sensitive-activity on CloudTrail Lake rows', () => {
  it('lists the same events with the same reasons as LookupEvents evidence: failed sign-ins only, 20 per name then a count', () => {
    // Lake returns rows in any order it is asked for; the review orders them newest first like LookupEvents.
    const viaLake = sensitiveActivity.evaluate(lake([...specs].reverse().map(lakeRow)), {}, ctx);
    const own = sensitiveActivity.evaluate(lookups(specs), {}, ctx);
    expect(viaLake.map((r) => r.resource)).toEqual(own.map((r) => r.resource));
    expect(viaLake.map((r) => r.status)).toEqual(own.map((r) => r.status));
    expect(viaLake.filter((r) => !r.resource.endsWith('/more')).map((r) => r.reason)).toEqual(own.filter((r) => !r.resource.endsWith('/more')).map((r) => r.reason));
    expect(viaLake.map((r) => r.resource)).toEqual([...Array.from({ length: 20 }, (_, i) => `StopLogging/e-stop-${i}`), 'StopLogging/more', 'ConsoleLogin/e-fail-2', 'ConsoleLogin/e-fail-1']);
    expect(viaLake.find((r) => r.resource === 'StopLogging/more')?.reason).toMatch(/^3 more StopLogging events between .* in CloudTrail Lake event data store abcd1234-ef56-7890-abcd-ef1234567890 \(120 events of this account and region/);
  });

  it('passes a quiet member only with the store named and what it does not cover', () => {
    const [result] = sensitiveActivity.evaluate(lake([lakeRow(specs[0])]), {}, ctx);
    expect(result).toMatchObject({ resource: 'account', status: 'pass' });
    expect(result.reason).toContain('no StopLogging, DeleteTrail events and no failed console sign-ins between 2026-12-02T12:00:00.000Z and 2026-12-03T12:00:00.000Z in CloudTrail Lake event data store abcd1234');
    expect(result.reason).toContain("within the store's retention; not the account's own event history");
  });

  it('is an error, never a pass, for evidence with neither LookupEvents results nor Lake rows', () => {
    expect(sensitiveActivity.evaluate({ startTime: 'x', endTime: 'y' } as never, {}, ctx)).toEqual([expect.objectContaining({ status: 'error' })]);
  });

  it('builds the query and reads Lake identifiers and timestamps', () => {
    expect(eventDataStoreId(EDS)).toBe('abcd1234-ef56-7890-abcd-ef1234567890');
    expect(eventDataStoreId('abcd1234')).toBe('abcd1234');
    expect(eventDataStoreRegion(EDS)).toBe('eu-west-1');
    expect(eventDataStoreRegion('abcd1234')).toBeUndefined();
    expect(lakeTime('2026-12-03 09:00:00.000')?.toISOString()).toBe('2026-12-03T09:00:00.000Z');
    expect(sensitiveActivityStatement(EDS, ["O'Brien", 'StopLogging'], new Date(window.startTime), new Date(window.endTime))).toBe(
      "SELECT eventID, eventName, eventTime, recipientAccountId, awsRegion, userIdentity.arn AS userIdentityArn, sourceIPAddress, errorMessage, element_at(responseElements, 'ConsoleLogin') AS consoleLoginResponse" +
        " FROM abcd1234-ef56-7890-abcd-ef1234567890 WHERE eventName IN ('O''Brien', 'StopLogging') AND eventCategory = 'Management'" +
        " AND eventTime >= '2026-12-02 12:00:00.000' AND eventTime <= '2026-12-03 12:00:00.000' ORDER BY eventTime DESC",
    );
  });
});
