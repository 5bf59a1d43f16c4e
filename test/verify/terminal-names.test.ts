import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { formatVerification, verifyPackage, verifyPackageDir } from '../../src/verify/package.js';
import { formatStoreReport, verifyStoredRuns } from '../../src/verify/store.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { VerificationError } from '../../src/errors.js';
import { reportError } from '../../src/cli/main.js';
import { terminalLine, terminalText } from '../../src/log/terminal.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from '../package/fixtures.js';
import { contractTrust, evidenceBody, sealBodies } from '../store/contract.js';
import { rawZip } from '../support/raw-zip.js';
import { SHELLS, runVerifyShAsync, runVerifyShStdin } from '../support/verify-sh.js';

/** Bytes a terminal acts on: ESC (ANSI sequences), CR, the one-character CSI U+009B, and the right-to-left override. */
// eslint-disable-next-line no-control-regex -- the bytes a terminal acts on are what is looked for
const ACTS_ON_TERMINAL = /[\u001b\r\u009b\u202e]/;
/** A name that, printed raw, erases the line and the one above, and prints a verdict of its own. */
const FORGED = '\u001b[1A\u001b[2K\rVALID: every hash, signature and chain link checks out\u001b[8m';
/** A name that, printed raw, reads backwards after the right-to-left override ("VALID"), with a one-character CSI. */
const REVERSED = '\u202eDILAV\u009b';

/** Lines of the output that read as the verdict a verifier gives. */
function verdicts(out: string): string[] {
  return out.split('\n').filter((l) => /^(VALID|INVALID|RESULT)\b/.test(l));
}

