/** IAM state of the demo account and of generated organisation accounts. */
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { iamState, type SimIamUser, type SimManagedPolicy } from '../services/iam.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

const ADMIN_DOCUMENT = { Version: '2012-10-17', Statement: [{ Sid: 'FullAccess', Effect: 'Allow', Action: '*', Resource: '*' }] };

function user(account: SimAccount, name: string, path: string, created: Date, rest: Partial<SimIamUser>): SimIamUser {
  return { name, path, userId: `AIDA${stableHex(`${account.id}/user/${name}`, 16).toUpperCase()}`, created, mfa: false, accessKeys: [], ...rest };
}

const accessKeyId = (account: SimAccount, seed: string) => `AKIA${stableHex(`${account.id}/key/${seed}`, 16).toUpperCase()}`;

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
      user(account, 'alice.ops', '/', ago(900), { password: { lastChanged: ago(60), lastUsed: ago(1) }, mfa: true, accessKeys: [{ id: accessKeyId(account, 'alice'), status: 'Active', created: ago(30), lastUsed: { date: ago(1), region: home, service: 'ec2' } }] }),
      // Console user without MFA.
      user(account, 'bob.dev', '/', ago(500), { password: { lastChanged: ago(100), lastUsed: ago(2) } }),
      // Left months ago: password and key unused.
      user(account, 'carol.former', '/', ago(700), { password: { lastChanged: ago(700), lastUsed: ago(200) }, mfa: true, accessKeys: [{ id: accessKeyId(account, 'carol'), status: 'Active', created: ago(300) }] }),
      // Old access key, still in daily use.
      user(account, 'ci-deployer', '/automation/', ago(800), { accessKeys: [{ id: accessKeyId(account, 'ci'), status: 'Active', created: ago(210), lastUsed: { date: ago(0), region: home, service: 's3' } }, { id: accessKeyId(account, 'ci-old'), status: 'Inactive', created: ago(600), lastUsed: { date: ago(400), region: home, service: 'sts' } }] }),
      user(account, 'evidence-locker', '/', ago(60), { accessKeys: [{ id: accessKeyId(account, 'collector'), status: 'Active', created: ago(20), lastUsed: { date: ago(0), region: home, service: 'config' } }] }),
    );
    s.policies.push(
      policy(account, 'LegacyOpsFullAccess', '/', ago(1500), 2, ADMIN_DOCUMENT),
      policy(account, 'AppReadOrders', '/app/', ago(400), 1, {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: `arn:aws:dynamodb:${home}:${account.id}:table/orders` }],
      }),
      // Not attached anywhere: ListPolicies OnlyAttached leaves it out.
      policy(account, 'BreakGlassDraft', '/', ago(90), 0, ADMIN_DOCUMENT),
    );
    s.roles = 14;
    s.groups = 3;
    return;
  }
  // Generated accounts: a compliant baseline, with a few accounts drifting (chosen from the account id, not the
  // world's random source, so other services' generated state does not shift).
  const drift = parseInt(stableHex(`${account.id}/iam-drift`, 2), 16) % 4 === 0;
  s.passwordPolicy = { MinimumPasswordLength: drift ? 8 : 14, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, ExpirePasswords: true, MaxPasswordAge: 90, PasswordReusePrevention: 24, HardExpiry: false };
  s.root = { created: ago(1000), mfa: true, accessKeys: [], passwordLastUsed: ago(200) };
  s.users.push(
    user(account, 'platform-admin', '/', ago(600), { password: { lastChanged: ago(30), lastUsed: ago(3) }, mfa: !drift }),
    user(account, 'deploy-bot', '/automation/', ago(600), { accessKeys: [{ id: accessKeyId(account, 'deploy'), status: 'Active', created: ago(drift ? 150 : 45), lastUsed: { date: ago(1), region: home, service: 'cloudformation' } }] }),
  );
  s.policies.push(policy(account, 'WorkloadDeploy', '/', ago(600), 1, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['cloudformation:*', 's3:PutObject'], Resource: '*' }] }));
  s.roles = 8;
  s.groups = 1;
}
