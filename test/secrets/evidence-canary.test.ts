import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { Finding } from '@aws-sdk/client-guardduty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { startSimulatedAws, simulatorEnv, type SimulatedAws } from '../../src/simulator/server.js';
import { demoWorld, DEMO_ACCOUNT_ID } from '../../src/simulator/worlds/demo.js';
import type { SimWorld } from '../../src/simulator/world.js';
import { ec2State } from '../../src/simulator/services/ec2.js';
import { rdsState } from '../../src/simulator/services/rds.js';
import { securityHubState } from '../../src/simulator/services/securityhub.js';
import { snsState } from '../../src/simulator/services/sns.js';
import { eventBridgeState } from '../../src/simulator/services/events.js';
import { lambdaState } from '../../src/simulator/services/lambda.js';
import { addEvent } from '../../src/simulator/worlds/builders.js';
import { extractPackageZip } from '../../src/verify/unzip.js';
import { ExitCode } from '../../src/errors.js';
import { REDACTION_RULES } from '../../src/collect/redact.js';
import { BUILD_TIMEOUT_MS, CHILD_TESTS_TIMEOUT_MS, buildCli, childEnv, runChild, type ChildResult } from '../crash/child.js';

/**
 * Canary secrets inside the evidence itself: values that AWS would return to the collector (a tag DB_PASSWORD,
 * Lambda/ECS/CodeBuild environment variables and launch-template user data in Security Hub findings, tags in a
 * GuardDuty finding, credentials and passwords in CloudTrail events) are planted in the simulated demo account.
 * The built CLI collects, packages and verifies at the most verbose log level; no canary may reach the store, the
 * package (every file, index.html, the text of report.pdf), any log line or output. The markers that replace them
 * are found where the values were, so "not written" is not "not collected".
 */

const REGION = 'us-east-1';
const USER_DATA_SCRIPT = '#!/bin/bash\nexport DB_PASSWORD=cnryUserDataPw4412\n/opt/app/start';
const CANARY = {
  ec2Tag: 'cnryEc2TagPassword8815',
  rdsTag: 'cnryRdsTagToken2290',
  lambdaEnv: 'cnryLambdaEnvSecret7731',
  ecsEnv: 'cnryEcsEnvApiKey5518',
  codeBuildEnv: 'cnryCodeBuildNpmToken6604',
  hubTag: 'cnryHubTagSecret3377',
  userData: 'cnryUserDataPw4412',
  userDataBase64: Buffer.from(USER_DATA_SCRIPT).toString('base64'),
  guardDutyTag: 'cnryGuardDutyTagKey9043',
  sessionToken: 'cnrySessionTokenIQoJb3JpZ2luX2Vj0192',
  secretAccessKey: 'cnrySecretAccessKey/wJalrXUtnFEMI0193',
  loginPassword: 'cnryLoginProfilePw0194',
  secretValue: 'cnrySecretsManagerValue0195',
  userTag: 'cnryCloudTrailUserTag0196',
  buildEnv: 'cnryStartBuildEnv0197',
  directoryPassword: 'cnryDirectoryAdminPw0198',
  webhookKey: 'cnrySnsWebhookKey0199',
  targetHeader: 'cnryTargetApiKey0200',
  lambdaFunctionEnv: 'cnryLambdaFunctionEnvPw0199',
};
const SENSITIVE_EVENTS = ['GetSessionToken', 'CreateAccessKey', 'UpdateLoginProfile', 'GetSecretValue', 'CreateUser', 'StartBuild', 'CreateDirectory', 'ConsoleLogin'];

/** Every form a leak could take: as is, JSON-escaped, URL-encoded, base64 (as a whole and from any offset). */
function needles(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  for (const [name, value] of Object.entries(CANARY)) {
    out.push({ name, text: value }, { name: `${name} (json)`, text: JSON.stringify(value).slice(1, -1) }, { name: `${name} (url)`, text: encodeURIComponent(value) });
    for (let shift = 0; shift < 3; shift++) out.push({ name: `${name} (base64+${shift})`, text: Buffer.from(`${'x'.repeat(shift)}${value}`).toString('base64').slice(4 * Math.ceil(shift / 3) + 4, -4) });
  }
  return out.filter((n) => n.text.length >= 10);
}
const NEEDLES = needles();

