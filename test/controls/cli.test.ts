import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { registerControlsCommand, type RequirementListing } from '../../src/cli/commands/controls.js';
import { builtInCatalogDir } from '../../src/controls/load.js';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { ALL_QUERIES } from '../../src/queries/index.js';
import { FIXED_QUERY_IDS } from './fixed-query-ids.js';

const dir = mkdtempSync(join(tmpdir(), 'el-controls-cli-'));
const emptyConfig = join(dir, 'config.yaml');
writeFileSync(emptyConfig, 'organization: Test Org\n');

async function run(args: string[], opts: { config?: string; queries?: readonly string[] } = {}): Promise<string> {
  let out = '';
  const program = new Command().option('-c, --config <file>').exitOverride();
  const known = opts.queries ?? FIXED_QUERY_IDS;
  registerControlsCommand(program, { out: (t) => void (out += t) }, () => known);
  await program.parseAsync(['node', 'evidence-locker', '-c', opts.config ?? emptyConfig, 'controls', ...args]);
  return out;
}

async function fails(args: string[], opts: { config?: string; queries?: readonly string[] } = {}): Promise<ConfigError> {
  try {
    await run(args, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(ExitCode.usage);
    return err as ConfigError;
  }
  throw new Error('expected the command to fail');
}

describe('controls list', () => {
  it('--format json gives one object per requirement with the documented fields', async () => {
    const list = JSON.parse(await run(['list', '--framework', 'pci-dss-4.0.1', '--format', 'json'])) as RequirementListing[];
    expect(list).toHaveLength(280);
    for (const r of list) {
      expect(Object.keys(r).sort()).toEqual(['coverage', 'id', 'implementation', 'parameters', 'principal', 'queries', 'testingProcedures', 'title']);
    }
    expect(list.find((r) => r.id === '8.3.6')).toEqual({
      id: '8.3.6',
      title: expect.any(String),
      coverage: 'partial',
      queries: ['iam.password-policy'],
      testingProcedures: ['8.3.6'],
      parameters: { minimumPasswordLength: 12, passwordPolicyChecks: ['length', 'composition'] },
      principal: '8.3',
      implementation: null,
    });
  });

  it('shows HIPAA implementation labels and applies configuration parameter overrides', async () => {
    const config = join(dir, 'overrides.yaml');
    writeFileSync(config, stringify({ parameters: { 'hipaa-security': { '164.308(a)(7)(ii)(A)': { minimumBackupRetentionDays: 35 } } } }));
    const list = JSON.parse(await run(['list', '--framework', 'hipaa-security', '--format', 'json'], { config })) as RequirementListing[];
    expect(list).toHaveLength(68);
    const backups = list.find((r) => r.id === '164.308(a)(7)(ii)(A)')!;
    expect(backups).toMatchObject({ implementation: 'required', principal: '164.308(a)(7)', parameters: { minimumBackupRetentionDays: 35 } });
    expect(list.find((r) => r.id === '164.312(a)(2)(iv)')!.implementation).toBe('addressable');
  });

  it('--format table prints aligned rows', async () => {
    const lines = (await run(['list', '--framework', 'pci-dss-4.0.1'])).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^id\s+coverage\s+title\s+queries$/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(lines).toHaveLength(282);
    expect(lines.find((l) => l.startsWith('10.5.1 '))).toMatch(/^10\.5\.1\s+partial\s+Audit log history .*\s+cloudtrail\.log-bucket-retention, logs\.retention$/);
    expect(lines.find((l) => l.startsWith('1.2.3 '))).toMatch(/^1\.2\.3\s+partial\s+An accurate diagram .*\s+ec2\.route-tables$/);
    expect(lines.find((l) => l.startsWith('1.2.4 '))).toMatch(/^1\.2\.4\s+manual\s+An accurate data-flow diagram .*\s+-$/);
    // long titles are shortened so the queries column stays readable
    for (const l of lines.slice(2)) expect(l.split(/\s{2,}/)[2].length).toBeLessThanOrEqual(72);
  });

  it('rejects an unknown framework or format', async () => {
    expect((await fails(['list', '--framework', 'sox'])).message).toMatch(/unknown framework "sox"; known frameworks: hipaa-security, pci-dss-4\.0\.1/);
    expect((await fails(['list', '--framework', 'pci-dss-4.0.1', '--format', 'xml'])).message).toBe('--format: "xml" is not one of table, json');
  });
});

describe('controls validate', () => {
  it('prints a summary and succeeds for the built-in catalogs', async () => {
    const out = await run(['validate']);
    expect(out).toMatch(/^hipaa-security \(.*hipaa-security\.yaml\): 68 requirements, 27 principals; automated 0, partial \d+, manual \d+, inherited \d+, not-applicable 0; \d+ evidence queries mapped$/m);
    expect(out).toMatch(/^pci-dss-4\.0\.1 \(.*pci-dss-4\.0\.1\.yaml\): 280 requirements, 86 principals; automated 0, partial \d+/m);
    expect(out).toMatch(/valid: 2 catalogs, every known evidence query is mapped/);
  });

  it('validates one framework', async () => {
    const out = await run(['validate', '--framework', 'hipaa-security']);
    expect(out).not.toMatch(/pci-dss/);
  });

  it('fails with one line per problem naming file, requirement and field', async () => {
    const edited = parse(readFileSync(join(builtInCatalogDir(), 'pci-dss-4.0.1.yaml'), 'utf8')) as { requirements: Record<string, unknown>[] };
    const i = edited.requirements.findIndex((r) => r.id === '3.5.1');
    edited.requirements[i].queries = ['s3.bucket-encryption', 's3.bucket-encryptoin'];
    const j = edited.requirements.findIndex((r) => r.id === '12.8.2');
    delete edited.requirements[j].assessorGuidance;
    edited.requirements.splice(edited.requirements.findIndex((r) => r.id === '9.4.7'), 1);
    const file = join(dir, 'pci-edited.yaml');
    writeFileSync(file, stringify(edited));
    const err = await fails(['validate', '--catalog', file]);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/pci-edited\.yaml: requirements\[\d+\] \(id 3\.5\.1\): queries\[1\]: unknown evidence query "s3\.bucket-encryptoin"$/);
    expect(lines[1]).toMatch(/pci-edited\.yaml: requirements\[\d+\] \(id 12\.8\.2\): assessorGuidance: coverage "manual" needs assessorGuidance/);
    expect(lines[2]).toMatch(/pci-edited\.yaml: requirement 9\.4\.7: pci-dss-4\.0\.1 requirement 9\.4\.7 is missing from the catalog/);
    expect(err.hint).toBe('3 problems found; fix each line above and run controls validate again');
  });

  it('reports schema errors of a --catalog file before anything else', async () => {
    const file = join(dir, 'broken.yaml');
    const edited = parse(readFileSync(join(builtInCatalogDir(), 'hipaa-security.yaml'), 'utf8')) as { requirements: Record<string, unknown>[] };
    edited.requirements[3].coverage = 'mostly';
    writeFileSync(file, stringify(edited));
    const err = await fails(['validate', '--catalog', file]);
    expect(err.message).toMatch(/broken\.yaml: requirements\[3\] \(id 164\.308\(a\)\(1\)\(ii\)\(C\)\): coverage: expected one of automated, partial, manual, inherited, not-applicable, found the string "mostly"/);
  });

  it('reports a known query that no catalog uses', async () => {
    const err = await fails(['validate'], { queries: [...FIXED_QUERY_IDS, 'ec2.vpc-flow-logs'] });
    expect(err.message).toMatch(/: queries: evidence query "ec2\.vpc-flow-logs" is used by no requirement in any loaded catalog/);
  });

  it('reports every catalog reference to a query that is not registered', async () => {
    const err = await fails(['validate', '--framework', 'hipaa-security'], { queries: FIXED_QUERY_IDS.filter((q) => q !== 'iam.password-policy') });
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/hipaa-security\.yaml: requirements\[\d+\] \(id 164\.3\d\d\([^ ]+\): queries\[\d\]: unknown evidence query "iam\.password-policy"/);
  });

  it('reports configuration parameter overrides that do not match the catalogs', async () => {
    const config = join(dir, 'bad-params.yaml');
    writeFileSync(config, stringify({ parameters: { 'pci-dss-4.0.1': { '8.3.6': { minPasswordLength: 14 } } } }));
    const err = await fails(['validate'], { config });
    expect(err.message).toMatch(/^configuration: parameters\.pci-dss-4\.0\.1\.8\.3\.6\.minPasswordLength: requirement 8\.3\.6 has no parameter "minPasswordLength" \(parameters it accepts: minimumPasswordLength, passwordPolicyChecks\)$/m);
  });
});

