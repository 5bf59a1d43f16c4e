import { constants, createECDH, createHash, createPublicKey, generateKeyPairSync, privateEncrypt, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  SignCommand,
  type GrantListEntry,
  type KeyMetadata,
  type RotationsListEntry,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { awsJson1_1 } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedKms } from '../worlds/seed-kms.js';

/** A KMS key: its metadata as DescribeKey reports it, rotation settings, and for signing keys a real key pair. */
export interface SimKmsKey {
  metadata: KeyMetadata;
  rotation?: { enabled: boolean; periodDays: number; nextRotation?: Date };
  /** Completed rotations of the key material (automatic and on-demand), oldest first, as ListKeyRotations lists them. */
  rotations?: RotationsListEntry[];
  /** Private key of an asymmetric SIGN_VERIFY key: generated in the simulator on first use; it never leaves it. */
  privateKey?: KeyObject;
  /** The key policy document (JSON text); absent: the default key policy (the account root may do everything). */
  policy?: string;
  grants?: GrantListEntry[];
}

/** Whether GetKeyRotationStatus answers KeyRotationEnabled true: rotation set on a key that is enabled. */
export function rotationOn(key: SimKmsKey): boolean {
  return (key.rotation?.enabled ?? false) && key.metadata.KeyState === 'Enabled';
}

/** The policy KMS gives a key created without one: full access for the account, delegated to IAM. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}

const SIGNING_SPECS = ['ECC_NIST_P256', 'RSA_2048', 'RSA_3072', 'RSA_4096'] as const;

/** The key pair of a signing key, generated on first use so large worlds stay cheap to build. */
function signingKeyOf(key: SimKmsKey): KeyObject | undefined {
  const spec = SIGNING_SPECS.find((s) => s === key.metadata.KeySpec);
  if (!key.privateKey && key.metadata.KeyUsage === 'SIGN_VERIFY' && spec) key.privateKey = generateSigningKeyPair(spec);
  return key.privateKey;
}

export interface KmsState {
  keys: SimKmsKey[];
  aliases: { name: string; keyId: string; created: Date }[];
}

declare module '../world.js' {
  interface RegionalState {
    kms: KmsState;
  }
}

export function kmsState(account: SimAccount, region: string): KmsState {
  return account.regional(region, 'kms', () => ({ keys: [], aliases: [] }));
}

/** A signing key pair of the given spec, as KMS generates it inside its HSMs. */
export function generateSigningKeyPair(spec: 'ECC_NIST_P256' | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'): KeyObject {
  if (spec === 'ECC_NIST_P256') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return generateKeyPairSync('rsa', { modulusLength: Number(spec.slice(4)) }).privateKey;
}

const state = (ctx: CallContext) => kmsState(ctx.account, ctx.region);
const notFound = (id: string | undefined) => new SimError('NotFoundException', `Key '${id ?? ''}' does not exist`);
const validation = (message: string) => new SimError('ValidationException', message);

/** Finds a key by key id, key ARN, alias name or alias ARN, as every KMS operation accepts. */
function resolveKey(ctx: CallContext, keyIdentifier: string | undefined): SimKmsKey {
  const s = state(ctx);
  let id = keyIdentifier ?? '';
  const aliasName = id.startsWith('alias/') ? id : /^arn:aws[\w-]*:kms:[^:]+:\d{12}:(alias\/.+)$/.exec(id)?.[1];
  if (aliasName) {
    const alias = s.aliases.find((a) => a.name === aliasName);
    if (!alias) throw new SimError('NotFoundException', `Alias ${ctx.account.arn('kms', aliasName, ctx.region)} is not found.`);
    id = alias.keyId;
  }
  const key = s.keys.find((k) => k.metadata.KeyId === id || k.metadata.Arn === id);
  if (!key) throw notFound(keyIdentifier);
  return key;
}

function requireUsable(key: SimKmsKey): void {
  const md = key.metadata;
  if (md.KeyState === 'Disabled') throw new SimError('DisabledException', `${md.Arn} is disabled.`);
  if (md.KeyState !== 'Enabled') throw new SimError('KMSInvalidStateException', `${md.Arn} is ${md.KeyState === 'PendingDeletion' ? 'pending deletion' : md.KeyState}.`);
}

// ---------------------------------------------------------------- signing over a precomputed digest

const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

const toBig = (buf: Buffer) => BigInt('0x' + (buf.toString('hex') || '0'));
const to32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/**
 * ECDSA P-256 over a SHA-256 digest (node's sign() always hashes its input): k·G comes from ECDH, the rest is
 * modular arithmetic. The DER signature verifies with crypto.verify('sha256', message, key, sig).
 */
function ecdsaSignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const d = toBig(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  const z = toBig(digest);
  for (;;) {
    const k = (toBig(randomBytes(40)) % (P256_N - 1n)) + 1n;
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(to32(k));
    const r = toBig(ecdh.getPublicKey().subarray(1, 33)) % P256_N;
    if (r === 0n) continue;
    const s = (modPow(k, P256_N - 2n, P256_N) * ((z + r * d) % P256_N)) % P256_N;
    if (s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}

function mgf1(seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < length; i++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    out.push(createHash('sha256').update(seed).update(c).digest());
  }
  return Buffer.concat(out).subarray(0, length);
}

/** RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) over a digest: EMSA-PSS encoding, then the raw RSA operation. */
function pssSignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const modBits = privateKey.asymmetricKeyDetails?.modulusLength ?? 2048;
  const k = Math.ceil(modBits / 8);
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(32);
  const h = createHash('sha256').update(Buffer.concat([Buffer.alloc(8), digest, salt])).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - 32 - 32 - 2), Buffer.from([1]), salt]);
  const mask = mgf1(h, emLen - 33);
  const masked = Buffer.from(db.map((b, i) => b ^ mask[i]));
  masked[0] &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([Buffer.alloc(k - emLen), masked, h, Buffer.from([0xbc])]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);
}

