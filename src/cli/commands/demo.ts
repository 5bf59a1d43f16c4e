import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigSchema } from '../../config/schema.js';
import { createLogger } from '../../log/logger.js';
import { loadCatalogs } from '../../controls/load.js';
import { openStore } from '../../store/open-store.js';
import { openSigner } from '../../aws/open-signer.js';
import { ExitCode, EvidenceLockerError } from '../../errors.js';
import type { GlobalOptions } from '../shared.js';

interface DemoOptions extends GlobalOptions {
  out: string;
}

/**
 * The whole pipeline on embedded defaults: a simulated AWS demo account on loopback (the unchanged SDK clients
 * reach it by endpoint override), a local evidence store, both frameworks packaged, the package verified.
 */
export async function runDemo(opts: { out: string; logLevel?: string; write?: (s: string) => void }): Promise<{ zipPath: string; reportPath: string; exitCode: number }> {
  const write = opts.write ?? ((s: string) => process.stdout.write(s));
  // The simulator (with the SDK operation schemas it serves), the collection engine, the package builder and the
  // verifier load only when the demo runs, not for every command of the CLI.
  const [
    { startSimulatedAws, simulatorEnv },
    { demoWorld, DEMO_ACCOUNT_ID, DEMO_REGIONS },
    { runCollection },
    { buildPackage },
    { verifyPackage },
    { extractPackageZip },
  ] = await Promise.all([
    import('../../simulator/server.js'),
    import('../../simulator/worlds/demo.js'),
    import('../../collect/run.js'),
    import('../../package/build.js'),
    import('../../verify/package.js'),
    import('../../verify/unzip.js'),
  ]);
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });
  const log = createLogger({ level: opts.logLevel ?? 'warn' });
  const sim = await startSimulatedAws({ world: demoWorld() });
  const saved = { ...process.env };
  try {
    // The demo account is reached exactly as a real one: SDK endpoint and credential settings from the environment.
    Object.assign(process.env, simulatorEnv(sim, DEMO_ACCOUNT_ID));
    const config = ConfigSchema.parse({
      organization: 'Demo Health & Payments, Inc.',
      regions: { list: [...DEMO_REGIONS], home: 'us-east-1' },
      store: { kind: 'local', path: join(out, 'evidence-store') },
      stateDir: join(out, '.evidence-locker'),
    });
    const catalogs = loadCatalogs(config.catalogDirs);
    const store = await openStore(config.store, { log });
    await store.preflight();
    const signer = await openSigner(config, { log });
    write(`Evidence Locker demo: simulated AWS account ${DEMO_ACCOUNT_ID} (${DEMO_REGIONS.join(', ')}) at ${sim.url}\n`);
    write(`signing key ${signer.keyId} (fingerprint ${await signer.fingerprint()})\n`);
    const started = Date.now();
    const run = await runCollection({ config, catalogs, store, signer, log });
    write(`collected run ${run.runId}: ${run.records} evidence records, ${run.errorRecords} errors, sealed (manifest sha256 ${run.manifestSha256?.slice(0, 16)}...)\n`);
    const day = run.runId.slice(0, 4) + '-' + run.runId.slice(4, 6) + '-' + run.runId.slice(6, 8);
    const pkg = await buildPackage({
      store,
      signer,
      catalogs,
      frameworks: config.frameworks,
      from: day,
      to: day,
      outDir: out,
      organization: config.organization,
      log,
    });
    const v = await verifyPackage(pkg.zipPath);
    if (!v.ok) {
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
        `  failed        ${n('fail')}`,
        `  needs review  ${n('needs-review')}`,
        `  gaps          ${n('not-collected')}   (evidence missing: never shown as pass)`,
        `  manual        ${n('manual')}   (evidence outside AWS APIs, for the assessor)`,
        `  n/a           ${n('not-applicable')}`,
        '',
        `package ${pkg.packageId} verified offline: ${v.checked.files} files, ${v.checked.records} evidence records, ${v.checked.runs} run(s) (${((Date.now() - started) / 1000).toFixed(1)} s)`,
        `report:  ${join(out, 'report.pdf')} (a copy of the one inside the package)`,
        `verify again with: evidence-locker verify ${pkg.zipPath}`,
        pkg.zipPath,
        '',
      ].join('\n'),
    );
    return { zipPath: pkg.zipPath, reportPath: join(out, 'report.pdf'), exitCode: ExitCode.ok };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await sim.close();
  }
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run the whole pipeline on a simulated AWS demo account and a local store; ends with a verified auditor package (no AWS account needed)')
    .option('--out <dir>', 'where the evidence store, keys and package go', './evidence-demo')
    .addHelpText('after', '\nThe last line printed is the path of the package zip.')
    .action(async (opts: DemoOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<DemoOptions>();
      const r = await runDemo({ out: opts.out, logLevel: g.logLevel });
      process.exitCode = r.exitCode;
    });
}
