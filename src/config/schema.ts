import { z } from 'zod';
import { ScopeConfigSchema } from './scope.js';
import { firstTerminalControl } from '../log/terminal.js';

/**
 * Text the operator chooses that the package prints (VERIFY.md, the report cover, index.html): a control,
 * bidirectional or zero-width character in it would start a line of its own, turn the text after it around or
 * hide a difference, so it is refused with its position.
 */
const PrintedText = z.string().superRefine((text, ctx) => {
  const c = firstTerminalControl(text);
  if (c) ctx.addIssue({ code: 'custom', message: `holds the character ${c.shown} at position ${c.position}: control, line-break, bidirectional and zero-width characters are refused in text the package prints` });
});

const AccountId = z.string().regex(/^\d{12}$/, 'an AWS account id is 12 digits');
const Region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'an AWS region name such as us-east-1');

export const AccountSchema = z
  .object({
    id: AccountId,
    name: z.string().optional(),
    /** Role to assume in this account; default `arn:aws:iam::<id>:role/<accounts.roleName>`. */
    roleArn: z.string().optional(),
  })
  .strict();

export const RetentionSchema = z
  .object({ days: z.number().int().positive().optional(), years: z.number().int().positive().optional() })
  .strict()
  .refine((r) => (r.days === undefined) !== (r.years === undefined), 'give exactly one of days or years');

export const LocalStoreSchema = z
  .object({ kind: z.literal('local'), path: z.string().default('./evidence-store') })
  .strict();

export const S3StoreSchema = z
  .object({
    kind: z.literal('s3'),
    bucket: z.string().min(3),
    prefix: z.string().default('evidence-locker/'),
    region: Region.optional(),
    /** The store's own endpoint, distinct from the evidence sources' (AWS_ENDPOINT_URL_S3 is for sources). */
    endpoint: z.string().url().optional(),
    forcePathStyle: z.boolean().optional(),
    /** Default 6 years: PCI DSS 10.5.1 needs 12 months, HIPAA 164.316(b)(2)(i) six years. */
    retention: RetentionSchema.default({ years: 6 }),
    mode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
    /** GOVERNANCE mode is weaker (privileged users can shorten it); it must be chosen explicitly. */
    allowGovernanceMode: z.boolean().default(false),
    kmsKeyId: z.string().optional(),
    /** Bodies larger than this go multipart, with per-part integrity. */
    multipartThresholdBytes: z.number().int().positive().default(16 * 1024 * 1024),
    concurrency: z.number().int().min(1).max(64).default(16),
  })
  .strict();

export const StoreSchema = z.discriminatedUnion('kind', [LocalStoreSchema, S3StoreSchema]);

/** A trusted signing key: the SHA-256 fingerprint of its public key (64 hex), or a KMS key ARN (its public key is read with kms:GetPublicKey). */
export const TrustedKeySchema = z
  .string()
  .regex(/^([0-9a-fA-F]{64}|arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+)$/, 'a key fingerprint (64 hex digits) or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');

/** Only runs signed by one of these keys are evidence; default: the configured signer's own key. */
const TrustedKeys = z.array(TrustedKeySchema).optional();

export const SigningSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), keyDir: z.string().optional(), trustedKeys: TrustedKeys }).strict(),
  z.object({ kind: z.literal('kms'), keyId: PrintedText.pipe(z.string().min(1)), region: Region.optional(), trustedKeys: TrustedKeys }).strict(),
]);

export const ScheduleSchema = z
  .object({
    name: z.string().min(1),
    action: z.enum(['collect', 'package']),
    cron: z.string().min(1),
    timezone: z.string().default('UTC'),
    frameworks: z.array(z.string()).optional(),
    /** For package schedules: the period packaged, e.g. `previous-month`. */
    period: z.enum(['previous-day', 'previous-week', 'previous-month']).optional(),
    outDir: z.string().optional(),
    /**
     * Each firing starts after a random delay of up to this many minutes (the firing keeps its scheduled slot), so the
     * moment of a collection is not known in advance. 0 (default): exactly on time.
     */
    randomDelayMinutes: z.number().int().min(0).max(1440).optional(),
  })
  .strict();

const EntityFlag = (what: string) => z.boolean({ error: `give true or false: whether the assessed entity is ${what}` });

/**
 * A documented, legitimate issuing business need to keep sensitive authentication data (PCI DSS 3.3.1's note, 3.3.3):
 * the reference of the document that justifies it, which the assessor must see.
 */
const IssuingBusinessNeedSchema = z
  .object({
    justificationDocument: z
      .string({ error: 'name the document that justifies keeping sensitive authentication data (its title, version or reference), which the assessor will examine' })
      .trim()
      .min(1, { error: 'name the document that justifies keeping sensitive authentication data (its title, version or reference), which the assessor will examine' }),
  }, { error: 'give { justificationDocument: "<title, version or reference>" }: the document that justifies keeping sensitive authentication data for an issuing business need' })
  .strict();

