import { describe, it, expect, vi, afterEach } from 'vitest';
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { request } from 'node:http';
import { EvidenceDaemon, type ActionFn, type ActionRequest, type ActionResult } from '../../src/daemon/daemon.js';
import { scheduleSlot, validateSchedules, type Scheduler } from '../../src/daemon/schedule.js';
import { DaemonMetrics, escapeLabelValue } from '../../src/daemon/metrics.js';
import { createLogger } from '../../src/log/logger.js';
import { ConfigSchema, type ScheduleConfig } from '../../src/config/schema.js';
import { ConfigError, ExitCode } from '../../src/errors.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _e, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), lines };
}

function config(schedules: Partial<ScheduleConfig>[], daemon: Record<string, unknown> = {}) {
  return ConfigSchema.parse({ schedules, daemon: { healthPort: 0, shutdownGraceMs: 5_000, ...daemon } });
}

/** A scheduler the test fires by hand. */
function manualScheduler() {
  const fires = new Map<string, (at: Date) => void>();
  let stopped = 0;
  const scheduler: Scheduler = {
    schedule(s, fire) {
      fires.set(s.name, fire);
      return { stop: () => void stopped++, nextRun: () => new Date('2026-03-02T02:00:00Z') };
    },
  };
  return { scheduler, fire: (name: string, at = new Date('2026-03-01T02:00:00Z')) => fires.get(name)?.(at), stopped: () => stopped };
}

/** An action that runs until released or aborted; on abort it "finishes its current write" then returns aborted. */
function controllableAction(opts: { finishOnAbort?: boolean } = {}) {
  const requests: ActionRequest[] = [];
  let release!: (r: ActionResult) => void;
  let started!: () => void;
  let startedP = new Promise<void>((r) => (started = r));
  const fn: ActionFn = (req) => {
    requests.push(req);
    req.log.info({ step: 'collecting' }, 'fake collection working');
    const p = new Promise<ActionResult>((resolve) => {
      release = resolve;
      req.signal.addEventListener('abort', () => {
        if (opts.finishOnAbort === false) return;
        req.log.info({}, 'finishing the current write before stopping');
        setImmediate(() => resolve({ status: 'aborted', records: 3 }));
      });
    });
    started();
    return p;
  };
  return {
    fn,
    requests,
    release: (r: ActionResult) => release(r),
    waitStarted: async () => {
      await startedP;
      startedP = new Promise<void>((r) => (started = r));
    },
  };
}

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

afterEach(() => vi.useRealTimers());

