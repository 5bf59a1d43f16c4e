/**
 * Target resolution against a small loopback stub of the three APIs discovery uses: STS AssumeRole (awsQuery),
 * Organizations ListAccounts (awsJson1_1) and Account ListRegions (restJson1). The real SDK clients reach it by
 * the SDK's own endpoint overrides (AWS_ENDPOINT_URL_<SERVICE>).
 */
import { describe, it, expect, beforeAll, afterAll, afterEach, vi } from 'vitest';
import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { AccountClient, ListRegionsCommand } from '@aws-sdk/client-account';
import { ConfigSchema, type Config } from '../../src/config/schema.js';
import { createLogger } from '../../src/log/logger.js';
import { AwsClientProvider, withCallLog } from '../../src/aws/clients.js';
import { resolveTargets, shardOf, selectShard, sharedSession, assumedRoleCredentials, isActiveAccount } from '../../src/collect/targets.js';
import { EvidenceLockerError } from '../../src/errors.js';

interface StubAccount {
  id: string;
  name: string;
  state: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  /** No role: AssumeRole answers AccessDenied. */
  role: boolean;
  /** The role may not call account:ListRegions. */
  listRegionsDenied?: boolean;
  regions: { RegionName: string; RegionOptStatus: string }[];
}

const AUDIT = '999999999999';
const accounts: StubAccount[] = [
  { id: '111111111111', name: 'payments-prod', state: 'ACTIVE', role: true, regions: [{ RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }, { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }, { RegionName: 'af-south-1', RegionOptStatus: 'DISABLED' }] },
  { id: '222222222222', name: 'payments-dev', state: 'ACTIVE', role: true, regions: [{ RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' }, { RegionName: 'ap-east-1', RegionOptStatus: 'ENABLED' }, { RegionName: 'me-south-1', RegionOptStatus: 'DISABLING' }] },
  { id: '333333333333', name: 'closed', state: 'SUSPENDED', role: true, regions: [] },
  { id: '444444444444', name: 'no-role', state: 'ACTIVE', role: false, regions: [] },
  { id: '555555555555', name: 'partial-role', state: 'ACTIVE', role: true, listRegionsDenied: true, regions: [] },
];

let server: Server;
let url = '';
const calls: { service: string; op: string; accessKeyId: string }[] = [];
/** Session keys the stub issued: key -> account and expiry (ms). */
const sessions = new Map<string, { accountId: string; expiresAt: number }>();
let revokeNewSessions = false;
let sessionSeconds = 900;
let orgDenied = false;
/** Throttled answers still to give to ListAccounts asking for the second page. */
let orgThrottlePageTwo = 0;
let seq = 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function scope(req: IncomingMessage): { accessKeyId: string; service: string } {
  const m = /Credential=([^/]+)\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '');
  return { accessKeyId: m?.[1] ?? '', service: m?.[2] ?? '' };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
  res.end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const { accessKeyId, service } = scope(req);
  if (service === 'sts') {
    const p = new URLSearchParams(body);
    calls.push({ service, op: p.get('Action') ?? '', accessKeyId });
    const roleArn = p.get('RoleArn') ?? '';
    const accountId = /arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1] ?? '';
    const acct = accounts.find((a) => a.id === accountId);
    if (!acct?.role) {
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:sts::${AUDIT}:assumed-role/collector/task is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>r-${++seq}</RequestId></ErrorResponse>`);
      return;
    }
    const key = `ASIA${accountId.slice(-8)}${String(++seq).padStart(8, '0')}`;
    const advertised = Date.now() + sessionSeconds * 1000;
    // revokeNewSessions: the server refuses the session at once although its Expiration says otherwise.
    const expiresAt = revokeNewSessions ? 0 : advertised;
    sessions.set(key, { accountId, expiresAt });
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${key}</AccessKeyId>` +
        `<SecretAccessKey>stub-secret-${seq}</SecretAccessKey><SessionToken>stub-token-${seq}</SessionToken><Expiration>${new Date(advertised).toISOString()}</Expiration></Credentials>` +
        `<AssumedRoleUser><Arn>arn:aws:sts::${accountId}:assumed-role/EvidenceLockerReadOnly/evidence-locker</Arn><AssumedRoleId>AROAEXAMPLE:evidence-locker</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>` +
        `<ResponseMetadata><RequestId>r-${seq}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
    return;
  }
  if (service === 'organizations') {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    calls.push({ service, op, accessKeyId });
    if (orgDenied) return json(res, 400, { __type: 'AccessDeniedException', Message: 'You don\u2019t have permissions to access this resource.' });
    const input = JSON.parse(body || '{}') as { NextToken?: string };
    if (input.NextToken && orgThrottlePageTwo > 0) {
      orgThrottlePageTwo--;
      return json(res, 400, { __type: 'TooManyRequestsException', Type: 'Organizations', Message: 'AWS Organizations can\u2019t complete your request because another request is already in progress. Try again later.' });
    }
    // Two pages, to prove the paginator is followed.
    const start = input.NextToken ? Number(input.NextToken) : 0;
    const page = accounts.slice(start, start + 3);
    const next = start + 3 < accounts.length ? String(start + 3) : undefined;
    return json(res, 200, {
      Accounts: page.map((a) => ({ Id: a.id, Arn: `arn:aws:organizations::${AUDIT}:account/o-example/${a.id}`, Email: `aws+${a.id}@example.com`, Name: a.name, State: a.state, Status: a.state === 'PENDING_CLOSURE' ? 'PENDING_CLOSURE' : a.state, JoinedMethod: 'CREATED', JoinedTimestamp: 1700000000 })),
      ...(next ? { NextToken: next } : {}),
    });
  }
  if (service === 'account') {
    calls.push({ service, op: 'ListRegions', accessKeyId });
    const session = sessions.get(accessKeyId);
    if (!session) return json(res, 403, { message: 'The security token included in the request is invalid.' }, { 'x-amzn-errortype': 'UnrecognizedClientException' });
    if (session.expiresAt <= Date.now()) return json(res, 403, { message: 'The security token included in the request is expired' }, { 'x-amzn-errortype': 'ExpiredTokenException' });
    const acct = accounts.find((a) => a.id === session.accountId);
    if (!acct || acct.listRegionsDenied) return json(res, 403, { message: `User is not authorized to perform: account:ListRegions` }, { 'x-amzn-errortype': 'AccessDeniedException' });
    const input = JSON.parse(body || '{}') as { RegionOptStatusContains?: string[] };
    const wanted = input.RegionOptStatusContains;
    return json(res, 200, { Regions: acct.regions.filter((r) => !wanted || wanted.includes(r.RegionOptStatus)) }, { 'content-type': 'application/json' });
  }
  json(res, 400, { __type: 'UnknownOperationException', message: `stub does not serve ${service}` });
}

function config(extra: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({ accounts: { source: 'organizations' }, regions: { source: 'enabled', list: ['us-east-1', 'us-west-2'] }, ...extra });
}

function quietLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), lines };
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: `AKIA${AUDIT}0001`,
    AWS_SECRET_ACCESS_KEY: 'stub-long-term-secret',
    AWS_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_ENDPOINT_URL_STS: url,
    AWS_ENDPOINT_URL_ORGANIZATIONS: url,
    AWS_ENDPOINT_URL_ACCOUNT: url,
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

afterEach(() => {
  vi.useRealTimers();
  calls.length = 0;
  sessionSeconds = 900;
  revokeNewSessions = false;
  orgDenied = false;
  orgThrottlePageTwo = 0;
});

describe('organization discovery', () => {
  it('collects ACTIVE accounts only, each in its own enabled regions; a bad account is a gap, not a failure', async () => {
    const { log, lines } = quietLogger();
    const { targets, gaps } = await resolveTargets(config(), {}, log);
    expect(targets.map((t) => [t.accountId, t.regions, t.regionSource])).toEqual([
      ['111111111111', ['eu-west-1', 'us-east-1'], 'enabled'],
      ['222222222222', ['ap-east-1', 'us-east-1'], 'enabled'],
      ['555555555555', ['us-east-1', 'us-west-2'], 'configured'],
    ]);
    expect(targets[0]).toMatchObject({ name: 'payments-prod', roleArn: 'arn:aws:iam::111111111111:role/EvidenceLockerReadOnly' });
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toMatchObject({ accountId: '444444444444' });
    expect(gaps[0].reason).toMatch(/could not assume arn:aws:iam::444444444444:role\/EvidenceLockerReadOnly: AccessDenied/);
    expect(gaps[0].reason).toContain('member-role.json');
    expect(gaps[1]).toMatchObject({ accountId: '555555555555' });
    expect(gaps[1].reason).toMatch(/account:ListRegions.*AccessDenied.*configured regions \(us-east-1, us-west-2\)/);
    // Suspended accounts are never probed; both ListAccounts pages were read.
    expect(calls.filter((c) => c.op === 'ListAccounts')).toHaveLength(2);
    expect(lines.some((l) => l.msg === 'organization account skipped: not ACTIVE' && l.accountId === '333333333333')).toBe(true);
    // One AssumeRole per reachable account, shared by discovery (no second session per client).
    expect(calls.filter((c) => c.op === 'AssumeRole')).toHaveLength(4);
    // Credentials never reach the logs.
    expect(JSON.stringify(lines)).not.toMatch(/stub-secret|stub-token|ASIA\d/);
  });

  it('--regions narrows to the regions enabled in each account', async () => {
    const { log } = quietLogger();
    const { targets, gaps } = await resolveTargets(config(), { accounts: ['111111111111', '222222222222'], regions: ['eu-west-1', 'ap-east-1'] }, log);
    expect(targets.map((t) => [t.accountId, t.regions])).toEqual([
      ['111111111111', ['eu-west-1']],
      ['222222222222', ['ap-east-1']],
    ]);
    expect(gaps).toEqual([]);
  });

  it('--accounts naming an account outside the organization is refused (it used to become a gap in a sealed run)', async () => {
    const { log } = quietLogger();
    await expect(resolveTargets(config(), { accounts: ['111111111111', '123456789012'] }, log)).rejects.toThrow(
      expect.objectContaining({ name: 'ConfigError', message: '--accounts: 123456789012 is not among the ACTIVE accounts of the organization' }),
    );
  });

  it('configured regions skip region discovery', async () => {
    const { log } = quietLogger();
    const { targets } = await resolveTargets(config({ regions: { source: 'list', list: ['us-west-2'] } }), { accounts: ['111111111111'] }, log);
    expect(targets).toMatchObject([{ accountId: '111111111111', regions: ['us-west-2'], regionSource: 'configured' }]);
    expect(calls.some((c) => c.service === 'account')).toBe(false);
  });

  it('a failing ListAccounts stops the run with an actionable error', async () => {
    orgDenied = true;
    const { log } = quietLogger();
    const err = await resolveTargets(config(), {}, log).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvidenceLockerError);
    expect((err as EvidenceLockerError).message).toMatch(/organizations:ListAccounts failed: AccessDeniedException/);
    expect((err as EvidenceLockerError).hint).toMatch(/delegated administrator/);
  });

  it('ListAccounts still throttled after the SDK\'s retries (shard processes share the quota) is read on from the page it stopped at', async () => {
    // Two attempts per call: the second page is refused three times, so the SDK gives up once and the listing resumes.
    orgThrottlePageTwo = 3;
    const { log, lines } = quietLogger();
    const { targets } = await resolveTargets(config({ collect: { maxAttempts: 2 } }), {}, log);
    expect(targets.map((t) => t.accountId)).toEqual(['111111111111', '222222222222', '555555555555']);
    const listCalls = calls.filter((c) => c.op === 'ListAccounts');
    // The first page once; the second page 2 + 2 times (two throttled, then one throttled and one answered).
    expect(listCalls).toHaveLength(5);
    expect(lines.filter((l) => l.action === 'organizations:ListAccounts').map((l) => [l.msg, l.pagesRead])).toEqual([
      [expect.stringMatching(/^organizations:ListAccounts is still throttled after the SDK's retries \(other collector processes share the quota\); reading on from page 2 in \d s$/), 1],
    ]);
  });

  it('a run stopped while ListAccounts waits out throttling (the daemon shutting down) ends in its pause with the stop\'s own reason, not as a failed listing', async () => {
    orgThrottlePageTwo = 1_000;
    const { log, lines } = quietLogger();
    const stop = new AbortController();
    const stopping = new EvidenceLockerError('the daemon is stopping (SIGTERM)');
    // Stopped as soon as the listing says it pauses (a pause of at least 1 s).
    let stoppedAt = 0;
    let callsAtStop = 0;
    const watch = setInterval(() => {
      if (!stoppedAt && lines.some((l) => l.action === 'organizations:ListAccounts')) {
        stoppedAt = Date.now();
        callsAtStop = calls.filter((c) => c.op === 'ListAccounts').length;
        stop.abort(stopping);
      }
    }, 5);
    try {
      const err = await resolveTargets(config({ collect: { maxAttempts: 2 } }), {}, log, stop.signal).catch((e: unknown) => e);
      expect(err).toBe(stopping);
    } finally {
      clearInterval(watch);
    }
    // The pause did not run its course, and nothing more was asked of Organizations or of any account.
    const pause = lines.find((l) => l.action === 'organizations:ListAccounts')!;
    expect(Date.now() - stoppedAt).toBeLessThan(pause.waitMs as number);
    expect(calls.filter((c) => c.op === 'ListAccounts')).toHaveLength(callsAtStop);
    expect(calls.filter((c) => c.op === 'AssumeRole')).toHaveLength(0);
  });

  it('a shard probes only its own accounts', async () => {
    const { log } = quietLogger();
    const all = (await resolveTargets(config(), {}, log)).targets.map((t) => t.accountId);
    const byShard: string[][] = [];
    for (let i = 1; i <= 3; i++) {
      calls.length = 0;
      const { targets } = await resolveTargets(config(), { shard: { index: i, count: 3 } }, log);
      byShard.push(targets.map((t) => t.accountId));
      const mine = selectShard(accounts.filter((a) => a.state === 'ACTIVE').map((a) => ({ accountId: a.id })), { index: i, count: 3 });
      expect(calls.filter((c) => c.op === 'AssumeRole')).toHaveLength(mine.length);
    }
    expect(byShard.flat().sort()).toEqual([...all].sort());
  });

  it('isActiveAccount prefers State over the deprecated Status', () => {
    expect(isActiveAccount({ State: 'ACTIVE' })).toBe(true);
    expect(isActiveAccount({ Status: 'ACTIVE' })).toBe(true);
    expect(isActiveAccount({ State: 'SUSPENDED', Status: 'ACTIVE' })).toBe(false);
    expect(isActiveAccount({})).toBe(false);
  });
});

describe('shard assignment', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => String(100000000000 + i * 7919));

  it('puts every account in exactly one shard, the same one every time', () => {
    const shards = [1, 2, 3, 4].map((index) => selectShard(ids.map((accountId) => ({ accountId })), { index, count: 4 }).map((t) => t.accountId));
    expect(shards.flat().sort()).toEqual([...ids].sort());
    expect(new Set(shards.flat()).size).toBe(ids.length);
    for (const s of shards) expect(s.length).toBeGreaterThan(200); // roughly even: 250 expected each
    expect(ids.map((id) => shardOf(id, 4))).toEqual(ids.map((id) => shardOf(id, 4)));
    expect(shardOf('111111111111', 1)).toBe(1);
  });

  it('adding an account never moves the others', () => {
    const before = ids.map((id) => shardOf(id, 5));
    const after = [...ids, '999999999998'].map((id) => shardOf(id, 5)).slice(0, ids.length);
    expect(after).toEqual(before);
  });

  it('rejects a nonsensical shard count', () => {
    expect(() => shardOf('111111111111', 0)).toThrow(RangeError);
  });
});

describe('credentials for long runs', () => {
  it('a session ended before its stated expiry is renewed once for every client of the account, and the request is sent again', async () => {
    sessionSeconds = 3600;
    const cfg = config({ accounts: { source: 'list', list: [{ id: '111111111111' }], sessionDurationSeconds: 3600 } });
    const credentials = assumedRoleCredentials(cfg, 'arn:aws:iam::111111111111:role/EvidenceLockerReadOnly');
    const east = new AwsClientProvider({ accountId: '111111111111', region: 'us-east-1', credentials, maxAttempts: 1 });
    const west = new AwsClientProvider({ accountId: '111111111111', region: 'us-west-2', credentials, maxAttempts: 1 });
    try {
      await east.get(AccountClient).send(new ListRegionsCommand({}));
      await west.get(AccountClient).send(new ListRegionsCommand({}));
      const firstKey = calls.filter((c) => c.service === 'account').at(-1)!.accessKeyId;
      // AWS ends the session early (a revoked session, a shortened role session): its Expiration still says an hour.
      sessions.get(firstKey)!.expiresAt = 0;
      const before = calls.length;
      const [westAgain, eastAgain] = await Promise.all([
        withCallLog(() => west.get(AccountClient).send(new ListRegionsCommand({}))),
        withCallLog(() => east.get(AccountClient).send(new ListRegionsCommand({}))),
      ]);
      // Both requests were refused once, one new session served both, and each call is logged once, without error.
      const after = calls.slice(before);
      expect(after.filter((c) => c.op === 'AssumeRole')).toHaveLength(1);
      expect(after.filter((c) => c.service === 'account' && c.accessKeyId === firstKey)).toHaveLength(2);
      const renewed = after.filter((c) => c.service === 'account' && c.accessKeyId !== firstKey);
      expect(renewed).toHaveLength(2);
      expect(new Set(renewed.map((c) => c.accessKeyId)).size).toBe(1);
      for (const r of [westAgain, eastAgain]) {
        expect('result' in r).toBe(true);
        expect(r.calls).toEqual([expect.objectContaining({ operation: 'account:ListRegions' })]);
        expect(r.calls[0].error).toBeUndefined();
      }
      // A session that keeps being refused is not renewed in a loop: one renewal per request, then the error stands.
      for (const s of sessions.values()) s.expiresAt = 0;
      revokeNewSessions = true;
      const mark = calls.length;
      const refused = await withCallLog(() => east.get(AccountClient).send(new ListRegionsCommand({})));
      expect(calls.slice(mark).map((c) => c.op)).toEqual(['ListRegions', 'AssumeRole', 'ListRegions']);
      expect('error' in refused && (refused.error as Error).name).toBe('ExpiredTokenException');
      expect(refused.calls).toEqual([expect.objectContaining({ operation: 'account:ListRegions', error: 'ExpiredTokenException' })]);
    } finally {
      east.destroy();
      west.destroy();
    }
  });

  it('shares one session and renews it before it expires', async () => {
    let t = 0;
    let issued = 0;
    const provider = async () => ({ accessKeyId: `K${++issued}`, secretAccessKey: 's', expiration: new Date(t + 15 * 60_000) });
    const session = sharedSession(provider, { refreshWindowMs: 10 * 60_000, now: () => t });
    const [a, b] = await Promise.all([session(), session()]);
    expect(a.accessKeyId).toBe('K1');
    expect(b.accessKeyId).toBe('K1');
    t = 4 * 60_000;
    expect((await session()).accessKeyId).toBe('K1');
    t = 6 * 60_000; // 9 minutes left: inside the renewal window
    expect((await session()).accessKeyId).toBe('K2');
    expect(issued).toBe(2);
  });

  it('a run longer than the session keeps working: AssumeRole is called again with short-lived credentials', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-01T02:00:00Z'));
    sessionSeconds = 900; // the STS minimum
    const cfg = config({ accounts: { source: 'list', list: [{ id: '111111111111' }], sessionDurationSeconds: 900 } });
    const credentials = assumedRoleCredentials(cfg, 'arn:aws:iam::111111111111:role/EvidenceLockerReadOnly');
    const provider = new AwsClientProvider({ accountId: '111111111111', region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      const client = provider.get(AccountClient);
      const first = await client.send(new ListRegionsCommand({}));
      expect(first.Regions?.length).toBeGreaterThan(0);
      // Forty minutes of collection: far past the 15-minute session.
      for (let minute = 5; minute <= 40; minute += 5) {
        vi.setSystemTime(new Date(Date.parse('2026-03-01T02:00:00Z') + minute * 60_000));
        await client.send(new ListRegionsCommand({}));
      }
      const assumes = calls.filter((c) => c.op === 'AssumeRole');
      expect(assumes.length).toBeGreaterThanOrEqual(3);
      const keys = new Set(calls.filter((c) => c.service === 'account').map((c) => c.accessKeyId));
      expect(keys.size).toBe(assumes.length);
      // No call was ever signed with an expired session.
      for (const c of calls.filter((x) => x.service === 'account')) expect(sessions.get(c.accessKeyId)).toBeDefined();
    } finally {
      provider.destroy();
    }
  });
});
