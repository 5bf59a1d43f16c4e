import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { demoWorld, DEMO_ACCOUNT_ID } from '../../src/simulator/worlds/demo.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../faults/cli.js';
import { rawZip } from '../support/raw-zip.js';

/**
 * Malformed input of every kind through the CLI entry. Each must end in one clear error line that names the file
 * or field, with the documented exit code, and must write nothing: the case folder, the shared store and
 * package, the working directory and the temporary directory are all unchanged afterwards.
 */

const root = mkdtempSync(join(tmpdir(), 'el-bad-input-'));
const savedEnv = { ...process.env };
const savedCwd = process.cwd();
let sim: SimulatedAws;
/** A real sealed store, a real package (zip and unzipped) and its config, built once. */
const good = { configFile: '', storeDir: '', zip: '', unzipped: '', day: '' };

beforeAll(async () => {
  sim = await startSimulatedAws({ world: demoWorld() });
  Object.assign(process.env, simulatorEnv(sim, DEMO_ACCOUNT_ID));
  const base = join(root, 'good');
  mkdirSync(base);
  good.storeDir = join(base, 'store');
  good.configFile = join(base, 'evidence-locker.yaml');
  writeFileSync(good.configFile, toYaml({ store: { kind: 'local', path: good.storeDir }, stateDir: join(base, 'state'), log: { level: 'error' } }));
  const collect = await runCli(['-c', good.configFile, 'collect', '--queries', 's3.bucket-encryption,config.recorder-status']);
  expect(collect.code).toBe(ExitCode.ok);
  good.day = /run (\d{4})(\d{2})(\d{2})T/.exec(collect.stdout)!.slice(1, 4).join('-');
  const out = join(base, 'out');
  const pkg = await runCli(['-c', good.configFile, 'package', '--from', good.day, '--to', good.day, '--out', out]);
  expect(pkg.code, pkg.stderr).toBe(ExitCode.ok);
  good.zip = join(out, readdirSync(out).find((f) => f.endsWith('.zip'))!);
  good.unzipped = join(base, 'unzipped');
  await extractPackageZip(good.zip, good.unzipped);
});

afterAll(async () => {
  process.chdir(savedCwd);
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim?.close();
  rmSync(root, { recursive: true, force: true });
});

/** Every file and folder under `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      out.push(`${p} ${st.isDirectory() ? 'dir' : `${st.size} ${st.mtimeMs}`}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

const CATALOG = {
  framework: 'acme-internal',
  name: 'ACME internal controls',
  version: '1.0',
  publisher: 'ACME',
  requirements: [
    {
      id: 'AC-1',
      title: 'Evidence buckets are encrypted',
      principal: 'AC',
      testingProcedures: ['AC-1.a'],
      coverage: 'automated',
      rationale: 'Bucket encryption settings are read from the S3 API.',
      queries: ['s3.bucket-encryption'],
    },
    {
      id: 'AC-2',
      title: 'Access reviews happen quarterly',
      principal: 'AC',
      testingProcedures: ['AC-2.a'],
      coverage: 'manual',
      rationale: 'A documented procedure outside AWS APIs.',
      assessorGuidance: 'Ask for the last four quarterly review records.',
    },
  ],
};
const catalogWith = (mutate: (c: typeof CATALOG) => unknown) => toYaml(mutate(structuredClone(CATALOG)));

interface Workspace {
  dir: string;
  file: (name: string) => string;
}

interface BadInput {
  name: string;
  /** Files of the case, relative to its folder. */
  files?: (w: Workspace) => Record<string, string | Buffer>;
  args: (w: Workspace) => string[];
  env?: Record<string, string>;
  code: number;
  /** What the error must say (file or field named). */
  message: RegExp;
  /** Where the error is reported: `stderr` as one `evidence-locker: error:` line (default), `stdout` as a verification report, or `usage` (commander). */
  channel?: 'stderr' | 'stdout' | 'usage';
}

