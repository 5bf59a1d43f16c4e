// Module hooks for a worker thread started from the TypeScript sources: `./x.js` imports find `./x.ts`, which is
// transpiled (types removed, nothing checked) with the project's own TypeScript.
// Each transpiled module is kept in node_modules/.cache, under the SHA-256 of its path, its source and the compiler's
// version: every worker started from the sources would otherwise load TypeScript and transpile the whole collector
// again (seconds of CPU each). A cache that cannot be read or written only costs that time.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const COMPILER_OPTIONS = { isolatedModules: true, inlineSourceMap: true, module: 'ESNext', target: 'ES2022' };
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/evidence-locker-sources', import.meta.url));
let compilerVersion;
let ts;

function cacheKey(path, source) {
  compilerVersion ??= JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  return createHash('sha256').update(JSON.stringify([compilerVersion, COMPILER_OPTIONS, path, source])).digest('hex');
}

async function transpile(path, source) {
  ts ??= (await import('typescript')).default;
  // Option values by name, as in a tsconfig.json (transpileModule reads them so): the cache key holds the same object.
  const { outputText } = ts.transpileModule(source, { fileName: path, compilerOptions: COMPILER_OPTIONS });
  return outputText;
}

export async function resolve(specifier, context, next) {
  if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(candidate))) return { url: candidate.href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const path = fileURLToPath(url);
  const source = await readFile(path, 'utf8');
  const cached = join(CACHE_DIR, `${cacheKey(path, source)}.js`);
  try {
    return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  } catch {
    // Not transpiled yet (or unreadable): transpile it below.
  }
  const outputText = await transpile(path, source);
  try {
    // Written whole under another name, then renamed: a worker starting beside this one never reads half a module.
    mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${cached}.${process.pid}.partial`;
    writeFileSync(partial, outputText);
    renameSync(partial, cached);
  } catch {
    // A read-only or full disk: the module is used as transpiled, uncached.
  }
  return { format: 'module', source: outputText, shortCircuit: true };
}
