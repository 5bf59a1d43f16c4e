import { TOOL_VERSION } from '../version.js';

/** Outcome of one scheduled run, as counted in `evidence_locker_runs_total`. */
export type RunOutcome = 'complete' | 'complete-with-gaps' | 'aborted' | 'failed';

type Labels = Record<string, string>;

/** Upper bounds (seconds) of the run duration histogram: a minute to half a day. */
export const DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 43_200];

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\u0000');
}

/** Prometheus text format: label values escape backslash, double quote and newline. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k])}"`).join(',')}}` : '';
}

function num(v: number): string {
  if (v === Infinity) return '+Inf';
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(6)));
}

class Family {
  readonly series = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly type: 'counter' | 'gauge',
    readonly help: string,
  ) {}
  add(labels: Labels, delta: number): void {
    const k = labelKey(labels);
    const s = this.series.get(k) ?? { labels, value: 0 };
    s.value += delta;
    this.series.set(k, s);
  }
  set(labels: Labels, value: number): void {
    this.series.set(labelKey(labels), { labels, value });
  }
  get(labels: Labels): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of [...this.series.values()].sort((a, b) => labelKey(a.labels).localeCompare(labelKey(b.labels)))) {
      lines.push(`${this.name}${renderLabels(s.labels)} ${num(s.value)}`);
    }
    return lines;
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    const s = this.series.get(k) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
    this.series.set(k, s);
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket${renderLabels({ ...s.labels, le: num(b) })} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket${renderLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${renderLabels(s.labels)} ${num(s.sum)}`);
      lines.push(`${this.name}_count${renderLabels(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

/** The daemon's metrics, served in the Prometheus text exposition format on `/metrics`. */
export class DaemonMetrics {
  readonly runs = new Family('evidence_locker_runs_total', 'counter', 'Scheduled runs finished, by schedule, action and outcome.');
  readonly records = new Family('evidence_locker_evidence_records_total', 'counter', 'Evidence records sealed by collection runs.');
  readonly errorRecords = new Family('evidence_locker_error_records_total', 'counter', 'Evidence records that hold a query error (gaps).');
  readonly skipped = new Family('evidence_locker_skipped_overlaps_total', 'counter', 'Scheduled runs skipped because another run was still going.');
  readonly lastSuccess = new Family('evidence_locker_last_success_timestamp_seconds', 'gauge', 'Unix time at which the last run of a schedule finished complete or complete-with-gaps.');
  readonly inProgress = new Family('evidence_locker_run_in_progress', 'gauge', '1 while a run is going.');
  readonly apiAttempts = new Family('evidence_locker_aws_api_attempts_total', 'counter', 'AWS API attempts made by collection runs, by outcome.');
  readonly info = new Family('evidence_locker_build_info', 'gauge', 'Version of the running collector.');
  readonly durations = new Histogram('evidence_locker_run_duration_seconds', 'Duration of finished runs, by action.', DURATION_BUCKETS);

  constructor() {
    this.info.set({ version: TOOL_VERSION }, 1);
    this.inProgress.set({}, 0);
  }

  runStarted(): void {
    this.inProgress.set({}, 1);
  }

  runFinished(r: { schedule: string; action: string; outcome: RunOutcome; durationSeconds: number; records?: number; errorRecords?: number; finishedAt: Date }): void {
    this.inProgress.set({}, 0);
    this.runs.add({ schedule: r.schedule, action: r.action, outcome: r.outcome }, 1);
    this.durations.observe({ action: r.action }, r.durationSeconds);
    if (r.records) this.records.add({ action: r.action }, r.records);
    if (r.errorRecords) this.errorRecords.add({ action: r.action }, r.errorRecords);
    if (r.outcome === 'complete' || r.outcome === 'complete-with-gaps') this.lastSuccess.set({ schedule: r.schedule, action: r.action }, Math.floor(r.finishedAt.getTime() / 1000));
  }

  overlapSkipped(schedule: string): void {
    this.skipped.add({ schedule }, 1);
  }

  apiAttempt(outcome: 'ok' | 'throttled' | 'error'): void {
    this.apiAttempts.add({ outcome }, 1);
  }

  render(): string {
    const families = [this.runs, this.records, this.errorRecords, this.skipped, this.lastSuccess, this.inProgress, this.apiAttempts, this.info];
    return [...families.flatMap((f) => f.render()), ...this.durations.render()].join('\n') + '\n';
  }
}
