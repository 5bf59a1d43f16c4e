/**
 * Docker cannot run here, so the Dockerfile is parsed and its properties asserted: multi-stage on the Node 24
 * LTS slim image, `npm ci` then build, production dependencies only in the runtime image, a non-root user, a
 * health check on /healthz, and writes only to the declared volume.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/version.js';
import { HEALTH_PORT, SCRATCH_PATH } from '../../deploy/templates.js';
import { COLLECTOR_NODE_FLAGS } from '../../src/node-flags.js';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!buf && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (!buf) start = i + 1;
    if (line.trim().startsWith('#')) return;
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + ' ';
      return;
    }
    buf += line;
    const m = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(buf);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].replace(/\s+/g, ' ').trim(), line: start });
    buf = '';
  });
  return out;
}

const dockerfile = readFileSync(join(PACKAGE_ROOT, 'Dockerfile'), 'utf8');
const all = parseDockerfile(dockerfile);
const stages: { from: string; name?: string; body: Instruction[] }[] = [];
for (const ins of all) {
  if (ins.op === 'FROM') {
    const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
    stages.push({ from: m?.[1] ?? ins.args, name: m?.[2], body: [] });
  } else stages.at(-1)?.body.push(ins);
}
const args = Object.fromEntries(all.filter((i) => i.op === 'ARG').map((i) => i.args.split('=') as [string, string]));
const resolveImage = (from: string) => from.replace(/^\$\{(\w+)\}$/, (_, n: string) => args[n] ?? from);
const runtime = stages.at(-1)!;
const ops = (s: { body: Instruction[] }, op: string) => s.body.filter((i) => i.op === op);

describe('Dockerfile', () => {
  it('is multi-stage on the maintained Node 24 LTS slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(resolveImage(s.from)).toBe('node:24-bookworm-slim');
  });

  it('builds with npm ci (all dependencies) and compiles in a build stage', () => {
    const build = stages.find((s) => s.body.some((i) => i.op === 'RUN' && /\btsc\b|npm run build/.test(i.args)));
    expect(build, 'a stage compiles the TypeScript').toBeDefined();
    const runs = ops(build!, 'RUN').map((i) => i.args);
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r));
    const compile = runs.findIndex((r) => /\btsc\b|npm run build/.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(compile).toBeGreaterThan(ci);
    expect(dockerfile).not.toMatch(/\bnpm install\b/);
  });

  it('the runtime image gets production dependencies only (npm ci --omit=dev) and the compiled code', () => {
    const copies = ops(runtime, 'COPY').map((i) => i.args);
    const depsFrom = /--from=(\S+)\s+\S*node_modules/.exec(copies.find((c) => c.includes('node_modules')) ?? '')?.[1];
    expect(depsFrom, 'node_modules comes from another stage').toBeDefined();
    const depsStage = stages.find((s) => s.name === depsFrom)!;
    expect(ops(depsStage, 'RUN').some((i) => /\bnpm ci\b.*--omit=dev/.test(i.args))).toBe(true);
    expect(copies.some((c) => /--from=\S+\s+\/app\/dist\b/.test(c))).toBe(true);
    expect(copies.some((c) => /^controls\b/.test(c))).toBe(true);
    expect(ops(runtime, 'RUN').some((i) => /npm (ci|install)/.test(i.args)), 'no dependency install in the runtime stage').toBe(false);
  });

  it('runs as a non-root user', () => {
    const users = ops(runtime, 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    // Nothing after USER switches back.
    const lastUser = runtime.body.lastIndexOf(ops(runtime, 'USER').at(-1)!);
    expect(runtime.body.slice(lastUser + 1).some((i) => i.op === 'RUN')).toBe(false);
  });

  it('checks health on /healthz at the daemon port', () => {
    const hc = ops(runtime, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0].args).toMatch(/^--interval=\d+s .*CMD /);
    expect(hc[0].args).toContain(`http://127.0.0.1:${HEALTH_PORT}/healthz`);
    expect(ops(runtime, 'EXPOSE').map((i) => i.args)).toContain(String(HEALTH_PORT));
  });

  it('is read-only-root friendly: the state directory is on the declared volume, which the user owns', () => {
    const volumes = ops(runtime, 'VOLUME').map((i) => JSON.parse(i.args) as string[]).flat();
    expect(volumes).toEqual([SCRATCH_PATH]);
    const env = ops(runtime, 'ENV').map((i) => i.args).join(' ');
    expect(env).toContain(`EVIDENCE_LOCKER_STATE_DIR=${SCRATCH_PATH}/state`);
    expect(ops(runtime, 'WORKDIR').at(-1)?.args).toBe(SCRATCH_PATH);
    expect(ops(runtime, 'RUN').some((i) => i.args.includes(`chown node:node ${SCRATCH_PATH}`))).toBe(true);
    // Code and dependencies stay root-owned: the process cannot modify them even on a writable root.
    for (const c of ops(runtime, 'COPY')) expect(c.args).not.toMatch(/--chown/);
  });

  it('starts the CLI, the daemon by default', () => {
    // With the collector's V8 settings (src/node-flags.ts), as the bench's measured processes run.
    expect(JSON.parse(ops(runtime, 'ENTRYPOINT')[0].args)).toEqual(['node', ...COLLECTOR_NODE_FLAGS, '/app/dist/src/cli/bin.js']);
    expect(JSON.parse(ops(runtime, 'CMD')[0].args)).toEqual(['daemon']);
  });

  it('.dockerignore keeps secrets, local state and build output out of the context', () => {
    const ignore = readFileSync(join(PACKAGE_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const p of ['.git', 'node_modules', 'dist', '.evidence-locker', 'evidence-store', '.env']) expect(ignore).toContain(p);
    // What the build copies is not ignored.
    const copied = all.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(' ').slice(0, -1));
    for (const c of copied) expect(ignore, c).not.toContain(c);
  });
});
