import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Compiles the CLI (tsconfig.build.json) into a folder of this test process, so a concurrent `npm run build`
 * rewriting dist/ cannot hand a half-written file to a child that is starting. Returns the path of bin.js.
 * The folder is `tmp/` of the repository (ignored by git), two levels below the root like dist/src, so the
 * package root, controls/ and node_modules are found exactly as from dist/.
 */
export function buildCli(name: string): { bin: string; dispose: () => void } {
  const outDir = join(REPO, 'tmp', `test-cli-${name}-${process.pid}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript-native', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.build.json'), '--outDir', outDir], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`building the CLI for the crash tests failed (npm run build):\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, { cause: err });
  }
  const bin = join(outDir, 'src', 'cli', 'bin.js');
  if (!existsSync(bin)) throw new Error(`the build wrote no ${bin}`);
  return { bin, dispose: () => rmSync(outDir, { recursive: true, force: true }) };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /**
   * True when the child ended by the SIGKILL sent here. A kill sent in the instant between the child's own exit and
   * the 'exit' event reaching this process has no effect: the child then reports its own exit code and this is false.
   */
  killed: boolean;
}

/**
 * Runs `node <bin> ...args` with exactly `env`; when `killAfterMs` is given, sends SIGKILL (kill -9) after that
 * long unless the child has already exited.
 */
export function runChild(bin: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; killAfterMs?: number }): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let exited = false;
    const timer =
      opts.killAfterMs === undefined
        ? undefined
        : setTimeout(() => {
            if (!exited) child.kill('SIGKILL');
          }, opts.killAfterMs);
    child.on('error', reject);
    child.on('exit', () => {
      exited = true;
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), killed: signal === 'SIGKILL' });
    });
  });
}

/** The environment of a child: PATH and HOME from this process, nothing else but what is given. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'TZ', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}
