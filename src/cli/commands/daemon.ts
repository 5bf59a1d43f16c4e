import type { Command } from 'commander';
import { commandContext, parseShard, type GlobalOptions } from '../shared.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import type { ActionFn, DaemonAction } from '../../daemon/daemon.js';
import type { ActionDeps } from '../../daemon/actions.js';

interface DaemonCommandOptions extends GlobalOptions {
  shard?: { index: number; count: number };
  progressInterval?: string;
}

/** Replaces the built-in collect/package actions (tests, embedding). */
export interface DaemonCommandDeps {
  actions?: (deps: ActionDeps) => Partial<Record<DaemonAction, ActionFn>>;
  /** Called after a clean stop when lingering sockets would keep the process alive; default process.exit. */
  exit?: (code: number) => void;
}

export function registerDaemonCommand(program: Command, deps: DaemonCommandDeps = {}): void {
  program
    .command('daemon')
    .description('Run collect and package on the configured schedules (one run at a time), serve /healthz and /metrics, stop cleanly on SIGTERM')
    .option('--shard <i/n>', 'collect only shard i of n in every scheduled collection; each shard seals its own chain (shard-i-of-n)', parseShard)
    .option('--progress-interval <seconds>', 'seconds between progress log lines during a collection', '60')
    .addHelpText(
      'after',
      '\nSchedules come from the `schedules` list of the configuration (default: collect daily at 02:00 UTC).' +
        '\nHealth: GET /healthz (JSON) and GET /metrics (Prometheus) on daemon.healthPort.' +
        '\nExit codes: 0 stopped by SIGTERM/SIGINT, 1 failure, 2 usage or configuration error.',
    )
    .action(async (opts: DaemonCommandOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<DaemonCommandOptions>();
      const { config, log } = commandContext(g);
      // The scheduler (node-cron) and the health server load for this command only, not for every CLI invocation.
      const [{ EvidenceDaemon }, { collectAction, packageAction }, { validateSchedules, DEFAULT_SCHEDULES }] = await Promise.all([
        import('../../daemon/daemon.js'),
        import('../../daemon/actions.js'),
        import('../../daemon/schedule.js'),
      ]);
      // Schedules are checked before the store is opened: a typo in a cron expression is a usage error, not a network error.
      const schedules = config.schedules.length ? config.schedules : DEFAULT_SCHEDULES;
      validateSchedules(schedules, ['collect', 'package']);
      const catalogs = loadCatalogs(config.catalogDirs);
      const store = await openStore(config.store, { log });
      await store.preflight();
      const signer = await openSigner(config, { log });
      const interval = Number(opts.progressInterval ?? '60');
      const actionDeps: ActionDeps = {
        config,
        catalogs,
        store,
        signer,
        ...(opts.shard ? { shard: opts.shard } : {}),
        progressIntervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : 60,
      };
      const actions = deps.actions ? deps.actions(actionDeps) : { collect: collectAction(actionDeps), package: packageAction(actionDeps) };
      log.info({ signingKey: signer.keyId, fingerprint: await signer.fingerprint(), store: store.describe().location, ...(opts.shard ? { shard: `${opts.shard.index}/${opts.shard.count}` } : {}) }, 'daemon configuration loaded');
      const daemon = new EvidenceDaemon({ config, actions, log });
      await daemon.start();
      const code = await daemon.stopped;
      process.exitCode = code;
      // SDK clients of the store and signer may keep idle sockets open; ECS must see the exit well before SIGKILL.
      const exit = deps.exit ?? ((c: number) => process.exit(c));
      setTimeout(() => exit(code), 2_000).unref();
    });
}
