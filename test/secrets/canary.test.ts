import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID } from '../../src/simulator/worlds/organization.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { ExitCode } from '../../src/errors.js';
import { BUILD_TIMEOUT_MS, CHILD_TESTS_TIMEOUT_MS, buildCli, childEnv, runChild, type ChildResult } from '../crash/child.js';

/**
 * Canary secrets: credentials and an external id that must never be written anywhere. They are planted in the
 * environment the collector's SDK reads (the simulated AWS accepts them) and in the configuration, then the
 * built CLI runs collect, package, verify, a service that answers AccessDenied and error paths with a bad
 * configuration, at the most verbose log level. Every byte of stdout and stderr, every file of the store, the
 * state folder and the package (unzipped, and the text of report.pdf) is searched for every canary.
 */

const CANARY = {
  accessKeyId: 'AKIACANARYQ7W2E9R4T1',
  secretAccessKey: 'cAnArY/SeCrEt+9f8e7d6c5b4a39281716/05f4e3d2c1b0a9f8',
  sessionToken: 'cAnArYsEsSiOnToKeN//IQoJb3JpZ2luX2VjEKj//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+canary+token==',
  externalId: 'canary-external-id-5f1c9e2a7b',
};

/** Every form a leak could take: as is, a distinctive part, URL-encoded, base64, JSON-escaped. */
function needles(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const [name, value] of Object.entries(CANARY)) {
    out.push({ name, text: value });
    out.push({ name: `${name} (core)`, text: value.slice(4, 20) });
    out.push({ name: `${name} (url-encoded)`, text: encodeURIComponent(value) });
    out.push({ name: `${name} (base64)`, text: Buffer.from(value).toString('base64').slice(0, 24) });
    out.push({ name: `${name} (json)`, text: JSON.stringify(value).slice(1, -1) });
  }
  // Temporary credentials the simulated STS issues to the collector when it assumes member roles.
  out.push({ name: 'assumed-role secret key', text: 'sim-session-secret-' });
  out.push({ name: 'assumed-role session token', text: 'sim-session-token-' });
  return [...new Map(out.reverse().map((n) => [n.text, n])).values()];
}

const NEEDLES = needles();
const ws = mkdtempSync(join(tmpdir(), 'el-secrets-'));
let cli: { bin: string };
let sim: SimulatedAws;
let env: NodeJS.ProcessEnv;
/** Everything any command printed, labelled by command. */
const outputs: { label: string; text: string }[] = [];
let members: string[] = [];

function record(label: string, r: ChildResult): ChildResult {
  outputs.push({ label: `${label} stdout`, text: r.stdout }, { label: `${label} stderr`, text: r.stderr });
  return r;
}

function leaksIn(label: string, text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n.text)).map((n) => `${label}: ${n.name}`);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The text of a PDF without external tools: every Flate stream inflated, and the hex strings of text operators decoded. */
function pdfText(bytes: Buffer): string {
  const parts: string[] = [bytes.toString('latin1')];
  const raw = bytes.toString('latin1');
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    try {
      const inflated = inflateSync(bytes.subarray(start, end)).toString('latin1');
      parts.push(inflated);
      parts.push(inflated.replace(/<([0-9a-fA-F\s]+)>/g, (_s, hex: string) => Buffer.from(hex.replace(/\s/g, ''), 'hex').toString('latin1')).replace(/\)\s*-?\d+(\.\d+)?\s*\(/g, ''));
    } catch {
      /* not a Flate stream (images, fonts) */
    }
    re.lastIndex = end;
  }
  return parts.join('\n');
}

