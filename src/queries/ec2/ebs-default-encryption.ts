import type { GetEbsEncryptionByDefaultCommandOutput } from '@aws-sdk/client-ec2';
import { loadEc2Sdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata } from '../types.js';

export type EbsDefaultEncryptionEvidence = Omit<GetEbsEncryptionByDefaultCommandOutput, '$metadata'>;

export const ebsDefaultEncryption = defineQuery<EbsDefaultEncryptionEvidence>({
  id: 'ec2.ebs-default-encryption',
  service: 'ec2',
  title: 'New EBS volumes are encrypted by default',
  description: 'Whether EBS encryption by default is on in the region, so every new volume and snapshot copy is encrypted at rest.',
  remediation: 'Turn on EBS encryption by default in the region (`aws ec2 enable-ebs-encryption-by-default`), optionally with a customer managed KMS key.',
  scope: 'regional',
  apiCalls: ['ec2:GetEbsEncryptionByDefault'],
  async collect(ctx) {
    const { EC2Client, GetEbsEncryptionByDefaultCommand } = await loadEc2Sdk();
    return stripMetadata(await ctx.clients.get(EC2Client).send(new GetEbsEncryptionByDefaultCommand({})));
  },
  evaluate(data, _params, ctx) {
    const base = { resource: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:ebs-encryption-by-default`, resourceType: 'AWS::::Account' };
    if (data?.EbsEncryptionByDefault === undefined) return [{ ...base, status: 'error', reason: 'the evidence holds no GetEbsEncryptionByDefault answer' }];
    return data.EbsEncryptionByDefault
      ? [{ ...base, status: 'pass', reason: `EBS encryption by default is on in ${ctx.region}` }]
      : [{ ...base, status: 'fail', reason: `EBS encryption by default is off in ${ctx.region}: new volumes are unencrypted unless each launch asks for encryption` }];
  },
});
