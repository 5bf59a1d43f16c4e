import { describe, it, expect, beforeAll, afterEach, vi } from 'vitest';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runPackageCli } from './run-cli.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { sealDays, standardDays, ACCOUNTS } from './fixtures.js';

const run = runPackageCli;

describe('package, verify and attest commands', () => {
  let dir: string;
  let cfg: string;
  let manualReq: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'el-cli-'));
    const keyDir = join(dir, 'state', 'keys');
    const store = new LocalEvidenceStore(join(dir, 'store'));
    await store.preflight();
    await sealDays(store, standardDays(), LocalEd25519Signer.open(keyDir));
    writeFileSync(
      join(dir, 'exceptions.yaml'),
      stringify({ exceptions: [{ framework: 'pci-dss-4.0.1', requirement: '3.5.1', type: 'compensating-control', owner: 'Payments', rationale: 'Tokenisation service holds no PAN; documented in CC-7.', approvedBy: 'QSA-reviewed CISO', expires: '2027-01-31' }] }),
    );
    cfg = join(dir, 'config.yaml');
    writeFileSync(cfg, stringify({ organization: 'Acme Payments', store: { kind: 'local', path: join(dir, 'store') }, stateDir: join(dir, 'state'), exceptionsFile: join(dir, 'exceptions.yaml'), log: { level: 'silent' } }));
    const pci = loadCatalogs([]).find((c) => c.framework === 'pci-dss-4.0.1')!;
    manualReq = pci.requirements.find((r) => r.coverage === 'manual')!.id;
  });

  afterEach(() => vi.restoreAllMocks());

  it('attests a manual requirement with a document', async () => {
    writeFileSync(join(dir, 'policy.txt'), 'Incident response plan v3, approved 2026-02-10\n');
    const r = await run(['-c', cfg, 'attest', '--framework', 'pci-dss-4.0.1', '--requirement', manualReq, '--by', 'Jane Doe', '--note', 'IR plan reviewed and approved', '--file', join(dir, 'policy.txt')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/sealed in run \d{8}T\d{6}Z-attest-[0-9a-f]{6}/);
    expect(r.out).toMatch(/\n {2}Jane Doe \(stated\) \u2014 sealed with local key [0-9a-f]{64}, no AWS identity\n/);
    const bad = await run(['-c', cfg, 'attest', '--framework', 'pci-dss-4.0.1', '--requirement', '99.99', '--by', 'x', '--note', 'y']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('no requirement "99.99"');
  });

  it('packages a period, printing the zip path last; the package verifies; tampering exits 1 naming the file', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await run(['-c', cfg, 'package', '--framework', 'pci-dss-4.0.1', '--from', '2026-03-01', '--to', today < '2026-03-05' ? '2026-03-05' : today, '--out', join(dir, 'out')]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const last = r.out.trim().split('\n').pop()!;
    expect(last.endsWith('.zip')).toBe(true);
    expect(existsSync(last)).toBe(true);

    const v = await run(['verify', last]);
    expect(v.code).toBe(0);
    expect(v.out).toContain('VALID');
    expect(v.out).toMatch(/signing keys[\s\S]*local:[0-9a-f]{64}/);

    const x = join(dir, 'x');
    await extractPackageZip(last, x);
    const csv = readFileSync(join(x, 'controls.csv'), 'utf8');
    expect(csv).toContain('compensating-control');
    expect(csv.split('\r\n').find((l) => l.startsWith(`pci-dss-4.0.1,${manualReq},`) && l.includes(ACCOUNTS[0]))).toMatch(/attestation of \d{4}-\d{2}-\d{2} by Jane Doe \(stated\) \u2014 sealed with local key [0-9a-f]{64}, no AWS identity: IR plan reviewed and approved/);
    expect(v.out).toMatch(/attestations \(the attester's name is as they wrote it[^\n]*\n {4}pci-dss-4\.0\.1 \S+, run \S+-attest-[0-9a-f]{6}: Jane Doe \(stated\) \u2014 sealed with local key [0-9a-f]{64}, no AWS identity; run signed by the package's key\n/);
    expect(readdirSync(join(x, 'attestations')).length).toBe(1);
    const ev = readdirSync(join(x, 'evidence', 'objects', 'sha256'));
    const victim = join(x, 'evidence', 'objects', 'sha256', ev[0], readdirSync(join(x, 'evidence', 'objects', 'sha256', ev[0]))[0]);
    writeFileSync(victim, readFileSync(victim, 'utf8') + ' ');
    const t = await run(['verify', x]);
    expect(t.code).toBe(1);
    expect(t.out).toContain('INVALID');
    expect(t.out).toContain(victim.slice(x.length + 1));
    const k = await run(['verify', last, '--expect-key', '0'.repeat(64)]);
    expect(k.code).toBe(1);
    expect(k.out).toContain('not one of the expected keys');
  });

  it('exits 2 for usage errors', async () => {
    expect((await run(['-c', cfg, 'package', '--framework', 'nope', '--from', '2026-03-01', '--to', '2026-03-05', '--out', join(dir, 'o2')])).code).toBe(2);
    expect((await run(['-c', cfg, 'package', '--framework', 'pci-dss-4.0.1', '--from', '2024-01-01', '--to', '2024-01-05', '--out', join(dir, 'o2')])).code).toBe(2);
    expect((await run(['-c', cfg, 'package', '--framework', 'pci-dss-4.0.1', '--from', '2026-03-01', '--to', '2026-03-05', '--accounts', '999999999999', '--out', join(dir, 'o2')])).code).toBe(2);
    expect((await run(['-c', cfg, 'package', '--framework', 'pci-dss-4.0.1', '--from', 'yesterday', '--to', '2026-03-05', '--out', join(dir, 'o2')])).code).toBe(2);
    expect(existsSync(join(dir, 'o2')) ? readdirSync(join(dir, 'o2')) : []).toEqual([]);
    const missing = await run(['verify', join(dir, 'nothing.zip')]);
    expect(missing.code).toBe(2);
    writeFileSync(join(dir, 'trunc.zip'), readFileSync(cfg));
    const trunc = await run(['verify', join(dir, 'trunc.zip')]);
    expect(trunc.code).toBe(1);
    expect(trunc.err).toContain('truncated or corrupt');
  });
});
