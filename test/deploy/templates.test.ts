/**
 * The committed CloudFormation templates of deploy/, read exactly as CloudFormation reads them (JSON), checked
 * without AWS: up to date with the code, structurally sound, least privilege, and the properties the evidence
 * store depends on.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PACKAGE_ROOT } from '../../src/version.js';
import { ALL_QUERIES } from '../../src/queries/index.js';
import { generatedTemplates, templateText } from '../../deploy/generate.js';
import { iamActionsFor, isReadOnlyAction, isWriteOrDeleteAction, memberRoleActions } from '../../deploy/policy.js';
import { CONTAINER_NAME, EVIDENCE_KEY_DATA_ACTIONS, KEY_BREAK_GLASS_ONLY_ACTIONS, LOG_RETENTION_DAYS, MAX_SHARDS, SCRATCH_PATH, SIGN_CONDITIONS } from '../../deploy/templates.js';

type Json = Record<string, any>;

const DEPLOY = join(PACKAGE_ROOT, 'deploy');
const TEMPLATE_FILES = ['evidence-bucket.json', 'collector.json', 'member-role.json', 'audit-role.json'];
/** `yaml` parses JSON too: the same reader would take a YAML template written with long-form Fn:: syntax. */
const load = (name: string): Json => parseYaml(readFileSync(join(DEPLOY, name), 'utf8')) as Json;
const bucket = load('evidence-bucket.json');
const collector = load('collector.json');
const member = load('member-role.json');
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Every IAM policy document in a template, with where it is (resource and kind). */
function policyDocuments(template: Json): { where: string; kind: 'identity' | 'trust' | 'key' | 'bucket'; doc: Json }[] {
  const out: { where: string; kind: 'identity' | 'trust' | 'key' | 'bucket'; doc: Json }[] = [];
  for (const [id, r] of Object.entries<Json>(template.Resources ?? {})) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::IAM::Role') {
      out.push({ where: `${id} trust policy`, kind: 'trust', doc: p.AssumeRolePolicyDocument });
      for (const pol of p.Policies ?? []) out.push({ where: `${id}/${pol.PolicyName}`, kind: 'identity', doc: pol.PolicyDocument });
      expect(p.ManagedPolicyArns, `${id} must not attach managed policies: every grant is spelled out here`).toBeUndefined();
    }
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') out.push({ where: id, kind: 'identity', doc: p.PolicyDocument });
    if (r.Type === 'AWS::KMS::Key') out.push({ where: `${id} key policy`, kind: 'key', doc: p.KeyPolicy });
    if (r.Type === 'AWS::S3::BucketPolicy') out.push({ where: id, kind: 'bucket', doc: p.PolicyDocument });
  }
  return out;
}

/** Resolves a CloudFormation string expression to a readable form: `{Fn::Sub: "arn:...${X}"}` -> `arn:...${X}`. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Json;
  if (o?.['Fn::Sub'] !== undefined) return typeof o['Fn::Sub'] === 'string' ? o['Fn::Sub'] : o['Fn::Sub'][0];
  if (o?.Ref) return `\${${o.Ref}}`;
  if (o?.['Fn::GetAtt']) return `\${${o['Fn::GetAtt'].join('.')}}`;
  return JSON.stringify(v);
}

/** The template as CloudFormation deploys it for these condition values: each Fn::If resolved, AWS::NoValue dropped. */
function withConditions(v: unknown, values: Record<string, boolean>): any {
  const isNoValue = (x: unknown) => (x as Json)?.Ref === 'AWS::NoValue';
  if (Array.isArray(v)) return v.map((x) => withConditions(x, values)).filter((x) => !isNoValue(x));
  if (!v || typeof v !== 'object') return v;
  const o = v as Json;
  if (o['Fn::If']) {
    const [cond, yes, no] = o['Fn::If'];
    if (!(cond in values)) throw new Error(`no value given for condition ${cond}`);
    return withConditions(values[cond] ? yes : no, values);
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, withConditions(x, values)]).filter(([, x]) => !isNoValue(x)));
}

/** A policy's statements with conditional ones taken as deployed when their condition holds (the stricter reading for checks). */
const allStatements = (doc: Json): Json[] => list<Json>(doc.Statement).map((st) => (st['Fn::If'] ? st['Fn::If'][1] : st));

const EVIDENCE_PREFIX_OBJECTS = 'arn:${AWS::Partition}:s3:::${BucketName}/${EvidencePrefix}*';

/**
 * Writes or deletes outside the evidence prefix that deploy/ grants on purpose, each with its reason. Anything
 * else that writes or deletes fails the test.
 */
