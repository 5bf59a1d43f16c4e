import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { awsQuery } from '../protocols/wire.js';
import { operation, SimError, type SimService } from '../types.js';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

export const sts: SimService = {
  name: 'sts',
  signingName: 'sts',
  protocol: awsQuery,
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  operations: [
    operation(GetCallerIdentityCommand, (_input, ctx) => ({
      UserId: ctx.credential.userId,
      Account: ctx.credential.accountId,
      Arn: ctx.credential.arn,
    })),

    operation(AssumeRoleCommand, (input, ctx) => {
      const roleArn = input.RoleArn ?? '';
      const sessionName = input.RoleSessionName ?? '';
      if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
        throw new SimError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
      }
      const m = ROLE_ARN.exec(roleArn);
      if (!m) throw new SimError('ValidationError', `${roleArn} is invalid: RoleArn must look like arn:aws:iam::<account-id>:role/<name>.`);
      const [, accountId, roleName] = m;
      const denied = () =>
        new SimError('AccessDenied', `User: ${ctx.credential.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
      const role = ctx.world.account(accountId)?.roles.get(roleName);
      if (!role || role.denyAll || !role.trustedAccounts.includes(ctx.credential.accountId)) throw denied();
      if (role.externalId !== undefined && input.ExternalId !== role.externalId) throw denied();
      const maxDuration = role.maxSessionDurationSeconds ?? 3600;
      const duration = input.DurationSeconds ?? 3600;
      if (duration < 900 || duration > maxDuration) {
        throw new SimError('ValidationError', `The requested DurationSeconds (${duration}) exceeds the MaxSessionDuration (${maxDuration}) set for this role or is below 900.`);
      }
      const expiresAt = ctx.now.getTime() + duration * 1000;
      const cred = ctx.world.issueSessionCredentials(accountId, roleName, sessionName, expiresAt);
      return {
        Credentials: {
          AccessKeyId: cred.accessKeyId,
          SecretAccessKey: cred.secretAccessKey,
          SessionToken: cred.sessionToken!,
          Expiration: new Date(expiresAt),
        },
        AssumedRoleUser: { AssumedRoleId: cred.userId, Arn: cred.arn },
        PackedPolicySize: 0,
      };
    }),
  ],
};
