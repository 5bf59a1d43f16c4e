import { describe, it, expect, beforeAll } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import { VERIFY_SCRIPT, VERIFY_SCRIPT_SHA256 } from '../../src/package/verify-script.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { canonicalBytes } from '../../src/seal/canonical.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { BUILD_CLOCK_SKEW_MS, BUILD_TIME_RECORDED_FROM, EVALUATION_RECORDED_FROM, evaluationInputsId, evidencePath, manifestEvidenceSetId, type PackageEvaluation, type PackageManifest } from '../../src/package/manifest.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';
import { SHELLS, resignSums, runVerifySh } from '../support/verify-sh.js';
import { remanifest, replaceBody, replaceRunManifest } from '../support/resign-package.js';
import { sealAttestation } from '../../src/package/attest.js';

describe('verify.sh: the standard-tools check shipped in every package', () => {
  let base: string;
  let signer: LocalEd25519Signer;
  let fp: string;
  let attacker: LocalEd25519Signer;
  let foreign: { runId: string; manifest: Buffer; signature: Buffer; publicKeyPem: string; bodies: Map<string, Buffer> };

  beforeAll(async () => {
    const store = new MemoryStore();
    signer = await sealDays(store, standardDays());
    fp = await signer.fingerprint();
    // The insider's run: a fresh key, linked to the latest genuine run, account 2 made compliant.
    attacker = LocalEd25519Signer.open(mkdtempSync(join(tmpdir(), 'el-attacker-key-')));
    const side = new MemoryStore();
    for (const [k, v] of store.runs) side.runs.set(k, v);
    await sealDays(side, [{ day: '2026-03-05', hour: 3, encrypted: { '111111111111': true, '222222222222': true } }], attacker);
    const runId = [...side.runs.keys()].find((k) => !store.runs.has(k))!;
    const run = side.runs.get(runId)!;
    foreign = { runId, manifest: run.manifest, signature: run.signature, publicKeyPem: run.publicKeyPem, bodies: side.objects };
    const tmp = mkdtempSync(join(tmpdir(), 'el-verify-sh-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    base = join(tmp, 'base');
    await extractPackageZip(pkg.zipPath, base);
  }, 240_000);

  const runIds = () => readdirSync(join(base, 'runs')).sort();

  /** The package re-signed end to end by `by`: new public key, new manifest and signature, new SHA256SUMS and signature. */
  async function resignAll(d: string, by: LocalEd25519Signer, opts: { runs?: boolean } = {}): Promise<void> {
    if (opts.runs) {
      for (const r of readdirSync(join(d, 'runs'))) {
        writeFileSync(join(d, 'runs', r, 'public-key.pem'), await by.publicKeyPem());
        writeFileSync(join(d, 'runs', r, 'manifest.sig'), await by.sign(readFileSync(join(d, 'runs', r, 'manifest.json'))));
      }
    }
    await remanifest(d, by);
    await resignSums(d, by);
  }

  /**
   * The package forged end to end by `by`, as anyone holding only the package could: every run manifest's signing
   * fields and chain links rewritten (canonical JSON) and signed, manifest.json's file and run lists recomputed and
   * signed, SHA256SUMS likewise. Internally consistent; only a pinned key tells it from the genuine one.
   */
  async function forgeAll(d: string, by: LocalEd25519Signer): Promise<void> {
    const signing = { algorithm: by.algorithm, keyFingerprint: await by.fingerprint(), keyId: by.keyId };
    const shaOf = new Map<string, string>();
    for (const r of runIds()) {
      const rm = JSON.parse(readFileSync(join(d, 'runs', r, 'manifest.json'), 'utf8'));
      rm.signing = signing;
      if (rm.previous && shaOf.has(rm.previous.runId)) rm.previous.manifestSha256 = shaOf.get(rm.previous.runId);
      const bytes = canonicalBytes(rm);
      shaOf.set(r, sha256Hex(bytes));
      writeFileSync(join(d, 'runs', r, 'manifest.json'), bytes);
      writeFileSync(join(d, 'runs', r, 'manifest.sig'), await by.sign(bytes));
      writeFileSync(join(d, 'runs', r, 'public-key.pem'), await by.publicKeyPem());
    }
    writeFileSync(join(d, 'public-key.pem'), await by.publicKeyPem());
    await remanifest(d, by, (m) => {
      for (const f of m.files) {
        const bytes = readFileSync(join(d, f.path));
        Object.assign(f, { sha256: sha256Hex(bytes), size: bytes.length });
      }
      for (const run of m.runs) {
        const rm = JSON.parse(readFileSync(join(d, 'runs', run.runId as string, 'manifest.json'), 'utf8'));
        Object.assign(run, { manifestSha256: shaOf.get(run.runId as string), keyFingerprint: signing.keyFingerprint, keyId: signing.keyId, previous: rm.previous });
      }
    });
    await resignSums(d, by);
  }

  /** Puts the insider's run into the package folder, listed in manifest.json like any other run. */
  function addForeignRun(d: string): (m: { runs: Record<string, unknown>[]; files: { path: string; sha256: string; size: number }[] }) => void {
    const dir = join(d, 'runs', foreign.runId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), foreign.manifest);
    writeFileSync(join(dir, 'manifest.sig'), foreign.signature);
    writeFileSync(join(dir, 'public-key.pem'), foreign.publicKeyPem);
    const added: { path: string; sha256: string; size: number }[] = [];
    for (const [sha, bytes] of foreign.bodies) {
      const p = evidencePath(sha);
      mkdirSync(join(d, p, '..'), { recursive: true });
      writeFileSync(join(d, p), bytes);
      added.push({ path: p, sha256: sha, size: bytes.length });
    }
    for (const f of ['manifest.json', 'manifest.sig', 'public-key.pem']) {
      const bytes = readFileSync(join(dir, f));
      added.push({ path: `runs/${foreign.runId}/${f}`, sha256: sha256Hex(bytes), size: bytes.length });
    }
    const rm = JSON.parse(foreign.manifest.toString('utf8'));
    return (m) => {
      const have = new Set(m.files.map((f) => f.path));
      m.files.push(...added.filter((f) => !have.has(f.path)));
      m.runs.push({ runId: rm.runId, kind: rm.kind, chain: rm.chain, startedAt: rm.startedAt, completedAt: rm.completedAt, manifestSha256: sha256Hex(foreign.manifest), keyFingerprint: rm.signing.keyFingerprint, keyId: rm.signing.keyId, previous: rm.previous });
    };
  }

  // The genuine package checked with the genuine key, once per shell: several tests read that one output (never written to).
  const genuineRuns = new Map<string, { code: number; out: string }>();
  const genuineOutput = (shell = 'sh') => genuineRuns.get(shell) ?? genuineRuns.set(shell, runVerifySh(base, [fp], shell)).get(shell)!;

  const copy = () => {
    const d = mkdtempSync(join(tmpdir(), 'el-verify-sh-m-'));
    cpSync(base, d, { recursive: true });
    return d;
  };

  it.each(SHELLS)('passes the genuine package with %s and the genuine key', (shell) => {
    const r = genuineOutput(shell);
    expect(r.out).toContain('RESULT: VALID');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`package id (SHA-256 of manifest.json): ${sha256Hex(readFileSync(join(base, 'manifest.json')))}`);
    expect(r.out).toMatch(/5 run\(s\) signed by pinned keys; 4 chain link\(s\) hold/);
    // It checks the folder, not the zip, and says so beside the verdict (a zip hiding local entries is refused by the tool only).
    expect(r.out).toMatch(/RESULT: VALID: .*\n {2}\(in this folder as it was unzipped, not in the zip file: .*\n.*refused only by evidence-locker verify <zip>\)/);
    if (process.env.SHOW_VERIFY_SH) console.log(r.out);
  });

  it('is the same file in every package, with the published SHA-256', () => {
    expect(readFileSync(join(base, 'verify.sh'), 'utf8')).toBe(VERIFY_SCRIPT);
    expect(sha256Hex(readFileSync(join(base, 'verify.sh')))).toBe(VERIFY_SCRIPT_SHA256);
    expect(readFileSync(join(base, 'VERIFY.md'), 'utf8')).toContain(VERIFY_SCRIPT_SHA256);
    // The README publishes it, so an assessor can compare a package's copy with it before running it.
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8').includes(VERIFY_SCRIPT_SHA256), `README.md names verify.sh SHA-256 ${VERIFY_SCRIPT_SHA256}`).toBe(true);
  });

  it.each(SHELLS)('was: an awk program that stopped with an error skipped its check and the result could still read VALID; now any awk error makes it INVALID, naming it (%s)', (shell) => {
    // An awk that fails on its n-th program, as an awk that cannot run a program does (a message, status 2).
    const calls = (n: number) => {
      const bin = mkdtempSync(join(tmpdir(), 'el-awk-'));
      const count = join(bin, 'count');
      writeFileSync(count, '0');
      const realAwk = spawnSync('sh', ['-c', 'command -v awk'], { encoding: 'utf8' }).stdout.trim();
      writeFileSync(
        join(bin, 'awk'),
        `#!/bin/sh\nc=$(($(cat '${count}') + 1)); echo "$c" > '${count}'\nif [ "$c" -eq ${n} ]; then echo "awk: syntax error at source line 1" >&2; exit 2; fi\nexec '${realAwk}' "$@"\n`,
        { mode: 0o755 },
      );
      const r = spawnSync(shell, ['verify.sh', '--key', fp], { cwd: base, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
      return { code: r.status, out: `${r.stdout}${r.stderr}`, total: Number(readFileSync(count, 'utf8')) };
    };
    const all = calls(0);
    expect(all.out).toContain('RESULT: VALID');
    expect(all.total).toBeGreaterThan(20);
    for (const n of [1, Math.ceil(all.total / 2), all.total]) {
      const r = calls(n);
      expect(r.out, `awk failing on program ${n} of ${all.total}`).not.toContain('RESULT: VALID');
      expect(r.out).toMatch(/FAIL {2}awk stopped with an error 1 time\(s\), so the check\(s\) it ran did not run \(its messages are on standard error; the first: status 2: awk: syntax error at source line 1\)/);
      expect(r.out).toContain('awk: syntax error at source line 1');
      expect(r.code).toBe(1);
    }
  }, 240_000);

  it('refuses usage errors with exit 2 and a key that is not pinned with exit 1', () => {
    const none = runVerifySh(base, []);
    expect(none.code).toBe(2);
    expect(none.out).toMatch(/no --key given.*pinned/s);
    expect(runVerifySh(base, ['not-a-fingerprint']).code).toBe(2);
    const other = runVerifySh(base, ['0'.repeat(64)]);
    expect(other.code).toBe(1);
    expect(other.out).toContain(`package key ${fp} (public-key.pem) is not a pinned key`);
    // Fingerprints are accepted in upper case and with colons, as some tools print them.
    expect(runVerifySh(base, [fp.toUpperCase().replace(/(..)(?!$)/g, '$1:')]).code).toBe(0);
  });

  it('fails on an edited file whose SHA256SUMS line was regenerated', () => {
    const d = copy();
    const csv = readFileSync(join(d, 'controls.csv'), 'utf8').replace(/,fail,/g, ',pass,');
    writeFileSync(join(d, 'controls.csv'), csv);
    const sums = readFileSync(join(d, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]{64} {2}controls\.csv$/m, `${sha256Hex(Buffer.from(csv))}  controls.csv`);
    writeFileSync(join(d, 'SHA256SUMS'), sums);
    const r = runVerifySh(d, [fp]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('SHA256SUMS.sig does not verify over SHA256SUMS');
  });

  it('refuses a run folder the signed manifest.json does not list (an empty one, as a zip directory entry extracts), as `verify` refuses the entry', async () => {
    const d = copy();
    const extra = '20260306T020000Z-000006';
    mkdirSync(join(d, 'runs', extra));
    for (const shell of SHELLS) {
      const r = runVerifySh(d, [fp], shell);
      expect(r.out).toContain(`FAIL  runs/${extra}: run folder not listed in the signed manifest.json`);
      expect(r.out).not.toContain(`runs/${extra}: manifest.json, manifest.sig or public-key.pem is missing`);
      expect(r.code, `${shell}: ${r.out}`).toBe(1);
    }
    // A complete run folder left out of manifest.json's runs (SHA256SUMS re-signed by the genuine key) is refused too.
    const e = copy();
    cpSync(join(e, 'runs', runIds()[0]), join(e, 'runs', extra), { recursive: true });
    await resignSums(e, signer);
    const r = runVerifySh(e, [fp]);
    expect(r.out).toContain(`FAIL  runs/${extra}: run folder not listed in the signed manifest.json`);
    expect(r.code).toBe(1);
    expect((await verifyPackageDir(e, { expectedKeys: [fp] })).problems).toContainEqual({ path: `runs/${extra}`, message: 'run folder not listed in manifest.json' });
  });

  it('refuses a run manifest with "previous" given twice, whichever copy is the genuine link: both verifiers name the key', async () => {
    const r = runIds()[3];
    const text = readFileSync(join(base, 'runs', r, 'manifest.json'), 'utf8');
    const genuine = /"previous":(\{[^}]*\})/.exec(text)![1];
    const forged = JSON.stringify({ manifestSha256: sha256Hex(readFileSync(join(base, 'runs', runIds()[1], 'manifest.json'))), runId: runIds()[1] });
    // JSON.parse keeps the last "previous", verify.sh's field reader the first: each variant fooled one of them.
    for (const [first, last] of [[genuine, forged], [forged, genuine]]) {
      const d = copy();
      await replaceRunManifest(d, signer, r, Buffer.from(text.replace(`"previous":${genuine}`, `"previous":${first},"previous":${last}`)));
      const v = await verifyPackageDir(d, { expectedKeys: [fp] });
      expect(v.ok).toBe(false);
      expect(v.problems).toContainEqual({ path: `runs/${r}/manifest.json`, message: expect.stringMatching(/^key "previous" appears twice in the top-level object: parsers disagree on which value counts/) });
      for (const shell of SHELLS) {
        const sh = runVerifySh(d, [fp], shell);
        expect(sh.out).toContain(`FAIL  runs/${r}/manifest.json: key "previous" appears twice`);
        expect(sh.code, `${shell}: ${sh.out}`).toBe(1);
      }
    }
  });

  it('refuses a package manifest with a key given twice, or bytes that are not its one serialisation, naming the file and key', async () => {
    const d = copy();
    const text = readFileSync(join(base, 'manifest.json'), 'utf8');
    // The top-level key (the last at two spaces: manifest.json's "evaluation" names the organisation too).
    const org = [...text.matchAll(/^ {2}"organization": .*\n/gm)].at(-1)!;
    const bytes = Buffer.from(text.slice(0, org.index! + org[0].length) + '  "organization": "Somebody Else, Inc.",\n' + text.slice(org.index! + org[0].length));
    writeFileSync(join(d, 'manifest.json'), bytes);
    writeFileSync(join(d, 'manifest.sig'), await signer.sign(bytes));
    await resignSums(d, signer);
    const v = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
    expect(v.manifest).toBeUndefined();
    expect(v.problems).toContainEqual({ path: 'manifest.json', message: expect.stringMatching(/^key "organization" appears twice in the top-level object/) });
    for (const shell of SHELLS) {
      const sh = runVerifySh(d, [fp], shell);
      expect(sh.out).toMatch(/FAIL {2}manifest\.json: key "organization" \(line \d+\) appears twice in one object/);
      expect(sh.code, `${shell}: ${sh.out}`).toBe(1);
    }
    // Not a duplicate, but not the bytes evidence-locker writes either (here one blank line more at the end).
    const e = copy();
    const extra = Buffer.concat([readFileSync(join(base, 'manifest.json')), Buffer.from('\n')]);
    writeFileSync(join(e, 'manifest.json'), extra);
    writeFileSync(join(e, 'manifest.sig'), await signer.sign(extra));
    await resignSums(e, signer);
    const w = await verifyPackageDir(e, { expectedKeys: [fp] });
    expect(w.problems).toContainEqual({ path: 'manifest.json', message: expect.stringMatching(new RegExp(`^not the package manifest \\(canonical key order, two-space indented\\) serialisation of its own content \\(first difference at byte ${extra.length - 1}\\)`)) });
  });

  /** verify.sh fails under every shell with `wanted` among its FAIL lines, and `verify --expect-key` fails naming `problem`. */
  async function bothRefuse(d: string, wanted: RegExp, problem: RegExp): Promise<void> {
    for (const shell of SHELLS) {
      const sh = runVerifySh(d, [fp], shell);
      expect(sh.out).toMatch(wanted);
      expect(sh.out).toContain('RESULT: INVALID');
      expect(sh.code, `${shell}: ${sh.out}`).toBe(1);
    }
    const v = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(problem);
  }

  /** The last run's manifest, edited and signed again with the genuine key, manifest.json and SHA256SUMS following. */
  async function editLastRun(d: string, edit: (rm: Record<string, unknown>) => void): Promise<string> {
    const r = runIds()[4];
    const rm = JSON.parse(readFileSync(join(d, 'runs', r, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    edit(rm);
    await replaceRunManifest(d, signer, r, canonicalBytes(rm));
    return r;
  }

  it('refuses a run that names a file outside refusals/ as its signed refusal record, even one the package carries with that SHA-256', async () => {
    const d = copy();
    const summary = readFileSync(join(d, 'summary.json'));
    const r = await editLastRun(d, (rm) => (rm.refusals = [{ path: 'summary.json', sha256: sha256Hex(summary), runIds: ['20261001T000000Z-000000'], startedAt: '2026-10-01T00:00:00.000Z', refusedAt: '2026-10-01T00:30:00.000Z' }]));
    await bothRefuse(d, new RegExp(`FAIL  runs/${r}: names "summary\\.json" as a signed refusal record, which is not a file under refusals/`), new RegExp(`runs/${r}: names "summary\\.json" as a signed refusal record, which is not a file under refusals/`));
  }, 120_000);

  it('refuses a run named as an abandoned seal attempt (sealAttempts) by a run the package holds, signed with the genuine key', async () => {
    const d = copy();
    const held = runIds()[0];
    const r = await editLastRun(d, (rm) => (rm.sealAttempts = [{ runId: held, reason: 'files planted by someone else', planted: [{ key: `runs/${held}/manifest.json` }] }]));
    await bothRefuse(d, new RegExp(`FAIL  runs/${r}: names run ${held} as an abandoned seal attempt \\(files planted by someone else\\), but the package holds ${held} as a run`), new RegExp(`runs/${r}: names run ${held} as an abandoned seal attempt`));
    // Naming itself is refused too; naming a run the package does not hold is what a re-sealed run does (VALID).
    const e = copy();
    const s = await editLastRun(e, (rm) => (rm.sealAttempts = [{ runId: rm.runId, reason: 'files planted by someone else', planted: [] }]));
    await bothRefuse(e, new RegExp(`FAIL  runs/${s}: names itself as an abandoned seal attempt`), /names itself as an abandoned seal attempt/);
    const g = copy();
    await editLastRun(g, (rm) => (rm.sealAttempts = [{ runId: '20260305T015959Z-abandoned', reason: 'files planted by someone else', planted: [{ key: 'runs/20260305T015959Z-abandoned/manifest.json' }] }]));
    for (const shell of SHELLS) {
      const sh = runVerifySh(g, [fp], shell);
      expect(sh.out).toContain('ok    no run the package holds is named as an abandoned seal attempt (1 attempt(s) named)');
      expect(sh.code, `${shell}: ${sh.out}`).toBe(0);
    }
    expect((await verifyPackageDir(g, { expectedKeys: [fp] })).ok).toBe(true);
  });

  it("refuses a run manifest whose SHA-256 is not the one manifest.json lists (its file entry and SHA256SUMS updated)", async () => {
    const d = copy();
    const r = runIds()[4];
    const rm = JSON.parse(readFileSync(join(d, 'runs', r, 'manifest.json'), 'utf8')) as { tool: { version: string } };
    rm.tool.version += '-rebuilt';
    const bytes = canonicalBytes(rm);
    writeFileSync(join(d, 'runs', r, 'manifest.json'), bytes);
    writeFileSync(join(d, 'runs', r, 'manifest.sig'), await signer.sign(bytes));
    const sig = readFileSync(join(d, 'runs', r, 'manifest.sig'));
    await remanifest(d, signer, (m) => {
      Object.assign(m.files.find((f) => f.path === `runs/${r}/manifest.json`)!, { sha256: sha256Hex(bytes), size: bytes.length });
      Object.assign(m.files.find((f) => f.path === `runs/${r}/manifest.sig`)!, { sha256: sha256Hex(sig), size: sig.length });
    });
    await resignSums(d, signer);
    await bothRefuse(d, new RegExp(`FAIL  runs/${r}/manifest\\.json: SHA-256 ${sha256Hex(bytes)} differs from manifest\\.json \\([0-9a-f]{64}\\)`), new RegExp(`runs/${r}/manifest\\.json: SHA-256 ${sha256Hex(bytes)} differs from manifest\\.json`));
  });

  it('refuses a file (summary.json) whose SHA-256 differs from the signed manifest.json, SHA256SUMS re-signed by the genuine key', async () => {
    const d = copy();
    const summary = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(d, 'summary.json'), JSON.stringify({ ...summary, organization: 'Somebody Else' }, null, 2) + '\n');
    await resignSums(d, signer);
    await bothRefuse(d, /FAIL {2}summary\.json: its SHA-256 does not match manifest\.json/, /summary\.json: SHA-256 does not match manifest\.json/);
  });

  it('refuses a missing evidence body (dropped from SHA256SUMS and the signed manifest.json alike)', async () => {
    const d = copy();
    const rm = JSON.parse(readFileSync(join(d, 'runs', runIds()[4], 'manifest.json'), 'utf8')) as { records: { accountId: string; sha256: string }[] };
    const gone = rm.records.find((x) => x.accountId === '222222222222')!.sha256;
    rmSync(join(d, evidencePath(gone)));
    await remanifest(d, signer, (m) => (m.files = m.files.filter((f) => f.path !== evidencePath(gone))));
    await resignSums(d, signer);
    await bothRefuse(d, new RegExp(`FAIL  ${evidencePath(gone).replace(/\./g, '\\.')}: missing: evidence body of a record of account 222222222222 in run ${runIds()[4]}`), new RegExp(`${evidencePath(gone)}: missing: evidence body of record`));
  });

  it("refuses a run manifest naming another key than the public-key.pem beside it, and a package manifest likewise", async () => {
    const other = await attacker.fingerprint();
    const d = copy();
    const r = await editLastRun(d, (rm) => ((rm.signing as Record<string, string>).keyFingerprint = other));
    await bothRefuse(d, new RegExp(`FAIL  runs/${r}/public-key\\.pem: fingerprint ${fp} differs from the run manifest's signing\\.keyFingerprint "${other}"`), new RegExp(`runs/${r}/public-key\\.pem: fingerprint ${fp} differs from the run manifest's signing\\.keyFingerprint ${other}`));
    const e = copy();
    await remanifest(e, signer, (m) => (m.signing.keyFingerprint = other));
    await resignSums(e, signer);
    await bothRefuse(e, new RegExp(`FAIL  public-key\\.pem: fingerprint ${fp} differs from the one manifest\\.json names \\(signing\\.keyFingerprint "${other}"\\)`), new RegExp(`public-key\\.pem: fingerprint ${fp} differs from the one in manifest\\.json \\(${other}\\)`));
  });

  it('refuses a run manifest or package manifest whose signing.algorithm is not the scheme of the key that signed it (re-signed with the genuine key)', async () => {
    const d = copy();
    const r = await editLastRun(d, (rm) => ((rm.signing as Record<string, string>).algorithm = 'ecdsa-p256-sha256'));
    await bothRefuse(d, new RegExp(`FAIL  runs/${r}/manifest\\.json: signing\\.algorithm "ecdsa-p256-sha256" is not the scheme of the key that signed it \\(ed25519 key runs/${r}/public-key\\.pem\\)`), new RegExp(`runs/${r}/manifest\\.sig: run signature does not verify \\(ecdsa-p256-sha256\\)`));
    const e = copy();
    await remanifest(e, signer, (m) => (m.signing.algorithm = 'rsassa-pss-sha256'));
    await resignSums(e, signer);
    await bothRefuse(e, /FAIL {2}manifest\.json: signing\.algorithm "rsassa-pss-sha256" is not the scheme of public-key\.pem \(ed25519 key\), which signed it/, /manifest\.sig: signature over manifest\.json does not verify with public-key\.pem \(rsassa-pss-sha256\)/);
  });

  it.each([
    { field: 'kind', value: 'attestation' },
    { field: 'chain', value: 'shard-1-of-2' },
    { field: 'startedAt', value: '2026-03-05T01:00:00.000Z' },
    { field: 'completedAt', value: '2026-03-05T23:00:00.000Z' },
    { field: 'keyFingerprint', value: 'ab'.repeat(32) },
    { field: 'keyId', value: 'arn:aws:kms:us-east-1:111111111111:key/another' },
    { field: 'previous', value: null },
    { field: 'shard', value: { count: 2, index: 1, slot: '2026-03-05' } },
  ])("refuses manifest.json's runs entry stating another $field than the run's signed manifest (re-signed with the package key), naming run and field", async ({ field, value }) => {
    const d = copy();
    const r = runIds()[4];
    // The entry rewritten as a builder writes it (canonical key order).
    await remanifest(d, signer, (m) => {
      const i = m.runs.findIndex((x) => x.runId === r);
      m.runs[i] = Object.fromEntries(Object.entries({ ...m.runs[i], [field]: value }).sort(([a], [b]) => (a < b ? -1 : 1)));
    });
    await resignSums(d, signer);
    await bothRefuse(
      d,
      new RegExp(`FAIL {2}manifest\\.json: runs entry of run ${r}: ${field}\\S* is .*, but the run's signed manifest \\(runs/${r}/manifest\\.json\\) has `),
      new RegExp(`manifest\\.json: runs entry of run ${r}: ${field} is ${field === 'shard' ? '\\{' : '.*'}.*, but the run's signed manifest \\(runs/${r}/manifest\\.json\\) has ${field.startsWith('key') ? `signing\\.${field}` : field} `),
    );
  });

  it('the report cover ids: both verifiers recompute the evidence set id and evaluation inputs id of the genuine package', async () => {
    const m = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as { contentId: string; evaluationId: string };
    for (const shell of SHELLS) {
      const sh = genuineOutput(shell);
      expect(sh.out).toContain(`ok    the report cover's ids recomputed: evidence set id ${m.contentId}, evaluation inputs id ${m.evaluationId}`);
      expect(sh.out).toContain('ok    manifest.json describes each run as its signed manifest does');
      expect(sh.out).not.toContain('not checked here either');
    }
    const v = await verifyPackageDir(base, { expectedKeys: [fp] });
    expect(v.ok).toBe(true);
    expect(v.ids).toEqual({ contentId: m.contentId, contentIdRecomputed: true, evaluationId: m.evaluationId });
    expect(formatVerification(v, base)).toContain(`evidence set id (report cover) ${m.contentId}: recomputed from manifest.json`);
  });

  it('refuses a contentId or evaluationId that is not what manifest.json describes (re-signed with the package key), naming both values', async () => {
    type Editable = { contentId: string; evaluationId: string; organization: string; evaluation: Record<string, unknown> };
    // manifest.json edited and signed again with the package key, its ids exactly as `change` leaves them.
    const edit = async (change: (m: Editable) => void) => {
      const d = copy();
      const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Editable;
      change(m);
      const bytes = Buffer.from(JSON.stringify(m, null, 2) + '\n');
      writeFileSync(join(d, 'manifest.json'), bytes);
      writeFileSync(join(d, 'manifest.sig'), await signer.sign(bytes));
      await resignSums(d, signer);
      return d;
    };
    const genuine = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as Editable;
    // The evidence set id of another evidence set, printed on the cover.
    const other = 'cd'.repeat(32);
    const a = await edit((m) => (m.contentId = other));
    await bothRefuse(a, new RegExp(`FAIL {2}manifest\\.json: contentId ${other} \\(the evidence set id on the report cover\\) is not the SHA-256 of the evidence set manifest\\.json describes, ${genuine.contentId}`), new RegExp(`manifest\\.json: contentId ${other} \\(the evidence set id on the report cover\\) is not the SHA-256 of the evidence set manifest\\.json describes, ${genuine.contentId}`));
    // The evaluation inputs changed (the notes pages option), their id left as it was.
    const b = await edit((m) => (m.evaluation.notesPages = true));
    const bId = evaluationInputsId({ ...(genuine.evaluation as PackageEvaluation), notesPages: true });
    await bothRefuse(b, new RegExp(`FAIL {2}manifest\\.json: evaluationId ${genuine.evaluationId} \\(the evaluation inputs id on the report cover\\) is not the SHA-256 of the canonical JSON of its "evaluation", ${bId}`), new RegExp(`evaluationId ${genuine.evaluationId} \\(the evaluation inputs id on the report cover\\) is not the SHA-256 of the canonical JSON of its "evaluation", ${bId}`));
    // An exception added to the recorded register with a consistent evaluationId: the evidence set (which holds the register) is another.
    const exception = { approvedBy: 'CISO', expires: '2026-12-31', framework: 'test-fw', owner: 'Security', rationale: 'Accepted for the period.', requirement: '1.1', type: 'accepted-risk' };
    const c = await edit((m) => {
      m.evaluation.exceptions = [exception];
      m.evaluationId = evaluationInputsId(m.evaluation as PackageEvaluation);
    });
    await bothRefuse(c, new RegExp(`FAIL {2}manifest\\.json: contentId ${genuine.contentId} \\(the evidence set id on the report cover\\) is not the SHA-256`), new RegExp(`manifest\\.json: contentId ${genuine.contentId} \\(the evidence set id on the report cover\\) is not the SHA-256`));
    // The organisation renamed at the top, ids made consistent: "evaluation" still names the one the results were computed for.
    const e = await edit((m) => {
      m.organization = 'Somebody Else, Inc.';
      m.contentId = manifestEvidenceSetId(m as unknown as PackageManifest)!;
    });
    await bothRefuse(e, /FAIL {2}manifest\.json: evaluation\.organization is "Example Organization", but manifest\.json's organization is "Somebody Else, Inc\."/, /manifest\.json: evaluation\.organization is "Example Organization", but manifest\.json's organization is "Somebody Else, Inc\."/);
  });

  it('a package built before evaluation inputs were recorded, recording none: the evidence set id is named as not recomputed by both verifiers, the verdict unchanged', async () => {
    const d = copy();
    await remanifest(d, signer, (m) => {
      delete (m as unknown as Record<string, unknown>).evaluation;
      delete (m as unknown as Record<string, unknown>).evaluationId;
      (m as unknown as Record<string, unknown>).builtAt = '2026-12-05T10:00:00.000Z';
    });
    await resignSums(d, signer);
    const contentId = (JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { contentId: string }).contentId;
    for (const shell of SHELLS) {
      const sh = runVerifySh(d, [fp], shell);
      expect(sh.out).toContain(`not checked here either: the evidence set id (contentId ${contentId}: manifest.json, of an older evidence-locker, records no evaluation inputs`);
      expect(sh.code, `${shell}: ${sh.out}`).toBe(0);
    }
    const v = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(v.ok).toBe(true);
    expect(v.ids).toEqual({ contentId, contentIdRecomputed: false });
    expect(formatVerification(v, d)).toContain(`evidence set id (report cover) ${contentId}: NOT recomputed`);
  });

  it('refuses a package built on or after the day evaluation inputs are recorded in every package, whose "evaluation" was taken out (re-signed with the package key)', async () => {
    const d = copy();
    const builtAt = (JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as { builtAt: string }).builtAt;
    expect(builtAt >= EVALUATION_RECORDED_FROM).toBe(true);
    await remanifest(d, signer, (m) => {
      delete (m as unknown as Record<string, unknown>).evaluation;
      delete (m as unknown as Record<string, unknown>).evaluationId;
    });
    await resignSums(d, signer);
    const said = `records no evaluation inputs \\("evaluation"\\), yet says it was built ${builtAt.replace(/\./g, '\\.')} \\(builtAt\\), on or after ${EVALUATION_RECORDED_FROM}, since when evidence-locker records them in every package: they were taken out`;
    await bothRefuse(d, new RegExp(`FAIL {2}manifest\\.json: ${said}`), new RegExp(`manifest\\.json: ${said}`));
    // verify.sh states the same day as the tool.
    expect(VERIFY_SCRIPT).toContain(`"${EVALUATION_RECORDED_FROM}"`);
  });

  it('the build time: both verifiers refuse a builtAt before the last run completed (re-signed with the package key), and warn of one within the clock skew', async () => {
    type Editable = { builtAt: string; evaluation: PackageEvaluation; evaluationId: string };
    // builtAt restated in "evaluation" and its id recomputed, as a builder with the package key would write them.
    const builtAs = async (builtAt: string) => {
      const d = copy();
      await remanifest(d, signer, (edited) => {
        const m = edited as unknown as Editable;
        m.builtAt = builtAt;
        m.evaluation.builtAt = builtAt;
        m.evaluationId = evaluationInputsId(m.evaluation);
      });
      await resignSums(d, signer);
      return d;
    };
    const last = (JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as { generatedAt: string }).generatedAt;
    expect(last).toBe('2026-03-05T02:05:00.000Z');
    const early = await builtAs('2026-03-05T01:00:00.000Z');
    const said = `manifest.json: builtAt 2026-03-05T01:00:00.000Z is before ${last}, the completion of the last run the package holds: a package is built after the runs it holds, so manifest.json, signed by the package key alone, misstates when it was built (the report's build time, and whether the period had ended then, follow it); obtain the package again from the organisation`;
    for (const shell of SHELLS) {
      const sh = runVerifySh(early, [fp], shell);
      expect(sh.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([`FAIL  ${said}`]);
      expect(sh.code, `${shell}: ${sh.out}`).toBe(1);
    }
    const v = await verifyPackageDir(early, { expectedKeys: [fp] });
    expect(v.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([said]);
    // Five minutes before: the clocks of the collector and of the builder may differ that much; a warning, VALID.
    const skewed = await builtAs('2026-03-05T02:00:00.000Z');
    const warned = `manifest.json: builtAt 2026-03-05T02:00:00.000Z is 300 s before ${last}, the completion of the last run the package holds: within the 15 min by which the clocks of the collector and of the machine that built the package may differ; confirm with the organisation that it was built after its last run`;
    for (const shell of SHELLS) {
      const sh = runVerifySh(skewed, [fp], shell);
      expect(sh.out).toContain(`WARNING (period coverage): ${warned}\n`);
      expect(sh.code, `${shell}: ${sh.out}`).toBe(0);
    }
    const w = await verifyPackageDir(skewed, { expectedKeys: [fp] });
    expect(w.ok).toBe(true);
    expect(w.warnings.map((x) => `${x.path}: ${x.message}`)).toContain(warned);
    // Not a time as evidence-locker writes it.
    const odd = await builtAs('2026-03-06 09:00');
    await bothRefuse(odd, /FAIL {2}manifest\.json: builtAt "2026-03-06 09:00" is not a time as evidence-locker writes it \(YYYY-MM-DDTHH:MM:SS\.sssZ\)/, /manifest\.json: builtAt "2026-03-06 09:00" is not a time as evidence-locker writes it/);
    // verify.sh states the same day and skew as the tool.
    expect(VERIFY_SCRIPT).toContain(`"${BUILD_TIME_RECORDED_FROM}"`);
    expect(VERIFY_SCRIPT).toContain(`> ${BUILD_CLOCK_SKEW_MS})`);
  });

  it('the build time: absent from a package built before it was recorded, both verifiers accept it; absent from one holding runs completed since, both refuse it', async () => {
    const dropBuiltAt = async (d: string, by: LocalEd25519Signer) => {
      await remanifest(d, by, (m) => {
        for (const k of ['evaluation', 'evaluationId', 'builtAt']) delete (m as unknown as Record<string, unknown>)[k];
      });
      await resignSums(d, by);
    };
    // Runs of March 2026: an evidence-locker of that time recorded no build time.
    const old = copy();
    await dropBuiltAt(old, signer);
    for (const shell of SHELLS) expect(runVerifySh(old, [fp], shell).code).toBe(0);
    const v = await verifyPackageDir(old, { expectedKeys: [fp] });
    expect(v.ok).toBe(true);
    expect(formatVerification(v, old)).toContain('  build time not recorded (a package of an older evidence-locker); last sealed run 2026-03-05T02:05:00.000Z');

    // Runs completed on 2026-12-05 (after every package records its build time, before every one records "evaluation").
    const store = new MemoryStore();
    const late = await sealDays(store, [{ day: '2026-12-05', encrypted: { '111111111111': true } }]);
    const opts = { store, signer: late, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-12-05', to: '2026-12-05', evaluate: fixtureEvaluate };
    // The builder refuses a build time before the last run completed (beyond the clock skew) rather than sign it.
    await expect(buildPackage({ ...opts, outDir: mkdtempSync(join(tmpdir(), 'el-verify-sh-built-')), builtAt: new Date('2026-12-05T01:00:00Z') })).rejects.toThrow(/build time 2026-12-05T01:00:00\.000Z \(given, e\.g\. by SOURCE_DATE_EPOCH\) is before 2026-12-05T02:05:00\.000Z, the completion of the last run of the period, by more than 15 min/);
    const pkg = await buildPackage({ ...opts, outDir: mkdtempSync(join(tmpdir(), 'el-verify-sh-built-')), builtAt: new Date('2026-12-06T09:00:00Z') });
    const d = mkdtempSync(join(tmpdir(), 'el-verify-sh-built-'));
    await extractPackageZip(pkg.zipPath, d);
    const lateFp = await late.fingerprint();
    expect((await verifyPackageDir(d, { expectedKeys: [lateFp] })).ok).toBe(true);
    await dropBuiltAt(d, late);
    const said = `records no build time \\("builtAt"\\), yet holds runs up to 2026-12-05T02:05:00\\.000Z \\(generatedAt\\), on or after ${BUILD_TIME_RECORDED_FROM}, since when evidence-locker records it in every package: it was taken out`;
    for (const shell of SHELLS) {
      const sh = runVerifySh(d, [lateFp], shell);
      expect(sh.out).toMatch(new RegExp(`FAIL {2}manifest\\.json: ${said}`));
      expect(sh.out.split('\n').filter((l) => l.startsWith('FAIL'))).toHaveLength(1);
      expect(sh.code, `${shell}: ${sh.out}`).toBe(1);
    }
    const r = await verifyPackageDir(d, { expectedKeys: [lateFp] });
    expect(r.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringMatching(new RegExp(`^manifest\\.json: ${said}`))]);
  }, 120_000);

  it('refuses keys of "evaluation" written out of canonical order (ids computed over the text as written, re-signed with the package key)', async () => {
    const d = copy();
    const text = readFileSync(join(d, 'manifest.json'), 'utf8');
    const swapped = text.replace(/\n( {4}"accounts": \[\n(?: {6}.*\n)* {4}\],)\n( {4}"accountsSelected": (?:true|false),)/, '\n$2\n$1');
    expect(swapped).not.toBe(text);
    const bytes = Buffer.from(swapped);
    writeFileSync(join(d, 'manifest.json'), bytes);
    writeFileSync(join(d, 'manifest.sig'), await signer.sign(bytes));
    await resignSums(d, signer);
    await bothRefuse(d, /FAIL {2}manifest\.json: in "evaluation", key "accountsSelected" after "accounts"|FAIL {2}manifest\.json: in "evaluation", key "accounts" after "accountsSelected"/, /manifest\.json: /);
  });

  it('recomputes the report cover ids when a key of "evaluation" is an array index (a tag key "2024" in the scope), which JSON.parse puts first, and refuses them altered', async () => {
    const scope = { 'test-fw': { connected: [], exclude: [], include: [{ tags: { '10': 'b', '2024': 'a', '9': 'c', '-1': 'z', '123456789012': 'account', '4294967295': 'big', Env: 'x', env: 'prod' } }] } };
    const d = copy();
    type Editable = { evaluation: PackageEvaluation; evaluationId: string; contentId: string };
    await remanifest(d, signer, (edited) => {
      const m = edited as unknown as Editable;
      m.evaluation.scope = scope;
      m.evaluationId = evaluationInputsId(m.evaluation);
      m.contentId = manifestEvidenceSetId(m as unknown as PackageManifest)!;
    });
    await resignSums(d, signer);
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { contentId: string; evaluationId: string };
    // As written, the index keys come first: not the canonical order the ids are computed over.
    expect(readFileSync(join(d, 'manifest.json'), 'utf8')).toMatch(/"9": "c",\n\s+"10": "b",\n\s+"2024": "a",\n\s+"-1": "z"/);
    for (const shell of SHELLS) {
      const sh = runVerifySh(d, [fp], shell);
      expect(sh.out).toContain(`ok    the report cover's ids recomputed: evidence set id ${m.contentId}, evaluation inputs id ${m.evaluationId}`);
      expect(sh.out).not.toContain('not checked here either');
      expect(sh.code, `${shell}: ${sh.out}`).toBe(0);
    }
    expect((await verifyPackageDir(d, { expectedKeys: [fp] })).ok).toBe(true);
    // The scope altered after the ids were computed (a tag value changed), the ids left: both verifiers refuse.
    const e = copy();
    await remanifest(e, signer, (edited) => {
      const m2 = edited as unknown as Editable;
      m2.evaluation.scope = { 'test-fw': { ...scope['test-fw'], include: [{ tags: { ...scope['test-fw'].include[0].tags, '2024': 'changed' } }] } };
      m2.evaluationId = evaluationInputsId({ ...m2.evaluation, scope });
    });
    await resignSums(e, signer);
    await bothRefuse(e, /FAIL {2}manifest\.json: evaluationId [0-9a-f]{64} \(the evaluation inputs id on the report cover\) is not the SHA-256 of the canonical JSON of its "evaluation"/, /manifest\.json: evaluationId [0-9a-f]{64} \(the evaluation inputs id on the report cover\) is not the SHA-256 of the canonical JSON of its "evaluation"/);
  });

  it('prints what the genuine package records of who sealed it, as claims, and what it leaves to evidence-locker verify', () => {
    const r = genuineOutput();
    expect(r.code).toBe(0);
    expect(r.out).toContain('ok    manifest.json lists every file with the SHA-256 SHA256SUMS gives it');
    expect(r.out).toMatch(/ok {4}every evidence body is stored under its SHA-256, and each of the \d+ record\(s\) of the package's accounts, attestations and organisation-wide reads has its body/);
    expect(r.out).toContain('recorded by the signers (claims signed with the keys above, not proof');
    expect(r.out).toContain(`  5 run(s): key ${fp}, key id "${signer.keyId}" as the run manifests record it`);
    expect(r.out).toContain('not checked here (it needs a JSON parser; evidence-locker verify --expect-key <fingerprint> does it)');
  });

  /** Each mutation of the package, and who signed the result. verify.sh pinned to the genuine key and `verify --expect-key` must both fail. */
  const cases: { label: string; expect: RegExp; apply: (d: string) => Promise<void> }[] = [
    {
      label: 'package re-signed end to end by an attacker key (new key pair, manifest, signatures, public key file)',
      expect: /package key [0-9a-f]{64} \(public-key\.pem\) is not a pinned key/,
      apply: async (d) => {
        writeFileSync(join(d, 'controls.csv'), readFileSync(join(d, 'controls.csv'), 'utf8').replace(/,fail,/g, ',pass,'));
        await resignAll(d, attacker);
      },
    },
    {
      label: 'package and every run re-signed by an attacker key',
      expect: /is not a pinned key/,
      apply: (d) => resignAll(d, attacker, { runs: true }),
    },
    {
      label: "an insider's run (another key, linked to the latest genuine run) added, package signed by the genuine key",
      expect: /runs\/\S+ is signed by key [0-9a-f]{64}, which is not a pinned key/,
      apply: async (d) => {
        const edit = addForeignRun(d);
        await remanifest(d, signer, edit);
        await resignSums(d, signer);
      },
    },
    {
      label: "an insider's run added, package re-signed by the attacker key",
      expect: /is not a pinned key/,
      apply: async (d) => {
        const edit = addForeignRun(d);
        await remanifest(d, attacker, edit);
        await resignSums(d, attacker);
      },
    },
    {
      label: 'a run in the middle of the chain removed, SHA256SUMS re-signed by the genuine key',
      expect: /links to \S+, but the run before it is \S+ \(a run is missing or the order was changed\)/,
      apply: async (d) => {
        rmSync(join(d, 'runs', runIds()[2]), { recursive: true });
        await resignSums(d, signer);
      },
    },
    {
      label: 'a run removed, package re-signed by the attacker key',
      expect: /is not a pinned key/,
      apply: async (d) => {
        rmSync(join(d, 'runs', runIds()[2]), { recursive: true });
        await resignAll(d, attacker);
      },
    },
    {
      label: 'two runs swapped, SHA256SUMS re-signed by the genuine key',
      expect: /runs\/\S+\/manifest\.json names run/,
      apply: async (d) => {
        const [a, b] = [runIds()[1], runIds()[3]];
        renameSync(join(d, 'runs', a), join(d, 'runs', 'tmp'));
        renameSync(join(d, 'runs', b), join(d, 'runs', a));
        renameSync(join(d, 'runs', 'tmp'), join(d, 'runs', b));
        await resignSums(d, signer);
      },
    },
    {
      label: 'a run manifest edited (a failing record marked ok), SHA256SUMS re-signed by the genuine key',
      expect: /runs\/\S+\/manifest\.sig does not verify over its manifest\.json/,
      apply: async (d) => {
        const p = join(d, 'runs', runIds()[4], 'manifest.json');
        writeFileSync(p, readFileSync(p, 'utf8').replace('"status":"error"', '"status":"ok"'));
        await resignSums(d, signer);
      },
    },
    {
      label: 'a run manifest edited and re-signed by the attacker key, SHA256SUMS re-signed by the genuine key',
      expect: /is signed by key [0-9a-f]{64}, which is not a pinned key/,
      apply: async (d) => {
        const r = join(d, 'runs', runIds()[4]);
        const edited = Buffer.from(readFileSync(join(r, 'manifest.json'), 'utf8').replace('"status":"error"', '"status":"ok"'));
        writeFileSync(join(r, 'manifest.json'), edited);
        writeFileSync(join(r, 'manifest.sig'), await attacker.sign(edited));
        writeFileSync(join(r, 'public-key.pem'), await attacker.publicKeyPem());
        await resignSums(d, signer);
      },
    },
  ];

  it.each(cases)('fails: $label', async ({ expect: wanted, apply }) => {
    const d = copy();
    await apply(d);
    for (const shell of SHELLS) {
      const r = runVerifySh(d, [fp], shell);
      expect(r.out).toMatch(wanted);
      expect(r.out).toContain('RESULT: INVALID');
      expect(r.code, `${shell}: ${r.out}`).toBe(1);
    }
    const v = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
  });

  it('with keys pinned and the whole package signed again by another key, the report names that key as not expected and claims nothing verified', async () => {
    const d = copy();
    await resignAll(d, attacker, { runs: true });
    const v = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(v.ok).toBe(false);
    expect(v.keys).toEqual([]);
    expect(v.unreadKeys).toEqual([{ keyFingerprint: await attacker.fingerprint(), pinned: false, beside: ['package', ...runIds()] }]);
    const lines = formatVerification(v, d).split('\n');
    const at = lines.indexOf('  signing keys (confirm these fingerprints with the organisation out of band):');
    expect(lines[at + 1]).toBe(
      `    ${await attacker.fingerprint()}  NOT EXPECTED (not a key given with --expect-key): the public-key.pem beside manifest.json, ${runIds()
        .slice(0, 2)
        .map((r) => `runs/${r}/manifest.json`)
        .join(', ')} and ${runIds().length - 2} more; not read, nothing it signs was verified`,
    );
    expect(lines).not.toContain('    (none could be read)');
    // No line says VALID, and no key is shown as signing anything (a read key's line ends "signs <runs>").
    expect(lines.filter((l) => /^VALID| {2}signs /.test(l))).toEqual([]);
    expect(lines).toContain(`INVALID: ${v.problems.length} problem(s)`);
  });

  it('unpinned, a package re-signed end to end by another key is VALID only as internally consistent: the verdict says no key was pinned and names every fingerprint to compare', async () => {
    const d = copy();
    await forgeAll(d, attacker);
    const v = await verifyPackageDir(d);
    expect(v.ok).toBe(true);
    expect(v.pinnedKeys).toEqual([]);
    const evil = await attacker.fingerprint();
    const lines = formatVerification(v, d).split('\n');
    const verdict = lines.findIndex((l) => l.startsWith('VALID'));
    expect(lines[verdict]).toMatch(/^VALID: .*, but NO KEY WAS PINNED \(--expect-key\):$/);
    const after = lines.slice(verdict).join('\n');
    expect(after).toContain('internally consistent');
    expect(after).toContain('out of band');
    expect(after).toContain(`    ${evil}  signs package, `);
    // The pinned command names no fingerprint read from the package: copying it would pin the attacker's key.
    expect(after).toContain(`evidence-locker verify ${d} --expect-key <fingerprint the organisation gave you>`);
    expect(after).not.toContain(`--expect-key ${evil}`);
    // Pinned to the genuine key, the same package fails; pinned and valid, the verdict says so.
    expect((await verifyPackageDir(d, { expectedKeys: [fp] })).ok).toBe(false);
    const genuine = await verifyPackageDir(base, { expectedKeys: [fp] });
    expect(formatVerification(genuine, base)).toMatch(/^VALID: .*; every signature is by a pinned key$/m);
    expect(formatVerification(genuine, base)).not.toContain('NO KEY WAS PINNED');
  });

  it('the different-keys warning counts the package key: runs by the genuine key, package re-signed by another, is 2 keys', async () => {
    const d = copy();
    const pem = Buffer.from(await attacker.publicKeyPem());
    await remanifest(d, attacker, (m) => Object.assign(m.files.find((f) => f.path === 'public-key.pem')!, { sha256: sha256Hex(pem), size: pem.length }));
    await resignSums(d, attacker);
    const v = await verifyPackageDir(d);
    expect(v.ok).toBe(true);
    expect(v.signingKeyFingerprints).toEqual([fp, await attacker.fingerprint()].sort());
    const report = formatVerification(v, d);
    expect(report).toMatch(/^WARNING: this package and its runs are signed by 2 different keys/m);
    // Both fingerprints are named for comparison; neither is offered as a key to pin.
    for (const k of [fp, await attacker.fingerprint()]) {
      expect(report).toContain(`    ${k}  signs `);
      expect(report).not.toContain(`--expect-key ${k}`);
    }
  });

  it('with keys pinned, a manifest no pinned key signed is named and never parsed (built to be costly to parse, it costs nothing)', async () => {
    const d = copy();
    const [attacked, unsigned] = [runIds()[1], runIds()[2]];
    // JSON that is not a manifest: parsing it at all would be reported as "not a valid run manifest".
    const bomb = Buffer.from(`{"records":[${'{},'.repeat(1000)}`);
    writeFileSync(join(d, 'runs', attacked, 'manifest.json'), bomb);
    writeFileSync(join(d, 'runs', attacked, 'manifest.sig'), await attacker.sign(bomb));
    writeFileSync(join(d, 'runs', attacked, 'public-key.pem'), await attacker.publicKeyPem());
    writeFileSync(join(d, 'runs', unsigned, 'manifest.json'), bomb);
    writeFileSync(join(d, 'manifest.json'), bomb);
    const pinned = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(pinned.ok).toBe(false);
    const about = (path: string) => pinned.problems.filter((p) => p.path === path).map((p) => p.message);
    expect(about(`runs/${attacked}`)).toEqual([`signed with key ${await attacker.fingerprint()} (its public-key.pem), which is not one of the expected keys; keys are pinned (--expect-key), so the manifest was not read`]);
    expect(about(`runs/${unsigned}/manifest.sig`)).toEqual([`does not verify over runs/${unsigned}/manifest.json with the expected key ${fp}; keys are pinned (--expect-key), so the manifest was not read`]);
    expect(about('manifest.sig')).toEqual([`does not verify over manifest.json with the expected key ${fp}; keys are pinned (--expect-key), so the manifest was not read`]);
    expect(pinned.problems.filter((p) => /not a valid (run|package) manifest/.test(p.message))).toEqual([]);
    expect(pinned.manifest).toBeUndefined();
    expect(about('manifest.json')).toContain("not read, so the package's signed file list and the evidence it must hold were not checked");
    // What was not read is named as such downstream: no body is claimed missing, no run is claimed removed.
    expect(pinned.problems.filter((p) => /^missing: evidence body|a run is missing or the order was changed/.test(p.message))).toEqual([]);
    expect(about(`runs/${runIds()[3]}`)).toEqual([expect.stringMatching(new RegExp(`links to ${unsigned}, which was not read \\(no pinned key signed it\\), so this link was not checked$`))]);
    // The keys beside the unread manifests were read: the report names them, as not expected or as not verifying.
    expect(pinned.unreadKeys).toEqual(
      [
        { keyFingerprint: await attacker.fingerprint(), pinned: false, beside: [attacked] },
        { keyFingerprint: fp, pinned: true, beside: ['package', unsigned] },
      ].sort((a, b) => (a.keyFingerprint < b.keyFingerprint ? -1 : 1)),
    );
    const report = formatVerification(pinned, d);
    expect(report).toContain(`    ${await attacker.fingerprint()}  NOT EXPECTED (not a key given with --expect-key): the public-key.pem beside runs/${attacked}/manifest.json; not read, nothing it signs was verified`);
    expect(report).toContain(`    ${fp}  an expected key, but its signature does not verify over manifest.json, runs/${unsigned}/manifest.json; not read, nothing it signs there was verified`);
    // Without pinned keys every manifest is read (and the report lists the keys that signed, to confirm out of band).
    const unpinned = await verifyPackageDir(d);
    expect(unpinned.problems.filter((p) => /not a valid (run|package) manifest/.test(p.message)).map((p) => p.path).sort()).toEqual(['manifest.json', `runs/${attacked}/manifest.json`, `runs/${unsigned}/manifest.json`].sort());
  });
});

describe('verify.sh: attestations and provenance, printed as claims and checked where standard tools can', () => {
  let dir: string;
  let signer: LocalEd25519Signer;
  let fp: string;
  let attRun: string;

  beforeAll(async () => {
    const store = new MemoryStore();
    const caller = (acct: string) => `arn:aws:sts::${acct}:assumed-role/evidence-locker-collector/nightly`;
    signer = await sealDays(store, ['2026-03-01', '2026-03-02'].map((day) => ({ day, encrypted: { '111111111111': true, '222222222222': true }, provenance: true, callerArn: caller })));
    ({ runId: attRun } = await sealAttestation({ store, signer, catalogs: [TEST_CATALOG], framework: 'test-fw', requirement: '2.2', by: 'Jane Doe (CISO)', note: 'Reviews done', at: new Date('2026-03-02T09:00:00Z') }));
    fp = await signer.fingerprint();
    const tmp = mkdtempSync(join(tmpdir(), 'el-verify-sh-att-'));
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-02', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
  }, 240_000);

  it.each(SHELLS)('prints each attestation with who sealed it, and the origins and callers the bodies record (%s)', (shell) => {
    const r = runVerifySh(dir, [fp], shell);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`  test-fw 2.2, run ${attRun}: Jane Doe (CISO) (stated) \u2014 sealed with local key ${fp}, no AWS identity; run signed by the package's key`);
    expect(r.out).toMatch(/a claim by whoever held that key/);
    expect(r.out).toContain("  the 8 collection record(s) of the package's accounts, by the endpoint origin their bodies record:");
    expect(r.out).toContain('    4 record(s): https://s3.us-east-1.amazonaws.com');
    expect(r.out).toContain('    4 record(s): https://cloudtrail.us-east-1.amazonaws.com');
    expect(r.out).toContain('    4 record(s): arn:aws:sts::111111111111:assumed-role/evidence-locker-collector/nightly');
    expect(r.out).toContain('(read by text match, not parsed; evidence-locker verify parses each body');
  });

  it('refuses an attestation whose recorded sealer is another key than the one that signed its run (re-signed with the genuine key)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'el-verify-sh-att-m-'));
    cpSync(dir, d, { recursive: true });
    const rm = JSON.parse(readFileSync(join(d, 'runs', attRun, 'manifest.json'), 'utf8')) as { records: { recordId: string; sha256: string }[] };
    const rec = rm.records[0];
    const body = JSON.parse(readFileSync(join(d, evidencePath(rec.sha256)), 'utf8')) as { attestation: { sealedBy: Record<string, unknown> } };
    const other = 'ab'.repeat(32);
    body.attestation.sealedBy = { ...body.attestation.sealedBy, keyFingerprint: other, keyId: `local:${other}`, signerKind: 'local' };
    const path = await replaceBody(d, signer, attRun, rec.recordId, canonicalBytes(body));
    for (const shell of SHELLS) {
      const sh = runVerifySh(d, [fp], shell);
      expect(sh.out).toContain(`FAIL  ${path}: attestation test-fw 2.2 in run ${attRun} says it was sealed with key local:${other} (${other}), but its run is signed with ${signer.keyId} (${fp})`);
      expect(sh.code, `${shell}: ${sh.out}`).toBe(1);
    }
    const v = await verifyPackageDir(d, { expectedKeys: [fp] });
    expect(v.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(/says it was sealed with key local:a/);
  });
});