const localConfig = (w: Workspace, extra: Record<string, unknown> = {}) =>
  toYaml({ store: { kind: 'local', path: w.file('store') }, stateDir: w.file('state'), ...extra });

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const CASES: BadInput[] = [
  // ---- configuration
  { name: 'config: invalid YAML', files: () => ({ 'c.yaml': 'store:\n  kind: local\n  path: [unclosed\n' }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml:.*line \d+.*not valid YAML/ },
  { name: 'config: a YAML list instead of a mapping', files: () => ({ 'c.yaml': '- collect\n- package\n' }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: the configuration must be a YAML mapping/ },
  { name: 'config: wrong type (maxAttempts a string)', files: (w) => ({ 'c.yaml': localConfig(w, { collect: { maxAttempts: 'many' } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: collect\.maxAttempts:/ },
  { name: 'config: wrong type (regions.list a string)', files: (w) => ({ 'c.yaml': localConfig(w, { regions: { list: 'us-east-1' } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: regions\.list:/ },
  { name: 'config: unknown top-level field', files: (w) => ({ 'c.yaml': localConfig(w, { colect: { maxAttempts: 3 } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: .*colect/ },
  { name: 'config: unknown nested field', files: (w) => ({ 'c.yaml': toYaml({ store: { kind: 'local', pth: w.file('store') } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: store.*pth/ },
  { name: 'config: account id of 5 digits', files: (w) => ({ 'c.yaml': localConfig(w, { accounts: { source: 'list', list: [{ id: '12345' }] } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: accounts\.list\[0\]\.id: an AWS account id is 12 digits/ },
  { name: 'config: account id as a number', files: (w) => ({ 'c.yaml': `${localConfig(w)}accounts:\n  source: list\n  list:\n    - id: 123456789012\n` }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: accounts\.list\[0\]\.id:/ },
  { name: 'config: bad region name', files: (w) => ({ 'c.yaml': localConfig(w, { regions: { list: ['us-east-one'] } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: regions\.list\[0\]: an AWS region name/ },
  { name: 'config: bad home region', files: (w) => ({ 'c.yaml': localConfig(w, { regions: { home: 'EU' } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: regions\.home:/ },
  { name: 'config: retention of zero days', files: () => ({ 'c.yaml': toYaml({ store: { kind: 's3', bucket: 'evidence', retention: { days: 0 } } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: store\.retention\.days:/ },
  { name: 'config: retention in days and years', files: () => ({ 'c.yaml': toYaml({ store: { kind: 's3', bucket: 'evidence', retention: { days: 400, years: 1 } } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: store\.retention: give exactly one of days or years/ },
  { name: 'config: retention as text', files: () => ({ 'c.yaml': toYaml({ store: { kind: 's3', bucket: 'evidence', retention: { years: 'six' } } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /c\.yaml: store\.retention\.years:/ },
  { name: 'config: file missing', args: (w) => ['-c', w.file('missing.yaml'), 'collect'], code: 2, message: /missing\.yaml: cannot read the configuration file \(ENOENT\)/ },
  { name: 'config: environment override of the wrong type', files: (w) => ({ 'c.yaml': localConfig(w) }), env: { EVIDENCE_LOCKER_COLLECT__MAX_ATTEMPTS: '"many"' }, args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /collect\.maxAttempts:.*EVIDENCE_LOCKER_COLLECT__MAX_ATTEMPTS/ },

  // ---- catalogs (controls validate --catalog)
  { name: 'catalog: malformed YAML', files: () => ({ 'cat.yaml': 'framework: acme-internal\nrequirements:\n  - id: AC-1\n   title: bad indent\n' }), args: (w) => ['controls', 'validate', '--catalog', w.file('cat.yaml')], code: 2, message: /cat\.yaml/ },
  { name: 'catalog: duplicate requirement id', files: () => ({ 'cat.yaml': catalogWith((c) => ({ ...c, requirements: [c.requirements[0], { ...c.requirements[1], id: 'AC-1' }] })) }), args: (w) => ['controls', 'validate', '--catalog', w.file('cat.yaml')], code: 2, message: /cat\.yaml.*AC-1.*duplicate requirement id/ },
  { name: 'catalog: unknown evidence query', files: () => ({ 'cat.yaml': catalogWith((c) => ({ ...c, requirements: [{ ...c.requirements[0], queries: ['s3.bucket-encyrption'] }, c.requirements[1]] })) }), args: (w) => ['controls', 'validate', '--catalog', w.file('cat.yaml')], code: 2, message: /cat\.yaml.*AC-1.*unknown evidence query "s3\.bucket-encyrption"/ },
  { name: 'catalog: missing rationale', files: () => ({ 'cat.yaml': catalogWith((c) => ({ ...c, requirements: [{ ...c.requirements[0], rationale: undefined }, c.requirements[1]] })) }), args: (w) => ['controls', 'validate', '--catalog', w.file('cat.yaml')], code: 2, message: /cat\.yaml.*rationale/ },
  { name: 'catalog: unknown coverage label', files: () => ({ 'cat.yaml': catalogWith((c) => ({ ...c, requirements: [{ ...c.requirements[0], coverage: 'mostly' }, c.requirements[1]] })) }), args: (w) => ['controls', 'validate', '--catalog', w.file('cat.yaml')], code: 2, message: /cat\.yaml.*coverage/ },
  { name: 'catalog: file missing', args: (w) => ['controls', 'validate', '--catalog', w.file('nope.yaml')], code: 2, message: /nope\.yaml: cannot read catalog/ },

  // ---- cron expressions (daemon schedules are checked before anything starts)
  { name: 'cron: too few fields', files: (w) => ({ 'c.yaml': localConfig(w, { schedules: [{ name: 'nightly', action: 'collect', cron: '0 2 *' }] }) }), args: (w) => ['-c', w.file('c.yaml'), 'daemon'], code: 2, message: /schedules\[0\]\.cron: "0 2 \*" \(schedule "nightly"\) is not a valid cron expression/ },
  { name: 'cron: minute out of range', files: (w) => ({ 'c.yaml': localConfig(w, { schedules: [{ name: 'ok', action: 'collect', cron: '0 2 * * *' }, { name: 'late', action: 'package', cron: '61 2 * * *', period: 'previous-day' }] }) }), args: (w) => ['-c', w.file('c.yaml'), 'daemon'], code: 2, message: /schedules\[1\]\.cron: "61 2 \* \* \*"/ },
  { name: 'cron: words instead of fields', files: (w) => ({ 'c.yaml': localConfig(w, { schedules: [{ name: 'nightly', action: 'collect', cron: 'every night' }] }) }), args: (w) => ['-c', w.file('c.yaml'), 'daemon'], code: 2, message: /schedules\[0\]\.cron:/ },
  { name: 'cron: unknown time zone', files: (w) => ({ 'c.yaml': localConfig(w, { schedules: [{ name: 'nightly', action: 'collect', cron: '0 2 * * *', timezone: 'Mars/Olympus_Mons' }] }) }), args: (w) => ['-c', w.file('c.yaml'), 'daemon'], code: 2, message: /schedules\[0\]\.timezone: "Mars\/Olympus_Mons"/ },

  // ---- dates
  { name: 'dates: --from after --to', args: () => ['-c', good.configFile, 'package', '--from', '2026-03-01', '--to', '2026-02-01', '--out', 'pkg'], code: 2, message: /--from 2026-03-01 is after --to 2026-02-01/ },
  { name: 'dates: 2026-02-30 does not exist', args: () => ['-c', good.configFile, 'package', '--from', '2026-02-30', '--to', '2026-03-31', '--out', 'pkg'], code: 2, message: /--from: "2026-02-30" is not a (calendar )?date/ },
  { name: 'dates: not a date', args: () => ['-c', good.configFile, 'package', '--from', '2026-01-01', '--to', 'yesterday', '--out', 'pkg'], code: 2, message: /--to: "yesterday" is not a (calendar )?date/ },
  { name: 'dates: store verify with a month 13', args: () => ['-c', good.configFile, 'store', 'verify', '--from', '2026-13-01', '--to', '2026-12-31'], code: 2, message: /--from: "2026-13-01" is not a (calendar )?date/ },
  { name: 'dates: a period with no sealed run', args: () => ['-c', good.configFile, 'package', '--from', '1999-01-01', '--to', '1999-01-31', '--out', 'pkg'], code: 2, message: /no sealed collection runs between 1999-01-01 and 1999-01-31/ },

  // ---- account ids and other arguments
  { name: 'accounts: --accounts with 5 digits', args: () => ['-c', good.configFile, 'collect', '--accounts', '12345'], code: 2, message: /--accounts: "12345" is not a 12-digit AWS account id/ },
  { name: 'accounts: --accounts with letters', args: () => ['-c', good.configFile, 'package', '--from', '2026-01-01', '--to', '2026-01-31', '--accounts', '1111222233x3'], code: 2, message: /--accounts: "1111222233x3" is not a 12-digit AWS account id/ },
  { name: 'accounts: package for an account never collected', args: () => ['-c', good.configFile, 'package', '--from', good.day, '--to', good.day, '--accounts', '999988887777', '--out', 'pkg'], code: 2, message: /account 999988887777 has no sealed collection run/ },
  { name: 'arguments: --shard 0/4', args: () => ['-c', good.configFile, 'collect', '--shard', '0/4'], code: 2, message: /--shard: "0\/4" is not a shard/ },
  { name: 'arguments: unknown query id', args: () => ['-c', good.configFile, 'collect', '--queries', 's3.no-such-query'], code: 2, message: /unknown query id\(s\): s3\.no-such-query/ },
  { name: 'arguments: unknown option', args: () => ['collect', '--acounts', '111122223333'], code: 2, message: /unknown option '--acounts'/, channel: 'usage' },

  // ---- options refused before any side effect (no store, no signing key, no output)
  { name: 'options: --log-level loud', args: () => ['--log-level', 'loud', '-c', good.configFile, 'collect'], code: 2, message: /--log-level: "loud" is not a log level/ },
  { name: 'options: LOG_LEVEL=loud in the environment', env: { LOG_LEVEL: 'loud' }, args: () => ['-c', good.configFile, 'collect'], code: 2, message: /LOG_LEVEL: "loud" is not a log level/ },
  { name: 'options: collect --regions mars-1', args: () => ['-c', good.configFile, 'collect', '--regions', 'mars-1'], code: 2, message: /--regions: "mars-1" is not an AWS region/ },
  { name: 'options: collect --regions with a misspelt region among good ones', args: () => ['-c', good.configFile, 'collect', '--regions', 'us-east-1,eu-west-9'], code: 2, message: /--regions: "eu-west-9" is not an AWS region/ },
  { name: 'options: a configured region the SDK does not know', files: (w) => ({ 'c.yaml': localConfig(w, { regions: { list: ['us-east-1', 'eu-west-9'] } }) }), args: (w) => ['-c', w.file('c.yaml'), 'collect'], code: 2, message: /configuration regions\.list: "eu-west-9" is not an AWS region/ },
  {
    name: 'options: collect --accounts not in the configured list (nothing sealed, no key created)',
    files: (w) => ({ 'c.yaml': localConfig(w, { accounts: { source: 'list', list: [{ id: DEMO_ACCOUNT_ID }] } }) }),
    args: (w) => ['-c', w.file('c.yaml'), 'collect', '--accounts', '999988887777'],
    code: 2,
    message: /--accounts: 999988887777 is not in the configured account list/,
  },
  { name: 'options: collect --accounts that is not the current account', args: () => ['-c', good.configFile, 'collect', '--accounts', '999988887777'], code: 2, message: /--accounts: 999988887777 is not the current account/ },
  { name: 'options: unknown --queries id refused before a signing key is created', files: (w) => ({ 'c.yaml': localConfig(w) }), args: (w) => ['-c', w.file('c.yaml'), 'collect', '--queries', 's3.no-such-query'], code: 2, message: /unknown query id\(s\): s3\.no-such-query/ },
  { name: 'options: package --out is an existing file', files: () => ({ 'taken.zip': 'not a folder' }), args: (w) => ['-c', good.configFile, 'package', '--from', good.day, '--to', good.day, '--out', w.file('taken.zip')], code: 2, message: /--out .*taken\.zip: exists and is a file, not a folder/ },
  { name: 'options: package --out below an existing file', files: () => ({ 'taken': 'a file' }), args: (w) => ['-c', good.configFile, 'package', '--from', good.day, '--to', good.day, '--out', join(w.file('taken'), 'pkg')], code: 2, message: /--out .*taken\/pkg: .*taken is a file, so the folder cannot be created/ },
  { name: 'options: demo --out is an existing file', files: () => ({ 'demo-out': 'a file' }), args: (w) => ['demo', '--out', w.file('demo-out')], code: 2, message: /--out .*demo-out: exists and is a file, not a folder/ },
  // The superuser may write into any folder, so a read-only folder can only be shown to an ordinary user.
  ...(process.getuid?.() === 0
    ? []
    : [
        {
          name: 'options: package --out is a read-only folder',
          args: (w: Workspace) => {
            mkdirSync(w.file('ro'));
            chmodSync(w.file('ro'), 0o555);
            return ['-c', good.configFile, 'package', '--from', good.day, '--to', good.day, '--out', w.file('ro')];
          },
          code: 2,
          message: /--out .*ro: the folder is not writable by this user/,
        },
      ]),

  // ---- package paths
  { name: 'package path: missing file', args: (w) => ['verify', w.file('missing.zip')], code: 2, message: /missing\.zip: no such file or folder/ },
  { name: 'package path: a folder that is not a package', files: () => ({ 'notes/readme.txt': 'hello' }), args: (w) => ['verify', w.file('notes')], code: 1, message: /SHA256SUMS: missing[\s\S]*manifest\.json: missing/, channel: 'stdout' },
  { name: 'package path: a text file named .zip', files: () => ({ 'pkg.zip': 'this is not a zip file at all\n' }), args: (w) => ['verify', w.file('pkg.zip')], code: 1, message: /pkg\.zip: not a readable zip archive/ },
  { name: 'package path: truncated zip', files: () => ({ 'cut.zip': readFileSync(good.zip).subarray(0, Math.floor(statSync(good.zip).size / 2)) }), args: (w) => ['verify', w.file('cut.zip')], code: 1, message: /cut\.zip: .*(truncated or corrupt|not a readable zip)/ },
  {
    name: 'package path: zip with a flipped data byte',
    files: () => {
      const bytes = Buffer.from(readFileSync(good.zip));
      // The first entry's data starts after its 30-byte header and name; flip a byte inside it.
      const at = 30 + bytes.readUInt16LE(26) + bytes.readUInt16LE(28) + 5;
      bytes[at] ^= 0xff;
      return { 'flipped.zip': bytes };
    },
    args: (w) => ['verify', w.file('flipped.zip')],
    code: 1,
    message: /flipped\.zip: entry .* is corrupt/,
  },
  {
    name: 'zip entries: a zip of a few MB declaring 4.1 GB more than its manifest lists is refused before extracting',
    files: () => {
      const listed = JSON.parse(readFileSync(join(good.unzipped, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
      const [a, b] = listed.files.map((f) => f.path);
      const entries = readdirSync(good.unzipped, { recursive: true }).map(String).filter((p) => statSync(join(good.unzipped, p)).isFile()).sort();
      // Two listed files claim 2.05 GB each (under the per-entry limit); their data is a few MB of deflated zeros.
      return { 'bomb.zip': rawZip(entries.map((p) => (p === a || p === b ? { name: p, data: Buffer.alloc(2_000_000), deflate: true, declaredSize: 2_050_000_000 } : { name: p, data: readFileSync(join(good.unzipped, p)) }))) };
    },
    args: (w) => ['verify', w.file('bomb.zip')],
    code: 1,
    message: /bomb\.zip: refusing to extract.*declares 2050000000 bytes uncompressed, manifest\.json lists \d+/,
  },
  { name: 'zip entries: ../evil escapes the folder', files: () => ({ 'evil.zip': rawZip([{ name: 'SHA256SUMS', data: '' }, { name: '../evil', data: 'pwned' }]) }), args: (w) => ['verify', w.file('evil.zip')], code: 1, message: /evil\.zip: refusing to extract.*"\.\.\/evil": path escapes the package folder/ },
  { name: 'zip entries: nested ../ escape', files: () => ({ 'evil.zip': rawZip([{ name: 'evidence/../../evil2', data: 'pwned' }]) }), args: (w) => ['verify', w.file('evil.zip')], code: 1, message: /evil\.zip: refusing to extract.*evidence\/\.\.\/\.\.\/evil2/ },
  { name: 'zip entries: absolute path', files: (w) => ({ 'abs.zip': rawZip([{ name: `${w.dir}/abs-evil`, data: 'pwned' }]) }), args: (w) => ['verify', w.file('abs.zip')], code: 1, message: /abs\.zip: refusing to extract.*absolute path/ },
  { name: 'zip entries: symbolic link', files: () => ({ 'link.zip': rawZip([{ name: 'manifest.json', data: '/etc/passwd', mode: 0o120777 }]) }), args: (w) => ['verify', w.file('link.zip')], code: 1, message: /link\.zip: refusing to extract.*manifest\.json: symbolic link entries are not allowed/ },
  { name: 'zip entries: duplicate names', files: () => ({ 'dup.zip': rawZip([{ name: 'manifest.json', data: '{}' }, { name: 'manifest.json', data: '{}' }]) }), args: (w) => ['verify', w.file('dup.zip')], code: 1, message: /dup\.zip: refusing to extract.*manifest\.json: duplicate entry name/ },

  // ---- hostile JSON inside a package
  {
    name: 'package JSON: deeply nested manifest.json',
    files: () => ({ 'pkg/.keep': '' }),
    args: (w) => {
      copyPackage(w, 'pkg', { 'manifest.json': nested(200_000) });
      return ['verify', w.file('pkg')];
    },
    code: 1,
    message: /manifest\.json: not a valid package manifest/,
    channel: 'stdout',
  },
  {
    name: 'package JSON: huge manifest.json (64 MB string)',
    files: () => ({ 'pkg/.keep': '' }),
    args: (w) => {
      copyPackage(w, 'pkg', { 'manifest.json': `{"schema":"${'A'.repeat(64 * 1024 * 1024)}"}` });
      return ['verify', w.file('pkg')];
    },
    code: 1,
    message: /manifest\.json: not a valid package manifest/,
    channel: 'stdout',
  },
  {
    name: 'package JSON: deeply nested evidence body',
    files: () => ({ 'pkg/.keep': '' }),
    args: (w) => {
      const evidence = readdirSync(join(good.unzipped, 'evidence/objects/sha256'), { recursive: true }).map(String).find((p) => p.endsWith('.json'))!;
      copyPackage(w, 'pkg', { [`evidence/objects/sha256/${evidence}`]: `{"schema":"evidence-locker/evidence@1","data":${nested(200_000)}}` });
      return ['verify', w.file('pkg')];
    },
    code: 1,
    message: /evidence\/objects\/sha256\/.*\.json: .*(altered|does not match)/,
    channel: 'stdout',
  },
  {
    name: 'package JSON: deeply nested run manifest',
    files: () => ({ 'pkg/.keep': '' }),
    args: (w) => {
      const runId = readdirSync(join(good.unzipped, 'runs'))[0];
      copyPackage(w, 'pkg', { [`runs/${runId}/manifest.json`]: nested(200_000) });
      return ['verify', w.file('pkg')];
    },
    code: 1,
    message: /runs\/.*\/manifest\.json: .*(not a valid run manifest|differs|altered)/,
    channel: 'stdout',
  },
];

/** A copy of the good unzipped package in the case folder, with some files replaced. */
function copyPackage(w: Workspace, to: string, replace: Record<string, string>): void {
  const dest = w.file(to);
  rmSync(dest, { recursive: true, force: true });
  cpSync(good.unzipped, dest, { recursive: true });
  for (const [p, text] of Object.entries(replace)) {
    const abs = join(dest, ...p.split('/'));
    rmSync(abs, { force: true });
    writeFileSync(abs, text);
  }
}

describe('malformed input through the CLI: one clear error naming the file or field, the documented exit code, nothing written', () => {
  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dir = mkdtempSync(join(root, 'case-'));
    const w: Workspace = { dir, file: (n) => join(dir, n) };
    for (const [name, content] of Object.entries(c.files?.(w) ?? {})) {
      mkdirSync(dirname(w.file(name)), { recursive: true });
      writeFileSync(w.file(name), content);
    }
    const args = c.args(w);
    const cwd = mkdtempSync(join(root, 'cwd-'));
    const tmp = mkdtempSync(join(root, 'tmp-'));
    const watched = [dir, good.storeDir, dirname(good.zip), good.unzipped, join(root, 'good', 'state')];
    const before = watched.map((d) => snapshot(d).join('\n'));
    const env = { ...(c.env ?? {}), TMPDIR: tmp };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    process.chdir(cwd);
    let result;
    try {
      result = await runCli(args);
    } finally {
      process.chdir(savedCwd);
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }

    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(c.code);
    expect(result.stderr).not.toMatch(/unexpected error|unhandled|^\s+at /m);
    const channel = c.channel ?? 'stderr';
    if (channel === 'stderr') {
      const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('evidence-locker: error: '));
      expect(errorLines, result.stderr).toHaveLength(1);
      expect(errorLines[0]).toMatch(c.message);
      // One line of error, optionally one line of what to do: nothing else.
      const lines = result.stderr.split('\n').filter((l) => l && !/NodeVersionSupportWarning|versions published after|require node >=22|To continue receiving|security updates please|More information can be found|--trace-warnings/.test(l));
      expect(lines.filter((l) => !l.startsWith('evidence-locker: error: ') && !l.startsWith('  what to do: ')), result.stderr).toEqual([]);
    } else if (channel === 'stdout') {
      expect(result.stdout).toMatch(/INVALID: \d+ problem/);
      expect(result.stdout).toMatch(c.message);
    } else {
      expect(result.stderr).toMatch(c.message);
    }

    // Nothing written: the case folder, the shared store and package, the working directory and the temporary
    // directory (TMPDIR, where verify extracts) are as they were.
    const after = watched.map((d) => snapshot(d).join('\n'));
    expect(after).toEqual(before);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
    for (const escaped of ['evil', 'evil2']) expect(existsSync(join(dir, escaped)) || existsSync(join(root, escaped)) || existsSync(join(tmp, '..', escaped))).toBe(false);
    expect(existsSync(w.file('abs-evil'))).toBe(false);
  });
});
