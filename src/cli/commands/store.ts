import type { Command } from 'commander';
import { commandContext, listOption, roleCredentials, runSpanOption, sealDelayOption, type GlobalOptions } from '../shared.js';
import { ConfigError, ExitCode } from '../../errors.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import { parseInstant, parsePeriod } from '../../evidence/period.js';
import { findOrphans } from '../../store/orphans.js';
import type { LegalHoldAction } from '../../store/legal-hold.js';
import type { RunSelection } from '../../verify/store.js';
import type { PreflightCheck } from '../../evidence/store.js';
import { terminalLine, terminalText } from '../../log/terminal.js';

export interface StoreCommandDeps {
  /** Where command output goes (default process.stdout). */
  write?: (text: string) => void;
}

interface VerifyOptions extends GlobalOptions {
  run?: string;
  from?: string;
  to?: string;
  requiredRetainUntil?: string;
  json?: boolean;
  expectKey?: string[];
  maxSealDelay?: number;
  maxRunSpan?: number;
}

interface OrphansOptions extends GlobalOptions {
  expectKey?: string[];
}

interface HoldOptions extends GlobalOptions {
  from: string;
  to: string;
  reason?: string;
  by?: string;
  roleArn?: string;
}

/** `store check`, `store verify`, `store orphans`, `hold` and `release`. */
export function registerStoreCommands(program: Command, deps: StoreCommandDeps = {}): void {
  const out = deps.write ?? ((t: string) => void process.stdout.write(t));
  // Object keys, version ids and messages naming them come from the store, where anyone with write access names them:
  // each such message is printed on its one line (terminalLine), the rest line by line.
  const write = (t: string) => out(terminalText(t));
  const store = program.command('store').description('Check and verify the write-once evidence store');

  store
    .command('check')
    .description('Pre-flight the configured evidence store: Object Lock, versioning, default retention, public access block, encryption')
    .addHelpText('after', '\nExit codes: 0 the store keeps its promises, 1 a required setting is missing (the message names the fix), 2 configuration error.')
    .action(async (_opts: GlobalOptions, cmd: Command) => {
      const { config, log } = commandContext(cmd.optsWithGlobals<GlobalOptions>());
      const s = await openStore(config.store, { log });
      const checks = await s.preflight();
      const d = s.describe();
      // The location (a bucket or a path from the configuration) on its one line, as every name read from the store.
      write(`store ${d.kind} ${terminalLine(d.location)}\n${formatChecks(checks)}${d.note}\n`);
      const failed = checks.filter((c) => !c.ok && !c.advisory);
      if (failed.length) {
        write(`store check FAILED: ${failed.map((c) => c.name).join('; ')} (evidence is still written, but can be hidden or ended through these settings)\n`);
        process.exitCode = ExitCode.failure;
      }
    });

  store
    .command('verify')
    .description('Verify sealed runs where they are stored: signatures, chain, every record hash, Object Lock retention')
    .option('--run <id>', 'verify one run')
    .option('--from <date>', 'verify the runs started from this UTC date (inclusive)')
    .option('--to <date>', 'verify the runs started up to this UTC date (inclusive)')
    .option('--required-retain-until <date>', 'S3: every object must be retained at least until this date (default: the date each manifest states)')
    .option('--max-seal-delay <duration>', 'S3: the most time from the completion a run states to the store\'s write of its manifest and signature (LastModified) before the run is named back-dated (e.g. 90m, 2h, 1d; default 1h)', sealDelayOption)
    .option('--max-run-span <duration>', 'the most time a run may state it took, from its signed start to its signed completion, before it is named back-dated (e.g. 12h, 1d, 36h; at least 1m, default 1d)', runSpanOption)
    .option('--json', 'print the report as JSON')
    .option('--expect-key <fingerprint...>', 'trust only runs signed by these key fingerprints (confirmed out of band) instead of signing.trustedKeys', listOption)
    .addHelpText('after', '\nExit codes: 0 verified, 1 a problem or a foreign object was found (each is named), 2 usage or configuration error.')
    .action(async (_opts: VerifyOptions, cmd: Command) => {
      const o = cmd.optsWithGlobals<VerifyOptions>();
      const selection = runSelection(o);
      const { config, log } = commandContext(o);
      const s = await openStore(config.store, { log });
      const required = o.requiredRetainUntil ? parseInstant(o.requiredRetainUntil, '--required-retain-until') : undefined;
      const { formatStoreReport, verifyStoredRuns } = await import('../../verify/store.js');
      const { resolveTrustPolicy } = await import('../../aws/trusted-keys.js');
      const trust = await resolveTrustPolicy(config, { ...(o.expectKey?.length ? { expectKeys: o.expectKey } : {}), log });
      const report = await verifyStoredRuns(s, selection, { trust, ...(required ? { requiredRetainUntil: required } : {}), ...(o.maxSealDelay !== undefined ? { maxSealDelayMs: o.maxSealDelay } : {}), ...(o.maxRunSpan !== undefined ? { maxRunSpanMs: o.maxRunSpan } : {}) });
      write(o.json ? JSON.stringify(report, null, 2) + '\n' : formatStoreReport(report));
      process.exitCode = report.ok ? ExitCode.ok : ExitCode.failure;
    });

  store
    .command('orphans')
    .description('List evidence bodies no sealed run names (harmless leftovers of interrupted runs and the bodies of refused seals)')
    .option('--expect-key <fingerprint...>', 'trust only refusal records signed by these key fingerprints (confirmed out of band) instead of signing.trustedKeys', listOption)
    .action(async (_opts: OrphansOptions, cmd: Command) => {
      const o = cmd.optsWithGlobals<OrphansOptions>();
      const { config, log } = commandContext(o);
      const s = await openStore(config.store, { log });
      // The list of a refused run's bodies that a trusted refusal record names is accounted for by that record.
      const { resolveTrustPolicy } = await import('../../aws/trusted-keys.js');
      const orphans = await findOrphans(s, () => resolveTrustPolicy(config, { ...(o.expectKey?.length ? { expectKeys: o.expectKey } : {}), log }));
      write(
        orphans.length === 0
          ? 'no orphaned evidence bodies\n'
          : `${orphans.length} orphaned evidence body(ies), harmless: written by runs interrupted before sealing or refused their seal, named by no sealed run (the list of a refused run's bodies that a trusted refusal record names is not listed: the record names it), never part of a package:\n${orphans.map((h) => `  ${terminalLine(h)}\n`).join('')}`,
      );
    });

  for (const action of ['hold', 'release'] as const) {
    program
      .command(action)
      .description(
        action === 'hold'
          ? "Place an S3 Object Lock legal hold on every object of the runs sealed in a period, and on the period's signed refusal records with their refused attempts' run folders (logged as a sealed legal-hold run)"
          : "Lift the legal hold from every object of the runs sealed in a period, and from the period's signed refusal records with their refused attempts' run folders (logged as a sealed legal-hold run)",
      )
      .requiredOption('--from <date>', 'first UTC date of the period (inclusive)')
      .requiredOption('--to <date>', 'last UTC date of the period (inclusive)')
      .option('--reason <text>', 'why (matter, ticket), recorded in the legal-hold evidence')
      .option('--by <name>', 'who asked for it, recorded in the legal-hold evidence')
      .option('--role-arn <arn>', 'assume this legal-hold role for the store calls and the signing key (the scheduled collector role may not place or lift holds); default: the credentials of this shell')
      .addHelpText('after', '\nRun it with the legal-hold role or your own credentials (AWS_PROFILE), not the scheduled task role: that role has no s3:PutObjectLegalHold.')
      .action(async (_opts: HoldOptions, cmd: Command) => {
        const o = cmd.optsWithGlobals<HoldOptions>();
        const period = parsePeriod(o.from, o.to);
        const { config, log } = commandContext(o);
        const credentials = await roleCredentials(o.roleArn, `evidence-locker-${action}`, 'evidence-locker-legal-hold');
        const s = await openStore(config.store, { log, ...(credentials ? { credentials } : {}) });
        await s.preflight();
        const { applyLegalHold } = await import('../../store/legal-hold.js');
        // The signer opens first (before any object is touched): its key is the default trusted key.
        const signer = s.kind === 's3' ? await openSigner(config, { log, ...(credentials ? { credentials } : {}) }) : undefined;
        const trust = signer ? await (await import('../../aws/trusted-keys.js')).resolveTrustPolicy(config, { signer, log }) : undefined;
        const outcome = await applyLegalHold(s, signer ?? (() => openSigner(config, { log, ...(credentials ? { credentials } : {}) })), {
          ...period,
          action: action as LegalHoldAction,
          ...(o.reason ? { reason: o.reason } : {}),
          ...(o.by ? { requestedBy: o.by } : {}),
          ...(trust ? { trust } : {}),
          log,
        });
        write(`${terminalLine(outcome.message)}\n`);
      });
  }
}

function runSelection(o: VerifyOptions): RunSelection {
  if (o.run && (o.from || o.to)) throw new ConfigError('store verify: give either --run <id> or --from <date> --to <date>, not both');
  if (o.run) return { runId: o.run };
  if (o.from && o.to) return parsePeriod(o.from, o.to);
  throw new ConfigError('store verify: give --run <id>, or --from <date> and --to <date>', 'e.g. evidence-locker store verify --from 2026-01-01 --to 2026-01-31');
}

function formatChecks(checks: PreflightCheck[]): string {
  return checks
    .map((c) => `  ${c.ok ? 'ok  ' : c.advisory ? 'note' : 'FAIL'} ${terminalLine(c.name)}: ${terminalLine(c.detail)}${!c.ok && c.fix ? `\n       fix: ${terminalLine(c.fix)}` : ''}\n`)
    .join('');
}