/**
 * What the assessed entity is, per framework (PCI DSS: requirements for service providers only, Appendix A1 for
 * multi-tenant service providers, Appendix A3 for designated entities, 3.3.3 for issuers, A2.1.1 for entities whose POS
 * POI terminals use SSL or early TLS, A2.1.2 for service providers with connection points to such terminals, A2.1.3 for
 * service providers that provide connections into POS POI terminals). The first three fields are always given: a
 * declaration that leaves one out would not say whether those requirements apply. The others came later and may be left
 * out (older configurations): their requirements then read "applies if the entity is one", for the assessor to confirm.
 * `issuerWithBusinessNeed` is the issuer exemption of PCI DSS 3.3.1: sensitive authentication data found stored needs
 * review against the named document instead of failing, and 3.3.3 applies.
 */
export const EntitySchema = z
  .object({
    serviceProvider: EntityFlag('a service provider (stores, processes or transmits account data for others, or can affect their security)'),
    multiTenantServiceProvider: EntityFlag('a multi-tenant service provider (PCI DSS Appendix A1)'),
    designatedEntity: EntityFlag('an entity a payment brand or acquirer designated for supplemental validation (PCI DSS Appendix A3)'),
    issuer: EntityFlag('an issuer or a company that supports issuing services (PCI DSS 3.3.3)').optional(),
    issuerWithBusinessNeed: IssuingBusinessNeedSchema.optional(),
    posPoiSslEarlyTls: EntityFlag('an entity with card-present POS POI terminals that use SSL or early TLS (PCI DSS Appendix A2, A2.1.1)').optional(),
    posPoiSslEarlyTlsConnectionPoints: EntityFlag(
      'an entity with existing connection points to card-present POS POI terminals that use SSL or early TLS, such as a service provider terminating their connections (PCI DSS Appendix A2, A2.1.2)',
    ).optional(),
    posPoiTerminalConnections: EntityFlag(
      'an entity that provides connections into card-present POS POI terminals, whatever protocol they use (a POS POI terminal service provider, PCI DSS Appendix A2, A2.1.3)',
    ).optional(),
  })
  .strict()
  .refine((e) => !e.multiTenantServiceProvider || e.serviceProvider, {
    message: 'a multi-tenant service provider is a service provider: set serviceProvider: true, or multiTenantServiceProvider: false',
    path: ['serviceProvider'],
  })
  .refine((e) => !(e.issuerWithBusinessNeed && e.issuer === false), {
    message: 'only an issuer or a company that supports issuing services may keep sensitive authentication data for an issuing business need: set issuer: true (or leave it out), or remove issuerWithBusinessNeed',
    path: ['issuerWithBusinessNeed'],
  })
  .refine((e) => !(e.posPoiSslEarlyTlsConnectionPoints === true && e.posPoiTerminalConnections === false), {
    message: 'connection points to POS POI terminals that use SSL or early TLS are connections into POS POI terminals: set posPoiTerminalConnections: true (or leave it out), or posPoiSslEarlyTlsConnectionPoints: false',
    path: ['posPoiTerminalConnections'],
  });
export type EntityConfig = z.infer<typeof EntitySchema>;

