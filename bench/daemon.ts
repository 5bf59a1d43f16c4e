/**
 * Daemon footprint: start-up time (spawn to /healthz answering 200) and idle RSS of `evidence-locker daemon` from
 * the built CLI, with a schedule that does not fire during the measurement; a bare Node HTTP server is the baseline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { stringify } from 'yaml';
import { benchChildNode } from './child.js';

export interface ProcessFootprint {
  /** From spawn until GET /healthz answered 200, ms. */
  startupMs: number;
  /** Resident set size after `idleMs` of idling, bytes. */
  idleRssBytes: number;
  /** Exit code after SIGTERM (the daemon's clean stop is 0). */
  exitCode: number | null;
}

export interface DaemonBenchResult {
  daemon: ProcessFootprint;
  /** A bare `node:http` server answering /healthz: what Node itself costs. */
  bareNode: ProcessFootprint;
  idleMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process, bytes (Linux /proc, else ps). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: ask ps
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) * 1024;
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function measure(start: () => ChildProcess, port: number, idleMs: number, what: string): Promise<ProcessFootprint> {
  const t0 = performance.now();
  const child = start();
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  try {
    while (!(await healthy(port))) {
      if (exitedEarly) throw new Error(`${what} exited before /healthz answered: ${stderr.trim() || '(no output)'}`);
      if (performance.now() - t0 > 30_000) throw new Error(`${what}: /healthz on port ${port} did not answer 200 within 30 s: ${stderr.trim()}`);
      await sleep(5);
    }
    const startupMs = performance.now() - t0;
    await sleep(idleMs);
    if (exitedEarly) throw new Error(`${what} exited while idle: ${stderr.trim()}`);
    const idleRssBytes = rssOf(child.pid as number);
    child.kill('SIGTERM');
    const exitCode = await Promise.race([exited, sleep(30_000).then(() => undefined)]);
    if (exitCode === undefined) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not stop within 30 s of SIGTERM`);
    }
    return { startupMs, idleRssBytes, exitCode };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** A cron expression that fires once a day, twelve hours from now: never during a benchmark. */
export function quietCron(now = new Date()): string {
  return `${now.getUTCMinutes()} ${(now.getUTCHours() + 12) % 24} * * *`;
}

export async function benchDaemon(opts: { idleMs?: number } = {}): Promise<DaemonBenchResult> {
  const idleMs = opts.idleMs ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), 'evidence-locker-bench-daemon-'));
  const bin = fileURLToPath(new URL('../src/cli/bin.js', import.meta.url));
  try {
    const port = await freePort();
    const configFile = join(dir, 'evidence-locker.yaml');
    writeFileSync(
      configFile,
      stringify({
        store: { kind: 'local', path: join(dir, 'store') },
        stateDir: join(dir, 'state'),
        daemon: { healthPort: port },
        schedules: [{ name: 'bench-idle', action: 'collect', cron: quietCron(), timezone: 'UTC' }],
        log: { level: 'warn' },
      }),
    );
    // The environment is the bench's own minus anything that would point the daemon elsewhere.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EVIDENCE_LOCKER_')));
    const daemon = await measure(() => spawn(benchChildNode(), [bin, 'daemon', '--config', configFile], { env, stdio: ['ignore', 'ignore', 'pipe'] }), port, idleMs, 'evidence-locker daemon');
    const barePort = await freePort();
    const bareSource = `require('node:http').createServer((q, s) => s.end('ok')).listen(${barePort}, '127.0.0.1'); process.on('SIGTERM', () => process.exit(0));`;
    const bareNode = await measure(() => spawn(benchChildNode(), ['-e', bareSource], { stdio: ['ignore', 'ignore', 'pipe'] }), barePort, idleMs, 'bare node http server');
    return { daemon, bareNode, idleMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
