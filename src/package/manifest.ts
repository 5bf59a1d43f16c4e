import { z } from 'zod';
import { canonicalBytes, canonicalJson } from '../seal/canonical.js';
import { sha256Hex } from '../evidence/hash.js';
import { objectPath, runFilePath, type RunFileName } from '../evidence/layout.js';
import type { RunManifest } from '../evidence/manifest.js';
import { isWrittenTime } from '../evidence/period.js';

export const PACKAGE_MANIFEST_SCHEMA = 'evidence-locker/package-manifest@1';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** One file of the package as the signed package manifest lists it. */
export const PackageFileSchema = z.object({ path: z.string(), sha256: Sha256, size: z.number().int().nonnegative() }).strict();
export type PackageFile = z.infer<typeof PackageFileSchema>;

/** A sealed run included in the package, by the SHA-256 of its manifest bytes exactly as the store holds them. */
export const PackageRunSchema = z
  .object({
    runId: z.string(),
    kind: z.string(),
    chain: z.string(),
    startedAt: z.string(),
    completedAt: z.string(),
    manifestSha256: Sha256,
    keyFingerprint: z.string(),
    keyId: z.string(),
    previous: z.object({ runId: z.string(), manifestSha256: Sha256 }).nullable(),
    shard: z.object({ index: z.number().int(), count: z.number().int(), slot: z.string() }).optional(),
  })
  .strict();
export type PackageRun = z.infer<typeof PackageRunSchema>;

/**
 * The `runs` entry of manifest.json for a sealed run: every field but `manifestSha256` restates the run's own signed
 * manifest, so verifiers compare the two field by field (the package key alone signs manifest.json).
 */
export function packageRunEntry(runId: string, manifestSha256: string, rm: Omit<RunManifest, 'records'>): PackageRun {
  return {
    runId,
    kind: rm.kind,
    chain: rm.chain,
    startedAt: rm.startedAt,
    completedAt: rm.completedAt,
    manifestSha256,
    keyFingerprint: rm.signing.keyFingerprint,
    keyId: rm.signing.keyId,
    previous: rm.previous,
    ...(rm.shard ? { shard: rm.shard } : {}),
  };
}

/**
 * What the evidence store held after the package's last run of a chain when the package was built: the next run of
 * that chain dated within the period (signed by a trusted key), or null when it held none (later runs dated after the
 * period are not looked for). Verifiers refuse a package whose chain continued inside its period beyond the runs it
 * holds.
 */
export const ChainEndSchema = z
  .object({
    chain: z.string(),
    lastRunId: z.string(),
    next: z.object({ runId: z.string(), startedAt: z.string(), manifestSha256: Sha256 }).strict().nullable(),
  })
  .strict();
export type ChainEnd = z.infer<typeof ChainEndSchema>;

export const MissingShardSchema = z.object({ slot: z.string(), count: z.number().int(), present: z.array(z.number().int()), missing: z.array(z.number().int()) }).strict();
export type MissingShard = z.infer<typeof MissingShardSchema>;

/**
 * Slots (one scheduled collection split over n shards) with fewer sealed shards than their count, from the runs'
 * own signed shard fields: the package lists them, and verify derives them again from the runs it holds.
 */
export function missingShards(runs: readonly { manifest: { shard?: { index: number; count: number; slot: string } } }[]): MissingShard[] {
  const slots = new Map<string, { count: number; present: Set<number> }>();
  for (const r of runs) {
    const s = r.manifest.shard;
    if (!s) continue;
    const slot = slots.get(s.slot) ?? { count: s.count, present: new Set<number>() };
    slot.count = Math.max(slot.count, s.count);
    slot.present.add(s.index);
    slots.set(s.slot, slot);
  }
  const out: MissingShard[] = [];
  for (const [slot, { count, present }] of [...slots].sort(([a], [b]) => a.localeCompare(b))) {
    const missing: number[] = [];
    for (let i = 1; i <= count; i++) if (!present.has(i)) missing.push(i);
    if (missing.length) out.push({ slot, count, present: [...present].sort((a, b) => a - b), missing });
  }
  return out;
}

/**
 * What the package's results (controls.csv, findings.csv, testing-procedures.csv, population.csv, summary.json and
 * the views rendered from them) were computed from, besides the sealed runs and bodies the package holds: the tool,
 * each catalog and procedure map (SHA-256 of its canonical JSON, whether it is the built-in one of that tool version,
 * and its copy in the package under `path`: packages built before built-in ones were embedded have none for those),
 * the parameter overrides, scope, exceptions register, declared entity type, trusted keys
 * and options.
 * `verify --recompute` evaluates the package's sealed evidence again with them. Absent in packages built before it was
 * recorded (they still verify; they cannot be recomputed).
 */
