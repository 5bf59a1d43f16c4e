import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The modules a process loads before any command runs: the static (non-type) imports reachable from the CLI entry.
 * Heavy modules (SDK clients, the simulator, the PDF renderer, the collection engine) must be loaded with `import()`
 * where they are used, so `--help`, `controls` and an idle daemon stay small and start quickly.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Import specifiers of the statements a compiled module still executes (`import type` is erased). */
function staticValueImports(source: string): string[] {
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  const statement = /^\s*(import|export)\s+([\s\S]*?)\s*from\s*'([^']+)'/gm;
  for (const m of text.matchAll(statement)) {
    const [, keyword, clause, specifier] = m;
    if (/^type\b/.test(clause)) continue;
    if (keyword === 'export' && !/^(\*|\{)/.test(clause)) continue;
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    const names = braces ? braces[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
    if (braces && names.length > 0 && names.every((n) => /^type\s/.test(n))) continue;
    out.push(specifier);
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]);
  return out;
}

/** Every source file and package statically reachable from `entry` (a path under src/). */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticValueImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  }
  return { files: new Set([...files].map((f) => relative(ROOT, f).split('\\').join('/'))), packages };
}

const HEAVY_PACKAGES = [/^@aws-sdk\//, /^@smithy\/node-http-handler$/, /^@smithy\/core/, /^pdfkit$/, /^yauzl$/, /^playwright-core$/];
const HEAVY_SOURCES = [/^src\/simulator\//, /^src\/collect\/run\.ts$/, /^src\/aws\/clients\.ts$/, /^src\/package\/build\.ts$/, /^src\/verify\//, /^src\/store\/s3\.ts$/, /^src\/aws\/kms-signer\.ts$/];

describe('CLI start-up imports', () => {
  it('reads import statements the way the compiler emits them', () => {
    const src = [
      "import type { S3Client } from '@aws-sdk/client-s3';",
      "import { type Bucket, type Owner } from '@aws-sdk/client-s3';",
      "import {\n  ListBucketsCommand,\n  type Bucket,\n} from '@aws-sdk/client-s3-control';",
      "import cron from 'node-cron';",
      "export { a } from './a.js';",
      "export type { B } from './b.js';",
      "// import { gone } from 'commented-out';",
      "const later = () => import('pdfkit');",
    ].join('\n');
    expect(staticValueImports(src)).toEqual(['@aws-sdk/client-s3-control', 'node-cron', './a.js']);
  });

  it('loads no AWS SDK client, simulator, PDF renderer, zip code, collection engine or S3 store before a command runs', () => {
    const { files, packages } = staticGraph('src/cli/bin.ts');
    expect(files.has('src/cli/commands/daemon.ts')).toBe(true);
    expect(files.has('src/queries/index.ts')).toBe(true);
    expect([...packages].filter((p) => HEAVY_PACKAGES.some((r) => r.test(p))).sort()).toEqual([]);
    expect([...files].filter((f) => HEAVY_SOURCES.some((r) => r.test(f))).sort()).toEqual([]);
  });

  it('every evidence query, with its metadata and evaluate, is importable without any SDK client', () => {
    const { files, packages } = staticGraph('src/queries/index.ts');
    expect(files.size).toBeGreaterThan(40);
    expect([...packages].filter((p) => p.startsWith('@aws-sdk/'))).toEqual([]);
    // The loaders are how queries reach the SDK: one per package, each loaded on first collect.
    expect(readFileSync(join(ROOT, 'src/aws/sdk.ts'), 'utf8')).toMatch(/import\('@aws-sdk\/client-ec2'\)/);
  });
});