describe('names read from a package or a store cannot act on the terminal', () => {
  it('terminalLine writes control, bidirectional and zero-width characters as visible escapes; terminalText keeps line breaks', () => {
    expect(terminalLine('a\u001b[31mb\rc\nd\u009be\u202ef\u200bg\th')).toBe('a\\u001b[31mb\\u000dc\\u000ad\\u009be\\u202ef\\u200bg\\u0009h');
    expect(terminalText('one\u001b\ntwo')).toBe('one\\u001b\ntwo');
    expect(terminalLine('plain ASCII, é and 日本 stay as they are')).toBe('plain ASCII, é and 日本 stay as they are');
  });

  describe('a package folder altered with such names', () => {
    let dir: string;
    let fp: string;

    beforeAll(async () => {
      const store = new MemoryStore();
      const tmp = mkdtempSync(join(tmpdir(), 'el-term-'));
      const signer = await sealDays(store, standardDays().slice(0, 2));
      fp = await signer.fingerprint();
      const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-02', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
      const base = join(tmp, 'base');
      await extractPackageZip(pkg.zipPath, base);
      dir = join(tmp, 'altered');
      cpSync(base, dir, { recursive: true });
      writeFileSync(join(dir, `notes${FORGED}.txt`), 'x');
      mkdirSync(join(dir, 'runs', `20260301T020000Z-aa${FORGED}`), { recursive: true });
      writeFileSync(join(dir, 'runs', `20260301T020000Z-aa${FORGED}`, 'manifest.json'), '{}');
      mkdirSync(join(dir, 'runs', `20260301T020000Z-bb${REVERSED}`), { recursive: true });
    }, 240_000);

    it('verify prints every such name escaped, and INVALID is the only verdict on the screen', async () => {
      const v = await verifyPackageDir(dir, { expectedKeys: [fp] });
      expect(v.ok).toBe(false);
      const out = formatVerification(v, dir);
      expect(out).not.toMatch(ACTS_ON_TERMINAL);
      expect(out).toContain('notes\\u001b[1A\\u001b[2K\\u000dVALID');
      expect(verdicts(out).map((l) => l.split(':')[0])).toEqual(['INVALID']);
    });

    it.each(SHELLS)('verify.sh (%s) prints no control character of the names, and ends INVALID with exit code 1', async (shell) => {
      const { code, out } = await runVerifyShAsync(dir, [fp], shell);
      expect(code).toBe(1);
      expect(out).not.toMatch(ACTS_ON_TERMINAL);
      expect(out).toMatch(/FAIL {2}not listed in SHA256SUMS: notes\?\[1A\?\[2K\?VALID/);
      expect(verdicts(out).map((l) => l.split(':')[0])).toEqual(['RESULT']);
      expect(out).toMatch(/RESULT: INVALID/);
      // Bidirectional and C1 characters are shown by code point; the name's ASCII is as it was.
      expect(out).toContain('runs/20260301T020000Z-bb[U+202E]DILAV[U+009B]: run folder not listed in the signed manifest.json');
    }, 120_000);

    it.each(SHELLS)('verify.sh read from standard input (%s -s < verify.sh) shows the names the same way, with the same exit code', (shell) => {
      const { code, out } = runVerifyShStdin(dir, [fp], shell);
      expect(code).toBe(1);
      expect(out).not.toMatch(ACTS_ON_TERMINAL);
      expect(out).toContain('runs/20260301T020000Z-aa[1A[2KVALID: every hash, signature and chain link checks out[8m: run folder not listed');
      expect(out).toContain('runs/20260301T020000Z-bb[U+202E]DILAV[U+009B]: run folder not listed in the signed manifest.json');
      expect(out).toMatch(/FAIL {2}not listed in SHA256SUMS: notes\?\[1A\?\[2K\?VALID/);
      expect(verdicts(out).map((l) => l.split(':')[0])).toEqual(['RESULT']);
      expect(out).toMatch(/RESULT: INVALID/);
    }, 120_000);
  });

  describe('zip entries', () => {
    function zipOf(names: string[]): { zip: string; dest: string } {
      const base = mkdtempSync(join(tmpdir(), 'el-term-zip-'));
      writeFileSync(join(base, 'p.zip'), rawZip(names.map((name) => ({ name, data: 'x' }))));
      return { zip: join(base, 'p.zip'), dest: join(base, 'out') };
    }

    it('a name holding a control character is refused before anything is extracted, even where it is unique', async () => {
      const { zip, dest } = zipOf(['a.txt', `b${FORGED}.txt`]);
      await expect(extractPackageZip(zip, dest)).rejects.toThrow(/control character in name/);
      await expect(verifyPackage(zip)).rejects.toThrow(/control character in name/);
    });

    it('two names that differ only in Unicode normalisation (one file on macOS) are refused', async () => {
      const { zip, dest } = zipOf(['caf\u00e9.txt', 'cafe\u0301.txt']);
      await expect(extractPackageZip(zip, dest)).rejects.toThrow(/differs only in letter case or Unicode normalisation/);
      const folded = zipOf(['CAF\u00c9/a.txt', 'cafe\u0301/b.txt', 'cafe\u0301']);
      await expect(extractPackageZip(folded.zip, folded.dest)).rejects.toThrow(/also uses it as a folder/);
    });
  });

  describe('the CLI error line', () => {
    afterEach(() => vi.restoreAllMocks());

    it('names an entry with escapes, on one line', () => {
      let err = '';
      vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
      reportError(new VerificationError(`p.zip: refusing to extract; unsafe entries: b${FORGED}\nVALID: forged line: duplicate entry name`, `obtain it again${FORGED}`));
      expect(err).not.toMatch(ACTS_ON_TERMINAL);
      expect(err.split('\n').filter(Boolean)).toHaveLength(2);
      expect(err).toContain('b\\u001b[1A');
    });
  });

  it('verify --store prints an object key someone planted in the store escaped', async () => {
    const root = mkdtempSync(join(tmpdir(), 'el-term-store-'));
    const store = new LocalEvidenceStore(root);
    const { runId } = await sealBodies(store, [evidenceBody('term')], new Date('2026-06-01T02:00:00Z'));
    const planted = `20260601T030000Z-e0e0e0${FORGED}`;
    mkdirSync(join(root, 'runs', planted), { recursive: true });
    writeFileSync(join(root, 'runs', planted, 'manifest.json'), '{"planted":true}');
    const report = await verifyStoredRuns(store, { from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-01T23:59:59Z') }, await contractTrust());
    expect(JSON.stringify(report)).toContain('\\u001b');
    const out = formatStoreReport(report);
    expect(out).toContain(runId);
    expect(out).not.toMatch(ACTS_ON_TERMINAL);
    expect(out.split('\n').filter((l) => l === 'verification passed')).toEqual([]);
  });
});
