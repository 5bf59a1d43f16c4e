import { createServer, type Server, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Config, ScheduleConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { TOOL_VERSION } from '../version.js';
import { ExitCode, EvidenceLockerError } from '../errors.js';
import { newRunId } from '../evidence/run-id.js';
import { DaemonMetrics, type RunOutcome } from './metrics.js';
import { DEFAULT_SCHEDULES, nodeCronScheduler, scheduleSlot, validateSchedules, type ScheduledJob, type Scheduler } from './schedule.js';

export type DaemonAction = ScheduleConfig['action'];

/** What an action receives for one scheduled run. */
export interface ActionRequest {
  schedule: ScheduleConfig;
  /** Names this firing (shared by the shards of one firing), e.g. `2026-03-01`. */
  slot: string;
  scheduledAt: Date;
  /** Aborted when the daemon stops: finish the current write, then return `aborted` (or throw). */
  signal: AbortSignal;
  /** The run id this firing seals under (a collection uses it as its run id). */
  runId: string;
  /** Bound to this run's id and schedule: every line of the run carries them. */
  log: Logger;
  /** Observer for every AWS API attempt (metrics). */
  onAttempt: (action: string, outcome: 'ok' | 'throttled' | 'error') => void;
}

export interface ActionResult {
  status: 'complete' | 'complete-with-gaps' | 'aborted';
  runId?: string;
  records?: number;
  errorRecords?: number;
  /** Anything else worth one log field (package path, manifest hash). */
  detail?: Record<string, unknown>;
}

export type ActionFn = (req: ActionRequest) => Promise<ActionResult>;

/** Anything that emits SIGTERM/SIGINT: the process in production, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

export interface DaemonOptions {
  config: Pick<Config, 'schedules' | 'daemon'>;
  /** The work itself, injected: the daemon only schedules, serialises, stops and counts. */
  actions: Partial<Record<DaemonAction, ActionFn>>;
  log: Logger;
  scheduler?: Scheduler;
  signals?: SignalSource;
  now?: () => Date;
  /** Interface the health server binds to; all interfaces by default (the ECS health check and Prometheus reach it). */
  healthHost?: string;
}

/** One finished (or skipped) firing, as kept for /healthz. */
export interface RunSummary {
  jobId: string;
  schedule: string;
  action: DaemonAction;
  slot: string;
  outcome: RunOutcome | 'skipped';
  startedAt: string;
  finishedAt?: string;
  runId?: string;
  records?: number;
  errorRecords?: number;
}

interface CurrentRun {
  jobId: string;
  schedule: ScheduleConfig;
  slot: string;
  startedAt: Date;
  controller: AbortController;
  done: Promise<RunSummary>;
}

/**
 * The long-running collector: fires the configured schedules (node-cron, time-zone aware), runs one action at
 * a time (a firing while another run is going is skipped and counted), serves /healthz and /metrics, and on
 * SIGTERM/SIGINT stops scheduling, aborts the current run and waits for it at most `daemon.shutdownGraceMs`.
 */
export class EvidenceDaemon {
  readonly metrics = new DaemonMetrics();
  readonly schedules: ScheduleConfig[];
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly jobs = new Map<string, ScheduledJob>();
  private current?: CurrentRun;
  private readonly lastRuns = new Map<string, RunSummary>();
  private server?: Server;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private readonly startedAt: Date;
  private stopPromise?: Promise<number>;
  private resolveStopped!: (code: number) => void;
  /** Resolves with the exit code once the daemon has stopped. */
  readonly stopped: Promise<number>;
  private readonly onSignal = {
    SIGTERM: () => this.signalled('SIGTERM'),
    SIGINT: () => this.signalled('SIGINT'),
  };

  constructor(private readonly opts: DaemonOptions) {
    this.log = opts.log.child({ component: 'daemon' });
    this.now = opts.now ?? (() => new Date());
    this.startedAt = this.now();
    const configured = opts.config.schedules;
    this.schedules = configured.length ? configured : DEFAULT_SCHEDULES;
    validateSchedules(this.schedules, Object.keys(opts.actions).filter((k) => opts.actions[k as DaemonAction]));
    this.stopped = new Promise((r) => (this.resolveStopped = r));
  }

