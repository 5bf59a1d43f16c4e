/** KMS keys of the demo account and of generated organisation accounts. */
import type { KeyMetadata } from '@aws-sdk/client-kms';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { kmsState, type SimKmsKey } from '../services/kms.js';
import { kmsKeyArn, stableHex } from './builders.js';

const DAY = 86_400_000;

/** Alias of the demo account's manifest signing key (ECC_NIST_P256), and its RSA counterpart. */
export const DEMO_SIGNING_KEY_ALIAS = 'alias/evidence-locker-manifest-signing';
export const DEMO_RSA_SIGNING_KEY_ALIAS = 'alias/evidence-locker-manifest-signing-rsa';

interface KeySpec {
  seed: string;
  description: string;
  created: Date;
  manager?: 'CUSTOMER' | 'AWS';
  state?: 'Enabled' | 'Disabled' | 'PendingDeletion';
  deletionDate?: Date;
  signing?: 'ECC_NIST_P256' | 'RSA_2048';
  rotation?: boolean;
  alias?: string;
}

function addKey(account: SimAccount, region: string, now: Date, k: KeySpec): SimKmsKey {
  const arn = kmsKeyArn(account, region, k.seed);
  const keyId = arn.split('/').pop()!;
  const state = k.state ?? 'Enabled';
  const signing = k.signing;
  const metadata: KeyMetadata = {
    AWSAccountId: account.id,
    KeyId: keyId,
    Arn: arn,
    CreationDate: k.created,
    Enabled: state === 'Enabled',
    Description: k.description,
    KeyUsage: signing ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT',
    KeyState: state,
    Origin: 'AWS_KMS',
    KeyManager: k.manager ?? 'CUSTOMER',
    CustomerMasterKeySpec: signing ?? 'SYMMETRIC_DEFAULT',
    KeySpec: signing ?? 'SYMMETRIC_DEFAULT',
    MultiRegion: false,
    ...(signing ? { SigningAlgorithms: signing === 'ECC_NIST_P256' ? ['ECDSA_SHA_256'] : ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'] } : { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }),
    ...(state === 'PendingDeletion' ? { DeletionDate: k.deletionDate, PendingDeletionWindowInDays: 30 } : {}),
  };
  // A rotating key has rotated automatically every 365 days since its creation (ListKeyRotations lists each one).
  const rotated = k.rotation && !signing ? Array.from({ length: Math.floor((now.getTime() - k.created.getTime()) / (365 * DAY)) }, (_, n) => new Date(k.created.getTime() + (n + 1) * 365 * DAY)) : [];
  const key: SimKmsKey = {
    metadata,
    ...(!signing ? { rotation: { enabled: k.rotation ?? false, periodDays: 365, ...(k.rotation ? { nextRotation: new Date(k.created.getTime() + Math.ceil((now.getTime() - k.created.getTime()) / (365 * DAY)) * 365 * DAY) } : {}) } } : {}),
    ...(rotated.length ? { rotations: rotated.map((d, n) => ({ KeyId: arn, KeyMaterialId: stableHex(`${arn}/material/${n + 1}`, 64), KeyMaterialState: n === rotated.length - 1 ? ('CURRENT' as const) : ('NON_CURRENT' as const), RotationDate: d, RotationType: 'AUTOMATIC' as const })) } : {}),
  };
  const s = kmsState(account, region);
  s.keys.push(key);
  if (k.alias) s.aliases.push({ name: k.alias, keyId, created: k.created });
  return key;
}

/**
 * Gives an account the manifest signing key the deploy templates make in the audit account (ECC_NIST_P256, alias
 * DEMO_SIGNING_KEY_ALIAS), for a run that signs with KMS as production does; returns its ARN.
 */
export function addManifestSigningKey(account: SimAccount, region: string, now: Date): string {
  return addKey(account, region, now, { seed: 'manifest-signing', description: 'Evidence Locker manifest signing', created: new Date(now.getTime() - 60 * DAY), signing: 'ECC_NIST_P256', alias: DEMO_SIGNING_KEY_ALIAS }).metadata.Arn as string;
}

/** KMS grant ids are 64 hex characters. */
function stableHexGrant(keyId: string): string {
  return stableHex(`${keyId}/grant/partner`, 64);
}

export function seedKms(account: SimAccount, world: WorldSeedContext): void {
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  world.regions.forEach((region, i) => {
    const home = i === 0;
    addKey(account, region, world.now, { seed: 's3', description: 'Default key for S3 buckets', created: ago(800), rotation: true, alias: 'alias/s3-default' });
    addKey(account, region, world.now, { seed: `aws/s3/${region}`, description: 'Default key that protects my S3 objects when no other key is defined', created: ago(900), manager: 'AWS', rotation: true, alias: 'alias/aws/s3' });
    if (home) addKey(account, region, world.now, { seed: 'cloudtrail', description: 'CloudTrail log encryption', created: ago(820), rotation: true, alias: 'alias/cloudtrail' });
    if (world.kind !== 'demo' || !home) return;
    addKey(account, region, world.now, { seed: 'cardholder-data', description: 'Cardholder data environment', created: ago(640), rotation: true, alias: 'alias/cardholder-data' });
    // Fails rotation; its policy also lets a partner account use it, and a grant gives a partner role Decrypt (for review).
    const legacy = addKey(account, region, world.now, { seed: 'app-secrets', description: 'Application secrets (legacy)', created: ago(1200), rotation: false, alias: 'alias/app-secrets' });
    legacy.policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account.id}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'PartnerDecrypt', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
      ],
    });
    legacy.grants = [
      {
        KeyId: legacy.metadata.Arn,
        GrantId: stableHexGrant(legacy.metadata.KeyId ?? ''),
        Name: 'partner-batch-decrypt',
        CreationDate: ago(400),
        GranteePrincipal: 'arn:aws:iam::444455556666:role/partner-batch',
        IssuingAccount: `arn:aws:iam::${account.id}:root`,
        Operations: ['Decrypt'],
      },
    ];
    // Flagged for review: scheduled for deletion.
    addKey(account, region, world.now, { seed: 'old-reports', description: 'Quarterly reports archive (retired)', created: ago(1500), state: 'PendingDeletion', deletionDate: new Date(world.now.getTime() + 12 * DAY) });
    addKey(account, region, world.now, { seed: 'manifest-signing', description: 'Evidence Locker manifest signing', created: ago(60), signing: 'ECC_NIST_P256', alias: DEMO_SIGNING_KEY_ALIAS });
    addKey(account, region, world.now, { seed: 'manifest-signing-rsa', description: 'Evidence Locker manifest signing (RSA)', created: ago(60), signing: 'RSA_2048', alias: DEMO_RSA_SIGNING_KEY_ALIAS });
  });
}

