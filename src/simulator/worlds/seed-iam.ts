/** IAM state of the demo account and of generated organisation accounts. */
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { iamState, type SimIamGroup, type SimIamRole, type SimIamUser, type SimManagedPolicy, type SimPrincipalPolicies } from '../services/iam.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

const ADMIN_DOCUMENT = { Version: '2012-10-17', Statement: [{ Sid: 'FullAccess', Effect: 'Allow', Action: '*', Resource: '*' }] };

function user(account: SimAccount, name: string, path: string, created: Date, rest: Partial<SimIamUser>): SimIamUser {
  return { name, path, userId: `AIDA${stableHex(`${account.id}/user/${name}`, 16).toUpperCase()}`, created, mfa: false, accessKeys: [], ...rest };
}

const AWS_POLICY = (name: string) => `arn:aws:iam::aws:policy/${name}`;

function group(account: SimAccount, name: string, created: Date, policies: SimPrincipalPolicies): SimIamGroup {
  return { name, path: '/', groupId: `AGPA${stableHex(`${account.id}/group/${name}`, 16).toUpperCase()}`, created, policies };
}

function role(account: SimAccount, name: string, path: string, created: Date, trust: object, policies: SimPrincipalPolicies): SimIamRole {
  return { name, path, roleId: `AROA${stableHex(`${account.id}/role/${name}`, 16).toUpperCase()}`, created, trust, policies };
}