  /** Port the health server listens on (useful when configured as 0). */
  get port(): number | undefined {
    const a = this.server?.address() as AddressInfo | null | undefined;
    return a?.port;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new EvidenceLockerError('the daemon was already started');
    this.state = 'running';
    if (!this.opts.config.schedules.length) this.log.info({ schedules: DEFAULT_SCHEDULES }, 'no schedules configured; using the default daily collection at 02:00 UTC');
    await this.startHealthServer();
    const scheduler = this.opts.scheduler ?? nodeCronScheduler(this.log);
    for (const s of this.schedules) {
      this.jobs.set(s.name, scheduler.schedule(s, (at) => void this.fire(s, at)));
    }
    const signals = this.opts.signals ?? process;
    signals.on('SIGTERM', this.onSignal.SIGTERM);
    signals.on('SIGINT', this.onSignal.SIGINT);
    this.log.info(
      { version: TOOL_VERSION, healthPort: this.port, schedules: this.schedules.map((s) => ({ name: s.name, action: s.action, cron: s.cron, timezone: s.timezone, ...(s.randomDelayMinutes ? { randomDelayMinutes: s.randomDelayMinutes } : {}), nextRun: this.jobs.get(s.name)?.nextRun()?.toISOString() ?? null })) },
      'daemon started',
    );
  }

  /**
   * Runs a schedule now (what the timer calls). Resolves when the run is over; a firing while another run is
   * going, or after shutdown began, is skipped.
   */
  async fire(schedule: ScheduleConfig, scheduledAt: Date = this.now()): Promise<RunSummary> {
    const slot = scheduleSlot(schedule.cron, scheduledAt);
    // The firing's id is the run id the collection seals under, so every log line of the run carries it.
    const jobId = newRunId(this.now(), randomBytes(3).toString('hex'));
    if (this.state !== 'running' || this.current) {
      const why = this.state !== 'running' ? 'the daemon is stopping' : `run ${this.current?.jobId} (schedule ${this.current?.schedule.name}) is still going`;
      if (this.state === 'running') this.metrics.overlapSkipped(schedule.name);
      this.log.warn({ jobId, schedule: schedule.name, action: schedule.action, slot, scheduledAt: scheduledAt.toISOString(), running: this.current?.jobId }, `scheduled run skipped: ${why}`);
      const skipped: RunSummary = { jobId, schedule: schedule.name, action: schedule.action, slot, outcome: 'skipped', startedAt: this.now().toISOString() };
      return skipped;
    }
    const controller = new AbortController();
    const startedAt = this.now();
    const runLog = this.opts.log.child({ runId: jobId, schedule: schedule.name, action: schedule.action });
    const action = this.opts.actions[schedule.action] as ActionFn;
    const done = (async (): Promise<RunSummary> => {
      this.metrics.runStarted();
      runLog.info({ slot, scheduledAt: scheduledAt.toISOString() }, 'scheduled run started');
      let outcome: RunOutcome;
      let result: ActionResult | undefined;
      try {
        result = await action({ schedule, slot, scheduledAt, runId: jobId, signal: controller.signal, log: runLog, onAttempt: (_a, o) => this.metrics.apiAttempt(o) });
        outcome = controller.signal.aborted && result.status !== 'complete' && result.status !== 'complete-with-gaps' ? 'aborted' : result.status;
      } catch (err) {
        outcome = controller.signal.aborted ? 'aborted' : 'failed';
        const e = err as EvidenceLockerError;
        runLog.error({ err, ...(e.hint ? { hint: e.hint } : {}) }, outcome === 'aborted' ? 'scheduled run abandoned at shutdown' : 'scheduled run failed');
      }
      const finishedAt = this.now();
      const durationSeconds = Math.max(0, (finishedAt.getTime() - startedAt.getTime()) / 1000);
      this.metrics.runFinished({ schedule: schedule.name, action: schedule.action, outcome, durationSeconds, records: result?.records, errorRecords: result?.errorRecords, finishedAt });
      const summary: RunSummary = {
        jobId,
        schedule: schedule.name,
        action: schedule.action,
        slot,
        outcome,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        ...(result?.runId ? { runId: result.runId } : {}),
        ...(result?.records !== undefined ? { records: result.records } : {}),
        ...(result?.errorRecords !== undefined ? { errorRecords: result.errorRecords } : {}),
      };
      this.lastRuns.set(schedule.name, summary);
      const fields = { outcome, durationSeconds, ...(result?.runId && result.runId !== jobId ? { resultRunId: result.runId } : {}), records: result?.records, errorRecords: result?.errorRecords, ...(result?.detail ?? {}) };
      if (outcome === 'failed') runLog.error(fields, 'scheduled run finished: failed');
      else if (outcome === 'aborted') runLog.warn(fields, 'scheduled run finished: aborted at shutdown');
      else runLog.info(fields, `scheduled run finished: ${outcome}`);
      return summary;
    })().finally(() => {
      if (this.current?.jobId === jobId) this.current = undefined;
    });
    this.current = { jobId, schedule, slot, startedAt, controller, done };
    return done;
  }

