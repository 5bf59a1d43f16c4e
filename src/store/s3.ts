import {
  S3Client,
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetBucketEncryptionCommand,
  type GetBucketEncryptionCommandOutput,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  paginateListObjectsV2,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
  type ObjectLockRetentionMode,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { supportLocalEndpoints } from '../aws/endpoint.js';
import type { S3StoreConfig } from '../config/schema.js';
import { ConfigError, EvidenceLockerError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { assertSha256, md5Base64, sha256Base64, sha256Hex } from '../evidence/hash.js';
import { objectPath, runDirPath, RUN_FILE_MAX_BYTES, RUN_FILES, RUN_START_FILE, RUNS_DIR, runFileTooLarge, type RunFileName } from '../evidence/layout.js';
import { assertRunId } from '../evidence/run-id.js';
import { ConcurrencyLimit } from '../concurrency-limit.js';
import { TAMPERING_ACTIONS, analyseBucketPolicy, rulesThatEndEvidence } from './bucket-guard.js';
import { RunFilesPlanted, type DeleteMarkerRef, type EvidenceStore, type LegalHolds, type LockedVersions, type PackageShelf, type PiecedBytes, type PlantedRunFile, type PreflightCheck, type RunToStore, type SealRefusalShelf, type ShelvedPackage, type StoreDescription, type RunFileListing, type StoredObject, type StoredRefusalRef, type StoredRun } from '../evidence/store.js';
import { REFUSAL_FILE, REFUSALS_DIR, refusalPath } from '../evidence/refusal.js';
import { piecedOf, tallied } from '../evidence/pieced.js';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';

const DAY_MS = 86_400_000;
/** S3 allows at most 10,000 parts; every part but the last must be at least 5 MiB. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
/** Above this many stored bodies the store is not indexed up front and every write asks HeadObject instead. */
const INDEX_MAX_KEYS = 200_000;
/** A long-lived process (daemon) re-lists after this long. */
const INDEX_TTL_MS = 15 * 60_000;

export interface S3StoreOptions {
  log?: Logger;
  /** Clock for retain-until dates (tests). */
  now?: () => Date;
  /** Extra S3 client settings (credentials, a request handler); the endpoint always comes from the store config. */
  clientConfig?: Partial<S3ClientConfig>;
}

/** One stored version of an object, as read back for verification. */
export type { LockedObjectVersion as S3ObjectVersion } from '../evidence/store.js';

import type { LockedObjectVersion as S3ObjectVersion } from '../evidence/store.js';

/**
 * The IAM actions an S3 API operation needs, as a hint names them: HeadObject and HeadBucket are no actions of their own
 * (they need s3:GetObject, with s3:GetObjectVersion for a version, and s3:ListBucket).
 */
function iamActionsOf(operation: string): string {
  if (operation === 'multipart') return 's3:PutObject (and s3:AbortMultipartUpload to clean up a failed upload)';
  if (operation === 'HeadObject') return 's3:GetObject and s3:GetObjectVersion (and s3:GetObjectRetention for the lock state)';
  if (operation === 'HeadBucket') return 's3:ListBucket';
  return `s3:${operation}`;
}

/** One version (or delete marker) as ListObjectVersions lists it; `size` of a version as the listing states it. */
interface ListedVersion {
  key: string;
  versionId?: string;
  lastModified?: Date;
  size?: number;
}

/** A run file as the seal wrote it: its size and SHA-256, and the version S3 gave the write. */
interface WrittenRunFile {
  file: RunFileName;
  size: number;
  /** Hex; asked for only when an older version must be compared (a whole manifest is not hashed again otherwise). */
  sha256: () => string;
  versionId?: string;
}

/** The SHA-256 of bytes, computed the first time it is asked for. */
function lazySha256(bytes: Buffer): () => string {
  let hex: string | undefined;
  return () => (hex ??= sha256Hex(bytes));
}

/** Folder of shared packages under the store prefix. */
const PACKAGES_DIR = 'packages';
/** One S3 PutObject takes at most 5 GiB. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** Days of retention the configuration asks for; a year counts 365.25 days, rounded up, so it is never shorter than calendar years. */
export function retentionDaysOf(retention: S3StoreConfig['retention']): number {
  return retention.days ?? Math.ceil((retention.years ?? 0) * 365.25);
}

function defaultRetentionDays(rule: { Days?: number; Years?: number } | undefined): number | undefined {
  if (!rule) return undefined;
  if (rule.Days !== undefined) return rule.Days;
  if (rule.Years !== undefined) return retentionDaysOf({ years: rule.Years });
  return undefined;
}

/**
 * The production store: an S3 bucket with Object Lock. Every object is written with an Object Lock mode and
 * retain-until date, Content-MD5 and x-amz-checksum-sha256; the store refuses to write anything until its
 * pre-flight has confirmed Object Lock, versioning, default retention and the public access block.
 * Bodies live at `<prefix>objects/sha256/<2 hex>/<sha>.json`, runs at `<prefix>runs/<runId>/`.
 */
export class S3EvidenceStore implements EvidenceStore, LegalHolds, PackageShelf, SealRefusalShelf {
  readonly kind = 's3' as const;
  readonly sealRefusals: SealRefusalShelf = this;
  readonly lockedVersions: LockedVersions = this;
  readonly legalHolds: LegalHolds = this;
  readonly packageShelf: PackageShelf = this;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly mode: ObjectLockRetentionMode;
  readonly retentionDays: number;
  private readonly limit: ConcurrencyLimit;
  private readonly log?: Logger;
  private readonly now: () => Date;
  private preflightDone?: Promise<PreflightCheck[]>;
  private index?: { at: number; keys: Promise<Set<string> | undefined> };
  private readonly inFlight = new Map<string, { since: number; write: Promise<StoredObject> }>();
  /**
   * The server's write time (ms, S3 LastModified) of the latest collection start file this store wrote
   * (`markRunStarted`): a body version written before it is never cited again, as `verify --store` and `package` would
   * date it before the run's start file. Infinity while the latest start file's time could not be read.
   */
  private citeBodiesFrom = -Infinity;

  constructor(readonly config: S3StoreConfig, opts: S3StoreOptions = {}) {
    if (config.mode === 'GOVERNANCE' && !config.allowGovernanceMode) {
      throw new ConfigError(
        `store.mode GOVERNANCE for bucket ${config.bucket}: GOVERNANCE retention can be shortened or removed by privileged users, so it needs store.allowGovernanceMode: true`,
        'use store.mode COMPLIANCE, or set store.allowGovernanceMode: true to accept the weaker mode knowingly',
      );
    }
    this.bucket = config.bucket;
    this.prefix = config.prefix === '' || config.prefix.endsWith('/') ? config.prefix : `${config.prefix}/`;
    this.mode = config.mode;
    this.retentionDays = retentionDaysOf(config.retention);
    this.limit = new ConcurrencyLimit(config.concurrency);
    this.log = opts.log;
    this.now = opts.now ?? (() => new Date());
    const agentOpts = { keepAlive: true, maxSockets: config.concurrency * 2 };
    // The store has its own endpoint: a configured one wins, and without one the AWS_ENDPOINT_URL_S3 meant for the
    // evidence sources is ignored, so evidence is never sealed into a source's endpoint by accident.
    const clientConfig: S3ClientConfig & { ignoreConfiguredEndpointUrls?: boolean } = {
      region: config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(config.endpoint ? { endpoint: config.endpoint } : { ignoreConfiguredEndpointUrls: true }),
      ...(config.forcePathStyle !== undefined ? { forcePathStyle: config.forcePathStyle } : {}),
      maxAttempts: 8,
      retryMode: 'adaptive',
      // Integrity headers are set explicitly on every write (Content-MD5 and x-amz-checksum-sha256).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 5_000,
        requestTimeout: 120_000,
        // Without this the handler only warns when the timeout passes, and a hung write would block the run forever.
        throwOnRequestTimeout: true,
        httpAgent: new HttpAgent(agentOpts),
        httpsAgent: new HttpsAgent(agentOpts),
      }),
      ...opts.clientConfig,
    };
    this.client = supportLocalEndpoints(new S3Client(clientConfig));
  }

  /** `s3://bucket/prefix` (with the endpoint when it is not AWS). */
  get location(): string {
    return `s3://${this.bucket}/${this.prefix}${this.config.endpoint ? ` at ${this.config.endpoint}` : ''}`;
  }

  describe(): StoreDescription {
    const governance =
      this.mode === 'GOVERNANCE'
        ? ' GOVERNANCE mode was chosen explicitly (allowGovernanceMode): users with s3:BypassGovernanceRetention can shorten or remove the retention, so this store is weaker than COMPLIANCE.'
        : ' In COMPLIANCE mode no user, including the account root, can delete or overwrite a version or shorten its retention before the retain-until date.';
    return {
      kind: 's3',
      location: this.location,
      objectLockMode: this.mode,
      retentionDays: this.retentionDays,
      note:
        `S3 Object Lock ${this.mode}: every evidence body, manifest and signature is written once with a retain-until date ${this.retentionDays} days after it is written.` +
        governance,
    };
  }

  objectKey(sha256: string): string {
    return `${this.prefix}${objectPath(sha256)}`;
  }

  pathKey(path: string): string {
    return `${this.prefix}${path}`;
  }

  runKey(runId: string, file: string): string {
    return `${this.prefix}${runDirPath(runId)}${file}`;
  }

  /** Retain-until date for an object written at `at` (whole seconds, rounded up). */
  retainUntilFor(at: Date): Date {
    return new Date(Math.ceil((at.getTime() + this.retentionDays * DAY_MS) / 1000) * 1000);
  }

  destroy(): void {
    this.client.destroy();
  }

  // ------------------------------------------------------------------ pre-flight

  async preflight(): Promise<PreflightCheck[]> {
    const checks: PreflightCheck[] = [];
    const b = this.bucket;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: b }));
    } catch (err) {
      throw this.s3Error(err, 'HeadBucket', b);
    }
    checks.push({ name: 'bucket reachable', ok: true, detail: this.location });

    const lock = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: b })).catch((err: unknown) => {
      if (isCode(err, 'ObjectLockConfigurationNotFoundError', 'NoSuchObjectLockConfiguration') || status(err) === 404) return undefined;
      throw this.s3Error(err, 'GetObjectLockConfiguration', b);
    });
    const cfgRule = { Mode: this.mode, ...(this.config.retention.days ? { Days: this.config.retention.days } : { Years: this.config.retention.years }) };
    const lockFix = `aws s3api put-object-lock-configuration --bucket ${b} --object-lock-configuration '${JSON.stringify({ ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: cfgRule } })}'`;
    const lockEnabled = lock?.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
    checks.push({
      name: 'object lock enabled',
      ok: lockEnabled,
      detail: lockEnabled ? 'ObjectLockEnabled=Enabled' : 'the bucket has no Object Lock configuration',
      ...(lockEnabled ? {} : { fix: `enable Object Lock (versioning must be on first): ${lockFix}; or create a new bucket with: aws s3api create-bucket --bucket <name> --object-lock-enabled-for-bucket` }),
    });

    const versioning = await this.client.send(new GetBucketVersioningCommand({ Bucket: b })).catch((err: unknown) => {
      throw this.s3Error(err, 'GetBucketVersioning', b);
    });
    const versioned = versioning.Status === 'Enabled';
    checks.push({
      name: 'versioning enabled',
      ok: versioned,
      detail: `Status=${versioning.Status ?? 'never enabled'}`,
      ...(versioned ? {} : { fix: `aws s3api put-bucket-versioning --bucket ${b} --versioning-configuration Status=Enabled` }),
    });

    if (lockEnabled) {
      const rule = lock?.ObjectLockConfiguration?.Rule?.DefaultRetention;
      const days = defaultRetentionDays(rule);
      const modeOk = rule?.Mode === 'COMPLIANCE' || (rule?.Mode === 'GOVERNANCE' && this.mode === 'GOVERNANCE');
      const periodOk = days !== undefined && days >= this.retentionDays;
      const ok = !!rule && modeOk && periodOk;
      checks.push({
        name: 'default retention',
        ok,
        detail: rule
          ? `default ${rule.Mode} for ${rule.Days !== undefined ? `${rule.Days} days` : `${rule.Years} years`}; configured ${this.mode} for ${this.retentionDays} days`
          : `no default retention rule; configured ${this.mode} for ${this.retentionDays} days`,
        ...(ok ? {} : { fix: `set a default retention at least as strong as the configuration: ${lockFix}` }),
      });
    }

    const pab = await this.client.send(new GetPublicAccessBlockCommand({ Bucket: b })).catch((err: unknown) => {
      if (isCode(err, 'NoSuchPublicAccessBlockConfiguration') || status(err) === 404) return undefined;
      throw this.s3Error(err, 'GetPublicAccessBlock', b);
    });
    const p = pab?.PublicAccessBlockConfiguration;
    const pabFix = `aws s3api put-public-access-block --bucket ${b} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`;
    const flags = p
      ? `BlockPublicAcls=${!!p.BlockPublicAcls} IgnorePublicAcls=${!!p.IgnorePublicAcls} BlockPublicPolicy=${!!p.BlockPublicPolicy} RestrictPublicBuckets=${!!p.RestrictPublicBuckets}`
      : 'no public access block on the bucket';
    // IgnorePublicAcls and RestrictPublicBuckets are what keep the evidence private whatever ACL or policy is set: required.
    const privateOk = !!p?.IgnorePublicAcls && !!p?.RestrictPublicBuckets;
    checks.push({ name: 'public access block', ok: privateOk, detail: flags, ...(privateOk ? {} : { fix: pabFix }) });
    // BlockPublicAcls and BlockPublicPolicy refuse attempts to publish; reported (some S3-compatible servers cannot take BlockPublicAcls).
    const blockOk = !!p?.BlockPublicAcls && !!p?.BlockPublicPolicy;
    checks.push({ name: 'public access block (refuse public ACLs and policies)', ok: blockOk, advisory: true, detail: flags, ...(blockOk ? {} : { fix: pabFix }) });

    // Encryption is reported, not required: objects carry SSE-KMS themselves when store.kmsKeyId is set.
    const enc = await this.client.send(new GetBucketEncryptionCommand({ Bucket: b })).then(
      (out) => ({ out }),
      (err: unknown) => ({ err }),
    );
    if ('out' in enc) {
      const r = enc.out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      checks.push({
        name: 'default encryption',
        ok: !!r,
        advisory: true,
        detail: r ? `${r.SSEAlgorithm}${r.KMSMasterKeyID ? ` with ${r.KMSMasterKeyID}` : ''}` : 'no default encryption rule',
        ...(r ? {} : { fix: `aws s3api put-bucket-encryption --bucket ${b} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"<key arn>"}}]}'` }),
      });
    } else {
      const e = enc.err as { name?: string };
      const none = isCode(enc.err, 'ServerSideEncryptionConfigurationNotFoundError');
      checks.push({
        name: 'default encryption',
        ok: false,
        advisory: true,
        detail: none ? 'no default encryption rule' : `could not read the default encryption (GetBucketEncryption: ${e.name ?? 'error'})`,
        fix: this.config.kmsKeyId
          ? `objects are written with SSE-KMS key ${this.config.kmsKeyId}; to cover other writers too: aws s3api put-bucket-encryption --bucket ${b} ...`
          : `set store.kmsKeyId so every object is written with SSE-KMS, or configure default encryption: aws s3api put-bucket-encryption --bucket ${b} ...`,
      });
    }

    if (this.config.kmsKeyId) checks.push(this.kmsKeyArnCheck(this.config.kmsKeyId));
    checks.push(this.customerKeyCheck(enc), await this.lifecycleCheck(), await this.bucketPolicyCheck());

    const failed = checks.filter((c) => !c.ok && !c.advisory && !c.storeCheckOnly);
    if (failed.length > 0) {
      throw new EvidenceLockerError(
        `evidence bucket ${b} cannot keep write-once promises; nothing was written. Failed: ` + failed.map((c) => `${c.name} (${c.detail})`).join('; '),
        { hint: failed.map((c) => `${c.name}: ${c.fix}`).join('\n  ') },
      );
    }
    for (const c of checks) if (!c.ok) this.log?.warn({ bucket: b, check: c.name, detail: c.detail, fix: c.fix }, c.advisory ? 'store pre-flight advisory' : 'store pre-flight: evidence can be hidden or ended through this bucket setting; `store check` fails until it is fixed');
    return checks;
  }

  /**
   * Whether store.kmsKeyId is the key's ARN. S3 takes a key id or an alias too, but the bucket policy of deploy/ lets
   * SSE-KMS writes through only when the key they name is the evidence key's ARN as written: any other spelling of the
   * same key would have every write of the collector denied. Reported, not required (a bucket may carry no such policy).
   */
  private kmsKeyArnCheck(id: string): PreflightCheck {
    const ok = /^arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-zA-Z0-9-]+$/.test(id);
    return {
      name: 'SSE-KMS key named by its key ARN',
      ok,
      advisory: true,
      detail: ok
        ? `store.kmsKeyId is a key ARN (${id})`
        : `store.kmsKeyId is ${JSON.stringify(id)}, not a key ARN: a bucket policy that allows SSE-KMS writes only with the evidence key's ARN, as deploy/bucket-policy.json does, denies every write that names the key otherwise`,
      ...(ok ? {} : { fix: `set store.kmsKeyId to the key's ARN: aws kms describe-key --key-id ${id} --query KeyMetadata.Arn --output text` }),
    };
  }

  /**
   * Whether the bucket refuses objects written with a customer-provided key (SSE-C, `BlockedEncryptionTypes`). Where it
   * does not, anyone with s3:PutObject can lock a version nobody else can read over a body or before a run file: the
   * store still finds its own version of a body, and the seal names a planted run-file version, but neither can be
   * undone under COMPLIANCE. Reported, not required (AWS blocks SSE-C on new buckets; S3-compatible servers may lack it).
   */
  private customerKeyCheck(enc: { out: GetBucketEncryptionCommandOutput } | { err: unknown }): PreflightCheck {
    const name = 'writes with customer-provided keys (SSE-C) refused';
    const b = this.bucket;
    const rules = 'out' in enc ? (enc.out.ServerSideEncryptionConfiguration?.Rules ?? []) : [];
    const blocked = rules.some((r) => r.BlockedEncryptionTypes?.EncryptionType?.includes('SSE-C'));
    const byDefault = rules[0]?.ApplyServerSideEncryptionByDefault;
    const rule = { ...(byDefault ? { ApplyServerSideEncryptionByDefault: byDefault } : {}), ...(rules[0]?.BucketKeyEnabled !== undefined ? { BucketKeyEnabled: rules[0].BucketKeyEnabled } : {}), BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } };
    return {
      name,
      ok: blocked,
      advisory: true,
      detail: blocked
        ? "the bucket's default encryption blocks SSE-C"
        : 'err' in enc && !isCode(enc.err, 'ServerSideEncryptionConfigurationNotFoundError')
          ? `could not read the default encryption to tell (GetBucketEncryption: ${(enc.err as { name?: string }).name ?? 'error'})`
          : `${'out' in enc ? "the bucket's default encryption does not block SSE-C" : 'no default encryption configuration to block SSE-C'}: anyone with s3:PutObject can write versions that only their own key reads`,
      // Without the bucket's rule in hand, a whole command would replace its default encryption: only what to add is said.
      ...(blocked
        ? {}
        : 'out' in enc || isCode(enc.err, 'ServerSideEncryptionConfigurationNotFoundError')
          ? { fix: `aws s3api put-bucket-encryption --bucket ${b} --server-side-encryption-configuration '${JSON.stringify({ Rules: [rule] })}'` }
          : { fix: `read the bucket's encryption rule (aws s3api get-bucket-encryption --bucket ${b}) and put it back with "BlockedEncryptionTypes":{"EncryptionType":["SSE-C"]} added` }),
    };
  }

  /** Lifecycle rules that expire (delete-mark) or delete evidence versions fail `store check`. */
  private async lifecycleCheck(): Promise<PreflightCheck> {
    const name = 'no lifecycle rule expires evidence';
    const out = await this.client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: this.bucket })).then(
      (o) => ({ rules: o.Rules ?? [] }),
      (err: unknown) => (isCode(err, 'NoSuchLifecycleConfiguration') ? { rules: [] } : { err }),
    );
    if ('err' in out) {
      return { name, ok: false, storeCheckOnly: true, detail: `could not read the lifecycle configuration (GetBucketLifecycleConfiguration: ${(out.err as { name?: string }).name ?? 'error'})`, fix: `grant s3:GetLifecycleConfiguration on arn:aws:s3:::${this.bucket} (see deploy/)` };
    }
    const bad = rulesThatEndEvidence(out.rules, this.prefix);
    return bad.length
      ? {
          name,
          ok: false,
          storeCheckOnly: true,
          detail: bad.map((r) => `rule ${r.id}: ${r.what}`).join('; '),
          fix: `remove the expiration from these rules or scope them away from ${this.prefix || 'the bucket'}: a delete marker hides a sealed run from plain listings; deny s3:PutLifecycleConfiguration in the bucket policy (deploy/bucket-policy.json)`,
        }
      : { name, ok: true, storeCheckOnly: true, detail: out.rules.length ? `${out.rules.length} rule(s), none expires or deletes objects under ${this.prefix || 'the bucket'}` : 'no lifecycle rules' };
  }

  /** The bucket policy must deny delete markers, lifecycle, policy, lock, encryption, public access, ownership and replication changes to all but a break-glass role. */
  private async bucketPolicyCheck(): Promise<PreflightCheck> {
    const name = 'bucket policy denies tampering';
    const out = await this.client.send(new GetBucketPolicyCommand({ Bucket: this.bucket })).then(
      (o) => ({ policy: o.Policy }),
      (err: unknown) => (isCode(err, 'NoSuchBucketPolicy') ? { policy: undefined } : { err }),
    );
    const fix = `apply deploy/bucket-policy.json (it denies ${TAMPERING_ACTIONS.map((t) => t.action).join(', ')} to everyone but the break-glass role)`;
    if ('err' in out) {
      return { name, ok: false, storeCheckOnly: true, detail: `could not read the bucket policy (GetBucketPolicy: ${(out.err as { name?: string }).name ?? 'error'})`, fix: `grant s3:GetBucketPolicy on arn:aws:s3:::${this.bucket}, then ${fix}` };
    }
    if (!out.policy) return { name, ok: false, storeCheckOnly: true, detail: 'the bucket has no policy', fix };
    const finding = analyseBucketPolicy(out.policy, this.bucket);
    const exempt = [...new Set(Object.values(finding.exempted).flat())];
    return finding.notDenied.length
      ? { name, ok: false, storeCheckOnly: true, detail: `not denied to everyone but a break-glass role: ${finding.notDenied.join(', ')}`, fix }
      : { name, ok: true, storeCheckOnly: true, detail: `denied to everyone${exempt.length ? ` but ${exempt.join(', ')}` : ''}: ${TAMPERING_ACTIONS.map((t) => t.action).join(', ')}` };
  }

  /** Runs the pre-flight once before the first write; a failed pre-flight is retried on the next write. */
  private ready(): Promise<PreflightCheck[]> {
    if (!this.preflightDone) {
      this.preflightDone = this.preflight();
      this.preflightDone.catch(() => {
        this.preflightDone = undefined;
      });
    }
    return this.preflightDone;
  }

  // ------------------------------------------------------------------ bodies

  async putObject(sha256: string, body: Buffer, opts: { retainUntil?: Date } = {}): Promise<StoredObject> {
    assertSha256(sha256);
    const actual = sha256Hex(body);
    if (actual !== sha256) throw new EvidenceLockerError(`evidence body named ${sha256} hashes to ${actual}: refusing to store it under the wrong name`);
    await this.ready();
    const key = this.objectKey(sha256);
    const wanted = this.wantedRetainUntil(opts.retainUntil);
    // The same body offered twice at once (identical evidence in two records) is written once, unless a collection
    // started since that write began (its version may predate the new start file).
    const since = this.citeBodiesFrom;
    const pending = this.inFlight.get(sha256);
    if (pending?.since === since) return pending.write.then((o) => ({ ...o, existed: true }));
    const write = this.limit.run(async () => {
      // Bodies absent from the listing taken at start are written straight away; HeadObject only for the others.
      const head = (await this.mayExist(sha256)) ? await this.latestStoredBody(key, body.length) : undefined;
      // Our bytes under a weaker lock mode than this store's (someone else's GOVERNANCE write of a body they could
      // predict) are not adopted: verification would refuse that version's lock. Ours is written beside it.
      // Only an explicit GOVERNANCE counts: the mode is absent from the answer to a role without s3:GetObjectRetention.
      const weaker = head !== undefined && head.sha256 === sha256 && this.mode === 'COMPLIANCE' && head.ObjectLockMode === 'GOVERNANCE';
      // A collection cites only bodies written since its start file: the same bytes stored earlier (another day's run,
      // a collection that stopped) are written again, or the run would be dated before its start and prove no day.
      const older = head !== undefined && since > -Infinity && !((head.LastModified?.getTime() ?? -Infinity) >= since);
      if (head && head.sha256 === sha256 && !weaker && !older) {
        await this.extendRetention(key, head, wanted);
        return { key, ...(head.VersionId ? { versionId: head.VersionId } : {}), existed: true };
      }
      if (older && head.sha256 === sha256) {
        this.log?.debug({ bucket: this.bucket, key, versionId: head.VersionId, writtenAt: head.LastModified?.toISOString() }, 'the same body is stored from before this collection\'s start file; writing it again as a new version so the run cites only what it wrote');
      } else if (weaker) {
        this.log?.warn({ bucket: this.bucket, key, versionId: head.VersionId, mode: head.ObjectLockMode ?? 'none' }, `latest version of a content-addressed key holds this body under a weaker lock than ${this.mode} (written by someone else); writing the body again as a new version`);
      } else if (head) {
        this.log?.warn({ bucket: this.bucket, key, versionId: head.VersionId, storedSha256: head.sha256 }, 'latest version of a content-addressed key is not this body as stored (another writer\'s bytes, or a version this store cannot read); writing the body again as a new version');
      }
      const versionId = body.length > this.config.multipartThresholdBytes ? await this.putMultipart(key, body, wanted) : await this.putSingle(key, body, wanted, undefined, sha256);
      (await this.index?.keys.catch(() => undefined))?.add(sha256);
      return { key, ...(versionId ? { versionId } : {}), existed: false };
    });
    this.inFlight.set(sha256, { since, write });
    try {
      return await write;
    } finally {
      if (this.inFlight.get(sha256)?.write === write) this.inFlight.delete(sha256);
    }
  }

  /**
   * False when the body was certainly absent when the store's bodies were listed (then a PUT needs no HeadObject
   * first); true when it may be present. Another writer adding the same body meanwhile only costs an identical extra
   * version. Stores too large to list up front, or a failed listing, fall back to HeadObject for every body.
   */
  private async mayExist(sha256: string): Promise<boolean> {
    const now = Date.now();
    if (!this.index || now - this.index.at > INDEX_TTL_MS) {
      const keys = this.listPresentBodies();
      this.index = { at: now, keys };
    }
    try {
      const keys = await this.index.keys;
      return keys ? keys.has(sha256) : true;
    } catch (err) {
      this.log?.debug({ bucket: this.bucket, error: (err as Error).message }, 'could not list stored bodies; checking each with HeadObject');
      return true;
    }
  }

  private async listPresentBodies(): Promise<Set<string> | undefined> {
    const base = `${this.prefix}objects/sha256/`;
    const keys = new Set<string>();
    for await (const page of paginateListObjectsV2({ client: this.client, pageSize: 1000 }, { Bucket: this.bucket, Prefix: base })) {
      for (const o of page.Contents ?? []) {
        const m = /^[0-9a-f]{2}\/([0-9a-f]{64})\.json$/.exec(o.Key?.slice(base.length) ?? '');
        if (m) keys.add(m[1]);
      }
      if (keys.size > INDEX_MAX_KEYS) return undefined;
    }
    return keys;
  }

  private wantedRetainUntil(requested?: Date): Date {
    const byConfig = this.retainUntilFor(this.now());
    return requested && requested.getTime() > byConfig.getTime() ? new Date(Math.ceil(requested.getTime() / 1000) * 1000) : byConfig;
  }

  /**
   * The latest version of a body key with the SHA-256 of its stored bytes, re-hashed here: metadata such as
   * x-amz-meta-sha256 is written by whoever wrote the object, and some S3-compatible servers return a client-sent
   * x-amz-checksum without checking it, so neither can say the stored bytes are ours. A version whose length is not
   * `expectedBytes` cannot be ours and is not read (a planted version of gigabytes costs nothing), nor can one S3
   * refuses to read because of how it was written (`writtenOtherwise`): its `sha256` then says so instead of naming a hash.
   */
  private async latestStoredBody(key: string, expectedBytes: number): Promise<(HeadObjectCommandOutput & { sha256: string }) | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const meta = {
        $metadata: out.$metadata,
        ...(out.VersionId ? { VersionId: out.VersionId } : {}),
        ...(out.LastModified ? { LastModified: out.LastModified } : {}),
        ...(out.ObjectLockMode ? { ObjectLockMode: out.ObjectLockMode } : {}),
        ...(out.ObjectLockRetainUntilDate ? { ObjectLockRetainUntilDate: out.ObjectLockRetainUntilDate } : {}),
      };
      try {
        const bytes = await cappedBody(out.Body as Readable, out.ContentLength, expectedBytes, (size, atLeast) => new LengthMismatch(`${atLeast ? 'at least ' : ''}${size} bytes, not ${expectedBytes}`));
        return { ...meta, sha256: bytes.length === expectedBytes ? sha256Hex(bytes) : `(${bytes.length} bytes, not ${expectedBytes})` };
      } catch (e) {
        if (e instanceof LengthMismatch) return { ...meta, sha256: `(${e.message})` };
        throw e;
      }
    } catch (err) {
      if (status(err) === 404 || status(err) === 405 || isCode(err, 'NoSuchKey', 'NoSuchVersion', 'NotFound')) return undefined;
      // A latest version this store cannot read (someone else's customer key, an archive class) cannot be shown to be
      // ours: the body is written again beside it, so a readable locked version holds it.
      // Access denied is not among them: it may be a permission this role lacks, which must fail loudly, not be written
      // around on every run (the bucket policy of deploy/ refuses writes under another KMS key).
      const unreadable = writtenOtherwise(err) ?? (isCode(err, 'InvalidObjectState') ? `GetObject: InvalidObjectState (archived)` : undefined);
      if (unreadable) return { $metadata: (err as { $metadata?: HeadObjectCommandOutput['$metadata'] }).$metadata ?? {}, sha256: `(not readable: ${unreadable})` };
      throw this.s3Error(err, 'GetObject', this.bucket, key);
    }
  }

  private lockHeaders(retainUntil: Date) {
    return {
      ObjectLockMode: this.mode,
      ObjectLockRetainUntilDate: retainUntil,
      ...(this.config.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.config.kmsKeyId } : {}),
    };
  }

  /** `sha256` (hex) when the caller has just hashed the body: it is hashed once, not once for each header. */
  private async putSingle(key: string, body: Buffer, retainUntil: Date, contentType = 'application/json', sha256 = sha256Hex(body)): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: contentType,
          ContentMD5: md5Base64(body),
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          Metadata: { sha256 },
          ...this.lockHeaders(retainUntil),
        }),
      );
      return out.VersionId;
    } catch (err) {
      throw this.s3Error(err, 'PutObject', this.bucket, key);
    }
  }

  /**
   * A multipart upload under lock, parts made one after another from the bytes' pieces and sent four at a time: a
   * manifest given in pieces is never held whole. The parts must add up to the promised size and SHA-256 before the
   * upload is completed; otherwise it is aborted and no version appears.
   */
  private async putMultipart(key: string, body: Buffer | PiecedBytes, retainUntil: Date, contentType = 'application/json'): Promise<string | undefined> {
    const bytes = Buffer.isBuffer(body) ? piecedOf(body) : body;
    const partSize = Math.max(MIN_PART_BYTES, Math.ceil(bytes.size / MAX_PARTS));
    let uploadId: string | undefined;
    try {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: contentType,
          ChecksumAlgorithm: 'SHA256',
          Metadata: { sha256: bytes.sha256 },
          ...this.lockHeaders(retainUntil),
        }),
      );
      uploadId = created.UploadId;
      const pass = tallied(bytes, partSize, `s3://${this.bucket}/${key}`);
      const next = pass.pieces[Symbol.iterator]();
      const parts: { PartNumber: number; ETag?: string; ChecksumSHA256: string }[] = [];
      let failed = false;
      // Each sender takes the next piece when it is free: pieces are made (and tallied) in part order, at most four
      // held. After a failure no sender takes another piece, and the abort waits until every sender has stopped, so
      // no part is still being uploaded when the upload is aborted.
      const senders = await Promise.allSettled(
        Array.from({ length: 4 }, async () => {
          while (!failed) {
            try {
              const piece = next.next();
              if (piece.done) return;
              const part = piece.value;
              const number = parts.length + 1;
              const checksum = sha256Base64(part);
              parts.push({ PartNumber: number, ChecksumSHA256: checksum });
              const out = await this.client.send(
                new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: part, ContentLength: part.length, ContentMD5: md5Base64(part), ChecksumSHA256: checksum }),
              );
              parts[number - 1].ETag = out.ETag;
            } catch (err) {
              failed = true;
              throw err;
            }
          }
        }),
      );
      const refused = senders.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused) throw refused.reason;
      pass.check();
      const done = await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      );
      if (done.VersionId) return done.VersionId;
      // No version id in the answer: the latest version is ours only if it is the object this upload completed (its
      // ETag); a version written since would otherwise be taken for ours.
      const latest = await this.headLatest(key);
      return done.ETag && latest?.ETag && sameETag(latest.ETag, done.ETag) ? latest.VersionId : undefined;
    } catch (err) {
      if (uploadId) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      }
      if (err instanceof EvidenceLockerError) throw err;
      throw this.s3Error(err, 'multipart upload', this.bucket, key);
    }
  }

  /** Extends (never shortens) the retention of an existing version so it covers `wanted`. */
  private async extendRetention(key: string, head: HeadObjectCommandOutput, wanted: Date): Promise<void> {
    const current = head.ObjectLockRetainUntilDate;
    if (current && current.getTime() >= wanted.getTime()) return;
    // An existing COMPLIANCE lock stays COMPLIANCE even in a GOVERNANCE store.
    const mode = head.ObjectLockMode === 'COMPLIANCE' ? 'COMPLIANCE' : this.mode;
    try {
      await this.client.send(
        new PutObjectRetentionCommand({
          Bucket: this.bucket,
          Key: key,
          ...(head.VersionId ? { VersionId: head.VersionId } : {}),
          Retention: { Mode: mode, RetainUntilDate: wanted },
        }),
      );
      this.log?.debug({ key, versionId: head.VersionId, from: current?.toISOString(), to: wanted.toISOString() }, 'extended retention of an existing evidence body');
    } catch (err) {
      throw this.s3Error(err, 'PutObjectRetention', this.bucket, key);
    }
  }

  private async headLatest(key: string, versionId?: string): Promise<HeadObjectCommandOutput | undefined> {
    const found = await this.headVersion(key, versionId);
    return 'head' in found ? found.head : undefined;
  }

  /** HeadObject of the latest version (or `versionId`), or how S3 said it is absent: 404, or 405 for a delete marker. */
  private async headVersion(key: string, versionId?: string): Promise<{ head: HeadObjectCommandOutput } | { absent: 404 | 405 }> {
    try {
      return { head: await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) })) };
    } catch (err) {
      if (status(err) === 404 || isCode(err, 'NotFound', 'NoSuchKey', 'NoSuchVersion')) return { absent: 404 };
      // A delete marker as latest version answers 405 to HEAD with a version id; treat like absent.
      if (status(err) === 405) return { absent: 405 };
      throw this.s3Error(err, 'HeadObject', this.bucket, key);
    }
  }

  /**
   * The body under its SHA-256. Normally the latest version; if that was overwritten or hidden by a delete marker,
   * the locked version whose bytes match the name is found among the key's versions, oldest first (a body is written
   * before anyone can copy its name). A version is passed over only when it cannot be the body: its listed size is not
   * the body's, it is longer, or S3 refuses to read it because of how it was written (`writtenOtherwise`: someone
   * else's customer key). An archived version is passed over too, but if no version matches, the read fails asking for
   * it to be restored. Any other failure (a permission, throttling) ends the read as it came: the body may be in the
   * version that could not be read, so nothing is claimed about it.
   */
  async getObject(sha256: string, expectedSize?: number): Promise<Buffer> {
    assertSha256(sha256);
    const key = this.objectKey(sha256);
    // A version larger than the body its record states is not read: it cannot be that body.
    const limit = expectedSize === undefined ? undefined : { maxBytes: expectedSize, tooLarge: (size: number, atLeast: boolean) => new LengthMismatch(`${atLeast ? 'at least ' : ''}${size} bytes, not the ${expectedSize} its record states`) };
    type Read = { versionId?: string; body?: Buffer; tooLarge?: string; foreign?: string; archived?: EvidenceLockerError; denied?: EvidenceLockerError };
    const read = (versionId?: string): Promise<Read> =>
      this.readVersion(key, versionId, limit).then(
        (v) => ({ versionId: v.versionId, body: v.body }),
        (err: unknown) => {
          if (err instanceof LengthMismatch) return { versionId, tooLarge: err.message };
          const foreign = writtenOtherwise(err);
          if (foreign) return { versionId, foreign };
          // An archived version may be another writer's over the body (then the body is found beneath it) or the
          // body itself, moved by a lifecycle rule: it is passed over, and named with how to restore it if nothing matches.
          if (err instanceof EvidenceLockerError && isCode(err.cause, 'InvalidObjectState')) return { versionId, archived: err };
          // Access denied looks the same whether this role lacks a permission or someone else wrote the version under
          // their own KMS key: it is passed over, and reported as it came if no readable version holds the body.
          if (err instanceof EvidenceLockerError && status(err.cause) === 403) return { versionId, denied: err };
          throw err;
        },
      );
    const latest = await read().catch((err: unknown): Read | undefined => {
      if (err instanceof EvidenceLockerError && /is missing from the evidence store/.test(err.message)) return undefined;
      throw err;
    });
    if (latest?.body && sha256Hex(latest.body) === sha256) return latest.body;
    /** Versions that are not the body (other bytes, another size), and those nobody can read without their writer's help. */
    let notIt = latest?.body || latest?.tooLarge ? 1 : 0;
    const foreign: string[] = [];
    const archived: Read[] = latest?.archived ? [latest] : [];
    const denied: Read[] = latest?.denied ? [latest] : [];
    // Without the listing, the latest version's own refusal (a permission, say) is what the operator must fix.
    const listed = await this.listVersions(key).catch((err: unknown) => {
      throw latest?.denied ?? err;
    });
    // S3 lists a key's versions newest first.
    for (const v of listed.filter((x) => x.key === key).reverse()) {
      if (latest?.versionId && v.versionId === latest.versionId) continue;
      if (expectedSize !== undefined && v.size !== undefined && v.size !== expectedSize) {
        notIt++;
        continue;
      }
      const candidate = await read(v.versionId);
      if (candidate.body && sha256Hex(candidate.body) === sha256) {
        this.log?.warn({ bucket: this.bucket, key, versionId: v.versionId, unreadable: foreign.length }, 'latest version of a content-addressed key does not match its name; using the older version that does');
        return candidate.body;
      }
      if (candidate.foreign) foreign.push(`version ${candidate.versionId ?? 'null'}: ${candidate.foreign}`);
      else if (candidate.archived) archived.push(candidate);
      else if (candidate.denied) denied.push(candidate);
      else notIt++;
    }
    // A version this role was refused may hold the body: nothing is claimed, the refusal is reported as it came.
    if (denied.length) throw denied[0].denied!;
    // The body may be in an archived version: nothing is claimed until it is restored.
    const restorable = archived.filter((a) => a.versionId);
    if (restorable.length) {
      const ids = restorable.map((a) => a.versionId!);
      throw new EvidenceLockerError(`s3://${this.bucket}/${key}: no readable version holds evidence body ${sha256}; ${ids.length} version(s) are in an archive storage class and cannot be read until restored: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ` and ${ids.length - 10} more` : ''}`, {
        hint: `restore them, oldest first (aws s3api restore-object --bucket ${this.bucket} --key ${key} --version-id ${ids[0]} --restore-request Days=7), then try again; evidence an assessor must read should not be moved to an archive class by a lifecycle rule`,
      });
    }
    if (archived.length) throw archived[0].archived!;
    if (!foreign.length && latest?.foreign) foreign.push(`the latest version: ${latest.foreign}`);
    const unreadable = `${foreign.slice(0, 10).join('; ')}${foreign.length > 10 ? `; and ${foreign.length - 10} more` : ''}`;
    if (notIt > 0) {
      const latestWas = !latest ? 'is a delete marker' : latest.foreign || latest.archived ? 'cannot be read' : latest.body ? `hashes to ${sha256Hex(latest.body)}` : `is ${latest.tooLarge}`;
      throw new EvidenceLockerError(`s3://${this.bucket}/${key}: no ${foreign.length ? 'readable ' : ''}version of this object has the SHA-256 its name states (the latest ${latestWas})${foreign.length ? `; ${foreign.length} cannot be read by anyone without their writer's help: ${unreadable}` : ''}`, {
        hint: 'run `evidence-locker store verify` for the runs that name it; keep the bucket as it is for investigation',
      });
    }
    if (foreign.length) {
      throw new EvidenceLockerError(`s3://${this.bucket}/${key}: no version of evidence body ${sha256} can be read: ${unreadable}`, {
        hint: `someone else with s3:PutObject on bucket ${this.bucket} wrote versions nobody can read without their help, and no readable version holds the body: find who in CloudTrail data events for the bucket; keep the bucket as it is for investigation`,
      });
    }
    throw new EvidenceLockerError(`evidence body ${sha256} is missing from s3://${this.bucket}/${key}`, {
      hint: 'run `evidence-locker store verify` for the runs that name it; keep the bucket as it is for investigation',
    });
  }

  async hasObject(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    return (await this.limit.run(() => this.headLatest(this.objectKey(sha256)))) !== undefined;
  }

  /** Reads one version (latest without `versionId`) with its Object Lock state. */
  /** `limit`: the most bytes the object may have, and the error for one that has more (thrown before its body is read). */
  async readVersion(key: string, versionId?: string, limit?: { maxBytes: number; tooLarge: (size: number, atLeast: boolean) => Error }): Promise<S3ObjectVersion> {
    const { read, ...version } = await this.getVersion(key, versionId, (body, declared) =>
      limit ? cappedBody(body as Readable, declared, limit.maxBytes, limit.tooLarge) : body.transformToByteArray().then((bytes) => Buffer.from(bytes)),
    );
    return { ...version, body: read };
  }

  /**
   * GetObject of one version (latest without `versionId`): its Object Lock state, and what `consume` makes of its body.
   * A missing version is named as missing; any other failure is this store's S3 error, with S3's own as its cause.
   */
  private async getVersion<T>(key: string, versionId: string | undefined, consume: (body: NonNullable<GetObjectCommandOutput['Body']>, declared: number | undefined) => Promise<T>): Promise<Omit<S3ObjectVersion, 'body'> & { read: T }> {
    return this.limit.run(async () => {
      try {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
        const read = await consume(out.Body!, out.ContentLength);
        return {
          key,
          ...(out.VersionId ? { versionId: out.VersionId } : {}),
          read,
          ...(out.LastModified ? { lastModified: out.LastModified } : {}),
          ...(out.ObjectLockMode ? { mode: out.ObjectLockMode } : {}),
          ...(out.ObjectLockRetainUntilDate ? { retainUntil: out.ObjectLockRetainUntilDate } : {}),
          ...(out.ObjectLockLegalHoldStatus ? { legalHold: out.ObjectLockLegalHoldStatus } : {}),
        };
      } catch (err) {
        if (err instanceof EvidenceLockerError || err instanceof LengthMismatch) throw err;
        if (status(err) === 404 || isCode(err, 'NoSuchKey', 'NoSuchVersion')) {
          throw new EvidenceLockerError(`s3://${this.bucket}/${key}${versionId ? ` version ${versionId}` : ''} is missing from the evidence store`);
        }
        throw this.s3Error(err, 'GetObject', this.bucket, key);
      }
    });
  }

  async lockState(key: string, versionId?: string): Promise<Omit<S3ObjectVersion, 'body'>> {
    const what = `s3://${this.bucket}/${key}${versionId ? ` version ${versionId}` : ''}`;
    const out = await this.limit.run(async () => {
      const found = await this.headVersion(key, versionId);
      // A HEAD answer has no body, so its 404 does not say whether the key or the whole bucket is missing (a GET's
      // would: NoSuchKey or NoSuchBucket); HeadBucket tells them apart. A delete marker's 405 needs no asking.
      if ('absent' in found && found.absent === 404) await this.bucketOfMissingObject(what);
      return 'head' in found ? found.head : undefined;
    });
    if (!out) throw new EvidenceLockerError(`${what} is missing from the evidence store`);
    return {
      key,
      ...(out.VersionId ? { versionId: out.VersionId } : {}),
      ...(out.ObjectLockMode ? { mode: out.ObjectLockMode } : {}),
      ...(out.ObjectLockRetainUntilDate ? { retainUntil: out.ObjectLockRetainUntilDate } : {}),
      ...(out.ObjectLockLegalHoldStatus ? { legalHold: out.ObjectLockLegalHoldStatus } : {}),
    };
  }

  /**
   * After HeadObject of `what` answered 404: throws when HeadBucket says the bucket itself is missing (named, with how
   * to create it or fix the store settings), or cannot tell (both named); returns when the bucket is there.
   */
  private async bucketOfMissingObject(what: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      const e = this.s3Error(err, 'HeadBucket', this.bucket);
      const opts = { ...(e.hint ? { hint: e.hint } : {}), cause: err };
      if (status(err) === 404 || isCode(err, 'NoSuchBucket', 'NotFound')) throw new EvidenceLockerError(`${what} cannot be read: ${e.message}`, opts);
      throw new EvidenceLockerError(`${what} is missing from the evidence store, or the bucket is: HeadObject answered 404 and ${e.message}`, opts);
    }
  }

  // ------------------------------------------------------------------ runs

  async markRunStarted(runId: string, startedAt: Date, startSecretSha256: string): Promise<void> {
    assertRunId(runId);
    await this.ready();
    const body = Buffer.from(`${JSON.stringify({ runId, startedAt: startedAt.toISOString(), startSecretSha256 })}\n`, 'utf8');
    const key = this.runKey(runId, RUN_START_FILE);
    const versionId = await this.limit.run(() => this.putSingle(key, body, this.wantedRetainUntil()));
    // The server's time of that write, as verifiers read it: bodies stored before it are written again (putObject).
    // Without one (not given, or not readable), no body stored before is cited again: each is written anew.
    const head = await this.limit.run(() => this.headLatest(key, versionId)).catch((err: unknown) => {
      this.log?.debug({ bucket: this.bucket, key, error: (err as Error).message }, 'could not read the write time of the start file; every body this collection offers is written anew');
      return undefined;
    });
    // Raised by each start file's time, so it holds for every collection this store serves at once. An unknown time
    // (Infinity: every body written anew) holds only until a later start file's time is read: that one was written after
    // every earlier start file, so a body written since it was written since theirs too.
    const writtenAt = head?.LastModified?.getTime();
    this.citeBodiesFrom = writtenAt === undefined ? Infinity : Math.max(Number.isFinite(this.citeBodiesFrom) ? this.citeBodiesFrom : -Infinity, writtenAt);
  }

  async putRun(run: RunToStore): Promise<void> {
    assertRunId(run.runId);
    await this.ready();
    // The collection's own start file (markRunStarted) is expected; any other file is not this seal's.
    const startKey = this.runKey(run.runId, RUN_START_FILE);
    const existing = (await this.listVersions(`${this.prefix}${runDirPath(run.runId)}`)).filter((v) => v.key !== startKey);
    if (existing.length > 0) {
      // Nothing of this seal is there yet (its run id is new): whatever is, readers would take instead of its files.
      throw new RunFilesPlanted(
        run.runId,
        existing.map((v) => ({ key: v.key, ...(v.versionId ? { versionId: v.versionId } : {}), detail: `was in the run folder before this seal wrote anything${v.lastModified ? ` (written ${v.lastModified.toISOString()})` : ''}` })),
        `run ${run.runId} already exists in s3://${this.bucket}/${this.prefix}${runDirPath(run.runId)} (${existing.length} object version(s)): a sealed run is never overwritten`,
        { hint: 'seal the run under a new run id' },
      );
    }
    const retainUntil = this.wantedRetainUntil();
    // Manifest last: a run interrupted before it leaves no manifest, so no run ever names a missing object.
    const publicKey = Buffer.from(run.publicKeyPem, 'utf8');
    const pieced = Buffer.isBuffer(run.manifest) ? undefined : run.manifest;
    const manifest = Buffer.isBuffer(run.manifest) ? { size: run.manifest.length, sha256: lazySha256(run.manifest) } : { size: run.manifest.size, sha256: () => pieced!.sha256 };
    const written: WrittenRunFile[] = [
      { file: RUN_FILES.publicKey, size: publicKey.length, sha256: lazySha256(publicKey), versionId: await this.limit.run(() => this.putSingle(this.runKey(run.runId, RUN_FILES.publicKey), publicKey, retainUntil, 'application/x-pem-file')) },
      { file: RUN_FILES.signature, size: run.signature.length, sha256: lazySha256(run.signature), versionId: await this.limit.run(() => this.putSingle(this.runKey(run.runId, RUN_FILES.signature), run.signature, retainUntil, 'application/octet-stream')) },
    ];
    const manifestKey = this.runKey(run.runId, RUN_FILES.manifest);
    written.push({ file: RUN_FILES.manifest, ...manifest, versionId: await this.limit.run(() => this.putManifest(manifestKey, run.manifest, retainUntil)) });
    await this.confirmSealedVersions(run.runId, written, retainUntil);
  }

  /**
   * Readers take the OLDEST version of each run file as the sealed one (`getRun`). Someone else holding PutObject on
   * the bucket could write a version of a run file between the check that the run is new and our own write (a
   * multipart manifest takes a while): the run would then fail verification with no word from the seal. So after
   * writing, the seal lists the run's versions: where a file's oldest version is not the one it wrote, that version
   * must hold the same bytes under a lock at least as strong (an SDK retry of a PUT whose answer was lost leaves such
   * a twin), or the seal fails naming it. Where readers would take other bytes (planted), it fails with
   * `RunFilesPlanted`, and the seal seals the same evidence again under a new run id (`sealRun`). What was written
   * stays (it is locked); the operator learns of it now, not at audit.
   */
  private async confirmSealedVersions(runId: string, written: readonly WrittenRunFile[], retainUntil: Date): Promise<void> {
    const listed = await this.runFileVersions(runId);
    /** Readers take other bytes: the run will not verify. */
    const otherBytes: string[] = [];
    /** The versions readers take instead of the ones this seal wrote (other bytes). */
    const planted: PlantedRunFile[] = [];
    /** Readers take the signed bytes under a weaker lock than this seal asked for. */
    const weakerLock: string[] = [];
    /** What readers will take cannot be confirmed (nothing found planted). */
    const unconfirmed: string[] = [];
    for (const w of written) {
      const key = this.runKey(runId, w.file);
      const where = `s3://${this.bucket}/${key}`;
      const versions = listed.get(w.file) ?? [];
      if (!w.versionId) {
        unconfirmed.push(`${where}: S3's answer to the write named no version (or, for a multipart upload, none whose ETag is the upload's), so the version readers take cannot be told from this seal's`);
        continue;
      }
      const at = versions.findIndex((v) => v.versionId === w.versionId);
      if (at < 0) {
        unconfirmed.push(`${where}: the version written (${w.versionId}) is not listed by ListObjectVersions`);
        continue;
      }
      if (at === 0) continue;
      const oldest = versions[0];
      const named = (v: ListedVersion) => `${v.versionId ?? 'null'}${v.lastModified ? ` (${v.lastModified.toISOString()})` : ''}`;
      const others = `${at} version(s) older than the one written (${w.versionId}): ${versions.slice(0, Math.min(at, 10)).map(named).join(', ')}${at > 10 ? ` and ${at - 10} more` : ''}; readers take the oldest as the sealed file`;
      if (!oldest.versionId) {
        unconfirmed.push(`${where}: ${others}, and it has no version id, so it cannot be read apart from the latest`);
        continue;
      }
      const twin = await this.compareTwin(key, oldest, w, retainUntil);
      if (twin.same) {
        this.log?.warn({ runId, key, versionId: oldest.versionId, written: w.versionId }, `${where}: ${others}; it holds the same bytes under the same lock (a retried PUT leaves such a twin), so the run verifies as written`);
        continue;
      }
      ({ 'other-bytes': otherBytes, 'weaker-lock': weakerLock, unreadable: unconfirmed })[twin.kind].push(`${where}: ${others}, and it ${twin.detail}`);
      if (twin.kind === 'other-bytes') planted.push({ key, versionId: oldest.versionId, detail: `is older than the version this seal wrote (${w.versionId}), and it ${twin.detail}` });
    }
    if (otherBytes.length + weakerLock.length > 0) {
      const message =
        `run ${runId} was written, but readers take versions of its files that this seal did not write: ${[...otherBytes, ...weakerLock, ...unconfirmed].join('; ')}` +
        (otherBytes.length > 0 ? '. The run will not verify' : '');
      const hint = `someone else with s3:PutObject on bucket ${this.bucket} wrote to this run's keys while it was sealed: find who in CloudTrail data events for the bucket, remove that access (only the collector's role may write under the prefix), and collect again (the next run is sealed under a new run id)`;
      // Readers would take other bytes: the seal can seal the same evidence again under another run id.
      if (planted.length > 0) {
        const own = written.map((w) => `${w.file} version ${w.versionId ?? '?'}`).join(', ');
        throw new RunFilesPlanted(runId, planted, message, { hint, kept: `this seal's own files stay in the run folder as later versions under the same lock (${own})` });
      }
      throw new EvidenceLockerError(message, { hint });
    }
    if (unconfirmed.length > 0) {
      throw new EvidenceLockerError(`run ${runId} was written, but the seal cannot confirm that readers will take its versions: ${unconfirmed.join('; ')}`, {
        hint: `run \`evidence-locker store check\` (bucket ${this.bucket} must keep versions under Object Lock, and the S3 server must return version ids), then \`evidence-locker verify --store --run ${runId}\` to see what readers find`,
      });
    }
  }

  /**
   * Whether an older version is a twin of what the seal wrote: the same bytes under this store's lock mode to at least
   * the retain-until date the seal asked for (an SDK retry sends the same headers). The body is read only when its
   * listed size is the written size, never beyond it, and hashed as it comes (a manifest is never held twice); `detail`
   * ends a sentence saying what differs. A version S3 refuses to read because of how it was written (someone else's
   * customer key) is not ours either: readers cannot read it, so the run will not verify.
   */
  private async compareTwin(key: string, v: ListedVersion, w: WrittenRunFile, retainUntil: Date): Promise<{ same: true } | { same: false; kind: 'other-bytes' | 'weaker-lock' | 'unreadable'; detail: string }> {
    const differs = (kind: 'other-bytes' | 'weaker-lock' | 'unreadable', detail: string) => ({ same: false as const, kind, detail });
    if (v.size !== undefined && v.size !== w.size) return differs('other-bytes', `is ${v.size} bytes, not the ${w.size} signed`);
    const tooLarge = (size: number, atLeast: boolean) => new LengthMismatch(`${atLeast ? 'at least ' : ''}${size} bytes, not ${w.size}`);
    let found: Omit<S3ObjectVersion, 'body'> & { read: { size: number; sha256: string } };
    try {
      found = await this.getVersion(key, v.versionId, (body, declared) => cappedDigest(body as Readable, declared, w.size, tooLarge));
    } catch (err) {
      if (err instanceof LengthMismatch) return differs('other-bytes', `is longer than the ${w.size} bytes signed`);
      const foreign = writtenOtherwise(err);
      if (foreign) return differs('other-bytes', `cannot be read by anyone without its writer's help: ${foreign}`);
      return differs('unreadable', `could not be read to compare with what was signed (${(err as Error).message})`);
    }
    const { size, sha256 } = found.read;
    if (size !== w.size || sha256 !== w.sha256()) return differs('other-bytes', `holds other bytes (SHA-256 ${sha256}, not ${w.sha256()})`);
    const modeOk = found.mode === this.mode || found.mode === 'COMPLIANCE';
    if (!modeOk || !found.retainUntil || found.retainUntil.getTime() < retainUntil.getTime()) {
      return differs('weaker-lock', `holds the signed bytes but is locked ${found.mode ?? 'not at all'}${found.retainUntil ? ` until ${found.retainUntil.toISOString()}` : ''}, less than the ${this.mode} lock until ${retainUntil.toISOString()} this seal asked for`);
    }
    return { same: true };
  }

  /**
   * A manifest given whole goes in one PUT. One given in pieces (signed without being held whole) goes in parts when
   * it is over the multipart threshold, so it is never held whole here either; a smaller one is gathered and checked.
   */
  private async putManifest(key: string, manifest: Buffer | PiecedBytes, retainUntil: Date): Promise<string | undefined> {
    if (Buffer.isBuffer(manifest)) return this.putSingle(key, manifest, retainUntil);
    if (manifest.size > this.config.multipartThresholdBytes) return this.putMultipart(key, manifest, retainUntil);
    const pass = tallied(manifest, Math.max(1, manifest.size), `s3://${this.bucket}/${key}`);
    const whole = Buffer.concat([...pass.pieces]);
    pass.check();
    return this.putSingle(key, whole, retainUntil);
  }

  /**
   * Reads a run from the FIRST version of each of its files: the one written under lock when the run was sealed.
   * Later versions (an overwrite of the key) never replace it; `runFileVersions` lists them for verification.
   */
  async getRun(runId: string, listed?: RunFileListing): Promise<StoredRun> {
    assertRunId(runId);
    const versions = listed ?? (await this.runFileVersions(runId));
    const read = async (file: RunFileName): Promise<Buffer> => {
      const v = versions.get(file)?.[0];
      if (!v) {
        throw new EvidenceLockerError(`run ${runId}: s3://${this.bucket}/${this.runKey(runId, file)} is missing from the evidence store`, {
          hint: 'list the sealed runs with `evidence-locker store verify --from <date> --to <date>`',
        });
      }
      // The size is checked before the body is read: a planted object of gigabytes is refused, not loaded. The
      // listing's size refuses it without a GET; the GET's declared length (and a cap on the bytes) backs it up.
      const where = `s3://${this.bucket}/${v.key}${v.versionId ? ` version ${v.versionId}` : ''}`;
      if (v.size !== undefined && v.size > RUN_FILE_MAX_BYTES[file]) throw runFileTooLarge(runId, file, where, v.size, false);
      return (await this.readVersion(v.key, v.versionId, { maxBytes: RUN_FILE_MAX_BYTES[file], tooLarge: (size, atLeast) => runFileTooLarge(runId, file, where, size, atLeast) })).body;
    };
    const [manifest, signature, publicKey] = await Promise.all([read(RUN_FILES.manifest), read(RUN_FILES.signature), read(RUN_FILES.publicKey)]);
    return { runId, manifest, signature, publicKeyPem: publicKey.toString('utf8'), versions };
  }

  /** Versions of each run file, oldest first (delete markers left out). */
  async runFileVersions(runId: string): Promise<Map<string, ListedVersion[]>> {
    assertRunId(runId);
    const out = new Map<string, ListedVersion[]>();
    for (const v of await this.listVersions(`${this.prefix}${runDirPath(runId)}`)) {
      const file = v.key.slice(`${this.prefix}${runDirPath(runId)}`.length);
      const list = out.get(file) ?? [];
      list.push(v);
      out.set(file, list);
    }
    for (const list of out.values()) list.reverse(); // S3 lists versions of a key newest first
    return out;
  }

  /** Object versions under `prefix`, in S3 order (per key newest first), without delete markers. */
  async listVersions(prefix: string): Promise<ListedVersion[]> {
    return (await this.listVersionsAndMarkers(prefix)).versions;
  }

  /**
   * Versions and delete markers under `prefix` (ListObjectVersions), so a delete marker can never hide a sealed object.
   * With `delimiter` '/', only the keys directly under `prefix`, and the folders below it (`folders`, full prefixes).
   */
  async listVersionsAndMarkers(prefix: string, delimiter?: '/'): Promise<{ versions: ListedVersion[]; markers: ListedVersion[]; folders: string[] }> {
    const versions: ListedVersion[] = [];
    const markers: ListedVersion[] = [];
    const folders: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      const page = await this.limit
        .run(() => this.client.send(new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: prefix, KeyMarker, VersionIdMarker, ...(delimiter ? { Delimiter: delimiter } : {}) })))
        .catch((err: unknown) => {
          throw this.s3Error(err, 'ListObjectVersions', this.bucket, prefix);
        });
      const take = (list: typeof versions, v: { Key?: string; VersionId?: string; LastModified?: Date; Size?: number }) => {
        if (v.Key) list.push({ key: v.Key, ...(v.VersionId && v.VersionId !== 'null' ? { versionId: v.VersionId } : {}), ...(v.LastModified ? { lastModified: v.LastModified } : {}), ...(v.Size !== undefined ? { size: v.Size } : {}) });
      };
      for (const v of page.Versions ?? []) take(versions, v);
      for (const m of page.DeleteMarkers ?? []) take(markers, m);
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix && !folders.includes(p.Prefix)) folders.push(p.Prefix);
      if (!page.IsTruncated) break;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
    }
    return { versions, markers, folders };
  }

  /** Delete markers as store-relative paths, sorted. */
  private markerRefs(markers: readonly ListedVersion[]): DeleteMarkerRef[] {
    return markers
      .map((m) => ({ path: m.key.slice(this.prefix.length), ...(m.versionId ? { versionId: m.versionId } : {}), ...(m.lastModified ? { lastModified: m.lastModified } : {}) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Delete markers under the store prefix (or `under` it), as store-relative paths. With `except` (top-level folders such
   * as `runs/` whose markers the caller took from its own listing), one listing of the top level names its folders and
   * each other folder is listed once: no prefix is listed twice by one command.
   */
  async listDeleteMarkers(under = '', opts: { except?: readonly string[]; onVersion?: (version: ListedVersion) => void } = {}): Promise<DeleteMarkerRef[]> {
    const except = opts.except ?? [];
    const seen = (listed: { versions: ListedVersion[]; markers: ListedVersion[] }) => {
      if (opts.onVersion) for (const v of listed.versions) opts.onVersion(v);
      return listed.markers;
    };
    if (except.length === 0) return this.markerRefs(seen(await this.listVersionsAndMarkers(`${this.prefix}${under}`)));
    const top = await this.listVersionsAndMarkers(`${this.prefix}${under}`, '/');
    const markers = [...seen(top)];
    for (const folder of top.folders) {
      if (except.includes(folder.slice(this.prefix.length))) continue;
      markers.push(...seen(await this.listVersionsAndMarkers(folder)));
    }
    return this.markerRefs(markers);
  }

  /** Run folders with a manifest version, delete-marked ones included (they are read at their locked version). */
  async listRuns(): Promise<string[]> {
    return [...(await this.listRunFolders()).folders.keys()];
  }

  /**
   * Run folders with a manifest version (sorted), each with the versions of its files, oldest first, and every delete
   * marker under `runs/`: one listing of `runs/` gives the run ids, what `getRun` reads and the markers, so a reader lists
   * no run folder again.
   */
  async listRunFolders(): Promise<{ folders: Map<string, Map<string, ListedVersion[]>>; deleteMarkers: DeleteMarkerRef[]; startOnly: { runId: string; start: ListedVersion }[]; others: Map<string, Map<string, ListedVersion[]>> }> {
    const base = `${this.prefix}${RUNS_DIR}/`;
    const folders = new Map<string, Map<string, ListedVersion[]>>();
    const listed = await this.listVersionsAndMarkers(base);
    for (const v of listed.versions) {
      const m = /^([^/]+)\/(.+)$/.exec(v.key.slice(base.length));
      if (!m) continue;
      const files = folders.get(m[1]) ?? new Map<string, ListedVersion[]>();
      folders.set(m[1], files);
      const list = files.get(m[2]) ?? [];
      files.set(m[2], list);
      list.push(v);
    }
    const out = new Map<string, Map<string, ListedVersion[]>>();
    const startOnly: { runId: string; start: ListedVersion }[] = [];
    const others = new Map<string, Map<string, ListedVersion[]>>();
    for (const id of [...folders.keys()].sort()) {
      const files = folders.get(id)!;
      for (const list of files.values()) list.reverse(); // S3 lists versions of a key newest first
      if (!files.has(RUN_FILES.manifest)) {
        others.set(id, files);
        const start = files.get(RUN_START_FILE)?.[0];
        if (start) startOnly.push({ runId: id, start });
        continue;
      }
      out.set(id, files);
    }
    return { folders: out, deleteMarkers: this.markerRefs(listed.markers), startOnly, others };
  }

  /**
   * Writes a refusal record under lock. Its name ends in 128 random bits, so nobody could have written that key first;
   * the version written is returned and is the one readers name (a later version someone writes over it is foreign).
   */
  async putRefusal(name: string, bytes: Buffer): Promise<{ path: string; versionId?: string }> {
    if (!REFUSAL_FILE.test(name)) throw new EvidenceLockerError(`refusal record name ${JSON.stringify(name)} is not one the seal makes`);
    await this.ready();
    const path = refusalPath(name);
    const versionId = await this.limit.run(() => this.putSingle(`${this.prefix}${path}`, bytes, this.wantedRetainUntil()));
    return { path, ...(versionId ? { versionId } : {}) };
  }

  /** Every version under `refusals/` (delete-marked ones included: a marker hides nothing from this list), oldest first per key. */
  async listRefusals(): Promise<StoredRefusalRef[]> {
    return (await this.listRefusalsAndMarkers()).refs;
  }

  /** `listRefusals`, and the delete markers under `refusals/`, from one listing. */
  async listRefusalsAndMarkers(): Promise<{ refs: StoredRefusalRef[]; deleteMarkers: DeleteMarkerRef[] }> {
    const base = `${this.prefix}${REFUSALS_DIR}/`;
    const byKey = new Map<string, StoredRefusalRef[]>();
    const listed = await this.listVersionsAndMarkers(base);
    for (const v of listed.versions) {
      const path = v.key.slice(this.prefix.length);
      const list = byKey.get(path) ?? [];
      list.push({ path, ...(v.versionId ? { versionId: v.versionId } : {}), ...(v.lastModified ? { lastModified: v.lastModified } : {}), ...(v.size !== undefined ? { size: v.size } : {}) });
      byKey.set(path, list);
    }
    return { refs: [...byKey.keys()].sort().flatMap((k) => byKey.get(k)!.reverse()), deleteMarkers: this.markerRefs(listed.markers) };
  }

  async readRefusal(ref: StoredRefusalRef, maxBytes: number): Promise<Buffer> {
    const key = `${this.prefix}${ref.path}`;
    const tooLarge = (size: number, atLeast: boolean) => new EvidenceLockerError(`s3://${this.bucket}/${key}${ref.versionId ? ` version ${ref.versionId}` : ''} is ${atLeast ? 'at least ' : ''}${size} bytes, more than the ${maxBytes} bytes a refusal record can be; it was not read`);
    if (ref.size !== undefined && ref.size > maxBytes) throw tooLarge(ref.size, false);
    return (await this.readVersion(key, ref.versionId, { maxBytes, tooLarge })).body;
  }

  /** Every body with a stored version, delete-marked ones included. */
  async listObjectHashes(): Promise<string[]> {
    const base = `${this.prefix}objects/sha256/`;
    const out = new Set<string>();
    for (const v of await this.listVersions(base)) {
      const m = /^([0-9a-f]{2})\/([0-9a-f]{64})\.json$/.exec(v.key.slice(base.length));
      if (m && m[2].startsWith(m[1])) out.add(m[2]);
    }
    return [...out].sort();
  }

  // ------------------------------------------------------------------ legal hold

  /** Places or lifts a legal hold on one version. */
  async setLegalHold(key: string, versionId: string | undefined, on: boolean): Promise<void> {
    await this.limit.run(async () => {
      try {
        await this.client.send(
          new PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), LegalHold: { Status: on ? 'ON' : 'OFF' } }),
        );
      } catch (err) {
        throw this.s3Error(err, 'PutObjectLegalHold', this.bucket, key);
      }
    });
  }

  get holdTarget(): LegalHolds['holdTarget'] {
    return { bucket: this.bucket, region: this.config.region ?? 'store', concurrency: this.config.concurrency };
  }

  // ------------------------------------------------------------------ packages

  /**
   * Writes a local package zip under `<prefix>packages/<file name>` with the same Object Lock, SSE-KMS and integrity
   * headers as evidence, through the store's request limit. The latest version is shared instead of writing again only
   * when S3 itself vouches that it holds these bytes: its ETag is their MD5, which S3 computes from what it stored (a
   * single PUT without SSE-KMS). Its x-amz-checksum-sha256 alone does not: some S3-compatible servers keep whatever
   * checksum the writer sent, so anyone with s3:PutObject could plant other bytes under it and have them shared.
   */
  async putPackage(file: string, at: Date): Promise<ShelvedPackage> {
    const size = (await stat(file)).size;
    if (size > MAX_SINGLE_PUT_BYTES) throw new EvidenceLockerError(`${file}: ${size} bytes is more than one S3 PutObject accepts (5 GiB)`, { hint: 'package a shorter period or fewer accounts' });
    await this.preflight();
    const key = `${this.prefix}${PACKAGES_DIR}/${basename(file)}`;
    const sha = createHash('sha256');
    const md5 = createHash('md5');
    for await (const chunk of createReadStream(file)) {
      sha.update(chunk as Buffer);
      md5.update(chunk as Buffer);
    }
    const checksum = sha.digest('base64');
    const md5Digest = md5.digest();
    const head = await this.limit.run(() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }))).catch(() => undefined);
    const sameBytes = head !== undefined && head.ContentLength === size && (await this.holdsBytes(key, head, md5Digest.toString('hex'), checksum, size));
    if (head && sameBytes) return { key, ...(head.VersionId ? { versionId: head.VersionId } : {}), uploaded: false };
    if (head) this.log?.warn({ bucket: this.bucket, key, versionId: head.VersionId }, 'a package of this name is already in the store, but S3 does not vouch that it holds these bytes: writing this one as a new version and sharing that');
    const put = await this.limit.run(async () => {
      try {
        return await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: createReadStream(file),
            ContentLength: size,
            ContentType: 'application/zip',
            ContentMD5: md5Digest.toString('base64'),
            ChecksumSHA256: checksum,
            ...this.lockHeaders(this.retainUntilFor(at)),
          }),
        );
      } catch (err) {
        throw this.s3Error(err, 'PutObject', this.bucket, key);
      }
    });
    return { key, ...(put.VersionId ? { versionId: put.VersionId } : {}), uploaded: true };
  }

  /**
   * Whether the latest version (`head`) holds these bytes, as S3 itself vouches: its ETag is their MD5 (S3 computes it
   * from what it stored, for a single PUT without SSE-KMS), or else the version itself, read by its id and never
   * beyond `size`, hashes to their SHA-256 (SSE-KMS ETags are not an MD5). A checksum header alone is never enough.
   */
  private async holdsBytes(key: string, head: HeadObjectCommandOutput, md5Hex: string, sha256Base64: string, size: number): Promise<boolean> {
    // Served with a Content-Encoding, our bytes would reach the assessor's browser as something to decode.
    if (head.ContentEncoding && head.ContentEncoding !== 'identity') return false;
    // Someone else's copy under GOVERNANCE in a COMPLIANCE store is not adopted, as for evidence bodies (putObject).
    if (this.mode === 'COMPLIANCE' && head.ObjectLockMode === 'GOVERNANCE') return false;
    if (head.ETag !== undefined && sameETag(head.ETag, md5Hex)) return true;
    try {
      const found = await this.getVersion(key, head.VersionId, (body, declared) => cappedDigest(body as Readable, declared, size, (n, atLeast) => new LengthMismatch(`${atLeast ? 'at least ' : ''}${n} bytes, not ${size}`)));
      return found.read.size === size && Buffer.from(found.read.sha256, 'hex').toString('base64') === sha256Base64;
    } catch (err) {
      // A version that is longer, or that S3 refuses because of how it was written, is not shown to hold the bytes:
      // ours is written. Anything else (throttling, a permission) fails the share as it came.
      const cause = err instanceof EvidenceLockerError ? err.cause : err;
      if (err instanceof LengthMismatch || writtenOtherwise(err) || isCode(cause, 'InvalidObjectState')) return false;
      throw err;
    }
  }

  /**
   * A package already in the store, by name. A package is written once, so a name with several versions cannot say
   * which one evidence-locker wrote (anyone with s3:PutObject can add one): it is refused, and the local file, whose
   * bytes pick the version, is asked for instead.
   */
  async findPackage(name: string): Promise<ShelvedPackage> {
    const key = name.startsWith(this.prefix) ? name : `${this.prefix}${PACKAGES_DIR}/${name}`;
    // Listed, not HEAD: the latest version may be one this store cannot read, and several versions are refused anyway.
    const versions = (
      await this.listVersions(key).catch((err: Error) => {
        throw new ConfigError(`${name}: not a local file, and s3://${this.bucket}/${key} cannot be read (${err.message})`, 'give the path of a package zip, or the file name of a package already shared');
      })
    ).filter((v) => v.key === key);
    if (versions.length === 0) {
      throw new ConfigError(`${name}: not a local file, and s3://${this.bucket}/${key} cannot be read (no version of it is in the store)`, 'give the path of a package zip, or the file name of a package already shared');
    }
    if (versions.length > 1) {
      const named = versions.slice(0, 10).map((v) => `${v.versionId ?? 'null'}${v.lastModified ? ` (${v.lastModified.toISOString()}, ${v.size ?? '?'} bytes)` : ''}`);
      throw new EvidenceLockerError(`s3://${this.bucket}/${key} has ${versions.length} versions (${named.join(', ')}${versions.length > 10 ? `, and ${versions.length - 10} more` : ''}): its name cannot say which one evidence-locker wrote, so none is shared`, {
        hint: `share the local package file instead (evidence-locker share <path to ${basename(key)}>): its bytes pick the version; if you did not write the others, someone else with s3:PutObject on bucket ${this.bucket} did: find who in CloudTrail data events`,
      });
    }
    return { key, ...(versions[0].versionId ? { versionId: versions[0].versionId } : {}), uploaded: false };
  }

  async presign(key: string, versionId: string | undefined, expiresInSeconds: number): Promise<string> {
    // The presigner loads only when a link is made.
    const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
    // The response's type and name are fixed by the link, not taken from the stored version.
    const name = basename(key).replace(/[^A-Za-z0-9._+-]/g, '_');
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(versionId ? { VersionId: versionId } : {}),
      ResponseContentType: 'application/zip',
      ResponseContentDisposition: `attachment; filename="${name}"`,
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  // ------------------------------------------------------------------ errors

  /** Turns an SDK error into one an operator can act on: bucket, key, API and what to do. */
  s3Error(err: unknown, operation: string, bucket: string, key?: string): EvidenceLockerError {
    if (err instanceof EvidenceLockerError) return err;
    const e = err as { name?: string; Code?: string; code?: string; message?: string };
    const where = `s3://${bucket}${key ? `/${key}` : ''}${this.config.endpoint ? ` at ${this.config.endpoint}` : ''}`;
    const code = e.Code ?? e.name ?? e.code ?? 'Error';
    if (isCode(err, 'NoSuchBucket') || (operation === 'HeadBucket' && status(err) === 404)) {
      return new EvidenceLockerError(`${operation} ${where}: the evidence bucket ${bucket} does not exist`, {
        hint: `create it with Object Lock: aws s3api create-bucket --bucket ${bucket} --object-lock-enabled-for-bucket (see deploy/), or fix store.bucket / store.region / store.endpoint`,
        cause: err,
      });
    }
    if (isCode(err, 'InvalidObjectState')) {
      return new EvidenceLockerError(`${operation} ${where}: the object is in an archive storage class (${code}) and cannot be read until it is restored`, {
        hint: `restore it (aws s3api restore-object --bucket ${bucket}${key ? ` --key ${key}` : ''} --restore-request Days=7), then try again; evidence an assessor must read should not be moved to an archive class by a lifecycle rule`,
        cause: err,
      });
    }
    if (isCode(err, 'AccessDenied', 'Forbidden', 'AllAccessDisabled') || status(err) === 403) {
      return new EvidenceLockerError(`${operation} ${where}: access denied (${code})`, {
        hint: `grant this role ${iamActionsOf(operation.replace(/ .*/, ''))} on arn:aws:s3:::${bucket}${key ? '/*' : ''} (see deploy/), or check the credentials in use`,
        cause: err,
      });
    }
    if (isCode(err, 'CredentialsProviderError')) {
      return new EvidenceLockerError(`${operation} ${where}: no AWS credentials found for the evidence store`, {
        hint: 'provide credentials through the SDK chain (task role on ECS, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)',
        cause: err,
      });
    }
    if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|TimeoutError/.test(`${e.code ?? ''} ${e.name ?? ''} ${e.message ?? ''}`)) {
      return new EvidenceLockerError(`${operation} ${where}: cannot reach the S3 endpoint (${e.code ?? e.name})`, {
        hint: 'check store.endpoint / store.region and the network path to S3',
        cause: err,
      });
    }
    return new EvidenceLockerError(`${operation} ${where} failed: ${code}${e.message && e.message !== code && e.message !== 'UnknownError' ? `: ${e.message}` : ''} (HTTP ${status(err) ?? '?'})`, {
      cause: err,
    });
  }
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isCode(err: unknown, ...codes: string[]): boolean {
  const e = err as { name?: string; Code?: string };
  return codes.includes(e?.name ?? '') || codes.includes(e?.Code ?? '');
}

