import type { Command } from 'commander';
import { commandContext, listOption, accountIdsOption, parseShard, type GlobalOptions } from '../shared.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import { ExitCode } from '../../errors.js';
import { attachProgress } from '../../collect/progress.js';

interface CollectOptions extends GlobalOptions {
  framework?: string[];
  accounts?: string[];
  regions?: string[];
  queries?: string[];
  shard?: { index: number; count: number };
  slot?: string;
}

export function registerCollectCommand(program: Command): void {
  program
    .command('collect')
    .description('Collect evidence from AWS for the configured accounts and regions, store it write-once and seal the run')
    .option('--framework <id...>', 'limit to these frameworks (default: config frameworks)', listOption)
    .option('--accounts <ids...>', 'limit to these 12-digit account ids', accountIdsOption)
    .option('--regions <names...>', 'limit to these regions', listOption)
    .option('--queries <ids...>', 'run only these query ids', listOption)
    .option('--shard <i/n>', 'collect only shard i of n (accounts split deterministically); each shard seals its own run', parseShard)
    .option('--slot <name>', 'schedule slot shared by the shards of one run (default: the UTC date)')
    .addHelpText('after', '\nExit codes: 0 complete, 1 failure, 2 usage or configuration error, 3 completed with gaps.')
    .action(async (opts: CollectOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<CollectOptions>();
      const { config, log } = commandContext(g);
      const catalogs = loadCatalogs(config.catalogDirs);
      const store = await openStore(config.store, { log });
      await store.preflight();
      const signer = await openSigner(config, { log });
      const { runCollection } = await import('../../collect/run.js');
      const progress = attachProgress(log);
      const outcome = await runCollection({
        config,
        catalogs,
        frameworks: opts.framework,
        accounts: opts.accounts,
        regions: opts.regions,
        queries: opts.queries,
        shard: opts.shard ? { ...opts.shard, ...(opts.slot ? { slot: opts.slot } : {}) } : undefined,
        store,
        signer,
        log,
        onProgress: progress.update,
      }).finally(() => progress.stop());
      process.stdout.write(
        `run ${outcome.runId}: ${outcome.status}, ${outcome.records} evidence records (${outcome.errorRecords} errors) over ${outcome.accounts.length} account(s) and ${outcome.regions.length} region(s)\n` +
          (outcome.manifestSha256 ? `manifest sha256 ${outcome.manifestSha256}\n` : ''),
      );
      process.exitCode = outcome.status === 'complete' ? ExitCode.ok : outcome.status === 'aborted' ? ExitCode.failure : ExitCode.gaps;
    });
}