function pdftotext(file: string): string | undefined {
  try {
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  cli = await buildCli();
  const world = organizationWorld({ accounts: 3, regions: ['us-east-1'], externalId: CANARY.externalId, managementAccessKeyId: CANARY.accessKeyId });
  world.credentials.get(CANARY.accessKeyId)!.secretAccessKey = CANARY.secretAccessKey;
  members = world.organization!.accountIds.filter((id) => id !== ORG_MANAGEMENT_ACCOUNT_ID);
  // GuardDuty denies everything: the failing calls' errors must not carry the credentials either.
  sim = await startSimulatedAws({ world, faults: { rules: [{ service: 'guardduty', accessDenied: true }] } });
  env = childEnv({
    ...simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID),
    AWS_ACCESS_KEY_ID: CANARY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CANARY.secretAccessKey,
    AWS_SESSION_TOKEN: CANARY.sessionToken,
    LOG_LEVEL: 'trace',
  });
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await sim?.close();
  rmSync(ws, { recursive: true, force: true });
});

// Each test runs the built CLI as child processes: its timeout is hang protection only, ample on a loaded machine.
describe('canary secrets never leave the process', { timeout: CHILD_TESTS_TIMEOUT_MS }, () => {
  const storeDir = join(ws, 'store');
  const stateDir = join(ws, 'state');
  const outDir = join(ws, 'out');
  const unzipped = join(ws, 'unzipped');
  const configFile = join(ws, 'evidence-locker.yaml');
  let day = '';

  it('the simulated AWS accepts the canary credentials: collect (organizations, external id, AccessDenied on GuardDuty) seals a run with gaps', async () => {
    writeFileSync(
      configFile,
      toYaml({
        organization: 'Canary Corp',
        accounts: { source: 'organizations', externalId: CANARY.externalId },
        regions: { list: ['us-east-1'], home: 'us-east-1' },
        store: { kind: 'local', path: storeDir },
        stateDir,
        log: { level: 'trace' },
        collect: { maxAttempts: 2, requestTimeoutMs: 5000, sensitiveEvents: ['ConsoleLogin'] },
      }),
    );
    const r = record('collect', await runChild(cli.bin, ['-c', configFile, '--log-level', 'trace', 'collect'], { env, cwd: ws }));
    expect(r.code, r.stderr).toBe(ExitCode.gaps);
    const m = /run (\d{4})(\d{2})(\d{2})T\S+: complete-with-gaps, (\d+) evidence records/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    day = `${m![1]}-${m![2]}-${m![3]}`;
    // The canary key was used: the simulator saw the management account's calls and the members' assumed roles.
    const byAccount = sim.stats().byAccount;
    expect(byAccount[ORG_MANAGEMENT_ACCOUNT_ID]?.ok).toBeGreaterThan(0);
    for (const id of members) expect(byAccount[id]?.ok, id).toBeGreaterThan(0);
    expect(sim.stats().byOperation['guardduty:ListDetectors']?.errors).toBeGreaterThan(0);
    // The trace log is there to be searched (the scan below is not vacuous).
    expect(r.stderr).toMatch(/"level":"(trace|debug|info)"/);
  });

  it('package, verify, store verify and store orphans run over it', async () => {
    const pkg = record('package', await runChild(cli.bin, ['-c', configFile, 'package', '--from', day, '--to', day, '--out', outDir], { env, cwd: ws }));
    expect(pkg.code, pkg.stderr).toBe(ExitCode.ok);
    const zip = pkg.stdout.trim().split('\n').pop()!;
    const v = record('verify', await runChild(cli.bin, ['verify', zip], { env, cwd: ws }));
    expect(v.code, v.stdout).toBe(ExitCode.ok);
    const sv = record('store verify', await runChild(cli.bin, ['-c', configFile, 'store', 'verify', '--from', day, '--to', day], { env, cwd: ws }));
    expect(sv.code, sv.stdout).toBe(ExitCode.ok);
    record('store orphans', await runChild(cli.bin, ['-c', configFile, 'store', 'orphans'], { env, cwd: ws }));
    await extractPackageZip(zip, unzipped);
  });

  it('error paths: a bad configuration (canary beside the bad field, and through an environment override), a role that does not exist, a wrong external id', async () => {
    const bad = join(ws, 'bad');
    mkdirSync(bad);
    const cases: [string, Record<string, unknown>, Record<string, string>][] = [
      ['wrong type beside the external id', { accounts: { source: 'organizations', externalId: CANARY.externalId, sessionDurationSeconds: 'forever' } }, {}],
      ['misspelt external id key', { accounts: { source: 'organizations', externalID: CANARY.externalId } }, {}],
      ['external id where a number belongs', { collect: { maxAttempts: CANARY.externalId } }, {}],
      ['external id through the environment, with a bad region', { regions: { list: ['mars-1'] } }, { EVIDENCE_LOCKER_ACCOUNTS__EXTERNAL_ID: CANARY.externalId }],
      ['a role that does not exist in any member', { accounts: { source: 'list', list: members.map((id) => ({ id })), roleName: 'NoSuchRole', externalId: CANARY.externalId } }, {}],
      ['the right role with a wrong external id', { accounts: { source: 'list', list: members.map((id) => ({ id })), externalId: `${CANARY.externalId}-wrong` } }, {}],
    ];
    for (const [i, [label, config, extraEnv]] of cases.entries()) {
      const file = join(bad, `c${i}.yaml`);
      writeFileSync(file, toYaml({ store: { kind: 'local', path: join(bad, `store${i}`) }, stateDir: join(bad, `state${i}`), regions: { list: ['us-east-1'] }, ...config }));
      const r = record(`bad config: ${label}`, await runChild(cli.bin, ['-c', file, '--log-level', 'trace', 'collect', '--queries', 's3.bucket-encryption'], { env: { ...env, ...extraEnv }, cwd: bad }));
      expect(r.code, `${label}: ${r.stderr}`).not.toBe(ExitCode.ok);
      expect(r.stderr, label).toMatch(/evidence-locker: error: |"level":"warn"/);
    }
  });

  it('no canary in any output, log line or error message', () => {
    expect(outputs.length).toBeGreaterThan(10);
    expect(outputs.flatMap((o) => leaksIn(o.label, o.text))).toEqual([]);
  });

  it('no canary in any file of the store, the state folder or the package', () => {
    // The configuration files written above hold the external id on purpose; everything else the commands wrote is searched.
    const files = [...filesUnder(storeDir), ...filesUnder(stateDir), ...filesUnder(outDir), ...filesUnder(unzipped), ...filesUnder(join(ws, 'bad')).filter((f) => !f.endsWith('.yaml'))];
    // The search finds what is there (a positive control on a file that holds the canary by design).
    expect(leaksIn('config', readFileSync(configFile, 'utf8')).length).toBeGreaterThan(0);
    expect(files.some((f) => f.includes(`${join('evidence', 'objects')}`))).toBe(true);
    const leaks: string[] = [];
    for (const f of files) leaks.push(...leaksIn(relative(ws, f), readFileSync(f).toString('latin1')), ...leaksIn(relative(ws, f), readFileSync(f).toString('utf8')));
    expect(leaks).toEqual([]);
  });

  it('no canary in the text of report.pdf (pdftotext when installed, and the inflated content streams)', () => {
    const pdf = join(unzipped, 'report.pdf');
    const bytes = readFileSync(pdf);
    const decoded = pdfText(bytes);
    // The decoding works: the organisation name set in the configuration is found in the report's text.
    const text = pdftotext(pdf);
    if (text !== undefined) expect(text).toContain('Canary Corp');
    expect(leaksIn('report.pdf (streams)', decoded)).toEqual([]);
    if (text !== undefined) expect(leaksIn('report.pdf (pdftotext)', text)).toEqual([]);
  });

  it('the external id did reach AWS: the members were reached through the role that requires it', () => {
    // Evidence from every member proves AssumeRole passed the external id, so "not written" is not "not used".
    const index = readFileSync(join(unzipped, 'evidence-index.csv'), 'utf8');
    for (const id of members) expect(index).toMatch(new RegExp(`,${id},us-east-1,[^,]*,ok,`));
  });
});
