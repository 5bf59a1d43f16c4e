import { randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Catalog } from '../controls/schema.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { ManifestSigner } from '../seal/signer.js';
import type { Logger } from '../log/logger.js';
import { AwsClientProvider, SharedConnections } from '../aws/clients.js';
import { describeSdkFailure } from '../aws/failure.js';
import { resolveTrustPolicy } from '../aws/trusted-keys.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';
import { checkParameterOverrides } from '../controls/parameters.js';
import { queryById } from '../queries/index.js';
import type { EvidenceBody, ManifestRecord } from '../evidence/record.js';
import { RECONSTRUCTION_RUN_MARK, newRunId, reconstructionRunDay, runIdDay } from '../evidence/run-id.js';
import { putEvidenceBody, sealRun } from '../seal/seal.js';
import { RunClassifier, type TrustPolicy } from '../seal/trust.js';
import { resolveTargets, type AccountTarget } from '../collect/targets.js';
import { planRun } from '../collect/plan.js';
import { redactEvidence } from '../collect/redact.js';
import { SDK_VERSION } from '../version.js';
import { AwsHistory, type HistoryRequest } from './history.js';
import { backfillPeriod } from './period.js';
import { RECONSTRUCTORS, noHistoryReason, type Rebuilt } from './reconstructors.js';

/** The chain every reconstruction run is sealed in, apart from the daily collection chains. */
export const BACKFILL_CHAIN = 'backfill';
const DAY = 86_400_000;

export interface BackfillProgress {
  day: string;
  daysDone: number;
  days: number;
  status: 'sealed' | 'skipped';
  records: number;
  gaps: number;
}

export interface BackfillOptions {
  config: Config;
  catalogs: Catalog[];
  frameworks?: string[];
  accounts?: string[];
  /** First day to rebuild (YYYY-MM-DD). */
  from: string;
  /** Last day to rebuild; default: yesterday (today belongs to `collect`). */
  to?: string;
  store: EvidenceStore;
  signer: ManifestSigner;
  log: Logger;
  now?: () => Date;
  signal?: AbortSignal;
  onProgress?: (p: BackfillProgress) => void;
  /** Set only by a caller that started the simulated AWS itself; sealed into each manifest. */
  simulated?: boolean;
}

export interface BackfillDay {
  day: string;
  status: 'sealed' | 'skipped' | 'aborted';
  runId?: string;
  /** Why a day was skipped. */
  reason?: string;
  records?: number;
  /** Records that are stated gaps (no history source, or history incomplete that day). */
  gaps?: number;
}

export interface BackfillOutcome {
  from: string;
  to: string;
  days: BackfillDay[];
  accounts: string[];
  /** Queries rebuilt, and those that are a stated gap for every day, with why. */
  reconstructed: string[];
  notReconstructed: { queryId: string; reason: string }[];
}

/**
 * Rebuilds past days from what AWS kept and seals one run per day in the `backfill` chain, each marked as a
 * reconstruction of that day. A day already rebuilt (or collected) for every account is skipped; a day's bodies are
 * written before its manifest, so an interrupted backfill leaves only unreferenced bodies and is resumed by running
 * it again.
 */
