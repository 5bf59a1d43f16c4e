/**
 * `npm run deploy:policy`: regenerates the CloudFormation templates of deploy/ from code, the member role's
 * actions from every evidence query's `apiCalls`. `--check` writes nothing and exits 1 when a committed
 * template differs from what the code generates (a query was added or changed without regenerating).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_QUERIES } from '../src/queries/index.js';
import { memberRoleActions } from './policy.js';
import { collectorTemplate, evidenceBucketTemplate, memberRoleTemplate, type BucketPolicyDocument, type Template } from './templates.js';
import { DELEGATED_SOURCES } from '../src/queries/delegated/index.js';
import { auditRoleActions, auditRoleTemplate } from './audit-role.js';

/** Template file name (in deploy/) -> its content. */
export function generatedTemplates(dir: string = deployDir()): Record<string, Template> {
  const bucketPolicy = JSON.parse(readFileSync(join(dir, 'bucket-policy.json'), 'utf8')) as BucketPolicyDocument;
  return {
    'evidence-bucket.json': evidenceBucketTemplate(bucketPolicy),
    'collector.json': collectorTemplate(),
    'member-role.json': memberRoleTemplate(memberRoleActions(ALL_QUERIES)),
    'audit-role.json': auditRoleTemplate(auditRoleActions(DELEGATED_SOURCES)),
  };
}

/** Lines of the written templates are at most this wide where a value fits (an object or array too long is broken up). */
export const TEMPLATE_LINE_WIDTH = 120;

/**
 * JSON as CloudFormation reads it, indented by two, with every object or array whose one-line form fits in
 * {@link TEMPLATE_LINE_WIDTH} columns kept on one line: still read line by line, and collector.json stays under the
 * 51,200 bytes `aws cloudformation deploy --template-file` uploads without an S3 bucket.
 */
export function templateText(t: Template): string {
  return formatJson(t, '', 0) + '\n';
}

function inlineJson(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `[${v.map(inlineJson).join(', ')}]` : '[]';
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return entries.length ? `{ ${entries.map(([k, x]) => `${JSON.stringify(k)}: ${inlineJson(x)}`).join(', ')} }` : '{}';
  }
  return JSON.stringify(v);
}

/** `used`: columns already taken on the value's first line (indent, key, and the comma that may follow). */
function formatJson(v: unknown, indent: string, used: number): string {
  const flat = inlineJson(v);
  if (!v || typeof v !== 'object' || used + flat.length + 1 <= TEMPLATE_LINE_WIDTH) return flat;
  const inner = indent + '  ';
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + formatJson(x, inner, inner.length)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v).filter(([, x]) => x !== undefined);
  return `{\n${entries
    .map(([k, x]) => {
      const key = `${JSON.stringify(k)}: `;
      return inner + key + formatJson(x, inner, inner.length + key.length);
    })
    .join(',\n')}\n${indent}}`;
}

/** The repository's deploy/ directory, whether running from source (deploy/) or from the build (dist/deploy/). */
export function deployDir(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'deploy'))) return join(dir, 'deploy');
    dir = dirname(dir);
  }
  throw new Error(`cannot find the repository's deploy/ directory above ${from}`);
}

/** Writes (or with `check`, compares) every template; returns the names that were stale. */
export function writeTemplates(dir: string, opts: { check?: boolean } = {}): string[] {
  const stale: string[] = [];
  for (const [name, template] of Object.entries(generatedTemplates(dir))) {
    const path = join(dir, name);
    const text = templateText(template);
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
    if (current === text) continue;
    stale.push(name);
    if (!opts.check) writeFileSync(path, text);
  }
  return stale;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  try {
    const dir = deployDir();
    const stale = writeTemplates(dir, { check });
    if (check && stale.length) {
      process.stderr.write(`deploy templates out of date: ${stale.join(', ')}; run \`npm run deploy:policy\` and commit the result\n`);
      process.exitCode = 1;
    } else {
      const member = memberRoleActions(ALL_QUERIES);
      process.stdout.write(
        `${check ? 'checked' : 'wrote'} ${dir}: evidence-bucket.json, collector.json, member-role.json (${member.actions.length} read-only actions for ${ALL_QUERIES.length} queries), audit-role.json (${auditRoleActions(DELEGATED_SOURCES).actions.length} aggregator and administrator reads)${stale.length && !check ? `; updated ${stale.join(', ')}` : ''}\n`,
      );
    }
  } catch (err) {
    process.stderr.write(`deploy:policy: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
