import { join, resolve } from 'node:path';
import type { Config, ScheduleConfig } from '../config/schema.js';
import type { Catalog } from '../controls/schema.js';
import type { EvidenceStore } from '../evidence/store.js';
import type { ManifestSigner } from '../seal/signer.js';
import { attachProgress } from '../collect/progress.js';
import { loadExceptions } from '../package/exceptions.js';
import type { ActionFn } from './daemon.js';
import { resolveOrganizationalUnits } from '../collect/organizational-units.js';

/** What the daemon's built-in actions share across runs: opened once at start, so a bad store fails fast. */
export interface ActionDeps {
  config: Config;
  catalogs: Catalog[];
  store: EvidenceStore;
  signer: ManifestSigner;
  /** `--shard i/n`: every collection of this daemon covers only that shard, sealed under chain `shard-i-of-n`. */
  shard?: { index: number; count: number };
  /** Seconds between progress log lines during a collection. */
  progressIntervalSeconds?: number;
}

const DAY_MS = 86_400_000;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The UTC days a package schedule covers, relative to when it fired: the previous day, the previous ISO week
 * (Monday to Sunday) or the previous calendar month.
 */
export function packagePeriod(period: NonNullable<ScheduleConfig['period']>, scheduledAt: Date): { from: string; to: string } {
  const today = Date.UTC(scheduledAt.getUTCFullYear(), scheduledAt.getUTCMonth(), scheduledAt.getUTCDate());
  if (period === 'previous-day') return { from: day(today - DAY_MS), to: day(today - DAY_MS) };
  if (period === 'previous-week') {
    const sinceMonday = (new Date(today).getUTCDay() + 6) % 7;
    const thisMonday = today - sinceMonday * DAY_MS;
    return { from: day(thisMonday - 7 * DAY_MS), to: day(thisMonday - DAY_MS) };
  }
  const firstOfThisMonth = Date.UTC(scheduledAt.getUTCFullYear(), scheduledAt.getUTCMonth(), 1);
  const firstOfPrevious = Date.UTC(scheduledAt.getUTCFullYear(), scheduledAt.getUTCMonth() - 1, 1);
  return { from: day(firstOfPrevious), to: day(firstOfThisMonth - DAY_MS) };
}

/**
 * A scheduled collection: the same engine as `evidence-locker collect`, aborted through the daemon's signal.
 * The engine (query registry, SDK client factory) loads at the first firing, so an idle daemon stays small.
 */
export function collectAction(deps: ActionDeps): ActionFn {
  return async (req) => {
    const { runCollection } = await import('../collect/run.js');
    const progress = attachProgress(req.log, { stream: { isTTY: false, write: () => true }, intervalSeconds: deps.progressIntervalSeconds ?? 60 });
    try {
      const outcome = await runCollection({
        runId: req.runId,
        config: deps.config,
        catalogs: deps.catalogs,
        frameworks: req.schedule.frameworks,
        ...(deps.shard ? { shard: { ...deps.shard, slot: req.slot } } : {}),
        store: deps.store,
        signer: deps.signer,
        log: req.log,
        signal: req.signal,
        onProgress: progress.update,
        onAttempt: req.onAttempt,
        now: () => new Date(),
      });
      return {
        status: outcome.status,
        runId: outcome.runId,
        records: outcome.records,
        errorRecords: outcome.errorRecords,
        detail: { accounts: outcome.accounts.length, regions: outcome.regions.length, gaps: outcome.gaps, ...(outcome.manifestSha256 ? { manifestSha256: outcome.manifestSha256 } : {}) },
      };
    } finally {
      progress.stop();
    }
  };
}

/**
 * A scheduled package of the previous period (default: the previous month) into `outDir` (default
 * `<stateDir>/packages`). Shard runs of one slot are merged by the package builder, which reports missing shards.
 * The builder (PDF renderer, zip writer) loads at the first firing.
 */
export function packageAction(deps: ActionDeps): ActionFn {
  return async (req) => {
    const { buildPackage } = await import('../package/build.js');
    const { from, to } = packagePeriod(req.schedule.period ?? 'previous-month', req.scheduledAt);
    const frameworks = req.schedule.frameworks?.length ? req.schedule.frameworks : deps.config.frameworks;
    const outDir = resolve(req.schedule.outDir ?? join(deps.config.stateDir, 'packages'));
    req.log.info({ from, to, frameworks, outDir }, 'packaging the period');
    const { resolveTrustPolicy } = await import('../aws/trusted-keys.js');
    const built = await buildPackage({
      store: deps.store,
      signer: deps.signer,
      trust: await resolveTrustPolicy(deps.config, { signer: deps.signer, log: req.log }),
      catalogs: deps.catalogs,
      frameworks,
      from,
      to,
      outDir,
      organization: deps.config.organization,
      parameterOverrides: deps.config.parameters,
      entity: deps.config.entity,
      scope: await resolveOrganizationalUnits(deps.config.scope, deps.config, new Date(), { log: req.log, ...(req.signal ? { signal: req.signal } : {}) }),
      ...(deps.config.exceptionsFile ? { exceptions: loadExceptions(deps.config.exceptionsFile) } : {}),
      log: req.log,
    });
    const s = built.summary;
    return {
      status: s.gapDays > 0 || s.missingShards > 0 ? 'complete-with-gaps' : 'complete',
      records: s.records,
      detail: { zipPath: built.zipPath, packageId: built.packageId, from, to, runs: s.runs, gapDays: s.gapDays, missingShards: s.missingShards },
    };
  };
}
