import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigSchema } from '../../config/schema.js';
import { createLogger } from '../../log/logger.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import { ExitCode, EvidenceLockerError } from '../../errors.js';
import { checkOutputFolder, recordCountWords, type GlobalOptions } from '../shared.js';

interface DemoOptions extends GlobalOptions {
  out: string;
  days: number;
}

/** Longest demo period: a year and a day, enough to see every period feature of a package. */
const MAX_DEMO_DAYS = 366;

/**
 * The whole pipeline on embedded defaults: a simulated AWS demo account on loopback (the unchanged SDK clients
 * reach it by endpoint override), a local evidence store, both frameworks packaged, the package verified.
 */
export async function runDemo(opts: { out: string; logLevel?: string; days?: number; write?: (s: string) => void }): Promise<{ zipPath: string; reportPath: string; exitCode: number; runs: number }> {
  const write = opts.write ?? ((s: string) => process.stdout.write(s));
  const days = opts.days ?? 1;
  // The simulator (with the SDK operation schemas it serves), the collection engine, the package builder and the
  // verifier load only when the demo runs, not for every command of the CLI.
  const [
    { startSimulatedAws, simulatorEnv },
    { demoWorld, DEMO_ACCOUNT_ID, DEMO_REGIONS },
    { demoSchedule, demoWorldOn },
    { runCollection },
    { buildPackage },
    { verifyPackage },
    { extractPackageZip },
    { DEMO_SCOPE, DEMO_ENTITY },
    { SimulatedClock },
    { RateLimiterRegistry },
  ] = await Promise.all([
    import('../../simulator/server.js'),
    import('../../simulator/worlds/demo.js'),
    import('../../simulator/worlds/demo-history.js'),
    import('../../collect/run.js'),
    import('../../package/build.js'),
    import('../../verify/package.js'),
    import('../../verify/unzip.js'),
    import('../../simulator/worlds/demo-scope.js'),
    import('../../simulator/clock.js'),
    import('../../aws/rate-limit.js'),
  ]);
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const log = createLogger({ level: opts.logLevel ?? 'warn' });
  const saved = { ...process.env };
  try {
    const config = ConfigSchema.parse({
      organization: 'Demo Health & Payments, Inc.',
      regions: { list: [...DEMO_REGIONS], home: 'us-east-1' },
      store: { kind: 'local', path: join(out, 'evidence-store') },
      stateDir: join(out, '.evidence-locker'),
      scope: DEMO_SCOPE,
      entity: DEMO_ENTITY,
    });
    const catalogs = loadCatalogs(config.catalogDirs);
    const store = await openStore(config.store, { log });
    await store.preflight();
    const signer = await openSigner(config, { log });
    write(`Evidence Locker demo: simulated AWS account ${DEMO_ACCOUNT_ID} (${DEMO_REGIONS.join(', ')})${days > 1 ? `, ${days} days of history` : ''}\n`);
    write(`signing key ${signer.keyId} (fingerprint ${await signer.fingerprint()})\n`);
    const started = Date.now();
    const schedule = demoSchedule(days, new Date());
    const runIds: string[] = [];
    for (const day of schedule) {
      const date = day.at.toISOString().slice(0, 10);
      if (!day.collected) {
        write(`${date}  no collection ran (a missed day: the package must show it as a gap)\n`);
        continue;
      }
      // One day: today's demo account as is. A period: each day's account as it stood then, collected at that day's time.
      const { world, changes } = days === 1 ? { world: demoWorld(), changes: [] } : demoWorldOn(day);
      // A past day runs on the simulated account's own clock: quota waits move that clock on instead of sleeping.
      const clock = days === 1 ? undefined : new SimulatedClock(day.at);
      if (clock) world.now = () => clock.date();
      const sim = await startSimulatedAws({ world });
      try {
        // The demo account is reached exactly as a real one: SDK endpoint and credential settings from the environment.
        Object.assign(process.env, simulatorEnv(sim, DEMO_ACCOUNT_ID));
        // The collector shares the simulated account's clock, so the run is dated on its day.
        const dayClock = clock ? { now: () => clock.date(), rateLimits: new RateLimiterRegistry(undefined, clock) } : {};
        // The demo started the simulator itself, so it knows (rather than guesses) that this run is not evidence.
        const run = await runCollection({ config, catalogs, store, signer, log, simulated: true, ...dayClock });
        runIds.push(run.runId);
        write(
          days === 1
            ? `collected run ${run.runId} from the simulated account at ${sim.url}: ${recordCountWords(run.records, run.readRecords)}, ${run.errorRecords} errors, sealed (manifest sha256 ${run.manifestSha256?.slice(0, 16)}...)\n`
            : `${date}  run ${run.runId}: ${run.records} records, ${run.errorRecords} errors${changes.length ? `; that day: ${changes.join(', ')}` : ''}\n`,
        );
      } finally {
        await sim.close();
      }
    }
    const dayOf = (runId: string) => runId.slice(0, 4) + '-' + runId.slice(4, 6) + '-' + runId.slice(6, 8);
    const from = schedule[0].at.toISOString().slice(0, 10);
    const to = dayOf(runIds[runIds.length - 1]);
    const pkg = await buildPackage({
      store,
      signer,
      catalogs,
      frameworks: config.frameworks,
      from: days === 1 ? to : from,
      to,
      outDir: out,
      organization: config.organization,
      scope: config.scope,
      entity: config.entity,
      simulated: true,
      log,
    });
    // Pinned to the key the demo signed with, as an assessor would pin the fingerprint the organisation confirmed.
    const fingerprint = await signer.fingerprint();
    // And with the results re-derived from the sealed evidence, so the quick start shows what `--recompute` proves.
    const v = await verifyPackage(pkg.zipPath, { expectedKeys: [fingerprint], recompute: true });
    if (!v.ok || !v.recompute?.ran) {
      throw new EvidenceLockerError(`the demo package failed verification: ${v.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    }
    // Put the report beside the zip so a newcomer can open it straight away.
    const scratch = mkdtempSync(join(tmpdir(), 'evidence-locker-demo-'));
    try {
      await extractPackageZip(pkg.zipPath, scratch);
      copyFileSync(join(scratch, 'report.pdf'), join(out, 'report.pdf'));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const c = pkg.summary.statusCounts;
    const n = (k: string) => c[k] ?? 0;
    write(
      [
        '',
        `Result per requirement and account (${config.frameworks.join(' + ')}):`,
        `  passed        ${n('pass')}`,
        `  AWS portion   ${n('aws-portion-satisfied')}   (partial requirements: AWS checks passed, the rest not tested; never a pass)`,
        `  failed        ${n('fail')}`,
        `  needs review  ${n('needs-review')}`,
        `  gaps          ${n('not-collected')}   (evidence missing: never shown as pass)`,
        `  manual        ${n('manual')}   (evidence outside AWS APIs, or AWS checks that test none of its procedures: for the assessor)`,
        `  n/a           ${n('not-applicable')}`,
        '',
        `package ${pkg.packageId} verified offline: ${v.checked.files} files, ${v.checked.records} evidence records, ${v.checked.runs} run(s)${days > 1 ? ` over ${days} days from ${from} to ${to}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        `results recomputed from the sealed evidence with the evaluation inputs manifest.json records: identical (${v.recompute.compared.join(', ')})`,
        'marked SIMULATED \u2014 NOT EVIDENCE (manifest.json, report cover, index.html, VERIFY.md, OSCAL metadata, a simulated column in every CSV): its evidence comes from the simulated account',
        `report:  ${join(out, 'report.pdf')} (a copy of the one inside the package)`,
        `verify again with: evidence-locker verify ${pkg.zipPath} --expect-key ${fingerprint} --recompute`,
        '  (--expect-key pins the signing key: without it VALID only means the package is internally consistent;',
        '   --recompute evaluates the evidence again: without it the results are the builder\'s statement)',
        pkg.zipPath,
        '',
      ].join('\n'),
    );
    return { zipPath: pkg.zipPath, reportPath: join(out, 'report.pdf'), exitCode: ExitCode.ok, runs: runIds.length };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole pipeline on a simulated AWS demo account and a local store; ends with a verified auditor package (no AWS account needed)')
    .option('--out <dir>', 'where the evidence store, keys and package go', './evidence-demo')
    .option('--days <n>', `days of history to simulate and package (1 to ${MAX_DEMO_DAYS}): each day's account as it stood then, with changes and one missed day`, parseDays, 1)
    .addHelpText('after', '\nThe last line printed is the path of the package zip.')
    .action(async (opts: DemoOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<DemoOptions>();
      checkOutputFolder('--out', opts.out);
      const r = await runDemo({ out: opts.out, logLevel: g.logLevel, days: opts.days });
      process.exitCode = r.exitCode;
    });
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_DEMO_DAYS) throw new InvalidArgumentError(`--days must be a whole number from 1 to ${MAX_DEMO_DAYS} (got "${value}")`);
  return n;
}