describe('schedule validation', () => {
  it('names the failing field of an invalid cron expression and exits 2', () => {
    const schedules = ConfigSchema.parse({ schedules: [{ name: 'daily', action: 'collect', cron: '0 2 * * *' }, { name: 'broken', action: 'collect', cron: '61 2 * * *' }] }).schedules;
    let err: unknown;
    try {
      validateSchedules(schedules, ['collect']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/^schedules\[1\]\.cron: "61 2 \* \* \*" \(schedule "broken"\) is not a valid cron expression \(minute: /);
    expect((err as ConfigError).exitCode).toBe(ExitCode.usage);
  });

  it('rejects unknown time zones, unavailable actions and duplicate names', () => {
    const parse = (s: Partial<ScheduleConfig>[]) => ConfigSchema.parse({ schedules: s }).schedules;
    expect(() => validateSchedules(parse([{ name: 'a', action: 'collect', cron: '0 2 * * *', timezone: 'Mars/Olympus' }]), ['collect'])).toThrow(/schedules\[0\]\.timezone: "Mars\/Olympus"/);
    expect(() => validateSchedules(parse([{ name: 'a', action: 'package', cron: '0 3 1 * *' }]), ['collect'])).toThrow(/schedules\[0\]\.action: "package"/);
    expect(() => validateSchedules(parse([{ name: 'a', action: 'collect', cron: '0 2 * * *' }, { name: 'a', action: 'collect', cron: '0 3 * * *' }]), ['collect'])).toThrow(/schedules\[1\]\.name: "a"/);
    expect(() => new EvidenceDaemon({ config: config([{ name: 'x', action: 'collect', cron: 'every day' }]), actions: { collect: async () => ({ status: 'complete' }) }, log: capture().log })).toThrow(ConfigError);
  });

  it('names a firing by its UTC date, or its minute when the schedule fires more than once a day', () => {
    expect(scheduleSlot('0 2 * * *', new Date('2026-03-01T02:00:00Z'))).toBe('2026-03-01');
    expect(scheduleSlot('0 */6 * * *', new Date('2026-03-01T06:00:00Z'))).toBe('2026-03-01T06:00Z');
  });
});

describe('scheduling', () => {
  it('fires a node-cron schedule at its time in its time zone (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-01-15T00:30:00Z'));
    const { log } = capture();
    const seen: ActionRequest[] = [];
    const signals = new EventEmitter();
    const daemon = new EvidenceDaemon({
      // 02:00 in Berlin is 01:00 UTC in winter.
      config: config([{ name: 'berlin-collect', action: 'collect', cron: '0 2 * * *', timezone: 'Europe/Berlin' }]),
      actions: { collect: async (req) => (seen.push(req), { status: 'complete', runId: 'r1', records: 5 }) },
      log,
      signals,
      healthHost: '127.0.0.1',
    });
    await daemon.start();
    try {
      await vi.advanceTimersByTimeAsync(29 * 60_000);
      expect(seen).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2 * 60_000);
      expect(seen).toHaveLength(1);
      expect(seen[0].scheduledAt.toISOString()).toBe('2026-01-15T01:00:00.000Z');
      expect(seen[0].slot).toBe('2026-01-15');
      await vi.advanceTimersByTimeAsync(24 * 3600_000);
      expect(seen).toHaveLength(2);
      expect(seen[1].scheduledAt.toISOString()).toBe('2026-01-16T01:00:00.000Z');
    } finally {
      signals.emit('SIGTERM');
      expect(await daemon.stopped).toBe(0);
    }
    expect(daemon.metrics.runs.get({ schedule: 'berlin-collect', action: 'collect', outcome: 'complete' })).toBe(2);
  });

  it('was: a collection at a fixed, known minute; now: randomDelayMinutes starts each firing at a random moment within the window, keeping its slot, and a stop drops the waiting firing', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-01-15T01:30:00Z'));
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // half of 60 minutes: 02:30
    const { log } = capture();
    const seen: ActionRequest[] = [];
    const seenAt: string[] = [];
    const signals = new EventEmitter();
    const daemon = new EvidenceDaemon({
      config: config([{ name: 'jittered', action: 'collect', cron: '0 2 * * *', timezone: 'UTC', randomDelayMinutes: 60 }]),
      actions: { collect: async (req) => (seen.push(req), seenAt.push(new Date().toISOString()), { status: 'complete', runId: 'r1', records: 5 }) },
      log,
      signals,
      healthHost: '127.0.0.1',
    });
    await daemon.start();
    try {
      await vi.advanceTimersByTimeAsync(31 * 60_000); // 02:01: the cron fired, the run waits
      expect(seen).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(30 * 60_000); // 02:31
      expect(seen).toHaveLength(1);
      expect(seenAt[0] >= '2026-01-15T02:30:00.000Z' && seenAt[0] < '2026-01-15T02:31:00.000Z').toBe(true);
      expect(seen[0].scheduledAt.toISOString()).toBe('2026-01-15T02:00:00.000Z');
      expect(seen[0].slot).toBe('2026-01-15');
      await vi.advanceTimersByTimeAsync(23 * 3600_000 + 40 * 60_000); // 02:11 next day: fired, waiting until 02:30
      expect(seen).toHaveLength(1);
    } finally {
      signals.emit('SIGTERM');
      expect(await daemon.stopped).toBe(0);
    }
    await vi.advanceTimersByTimeAsync(3600_000);
    expect(seen).toHaveLength(1);
    vi.restoreAllMocks();
  });

  it('refuses a randomDelayMinutes outside 0..1440, naming the field', () => {
    const r = ConfigSchema.safeParse({ schedules: [{ name: 'x', action: 'collect', cron: '0 2 * * *', randomDelayMinutes: 2000 }] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues.map((i) => i.path))).toContain('randomDelayMinutes');
  });

  it('never runs two at once: a firing during a run is logged, skipped and counted', async () => {
    const { log, lines } = capture();
    const m = manualScheduler();
    const action = controllableAction();
    const signals = new EventEmitter();
    const daemon = new EvidenceDaemon({
      config: config([
        { name: 'collect', action: 'collect', cron: '0 2 * * *' },
        { name: 'monthly-package', action: 'package', cron: '0 3 1 * *' },
      ]),
      actions: { collect: action.fn, package: async () => ({ status: 'complete' }) },
      log,
      scheduler: m.scheduler,
      signals,
      healthHost: '127.0.0.1',
    });
    await daemon.start();
    const first = daemon.fire(daemon.schedules[0], new Date('2026-03-01T02:00:00Z'));
    await action.waitStarted();
    const second = await daemon.fire(daemon.schedules[0], new Date('2026-03-02T02:00:00Z'));
    const third = await daemon.fire(daemon.schedules[1], new Date('2026-03-01T03:00:00Z'));
    expect(second.outcome).toBe('skipped');
    expect(third.outcome).toBe('skipped');
    expect(action.requests).toHaveLength(1);
    action.release({ status: 'complete-with-gaps', runId: 'run-1', records: 10, errorRecords: 2 });
    expect((await first).outcome).toBe('complete-with-gaps');
    // Free again: the next firing runs.
    const next = daemon.fire(daemon.schedules[0], new Date('2026-03-03T02:00:00Z'));
    await action.waitStarted();
    action.release({ status: 'complete', runId: 'run-2', records: 10 });
    expect((await next).outcome).toBe('complete');

    expect(daemon.metrics.skipped.get({ schedule: 'collect' })).toBe(1);
    expect(daemon.metrics.skipped.get({ schedule: 'monthly-package' })).toBe(1);
    expect(lines.filter((l) => String(l.msg).match(/^scheduled run skipped: run \d{8}T\d{6}Z-[0-9a-f]{6} \(schedule collect\)/))).toHaveLength(2);
    // Every line the action logged carries the run id and schedule.
    const jobId = action.requests[0] && lines.find((l) => l.msg === 'fake collection working')?.runId;
    expect(jobId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(action.requests[0].runId).toBe(jobId);
    for (const l of lines.filter((x) => x.msg === 'fake collection working' || x.msg === 'scheduled run started')) expect(l.schedule).toBe('collect');
    expect(lines.find((l) => String(l.msg).startsWith('scheduled run finished') && l.runId === jobId)).toMatchObject({ resultRunId: 'run-1', records: 10, errorRecords: 2 });
    signals.emit('SIGINT');
    expect(await daemon.stopped).toBe(0);
    expect(m.stopped()).toBe(2);
  });
});