export const PackageEvaluationSchema = z
  .object({
    tool: z.object({ name: z.string(), version: z.string() }).strict(),
    /** `built-in`: the tool's own evaluation; `supplied-by-caller`: a program called buildPackage with its own (tests). */
    engine: z.enum(['built-in', 'supplied-by-caller']),
    organization: z.string(),
    frameworks: z.array(z.string()),
    period: z.object({ from: z.string(), to: z.string() }).strict(),
    accounts: z.array(z.string()),
    /** The accounts were chosen with `--accounts` (a subset of those the period's runs collected). */
    accountsSelected: z.boolean(),
    builtAt: z.string(),
    simulated: z.boolean(),
    catalogs: z.array(z.object({ framework: z.string(), version: z.string(), sha256: Sha256, builtIn: z.boolean(), path: z.string().optional() }).strict()),
    procedureMaps: z.array(z.object({ framework: z.string(), sha256: Sha256, builtIn: z.boolean(), path: z.string().optional() }).strict()),
    parameterOverrides: z.record(z.string(), z.unknown()),
    scope: z.record(z.string(), z.unknown()),
    exceptions: z.array(z.unknown()),
    /** The entity type declared per framework (config `entity:`); absent when none was declared. */
    entity: z.record(z.string(), z.unknown()).optional(),
    trustedKeys: z.array(z.string()),
    notesPages: z.boolean(),
    /**
     * The checks against back-dated runs the build made (summary.json `backDatingChecks`): whether the store's write
     * times were compared, and `package --max-seal-delay` and `--max-run-span`. Absent before they were recorded.
     * `bodyWriteTimesChecked`: whether the store's write time of every object each collection run seals (its evidence
     * bodies and run files) was compared with the start file that dated the run, at build, by whoever built the package
     * (the package holds no store write times: no verifier of the package can repeat it). Absent before it was recorded.
     */
    backDatingChecks: z.object({ writeTimesChecked: z.boolean(), bodyWriteTimesChecked: z.boolean().optional(), maxSealDelayMs: z.number(), maxRunSpanMs: z.number() }).strict().optional(),
    /**
     * Collection runs the build found to prove no day (S3 write times, or a signed span over `maxRunSpanMs`): their
     * days are gaps. Recorded because the store's write times are not in the package; absent before it was recorded.
     */
    runsNotCredited: z.array(z.object({ runId: z.string(), day: z.string(), why: z.string() }).strict()).optional(),
    /**
     * S3 only: run folders holding a collection's start file and no sealed run, the start file written (LastModified)
     * in the period (summary.json `period.unsealedStarts`). Recorded because the store's listing is not in the package;
     * absent for a local store and before it was recorded.
     */
    unsealedStarts: z.array(z.object({ runId: z.string(), key: z.string(), versionId: z.string().optional(), writtenAt: z.string().optional() }).strict()).optional(),
  })
  .strict();
export type PackageEvaluation = z.infer<typeof PackageEvaluationSchema>;

/**
 * The day from which evidence-locker records `evaluation` (and `evaluationId`) in every package it builds. A package
 * built on or after it (`builtAt`), or holding a run completed on or after it (`generatedAt`, the completion of its last
 * run, signed by that run's key), that records no `evaluation` had it taken out: both verifiers refuse it. Older
 * packages still verify, their ids named as not recomputed.
 */
export const EVALUATION_RECORDED_FROM = '2026-12-07';

/** Why a package manifest without `evaluation` cannot be one of an evidence-locker that did not record it, or undefined. */
export function evaluationTakenOut(m: Pick<PackageManifest, 'evaluation' | 'builtAt' | 'generatedAt'>): string | undefined {
  if (m.evaluation) return undefined;
  if (m.builtAt !== undefined && m.builtAt >= EVALUATION_RECORDED_FROM) return `built ${m.builtAt} (builtAt)`;
  if (m.generatedAt >= EVALUATION_RECORDED_FROM) return `holding runs up to ${m.generatedAt} (generatedAt)`;
  return undefined;
}

/**
 * The day from which every package records when it was built (`builtAt`, first written on 2026-12-03, so a package built
 * that day by an earlier version may lack it): one holding a run completed on or after it (`generatedAt`, the completion
 * of its last run, signed by that run's key) that records none had it taken out. Both verifiers refuse it.
 */
export const BUILD_TIME_RECORDED_FROM = '2026-12-04';

/**
 * How far a package's build time may precede the completion of its last run, the collector's clock and the builder's
 * differing: verifiers warn within it and refuse beyond it, and `package` refuses to build beyond it.
 */