const trustAccount = (accountId: string, mfa = false) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole', ...(mfa ? { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } } : {}) }],
});
const trustService = (service: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

/** Service-linked roles: created by AWS services, with the service's own AWS managed policy. */
function serviceLinkedRoles(account: SimAccount, created: Date, services: [service: string, roleName: string, policy: string][]): SimIamRole[] {
  return services.map(([service, name, policy]) => role(account, name, `/aws-service-role/${service}/`, created, trustService(service), { attached: [AWS_POLICY(`aws-service-role/${policy}`)] }));
}

const SERVICE_LINKED: [string, string, string][] = [
  ['config.amazonaws.com', 'AWSServiceRoleForConfig', 'AWSConfigServiceRolePolicy'],
  ['guardduty.amazonaws.com', 'AWSServiceRoleForAmazonGuardDuty', 'AmazonGuardDutyServiceRolePolicy'],
  ['securityhub.amazonaws.com', 'AWSServiceRoleForSecurityHub', 'AWSSecurityHubServiceRolePolicy'],
  ['organizations.amazonaws.com', 'AWSServiceRoleForOrganizations', 'AWSOrganizationsServiceTrustPolicy'],
  ['support.amazonaws.com', 'AWSServiceRoleForSupport', 'AWSSupportServiceRolePolicy'],
  ['trustedadvisor.amazonaws.com', 'AWSServiceRoleForTrustedAdvisor', 'AWSTrustedAdvisorServiceRolePolicy'],
  ['rds.amazonaws.com', 'AWSServiceRoleForRDS', 'AmazonRDSServiceRolePolicy'],
  ['cloudtrail.amazonaws.com', 'AWSServiceRoleForCloudTrail', 'CloudTrailServiceRolePolicy'],
  ['access-analyzer.amazonaws.com', 'AWSServiceRoleForAccessAnalyzer', 'AccessAnalyzerServiceRolePolicy'],
  ['elasticloadbalancing.amazonaws.com', 'AWSServiceRoleForElasticLoadBalancing', 'AWSElasticLoadBalancingServiceRolePolicy'],
];

const accessKeyId = (account: SimAccount, seed: string) => `AKIA${stableHex(`${account.id}/key/${seed}`, 16).toUpperCase()}`;
const serviceCredentialId = (account: SimAccount, seed: string) => `ACCA${stableHex(`${account.id}/ssc/${seed}`, 16).toUpperCase()}`;
const sshKeyId = (account: SimAccount, seed: string) => `APKA${stableHex(`${account.id}/ssh/${seed}`, 16).toUpperCase()}`;

function policy(account: SimAccount, name: string, path: string, created: Date, attachmentCount: number, document: object): SimManagedPolicy {
  return { name, path, policyId: `ANPA${stableHex(`${account.id}/policy/${name}`, 17).toUpperCase()}`, created, attachmentCount, defaultVersionId: 'v1', versions: [{ id: 'v1', created, document }] };
}

export function seedIam(account: SimAccount, world: WorldSeedContext): void {
  const s = iamState(account);
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  const [home] = world.regions;
  if (world.kind === 'demo') {
    // Fails PCI DSS 8.3.6: 8 characters.
    s.passwordPolicy = { MinimumPasswordLength: 8, RequireSymbols: false, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, ExpirePasswords: false, PasswordReusePrevention: 4, HardExpiry: false };
    s.root = { created: ago(2400), mfa: true, accessKeys: [], passwordLastUsed: ago(40) };
    s.users.push(
      user(account, 'alice.ops', '/', ago(900), { groups: ['Admins'], password: { lastChanged: ago(60), lastUsed: ago(1) }, mfa: true, mfaDevices: [{ kind: 'u2f', name: 'alice-yubikey', enabled: ago(880) }], accessKeys: [{ id: accessKeyId(account, 'alice'), status: 'Active', created: ago(30), lastUsed: { date: ago(1), region: home, service: 'ec2' } }], sshKeys: [{ id: sshKeyId(account, 'alice'), status: 'Active', uploaded: ago(45) }] }),
      // Console user without MFA; a CodeCommit HTTPS Git credential created 400 days ago and still active (fails iam.service-specific-credentials).
      user(account, 'bob.dev', '/', ago(500), { groups: ['Developers'], password: { lastChanged: ago(100), lastUsed: ago(2) }, serviceCredentials: [{ id: serviceCredentialId(account, 'bob-git'), service: 'codecommit.amazonaws.com', status: 'Active', created: ago(400) }] }),
      // Left months ago: password and key unused; still the password set when the user was created (fails iam.login-profiles).
      user(account, 'carol.former', '/', ago(700), { groups: ['Ops'], password: { lastChanged: ago(700), lastUsed: ago(200) }, mfa: true, accessKeys: [{ id: accessKeyId(account, 'carol'), status: 'Active', created: ago(300) }], serviceCredentials: [{ id: serviceCredentialId(account, 'carol-keyspaces'), service: 'cassandra.amazonaws.com', status: 'Inactive', created: ago(650) }] }),
      // Old access key, still in daily use; an inline policy that allows everything.
      user(account, 'ci-deployer', '/automation/', ago(800), { policies: { inline: [{ name: 'DeployEverything', document: ADMIN_DOCUMENT }] }, accessKeys: [{ id: accessKeyId(account, 'ci'), status: 'Active', created: ago(210), lastUsed: { date: ago(0), region: home, service: 's3' } }, { id: accessKeyId(account, 'ci-old'), status: 'Inactive', created: ago(600), lastUsed: { date: ago(400), region: home, service: 'sts' } }], serviceCredentials: [{ id: serviceCredentialId(account, 'ci-bedrock'), service: 'bedrock.amazonaws.com', status: 'Active', created: ago(20), expires: ago(-10) }] }),
      user(account, 'evidence-locker', '/', ago(60), { policies: { attached: [AWS_POLICY('SecurityAudit')] }, accessKeys: [{ id: accessKeyId(account, 'collector'), status: 'Active', created: ago(20), lastUsed: { date: ago(0), region: home, service: 'config' } }] }),
    );
    // A virtual MFA device left over from a replaced phone, assigned to nobody.
    s.unassignedVirtualMfa = [{ name: 'old-phone-ops' }];
    s.policies.push(
      policy(account, 'LegacyOpsFullAccess', '/', ago(1500), 2, ADMIN_DOCUMENT),
      policy(account, 'AppReadOrders', '/app/', ago(400), 1, {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: `arn:aws:dynamodb:${home}:${account.id}:table/orders` }],
      }),
      // Not attached anywhere: ListPolicies OnlyAttached leaves it out.
      policy(account, 'BreakGlassDraft', '/', ago(90), 0, ADMIN_DOCUMENT),
    );
    s.groups.push(
      group(account, 'Admins', ago(1500), { attached: [AWS_POLICY('AdministratorAccess')] }),
      // LegacyOpsFullAccess is attached twice: to this group and to the legacy-ops role.
      group(account, 'Ops', ago(1500), { attached: ['LegacyOpsFullAccess'] }),
      group(account, 'Developers', ago(900), { attached: [AWS_POLICY('ReadOnlyAccess')] }),
    );
    s.roles.push(
      role(account, 'OrganizationAccountAccessRole', '/', ago(2400), trustAccount(account.id), { attached: [AWS_POLICY('AdministratorAccess')] }),
      role(account, 'BreakGlassAdmin', '/', ago(1200), trustAccount(account.id, true), { attached: [AWS_POLICY('AdministratorAccess')] }),
      role(account, 'legacy-ops', '/', ago(1500), trustAccount(account.id), { attached: ['LegacyOpsFullAccess'] }),
      role(account, 'orders-app', '/app/', ago(400), trustService('ecs-tasks.amazonaws.com'), { attached: ['AppReadOrders'] }),
      ...serviceLinkedRoles(account, ago(2000), SERVICE_LINKED),
    );
    return;
  }
  // Generated accounts: a compliant baseline, with a few accounts drifting (chosen from the account id, not the
  // world's random source, so other services' generated state does not shift).
  const drift = parseInt(stableHex(`${account.id}/iam-drift`, 2), 16) % 4 === 0;
  s.passwordPolicy = { MinimumPasswordLength: drift ? 8 : 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, ExpirePasswords: true, MaxPasswordAge: 90, PasswordReusePrevention: 24, HardExpiry: false };
  s.root = { created: ago(1000), mfa: true, accessKeys: [], passwordLastUsed: ago(200) };
  s.users.push(
    // A drifting account gives its platform administrator AdministratorAccess directly.
    user(account, 'platform-admin', '/', ago(600), { groups: ['Platform'], ...(drift ? { policies: { attached: [AWS_POLICY('AdministratorAccess')] } } : {}), password: { lastChanged: ago(30), lastUsed: ago(3) }, mfa: !drift }),
    user(account, 'deploy-bot', '/automation/', ago(600), { accessKeys: [{ id: accessKeyId(account, 'deploy'), status: 'Active', created: ago(drift ? 150 : 45), lastUsed: { date: ago(1), region: home, service: 'cloudformation' } }] }),
  );
  s.policies.push(policy(account, 'WorkloadDeploy', '/', ago(600), 1, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['cloudformation:*', 's3:PutObject'], Resource: '*' }] }));
  s.groups.push(group(account, 'Platform', ago(600), { attached: [AWS_POLICY('ReadOnlyAccess')] }));
  s.roles.push(
    // Created by AWS Organizations in every member account.
    role(account, 'OrganizationAccountAccessRole', '/', ago(1000), trustAccount(account.id), { attached: [AWS_POLICY('AdministratorAccess')] }),
    role(account, 'workload-deploy', '/', ago(600), trustService('codebuild.amazonaws.com'), { attached: ['WorkloadDeploy'] }),
    ...serviceLinkedRoles(account, ago(1000), SERVICE_LINKED.slice(0, 6)),
  );
}
