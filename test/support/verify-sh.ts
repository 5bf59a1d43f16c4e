import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../../src/evidence/hash.js';
import type { ManifestSigner } from '../../src/seal/signer.js';

/** The file a command name runs (symbolic links followed), as `sh` finds it on PATH; undefined when not found. */
function commandFile(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout?.trim();
  return found && existsSync(found) ? realpathSync(found) : undefined;
}

/**
 * Shells verify.sh is run with: `sh`, and `dash` when installed (Debian's /bin/sh, the strictest common one) and not
 * the very program `sh` already runs (on Debian and Ubuntu it is: running it twice checks nothing more).
 */
export const SHELLS = ['sh', ...['/usr/bin/dash', '/bin/dash'].filter((p) => existsSync(p)).slice(0, 1).filter((p) => realpathSync(p) !== commandFile('sh'))];

/**
 * Runs `<shell> verify.sh --key <k>...` in an unzipped package folder; with `script`, that copy of verify.sh
 * (the published one) is run against the folder instead of the folder's own.
 */
export function runVerifySh(dir: string, keys: string[], shell = 'sh', script?: string): { code: number; out: string } {
  const args = script ? [script, '--package', dir] : ['verify.sh'];
  const r = spawnSync(shell, [...args, ...keys.flatMap((k) => ['--key', k])], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * verify.sh read by the shell from its standard input (`sh -s -- --key <k> < verify.sh`, as `cat verify.sh | sh -s` is),
 * in the package folder: no file of the script for it to run again.
 */
export function runVerifyShStdin(dir: string, keys: string[], shell = 'sh'): { code: number; out: string } {
  const r = spawnSync(shell, ['-s', '--', ...keys.flatMap((k) => ['--key', k])], { cwd: dir, input: readFileSync(join(dir, 'verify.sh')), encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** `runVerifySh` without blocking, so several packages can be checked side by side. */
export function runVerifyShAsync(dir: string, keys: string[], shell = 'sh', script?: string): Promise<{ code: number; out: string }> {
  const args = script ? [script, '--package', dir] : ['verify.sh'];
  return new Promise((resolve, reject) => {
    const child = spawn(shell, [...args, ...keys.flatMap((k) => ['--key', k])], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, p));
    else out.push(p);
  }
  return out;
}

/** Rewrites SHA256SUMS from what the folder holds and signs it with `signer`: what a holder of that key could do. */
export async function resignSums(dir: string, signer: ManifestSigner): Promise<void> {
  const files = listFiles(dir)
    .filter((p) => p !== 'SHA256SUMS' && p !== 'SHA256SUMS.sig')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const sums = files.map((p) => `${sha256Hex(readFileSync(join(dir, p)))}  ${p}\n`).join('');
  writeFileSync(join(dir, 'SHA256SUMS'), sums);
  writeFileSync(join(dir, 'SHA256SUMS.sig'), await signer.sign(Buffer.from(sums)));
}