describe('shutdown', () => {
  it('SIGTERM mid-run: stops scheduling, aborts the run, waits for it, exits 0', async () => {
    const { log, lines } = capture();
    const m = manualScheduler();
    const action = controllableAction();
    const signals = new EventEmitter();
    const daemon = new EvidenceDaemon({ config: config([{ name: 'collect', action: 'collect', cron: '0 2 * * *' }]), actions: { collect: action.fn }, log, scheduler: m.scheduler, signals, healthHost: '127.0.0.1' });
    await daemon.start();
    const port = daemon.port as number;
    const run = daemon.fire(daemon.schedules[0]);
    await action.waitStarted();
    signals.emit('SIGTERM');
    signals.emit('SIGTERM'); // a second signal changes nothing
    expect(action.requests[0].signal.aborted).toBe(true);
    expect(await daemon.stopped).toBe(ExitCode.ok);
    expect((await run).outcome).toBe('aborted');
    expect(m.stopped()).toBe(1);
    // No firing after shutdown.
    m.fire('collect');
    expect(action.requests).toHaveLength(1);
    expect(daemon.metrics.runs.get({ schedule: 'collect', action: 'collect', outcome: 'aborted' })).toBe(1);
    expect(lines.some((l) => l.msg === 'finishing the current write before stopping' && typeof l.runId === 'string')).toBe(true);
    expect(lines.some((l) => l.msg === 'daemon stopped')).toBe(true);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
    await expect(get(port, '/healthz')).rejects.toThrow();
  });

  it('a run that ignores the abort is abandoned after the grace period; still exit 0', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { log, lines } = capture();
    const m = manualScheduler();
    let started = false;
    const stubborn: ActionFn = () => {
      started = true;
      return new Promise(() => undefined);
    };
    const signals = new EventEmitter();
    const daemon = new EvidenceDaemon({ config: config([{ name: 'collect', action: 'collect', cron: '0 2 * * *' }], { shutdownGraceMs: 25_000 }), actions: { collect: stubborn }, log, scheduler: m.scheduler, signals, healthHost: '127.0.0.1' });
    await daemon.start();
    void daemon.fire(daemon.schedules[0]);
    expect(started).toBe(true);
    signals.emit('SIGTERM');
    let code: number | undefined;
    void daemon.stopped.then((c) => (code = c));
    await vi.advanceTimersByTimeAsync(24_000);
    expect(code).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(code).toBe(0));
    expect(lines.some((l) => String(l.msg).startsWith('run did not stop within the grace period'))).toBe(true);
  });

  it('a failing action is counted and logged, and the daemon keeps going', async () => {
    const { log, lines } = capture();
    const signals = new EventEmitter();
    const daemon = new EvidenceDaemon({
      config: config([{ name: 'collect', action: 'collect', cron: '0 2 * * *' }]),
      actions: { collect: async () => Promise.reject(Object.assign(new Error('store unreachable'), { hint: 'check the bucket' })) },
      log,
      scheduler: manualScheduler().scheduler,
      signals,
      healthHost: '127.0.0.1',
    });
    await daemon.start();
    expect((await daemon.fire(daemon.schedules[0])).outcome).toBe('failed');
    expect(daemon.metrics.runs.get({ schedule: 'collect', action: 'collect', outcome: 'failed' })).toBe(1);
    expect(lines.find((l) => l.msg === 'scheduled run failed')).toMatchObject({ level: 'error', hint: 'check the bucket' });
    expect((await daemon.fire(daemon.schedules[0])).outcome).toBe('failed');
    await daemon.stop();
  });
});

