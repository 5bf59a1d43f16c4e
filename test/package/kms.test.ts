import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { registerPackageCommands } from '../../src/cli/commands/package.js';
import { reportError } from '../../src/cli/main.js';
import type { Config } from '../../src/config/schema.js';
import { ExitCode } from '../../src/errors.js';
import { buildPackage } from '../../src/package/build.js';
import { openSigner } from '../../src/aws/open-signer.js';
import type { ManifestSigner } from '../../src/seal/signer.js';
import { useSimulatedAwsEnv } from '../support/simulated-aws-env.js';
import { DEMO_RSA_SIGNING_KEY_ALIAS, DEMO_SIGNING_KEY_ALIAS } from '../../src/simulator/worlds/seed-kms.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { MemoryStore, TEST_CATALOG, fixtureEvaluate, sealDays, standardDays } from './fixtures.js';
import { SHELLS, runVerifySh } from '../support/verify-sh.js';

useSimulatedAwsEnv();

async function verifyCli(zip: string): Promise<{ code: number; out: string }> {
  const program = new Command().option('-c, --config <file>').option('--log-level <level>').exitOverride();
  registerPackageCommands(program);
  for (const c of program.commands) c.exitOverride();
  let out = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(['node', 'evidence-locker', '--log-level', 'silent', 'verify', zip]);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    code = reportError(error);
  } finally {
    o.mockRestore();
    process.exitCode = undefined;
  }
  return { code, out };
}

/** Runs one command line from VERIFY.md in the unzipped package; returns what it printed (throws on a non-zero exit). */
function sh(dir: string, line: string): string {
  return execFileSync('sh', ['-c', line], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.each([
  { keyId: DEMO_SIGNING_KEY_ALIAS, algorithm: 'ecdsa-p256-sha256' },
  { keyId: DEMO_RSA_SIGNING_KEY_ALIAS, algorithm: 'rsassa-pss-sha256' },
])('runs and a package signed with the KMS key $keyId', ({ keyId, algorithm }) => {
  let signer: ManifestSigner;
  let zipPath: string;
  let dir: string;
  let guide: string;

  beforeAll(async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'el-kms-package-'));
    const config = { signing: { kind: 'kms', keyId }, stateDir: join(tmp, 'state') } as Pick<Config, 'signing' | 'stateDir'>;
    signer = await openSigner(config);
    const store = new MemoryStore();
    await sealDays(store, standardDays(), signer);
    const pkg = await buildPackage({ store, signer, catalogs: [TEST_CATALOG], frameworks: ['test-fw'], from: '2026-03-01', to: '2026-03-05', outDir: join(tmp, 'out'), evaluate: fixtureEvaluate });
    zipPath = pkg.zipPath;
    dir = join(tmp, 'pkg');
    await extractPackageZip(zipPath, dir);
    guide = readFileSync(join(dir, 'VERIFY.md'), 'utf8');
  }, 240_000);

  it('verifies with `verify`, which prints the key ARN, the fingerprint and the algorithm', async () => {
    expect(signer.algorithm).toBe(algorithm);
    expect(signer.keyId).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
    const r = await verifyCli(zipPath);
    expect(r.code).toBe(ExitCode.ok);
    expect(r.out).toMatch(/VALID: every hash, signature and chain link checks out/);
    const fingerprint = await signer.fingerprint();
    const keyLine = r.out.split('\n').find((l) => l.includes(fingerprint))!;
    expect(keyLine).toContain(signer.keyId);
    expect(keyLine).toContain(algorithm);
    expect(keyLine).toMatch(/signs package, \S+/);
  });

  it('passes the standard-tools steps VERIFY.md gives, with this machine\'s openssl', () => {
    expect(guide).toContain(`Key id: ${signer.keyId}`);
    expect(guide).toContain(`Algorithm: ${algorithm}`);
    expect(guide).toContain('It must print "Verified OK". Then every file it lists, and no other:');
    expect(guide).toContain('Each must print "Verified OK".');
    const lines = guide.split('\n').map((l) => l.trim());
    const fingerprintCommand = lines.find((l) => l.startsWith('openssl pkey '))!;
    expect(sh(dir, fingerprintCommand)).toContain(fingerprint());
    const commands = lines.filter((l) => (l.startsWith('openssl ') && !l.startsWith('openssl pkey ')) || l.startsWith('sha256sum -c'));
    // The signatures over SHA256SUMS and the package manifest, and one per run (five runs in this package).
    expect(commands.filter((c) => c.startsWith('openssl ')).length).toBe(7);
    expect(commands).toContain(commands.find((c) => c.includes('SHA256SUMS.sig')));
    const expected = /must print "([^"]+)"/.exec(guide)![1];
    for (const c of commands) {
      const out = sh(dir, c);
      if (c.startsWith('openssl ')) expect(out.trim(), c).toBe(expected);
    }
    expect(sh(dir, 'sha256sum -c SHA256SUMS')).not.toMatch(/FAILED/);
    // No file beyond those SHA256SUMS lists: the guide's two lines, run as given, print nothing (diff exits 0).
    const listing = lines.filter((l) => l.startsWith('find . ! -type d') || l.startsWith('cut -c67- SHA256SUMS'));
    expect(listing).toHaveLength(2);
    expect(sh(dir, listing.join(' && '))).toBe('');
    writeFileSync(join(dir, 'extra.txt'), 'not in the package');
    try {
      let printed = '';
      expect(() => {
        try {
          sh(dir, listing.join(' && '));
        } catch (err) {
          printed = String((err as { stdout?: string }).stdout);
          throw err;
        }
      }).toThrow(/Command failed/);
      expect(printed).toContain('> extra.txt');
    } finally {
      rmSync(join(dir, 'extra.txt'));
    }
  });

  it.each(SHELLS)('passes verify.sh with %s pinned to the KMS key, and fails it pinned to another key', (shell) => {
    const r = runVerifySh(dir, [fingerprint()], shell);
    expect(r.out).toContain('RESULT: VALID');
    expect(r.code).toBe(0);
    expect(runVerifySh(dir, ['ab'.repeat(32)], shell).code).toBe(1);
  });

  let fp = '';
  const fingerprint = () => fp;
  beforeAll(async () => {
    fp = await signer.fingerprint();
  });

  it('the same openssl commands fail on an altered manifest or signature', () => {
    const packageCommand = guide.split('\n').map((l) => l.trim()).find((l) => l.startsWith('openssl ') && l.includes(' manifest.json'))!;
    const manifest = readFileSync(join(dir, 'manifest.json'));
    const sig = readFileSync(join(dir, 'manifest.sig'));
    try {
      writeFileSync(join(dir, 'manifest.json'), Buffer.concat([manifest, Buffer.from(' ')]));
      expect(() => sh(dir, packageCommand)).toThrow(/Command failed/);
      writeFileSync(join(dir, 'manifest.json'), manifest);
      const bad = Buffer.from(sig);
      bad[bad.length - 1] ^= 0x01;
      writeFileSync(join(dir, 'manifest.sig'), bad);
      expect(() => sh(dir, packageCommand)).toThrow();
    } finally {
      writeFileSync(join(dir, 'manifest.json'), manifest);
      writeFileSync(join(dir, 'manifest.sig'), sig);
    }
    expect(sh(dir, packageCommand).trim()).toBe(/must print "([^"]+)"/.exec(guide)![1]);
  });
});
