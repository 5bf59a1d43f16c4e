import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { Catalog } from '../controls/schema.js';
import type { Config } from '../config/schema.js';
import type { EvaluateRunInput } from '../evaluate/engine.js';
import type { ControlResult } from '../evaluate/types.js';
import { ConfigError, EvidenceLockerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { canonicalBytes } from '../seal/canonical.js';
import { sha256Hex } from '../seal/hash.js';
import type { ManifestSigner } from '../seal/signer.js';
import type { EvidenceStore } from '../store/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { controlsCsv, evidenceCsvChunks } from './csv.js';
import { exceptionStates, type ExceptionEntry } from './exceptions.js';
import { gatherRuns, missingShards, parsePeriod, type IncludedRun } from './gather.js';
import { renderIndexHtml, DEFAULT_HTML_BODY_BUDGET } from './html.js';
import {
  PACKAGE_FILES,
  PACKAGE_MANIFEST_SCHEMA,
  attestationPath,
  evidencePath,
  packageManifestBytes,
  runPath,
  type PackageFile,
  type PackageManifest,
} from './manifest.js';
import { statusCounts, type PackageModel } from './model.js';
import { renderOscal } from './oscal.js';
import { renderReportPdf } from './pdf.js';
import { buildTimeline, loadVerifiedBody } from './timeline.js';
import { verifyGuide } from './verify-guide.js';
import { compareCodeUnits, writeDeterministicZip, type ZipSource } from './zip.js';

export interface BuildPackageOptions {
  store: EvidenceStore;
  signer: ManifestSigner;
  catalogs: Catalog[];
  frameworks: string[];
  /** First and last UTC day of the period, YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  /** Restrict to these accounts (each must appear in a run of the period). Default: every account collected. */
  accounts?: string[];
  outDir: string;
  organization?: string;
  parameterOverrides?: Config['parameters'];
  exceptions?: ExceptionEntry[];
  /** Zip file name; default `evidence-package_<frameworks>_<from>_<to>.zip`. */
  fileName?: string;
  htmlBodyBudget?: number;
  /** The evaluation engine (default evaluateRun). */
  evaluate?: (input: EvaluateRunInput) => Promise<ControlResult[]>;
  log?: Logger;
}

export interface PackageSummary {
  frameworks: string[];
  period: { from: string; to: string };
  accounts: string[];
  runs: number;
  attestationRuns: number;
  records: number;
  evidenceFiles: number;
  files: number;
  bytes: number;
  statusCounts: Record<string, number>;
  gapDays: number;
  missingShards: number;
  keyFingerprint: string;
  generatedAt: string;
}

export interface BuiltPackage {
  zipPath: string;
  /** SHA-256 of manifest.json. */
  packageId: string;
  summary: PackageSummary;
}

/**
 * Builds the auditor package for a period: gathers every sealed run, evaluates the requirements per day,
 * renders the report, HTML, CSV and OSCAL views, copies run manifests and evidence bodies byte for byte,
 * writes and signs the package manifest, and zips it deterministically. Nothing is written outside `outDir`;
 * the zip appears under its final name only when complete.
 */
export async function buildPackage(opts: BuildPackageOptions): Promise<BuiltPackage> {
  const period = parsePeriod(opts.from, opts.to);
  const frameworks = [...new Set(opts.frameworks)];
  if (!frameworks.length) throw new ConfigError('no framework given', 'pass --framework with one of the catalog ids (see `evidence-locker controls list`)');
  const catalogs = frameworks.map((id) => {
    const c = opts.catalogs.find((x) => x.framework === id);
    if (!c) throw new ConfigError(`unknown framework "${id}"`, `use one of: ${opts.catalogs.map((x) => x.framework).join(', ') || '(no catalogs loaded)'}`);
    return c;
  });

  const { periodRuns, attestationRuns } = await gatherRuns(opts.store, period);
  const collectionRuns = periodRuns.filter((r) => r.manifest.kind === 'collection');
  const where = opts.store.describe().location;
  if (!collectionRuns.length) {
    throw new ConfigError(`no sealed collection runs between ${period.from} and ${period.to} in the evidence store ${where}`, 'choose a period in which `evidence-locker collect` ran, or run a collection first');
  }
  const collected = [...new Set(collectionRuns.flatMap((r) => r.manifest.scope.accounts))].sort();
  let accounts = collected;
  if (opts.accounts?.length) {
    for (const a of opts.accounts) {
      if (!collected.includes(a)) throw new ConfigError(`account ${a} has no sealed collection run between ${period.from} and ${period.to}`, `accounts collected in the period: ${collected.join(', ')}`);
    }
    accounts = [...new Set(opts.accounts)].sort();
  }
  const accountSet = new Set(accounts);
  const regions = [...new Set(collectionRuns.flatMap((r) => r.manifest.scope.regions))].sort();
  const allRuns = [...periodRuns, ...attestationRuns];
  const generatedAt = allRuns.reduce((m, r) => (r.manifest.completedAt > m ? r.manifest.completedAt : m), '');
  const exceptions = exceptionStates(opts.exceptions ?? [], period.to);
  const organization = opts.organization ?? 'Example Organization';

  const contentId = sha256Hex(
    canonicalBytes({ organization, frameworks, period, accounts, runs: allRuns.map((r) => [r.runId, r.manifestSha256]), exceptions: opts.exceptions ?? [] }),
  );

  const baseName = opts.fileName ?? `evidence-package_${frameworks.join('+')}_${period.from}_${period.to}.zip`;
  if (baseName.includes('/') || baseName.includes('\\') || baseName.startsWith('.')) throw new ConfigError(`package file name "${baseName}" must be a plain file name`);
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const zipPath = join(outDir, baseName);
  // Only generated files that can grow with the record count are staged on disk; evidence streams from the store.
  const staging = join(outDir, `.${baseName}.staging-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });

  try {
    const files: PackageFile[] = [];
    const sources = new Map<string, ZipSource>();
    const put = async (path: string, bytes: Buffer) => {
      sources.set(path, { buffer: bytes });
      files.push({ path, sha256: sha256Hex(bytes), size: bytes.length });
    };

    // Sealed runs, byte for byte as the store holds them.
    for (const run of allRuns) {
      await put(runPath(run.runId, 'manifest.json'), run.manifestBytes);
      await put(runPath(run.runId, 'manifest.sig'), run.signature);
      await put(runPath(run.runId, 'public-key.pem'), Buffer.from(run.publicKeyPem, 'utf8'));
    }

    // Evidence bodies are content-addressed: the signed run manifests already give each one's SHA-256 and size.
    // They are fetched when the zip reaches them and checked against that address then.
    const fetchChecked = (sha: string, what: string) => async () => {
      const bytes = await opts.store.getObject(sha);
      const actual = sha256Hex(bytes);
      if (actual !== sha) {
        throw new EvidenceLockerError(`${what} ${sha} in the evidence store hashes to ${actual}: the stored object was altered`, {
          hint: 'do not package from this store until the object is investigated; `evidence-locker verify --store` lists every damaged object',
        });
      }
      return bytes;
    };
    const written = new Set<string>();
    const attestationFiles = new Map<string, string>();
    let records = 0;
    for (const run of allRuns) {
      const isAttestation = run.manifest.kind === 'attestation';
      for (const rec of run.manifest.records) {
        if (!isAttestation && !accountSet.has(rec.accountId)) continue;
        records++;
        if (written.has(rec.sha256)) continue;
        written.add(rec.sha256);
        const path = evidencePath(rec.sha256);
        sources.set(path, { size: rec.size, fetch: fetchChecked(rec.sha256, `evidence record ${rec.recordId} of run ${run.runId}:`) });
        files.push({ path, sha256: rec.sha256, size: rec.size });
        if (!isAttestation) continue;
        const file = (await loadVerifiedBody(opts.store, rec.sha256)).body.attestation?.file;
        if (file && !attestationFiles.has(file.sha256)) {
          const p = attestationPath(file.sha256, file.name);
          sources.set(p, { size: file.size, fetch: fetchChecked(file.sha256, `attestation document ${file.name}:`) });
          files.push({ path: p, sha256: file.sha256, size: file.size });
          attestationFiles.set(file.sha256, p);
          attestationFiles.set(rec.sha256, p);
        }
      }
    }
    opts.log?.info({ runs: allRuns.length, records, bodies: written.size }, 'package: evidence copied');

    const timeline = await buildTimeline({
      store: opts.store,
      catalogs: opts.catalogs,
      frameworks,
      accounts,
      period,
      periodRuns,
      attestationRuns,
      parameterOverrides: opts.parameterOverrides,
      exceptions,
      evaluate: opts.evaluate,
    });

    const publicKeyPem = await opts.signer.publicKeyPem();
    const signing = { algorithm: opts.signer.algorithm, keyFingerprint: await opts.signer.fingerprint(), keyId: opts.signer.keyId };
    const runKeys = uniqueKeys([...allRuns.map((r) => r.manifest.signing), signing]);
    const model: PackageModel = {
      organization,
      frameworks: catalogs,
      period,
      accounts,
      regions,
      generatedAt,
      contentId,
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      signing,
      runKeys,
      runs: periodRuns,
      attestationRuns,
      timeline,
      exceptions,
      missingShards: missingShards(periodRuns),
      stores: allRuns.map((r) => r.manifest.store),
      storeDescription: opts.store.describe(),
      attestationFiles,
    };

    await put(PACKAGE_FILES.controlsCsv, controlsCsv(timeline.rows, period.to));
    const csvFile = await streamToStaging(staging, PACKAGE_FILES.evidenceCsv, evidenceCsvChunks(allRuns, accountSet));
    files.push(csvFile);
    sources.set(PACKAGE_FILES.evidenceCsv, { file: join(staging, ...PACKAGE_FILES.evidenceCsv.split('/')) });
    await put(PACKAGE_FILES.oscal, renderOscal(model));
    await put(PACKAGE_FILES.report, await renderReportPdf(model));
    await put(PACKAGE_FILES.html, await renderIndexHtml(model, (sha) => fetchChecked(sha, 'evidence record')(), opts.htmlBodyBudget ?? DEFAULT_HTML_BODY_BUDGET));
    await put(PACKAGE_FILES.verifyGuide, Buffer.from(verifyGuide(model), 'utf8'));
    await put(PACKAGE_FILES.publicKey, Buffer.from(publicKeyPem, 'utf8'));

    const counts = statusCounts(model);
    const manifest: PackageManifest = {
      schema: PACKAGE_MANIFEST_SCHEMA,
      organization,
      frameworks: catalogs.map((c) => ({ id: c.framework, name: c.name, version: c.version })),
      period,
      accounts,
      regions,
      generatedAt,
      contentId,
      tool: model.tool,
      runs: allRuns.map(packageRun),
      missingShards: model.missingShards,
      summary: { records, evidenceFiles: written.size, ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`status.${k}`, v])) },
      signing,
      files: [...files].sort((a, b) => compareCodeUnits(a.path, b.path)),
    };
    const manifestBytes = packageManifestBytes(manifest);
    const packageId = sha256Hex(manifestBytes);
    await put(PACKAGE_FILES.manifest, manifestBytes);
    await put(PACKAGE_FILES.signature, await opts.signer.sign(manifestBytes));

    const sums = [...files].sort((a, b) => compareCodeUnits(a.path, b.path)).map((f) => `${f.sha256}  ${f.path}\n`).join('');
    await put(PACKAGE_FILES.sums, Buffer.from(sums, 'utf8'));

    await writeDeterministicZip(sources, zipPath, generatedAt);
    const bytes = files.reduce((n, f) => n + f.size, 0);
    return {
      zipPath,
      packageId,
      summary: {
        frameworks,
        period,
        accounts,
        runs: periodRuns.length,
        attestationRuns: attestationRuns.length,
        records,
        evidenceFiles: written.size,
        files: files.length,
        bytes,
        statusCounts: counts,
        gapDays: timeline.rows.reduce((n, r) => n + r.gapDays.length, 0),
        missingShards: model.missingShards.length,
        keyFingerprint: signing.keyFingerprint,
        generatedAt,
      },
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function packageRun(r: IncludedRun): PackageManifest['runs'][number] {
  return {
    runId: r.runId,
    kind: r.manifest.kind,
    chain: r.manifest.chain,
    startedAt: r.manifest.startedAt,
    completedAt: r.manifest.completedAt,
    manifestSha256: r.manifestSha256,
    keyFingerprint: r.manifest.signing.keyFingerprint,
    keyId: r.manifest.signing.keyId,
    previous: r.manifest.previous,
    ...(r.manifest.shard ? { shard: r.manifest.shard } : {}),
  };
}

function uniqueKeys(keys: { algorithm: string; keyFingerprint: string; keyId: string }[]): PackageModel['runKeys'] {
  const m = new Map<string, PackageModel['runKeys'][number]>();
  for (const k of keys) if (!m.has(k.keyFingerprint)) m.set(k.keyFingerprint, { keyFingerprint: k.keyFingerprint, keyId: k.keyId, algorithm: k.algorithm });
  return [...m.values()].sort((a, b) => compareCodeUnits(a.keyFingerprint, b.keyFingerprint));
}

/** Writes generated text to the staging folder chunk by chunk, hashing as it goes. */
async function streamToStaging(staging: string, path: string, chunks: Iterable<string>): Promise<PackageFile> {
  const abs = join(staging, ...path.split('/'));
  await mkdir(dirname(abs), { recursive: true });
  const out = createWriteStream(abs);
  const hash = createHash('sha256');
  let size = 0;
  for (const chunk of chunks) {
    const b = Buffer.from(chunk, 'utf8');
    hash.update(b);
    size += b.length;
    if (!out.write(b)) await new Promise<void>((r) => out.once('drain', r));
  }
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
  return { path, sha256: hash.digest('hex'), size };
}
