import type { Event } from '@aws-sdk/client-cloudtrail';
import type { Instance } from '@aws-sdk/client-ec2';
import type { Finding } from '@aws-sdk/client-guardduty';
import type { GetAccountAuthorizationDetailsCommandOutput, PasswordPolicy } from '@aws-sdk/client-iam';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { DBInstance } from '@aws-sdk/client-rds';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { Subscription } from '@aws-sdk/client-sns';
import type { Target } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_EVENT_NAMES, isSecretTagKey, redactEvidence, REDACTION_RULES } from '../../src/collect/redact.js';
import { canonicalBytes } from '../../src/seal/canonical.js';

const SECRET = 'hunter2-canary-value';

function instance(tags: { Key: string; Value: string }[]): Instance {
  return { InstanceId: 'i-0123456789abcdef0', KeyName: 'ops-keypair', Tags: tags, MetadataOptions: { HttpTokens: 'required' } };
}

function cloudTrailEvent(eventName: string, requestParameters: unknown, responseElements: unknown): Event {
  const record = { eventVersion: '1.08', eventSource: 'sts.amazonaws.com', eventName, awsRegion: 'us-east-1', requestParameters, responseElements, requestID: 'r', eventID: 'e' };
  return { EventId: 'e', EventName: eventName, AccessKeyId: 'AKIAEXAMPLEKEY000001', CloudTrailEvent: JSON.stringify(record) };
}

