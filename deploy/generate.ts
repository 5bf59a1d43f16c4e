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

export function templateText(t: Template): string {
  return JSON.stringify(t, null, 2) + '\n';
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