export const BUILD_CLOCK_SKEW_MS = 15 * 60_000;

/**
 * What is wrong with a package manifest's build time (`builtAt`), given the completion of the last run it holds
 * (`lastCompletedAt`): absent where every package records it, not a time as evidence-locker writes it, or before that
 * completion (a package is built after the runs it holds). `problem` false: before it by no more than
 * BUILD_CLOCK_SKEW_MS (a warning). The report's build time, and whether the period had ended then, follow `builtAt`.
 */
export function buildTimeProblem(m: Pick<PackageManifest, 'builtAt' | 'generatedAt'>, lastCompletedAt: string): { problem: boolean; message: string } | undefined {
  const again = 'obtain the package again from the organisation';
  if (m.builtAt === undefined) {
    if (m.generatedAt < BUILD_TIME_RECORDED_FROM) return undefined;
    return { problem: true, message: `records no build time ("builtAt"), yet holds runs up to ${m.generatedAt} (generatedAt), on or after ${BUILD_TIME_RECORDED_FROM}, since when evidence-locker records it in every package: it was taken out, so when the package was built, and whether its period had ended then, cannot be told; ${again}` };
  }
  if (!isWrittenTime(m.builtAt)) return { problem: true, message: `builtAt ${JSON.stringify(m.builtAt)} is not a time as evidence-locker writes it (YYYY-MM-DDTHH:MM:SS.sssZ); ${again}` };
  const early = Date.parse(lastCompletedAt) - Date.parse(m.builtAt);
  if (!(early > 0)) return undefined;
  if (early > BUILD_CLOCK_SKEW_MS) {
    return { problem: true, message: `builtAt ${m.builtAt} is before ${lastCompletedAt}, the completion of the last run the package holds: a package is built after the runs it holds, so manifest.json, signed by the package key alone, misstates when it was built (the report's build time, and whether the period had ended then, follow it); ${again}` };
  }
  return { problem: false, message: `builtAt ${m.builtAt} is ${Math.ceil(early / 1000)} s before ${lastCompletedAt}, the completion of the last run the package holds: within the ${BUILD_CLOCK_SKEW_MS / 60_000} min by which the clocks of the collector and of the machine that built the package may differ; confirm with the organisation that it was built after its last run` };
}

/**
 * The package manifest (`manifest.json`): what the package covers and every file in it with its SHA-256.
 * Its own SHA-256 is the package id; `manifest.sig` is a detached signature over its exact bytes.
 */
export const PackageManifestSchema = z
  .object({
    schema: z.literal(PACKAGE_MANIFEST_SCHEMA),
    organization: z.string(),
    frameworks: z.array(z.object({ id: z.string(), name: z.string(), version: z.string() }).strict()),
    period: z.object({ from: z.string(), to: z.string() }).strict(),
    accounts: z.array(z.string()),
    regions: z.array(z.string()),
    /** Taken from the data (the last included run), never the wall clock, so rebuilding gives the same bytes. */
    generatedAt: z.string(),
    /** When the package was built (wall clock, or SOURCE_DATE_EPOCH for a reproducible rebuild). */
    builtAt: z.string().optional(),
    /** True when any included run was collected from the simulated AWS (the demo): such a package is not evidence. */
    simulated: z.boolean().optional(),
    /** SHA-256 of the evidence set (frameworks, period, accounts, runs, exceptions); printed on the report cover. */
    contentId: Sha256,
    /** SHA-256 of the canonical JSON of `evaluation`; printed on the report cover beside the evidence set id. */
    evaluationId: Sha256.optional(),
    evaluation: PackageEvaluationSchema.optional(),
    tool: z.object({ name: z.string(), version: z.string() }).strict(),
    runs: z.array(PackageRunSchema),
    /** Per chain, what followed the package's last run in the store at build time (absent in packages built before it was recorded). */
    chainEnds: z.array(ChainEndSchema).optional(),
    missingShards: z.array(MissingShardSchema),
    summary: z.record(z.string(), z.number()),
    signing: z.object({ algorithm: z.string(), keyFingerprint: z.string(), keyId: z.string() }).strict(),
    files: z.array(PackageFileSchema),
  })
  .strict();
export type PackageManifest = z.infer<typeof PackageManifestSchema>;

/** What the evidence set id (`contentId`) is computed from. */
export interface EvidenceSet {
  organization: string;
  /** Framework ids, in the package's order. */
  frameworks: string[];
  period: { from: string; to: string };
  accounts: string[];
  /** Every run the package holds, in manifest.json's order, by the SHA-256 of its manifest. */
  runs: { runId: string; manifestSha256: string }[];
  /** The exceptions register as configured (not the states computed for the period). */
  exceptions: unknown[];
  scope?: Record<string, unknown>;
  entity?: Record<string, unknown>;
}

