import type { Command } from 'commander';
import { commandContext, listOption, accountIdsOption, parseShard, recordCountWords, type GlobalOptions } from '../shared.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import { ConfigError, ExitCode } from '../../errors.js';
import { attachProgress } from '../../collect/progress.js';
import { unknownRegions } from '../../aws/regions.js';
import type { Config } from '../../config/schema.js';

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
      const [{ runCollection }, { plannedQueries }] = await Promise.all([import('../../collect/run.js'), import('../../collect/plan.js')]);
      // Usage errors are refused before the store or a signing key is touched.
      plannedQueries(catalogs, opts.framework?.length ? opts.framework : config.frameworks, opts.queries);
      await checkCollectScope(config, opts);
      const store = await openStore(config.store, { log });
      await store.preflight();
      const signer = await openSigner(config, { log });
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
        `run ${outcome.runId}: ${outcome.status}, ${recordCountWords(outcome.records, outcome.readRecords)} (${outcome.errorRecords} errors) over ${outcome.accounts.length} account(s) and ${outcome.regions.length} region(s)\n` +
          (outcome.manifestSha256 ? `manifest sha256 ${outcome.manifestSha256}\n` : ''),
      );
      process.exitCode = outcome.status === 'complete' ? ExitCode.ok : outcome.status === 'aborted' ? ExitCode.failure : ExitCode.gaps;
    });
}

/**
 * `--regions` must name regions the AWS SDK knows, and `--accounts` accounts of a configured list: a typo would
 * otherwise seal a permanent run of connection errors. Accounts of the current identity or of an organization are
 * checked when the run resolves them, before anything is collected or sealed.
 */
async function checkCollectScope(config: Config, opts: CollectOptions): Promise<void> {
  // --regions replaces the configured list; the home region is always used (global services).
  const named: [string, string[]][] = [
    opts.regions?.length ? ['--regions', opts.regions] : ['configuration regions.list', config.regions.source === 'list' ? config.regions.list : []],
    ['configuration regions.home', [config.regions.home]],
  ];
  for (const [where, regions] of named) {
    const bad = await unknownRegions(regions);
    if (bad.length) {
      throw new ConfigError(
        `${where}: ${bad.map((r) => `"${r}"`).join(', ')} ${bad.length > 1 ? 'are not AWS regions' : 'is not an AWS region'} (not in the AWS SDK's region list)`,
        'use region names such as us-east-1 or eu-west-1; `aws account list-regions` lists the regions of your account',
      );
    }
  }
  if (config.accounts.source === 'list' && opts.accounts?.length) {
    const configured = new Set(config.accounts.list.map((a) => a.id));
    const unknown = opts.accounts.filter((a) => !configured.has(a));
    if (unknown.length) {
      throw new ConfigError(`--accounts: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the configured account list (accounts.list)`, 'add the account to accounts.list in the configuration, or leave it out of --accounts');
    }
  }
}
