import type { Command } from 'commander';
import { commandContext, listOption, accountIdsOption, type GlobalOptions } from '../shared.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import { ExitCode } from '../../errors.js';
import type { BackfillProgress } from '../../backfill/run.js';
import { backfillPeriod } from '../../backfill/period.js';

interface BackfillOptions extends GlobalOptions {
  from: string;
  to?: string;
  framework?: string[];
  accounts?: string[];
}

/** One stderr line per day: where the backfill is, and what that day gave. */
export function backfillProgressLine(p: BackfillProgress): string {
  const where = `[${p.daysDone}/${p.days}] ${p.day}`;
  return p.status === 'skipped' ? `${where}  skipped (already covered)\n` : `${where}  rebuilt and sealed: ${p.records} records, ${p.gaps} stated gap(s)\n`;
}

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('Rebuild evidence for past days from what AWS kept (AWS Config configuration history, CloudTrail events of the last 90 days); each day is sealed now, marked as a reconstruction, in its own chain')
    .requiredOption('--from <date>', 'first day to rebuild (YYYY-MM-DD, UTC)')
    .option('--to <date>', 'last day to rebuild (default: yesterday; today belongs to `collect`)')
    .option('--framework <id...>', 'limit to these frameworks (default: config frameworks)', listOption)
    .option('--accounts <ids...>', 'limit to these 12-digit account ids', accountIdsOption)
    .addHelpText(
      'after',
      '\nDays already rebuilt, or collected on the day, are skipped: run it again to resume after an interruption.\nQueries with no history source are sealed as error records (a stated gap for each day), never as a pass.\nExit codes: 0 done, 1 interrupted, 2 usage or configuration error.',
    )
    .action(async (opts: BackfillOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<BackfillOptions>();
      const { config, log } = commandContext(g);
      const catalogs = loadCatalogs(config.catalogDirs);
      // Usage errors are refused before the store or a signing key is touched.
      backfillPeriod(opts.from, opts.to, new Date());
      const [{ runBackfill }, { plannedQueries }] = await Promise.all([import('../../backfill/run.js'), import('../../collect/plan.js')]);
      plannedQueries(catalogs, opts.framework?.length ? opts.framework : config.frameworks);
      const store = await openStore(config.store, { log });
      await store.preflight();
      const signer = await openSigner(config, { log });
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const outcome = await runBackfill({
          config,
          catalogs,
          frameworks: opts.framework,
          accounts: opts.accounts,
          from: opts.from,
          ...(opts.to ? { to: opts.to } : {}),
          store,
          signer,
          log,
          signal: abort.signal,
          onProgress: (p) => process.stderr.write(backfillProgressLine(p)),
        });
        const sealed = outcome.days.filter((d) => d.status === 'sealed').length;
        const skipped = outcome.days.filter((d) => d.status === 'skipped').length;
        const aborted = outcome.days.filter((d) => d.status === 'aborted').length;
        process.stdout.write(
          [
            `backfill ${outcome.from}..${outcome.to} over ${outcome.accounts.length} account(s): ${sealed} day(s) rebuilt and sealed, ${skipped} skipped (already covered)${aborted ? `, ${aborted} not done (interrupted: run again to resume)` : ''}`,
            `rebuilt from AWS history: ${outcome.reconstructed.join(', ') || 'none'}`,
            `not rebuilt (a stated gap on every rebuilt day): ${outcome.notReconstructed.length} queries${outcome.notReconstructed.length ? ` (${outcome.notReconstructed.map((n) => n.queryId).join(', ')})` : ''}`,
            '',
          ].join('\n'),
        );
        process.exitCode = aborted ? ExitCode.failure : ExitCode.ok;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