/** DigestInfo prefix of SHA-256 for PKCS #1 v1.5 signatures. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

function signMessage(key: KeyObject, algorithm: SigningAlgorithmSpec, message: Buffer, isDigest: boolean): Buffer {
  switch (algorithm) {
    case 'ECDSA_SHA_256':
      return isDigest ? ecdsaSignDigest(key, message) : cryptoSign('sha256', message, { key, dsaEncoding: 'der' });
    case 'RSASSA_PSS_SHA_256':
      return isDigest ? pssSignDigest(key, message) : cryptoSign('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'RSASSA_PKCS1_V1_5_SHA_256':
      return isDigest ? privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, message])) : cryptoSign('sha256', message, key);
    default:
      throw validation(`Signing algorithm ${algorithm} is not supported by the simulated KMS.`);
  }
}

export const kms: SimService = {
  name: 'kms',
  signingName: 'kms',
  protocol: awsJson1_1,
  seed: (account, world) => seedKms(account, world),
  operations: [
    operation(ListKeysCommand, (input, ctx) => {
      const keys = state(ctx).keys.map((k) => ({ KeyId: k.metadata.KeyId, KeyArn: k.metadata.Arn }));
      const { page, nextToken } = paginate(keys, {
        token: input.Marker,
        limit: input.Limit,
        defaultLimit: 100,
        maxLimit: 1000,
        scope: 'ListKeys',
        invalidToken: () => new SimError('InvalidMarkerException', 'Invalid marker.'),
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000`),
      });
      return { Keys: page, Truncated: nextToken !== undefined, NextMarker: nextToken };
    }),

    operation(ListAliasesCommand, (input, ctx) => {
      const s = state(ctx);
      const target = input.KeyId ? resolveKey(ctx, input.KeyId).metadata.KeyId : undefined;
      const aliases = s.aliases
        .filter((a) => !target || a.keyId === target)
        .map((a) => ({ AliasName: a.name, AliasArn: ctx.account.arn('kms', a.name, ctx.region), TargetKeyId: a.keyId, CreationDate: a.created }));
      const { page, nextToken } = paginate(aliases, {
        token: input.Marker,
        limit: input.Limit,
        defaultLimit: 50,
        maxLimit: 100,
        scope: `ListAliases/${target ?? ''}`,
        invalidToken: () => new SimError('InvalidMarkerException', 'Invalid marker.'),
        invalidLimit: (n) => validation(`1 validation error detected: Value '${n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`),
      });
      return { Aliases: page, Truncated: nextToken !== undefined, NextMarker: nextToken };
    }),

    operation(DescribeKeyCommand, (input, ctx) => ({ KeyMetadata: resolveKey(ctx, input.KeyId).metadata })),

    operation(GetKeyPolicyCommand, (input, ctx) => {
      const key = resolveKey(ctx, input.KeyId);
      if (input.PolicyName !== undefined && input.PolicyName !== 'default') throw new SimError('NotFoundException', `No such policy exists: ${input.PolicyName}`);
      return { Policy: key.policy ?? defaultKeyPolicy(ctx.account.id), PolicyName: 'default' };
    }),

    operation(ListGrantsCommand, (input, ctx) => {
      const key = resolveKey(ctx, input.KeyId);
      if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 100)) {
        throw validation(`1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100`);
      }
      const { page, nextToken } = paginate(key.grants ?? [], {
        token: input.Marker,
        limit: input.Limit,
        defaultLimit: 50,
        maxLimit: 100,
        scope: `ListGrants/${key.metadata.KeyId}`,
        invalidToken: () => new SimError('InvalidMarkerException', 'Invalid marker.'),
        invalidLimit: (n) => validation(`Invalid limit ${n}`),
      });
      return { Grants: page, Truncated: nextToken !== undefined, NextMarker: nextToken };
    }),

    operation(GetKeyRotationStatusCommand, (input, ctx) => {
      const key = resolveKey(ctx, input.KeyId);
      const md = key.metadata;
      if (md.KeySpec !== 'SYMMETRIC_DEFAULT' || md.Origin !== 'AWS_KMS') {
        throw new SimError('UnsupportedOperationException', `${md.Arn} key type is not supported for this operation.`);
      }
      const r = key.rotation ?? { enabled: false, periodDays: 365 };
      const on = rotationOn(key);
      return { KeyId: md.Arn, KeyRotationEnabled: on, ...(on ? { RotationPeriodInDays: r.periodDays, NextRotationDate: r.nextRotation } : {}) };
    }),

    operation(ListKeyRotationsCommand, (input, ctx) => {
      const key = resolveKey(ctx, input.KeyId);
      const md = key.metadata;
      // Only symmetric encryption keys rotate (automatically or on demand); custom key store keys do not.
      if (md.KeySpec !== 'SYMMETRIC_DEFAULT' || (md.Origin !== 'AWS_KMS' && md.Origin !== 'EXTERNAL')) {
        throw new SimError('UnsupportedOperationException', `${md.Arn} key type is not supported for this operation.`);
      }
      if (input.Limit !== undefined && (input.Limit < 1 || input.Limit > 1000)) {
        throw validation(`1 validation error detected: Value '${input.Limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000`);
      }
      const { page, nextToken } = paginate(key.rotations ?? [], {
        token: input.Marker,
        limit: input.Limit,
        defaultLimit: 100,
        maxLimit: 1000,
        scope: `ListKeyRotations/${md.KeyId}`,
        invalidToken: () => new SimError('InvalidMarkerException', 'Invalid marker.'),
        invalidLimit: (n) => validation(`Invalid limit ${n}`),
      });
      return { Rotations: page, Truncated: nextToken !== undefined, ...(nextToken !== undefined ? { NextMarker: nextToken } : {}) };
    }),

    operation(GetPublicKeyCommand, (input, ctx) => {
      const key = resolveKey(ctx, input.KeyId);
      const md = key.metadata;
      const privateKey = signingKeyOf(key);
      if (!privateKey) throw new SimError('UnsupportedOperationException', `${md.Arn} key type is not supported for this operation.`);
      requireUsable(key);
      return {
        KeyId: md.Arn,
        PublicKey: new Uint8Array(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })),
        CustomerMasterKeySpec: md.CustomerMasterKeySpec,
        KeySpec: md.KeySpec,
        KeyUsage: md.KeyUsage,
        SigningAlgorithms: md.SigningAlgorithms,
      };
    }),

    operation(SignCommand, (input, ctx) => {
      const key = resolveKey(ctx, input.KeyId);
      const md = key.metadata;
      const privateKey = signingKeyOf(key);
      if (md.KeyUsage !== 'SIGN_VERIFY' || !privateKey) throw new SimError('InvalidKeyUsageException', `${md.Arn} key usage is ${md.KeyUsage} which is not valid for Sign.`);
      requireUsable(key);
      const algorithm = input.SigningAlgorithm;
      if (!algorithm || !md.SigningAlgorithms?.includes(algorithm)) {
        throw new SimError('InvalidKeyUsageException', `Signing algorithm ${algorithm ?? '(none)'} is not valid for ${md.Arn}; valid: ${md.SigningAlgorithms?.join(', ')}.`);
      }
      const message = Buffer.from(input.Message ?? new Uint8Array());
      const isDigest = input.MessageType === 'DIGEST';
      if (message.length === 0) throw validation("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length greater than or equal to 1");
      if (!isDigest && message.length > 4096) throw validation("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096");
      if (isDigest && message.length !== 32) throw validation(`Digest is invalid length for algorithm ${algorithm}.`);
      return { KeyId: md.Arn, Signature: new Uint8Array(signMessage(privateKey, algorithm, message, isDigest)), SigningAlgorithm: algorithm };
    }),
  ],
};
