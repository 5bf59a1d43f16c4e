import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, bottom first. A module may import its own layer and the layers below it, never one above:
 * the shared nouns sit at the bottom (src/evidence), each pipeline stage imports down into the stages it builds on,
 * and the CLI, which wires them together, is at the top. Type-only and dynamic imports count as arrows too.
 *
 *   foundation   src/errors.ts, src/version.ts, src/concurrency-limit.ts, src/node-flags.ts, src/peak-rss.ts, src/csv-parse.ts: exit
 *                codes, tool identity, the one concurrency limiter, the Node options the collector runs with, a process's
 *                peak RSS, the one RFC 4180 CSV parser; each imports nothing of ours
 *   evidence     record schema, run manifest, run id and chain order, store layout and contract, period, hashing
 *   log, config  logging and the validated configuration
 *   seal         canonical JSON, signing and sealing (pure crypto; stores it writes to are handed in)
 *   aws          SDK client factory, rate limits, the KMS signer and opening the configured signer
 *   store        local and S3 evidence stores, runs of a period, legal hold
 *   simulator    the simulated AWS on loopback (demo and tests)
 *   queries      one evidence query per file, grouped by service
 *   controls     catalogs and their parameters
 *   collect,     plan and execute a collection run, then seal it; reconstruct past days from AWS's history
 *   backfill     (backfill builds on collect's planning, targets and redaction)
 *   evaluate     control status per requirement
 *   package      the auditor package
 *   verify       offline verification of packages and stores
 *   daemon       the scheduled collector
 *   cli          commands, at the top
 */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts', 'version.ts', 'concurrency-limit.ts', 'node-flags.ts', 'peak-rss.ts', 'csv-parse.ts'],
  ['evidence'],
  ['log'],
  ['config'],
  ['seal'],
  ['aws'],
  ['store'],
  ['simulator'],
  ['queries'],
  ['controls'],
  ['collect', 'backfill'],
  ['evaluate'],
  ['package'],
  ['verify'],
  ['daemon'],
  ['cli'],
];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

/** The layer of a file under src/: its top-level folder, or its own name for a file at src/ itself. */
function layerOf(file: string): number {
  const top = relative(SRC, file).split(/[\\/]/)[0];
  const i = LAYERS.findIndex((names) => names.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS in test/evidence/import-layers.test.ts`);
  return i;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of every import, export-from and dynamic import() in a module (comments removed first). */
export function relativeImports(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/\b(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) out.push(m[1]);
  return out;
}

interface Arrow {
  from: string;
  to: string;
}

function upwardArrows(): Arrow[] {
  const arrows: Arrow[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!target.startsWith(SRC)) continue;
      if (layerOf(target) > layerOf(file)) arrows.push({ from: relative(ROOT, file), to: relative(ROOT, target) });
    }
  }
  return arrows;
}

describe('import layers of src/', () => {
  it('reads static, type-only, re-export and dynamic imports', () => {
    const src = [
      "import { a } from '../a.js';",
      "import type { B } from './b.js';",
      "export { c } from '../c/c.js';",
      "const { d } = await import('../d/d.js');",
      "import cron from 'node-cron';",
      "// import { gone } from '../gone.js';",
    ].join('\n');
    expect(relativeImports(src)).toEqual(['../a.js', './b.js', '../c/c.js', '../d/d.js']);
  });

  it('places every folder and file of src/ in a layer', () => {
    for (const file of sourceFiles(SRC)) expect(() => layerOf(file)).not.toThrow();
  });

  it('has no import arrow running up a layer', () => {
    expect(upwardArrows().map((a) => `${a.from} -> ${a.to}`)).toEqual([]);
  });

  it('keeps the shared nouns at the bottom: src/evidence imports nothing above the foundation', () => {
    const evidence = LAYERS.findIndex((l) => l.includes('evidence'));
    for (const file of sourceFiles(join(SRC, 'evidence'))) {
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        expect(layerOf(resolve(dirname(file), spec.replace(/\.js$/, '.ts'))), `${relative(ROOT, file)} imports ${spec}`).toBeLessThanOrEqual(evidence);
      }
    }
  });
});
