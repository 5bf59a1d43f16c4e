import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sha256Hex } from '../../src/evidence/hash.js';
import { evidencePath, manifestEvidenceSetId, type PackageManifest } from '../../src/package/manifest.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import type { ManifestSigner } from '../../src/seal/signer.js';
import { resignSums } from './verify-sh.js';

/** The parts of an unzipped package's manifest.json these helpers rewrite. */
export interface EditableManifest {
  runs: Record<string, unknown>[];
  files: { path: string; sha256: string; size: number }[];
  signing: Record<string, string>;
}

/**
 * Rewrites manifest.json (signing key, runs, files) the way a builder would and signs it with `by`; the evidence set
 * id (`contentId`) follows the runs as a builder's would, unless `edit` sets it.
 */
export async function remanifest(d: string, by: ManifestSigner, edit: (m: EditableManifest) => void = () => undefined): Promise<void> {
  const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
  m.signing = { algorithm: by.algorithm, keyFingerprint: await by.fingerprint(), keyId: by.keyId };
  const before = m.contentId;
  edit(m);
  if (m.contentId === before) m.contentId = manifestEvidenceSetId(m as PackageManifest) ?? m.contentId;
  m.files.sort((a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const bytes = Buffer.from(JSON.stringify(m, null, 2) + '\n');
  writeFileSync(join(d, 'manifest.json'), bytes);
  writeFileSync(join(d, 'manifest.sig'), await by.sign(bytes));
  writeFileSync(join(d, 'public-key.pem'), await by.publicKeyPem());
}

/**
 * A run manifest's bytes replaced (signed by `by`), with manifest.json's hashes and SHA256SUMS following; `edit`
 * changes manifest.json further before it is signed. A later run linking to the old manifest hash is not followed.
 */
export async function replaceRunManifest(d: string, by: ManifestSigner, runId: string, bytes: Buffer, edit: (m: EditableManifest) => void = () => undefined): Promise<void> {
  writeFileSync(join(d, 'runs', runId, 'manifest.json'), bytes);
  writeFileSync(join(d, 'runs', runId, 'manifest.sig'), await by.sign(bytes));
  const sig = readFileSync(join(d, 'runs', runId, 'manifest.sig'));
  await remanifest(d, by, (m) => {
    Object.assign(m.runs.find((r) => r.runId === runId)!, { manifestSha256: sha256Hex(bytes) });
    Object.assign(m.files.find((f) => f.path === `runs/${runId}/manifest.json`)!, { sha256: sha256Hex(bytes), size: bytes.length });
    Object.assign(m.files.find((f) => f.path === `runs/${runId}/manifest.sig`)!, { sha256: sha256Hex(sig), size: sig.length });
    edit(m);
  });
  await resignSums(d, by);
}

/**
 * One record's evidence body replaced by `bytes` in an unzipped package, and everything that names it signed again by
 * `by`, as a holder of the signing key could: the body stored under its own hash, the record's hash and size in the
 * run manifest (canonical JSON, signed), manifest.json's file and run lists (signed), SHA256SUMS (signed). Hashes and
 * signatures all check out afterwards. The run must be the last of its chain in the package (a later run's link to
 * its manifest hash is not rewritten), and no other record may share the old body. Returns the new body's path.
 */
export async function replaceBody(d: string, by: ManifestSigner, runId: string, recordId: string, bytes: Buffer): Promise<string> {
  const runManifest = JSON.parse(readFileSync(join(d, 'runs', runId, 'manifest.json'), 'utf8')) as { records: { recordId: string; sha256: string; size: number }[] };
  const rec = runManifest.records.find((r) => r.recordId === recordId)!;
  const oldPath = evidencePath(rec.sha256);
  const newPath = evidencePath(sha256Hex(bytes));
  rmSync(join(d, oldPath));
  mkdirSync(dirname(join(d, newPath)), { recursive: true });
  writeFileSync(join(d, newPath), bytes);
  Object.assign(rec, { sha256: sha256Hex(bytes), size: bytes.length });
  await replaceRunManifest(d, by, runId, canonicalBytes(runManifest), (m) => {
    Object.assign(m.files.find((f) => f.path === oldPath)!, { path: newPath, sha256: sha256Hex(bytes), size: bytes.length });
  });
  return newPath;
}

/** Package files (path in the package to new bytes) written, with manifest.json's hashes and SHA256SUMS following, signed by `by`. */
export async function replacePackageFiles(d: string, by: ManifestSigner, files: Record<string, Buffer>): Promise<void> {
  for (const [path, bytes] of Object.entries(files)) {
    chmodSync(join(d, ...path.split('/')), 0o644);
    writeFileSync(join(d, ...path.split('/')), bytes);
  }
  await remanifest(d, by, (m) => {
    for (const [path, bytes] of Object.entries(files)) Object.assign(m.files.find((f) => f.path === path)!, { sha256: sha256Hex(bytes), size: bytes.length });
  });
  await resignSums(d, by);
}

/** findings.csv of an unzipped package as builds before summary revision 7 wrote it: without its last column, `severity_raised` (as it is, when it has none). */
export function findingsCsvBeforeRevision7(d: string): Buffer {
  const text = readFileSync(join(d, 'findings.csv'), 'utf8');
  const header = text.slice(0, text.indexOf('\r\n'));
  if (!header.endsWith(',severity_raised')) return Buffer.from(text, 'utf8');
  return Buffer.from(text.split('\r\n').map((l) => (l ? l.slice(0, l.lastIndexOf(',')) : l)).join('\r\n'), 'utf8');
}

/**
 * summary.json as `change` leaves it, with manifest.json and SHA256SUMS signed again by `by`: what an earlier build (fewer
 * fields, `earlierBuild`: with findings.csv as builds before revision 7 wrote it too) or the package key's holder leaves.
 */
export async function rewriteSummary<S = Record<string, unknown>>(d: string, by: ManifestSigner, change: (s: S) => void, opts: { earlierBuild?: boolean } = {}): Promise<void> {
  const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as S;
  change(s);
  await replacePackageFiles(d, by, { 'summary.json': Buffer.from(JSON.stringify(s, null, 1) + '\n', 'utf8'), ...(opts.earlierBuild ? { 'findings.csv': findingsCsvBeforeRevision7(d) } : {}) });
}
