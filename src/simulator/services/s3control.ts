import { GetPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { restXml } from '../protocols/wire.js';
import { operation, SimError, type SimService } from '../types.js';
import { s3State } from './s3.js';

/**
 * S3 Control signs as `s3` too; its requests are told apart by the versioned path. The SDK puts the account
 * id in the host name (`<account>.<endpoint host>`) and in `x-amz-account-id`; the header is what we read.
 */
export const s3control: SimService = {
  name: 's3control',
  signingName: 's3',
  protocol: restXml,
  xmlNamespace: 'http://awss3control.amazonaws.com/doc/2018-08-20/',
  wrappedXmlErrors: true,
  claims: (req) => req.path.startsWith('/v20180820/'),
  operations: [
    operation(GetPublicAccessBlockCommand, (input, ctx) => {
      const accountId = input.AccountId ?? String(ctx.request.headers.host ?? '').split('.')[0];
      if (accountId !== ctx.account.id) {
        throw new SimError('AccessDenied', `Access Denied: the caller in account ${ctx.account.id} cannot read the public access block of account ${accountId}.`, 403);
      }
      const pab = s3State(ctx.account).accountPublicAccessBlock;
      if (!pab) throw new SimError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404, { AccountId: accountId });
      return { PublicAccessBlockConfiguration: pab };
    }),
  ],
};