export async function runBackfill(opts: BackfillOptions): Promise<BackfillOutcome> {
  const { config, store, signer, log } = opts;
  const now = opts.now ?? (() => new Date());
  const started = now();
  const { days, ...period } = backfillPeriod(opts.from, opts.to, started);

  const selection = { frameworks: opts.frameworks };
  planRun(opts.catalogs, config, [], selection);
  checkParameterOverrides(opts.catalogs, config.parameters, queryById);
  const trust = await resolveTrustPolicy(config, { signer, log, now: () => new Date(Math.max(Date.now(), now().getTime())) });

  const { targets, gaps: targetGaps } = await resolveTargets(config, { accounts: opts.accounts }, log, opts.signal);
  const { frameworks, queries, regions: allRegions, tasks } = planRun(opts.catalogs, config, targets, selection);
  const reconstructed = queries.filter((q) => RECONSTRUCTORS.has(q.id)).map((q) => q.id);
  const notReconstructed = queries.filter((q) => !RECONSTRUCTORS.has(q.id)).map((q) => ({ queryId: q.id, reason: noHistoryReason(q.id, q.apiCalls) }));
  const accounts = [...new Set([...targets.map((t) => t.accountId), ...targetGaps.map((g) => g.accountId)])].sort();
  log.info({ from: period.from, to: period.to, days: days.length, accounts: accounts.length, reconstructed: reconstructed.length, notReconstructed: notReconstructed.length }, 'backfill started');

  // Days already covered for every account: by a trusted reconstruction of that day, or by a collection run on it.
  const covered = await coveredDays(store, trust, period, accounts);

  const callSlots = new ConcurrencyLimit(config.collect.concurrency);
  const connections = new SharedConnections();
  const providers = new Map<string, AwsClientProvider>();
  const histories = new Map<string, AwsHistory>();
  const until = new Date(Date.parse(`${period.to}T00:00:00Z`) + DAY - 1);
  const historyOf = (t: AccountTarget, region: string) => {
    const key = `${t.accountId}/${region}`;
    let h = histories.get(key);
    if (!h) {
      const p = new AwsClientProvider({ accountId: t.accountId, region, credentials: t.credentials, maxAttempts: config.collect.maxAttempts, requestTimeoutMs: config.collect.requestTimeoutMs, callSlots, connections });
      providers.set(key, p);
      h = new AwsHistory(p, until, started);
      histories.set(key, h);
    }
    return h;
  };

  const out: BackfillDay[] = [];
  try {
    for (const [i, day] of days.entries()) {
      if (opts.signal?.aborted) {
        out.push({ day, status: 'aborted' });
        continue;
      }
      const why = covered.get(day);
      if (why) {
        out.push({ day, status: 'skipped', reason: why });
        opts.onProgress?.({ day, daysDone: i + 1, days: days.length, status: 'skipped', records: 0, gaps: 0 });
        continue;
      }
      const endOfDay = new Date(Date.parse(`${day}T00:00:00Z`) + DAY - 1);
      const records: ManifestRecord[] = [];
      let gapRecords = 0;
      // Days run one after another (each sealed before the next); within a day, tasks share the call slots.
      await Promise.all(
        tasks.map(async (task) => {
          const region = task.region === 'global' ? config.regions.home : task.region;
          const rebuilder = RECONSTRUCTORS.get(task.query.id);
          let rebuilt: Rebuilt;
          let failure: EvidenceBody['error'] | undefined;
          if (!rebuilder) {
            rebuilt = { kind: 'gap', reason: noHistoryReason(task.query.id, task.query.apiCalls), sources: [], requests: [] };
          } else {
            try {
              rebuilt = await rebuilder.rebuild({ accountId: task.target.accountId, region, regions: task.target.regions, day, params: task.params, endOfDay, history: (r) => historyOf(task.target, r) });
            } catch (err) {
              const f = describeSdkFailure(err);
              failure = { code: f.code, message: f.message, hint: f.hint ?? 'the history could not be read; fix the cause and run backfill again (days already sealed are skipped)' };
              rebuilt = { kind: 'gap', reason: `history could not be read: ${f.code}: ${f.message}`, sources: [], requests: [] };
            }
          }
          const method = rebuilder?.method ?? 'not rebuilt: no history source';
          const reconstruction = { asOf: day, method, sources: rebuilt.sources };
          const requests = (rebuilt.requests as HistoryRequest[]).map((r) => ({ operation: r.operation, input: r.input }));
          const operations = [...new Set(requests.map((r) => r.operation))];
          const common = { schema: 'evidence-locker/evidence@1' as const, queryId: task.query.id, accountId: task.target.accountId, region: task.region, operations, requests, sdkVersion: SDK_VERSION, reconstruction };
          let body: EvidenceBody;
          if (rebuilt.kind === 'data') {
            const redacted = redactEvidence(rebuilt.data);
            body = { ...common, status: 'ok', data: redacted.data, redactions: redacted.redactions };
          } else {
            gapRecords++;
            body = { ...common, status: 'error', error: failure ?? { code: rebuilder ? 'HistoryIncomplete' : 'NoHistorySource', message: `${day} cannot be rebuilt for ${task.query.id}: ${rebuilt.reason}`, hint: 'this day is a gap for this query; only a collection on the day itself would have proven it' } };
          }
          records.push(await putEvidenceBody(store, body, now()));
        }),
      );
      if (opts.signal?.aborted) {
        // Bodies already written are unreferenced and harmless; the day is rebuilt again on the next run.
        out.push({ day, status: 'aborted' });
        continue;
      }
      records.sort((a, b) => a.recordId.localeCompare(b.recordId));
      const runStart = now();
      const runId = newRunId(runStart, `${RECONSTRUCTION_RUN_MARK.slice(1)}${day.replace(/-/g, '')}-${randomBytes(3).toString('hex')}`);
      const sealed = await sealRun(
        store,
        signer,
        {
          runId,
          kind: 'collection',
          chain: BACKFILL_CHAIN,
          startedAt: runStart,
          completedAt: now(),
          scope: { accounts, regions: allRegions, frameworks: [...frameworks].sort(), queries: queries.map((q) => q.id) },
          gaps: targetGaps.map((g) => ({ accountId: g.accountId, ...(g.region ? { region: g.region } : {}), reason: g.reason })),
          reconstruction: { asOf: day, reconstructed, notReconstructed },
          ...(opts.simulated ? { simulated: true } : {}),
          records,
        },
        { trust, log },
      );
      out.push({ day, status: 'sealed', runId: sealed.manifest.runId, records: records.length, gaps: gapRecords });
      log.info({ day, runId: sealed.manifest.runId, records: records.length, gaps: gapRecords }, 'backfill: day rebuilt and sealed');
      opts.onProgress?.({ day, daysDone: i + 1, days: days.length, status: 'sealed', records: records.length, gaps: gapRecords });
    }
  } finally {
    for (const p of providers.values()) p.destroy();
    connections.destroy();
  }
  return { from: period.from, to: period.to, days: out, accounts, reconstructed, notReconstructed };
}