const JUSTIFIED_WRITES: { where: RegExp; action: string; resource: RegExp; reason: string; condition?: Json }[] = [
  { where: /^ExecutionRole\//, action: 'logs:CreateLogStream', resource: /^\$\{LogGroup\.Arn\}$/, reason: 'ECS writes the container log stream into the collector log group' },
  { where: /^ExecutionRole\//, action: 'logs:PutLogEvents', resource: /^\$\{LogGroup\.Arn\}$/, reason: 'same log group only' },
  { where: /^SchedulerRole\//, action: 'ecs:RunTask', resource: /^\$\{TaskDefinition\}$/, reason: 'EventBridge Scheduler starts the collection task, on this cluster only' },
  { where: /^SchedulerRole\//, action: 'iam:PassRole', resource: /^\$\{(TaskRole|ExecutionRole)\.Arn\}$/, reason: 'RunTask passes the two task roles, to ECS only' },
  { where: /^SchedulerRole\//, action: 'sqs:SendMessage', resource: /^\$\{SchedulerDeadLetterQueue\.Arn\}$/, reason: 'EventBridge Scheduler delivers dead-letter events of its schedules with this role, to the stack\'s own queue only' },
  // kms:Sign writes trust: a run signed by the organisation's key is evidence. Only these two roles, only as the seal signs.
  { where: /^TaskRole\//, action: 'kms:Sign', resource: /^\$\{SigningKeyArn\}$/, reason: 'the collector seals its runs', condition: SIGN_CONDITIONS },
  { where: /^LegalHoldRole\//, action: 'kms:Sign', resource: /^\$\{SigningKeyArn\}$/, reason: 'the legal-hold role seals the run recording each hold', condition: SIGN_CONDITIONS },
  { where: /^SigningKey key policy$/, action: 'kms:Sign', resource: /^\*$/, reason: 'delegated to IAM (the two roles above), denied to every other principal by the key policy', condition: SIGN_CONDITIONS },
  // No kms:CreateGrant: a grant would hand Sign or Decrypt to anyone, outside the key policy.
  ...[
    'kms:CancelKeyDeletion',
    'kms:CreateAlias',
    'kms:DeleteAlias',
    'kms:DisableKey',
    'kms:DisableKeyRotation',
    'kms:EnableKey',
    'kms:EnableKeyRotation',
    'kms:PutKeyPolicy',
    'kms:RevokeGrant',
    'kms:ScheduleKeyDeletion',
    'kms:TagResource',
    'kms:UntagResource',
    'kms:UpdateAlias',
    'kms:UpdateKeyDescription',
  ].map((action) => ({ where: /^(EvidenceKey|SigningKey) key policy$/, action, resource: /^\*$/, reason: 'key administration stays with the audit account (delegated to its IAM policies); the key itself is its only resource' })),
];

describe('deploy/ templates are generated from the code', () => {
  it('the committed templates are exactly what `npm run deploy:policy` writes (not stale)', () => {
    const generated = generatedTemplates(DEPLOY);
    expect(Object.keys(generated).sort()).toEqual([...TEMPLATE_FILES].sort());
    for (const name of TEMPLATE_FILES) {
      expect(readFileSync(join(DEPLOY, name), 'utf8'), `deploy/${name} is stale: run \`npm run deploy:policy\` and commit it`).toBe(templateText(generated[name]));
    }
  });

  it('the written JSON reads back as exactly the generated template (short objects kept on one line)', () => {
    for (const [name, t] of Object.entries(generatedTemplates(DEPLOY))) {
      const written = templateText(t);
      expect(JSON.parse(written), name).toEqual(JSON.parse(JSON.stringify(t)));
      for (const line of written.split('\n')) if (line.length > 120) expect(line.trimStart().startsWith('"'), `${name}: ${line.slice(0, 60)}`).toBe(true);
    }
    expect(templateText({ a: { b: [1, 'x"y'] } })).toBe('{ "a": { "b": [1, "x\\"y"] } }\n');
  });

  it('every IAM action any query declares is granted by the committed member role', () => {
    const granted = new Set<string>(member.Resources.MemberRole.Properties.Policies[0].PolicyDocument.Statement.flatMap((st: Json) => list(st.Action)));
    const missing: string[] = [];
    for (const q of ALL_QUERIES) for (const call of q.apiCalls) for (const a of iamActionsFor(call)) if (!granted.has(a)) missing.push(`${q.id}: ${call} -> ${a}`);
    expect(missing, 'queries need actions the committed deploy/member-role.json does not grant; run `npm run deploy:policy`').toEqual([]);
  });

  it('the member role grants those read-only actions on every resource, and object reads only on CloudTrail AWSLogs/ keys', () => {
    const statements = member.Resources.MemberRole.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    expect(statements.map((st: Json) => st.Sid ?? st['Fn::If']?.[1].Sid)).toEqual(['EvidenceQueries', 'CloudTrailLogAndDigestFiles', 'CloudTrailDigestListings', 'CloudTrailLogDecryption']);
    for (const st of statements.slice(0, 3)) expect(st.Effect).toBe('Allow');
    // SSE-KMS trails: log files re-hashed need kms:Decrypt on the trail key, only when its ARNs are given, only through S3.
    expect(statements[3]).toEqual({
      'Fn::If': [
        'HasTrailKmsKeys',
        { Sid: 'CloudTrailLogDecryption', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: { Ref: 'TrailKmsKeyArns' }, Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } } },
        { Ref: 'AWS::NoValue' },
      ],
    });
    expect(member.Parameters.TrailKmsKeyArns).toMatchObject({ Type: 'CommaDelimitedList', Default: '' });
    const granted: string[] = statements[0].Action;
    expect(statements[0].Resource).toBe('*');
    expect(granted).toEqual(memberRoleActions(ALL_QUERIES).actions);
    for (const a of granted) expect(isReadOnlyAction(a), a).toBe(true);
    // Object reads would expose every bucket's data: never on '*'.
    expect(granted).not.toContain('s3:GetObject');
    expect(granted).not.toContain('s3:ListBucket');
    // Was: GetObject on every */*AWSLogs/* key (load balancer, flow, WAF logs, Config snapshots); now CloudTrail's own files only.
    expect(statements[1]).toMatchObject({
      Action: ['s3:GetObject'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::*/*AWSLogs/*/CloudTrail/*' }, { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::*/*AWSLogs/*/CloudTrail-Digest/*' }],
    });
    expect(statements[2]).toMatchObject({ Action: ['s3:ListBucket'], Condition: { StringLike: { 's3:prefix': ['AWSLogs/*/CloudTrail-Digest/*', '*/AWSLogs/*/CloudTrail-Digest/*'] } } });
    // Known IAM names, not SDK operation names.
    expect(granted).toContain('s3:ListAllMyBuckets');
    expect(granted).not.toContain('s3:ListBuckets');
    expect(granted).toContain('s3:GetEncryptionConfiguration');
    expect(granted).toContain('account:ListRegions');
    // Inline role policies are limited to 10,240 characters.
    expect(JSON.stringify(member.Resources.MemberRole.Properties.Policies[0].PolicyDocument).length).toBeLessThan(10_240);
  });

  it('the member role reads CloudTrail log and digest files (own and organisation trails, with or without a key prefix), never the other logs under AWSLogs/', () => {
    const statements = member.Resources.MemberRole.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    // IAM resource and StringLike matching: * spans any characters, slashes included; ? is one character.
    const iamGlob = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);
    const objectPatterns = list<Json>(statements[1].Resource).map((r) => text(r).replace('arn:${AWS::Partition}:', 'arn:aws:'));
    const readable = (bucketAndKey: string) => objectPatterns.some((p) => iamGlob(p, `arn:aws:s3:::${bucketAndKey}`));
    const listable = (prefix: string) => list<string>(statements[2].Condition.StringLike['s3:prefix']).some((p) => iamGlob(p, prefix));
    for (const key of [
      'trail-bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/05/111122223333_CloudTrail_us-east-1_20261205T0000Z_abc.json.gz',
      'trail-bucket/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/12/05/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261205T000000Z.json.gz',
      'trail-bucket/audit/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/05/x.json.gz',
      'org-trail-bucket/AWSLogs/o-abcdefghij/111122223333/CloudTrail/us-east-1/2026/12/05/x.json.gz',
      'org-trail-bucket/logs/AWSLogs/o-abcdefghij/111122223333/CloudTrail-Digest/us-east-1/2026/12/05/x.json.gz',
    ])
      expect(readable(key), key).toBe(true);
    // Was: every */*AWSLogs/* key, and these may hold cardholder data or PHI (request URLs, client addresses).
    for (const key of [
      'lb-logs/AWSLogs/111122223333/elasticloadbalancing/us-east-1/2026/12/05/111122223333_elasticloadbalancing_us-east-1_app.x.log.gz',
      'flow-logs/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/12/05/x.log.gz',
      'config-bucket/AWSLogs/111122223333/Config/us-east-1/2026/12/5/ConfigSnapshot/x.json.gz',
      'waf-logs/AWSLogs/111122223333/WAFLogs/us-east-1/acl/2026/12/05/00/00/x.log.gz',
      'customer-data/orders.csv',
    ])
      expect(readable(key), key).toBe(false);
    // The prefixes cloudtrail.digest-validation lists: [S3KeyPrefix/]AWSLogs/<account>/CloudTrail-Digest/<region>/<yyyy/mm/dd>/
    expect(listable('AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/12/05/')).toBe(true);
    expect(listable('audit/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/12/05/')).toBe(true);
    expect(listable('AWSLogs/111122223333/elasticloadbalancing/')).toBe(false);
    expect(listable('AWSLogs/')).toBe(false);
  });

  it('the member role trusts the collector role only, with the external id when given', () => {
    const trust = member.Resources.MemberRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Action).toBe('sts:AssumeRole');
    expect(text(trust[0].Principal.AWS)).toBe('arn:${AWS::Partition}:iam::${CollectorAccountId}:role/${CollectorRoleName}');
    expect(trust[0].Condition['Fn::If'][0]).toBe('HasExternalId');
    expect(trust[0].Condition['Fn::If'][1]).toEqual({ StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } });
    expect(member.Parameters.RoleName.Default).toBe('EvidenceLockerReadOnly');
  });

  it('refuses to generate a policy for a query that declares a write, naming the query', () => {
    expect(() => memberRoleActions([{ id: 's3.bad', apiCalls: ['s3:PutBucketPolicy'] }])).toThrow(/query s3\.bad: .*s3:PutBucketPolicy.*not a read-only action/);
    expect(() => memberRoleActions([{ id: 'x.wild', apiCalls: ['s3:Get*'] }])).toThrow(/query x\.wild: apiCalls entry "s3:Get\*" is not an IAM action/);
    expect(memberRoleActions([{ id: 'iam.report', apiCalls: ['iam:GenerateCredentialReport'] }]).actions).toContain('iam:GenerateCredentialReport');
  });
});

describe('least privilege across deploy/', () => {
  it('no statement in any deploy/ template grants a write or delete outside the evidence prefix (beyond the listed exceptions)', () => {
    const offending: string[] = [];
    let prefixWrites = 0;
    for (const file of TEMPLATE_FILES) {
      const t = load(file);
      for (const { where, kind, doc } of policyDocuments(t)) {
        if (kind === 'trust') continue;
        for (const st of allStatements(doc)) {
          if (st.Effect !== 'Allow') continue;
          expect(st.NotAction, `${file} ${where}: NotAction grants too much`).toBeUndefined();
          expect(st.NotResource, `${file} ${where}: NotResource grants too much`).toBeUndefined();
          for (const action of list<string>(st.Action)) {
            if (!isWriteOrDeleteAction(action)) continue;
            for (const r of list(st.Resource).map(text)) {
              if (r === EVIDENCE_PREFIX_OBJECTS) {
                prefixWrites++;
                continue;
              }
              if (JUSTIFIED_WRITES.some((j) => j.where.test(where) && j.action === action && j.resource.test(r) && (j.condition === undefined || JSON.stringify(st.Condition) === JSON.stringify(j.condition)))) continue;
              offending.push(`${file} ${where}: ${action} on ${r}`);
            }
          }
        }
      }
    }
    expect(offending).toEqual([]);
    expect(prefixWrites).toBe(6); // task role: PutObject, PutObjectRetention, AbortMultipartUpload; legal-hold role: PutObject, PutObjectLegalHold, PutObjectRetention
  });

  it('no wildcard action anywhere, and bucket policies only deny', () => {
    for (const file of TEMPLATE_FILES) {
      for (const { where, kind, doc } of policyDocuments(load(file))) {
        for (const st of allStatements(doc)) {
          if (kind === 'bucket') expect(st.Effect, `${where} ${st.Sid}`).toBe('Deny');
          if (st.Effect === 'Allow') for (const a of list<string>(st.Action)) expect(a.includes('*'), `${file} ${where}: ${a}`).toBe(false);
        }
      }
    }
  });

  it('was: the member and delegated-admin roles allowed 12-hour sessions; now: no role of deploy/ allows more than an hour (the collector chains roles, which STS caps at an hour)', () => {
    const roles: string[] = [];
    for (const file of TEMPLATE_FILES) {
      for (const [id, res] of Object.entries<Json>(load(file).Resources)) {
        if (res.Type !== 'AWS::IAM::Role') continue;
        roles.push(`${file} ${id}`);
        const max = res.Properties.MaxSessionDuration;
        // Absent is IAM's default, 3600 seconds.
        expect(max === undefined || max <= 3600, `${file} ${id}: MaxSessionDuration ${max}`).toBe(true);
      }
    }
    expect(roles).toContain('member-role.json MemberRole');
    expect(roles).toContain('audit-role.json AuditRole');
    expect(member.Resources.MemberRole.Properties.MaxSessionDuration).toBe(3600);
    expect(load('audit-role.json').Resources.AuditRole.Properties.MaxSessionDuration).toBe(3600);
  });

  it('the write-classification helper is strict', () => {
    for (const a of ['s3:PutObject', 's3:DeleteObjectVersion', 's3:*', '*', 's3:Get*', 'iam:PassRole', 'kms:ScheduleKeyDeletion', 'ecs:RunTask']) expect(isWriteOrDeleteAction(a), a).toBe(true);
    for (const a of ['s3:GetObject', 'kms:GenerateDataKey', 'kms:Verify', 'organizations:ListAccounts', 'iam:GenerateCredentialReport']) expect(isWriteOrDeleteAction(a), a).toBe(false);
    // Was: kms:Sign counted as a read, so a role allowed to sign anything with the organisation's key passed this check.
    expect(isWriteOrDeleteAction('kms:Sign')).toBe(true);
  });
});

describe('evidence-bucket.json', () => {
  const r = bucket.Resources;
  const b = r.EvidenceBucket;

  it('Object Lock on, default retention COMPLIANCE for RetentionYears (default 6), versioning, retained on stack deletion', () => {
    expect(b.Type).toBe('AWS::S3::Bucket');
    expect(b.Properties.ObjectLockEnabled).toBe(true);
    expect(b.Properties.ObjectLockConfiguration).toEqual({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: { Ref: 'RetentionYears' } } } });
    expect(bucket.Parameters.RetentionYears).toMatchObject({ Type: 'Number', Default: 6 });
    expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(b.DeletionPolicy).toBe('Retain');
    expect(b.UpdateReplacePolicy).toBe('Retain');
  });

  it('SSE-KMS with the customer managed key of the stack, which rotates', () => {
    const rule = b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0];
    expect(rule.ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['EvidenceKey', 'Arn'] } });
    expect(r.EvidenceKey.Type).toBe('AWS::KMS::Key');
    expect(r.EvidenceKey.Properties).toMatchObject({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', EnableKeyRotation: true });
    expect(r.EvidenceKey.DeletionPolicy).toBe('Retain');
  });

  it('retains the bucket policy as it retains the bucket: the policy denies DeleteBucketPolicy, so deleting the stack would fail on it', () => {
    expect(r.EvidenceBucketPolicy).toMatchObject({ Type: 'AWS::S3::BucketPolicy', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('was: any principal IAM allowed could call kms:Decrypt or GenerateDataKey on the evidence key directly; now: only as S3 calls them in the stack region (kms:ViaService), administration and break-glass denies unchanged', () => {
    const st: Json[] = r.EvidenceKey.Properties.KeyPolicy.Statement;
    expect(EVIDENCE_KEY_DATA_ACTIONS).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    const data = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:*'];
    const allowsData = st.filter((s) => s.Effect === 'Allow' && list<string>(s.Action).some((a) => data.includes(a)));
    expect(allowsData.map((s) => s.Sid)).toEqual(['DataKeysOnlyThroughS3']);
    expect(allowsData[0]).toMatchObject({ Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, Action: EVIDENCE_KEY_DATA_ACTIONS, Resource: '*' });
    expect(allowsData[0].Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Sub': 's3.${AWS::Region}.amazonaws.com' } } });
    expect(st.map((s) => s.Sid)).toEqual(['KeyAdministration', 'KeyUseThroughIamPolicies', 'DataKeysOnlyThroughS3', 'DenyKeyDestructionExceptBreakGlass']);
    expect(st.find((s) => s.Sid === 'KeyUseThroughIamPolicies')?.Action).toEqual(['kms:DescribeKey']);
    // Key administration is the signing key's, statement for statement.
    expect(st[0]).toEqual(r.SigningKey.Properties.KeyPolicy.Statement[0]);
  });

  it('refuses writes with customer-provided keys (SSE-C): nobody with s3:PutObject can lock a version over evidence that only their key reads', () => {
    expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].BlockedEncryptionTypes).toEqual({ EncryptionType: ['SSE-C'] });
  });

  it('all public access blocked, ACLs disabled', () => {
    expect(b.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(b.Properties.OwnershipControls.Rules[0].ObjectOwnership).toBe('BucketOwnerEnforced');
  });

  it('the bucket policy is deploy/bucket-policy.json statement for statement, plus TLS 1.2 minimum', () => {
    const source = JSON.parse(readFileSync(join(DEPLOY, 'bucket-policy.json'), 'utf8')) as { Statement: Json[] };
    const stack = r.EvidenceBucketPolicy.Properties.PolicyDocument.Statement as Json[];
    expect(r.EvidenceBucketPolicy.Properties.Bucket).toEqual({ Ref: 'EvidenceBucket' });
    const rename = (s: string) => s.replace('arn:${AWS::Partition}:', 'arn:aws:').replace('${EvidenceBucket}', '${BucketName}').replace('${EvidenceKey.Arn}', '${EvidenceKeyArn}');
    const normalise = (v: unknown): unknown =>
      typeof v === 'string' ? v : Array.isArray(v) ? v.map(normalise) : (v as Json)?.['Fn::Sub'] !== undefined ? rename(text(v)) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)])) : v;
    for (const st of source.Statement) expect(normalise(stack.find((s) => s.Sid === st.Sid)), st.Sid).toEqual(st);
    const tls = stack.find((s) => s.Sid === 'DenyOutdatedTls');
    expect(tls).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } });
    expect(stack.find((s) => s.Sid === 'DenyRequestsWithoutTLS')?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    // A deny of deletes (versions) to everyone but the break-glass role.
    expect(stack.find((s) => list(s.Action).includes('s3:DeleteObjectVersion'))?.Effect).toBe('Deny');
    // The minimum must not deny writes made with the default six-year retention (2190..2192 days).
    expect(bucket.Parameters.MinimumRetentionDays.Default).toBeLessThanOrEqual(6 * 365);
  });

  it('was: the keys\' policies did not delegate kms:ListKeyRotations, so kms.key-rotation on the audit account\'s own keys ended in AccessDenied; now: every key read of the member role is delegated to IAM, unconditionally', () => {
    // Not the account-level listings, nor kms:Decrypt (a data action, granted only through S3 for trail files).
    const keyReads = memberRoleActions(ALL_QUERIES).actions.filter((a) => a.startsWith('kms:') && !['kms:ListKeys', 'kms:ListAliases', 'kms:Decrypt'].includes(a));
    expect(keyReads).toContain('kms:ListKeyRotations');
    for (const key of ['EvidenceKey', 'SigningKey']) {
      const st: Json[] = r[key].Properties.KeyPolicy.Statement;
      const delegated = st.filter((s) => s.Effect === 'Allow' && s.Condition === undefined && JSON.stringify(s.Principal) === JSON.stringify({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }));
      const allowed = new Set(delegated.flatMap((s) => list(s.Action)));
      for (const action of keyReads) expect(allowed.has(action), `${key}: ${action}`).toBe(true);
    }
  });

  it('an asymmetric ECC P-256 key signs the run manifests', () => {
    expect(r.SigningKey.Type).toBe('AWS::KMS::Key');
    expect(r.SigningKey.Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(r.SigningKey.Properties.EnableKeyRotation).toBeUndefined(); // asymmetric keys cannot rotate automatically
    const use = r.SigningKey.Properties.KeyPolicy.Statement.find((s: Json) => s.Sid === 'SigningThroughIamPolicies');
    expect(use.Action).toEqual(['kms:DescribeKey', 'kms:GetPublicKey', 'kms:Verify']);
    expect(bucket.Outputs.SigningKeyArn.Value).toEqual({ 'Fn::GetAtt': ['SigningKey', 'Arn'] });
  });

  it('was: any principal of the account whose IAM policy allowed kms:Sign (AdministratorAccess) could sign runs; now: only the collector and legal-hold roles, only ECDSA over a digest', () => {
    const st: Json[] = r.SigningKey.Properties.KeyPolicy.Statement;
    const allows = st.filter((s) => s.Effect === 'Allow' && list(s.Action).includes('kms:Sign'));
    expect(allows).toHaveLength(1);
    expect(allows[0].Condition).toEqual(SIGN_CONDITIONS);
    // What src/aws/kms-signer.ts sends for the ECC_NIST_P256 key: SigningAlgorithm ECDSA_SHA_256, MessageType DIGEST.
    expect(SIGN_CONDITIONS).toEqual({ StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } });
    const deny = st.find((s) => s.Sid === 'DenySigningButByTheCollectorRoles');
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Sign', Resource: '*' });
    expect(Object.keys(deny!.Condition)).toEqual(['ArnNotEquals']);
    expect(deny!.Condition.ArnNotEquals['aws:PrincipalArn'].map(text)).toEqual([
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CollectorRoleName}',
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CollectorRoleName}-legal-hold',
    ]);
    expect(bucket.Parameters.CollectorRoleName.Default).toBe(collector.Parameters.CollectorRoleName.Default);
  });

  it('was: key administrators could create grants, disable, delete or re-policy the keys; now: no grants at all, and the destructive actions only by the break-glass role', () => {
    expect(KEY_BREAK_GLASS_ONLY_ACTIONS).toEqual(['kms:CreateGrant', 'kms:DisableKey', 'kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion']);
    for (const key of ['EvidenceKey', 'SigningKey']) {
      const p = r[key].Properties;
      const st: Json[] = p.KeyPolicy.Statement;
      for (const s of st.filter((x) => x.Effect === 'Allow')) expect(list(s.Action), `${key} ${s.Sid}`).not.toContain('kms:CreateGrant');
      const deny = st.find((s) => s.Sid === 'DenyKeyDestructionExceptBreakGlass');
      expect(deny, key).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: KEY_BREAK_GLASS_ONLY_ACTIONS, Resource: '*' });
      expect(deny!.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::If': ['CreateBreakGlassRole', { 'Fn::GetAtt': ['BreakGlassRole', 'Arn'] }, { Ref: 'BreakGlassRoleArn' }] } } });
      // The policy denies PutKeyPolicy to whoever deploys the stack: KMS's lockout check would refuse it otherwise.
      expect(p.BypassPolicyLockoutSafetyCheck, key).toBe(true);
    }
  });

  it('was: stolen collector or legal-hold credentials signed and wrote evidence from anywhere; now: with AllowedVpceIds, only through those VPC endpoints (empty default: policies as before)', () => {
    expect(bucket.Parameters.AllowedVpceIds).toMatchObject({ Type: 'CommaDelimitedList', Default: '', AllowedPattern: '^(vpce-[0-9a-f]+)?$' });
    expect(bucket.Conditions.PinToVpcEndpoints).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'AllowedVpceIds' }] }, ''] }] });
    const signingPolicy = (pinned: boolean): Json[] => withConditions(r.SigningKey.Properties.KeyPolicy, { PinToVpcEndpoints: pinned, CreateBreakGlassRole: true }).Statement;
    const bucketPolicy = (pinned: boolean): Json[] => withConditions(r.EvidenceBucketPolicy.Properties.PolicyDocument, { PinToVpcEndpoints: pinned, CreateBreakGlassRole: true }).Statement;
    // Empty default: not one statement more, nothing names aws:SourceVpce.
    expect(JSON.stringify(signingPolicy(false))).not.toContain('aws:SourceVpce');
    expect(JSON.stringify(bucketPolicy(false))).not.toContain('aws:SourceVpce');
    expect(signingPolicy(false).map((s) => s.Sid)).toEqual(['KeyAdministration', 'SigningThroughIamPolicies', 'SignDigestsThroughIamPolicies', 'DenySigningButByTheCollectorRoles', 'DenyKeyDestructionExceptBreakGlass']);
    const source = JSON.parse(readFileSync(join(DEPLOY, 'bucket-policy.json'), 'utf8')) as { Statement: Json[] };
    expect(bucketPolicy(false).map((s) => s.Sid)).toEqual([...source.Statement.map((s) => s.Sid), 'DenyOutdatedTls']);
    // Pinned: the two roles (by ARN; break-glass and everyone else untouched) are denied unless the request came through a listed endpoint.
    const roles = ['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CollectorRoleName}', 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${CollectorRoleName}-legal-hold'];
    const pinCondition = (st: Json) => {
      expect(Object.keys(st.Condition).sort()).toEqual(['ArnEquals', 'StringNotEquals']);
      expect(st.Condition.ArnEquals['aws:PrincipalArn'].map(text)).toEqual(roles);
      expect(st.Condition.StringNotEquals).toEqual({ 'aws:SourceVpce': { Ref: 'AllowedVpceIds' } });
    };
    const sign = signingPolicy(true).find((s) => s.Sid === 'DenyCollectorSigningOutsideTheVpcEndpoints')!;
    expect(sign).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Sign', Resource: '*' });
    pinCondition(sign);
    const write = bucketPolicy(true).find((s) => s.Sid === 'DenyEvidenceWritesOutsideTheVpcEndpoints')!;
    expect(write).toMatchObject({ Effect: 'Deny', Principal: '*', Action: ['s3:PutObject', 's3:PutObjectLegalHold', 's3:PutObjectRetention'] });
    expect(text(write.Resource)).toBe('arn:${AWS::Partition}:s3:::${EvidenceBucket}/*');
    pinCondition(write);
    // The evidence key and the destructive-action denies are the same either way.
    expect(withConditions(r.EvidenceKey.Properties.KeyPolicy, { PinToVpcEndpoints: true, CreateBreakGlassRole: true })).toEqual(withConditions(r.EvidenceKey.Properties.KeyPolicy, { PinToVpcEndpoints: false, CreateBreakGlassRole: true }));
    const destruction = (pinned: boolean) => signingPolicy(pinned).find((s) => s.Sid === 'DenyKeyDestructionExceptBreakGlass');
    expect(destruction(true)).toEqual(destruction(false));
  });

  it('was: the break-glass role was only a name no template created; now: created by the stack (MFA, no permissions, retained) unless an existing role is given', () => {
    const role = r.BreakGlassRole;
    expect(role).toMatchObject({ Type: 'AWS::IAM::Role', Condition: 'CreateBreakGlassRole', DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.RoleName).toEqual({ Ref: 'BreakGlassRoleName' });
    const trust = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(text(trust[0].Principal.AWS)).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');
    expect(trust[0].Condition).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
    expect(bucket.Conditions.CreateBreakGlassRole).toEqual({ 'Fn::Equals': [{ Ref: 'BreakGlassRoleArn' }, ''] });
    expect(bucket.Parameters.BreakGlassRoleArn.Default).toBe('');
    const tamper = r.EvidenceBucketPolicy.Properties.PolicyDocument.Statement.find((s: Json) => s.Sid === 'DenyLockTamperingExceptBreakGlass');
    expect(tamper.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual({
      'Fn::Sub': ['${BreakGlassRoleArn}', { BreakGlassRoleArn: { 'Fn::If': ['CreateBreakGlassRole', { 'Fn::GetAtt': ['BreakGlassRole', 'Arn'] }, { Ref: 'BreakGlassRoleArn' }] } }],
    });
  });
});

describe('collector.json', () => {
  const r = collector.Resources;
  const td = r.TaskDefinition.Properties;
  const container = td.ContainerDefinitions[0];
  const taskStatements: Json[] = r.TaskRole.Properties.Policies[0].PolicyDocument.Statement;
  const grants = (action: string) => taskStatements.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource).map(text));

  it('a Fargate task with a read-only root filesystem, a non-root user and a scratch volume', () => {
    expect(td.RequiresCompatibilities).toEqual(['FARGATE']);
    expect(td.NetworkMode).toBe('awsvpc');
    expect(container.Name).toBe(CONTAINER_NAME);
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.User).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(container.Privileged).toBeUndefined();
    const scratch = container.MountPoints.find((m: Json) => m.ContainerPath === SCRATCH_PATH);
    expect(scratch).toMatchObject({ ReadOnly: false });
    expect(td.Volumes.map((v: Json) => v.Name)).toContain(scratch.SourceVolume);
    // Bind mounts without a host path: ephemeral task storage, gone with the task.
    for (const v of td.Volumes) expect(v.Host).toBeUndefined();
    expect(container.MountPoints.map((m: Json) => m.ContainerPath)).toContain('/tmp');
    // ECS sends SIGTERM, then SIGKILL after StopTimeout: longer than the daemon's 25 s grace.
    expect(container.StopTimeout).toBeGreaterThan(25);
  });

  it('logs go to a log group kept at least 365 days', () => {
    const lg = r.LogGroup;
    expect(lg.Type).toBe('AWS::Logs::LogGroup');
    expect(lg.Properties.RetentionInDays).toEqual({ Ref: 'LogRetentionDays' });
    const p = collector.Parameters.LogRetentionDays;
    expect(p.Default).toBeGreaterThanOrEqual(365);
    for (const v of p.AllowedValues) expect(v).toBeGreaterThanOrEqual(365);
    expect(p.AllowedValues).toEqual(LOG_RETENTION_DAYS);
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
    expect(container.LogConfiguration.Options['awslogs-group']).toEqual({ Ref: 'LogGroup' });
  });

  it('the container is configured for the S3 store, KMS signing and organization discovery through the environment', () => {
    const env = Object.fromEntries(container.Environment.filter((e: Json) => e.Name).map((e: Json) => [e.Name, e.Value]));
    expect(env).toMatchObject({
      EVIDENCE_LOCKER_STORE__KIND: 's3',
      EVIDENCE_LOCKER_STORE__BUCKET: { Ref: 'BucketName' },
      EVIDENCE_LOCKER_STORE__PREFIX: { Ref: 'EvidencePrefix' },
      EVIDENCE_LOCKER_SIGNING__KIND: 'kms',
      EVIDENCE_LOCKER_SIGNING__KEY_ID: { Ref: 'SigningKeyArn' },
      EVIDENCE_LOCKER_ACCOUNTS__SOURCE: 'organizations',
      EVIDENCE_LOCKER_REGIONS__SOURCE: 'enabled',
      EVIDENCE_LOCKER_STATE_DIR: `${SCRATCH_PATH}/state`,
    });
    expect(collector.Parameters.EvidencePrefix.Default).toBe('evidence-locker/');
  });

  it('the task role: assume member roles, list accounts, write evidence only under the prefix, sign with the signing key', () => {
    expect(grants('sts:AssumeRole')).toEqual(['arn:${AWS::Partition}:iam::*:role/${MemberRoleName}']);
    expect(taskStatements.find((s) => list(s.Action).includes('sts:AssumeRole'))?.Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': { Ref: 'OrganizationId' } } });
    expect(grants('organizations:ListAccounts')).toEqual(['*']);
    for (const a of ['s3:PutObject', 's3:PutObjectRetention']) expect(grants(a), a).toEqual([EVIDENCE_PREFIX_OBJECTS]);
    for (const a of ['s3:GetLifecycleConfiguration', 's3:GetBucketPolicy', 's3:ListBucketVersions']) expect(grants(a), a).toEqual(['arn:${AWS::Partition}:s3:::${BucketName}']);
    expect(grants('kms:Sign')).toEqual(['${SigningKeyArn}']);
    // Was: unconditioned. Now only what the seal sends (it still lets this role's holder sign any digest: see README).
    expect(taskStatements.find((s) => list(s.Action).includes('kms:Sign'))?.Condition).toEqual(SIGN_CONDITIONS);
    expect(taskStatements.find((s) => list(s.Action).includes('kms:Sign'))?.Action).toEqual(['kms:Sign']);
    expect(grants('kms:GetPublicKey')).toEqual(['${SigningKeyArn}']);
    expect(grants('kms:GenerateDataKey')).toEqual(['${EvidenceKeyArn}']);
    expect(grants('s3:DeleteObject')).toEqual([]);
    expect(grants('s3:DeleteObjectVersion')).toEqual([]);
    expect(grants('s3:BypassGovernanceRetention')).toEqual([]);
    const trust = r.TaskRole.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
    expect(trust.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('was: the task role could lift legal holds and assume the member role name in any account; now: holds need the separate legal-hold role (MFA), AssumeRole only inside the organisation', () => {
    expect(grants('s3:PutObjectLegalHold')).toEqual([]);
    expect(collector.Parameters.OrganizationId.AllowedPattern).toBe('^o-[a-z0-9]{10,32}$');
    const hold = r.LegalHoldRole.Properties;
    const holdStatements = hold.Policies.flatMap((p: Json) => p.PolicyDocument.Statement) as Json[];
    const holdGrants = (action: string) => holdStatements.filter((s) => list(s.Action).includes(action)).flatMap((s) => list(s.Resource).map(text));
    expect(holdGrants('s3:PutObjectLegalHold')).toEqual([EVIDENCE_PREFIX_OBJECTS]);
    expect(holdGrants('sts:AssumeRole')).toEqual([]);
    expect(holdGrants('s3:DeleteObject')).toEqual([]);
    expect(holdGrants('kms:Sign')).toEqual(['${SigningKeyArn}']);
    expect(holdStatements.find((s) => list(s.Action).includes('kms:Sign'))?.Condition).toEqual(SIGN_CONDITIONS);
    const trust = hold.AssumeRolePolicyDocument.Statement[0];
    expect(text(trust.Principal.AWS)).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:root');
    expect(trust.Condition).toEqual({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
    expect(collector.Outputs.LegalHoldRoleArn.Value).toEqual({ 'Fn::GetAtt': ['LegalHoldRole', 'Arn'] });
  });

  it('EventBridge Scheduler runs the collection daily through ECS RunTask, one schedule per shard', () => {
    const schedules = Object.entries<Json>(r).filter(([, x]) => x.Type === 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(MAX_SHARDS);
    expect(collector.Parameters.ScheduleExpression.Default).toBe('cron(0 2 * * ? *)');
    // EventBridge Scheduler's MaximumWindowInMinutes is 1..1440; 0 turns the window off.
    expect(collector.Parameters.CollectionWindowMinutes).toMatchObject({ Type: 'Number', Default: 120, MinValue: 0, MaxValue: 1440 });
    expect(collector.Conditions.HasCollectionWindow).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CollectionWindowMinutes' }, '0'] }] });
    const fill = (input: Json): Json => {
      const [tpl] = input['Fn::Sub'] as [string, Json];
      return JSON.parse(tpl.replace('${Command}', '["collect","--shard","3/${ShardCount}"]').replace(/\$\{[^}]+\}/g, 'X')) as Json;
    };
    for (const [id, s] of schedules) {
      const target = s.Properties.Target;
      // Was: arn:aws:... hard-coded, wrong in aws-us-gov and aws-cn.
      expect(target.Arn, id).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:scheduler:::aws-sdk:ecs:runTask' });
      expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['SchedulerRole', 'Arn'] });
      // Was: always OFF, the daily snapshot at a fixed minute anyone could plan around; now: within a window (default 2 h).
      expect(s.Properties.FlexibleTimeWindow).toEqual({ 'Fn::If': ['HasCollectionWindow', { Mode: 'FLEXIBLE', MaximumWindowInMinutes: { Ref: 'CollectionWindowMinutes' } }, { Mode: 'OFF' }] });
      expect(s.Properties.ScheduleExpression).toEqual({ Ref: 'ScheduleExpression' });
      const req = fill(target.Input);
      expect(req).toMatchObject({ launchType: 'FARGATE', count: 1, overrides: { containerOverrides: [{ name: CONTAINER_NAME }] } });
    }
    // Shard n runs `collect --shard n/<ShardCount>`; a single shard runs plain `collect`.
    const input = (n: number) => r[`CollectShard${n}Schedule`].Properties.Target.Input['Fn::Sub'];
    expect(input(1)[1].Command).toEqual({ 'Fn::If': ['IsSingleShard', '["collect"]', { 'Fn::Sub': '["collect","--shard","1/${ShardCount}"]' }] });
    expect(input(4)[1].Command).toBeUndefined();
    expect(input(4)[0]).toContain('"command":["collect","--shard","4/${ShardCount}"]');
    expect(r.CollectShard4Schedule.Condition).toBe('Shard4Enabled');
    const scheduler = r.SchedulerRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(scheduler.map((s: Json) => s.Action).flat().sort()).toEqual(['ecs:RunTask', 'iam:PassRole', 'sqs:SendMessage']);
  });

  it('was: any schedule of the audit account could use the scheduler role (aws:SourceAccount only); now: only a schedule of the stack\'s own schedule group (aws:SourceArn, as EventBridge Scheduler documents it)', () => {
    const r = collector.Resources;
    expect(r.CollectScheduleGroup).toMatchObject({ Type: 'AWS::Scheduler::ScheduleGroup', Condition: 'IsScheduledTasks' });
    for (const [id, s] of Object.entries<Json>(r).filter(([, x]) => x.Type === 'AWS::Scheduler::Schedule')) expect(s.Properties.GroupName, id).toEqual({ Ref: 'CollectScheduleGroup' });
    const [trust] = r.SchedulerRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(trust.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['CollectScheduleGroup', 'Arn'] } } });
  });

  it('was: a schedule that could not start its task (after its retries) left no trace; now: it lands in an encrypted dead-letter queue only the scheduler role writes, and an alarm fires', () => {
    const schedules = Object.entries<Json>(r).filter(([, x]) => x.Type === 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(MAX_SHARDS);
    for (const [id, s] of schedules) {
      expect(s.Properties.Target.DeadLetterConfig, id).toEqual({ Arn: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] } });
      expect(s.Properties.Target.RetryPolicy, id).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 });
    }
    const queue = r.SchedulerDeadLetterQueue;
    // A standard queue (Scheduler takes no FIFO queue as a DLQ), SSE-SQS, kept the SQS maximum of 14 days.
    expect(queue).toMatchObject({ Type: 'AWS::SQS::Queue', Condition: 'IsScheduledTasks', Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 } });
    expect(queue.Properties.FifoQueue).toBeUndefined();
    const policy = r.SchedulerDeadLetterQueuePolicy;
    expect(policy).toMatchObject({ Type: 'AWS::SQS::QueuePolicy', Condition: 'IsScheduledTasks', Properties: { Queues: [{ Ref: 'SchedulerDeadLetterQueue' }] } });
    const st: Json[] = policy.Properties.PolicyDocument.Statement;
    for (const x of st) expect(x.Effect, x.Sid).toBe('Deny');
    expect(st.find((x) => x.Sid === 'DenySendButBySchedulerRole')).toEqual({
      Sid: 'DenySendButBySchedulerRole',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sqs:SendMessage',
      Resource: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] },
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] } } },
    });
    expect(st.find((x) => x.Sid === 'DenyRequestsWithoutTLS')?.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
    // The scheduler role sends to that queue and nowhere else.
    const scheduler: Json[] = r.SchedulerRole.Properties.Policies[0].PolicyDocument.Statement;
    const send = scheduler.filter((x) => list<string>(x.Action).some((a) => a.startsWith('sqs:')));
    expect(send).toEqual([{ Sid: 'SendToOwnDeadLetterQueue', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'Arn'] } }]);
    const alarm = r.SchedulerDeadLetterAlarm;
    expect(alarm).toMatchObject({
      Type: 'AWS::CloudWatch::Alarm',
      Condition: 'IsScheduledTasks',
      Properties: {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['SchedulerDeadLetterQueue', 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: { 'Fn::If': ['HasAlarmTopic', [{ Ref: 'AlarmTopicArn' }], { Ref: 'AWS::NoValue' }] },
      },
    });
    expect(collector.Parameters.AlarmTopicArn).toMatchObject({ Type: 'String', Default: '' });
    expect(new RegExp(collector.Parameters.AlarmTopicArn.AllowedPattern).test('arn:aws:sns:us-east-1:111122223333:evidence-alerts')).toBe(true);
    expect(new RegExp(collector.Parameters.AlarmTopicArn.AllowedPattern).test('')).toBe(true);
    expect(collector.Conditions.HasAlarmTopic).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlarmTopicArn' }, ''] }] });
    expect(collector.Outputs.SchedulerDeadLetterQueueUrl).toMatchObject({ Condition: 'IsScheduledTasks', Value: { Ref: 'SchedulerDeadLetterQueue' } });
  });

  it('the daemon mode: one service, never two tasks at once, health check on /healthz', () => {
    const svc = r.DaemonService;
    expect(svc.Condition).toBe('IsDaemonService');
    expect(svc.Properties.DesiredCount).toBe(1);
    expect(svc.Properties.DeploymentConfiguration).toEqual({ MinimumHealthyPercent: 0, MaximumPercent: 100 });
    const hc = container.HealthCheck['Fn::If'];
    expect(hc[0]).toBe('IsDaemonService');
    expect(hc[1].Command.join(' ')).toContain('/healthz');
  });
});

describe('template structure', () => {
  const PSEUDO = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::StackName', 'AWS::StackId', 'AWS::NoValue', 'AWS::URLSuffix']);

  for (const file of TEMPLATE_FILES) {
    it(`${file}: every Ref, GetAtt, Sub variable and Condition names something that exists; fits a direct upload`, () => {
      const t = load(file);
      const params = new Set(Object.keys(t.Parameters ?? {}));
      const resources = new Set(Object.keys(t.Resources ?? {}));
      const conditions = new Set(Object.keys(t.Conditions ?? {}));
      const problems: string[] = [];
      const walk = (v: unknown, path: string, subVars: Set<string> = new Set()) => {
        if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`, subVars));
        if (!v || typeof v !== 'object') return;
        const o = v as Json;
        if (typeof o.Ref === 'string' && !params.has(o.Ref) && !resources.has(o.Ref) && !PSEUDO.has(o.Ref)) problems.push(`${path}: Ref ${o.Ref}`);
        if (o['Fn::GetAtt'] && !resources.has(o['Fn::GetAtt'][0])) problems.push(`${path}: GetAtt ${o['Fn::GetAtt'][0]}`);
        if (typeof o.Condition === 'string' && !conditions.has(o.Condition)) problems.push(`${path}: Condition ${o.Condition}`);
        if (o['Fn::If'] && !conditions.has(o['Fn::If'][0])) problems.push(`${path}: Fn::If ${o['Fn::If'][0]}`);
        if (o['Fn::Sub'] !== undefined) {
          const [tpl, vars] = typeof o['Fn::Sub'] === 'string' ? [o['Fn::Sub'], {}] : o['Fn::Sub'];
          const local = new Set(Object.keys(vars ?? {}));
          for (const m of (tpl as string).matchAll(/\$\{([^}!]+)\}/g)) {
            const name = m[1].split('.')[0];
            if (!params.has(name) && !resources.has(name) && !PSEUDO.has(m[1]) && !local.has(name)) problems.push(`${path}: Sub \${${m[1]}}`);
          }
          walk(vars, `${path}.Fn::Sub`, subVars);
          return;
        }
        for (const [k, x] of Object.entries(o)) walk(x, `${path}.${k}`, subVars);
      };
      walk(t.Resources, 'Resources');
      walk(t.Outputs, 'Outputs');
      walk(t.Conditions, 'Conditions');
      expect(problems).toEqual([]);
      for (const [id, res] of Object.entries<Json>(t.Resources)) if (res.Condition) expect(conditions.has(res.Condition), `${id}.Condition`).toBe(true);
      expect(t.AWSTemplateFormatVersion).toBe('2010-09-09');
      // `aws cloudformation deploy --template-file` uploads up to 51,200 bytes without an S3 bucket.
      expect(readFileSync(join(DEPLOY, file)).length).toBeLessThan(51_200);
    });
  }
});