describe('controls coverage', () => {
  it('table: one row per top-level principal plus totals', async () => {
    const lines = (await run(['coverage', '--framework', 'pci-dss-4.0.1'])).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^principal\s+automated\s+partial\s+manual\s+inherited\s+not-applicable\s+total\s+title$/);
    expect(lines).toHaveLength(2 + 15 + 1);
    expect(lines.at(-1)).toMatch(/^all\s+0\s+\d+\s+\d+\s+\d+\s+0\s+280$/);
  });

  it('json: counts per principal', async () => {
    const t = JSON.parse(await run(['coverage', '--framework', 'hipaa-security', '--format', 'json']));
    expect(t.framework).toBe('hipaa-security');
    expect(t.rows.map((r: { principal: string }) => r.principal)).toEqual(['164.308', '164.310', '164.312', '164.314', '164.316']);
    expect(t.totals.total).toBe(68);
  });

  it('markdown: a table with a bold totals row', async () => {
    const md = await run(['coverage', '--framework', 'pci-dss-4.0.1', '--format', 'markdown']);
    expect(md).toMatch(/^\| principal \| automated \| partial \| manual \| inherited \| not-applicable \| total \| title \|$/m);
    expect(md).toMatch(/^\| --- \| ---: \| ---: \| ---: \| ---: \| ---: \| ---: \| --- \|$/m);
    expect(md).toMatch(/^\| \*\*all\*\* \| \*\*0\*\* \|.*\| \*\*280\*\* \| {2}\|$/m);
  });
});

describe('registered evidence queries', () => {
  it('use only the fixed query ids the catalogs reference', () => {
    const fixed = new Set<string>(FIXED_QUERY_IDS);
    expect(ALL_QUERIES.map((q) => q.id).filter((id) => !fixed.has(id))).toEqual([]);
  });
});
