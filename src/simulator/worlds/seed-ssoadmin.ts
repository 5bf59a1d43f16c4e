/** IAM Identity Center state of the demo account: one instance in the home region with three permission sets. */
import type { AccountAssignment } from '@aws-sdk/client-sso-admin';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { ssoAdminState, type SimPermissionSet } from '../services/ssoadmin.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

/**
 * Demo: the account holds the organisation's Identity Center instance in its home region. AdministratorAccess (1 hour)
 * passes, PaymentsSupport (12 hours, assigned to the support vendor's group) exceeds the 60-minute default (needs review), ReadOnlyAudit
 * (1 hour) passes. The second region and generated accounts see no instance.
 */
export function seedSsoAdmin(account: SimAccount, world: WorldSeedContext): void {
  const [home] = world.regions;
  if (world.kind !== 'demo' || !home) return;
  const instanceId = `ssoins-${stableHex(`${account.id}/sso`, 16)}`;
  const instanceArn = `arn:aws:sso:::instance/${instanceId}`;
  const created = new Date(world.now.getTime() - 700 * DAY);
  const assign = (type: 'USER' | 'GROUP', name: string, permissionSetArn: string): AccountAssignment => ({
    AccountId: account.id,
    PermissionSetArn: permissionSetArn,
    PrincipalType: type,
    PrincipalId: `${stableHex(`${account.id}/${name}`, 10)}-${stableHex(`${name}/a`, 8)}-${stableHex(`${name}/b`, 4)}-${stableHex(`${name}/c`, 4)}-${stableHex(`${name}/d`, 4)}-${stableHex(`${name}/e`, 12)}`,
  });
  const set = (name: string, duration: string, description: string, principals: [type: 'USER' | 'GROUP', name: string][]): SimPermissionSet => {
    const arn = `arn:aws:sso:::permissionSet/${instanceId}/ps-${stableHex(`${account.id}/ps/${name}`, 16)}`;
    return { set: { Name: name, PermissionSetArn: arn, Description: description, CreatedDate: created, SessionDuration: duration }, assignments: principals.map(([t, n]) => assign(t, n, arn)) };
  };
  ssoAdminState(account, home).instances.push({
    InstanceArn: instanceArn,
    IdentityStoreId: `d-${stableHex(`${account.id}/idstore`, 10)}`,
    OwnerAccountId: account.id,
    Name: 'demo-organization',
    CreatedDate: created,
    Status: 'ACTIVE',
    permissionSets: [
      set('AdministratorAccess', 'PT1H', 'Break-glass and platform administration', [['GROUP', 'platform-admins']]),
      set('PaymentsSupport', 'PT12H', 'Support vendor access to the payments workloads', [['GROUP', 'vendor-support'], ['USER', 'dana.vendor']]),
      set('ReadOnlyAudit', 'PT1H', 'Read-only access for internal audit', [['GROUP', 'internal-audit']]),
    ],
  });
}