const finding: AwsSecurityFinding = {
  SchemaVersion: '2018-10-08',
  Id: 'finding-1',
  ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
  GeneratorId: 'security-control/Lambda.1',
  AwsAccountId: '111122223333',
  CreatedAt: '2026-12-01T00:00:00Z',
  UpdatedAt: '2026-12-01T00:00:00Z',
  Title: 't',
  Description: 'd',
  Resources: [
    { Type: 'AwsLambdaFunction', Id: 'arn:aws:lambda:us-east-1:111122223333:function:pay', Tags: { Owner: 'payments', api_key: SECRET }, Details: { AwsLambdaFunction: { FunctionName: 'pay', KmsKeyArn: 'arn:aws:kms:us-east-1:111122223333:key/abc', Environment: { Variables: { DB_HOST: 'db.internal', DB_PASS: SECRET } } } } },
    { Type: 'AwsEcsTaskDefinition', Id: 'td', Details: { AwsEcsTaskDefinition: { Family: 'web', ContainerDefinitions: [{ Name: 'web', Environment: [{ Name: 'STRIPE_KEY', Value: SECRET }], Secrets: [{ Name: 'DB', ValueFrom: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:db' }] }] } } },
    { Type: 'AwsCodeBuildProject', Id: 'cb', Details: { AwsCodeBuildProject: { Name: 'build', Environment: { Type: 'LINUX_CONTAINER', EnvironmentVariables: [{ Name: 'NPM_TOKEN', Type: 'PLAINTEXT', Value: SECRET }] } } } },
    { Type: 'AwsEc2LaunchTemplate', Id: 'lt', Details: { AwsEc2LaunchTemplate: { LaunchTemplateName: 'web', LaunchTemplateData: { UserData: Buffer.from(`#!/bin/sh\nexport PASSWORD=${SECRET}`).toString('base64'), KeyName: 'ops-keypair' } } } },
  ],
};

describe('redactEvidence: secret-bearing fields are replaced before sealing', () => {
  it('tags whose keys name a secret (list and map forms); every other tag, KeyName and key ids stay', () => {
    const data = { reservations: [instance([{ Key: 'Name', Value: 'web-1' }, { Key: 'DB_PASSWORD', Value: SECRET }, { Key: 'monkey', Value: 'banana' }])], rds: [{ DBInstanceIdentifier: 'db', KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/abc', TagList: [{ Key: 'apiToken', Value: SECRET }] } satisfies DBInstance] };
    const { data: out, redactions } = redactEvidence(data);
    expect(out.reservations[0].Tags).toEqual([{ Key: 'Name', Value: 'web-1' }, { Key: 'DB_PASSWORD', Value: '[REDACTED tag DB_PASSWORD by rule tag-key-secret]' }, { Key: 'monkey', Value: 'banana' }]);
    expect(out.reservations[0].KeyName).toBe('ops-keypair');
    expect(out.rds[0].KmsKeyId).toBe(data.rds[0].KmsKeyId);
    expect(out.rds[0].TagList?.[0].Value).toBe('[REDACTED tag apiToken by rule tag-key-secret]');
    expect(redactions).toEqual([
      { path: 'data.rds[0].TagList[0].Value', rule: 'tag-key-secret' },
      { path: 'data.reservations[0].Tags[1].Value', rule: 'tag-key-secret' },
    ]);
  });

  it('Lambda, ECS and CodeBuild environment variables and launch-template user data inside Security Hub findings', () => {
    const { data, redactions } = redactEvidence({ findings: [finding] });
    const text = JSON.stringify(data);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(Buffer.from(`#!/bin/sh\nexport PASSWORD=${SECRET}`).toString('base64'));
    const [lambda, ecs, codebuild, lt] = data.findings[0].Resources!;
    expect(lambda.Details?.AwsLambdaFunction?.Environment?.Variables).toEqual({ DB_HOST: '[REDACTED env DB_HOST by rule env-var-value]', DB_PASS: '[REDACTED env DB_PASS by rule env-var-value]' });
    expect(lambda.Tags).toEqual({ Owner: 'payments', api_key: '[REDACTED tag api_key by rule tag-key-secret]' });
    expect(lambda.Details?.AwsLambdaFunction?.KmsKeyArn).toBe('arn:aws:kms:us-east-1:111122223333:key/abc');
    expect(ecs.Details?.AwsEcsTaskDefinition?.ContainerDefinitions?.[0].Secrets?.[0].ValueFrom).toMatch(/^arn:aws:secretsmanager:/);
    expect(codebuild.Details?.AwsCodeBuildProject?.Environment?.EnvironmentVariables?.[0]).toEqual({ Name: 'NPM_TOKEN', Type: 'PLAINTEXT', Value: '[REDACTED env NPM_TOKEN by rule env-var-value]' });
    expect(lt.Details?.AwsEc2LaunchTemplate?.LaunchTemplateData?.KeyName).toBe('ops-keypair');
    expect(redactions.map((r) => `${r.rule} ${r.path}`)).toEqual([
      'env-var-value data.findings[0].Resources[0].Details.AwsLambdaFunction.Environment.Variables.DB_HOST',
      'env-var-value data.findings[0].Resources[0].Details.AwsLambdaFunction.Environment.Variables.DB_PASS',
      'tag-key-secret data.findings[0].Resources[0].Tags.api_key',
      'env-var-value data.findings[0].Resources[1].Details.AwsEcsTaskDefinition.ContainerDefinitions[0].Environment[0].Value',
      'env-var-value data.findings[0].Resources[2].Details.AwsCodeBuildProject.Environment.EnvironmentVariables[0].Value',
      'user-data data.findings[0].Resources[3].Details.AwsEc2LaunchTemplate.LaunchTemplateData.UserData',
    ]);
  });

  it('GuardDuty finding resource tags; the finding’s access key id (a structural id, not a secret) stays', () => {
    const f: Finding = {
      AccountId: '111122223333', Arn: 'a', CreatedAt: 'c', Id: 'i', Region: 'us-east-1', SchemaVersion: '2.0', Severity: 8, Type: 't', UpdatedAt: 'u',
      Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-1', Tags: [{ Key: 'github-token', Value: SECRET }] }, AccessKeyDetails: { AccessKeyId: 'ASIAEXAMPLEKEY000001' } },
    };
    const { data } = redactEvidence({ findings: [f] });
    expect(JSON.stringify(data)).not.toContain(SECRET);
    expect(data.findings[0].Resource?.AccessKeyDetails?.AccessKeyId).toBe('ASIAEXAMPLEKEY000001');
  });

  it('CloudTrail events of credential APIs lose requestParameters and responseElements; secret-named members of any event are replaced', () => {
    const events = [
      cloudTrailEvent('GetSessionToken', { durationSeconds: 3600 }, { credentials: { accessKeyId: 'ASIA', sessionToken: SECRET, expiration: 'x' } }),
      cloudTrailEvent('AssumeRole', { roleArn: 'arn:aws:iam::111122223333:role/R', externalId: SECRET }, { credentials: { sessionToken: SECRET } }),
      cloudTrailEvent('UpdateLoginProfile', { userName: 'bob', password: SECRET }, null),
      cloudTrailEvent('PutUserPolicy', { userName: 'bob', password: SECRET, passwordResetRequired: true, policyName: 'p' }, null),
      cloudTrailEvent('StopLogging', { name: 'trail' }, null),
      cloudTrailEvent('CreateUser', { userName: 'svc', tags: [{ key: 'db_password', value: SECRET }, { key: 'team', value: 'ops' }] }, null),
      cloudTrailEvent('StartBuild', { projectName: 'b', environmentVariablesOverride: [{ name: 'DEPLOY_TOKEN', value: SECRET, type: 'PLAINTEXT' }] }, null),
    ];
    const { data, redactions } = redactEvidence({ lookups: [{ eventName: 'x', events }] });
    const parsed = data.lookups[0].events.map((e) => JSON.parse(e.CloudTrailEvent!) as Record<string, unknown>);
    expect(JSON.stringify(data)).not.toContain(SECRET);
    expect(parsed[0].requestParameters).toBe('[REDACTED requestParameters by rule cloudtrail-credential-api]');
    expect(parsed[0].responseElements).toBe('[REDACTED responseElements by rule cloudtrail-credential-api]');
    expect(parsed[2].responseElements).toBeNull();
    expect(parsed[3].requestParameters).toEqual({ userName: 'bob', password: '[REDACTED password by rule cloudtrail-secret-member]', passwordResetRequired: true, policyName: 'p' });
    // An event with nothing to redact keeps its record byte for byte.
    expect(data.lookups[0].events[4]).toBe(events[4]);
    // CloudTrail logs tags and environment overrides with lower-case member names.
    expect((parsed[5].requestParameters as { tags: unknown }).tags).toEqual([{ key: 'db_password', value: '[REDACTED tag db_password by rule tag-key-secret]' }, { key: 'team', value: 'ops' }]);
    expect((parsed[6].requestParameters as { environmentVariablesOverride: unknown }).environmentVariablesOverride).toEqual([{ name: 'DEPLOY_TOKEN', value: '[REDACTED env DEPLOY_TOKEN by rule env-var-value]', type: 'PLAINTEXT' }]);
    expect(redactions).toContainEqual({ path: 'data.lookups[0].events[3].CloudTrailEvent<json>.requestParameters.password', rule: 'cloudtrail-secret-member' });
    expect(redactions.filter((r) => r.rule === 'cloudtrail-credential-api')).toHaveLength(5);
    expect(CREDENTIAL_EVENT_NAMES.has('CreateAccessKey') && CREDENTIAL_EVENT_NAMES.has('GetSecretValue')).toBe(true);
  });

  it('webhook URLs of SNS HTTP(S) subscriptions and EventBridge target header and query values; e-mail endpoints and target ARNs stay', () => {
    const subscriptions: Subscription[] = [
      { SubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:alerts:1', Protocol: 'https', Endpoint: `https://events.example.com/integration/${SECRET}/enqueue`, TopicArn: 'arn:aws:sns:us-east-1:111122223333:alerts' },
      { SubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:alerts:2', Protocol: 'email', Endpoint: 'soc@example.com', TopicArn: 'arn:aws:sns:us-east-1:111122223333:alerts' },
    ];
    const targets: Target[] = [{ Id: 'api', Arn: 'arn:aws:execute-api:us-east-1:111122223333:abc/prod/POST/findings', HttpParameters: { HeaderParameters: { 'x-api-key': SECRET }, QueryStringParameters: { token: SECRET } } }];
    const { data, redactions } = redactEvidence({ topics: [{ topicArn: 't', subscriptions }], targets: [{ rule: 'r', targets }] });
    expect(JSON.stringify(data)).not.toContain(SECRET);
    expect(data.topics[0].subscriptions[0].Endpoint).toBe('[REDACTED Endpoint by rule subscription-endpoint-url]');
    expect(data.topics[0].subscriptions[1].Endpoint).toBe('soc@example.com');
    expect(data.targets[0].targets[0]).toMatchObject({ Arn: targets[0].Arn, HttpParameters: { HeaderParameters: { 'x-api-key': '[REDACTED header x-api-key by rule target-http-parameter]' } } });
    expect(redactions.map((r) => r.path)).toEqual([
      'data.targets[0].targets[0].HttpParameters.HeaderParameters["x-api-key"]',
      'data.targets[0].targets[0].HttpParameters.QueryStringParameters.token',
      'data.topics[0].subscriptions[0].Endpoint',
    ]);
  });

  it('leaves structural fields alone: password policy, KMS key ids, IAM access key metadata, role tags without secrets', () => {
    const policy: PasswordPolicy = { MinimumPasswordLength: 14, RequireSymbols: true, AllowUsersToChangePassword: true, ExpirePasswords: true, PasswordReusePrevention: 4 };
    const key: KeyMetadata = { KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab', Arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd', KeyManager: 'CUSTOMER' };
    const auth: Omit<GetAccountAuthorizationDetailsCommandOutput, '$metadata'> = { RoleDetailList: [{ RoleName: 'ops', Tags: [{ Key: 'team', Value: 'ops' }] }] };
    const data = { policy, key, auth, credentialReport: 'user,password_enabled,access_key_1_active\nbob,true,true' };
    const out = redactEvidence(data);
    expect(out.redactions).toEqual([]);
    expect(out.data).toBe(data);
  });

  it('is deterministic and leaves its input unchanged', () => {
    const input = { findings: [finding] };
    const before = canonicalBytes(input);
    const a = redactEvidence(input);
    const b = redactEvidence(structuredClone(input));
    expect(canonicalBytes(a.data).equals(canonicalBytes(b.data))).toBe(true);
    expect(a.redactions).toEqual(b.redactions);
    expect(canonicalBytes(input).equals(before)).toBe(true);
  });

  it('names secret-looking tag keys and not others; every rule says why it exists', () => {
    for (const k of ['DB_PASSWORD', 'password', 'apiKey', 'api-key', 'Secret', 'github_token', 'ssh.key', 'AccessKey', 'credentials', 'pwd']) expect(isSecretTagKey(k), k).toBe(true);
    for (const k of ['Name', 'Owner', 'monkey', 'Environment', 'aws:cloudformation:stack-name', 'CostCenter', 'keyboard-layout']) expect(isSecretTagKey(k), k).toBe(false);
    for (const why of Object.values(REDACTION_RULES)) expect(why.length).toBeGreaterThan(20);
  });
});
