import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackage } from '../../src/package/build.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { formatVerification, verifyPackageDir } from '../../src/verify/package.js';
import { PackageManifestSchema } from '../../src/package/manifest.js';
import { sha256Hex } from '../../src/evidence/hash.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, richScenario, ACCOUNTS } from './fixtures.js';
import type { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import type { ExceptionEntry } from '../../src/package/exceptions.js';

describe('a month of evidence: history, drift, gaps, shards', () => {
  let store: MemoryStore;
  let signer: LocalEd25519Signer;
  let exceptions: ExceptionEntry[];
  let dir: string;
  let zipPath: string;
  const opts = () => ({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-04-01', to: '2026-04-30', evaluate: fixtureEvaluate, exceptions, organization: 'Acme', builtAt: new Date('2026-05-01T06:00:00Z') });

  beforeAll(async () => {
    store = new MemoryStore();
    const tmp = mkdtempSync(join(tmpdir(), 'el-hist-'));
    ({ signer, exceptions } = await richScenario(store, join(tmp, 'doc.txt')));
    const pkg = await buildPackage({ ...opts(), outDir: join(tmp, 'out') });
    zipPath = pkg.zipPath;
    dir = join(tmp, 'pkg');
    await extractPackageZip(pkg.zipPath, dir);
  });

  it('records missing shards and the attestation run in the signed manifest', () => {
    const m = PackageManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(m.missingShards).toEqual([{ slot: '2026-04-15', count: 3, present: [1], missing: [2, 3] }]);
    expect(m.runs.filter((r) => r.kind === 'attestation').length).toBe(1);
    expect(m.runs.length).toBe(30);
    expect(readdirSync(join(dir, 'attestations'))[0]).toMatch(/^[0-9a-f]{64}-doc\.txt$/);
  });

  it('shows when drift happened, what changed, days without evidence, and expired exceptions', () => {
    const rows = readFileSync(join(dir, 'controls.csv'), 'utf8').split('\r\n');
    const header = rows[0].split(',');
    const get = (req: string, acct: string) => {
      const line = rows.find((l) => l.startsWith(`test-fw,${req},`) && l.includes(`,${acct},`))!;
      return line;
    };
    expect(header).toContain('changes_in_period');
    const drift = get('1.1', ACCOUNTS[1]);
    // pass -> fail on day 8, fail -> pass on day 20, pass -> fail on day 28: 3 status + 3 resource changes.
    expect(drift).toMatch(/,fail,fail,/);
    expect(drift).toMatch(/,2,6,/);
    expect(drift).toContain('Exception: compensating-control, owner Platform team, approved by CISO; applied the whole period (2026-04-01 to 2026-04-30) only if it was in effect from the period start');
    const stale = get('1.1', '333333333333');
    expect(stale).toContain('STALE: latest evidence is from 2026-04-15; none for the last 15 day(s)');
    expect(stale).toMatch(/,29,0,/);
    expect(get('2.1', ACCOUNTS[0])).toContain('EXPIRED exception (not applied at the period end): accepted-risk');
    expect(get('2.1', ACCOUNTS[0])).toContain('applied on no day of the period (expires 2026-03-31)');
    expect(get('2.1', ACCOUNTS[0])).toMatch(/,pass,not-collected,/);
    expect(get('2.2', ACCOUNTS[0])).toContain('attestation by Jane Doe (CISO) (stated) \u2014 sealed with local key');
  });

  it("names the attester as stated, beside the key that sealed it, in the viewer and in verify's output", async () => {
    const fp = await signer.fingerprint();
    const sealer = `Jane Doe (CISO) (stated) \u2014 sealed with local key ${fp}, no AWS identity`;
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain(JSON.stringify(sealer).slice(1, -1));
    const v = await verifyPackageDir(dir);
    expect(v.ok).toBe(true);
    expect(v.attestations).toEqual([{ runId: expect.stringMatching(/-attest-/), framework: 'test-fw', requirement: '2.2', sealer, signedBy: { keyFingerprint: fp, packageKey: true } }]);
    expect(formatVerification(v, 'pkg')).toContain(`    test-fw 2.2, run ${v.attestations![0].runId}: ${sealer}; run signed by the package's key`);
  });

  it('writes a PDF with an outline and page numbers, dated from the data', () => {
    const pdf = readFileSync(join(dir, 'report.pdf'));
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text).toContain('/Outlines');
    expect(text).toContain('/CreationDate');
    expect(text).toContain('(D:20260430020500Z)');
  });

  it('gives the same bytes whatever the machine time zone', async () => {
    const saved = process.env.TZ;
    const hashes: string[] = [];
    try {
      for (const tz of ['America/Los_Angeles', 'Asia/Kolkata']) {
        process.env.TZ = tz;
        const out = mkdtempSync(join(tmpdir(), 'el-tz-'));
        const pkg = await buildPackage({ ...opts(), outDir: out });
        hashes.push(sha256Hex(readFileSync(pkg.zipPath)));
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[0]).toBe(sha256Hex(readFileSync(zipPath)));
  });

  it('refuses to package an altered store object and leaves no file behind', async () => {
    const bad = new MemoryStore();
    for (const [k, v] of store.objects) bad.objects.set(k, v);
    for (const [k, v] of store.runs) bad.runs.set(k, v);
    const victim = [...bad.objects.keys()][3];
    bad.objects.set(victim, Buffer.concat([bad.objects.get(victim)!, Buffer.from(' ')]));
    const out = mkdtempSync(join(tmpdir(), 'el-bad-'));
    await expect(buildPackage({ ...opts(), store: bad, outDir: out })).rejects.toThrow(new RegExp(`${victim}.*altered`));
    expect(readdirSync(out)).toEqual([]);
  });
});