/** The evidence set id printed on the report cover (`contentId`): SHA-256 of the canonical JSON of the evidence set. */
export function evidenceSetId(e: EvidenceSet): string {
  const some = (r: Record<string, unknown> | undefined) => r !== undefined && Object.keys(r).length > 0;
  return sha256Hex(
    canonicalBytes({
      organization: e.organization,
      frameworks: e.frameworks,
      period: e.period,
      accounts: e.accounts,
      runs: e.runs.map((r) => [r.runId, r.manifestSha256]),
      exceptions: e.exceptions,
      ...(some(e.scope) ? { scope: e.scope } : {}),
      ...(some(e.entity) ? { entity: e.entity } : {}),
    }),
  );
}

/** The evaluation inputs id printed on the report cover (`evaluationId`): SHA-256 of the canonical JSON of `evaluation`. */
export function evaluationInputsId(evaluation: PackageEvaluation): string {
  return sha256Hex(canonicalBytes(evaluation));
}

/**
 * The evidence set id of what a package manifest describes: its organisation, frameworks, period, accounts and runs,
 * with the exceptions register, scope and entity its `evaluation` records. Undefined when it records no `evaluation`
 * (packages built before it was recorded): the register and scope the id covers are then not in the package.
 */
export function manifestEvidenceSetId(m: PackageManifest): string | undefined {
  const ev = m.evaluation;
  if (!ev) return undefined;
  return evidenceSetId({
    organization: m.organization,
    frameworks: m.frameworks.map((f) => f.id),
    period: m.period,
    accounts: m.accounts,
    runs: m.runs,
    exceptions: ev.exceptions,
    scope: ev.scope,
    ...(ev.entity ? { entity: ev.entity } : {}),
  });
}

/** Readable and deterministic: canonical key order, two-space indentation, final newline. */
export function packageManifestBytes(m: PackageManifest): Buffer {
  return Buffer.from(JSON.stringify(JSON.parse(canonicalJson(m)), null, 2) + '\n', 'utf8');
}

/** Fixed names at the top of every package. */
export const PACKAGE_FILES = {
  manifest: 'manifest.json',
  signature: 'manifest.sig',
  publicKey: 'public-key.pem',
  sums: 'SHA256SUMS',
  sumsSignature: 'SHA256SUMS.sig',
  verifyScript: 'verify.sh',
  verifyGuide: 'VERIFY.md',
  report: 'report.pdf',
  html: 'index.html',
  controlsCsv: 'controls.csv',
  evidenceCsv: 'evidence-index.csv',
  oscal: 'oscal/assessment-results.json',
  proceduresCsv: 'testing-procedures.csv',
  findingsCsv: 'findings.csv',
  populationCsv: 'population.csv',
  summary: 'summary.json',
} as const;

/** Package path of an evidence body. */
export function evidencePath(sha256: string): string {
  return `evidence/${objectPath(sha256)}`;
}

/** Package path of a sealed run's file: the store's own layout. */
export function runPath(runId: string, file: RunFileName): string {
  return runFilePath(runId, file);
}

/** Attached attestation documents keep their content address; the original name follows for people. */
export function attestationPath(sha256: string, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '').slice(0, 80) || 'document';
  return `attestations/${sha256}-${safe}`;
}

/**
 * The bytes of `packageManifestBytes({ ...m, files })`, produced piece by piece so a package of many files never
 * holds its file list as one object tree or one string. `files` must be in byte order of path.
 */
export function* packageManifestChunks(m: Omit<PackageManifest, 'files'>, files: Iterable<PackageFile>): Generator<string> {
  const whole = packageManifestBytes({ ...m, files: [] }).toString('utf8');
  // A JSON string cannot hold a raw newline, so this line can only be the structural "files" member (depth 1).
  const marker = '\n  "files": [],\n';
  const at = whole.indexOf(marker);
  if (at < 0 || whole.indexOf(marker, at + 1) >= 0) throw new Error('package manifest layout: "files" member not found once');
  let chunk = whole.slice(0, at) + '\n  "files": [';
  let first = true;
  for (const f of files) {
    chunk += `${first ? '' : ','}\n    {\n      "path": ${JSON.stringify(f.path)},\n      "sha256": ${JSON.stringify(f.sha256)},\n      "size": ${JSON.stringify(f.size)}\n    }`;
    first = false;
    if (chunk.length >= 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + (first ? ']' : '\n  ]') + whole.slice(at + marker.length - 2);
}
