import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** What the build reads: the compiled folders (tests left out, as tsconfig.build.json does), its tsconfigs and compiler. */
function buildInputsSha256(): string {
  const hash = createHash('sha256');
  const add = (rel: string) => hash.update(`${rel}\0`).update(readFileSync(join(REPO, rel))).update('\0');
  const walk = (rel: string) => {
    for (const e of readdirSync(join(REPO, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (!p.endsWith('.test.ts')) add(p);
    }
  };
  for (const dir of ['src', 'bench', 'deploy']) if (existsSync(join(REPO, dir))) walk(dir);
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json', 'node_modules/typescript-native/package.json']) add(f);
  return hash.digest('hex').slice(0, 16);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Resolves once `path` exists, woken by changes in its folder (a poll every second as well: hang protection needs no budget). */
function whenExists(path: string, stillWaiting: () => boolean): Promise<void> {
  return new Promise((resolveWait, reject) => {
    const check = () => {
      if (existsSync(path)) return done(), resolveWait();
      if (!stillWaiting()) return done(), reject(new Error(`the process building ${path} ended without finishing it`));
    };
    const watcher = watch(dirname(path), check);
    const timer = setInterval(check, 1000);
    const done = () => (watcher.close(), clearInterval(timer));
    check();
  });
}

/** Hang protection for a hook that builds the CLI or waits for another test file's build (minutes on a loaded machine). */
export const BUILD_TIMEOUT_MS = 1_800_000;

/** Hang protection for a test that runs the built CLI as child processes, several times (never a speed check). */
export const CHILD_TESTS_TIMEOUT_MS = 1_200_000;

/**
 * Compiles the CLI (tsconfig.build.json) into a folder of its own under `tmp/` of the repository (ignored by git), so
 * a concurrent `npm run build` rewriting dist/ cannot hand a half-written file to a child that is starting. The folder
 * is named after the SHA-256 of what the build reads: every test file (and a later run over unchanged sources) uses
 * the one build, made once; a test file that finds another building it waits for that build. It sits two levels
 * below the root like dist/src, so the package root, controls/ and node_modules are found exactly as from dist/.
 * Returns the path of bin.js and the build's folder (never written to by its users).
 */
export async function buildCli(): Promise<{ bin: string; outDir: string }> {
  const id = buildInputsSha256();
  const outDir = join(REPO, 'tmp', `test-cli-${id}`);
  const bin = join(outDir, 'src', 'cli', 'bin.js');
  const lock = `${outDir}.lock`;
  mkdirSync(join(REPO, 'tmp'), { recursive: true });
  for (;;) {
    if (existsSync(bin)) return { bin, outDir };
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      // Another test process is building it: wait for its folder, or take the lock over if that process is gone.
      const holder = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : '0');
      if (holder && !pidAlive(holder)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      // Waiting ends when the build is there, or when its builder let the lock go without it (its build failed: this
      // file then builds and reports the failure itself) or died.
      await whenExists(outDir, () => existsSync(lock) && (!holder || pidAlive(holder))).catch(() => undefined);
    }
  }
  const partial = `${outDir}.${process.pid}.partial`;
  try {
    rmSync(partial, { recursive: true, force: true });
    try {
      execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript-native', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.build.json'), '--outDir', partial], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`building the CLI for the tests failed (npm run build):\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, { cause: err });
    }
    if (!existsSync(join(partial, 'src', 'cli', 'bin.js'))) throw new Error(`the build wrote no ${bin}`);
    // Whole or absent under its final name; builds of sources since changed are removed.
    renameSync(partial, outDir);
    for (const e of readdirSync(join(REPO, 'tmp'))) if (/^test-cli-[0-9a-f]{16}$/.test(e) && e !== `test-cli-${id}`) rmSync(join(REPO, 'tmp', e), { recursive: true, force: true });
  } finally {
    rmSync(partial, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
  return { bin, outDir };
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