  /** Stops scheduling, aborts the current run, waits for it at most the grace period, closes the health server. */
  stop(reason = 'stop requested'): Promise<number> {
    if (this.stopPromise) return this.stopPromise;
    this.stopPromise = this.shutdown(reason);
    return this.stopPromise;
  }

  private signalled(signal: 'SIGTERM' | 'SIGINT'): void {
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.log.warn({ signal }, 'already stopping; waiting for the current run to finish or the grace period to end');
      return;
    }
    void this.stop(`received ${signal}`);
  }

  private async shutdown(reason: string): Promise<number> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.log.info({ reason, running: this.current?.jobId ?? null, graceMs: this.opts.config.daemon.shutdownGraceMs }, 'daemon stopping');
    // No firing can start any more (state is 'stopping'); the current run is told at once, then the timers are stopped.
    const current = this.current;
    current?.controller.abort(new EvidenceLockerError(`the daemon is stopping (${reason})`));
    await Promise.all([...this.jobs.values()].map(async (j) => j.stop()));
    this.jobs.clear();
    if (current) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace-over'>((r) => {
        timer = setTimeout(() => r('grace-over'), this.opts.config.daemon.shutdownGraceMs);
      });
      const first = await Promise.race([current.done.then(() => 'finished' as const), graceOver]);
      clearTimeout(timer);
      if (first === 'grace-over') {
        this.log.error(
          { jobId: current.jobId, schedule: current.schedule.name, graceMs: this.opts.config.daemon.shutdownGraceMs },
          'run did not stop within the grace period; abandoning it unsealed (evidence bodies already written are unreferenced and harmless; the next run covers the slot)',
        );
      }
    }
    const signals = this.opts.signals ?? process;
    signals.off('SIGTERM', this.onSignal.SIGTERM);
    signals.off('SIGINT', this.onSignal.SIGINT);
    await this.closeHealthServer();
    this.state = 'stopped';
    if (wasRunning) this.log.info({}, 'daemon stopped');
    this.resolveStopped(ExitCode.ok);
    return ExitCode.ok;
  }

  /** The JSON served on /healthz. */
  health(): Record<string, unknown> {
    const lastSuccess: Record<string, string> = {};
    for (const [name, r] of this.lastRuns) if (r.outcome === 'complete' || r.outcome === 'complete-with-gaps') lastSuccess[name] = r.finishedAt ?? r.startedAt;
    return {
      status: this.state === 'running' ? 'ok' : this.state,
      version: TOOL_VERSION,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: Math.max(0, Math.floor((this.now().getTime() - this.startedAt.getTime()) / 1000)),
      running: this.current ? { jobId: this.current.jobId, schedule: this.current.schedule.name, action: this.current.schedule.action, slot: this.current.slot, startedAt: this.current.startedAt.toISOString() } : null,
      schedules: this.schedules.map((s) => ({ name: s.name, action: s.action, cron: s.cron, timezone: s.timezone, ...(s.randomDelayMinutes ? { randomDelayMinutes: s.randomDelayMinutes } : {}), nextRun: this.jobs.get(s.name)?.nextRun()?.toISOString() ?? null, lastRun: this.lastRuns.get(s.name) ?? null })),
      lastSuccess,
    };
  }

  private async startHealthServer(): Promise<void> {
    const server = createServer((req, res) => this.serve(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(
          new EvidenceLockerError(`daemon.healthPort ${this.opts.config.daemon.healthPort}: the health server could not listen (${err.code ?? err.message})`, {
            hint: 'choose a free port with daemon.healthPort (or EVIDENCE_LOCKER_DAEMON__HEALTH_PORT) and match it in the task definition',
            cause: err,
          }),
        );
      };
      server.once('error', onError);
      server.listen(this.opts.config.daemon.healthPort, this.opts.healthHost ?? '0.0.0.0', () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.server = server;
  }

  private closeHealthServer(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections?.();
    });
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const body = JSON.stringify(this.health());
      res.writeHead(this.state === 'running' ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : this.metrics.render());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('not found: try /healthz or /metrics\n');
  }
}