export const ConfigSchema = z
  .object({
    organization: PrintedText.default('Example Organization'),
    frameworks: z.array(z.string()).min(1).default(['pci-dss-4.0.1', 'hipaa-security']),
    /** Extra catalog directories (the built-in `controls/` is always loaded). */
    catalogDirs: z.array(z.string()).default([]),
    accounts: z
      .object({
        source: z.enum(['current', 'list', 'organizations']).default('current'),
        list: z.array(AccountSchema).default([]),
        roleName: z.string().default('EvidenceLockerReadOnly'),
        externalId: z.string().optional(),
        /**
         * Lifetime asked for each member-role session (sts:AssumeRole DurationSeconds); sessions are renewed before
         * they expire. At most an hour: the collector reaches member roles by role chaining (its own credentials
         * are a role session, e.g. the ECS task role), and STS refuses more than 3600 seconds for a chained session.
         */
        sessionDurationSeconds: z
          .number()
          .int()
          .min(900)
          .max(3600, {
            message:
              'at most 3600 seconds: the collector assumes member roles with a role\'s credentials (the ECS task role), which is role chaining, and STS refuses a chained session longer than one hour, so every account would be a gap; sessions are renewed before they expire, so an hour loses nothing',
          })
          .default(3600),
      })
      .strict()
      .prefault({}),
    regions: z
      .object({
        source: z.enum(['list', 'enabled']).default('list'),
        list: z.array(Region).default(['us-east-1']),
        /** Region through which global services (IAM, S3 listing, Organizations) are queried. */
        home: Region.default('us-east-1'),
      })
      .strict()
      .prefault({}),
    store: StoreSchema.default({ kind: 'local', path: './evidence-store' }),
    signing: SigningSchema.default({ kind: 'local' }),
    /** Where the local signing key (`<stateDir>/keys` unless signing.keyDir) and the daemon's packages (`<stateDir>/packages` unless a schedule's outDir) go. */
    stateDir: z.string().default('./.evidence-locker'),
    collect: z
      .object({
        lookbackHours: z.number().int().min(1).max(24 * 90).default(24),
        /**
         * Minutes the CloudTrail sensitive-activity search starts before `now - lookbackHours`, so consecutive runs' windows
         * overlap: CloudTrail delivers an event about 5 minutes after the call on average, not guaranteed, so an event
         * just before one run's search is found by the next; and a run starting a little later than the day before leaves no hole.
         */
        eventOverlapMinutes: z
          .number({ error: 'collect.eventOverlapMinutes must be a number of minutes (0 to 1440)' })
          .int({ error: 'collect.eventOverlapMinutes must be a whole number of minutes' })
          .min(0, { error: 'collect.eventOverlapMinutes cannot be negative: it is how many minutes each event search starts before the look-back window' })
          .max(24 * 60, { error: 'collect.eventOverlapMinutes is at most 1440 (a day): raise collect.lookbackHours for a longer window' })
          .default(60),
        /** CloudTrail event names the sensitive-activity query searches; absent: the query's own default list. */
        sensitiveEvents: z.array(z.string().min(1)).optional(),
        maxAttempts: z.number().int().min(1).max(20).default(8),
        /** API requests in flight at once, across every account, region and service of a run (AWS limits are per account and region, so a many-account run can keep many in flight). */
        concurrency: z.number().int().min(1).max(256).default(64),
        /** Queries of one service running at once in one account and region (AWS API limits are per account and region). */
        perServiceConcurrency: z.number().int().min(1).max(64).default(8),
        /** Worker processes collecting at once, each for its own share of the accounts; `auto`: one per CPU core, at most one per account (README, "Collection workers"). */
        workers: z.union([z.number().int().min(1).max(64), z.literal('auto')]).default('auto'),
        requestTimeoutMs: z.number().int().min(100).default(30_000),
        /** `per-account`: every query in every member account; `delegated-admin`: what an aggregator or administrator holds is read once from the audit account (README, "Collection modes"). */
        mode: z.enum(['per-account', 'delegated-admin']).default('per-account'),
        /** The audit (delegated administrator) account and its AWS Config aggregator; required by `mode: delegated-admin`. */
        delegatedAdmin: z
          .object({
            accountId: AccountId,
            /** The audit account's delegated-admin role (deploy/audit-role.json) to assume; default: the SDK's default credentials (a collector running in the audit account with that policy). */
            roleArn: z.string().optional(),
            /** Name of the organisation-wide AWS Config aggregator in the audit account. */
            configAggregator: z.string().min(1),
            /** Region of the aggregator; default `regions.home`. */
            aggregatorRegion: Region.optional(),
            /**
             * The organisation's CloudTrail Lake event data store (ARN, queried in its region; or id, queried in `regions.home`):
             * cloudtrail.sensitive-activity is then one Lake query for every member instead of LookupEvents in each.
             */
            cloudtrailEventDataStore: z
              .string()
              .min(3)
              .max(256)
              .regex(/^[a-zA-Z0-9._/\-:]+$/, 'an event data store ARN (arn:aws:cloudtrail:<region>:<account>:eventdatastore/<id>) or its id')
              .optional(),
            /** How long each CloudTrail Lake query is waited for (seconds, default 600); past it every member is searched with LookupEvents. */
            cloudtrailQueryWaitSeconds: z.number().int().min(10).max(3600).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .refine((c) => c.mode !== 'delegated-admin' || c.delegatedAdmin !== undefined, {
        message: 'collect.mode delegated-admin needs collect.delegatedAdmin (accountId and configAggregator of the audit account)',
        path: ['delegatedAdmin'],
      })
      .strict()
      .prefault({}),
    /** Overrides of catalog parameters: `{ "<framework>": { "<requirement>": { "<param>": value } } }`. */
    parameters: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))).prefault({}),
    exceptionsFile: z.string().optional(),
    /** The assessed environment per framework (see src/config/scope.ts); absent: every resource of the listed accounts. */
    scope: ScopeConfigSchema.default({}),
    /** What the assessed entity is, per framework; absent: not declared, requirements limited to an entity type are left to the assessor. */
    entity: z.record(z.string(), EntitySchema).default({}),
    schedules: z.array(ScheduleSchema).default([]),
    daemon: z
      .object({
        healthPort: z.number().int().min(0).max(65535).default(8080),
        shutdownGraceMs: z.number().int().min(1000).max(29_000).default(25_000),
      })
      .strict()
      .prefault({}),
    log: z.object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') }).strict().prefault({}),
  })
  .strict();

export type Config = z.infer<typeof ConfigSchema>;
export type StoreConfig = z.infer<typeof StoreSchema>;
export type S3StoreConfig = z.infer<typeof S3StoreSchema>;
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;
