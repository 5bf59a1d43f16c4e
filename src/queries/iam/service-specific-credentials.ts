import type { ListServiceSpecificCredentialsCommandOutput, ServiceSpecificCredentialMetadata, SSHPublicKeyMetadata, User } from '@aws-sdk/client-iam';
import { loadIamSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';
import { dayParam, formatAge, olderThanDays } from './credential-report.js';
import { maxKeyAgeParameter } from './access-key-age.js';

/** Every item of a paginated IAM list read, or the items of the pages before the one that failed and that failure. */
export interface ListRead<T> {
  items: T[];
  /** The failure that ended the read (AccessDenied, throttled past retries): the items are then incomplete. */
  error?: CapturedError['error'];
}

/** One IAM user as ListUsers returned it, with its service-specific credentials and SSH public keys. */
export interface UserCredentialsEvidence {
  user: User;
  /** ListServiceSpecificCredentials for this user, every service (no ServiceName), every page. */
  serviceSpecificCredentials: ListRead<ServiceSpecificCredentialMetadata>;
  /** ListSSHPublicKeys for this user, every page. */
  sshPublicKeys: ListRead<SSHPublicKeyMetadata>;
}

export interface ServiceSpecificCredentialsEvidence {
  /** ListUsers, every page; `error` set when a page failed (the users after it were not listed). */
  listUsersError?: CapturedError['error'];
  users: UserCredentialsEvidence[];
}

/** Reads every page of an IAM list call; a failed page ends the read and is kept beside the items already read. */
async function readPages<T>(
  ctx: Pick<QueryContext, 'signal'>,
  page: (marker: string | undefined) => Promise<{ items?: T[]; IsTruncated?: boolean; Marker?: string }>,
): Promise<ListRead<T>> {
  const items: T[] = [];
  let marker: string | undefined;
  for (;;) {
    ctx.signal?.throwIfAborted();
    const out = await captureFailure(() => page(marker), ctx.signal);
    if (isCapturedError(out)) return { items, error: out.error };
    items.push(...(out.items ?? []));
    if (!out.IsTruncated || !out.Marker) return { items };
    marker = out.Marker;
  }
}

/** What a service-specific credential is, by the service IAM issued it for. */
function credentialKind(service: string | undefined): string {
  switch (service) {
    case 'codecommit.amazonaws.com':
      return 'CodeCommit HTTPS Git credential';
    case 'cassandra.amazonaws.com':
      return 'Amazon Keyspaces credential';
    case 'bedrock.amazonaws.com':
      return 'Amazon Bedrock API key';
    case 'logs.amazonaws.com':
      return 'CloudWatch Logs API key';
    default:
      return `service-specific credential for ${service ?? 'an unnamed service'}`;
  }
}

const API_SSC = 'iam:ListServiceSpecificCredentials';
const API_SSH = 'iam:ListSSHPublicKeys';
const API_USERS = 'iam:ListUsers';

export const serviceSpecificCredentials = defineQuery<ServiceSpecificCredentialsEvidence>({
  id: 'iam.service-specific-credentials',
  service: 'iam',
  title: 'Active service-specific credentials and SSH public keys of IAM users are replaced within the maximum age',
  description:
    'Every IAM user (ListUsers) with its service-specific credentials of every service (ListServiceSpecificCredentials: CodeCommit HTTPS Git credentials, Amazon Keyspaces credentials, Amazon Bedrock and CloudWatch Logs API keys) and its SSH public keys (ListSSHPublicKeys, used with CodeCommit): each active one with the date it was created or uploaded (and, for API keys, when it expires), against the maximum age. These credentials are not in the IAM credential report. IAM lists no last use for them, so whether they are used is not shown, nor who holds them.',
  remediation:
    'Replace each listed credential: create a new one, move its user to it, then deactivate and delete the old one (`aws iam update-service-specific-credential --status Inactive`, `aws iam delete-service-specific-credential`, `aws iam update-ssh-public-key --status Inactive`, `aws iam delete-ssh-public-key`); create Amazon Bedrock API keys with an expiration (`--credential-age-days`) no longer than the maximum age, and prefer temporary credentials (IAM roles, short-term API keys, git-remote-codecommit) to long-term ones.',
  scope: 'global',
  apiCalls: [API_USERS, API_SSC, API_SSH],
  parameters: {
    maxAgeDays: { ...maxKeyAgeParameter, description: 'Largest age in days of an active service-specific credential or SSH public key (PCI DSS 8.3.9 / 8.6.3: 90).' },
  },
  async collect(ctx) {
    const { IAMClient, ListServiceSpecificCredentialsCommand, ListSSHPublicKeysCommand, ListUsersCommand } = await loadIamSdk();
    const iam = ctx.clients.get(IAMClient);
    const listed = await readPages<User>(ctx, async (Marker) => {
      const out = stripMetadata(await iam.send(new ListUsersCommand({ MaxItems: 1000, ...(Marker ? { Marker } : {}) }), { abortSignal: ctx.signal }));
      return { ...out, items: out.Users };
    });
    const users: UserCredentialsEvidence[] = [];
    for (const user of listed.items) {
      ctx.signal?.throwIfAborted();
      const UserName = user.UserName;
      if (!UserName) {
        // Without a name the per-user calls would read the caller's own credentials: none is made, and evaluate reports it.
        const missing = { items: [], error: { code: 'NoUserName', message: 'ListUsers returned this user without a UserName' } };
        users.push({ user, serviceSpecificCredentials: missing, sshPublicKeys: missing });
        continue;
      }
      // No ServiceName: every service's credentials (the API reference: "If not specified, then AWS returns service-specific credentials for all services").
      const ssc = await readPages<ServiceSpecificCredentialMetadata>(ctx, async (Marker) => {
        const out: Omit<ListServiceSpecificCredentialsCommandOutput, '$metadata'> = stripMetadata(
          await iam.send(new ListServiceSpecificCredentialsCommand({ UserName, MaxItems: 1000, ...(Marker ? { Marker } : {}) }), { abortSignal: ctx.signal }),
        );
        return { ...out, items: out.ServiceSpecificCredentials };
      });
      const ssh = await readPages<SSHPublicKeyMetadata>(ctx, async (Marker) => {
        const out = stripMetadata(await iam.send(new ListSSHPublicKeysCommand({ UserName, MaxItems: 1000, ...(Marker ? { Marker } : {}) }), { abortSignal: ctx.signal }));
        return { ...out, items: out.SSHPublicKeys };
      });
      users.push({ user, serviceSpecificCredentials: ssc, sshPublicKeys: ssh });
    }
    return { users, ...(listed.error ? { listUsersError: listed.error } : {}) };
  },
  evaluate(data, params, ctx) {
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!data || !Array.isArray(data.users)) {
      return [{ ...account, status: 'error', reason: `the evidence holds no ${API_USERS} answer, so no IAM user's service-specific credentials or SSH public keys were judged` }];
    }
    const maxDays = dayParam(params.maxAgeDays, 90);
    const now = toDate(ctx.collectedAt) ?? new Date(0);
    const results: ResourceResult[] = [];
    let active = 0;
    let inactive = 0;
    let failedReads = 0;
    let undecided = 0;
    const unused = 'IAM lists no last use of it, so whether it is used is not shown';
    for (const u of data.users) {
      const name = u.user?.UserName ?? '(no user name)';
      const arn = u.user?.Arn ?? `arn:aws:iam::${ctx.accountId}:user/${name}`;
      const who = `IAM user ${name}`;
      const reads: [string, ListRead<unknown> | undefined][] = [
        [API_SSC, u.serviceSpecificCredentials],
        [API_SSH, u.sshPublicKeys],
      ];
      for (const [api, read] of reads) {
        if (!read || !Array.isArray(read.items)) {
          failedReads++;
          results.push({ resource: arn, resourceType: 'AWS::IAM::User', status: 'error', reason: `the evidence holds no ${api} answer for ${who}: its ${api === API_SSC ? 'service-specific credentials' : 'SSH public keys'} were not judged` });
        } else if (read.error) {
          failedReads++;
          results.push({
            resource: arn,
            resourceType: 'AWS::IAM::User',
            status: 'error',
            reason: `${api} for ${who} failed (${read.error.code}: ${read.error.message})${read.items.length ? ` after ${read.items.length} were read` : ''}: its ${api === API_SSC ? 'service-specific credentials' : 'SSH public keys'} not read were not judged`,
          });
        }
      }
      const judge = (o: { resource: string; label: string; status: string | undefined; created: Date | undefined; createdWord: string; apiKey?: boolean; expires?: Date; note: string }) => {
        if (o.status === 'Inactive' || o.status === 'Expired') {
          inactive++;
          const exp = o.expires ? `, expiration ${o.expires.toISOString()}` : '';
          results.push({ resource: o.resource, resourceType: 'AWS::IAM::User', status: 'not-applicable', reason: `${o.label} of ${who} is ${o.status} (${o.createdWord} ${o.created?.toISOString() ?? 'at an unrecorded time'}${exp}): IAM does not accept it while so; listed, not judged` });
          return;
        }
        if (o.status !== 'Active') {
          undecided++;
          results.push({ resource: o.resource, resourceType: 'AWS::IAM::User', status: 'needs-review', reason: `${o.label} of ${who} has status ${o.status ?? '(none)'}, which is neither Active, Inactive nor Expired: whether it can be used is not shown` });
          return;
        }
        active++;
        if (!o.created) {
          results.push({ resource: o.resource, resourceType: 'AWS::IAM::User', status: 'error', reason: `${o.label} of ${who} is active but IAM gave no ${o.createdWord === 'uploaded' ? 'upload' : 'creation'} date, so its age is unknown` });
          return;
        }
        const age = formatAge(now.getTime() - o.created.getTime());
        // Compared to the millisecond, as iam.access-key-age: 90 days and 23 hours is beyond a 90-day limit.
        const tooOld = olderThanDays(o.created, now, maxDays);
        let expiry = '';
        if (o.expires) {
          const lifetime = formatAge(o.expires.getTime() - o.created.getTime());
          const within = !olderThanDays(o.created, o.expires, maxDays);
          expiry =
            o.expires.getTime() <= now.getTime()
              ? `; its expiration date ${o.expires.toISOString()} has passed, yet IAM lists it as Active`
              : within
                ? `; it expires ${o.expires.toISOString()}, ${lifetime} after creation, within the ${maxDays}-day limit`
                : `; it expires ${o.expires.toISOString()}, ${lifetime} after creation, beyond the ${maxDays}-day limit: it stays usable past the limit unless replaced`;
        } else if (o.apiKey) {
          expiry = '; it has no expiration date';
        }
        results.push({
          resource: o.resource,
          resourceType: 'AWS::IAM::User',
          status: tooOld ? 'fail' : 'pass',
          reason: `${o.label} of ${who} is active and was ${o.createdWord} ${age} before collection (${o.created.toISOString()}), ${tooOld ? 'beyond' : 'within'} the ${maxDays}-day limit${expiry}; ${o.note}`,
        });
      };
      const listed = <T>(read: ListRead<T> | undefined): T[] => (Array.isArray(read?.items) ? read.items : []);
      for (const c of listed(u.serviceSpecificCredentials)) {
        const id = c.ServiceSpecificCredentialId ?? '(no id)';
        const apiKey = c.ServiceName === 'bedrock.amazonaws.com' || c.ServiceName === 'logs.amazonaws.com';
        judge({
          resource: `${arn}#service-specific-credential/${id}`,
          label: `${credentialKind(c.ServiceName)} ${id}${c.ServiceUserName ? ` (service user name ${c.ServiceUserName})` : ''}`,
          status: c.Status,
          created: toDate(c.CreateDate),
          createdWord: 'created',
          apiKey,
          expires: toDate(c.ExpirationDate),
          // A password reset (ResetServiceSpecificCredential) keeps the credential and its id; IAM lists no date for it.
          note: apiKey ? unused : `the age counts from its creation date: IAM lists no date of a password reset (ResetServiceSpecificCredential) since; ${unused}`,
        });
      }
      for (const k of listed(u.sshPublicKeys)) {
        const id = k.SSHPublicKeyId ?? '(no id)';
        judge({ resource: `${arn}#ssh-public-key/${id}`, label: `SSH public key ${id}`, status: k.Status, created: toDate(k.UploadDate), createdWord: 'uploaded', note: unused });
      }
    }
    if (data.listUsersError) {
      results.push({
        ...account,
        status: 'error',
        reason: `${API_USERS} failed (${data.listUsersError.code}: ${data.listUsersError.message}) after ${data.users.length} users were listed: the service-specific credentials and SSH public keys of users not listed were not judged`,
      });
    } else if (active === 0 && failedReads === 0 && undecided === 0) {
      results.push({
        ...account,
        status: 'pass',
        reason: `no IAM user has an active service-specific credential or SSH public key: ${data.users.length} user${data.users.length === 1 ? '' : 's'} read with ${API_USERS}, each with ${API_SSC} (every service) and ${API_SSH}${inactive ? `; ${inactive} inactive or expired listed` : ''}`,
      });
    }
    return results;
  },
});
