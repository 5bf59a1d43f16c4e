import { describe, it, expect, beforeAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync, renameSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { verifyPackage, verifyPackageDir } from '../../src/verify/package.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from '../package/fixtures.js';
import { sealAttestation } from '../../src/package/attest.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { VERIFY_SCRIPT } from '../../src/package/verify-script.js';
import { runVerifyShAsync } from '../support/verify-sh.js';

/** Seeded PRNG (mulberry32): the same mutations on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, p));
    else out.push(p);
  }
  return out.sort();
}

interface Mutation {
  label: string;
  /** Files a correct verifier must name. */
  expectNamed: string[];
  apply(dir: string): void;
}

describe('tamper suite: every mutation of a package is detected and named', () => {
  let base: string;
  let zipPath: string;
  let files: string[];
  let signer: LocalEd25519Signer;

  beforeAll(async () => {
    const store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-tamper-'));
    // Small on purpose (5 runs, an attestation with a document): each of the mutations copies and verifies it.
    signer = await sealDays(store, standardDays());
    writeFileSync(join(tmp, 'doc.txt'), 'Log review minutes, March 2026\n');
    await sealAttestation({ store, signer, catalogs: [TEST_CATALOG], framework: 'test-fw', requirement: '2.2', by: 'J. Doe', note: 'Reviews done', file: join(tmp, 'doc.txt'), at: new Date('2026-03-02T09:00:00Z') });
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    zipPath = pkg.zipPath;
    base = join(tmp, 'base');
    await extractPackageZip(zipPath, base);
    files = listFiles(base);
  }, 240_000);

  it('the untouched package verifies', async () => {
    const v = await verifyPackageDir(base);
    expect(v.problems).toEqual([]);
  });

  function mutations(count: number, seed: number): Mutation[] {
    const r = rng(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
    const runDirs = [...new Set(files.filter((f) => f.startsWith('runs/')).map((f) => f.split('/').slice(0, 2).join('/')))];
    const important = ['manifest.json', 'manifest.sig', 'public-key.pem', 'SHA256SUMS', 'report.pdf', 'index.html', 'controls.csv', 'oscal/assessment-results.json'];
    const out: Mutation[] = [];
    for (let i = 0; out.length < count; i++) {
      const kind = i % 9;
      if (kind === 0 || kind === 1) {
        // Flip one byte: evidence bodies and run manifests/signatures as often as top-level files.
        const pool = kind === 0 ? files.filter((f) => f.startsWith('evidence/') || f.startsWith('runs/') || f.startsWith('attestations/')) : important;
        const f = pick(pool);
        const at = r();
        const bit = 1 << Math.floor(r() * 8);
        out.push({
          label: `flip a bit in ${f}`,
          expectNamed: f === 'SHA256SUMS' ? [] : [f],
          apply: (d) => {
            const b = readFileSync(join(d, f));
            b[Math.floor(at * b.length)] ^= bit;
            writeFileSync(join(d, f), b);
          },
        });
      } else if (kind === 2) {
        const f = pick(files);
        out.push({ label: `delete ${f}`, expectNamed: [f], apply: (d) => rmSync(join(d, f)) });
      } else if (kind === 3) {
        const where = pick(['', 'evidence/objects/sha256/00/', 'runs/', 'oscal/', 'attestations/']);
        const name = `${where}extra-${Math.floor(r() * 1e6)}.json`;
        out.push({ label: `add ${name}`, expectNamed: [name], apply: (d) => (mkdirSync(dirname(join(d, name)), { recursive: true }), writeFileSync(join(d, name), '{}')) });
      } else if (kind === 4) {
        const f = pick(files);
        const to = `${f}.renamed`;
        out.push({ label: `rename ${f}`, expectNamed: [f, to], apply: (d) => renameSync(join(d, f), join(d, to)) });
      } else if (kind === 5) {
        // Edit manifest.json (as a person would: change a value) and fix SHA256SUMS to match.
        const field = pick(['organization', 'generatedAt', 'period', 'accounts', 'files']);
        out.push({
          label: `edit manifest.json ${field} (SHA256SUMS updated)`,
          expectNamed: ['manifest.sig'],
          apply: (d) => {
            const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
            if (field === 'organization') m.organization += ' Ltd';
            else if (field === 'generatedAt') m.generatedAt = '2027-01-01T00:00:00.000Z';
            else if (field === 'period') m.period.from = '2025-01-01';
            else if (field === 'accounts') m.accounts.pop();
            else m.files.pop();
            const bytes = Buffer.from(JSON.stringify(m, null, 2) + '\n');
            writeFileSync(join(d, 'manifest.json'), bytes);
            resum(d, 'manifest.json', bytes);
          },
        });
      } else if (kind === 6) {
        // Swap two runs: the chain order inside the package changes.
        const a = pick(runDirs);
        let b = pick(runDirs);
        while (b === a) b = pick(runDirs);
        out.push({
          label: `swap ${a} and ${b}`,
          expectNamed: [`${a}/manifest.json`, `${b}/manifest.json`],
          apply: (d) => {
            renameSync(join(d, a), join(d, `${a}.tmp`));
            renameSync(join(d, b), join(d, a));
            renameSync(join(d, `${a}.tmp`), join(d, b));
          },
        });
      } else if (kind === 7) {
        // Replace an evidence body with other content and make both checksum lists agree with it where unsigned.
        const f = pick(files.filter((x) => x.startsWith('evidence/')));
        out.push({
          label: `replace ${f} (SHA256SUMS updated)`,
          expectNamed: [f],
          apply: (d) => {
            const bytes = Buffer.from(readFileSync(join(d, f), 'utf8').replace(/"region":"/, '"region":"x'));
            writeFileSync(join(d, f), bytes);
            resum(d, f, bytes);
          },
        });
      } else {
        // Drop a whole run from the package and from SHA256SUMS.
        const a = pick(runDirs);
        out.push({
          label: `remove ${a} entirely (SHA256SUMS updated)`,
          expectNamed: [`${a}/manifest.json`],
          apply: (d) => {
            rmSync(join(d, a), { recursive: true });
            const sums = readFileSync(join(d, 'SHA256SUMS'), 'utf8').split('\n').filter((l) => !l.includes(`  ${a}/`)).join('\n');
            writeFileSync(join(d, 'SHA256SUMS'), sums);
          },
        });
      }
    }
    return out;
  }

  function resum(d: string, path: string, bytes: Buffer): void {
    const sums = readFileSync(join(d, 'SHA256SUMS'), 'utf8').replace(new RegExp(`^[0-9a-f]{64}  ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `${sha256Hex(bytes)}  ${path}`);
    writeFileSync(join(d, 'SHA256SUMS'), sums);
  }

  it('detects 225 seeded mutations, naming the file each time; verify.sh pinned to the package key fails on each', async () => {
    const list = mutations(225, 20260427);
    const work = mkdtempSync(join(tmpdir(), 'el-tamper-work-'));
    // The published verify.sh (the tool's own copy), run against each folder: a mutation may alter the package's copy.
    const script = join(work, 'published-verify.sh');
    writeFileSync(script, VERIFY_SCRIPT);
    const fp = await signer.fingerprint();
    const missed: string[] = [];
    const table: [string, number, number][] = new Array(list.length);
    const check = async (i: number) => {
      const m = list[i];
      const d = join(work, String(i));
      cpSync(base, d, { recursive: true });
      m.apply(d);
      // verify.sh runs in its own processes while this one verifies the same folder.
      const running = runVerifyShAsync(d, [fp], 'sh', script);
      const v = await verifyPackageDir(d);
      const named = new Set(v.problems.map((p) => p.path));
      const namesAll = m.expectNamed.every((f) => named.has(f) || [...named].some((n) => n.startsWith(`${f}/`) || f.startsWith(`${n}/`)));
      if (v.ok || !namesAll) missed.push(`${m.label}: ok=${v.ok} problems=${JSON.stringify(v.problems.slice(0, 4))}`);
      const sh = await running;
      if (sh.code !== 1) missed.push(`${m.label}: verify.sh exit ${sh.code}\n${sh.out}`);
      table[i] = [m.label, v.ok ? 0 : 1, sh.code];
      rmSync(d, { recursive: true, force: true });
    };
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < list.length) await check(next++);
    }));
    const width = Math.max(...table.map((r) => r[0].length));
    console.log(
      [`${'mutation'.padEnd(width)}  verify exit  verify.sh exit`, ...table.map(([label, a, b]) => `${label.padEnd(width)}  ${String(a).padStart(11)}  ${String(b).padStart(14)}`), `${table.length} mutations; verify failed ${table.filter((r) => r[1] !== 0).length}, verify.sh failed ${table.filter((r) => r[2] !== 0).length}`].join('\n'),
    );
    expect(missed).toEqual([]);
    expect(table.length).toBeGreaterThanOrEqual(60);
    // Hang protection only: 225 runs of verify.sh take minutes of CPU, and far longer on a loaded machine.
  }, 3_600_000);

  it('reads SHA256SUMS and the manifest file list in any order, and names a line listed twice', async () => {
    // sha256sum -c does not care about line order; neither does verify (it walks both lists alongside the sorted
    // file list and looks a path up only when the order differs).
    const d = mkdtempSync(join(tmpdir(), 'el-tamper-order-'));
    cpSync(base, d, { recursive: true });
    const lines = readFileSync(join(d, 'SHA256SUMS'), 'utf8').split('\n').filter(Boolean);
    const shuffled = [...lines].sort((a, b) => (sha256Hex(Buffer.from(a)) < sha256Hex(Buffer.from(b)) ? -1 : 1));
    expect(shuffled).not.toEqual(lines);
    // Re-signed with the package key: only the order differs from what the builder signed.
    const resign = async (text: string) => (writeFileSync(join(d, 'SHA256SUMS'), text), writeFileSync(join(d, 'SHA256SUMS.sig'), await signer.sign(Buffer.from(text))));
    await resign(shuffled.join('\n') + '\n');
    const v = await verifyPackageDir(d);
    expect(v.problems).toEqual([]);
    expect(v.checked.files).toBe(files.length);

    const dup = lines[Math.floor(lines.length / 2)];
    await resign([...shuffled, dup].join('\n') + '\n');
    const twice = await verifyPackageDir(d);
    expect(twice.ok).toBe(false);
    expect(twice.problems).toEqual([{ path: 'SHA256SUMS', message: `line ${lines.length + 1}: ${dup.slice(66)} is listed twice` }]);
    rmSync(d, { recursive: true, force: true });
  });

  it('detects tampering inside the zip itself', async () => {
    const work = mkdtempSync(join(tmpdir(), 'el-tamper-zip-'));
    const original = readFileSync(zipPath);
    // Truncation at several points: always an error, never a pass.
    for (const cut of [0.1, 0.5, 0.9, 0.999]) {
      const p = join(work, `cut-${cut}.zip`);
      writeFileSync(p, original.subarray(0, Math.floor(original.length * cut)));
      await expect(verifyPackage(p)).rejects.toThrow(/truncated or corrupt|corrupt/);
    }
    // Byte flips spread over the file data: a CRC, size or hash check catches each.
    const r = rng(7);
    let detected = 0;
    const flips = 30;
    for (let i = 0; i < flips; i++) {
      const p = join(work, `flip-${i}.zip`);
      const b = Buffer.from(original);
      // Stay inside the local entries (before the central directory, roughly the first 90%) and off the headers' timestamps.
      const at = Math.floor(r() * original.length * 0.9);
      b[at] ^= 0x55;
      writeFileSync(p, b);
      const v = await verifyPackage(p).catch(() => ({ ok: false }));
      if (!v.ok) detected++;
    }
    // A flip may land on a header field that does not change content (e.g. a timestamp); the large majority hit data.
    expect(detected).toBeGreaterThanOrEqual(flips * 0.8);
    expect(statSync(zipPath).size).toBe(original.length);
  }, 240_000);
});