function plantCanaries(world: SimWorld): void {
  const acct = world.account(DEMO_ACCOUNT_ID)!;
  const now = world.now();
  const instance = ec2State(acct, REGION).reservations[0].Instances![0];
  instance.Tags = [...(instance.Tags ?? []), { Key: 'DB_PASSWORD', Value: CANARY.ec2Tag }];
  const db = rdsState(acct, REGION).dbInstances[0];
  db.TagList = [...(db.TagList ?? []), { Key: 'app-token', Value: CANARY.rdsTag }];

  const hub = securityHubState(acct, REGION);
  const template = hub.findings.find((f) => f.Compliance?.AssociatedStandards?.some((s) => s.StandardsId?.includes('pci-dss')))!;
  const finding = (control: string, resource: NonNullable<AwsSecurityFinding['Resources']>[number]): AwsSecurityFinding => ({
    ...template,
    Id: `${template.Id}-canary-${control}`,
    GeneratorId: `security-control/${control}`,
    Title: `${control} canary finding`,
    Resources: [resource],
    Compliance: { ...template.Compliance, Status: 'FAILED', SecurityControlId: control },
  });
  hub.findings.push(
    finding('Lambda.2', { Type: 'AwsLambdaFunction', Id: `arn:aws:lambda:${REGION}:${acct.id}:function:payments`, Tags: { Owner: 'payments', 'vault-secret': CANARY.hubTag }, Details: { AwsLambdaFunction: { FunctionName: 'payments', Environment: { Variables: { STRIPE_SECRET: CANARY.lambdaEnv } } } } }),
    finding('ECS.5', { Type: 'AwsEcsTaskDefinition', Id: `arn:aws:ecs:${REGION}:${acct.id}:task-definition/web:3`, Details: { AwsEcsTaskDefinition: { Family: 'web', ContainerDefinitions: [{ Name: 'web', Environment: [{ Name: 'API_KEY', Value: CANARY.ecsEnv }] }] } } }),
    finding('CodeBuild.2', { Type: 'AwsCodeBuildProject', Id: `arn:aws:codebuild:${REGION}:${acct.id}:project/build`, Details: { AwsCodeBuildProject: { Name: 'build', Environment: { Type: 'LINUX_CONTAINER', EnvironmentVariables: [{ Name: 'NPM_TOKEN', Type: 'PLAINTEXT', Value: CANARY.codeBuildEnv }] } } } }),
    finding('EC2.25', { Type: 'AwsEc2LaunchTemplate', Id: `arn:aws:ec2:${REGION}:${acct.id}:launch-template/lt-0abc`, Details: { AwsEc2LaunchTemplate: { LaunchTemplateName: 'web', LaunchTemplateData: { UserData: CANARY.userDataBase64 } } } }),
  );

  // A function's own configuration as ListFunctions returns it (lambda.environment-secrets, inspector2.coverage).
  const fn = lambdaState(acct, REGION).functions[0];
  fn.Environment = { Variables: { ...fn.Environment?.Variables, SERVICE_PASSWORD: CANARY.lambdaFunctionEnv } };

  const detector = acct.regions.get(REGION)!.guardduty!.detectors[0];
  const gd: Finding = { ...detector.findings[0], Id: 'canaryfinding0000000000000000001', Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: instance.InstanceId, Tags: [{ Key: 'ssh-key', Value: CANARY.guardDutyTag }] } } };
  detector.findings.push(gd);

  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
  const event = (name: string, source: string, minutesAgo: number, requestParameters: Record<string, unknown> | null, responseElements: Record<string, unknown> | null) =>
    addEvent(acct, REGION, { name, source, time: at(minutesAgo), userName: 'alice.ops', readOnly: false, requestParameters, responseElements });
  event('GetSessionToken', 'sts.amazonaws.com', 30, { durationSeconds: 3600 }, { credentials: { accessKeyId: 'ASIAEXAMPLEKEY000002', sessionToken: CANARY.sessionToken, expiration: 'Dec 3, 2026, 11:00:00 PM' } });
  event('CreateAccessKey', 'iam.amazonaws.com', 31, { userName: 'ci' }, { accessKey: { userName: 'ci', accessKeyId: 'AKIAEXAMPLEKEY000003', status: 'Active', secretAccessKey: CANARY.secretAccessKey } });
  event('UpdateLoginProfile', 'iam.amazonaws.com', 32, { userName: 'bob', password: CANARY.loginPassword, passwordResetRequired: true }, null);
  event('GetSecretValue', 'secretsmanager.amazonaws.com', 33, { secretId: 'prod/db' }, { secretString: CANARY.secretValue });
  event('CreateUser', 'iam.amazonaws.com', 34, { userName: 'svc', tags: [{ key: 'db_password', value: CANARY.userTag }] }, null);
  event('StartBuild', 'codebuild.amazonaws.com', 35, { projectName: 'build', environmentVariablesOverride: [{ name: 'DEPLOY_TOKEN', value: CANARY.buildEnv, type: 'PLAINTEXT' }] }, null);
  event('CreateDirectory', 'ds.amazonaws.com', 36, { name: 'corp.example.com', password: CANARY.directoryPassword, size: 'Small' }, null);

  const topic = snsState(acct, REGION).topics.find((t) => t.TopicArn.endsWith(':security-alerts'))!;
  topic.subscriptions.push({ SubscriptionArn: `${topic.TopicArn}:canary`, Owner: acct.id, Protocol: 'https', Endpoint: `https://events.example.com/integration/${CANARY.webhookKey}/enqueue`, TopicArn: topic.TopicArn });
  const rule = eventBridgeState(acct, REGION).rules.find((r) => r.rule.Name === 'guardduty-findings')!;
  rule.targets.push({ Id: 'findings-api', Arn: `arn:aws:execute-api:${REGION}:${acct.id}:abc123/prod/POST/findings`, HttpParameters: { HeaderParameters: { 'x-api-key': CANARY.targetHeader } } });
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

