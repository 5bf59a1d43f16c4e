import type { Command } from 'commander';
import { commandContext, listOption, accountIdsOption, checkOutputFolder, roleCredentials, runSpanOption, sealDelayOption, recordCountWords, type GlobalOptions } from '../shared.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import { loadExceptions } from '../../package/exceptions.js';
import { ConfigError } from '../../errors.js';
import { assertCanSign } from '../../seal/signer.js';
import { formatSpan } from '../../seal/trust.js';
import { registerVerifyCommand } from './verify.js';
import { registerAttestCommand } from './attest.js';
import { registerShareCommand } from './share.js';
import { terminalLine, terminalText } from '../../log/terminal.js';
import type { BuiltPackage } from '../../package/build.js';

interface PackageOptions extends GlobalOptions {
  framework?: string[];
  from: string;
  to: string;
  accounts?: string[];
  out: string;
  notesPages?: boolean;
  roleArn?: string;
  maxSealDelay?: number;
  maxRunSpan?: number;
}

/** Registers `package`, `verify`, `attest` and `share`. */
export function registerPackageCommands(program: Command): void {
  registerPackageCommand(program);
  registerVerifyCommand(program);
  registerAttestCommand(program);
  registerShareCommand(program);
}

/** SOURCE_DATE_EPOCH (seconds, the reproducible-builds convention) fixes the build time to rebuild a package byte for byte. */
function builtAtFromEnvironment(): Date | undefined {
  const v = process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,12}$/.test(v)) throw new ConfigError(`SOURCE_DATE_EPOCH: "${v}" is not a whole number of seconds since 1970-01-01 UTC`, 'unset it, or set it to the build time of the package to reproduce (e.g. 1767225600)');
  return new Date(Number(v) * 1000);
}

export function registerPackageCommand(program: Command): void {
  program
    .command('package')
    .description('Build the auditor package for a period: report.pdf, index.html, CSV, OSCAL, raw evidence, signed manifest and SHA256SUMS in one zip')
    .option('--framework <id...>', 'framework(s) to report on (default: config frameworks)', listOption)
    .requiredOption('--from <date>', 'first UTC day of the period, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last UTC day of the period, YYYY-MM-DD (inclusive)')
    .option('--accounts <ids...>', 'limit to these 12-digit account ids', accountIdsOption)
    .option('--out <dir>', 'folder for the package zip', '.')
    .option('--notes-pages', "add ruled assessor's-notes pages to report.pdf (default: one notes area per manual requirement)")
    .option('--role-arn <arn>', 'assume this role for the store and the signing key (with the deploy/ key policy only the collector and legal-hold roles may sign); default: the credentials of this shell')
    .option('--max-seal-delay <duration>', 'S3: the most time from the completion a run states to the store\'s write of its manifest and signature (S3 LastModified) before the run is listed as stored later than it claims, and the margin after its start within which a collection run\'s first write may fall on the next day (e.g. 90m, 2h, 1d; default 1h)', sealDelayOption)
    .option('--max-run-span <duration>', 'the most time a run may state it took, from its signed start to its signed completion, before it is named back-dated (e.g. 12h, 1d, 36h; at least 1m, default 1d); such a run is listed as stored later than it claims and its day is a gap', runSpanOption)
    .addHelpText('after', '\nThe last line printed is the path of the package zip.\nExit codes: 0 package written (gaps are shown inside it), 1 failure, 2 usage error (unknown framework or account, bad dates, no runs in the period).')
    .action(async (opts: PackageOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<PackageOptions>();
      const { config, log } = commandContext(g);
      checkOutputFolder('--out', opts.out);
      const catalogs = loadCatalogs(config.catalogDirs);
      const exceptions = config.exceptionsFile ? loadExceptions(config.exceptionsFile) : [];
      const credentials = await roleCredentials(g.roleArn, 'evidence-locker-package', 'evidence-locker-legal-hold');
      const store = await openStore(config.store, { log, ...(credentials ? { credentials } : {}) });
      const signer = await openSigner(config, { log, ...(credentials ? { credentials } : {}) });
      // Sign once before reading the period: a key that refuses this principal fails now, not after the whole build.
      await assertCanSign(signer, 'no package was built, since its manifest must be signed', 'build packages with --role-arn naming a role the signing key allows to sign (the collector or legal-hold role, deploy/README.md)');
      const { buildPackage } = await import('../../package/build.js');
      const { resolveTrustPolicy } = await import('../../aws/trusted-keys.js');
      const trust = await resolveTrustPolicy(config, { signer, log });
      const { resolveOrganizationalUnits } = await import('../../collect/organizational-units.js');
      const scope = await resolveOrganizationalUnits(config.scope, config, new Date(), { log });
      const pkg = await buildPackage({
        store,
        signer,
        trust,
        catalogs,
        frameworks: opts.framework?.length ? opts.framework : config.frameworks,
        from: opts.from,
        to: opts.to,
        accounts: opts.accounts,
        outDir: opts.out,
        organization: config.organization,
        parameterOverrides: config.parameters,
        scope,
        entity: config.entity,
        exceptions,
        notesPages: opts.notesPages,
        builtAt: builtAtFromEnvironment(),
        ...(opts.maxSealDelay !== undefined ? { maxSealDelayMs: opts.maxSealDelay } : {}),
        ...(opts.maxRunSpan !== undefined ? { maxRunSpanMs: opts.maxRunSpan } : {}),
        log,
      });
      process.stdout.write(packageReport(pkg));
    });
}

