import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { AwsClientProvider } from '../aws/clients.js';

/** One account to collect from, with the credentials to use there and the regions to cover. */
export interface AccountTarget {
  accountId: string;
  name?: string;
  /** Undefined: the SDK's default credential chain (the current account). */
  credentials?: AwsCredentialIdentityProvider;
  regions: string[];
}

/** An account or region that could not be reached at all: a gap with no evidence record. */
export interface TargetGap {
  accountId: string;
  region?: string;
  reason: string;
}

export interface TargetFilter {
  accounts?: string[];
  regions?: string[];
  shard?: { index: number; count: number; slot?: string };
}

export function roleArnFor(config: Config, accountId: string, explicit?: string): string {
  return explicit ?? `arn:aws:iam::${accountId}:role/${config.accounts.roleName}`;
}

/** Credentials for a member account: the SDK assumes the role and refreshes before expiry on long runs. */
export function assumedRoleCredentials(config: Config, roleArn: string): AwsCredentialIdentityProvider {
  return fromTemporaryCredentials({
    params: {
      RoleArn: roleArn,
      RoleSessionName: 'evidence-locker',
      DurationSeconds: config.accounts.sessionDurationSeconds,
      ...(config.accounts.externalId ? { ExternalId: config.accounts.externalId } : {}),
    },
    clientConfig: { region: config.regions.home },
  });
}

/** Resolves which accounts and regions a run covers (configured list or the current account). */
export async function resolveTargets(config: Config, filter: TargetFilter, log: Logger): Promise<{ targets: AccountTarget[]; gaps: TargetGap[] }> {
  const regions = filter.regions?.length ? filter.regions : config.regions.list;
  const gaps: TargetGap[] = [];
  let targets: AccountTarget[] = [];
  if (config.accounts.source === 'current') {
    const sts = new AwsClientProvider({ accountId: 'current', region: config.regions.home }).get(STSClient);
    const id = await sts.send(new GetCallerIdentityCommand({}));
    targets = [{ accountId: id.Account ?? 'unknown', regions }];
  } else {
    targets = config.accounts.list.map((a) => ({
      accountId: a.id,
      name: a.name,
      credentials: assumedRoleCredentials(config, roleArnFor(config, a.id, a.roleArn)),
      regions,
    }));
  }
  if (filter.accounts?.length) {
    const wanted = new Set(filter.accounts);
    const known = new Set(targets.map((t) => t.accountId));
    for (const a of wanted) if (!known.has(a)) gaps.push({ accountId: a, reason: 'account requested with --accounts is not in the configured account list' });
    targets = targets.filter((t) => wanted.has(t.accountId));
  }
  log.debug({ accounts: targets.length, regions }, 'resolved collection targets');
  return { targets, gaps };
}