describe('health and metrics endpoints', () => {
  it('serves /healthz JSON and /metrics in the Prometheus text format', async () => {
    const { log } = capture();
    const action = controllableAction({ finishOnAbort: false });
    const signals = new EventEmitter();
    let now = new Date('2026-03-01T02:00:00Z');
    const daemon = new EvidenceDaemon({
      config: config([{ name: 'collect', action: 'collect', cron: '0 2 * * *' }]),
      actions: { collect: action.fn },
      log,
      scheduler: manualScheduler().scheduler,
      signals,
      now: () => now,
      healthHost: '127.0.0.1',
    });
    await daemon.start();
    const port = daemon.port as number;

    let h = await get(port, '/healthz');
    expect(h.status).toBe(200);
    expect(h.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(h.body)).toMatchObject({ status: 'ok', running: null, schedules: [{ name: 'collect', action: 'collect', cron: '0 2 * * *', timezone: 'UTC', nextRun: '2026-03-02T02:00:00.000Z', lastRun: null }], lastSuccess: {} });

    const run = daemon.fire(daemon.schedules[0], now);
    await action.waitStarted();
    h = await get(port, '/healthz');
    expect(JSON.parse(h.body).running).toMatchObject({ schedule: 'collect', slot: '2026-03-01' });
    expect((await get(port, '/metrics')).body).toContain('evidence_locker_run_in_progress 1');
    now = new Date('2026-03-01T02:10:00Z');
    action.release({ status: 'complete', runId: 'run-1', records: 42, errorRecords: 0 });
    await run;
    // A second run finishes with gaps; both count.
    const run2 = daemon.fire(daemon.schedules[0], now);
    await action.waitStarted();
    now = new Date('2026-03-01T02:12:00Z');
    action.release({ status: 'complete-with-gaps', runId: 'run-2', records: 40, errorRecords: 2 });
    await run2;
    daemon.metrics.overlapSkipped('collect');

    const metrics = await get(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = metrics.body;
    expect(body).toContain('# TYPE evidence_locker_runs_total counter');
    expect(body).toContain('evidence_locker_runs_total{action="collect",outcome="complete",schedule="collect"} 1');
    expect(body).toContain('evidence_locker_runs_total{action="collect",outcome="complete-with-gaps",schedule="collect"} 1');
    expect(body).toContain('evidence_locker_evidence_records_total{action="collect"} 82');
    expect(body).toContain('evidence_locker_error_records_total{action="collect"} 2');
    expect(body).toContain('evidence_locker_skipped_overlaps_total{schedule="collect"} 1');
    expect(body).toContain(`evidence_locker_last_success_timestamp_seconds{action="collect",schedule="collect"} ${Date.parse('2026-03-01T02:12:00Z') / 1000}`);
    expect(body).toContain('# TYPE evidence_locker_run_duration_seconds histogram');
    expect(body).toContain('evidence_locker_run_duration_seconds_bucket{action="collect",le="60"} 0');
    expect(body).toContain('evidence_locker_run_duration_seconds_bucket{action="collect",le="300"} 1');
    expect(body).toContain('evidence_locker_run_duration_seconds_bucket{action="collect",le="900"} 2');
    expect(body).toContain('evidence_locker_run_duration_seconds_bucket{action="collect",le="+Inf"} 2');
    expect(body).toContain('evidence_locker_run_duration_seconds_sum{action="collect"} 720');
    expect(body).toContain('evidence_locker_run_duration_seconds_count{action="collect"} 2');
    expect(body).toContain('evidence_locker_run_in_progress 0');
    // Every sample line is `name{labels} value`.
    for (const line of body.trim().split('\n').filter((l) => !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$|^[a-z_]+(\{[^}]*\})? \+Inf$/);

    h = await get(port, '/healthz');
    expect(JSON.parse(h.body).lastSuccess).toEqual({ collect: '2026-03-01T02:12:00.000Z' });
    expect((await get(port, '/nope')).status).toBe(404);
    expect((await get(port, '/healthz', 'POST')).status).toBe(405);
    expect((await get(port, '/healthz', 'HEAD')).status).toBe(200);

    // While stopping, /healthz says so with 503.
    const r3 = daemon.fire(daemon.schedules[0], now);
    await action.waitStarted();
    const stopped = daemon.stop('test');
    const during = await get(port, '/healthz');
    expect(during.status).toBe(503);
    expect(JSON.parse(during.body).status).toBe('stopping');
    action.release({ status: 'aborted' });
    expect((await r3).outcome).toBe('aborted');
    expect(await stopped).toBe(0);
  });

  it('escapes label values', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const m = new DaemonMetrics();
    m.overlapSkipped('nightly "prod"');
    expect(m.render()).toContain('evidence_locker_skipped_overlaps_total{schedule="nightly \\"prod\\""} 1');
  });

  it('a health port already in use is a configuration error naming daemon.healthPort', async () => {
    const { log } = capture();
    const a = new EvidenceDaemon({ config: config([{ name: 'c', action: 'collect', cron: '0 2 * * *' }]), actions: { collect: async () => ({ status: 'complete' }) }, log, scheduler: manualScheduler().scheduler, signals: new EventEmitter(), healthHost: '127.0.0.1' });
    await a.start();
    const b = new EvidenceDaemon({ config: config([{ name: 'c', action: 'collect', cron: '0 2 * * *' }], { healthPort: a.port }), actions: { collect: async () => ({ status: 'complete' }) }, log, scheduler: manualScheduler().scheduler, signals: new EventEmitter(), healthHost: '127.0.0.1' });
    await expect(b.start()).rejects.toThrow(new RegExp(`daemon.healthPort ${a.port}: .*EADDRINUSE`));
    await a.stop();
  });
});