/**
 * Days of the period already covered for every account, with why: a trusted reconstruction of that day, or a
 * collection run started on it (evidence from the day itself is better than any rebuild).
 */
async function coveredDays(store: EvidenceStore, trust: TrustPolicy, period: { from: string; to: string }, accounts: string[]): Promise<Map<string, string>> {
  const classifier = new RunClassifier(store, trust, { headerOnly: true });
  const { trusted } = await classifier.census((id) => {
    const rebuilt = reconstructionRunDay(id);
    if (rebuilt !== undefined) return rebuilt >= period.from && rebuilt <= period.to;
    const d = runIdDay(id);
    return d !== undefined && d >= period.from && d <= period.to;
  });
  const byDay = new Map<string, { accounts: Set<string>; how: Set<string> }>();
  for (const t of trusted) {
    const m = t.manifest;
    if (m.kind !== 'collection') continue;
    const day = m.reconstruction?.asOf ?? m.startedAt.slice(0, 10);
    const e = byDay.get(day) ?? { accounts: new Set<string>(), how: new Set<string>() };
    for (const a of m.scope.accounts) e.accounts.add(a);
    e.how.add(m.reconstruction ? `already rebuilt (run ${t.runId})` : `collected on the day (run ${t.runId})`);
    byDay.set(day, e);
  }
  const out = new Map<string, string>();
  for (const [day, e] of byDay) if (accounts.every((a) => e.accounts.has(a))) out.set(day, [...e.how].sort().join('; '));
  return out;
}