/** The text of a PDF: every Flate stream inflated and the hex strings of text operators decoded. */
function pdfText(bytes: Buffer): string {
  const raw = bytes.toString('latin1');
  const parts: string[] = [raw];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    try {
      const inflated = inflateSync(bytes.subarray(start, end)).toString('latin1');
      parts.push(inflated, inflated.replace(/<([0-9a-fA-F\s]+)>/g, (_s, hex: string) => Buffer.from(hex.replace(/\s/g, ''), 'hex').toString('latin1')).replace(/\)\s*-?\d+(\.\d+)?\s*\(/g, ''));
    } catch {
      /* not a Flate stream */
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

const leaksIn = (label: string, text: string) => NEEDLES.filter((n) => text.includes(n.text)).map((n) => `${label}: ${n.name}`);

const ws = mkdtempSync(join(tmpdir(), 'el-evidence-canary-'));
const storeDir = join(ws, 'store');
const outDir = join(ws, 'out');
const unzipped = join(ws, 'unzipped');
const configFile = join(ws, 'evidence-locker.yaml');
const outputs: { label: string; text: string }[] = [];
let cli: { bin: string };
let sim: SimulatedAws;
let env: NodeJS.ProcessEnv;
let world: SimWorld;

function record(label: string, r: ChildResult): ChildResult {
  outputs.push({ label: `${label} stdout`, text: r.stdout }, { label: `${label} stderr`, text: r.stderr });
  return r;
}

beforeAll(async () => {
  cli = await buildCli();
  world = demoWorld();
  plantCanaries(world);
  sim = await startSimulatedAws({ world });
  env = childEnv({ ...simulatorEnv(sim, DEMO_ACCOUNT_ID), LOG_LEVEL: 'trace' });
  writeFileSync(
    configFile,
    toYaml({
      organization: 'Canary Evidence Corp',
      regions: { list: [REGION], home: REGION },
      store: { kind: 'local', path: storeDir },
      stateDir: join(ws, 'state'),
      log: { level: 'trace' },
      collect: { maxAttempts: 3, requestTimeoutMs: 5000, sensitiveEvents: SENSITIVE_EVENTS },
    }),
  );
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await sim?.close();
  rmSync(ws, { recursive: true, force: true });
});

// Each test runs the built CLI as child processes: its timeout is hang protection only, ample on a loaded machine.
describe('secrets inside collected evidence never reach the store, the package, the logs or the report', { timeout: CHILD_TESTS_TIMEOUT_MS }, () => {
  it('the simulated account serves every canary (the search below is not vacuous)', () => {
    const served = JSON.stringify([...world.accounts.values()].map((a) => [...a.regions.values()]));
    // The user data script is served base64-encoded, as AWS returns it.
    for (const [name, value] of Object.entries(CANARY)) if (name !== 'userData') expect(served.includes(JSON.stringify(value).slice(1, -1)), name).toBe(true);
    expect(Buffer.from(CANARY.userDataBase64, 'base64').toString()).toContain(CANARY.userData);
  });

  it('collect, package, verify and store verify run over the planted account at trace level', async () => {
    const c = record('collect', await runChild(cli.bin, ['-c', configFile, '--log-level', 'trace', 'collect'], { env, cwd: ws }));
    expect([ExitCode.ok, ExitCode.gaps], c.stderr).toContain(c.code);
    const m = /run (\d{4})(\d{2})(\d{2})T\S+: complete/.exec(c.stdout);
    expect(m, c.stdout).not.toBeNull();
    const day = `${m![1]}-${m![2]}-${m![3]}`;
    const pkg = record('package', await runChild(cli.bin, ['-c', configFile, '--log-level', 'trace', 'package', '--from', day, '--to', day, '--out', outDir], { env, cwd: ws }));
    expect(pkg.code, pkg.stderr).toBe(ExitCode.ok);
    const zip = pkg.stdout.trim().split('\n').pop()!;
    const v = record('verify', await runChild(cli.bin, ['verify', zip], { env, cwd: ws }));
    expect(v.code, v.stdout).toBe(ExitCode.ok);
    const sv = record('store verify', await runChild(cli.bin, ['-c', configFile, 'store', 'verify', '--from', day, '--to', day], { env, cwd: ws }));
    expect(sv.code, sv.stdout).toBe(ExitCode.ok);
    await extractPackageZip(zip, unzipped);
    expect(outputs.some((o) => /"level":"(trace|debug)"/.test(o.text))).toBe(true);
  }, 240_000);

  it('every rule fired where a canary was: the markers and the record of what was redacted are in the sealed evidence', () => {
    const bodies = filesUnder(join(storeDir)).filter((f) => f.includes('objects')).map((f) => readFileSync(f, 'utf8'));
    const text = bodies.join('\n');
    for (const marker of ['[REDACTED tag DB_PASSWORD by rule tag-key-secret]', '[REDACTED tag app-token by rule tag-key-secret]', '[REDACTED env STRIPE_SECRET by rule env-var-value]', '[REDACTED env API_KEY by rule env-var-value]', '[REDACTED env NPM_TOKEN by rule env-var-value]', '[REDACTED tag vault-secret by rule tag-key-secret]', '[REDACTED UserData by rule user-data]', '[REDACTED tag ssh-key by rule tag-key-secret]', '[REDACTED env DEPLOY_TOKEN by rule env-var-value]', '[REDACTED tag db_password by rule tag-key-secret]', '[REDACTED Endpoint by rule subscription-endpoint-url]', '[REDACTED header x-api-key by rule target-http-parameter]']) {
      expect(text.includes(JSON.stringify(marker).slice(1, -1)), marker).toBe(true);
    }
    // Markers inside CloudTrail records are JSON inside a JSON string.
    expect(text.includes('[REDACTED responseElements by rule cloudtrail-credential-api]')).toBe(true);
    expect(text.includes('[REDACTED password by rule cloudtrail-secret-member]')).toBe(true);
    const rules = new Set(bodies.flatMap((b) => ((JSON.parse(b) as { redactions?: { rule: string }[] }).redactions ?? []).map((r) => r.rule)));
    expect([...rules].sort()).toEqual(Object.keys(REDACTION_RULES).sort());
  });

  it('no canary in any file of the store, the state folder, the package zip or the unzipped package', () => {
    const files = [...filesUnder(storeDir), ...filesUnder(join(ws, 'state')), ...filesUnder(outDir), ...filesUnder(unzipped)];
    expect(files.some((f) => f.endsWith('index.html'))).toBe(true);
    const leaks: string[] = [];
    for (const f of files) {
      const bytes = readFileSync(f);
      leaks.push(...leaksIn(relative(ws, f), bytes.toString('latin1')), ...leaksIn(relative(ws, f), bytes.toString('utf8')));
    }
    expect(leaks).toEqual([]);
  });

  it('no canary in the text of report.pdf', () => {
    const pdf = join(unzipped, 'report.pdf');
    const decoded = pdfText(readFileSync(pdf));
    expect(leaksIn('report.pdf (streams)', decoded)).toEqual([]);
    const text = pdftotext(pdf);
    if (text !== undefined) {
      expect(text).toContain('Canary Evidence Corp');
      expect(leaksIn('report.pdf (pdftotext)', text)).toEqual([]);
    }
  });

  it('no canary in any output or log line', () => {
    expect(outputs.length).toBe(8);
    expect(outputs.flatMap((o) => leaksIn(o.label, o.text))).toEqual([]);
  });
});