/**
 * What `package` prints. Record keys, run ids and paths come from the store or the command line: each is shown on
 * its one line by terminalLine (a line break in an S3 key as \u000a), so none starts a line that reads like a verdict.
 */
export function packageReport(pkg: Pick<BuiltPackage, 'packageId' | 'summary' | 'zipPath'>): string {
  const s = pkg.summary;
  const counts = Object.entries(s.statusCounts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return terminalText(
    `package ${pkg.packageId}\n` +
      `  ${s.frameworks.map(terminalLine).join(', ')}, ${s.period.from} to ${s.period.to}, ${s.accounts.length} account(s), ${s.runs} run(s), ${recordCountWords(s.records, s.readRecords, 'evidence record(s)')}\n` +
      `  results: ${counts}; ${s.gapDays} account-day gap(s)${s.missingShards ? `, ${s.missingShards} slot(s) with missing shards` : ''}\n` +
      `  foreign objects in the store: ${s.foreignObjects ? `${s.foreignObjects} (not evidence; listed in the report under "Foreign objects")` : 'none'}\n` +
      (s.runsWrittenLate ? `  WARNING: ${s.runsWrittenLate} run(s) stored later than they claim (S3 LastModified more than ${formatSpan(s.maxSealDelayMs)} after their completion, or a stated span over ${formatSpan(s.maxRunSpanMs)}): listed in the report under "Foreign objects"; run \`evidence-locker verify --store\` for each\n` : '') +
      (s.runsNotCredited ? `  WARNING: ${s.runsNotCredited} collection run(s) prove no collection on the day they claim (stored later than they claim, or over ${formatSpan(s.maxRunSpanMs)} from start to completion): those days count as gaps\n` : '') +
      s.refusalsNamingSealedRuns.map((c) => `  INVALID WHEN VERIFIED: refusal record ${terminalLine(c.record)} names run ${terminalLine(c.runId)}, a sealed run of this package, as a refused seal attempt: verify and verify.sh will call this package INVALID; find the CloudTrail Sign events of both (see the log above)\n`).join('') +
      `  signing key fingerprint ${terminalLine(s.keyFingerprint)}\n` +
      (s.runKeyFingerprints.length > 1 ? `  WARNING: the runs are signed by ${s.runKeyFingerprints.length} different keys: ${s.runKeyFingerprints.map(terminalLine).join(', ')}\n` : '') +
      (s.simulated ? '  SIMULATED \u2014 NOT EVIDENCE: runs collected from the simulated AWS are included\n' : '') +
      `${terminalLine(pkg.zipPath)}\n`,
  );
}