/** A stored version longer than the body it should be (see `latestStoredBody`, `getObject`). */
class LengthMismatch extends Error {}

/** Two ETags for the same object: some S3 servers quote one answer's and not another's, or mark it weak (`W/`). */
function sameETag(a: string, b: string): boolean {
  const bare = (e: string) => e.replace(/^W\//, '').replace(/^"|"$/g, '');
  return bare(a) === bare(b);
}

/**
 * Reads an object's body a chunk at a time, refused before it is read when its declared length is over `maxBytes`,
 * and while it is read when more bytes come than that (a response without a length, or one that lies about it). The
 * connection is dropped. Returns the bytes read.
 */
async function cappedChunks(body: Readable, declared: number | undefined, maxBytes: number, tooLarge: (size: number, atLeast: boolean) => Error, take: (chunk: Buffer) => void): Promise<number> {
  if (declared !== undefined && declared > maxBytes) {
    body.destroy();
    throw tooLarge(declared, false);
  }
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      body.destroy();
      throw tooLarge(total, true);
    }
    take(chunk as Buffer);
  }
  return total;
}

/** An object's body, never more than `maxBytes` of it (see `cappedChunks`). */
async function cappedBody(body: Readable, declared: number | undefined, maxBytes: number, tooLarge: (size: number, atLeast: boolean) => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const total = await cappedChunks(body, declared, maxBytes, tooLarge, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks, total);
}

