import type { Logger } from '../log/logger.js';
import type { CollectionProgress } from './run.js';

/** Where the live line goes: stderr in production, a fake in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Seconds between progress log lines when the stream is not a terminal. */
  intervalSeconds?: number;
  /** Minimum milliseconds between redraws of the live line. */
  redrawMs?: number;
  now?: () => number;
}

export interface ProgressReporter {
  update: (p: CollectionProgress) => void;
  stop: () => void;
}

/** `1h02m`, `3m05s`, `12s`: short enough for one terminal line. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** Remaining time at the average pace so far; undefined until there is a pace to extrapolate. */
export function estimateRemainingMs(p: Pick<CollectionProgress, 'done' | 'total'>, elapsedMs: number): number | undefined {
  if (p.done <= 0 || p.total <= 0 || elapsedMs <= 0) return undefined;
  return (elapsedMs / p.done) * Math.max(0, p.total - p.done);
}

/** The live line: scope (accounts x regions x queries), done/total, percentage, errors, ETA. */
export function progressLine(p: CollectionProgress, elapsedMs: number): string {
  const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const eta = estimateRemainingMs(p, elapsedMs);
  return (
    `collecting ${p.accounts} account(s) x ${p.regions} region(s) x ${p.queries} queries: ` +
    `${p.done}/${p.total} (${pct}%)` +
    (p.errors ? `, ${p.errors} error(s)` : '') +
    `, elapsed ${formatDuration(elapsedMs)}` +
    (p.done < p.total ? `, ETA ${eta === undefined ? '--' : formatDuration(eta)}` : '')
  );
}

/**
 * Shows collection progress: a one-line live display on a terminal (redrawn in place on stderr), or a
 * progress log line every `intervalSeconds` when stderr is not a terminal (containers, CI, files).
 */
export function attachProgress(log: Logger, opts: ProgressOptions = {}): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => Date.now());
  const started = now();
  const redrawMs = opts.redrawMs ?? 100;
  const intervalMs = Math.max(1, opts.intervalSeconds ?? 30) * 1000;
  let latest: CollectionProgress | undefined;
  let lastDraw = -Infinity;
  let drawn = false;
  let stopped = false;

  if (stream.isTTY) {
    const draw = (force: boolean) => {
      if (!latest) return;
      const t = now();
      if (!force && t - lastDraw < redrawMs) return;
      lastDraw = t;
      const width = Math.max(20, (stream.columns ?? 120) - 1);
      stream.write(`\r\x1b[2K${progressLine(latest, t - started).slice(0, width)}`);
      drawn = true;
    };
    return {
      update: (p) => {
        if (stopped) return;
        latest = p;
        draw(p.done >= p.total);
      },
      stop: () => {
        if (stopped) return;
        stopped = true;
        draw(true);
        if (drawn) stream.write('\n');
      },
    };
  }

  const emit = () => {
    if (!latest) return;
    const elapsedMs = now() - started;
    const eta = estimateRemainingMs(latest, elapsedMs);
    log.info({ progress: { ...latest, elapsedSeconds: Math.round(elapsedMs / 1000), ...(eta !== undefined ? { etaSeconds: Math.round(eta / 1000) } : {}) } }, 'collection progress');
  };
  const timer = setInterval(emit, intervalMs);
  timer.unref();
  return {
    update: (p) => {
      if (!stopped) latest = p;
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
    },
  };
}