/** The size and SHA-256 of an object's body, hashed as it comes (never held whole), never more than `maxBytes` of it. */
async function cappedDigest(body: Readable, declared: number | undefined, maxBytes: number, tooLarge: (size: number, atLeast: boolean) => Error): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const size = await cappedChunks(body, declared, maxBytes, tooLarge, (chunk) => hash.update(chunk));
  return { size, sha256: hash.digest('hex') };
}

/**
 * Why a version that exists cannot be read, when S3's refusal itself shows it was written in a way this store never
 * writes: with a customer-provided key (SSE-C). S3 refuses a GET without that key as a bad request ("The object was
 * stored using a form of Server Side Encryption..."; Ceph: "...Server Side Encryption with Customer provided keys...").
 * Nobody reading the evidence can read such a version without its writer's help. Undefined for every other failure
 * (permissions, throttling, a server error, an archived version), which says nothing of who wrote it.
 */
function writtenOtherwise(err: unknown): string | undefined {
  const e = (err instanceof EvidenceLockerError && err.cause ? err.cause : err) as { name?: string; Code?: string; message?: string };
  const code = e?.Code ?? e?.name ?? 'error';
  if (status(e) === 400 && /stored using a form of Server Side Encryption|Customer provided keys|customer-provided encryption key/i.test(e?.message ?? '')) {
    return `it needs a customer-provided encryption key (SSE-C) to be read, which this store never uses (GetObject: ${code}${e?.message && e.message !== code ? `: ${e.message}` : ''})`;
  }
  return undefined;
}
