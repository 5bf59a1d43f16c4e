import { z } from 'zod';

/** One AWS record a reconstruction rests on: a configuration item, a CloudTrail event or a finding, with AWS's own time for it. */
export const ReconstructionSourceSchema = z.object({
  /** The API that returned it, e.g. `config:GetResourceConfigHistory`, `cloudtrail:LookupEvents`. */
  api: z.string(),
  resourceType: z.string().optional(),
  resourceId: z.string().optional(),
  /** The configuration item's captureTime, the event's eventTime or the finding's updatedAt (ISO 8601). */
  time: z.string().optional(),
  /** What the record says (event name, configuration item status, or why there is none). */
  detail: z.string(),
});
export type ReconstructionSource = z.infer<typeof ReconstructionSourceSchema>;

export const ReconstructionSchema = z.object({
  /** The UTC day the evidence is about (YYYY-MM-DD); the state shown is the one in effect at the end of that day. */
  asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** How the data was rebuilt, in one sentence an assessor can read. */
  method: z.string(),
  sources: z.array(ReconstructionSourceSchema),
});
export type Reconstruction = z.infer<typeof ReconstructionSchema>;

export const AttestationSealerSchema = z.object({
  signerKind: z.enum(['kms', 'local']),
  /** sts:GetCallerIdentity of the session whose credentials signed (KMS); null for a local key. */
  callerArn: z.string().nullable(),
  /** The signing key: its ARN (KMS) or `local:<fingerprint>`, and the SHA-256 fingerprint of its public key. */
  keyId: z.string(),
  keyFingerprint: z.string(),
});
export type AttestationSealer = z.infer<typeof AttestationSealerSchema>;

/**
 * The organisation-wide calls of one delegated read: the input is kept for the first call of each operation and for
 * failed calls (the rest differ only by a page token or id batch), with AWS's request id and the error of each.
 */
export const SharedRequestsSchema = z.array(z.object({ operation: z.string(), input: z.unknown().optional(), requestId: z.string().optional(), error: z.string().optional() }));
export type SharedRequests = z.infer<typeof SharedRequestsSchema>;

/** A member record's reference to the organisation-wide read its part was taken from (a record of the same run). */
export const DelegatedReadRefSchema = z.object({
  recordId: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** How many organisation-wide calls the read lists (every page). */
  requests: z.number().int().nonnegative(),
});
export type DelegatedReadRef = z.infer<typeof DelegatedReadRefSchema>;

/**
 * Query id prefix of the record of an organisation-wide read (collect.mode delegated-admin): one per read and run,
 * `delegated-read:<read>` in the audit account and the read's region. Its body lists every call the read made; the
 * member records whose parts it answered cite it (`provenance.via.read`). It is evidence of how the members' records
 * were obtained, not of any requirement: no query evaluates it.
 */
export const DELEGATED_READ_QUERY_PREFIX = 'delegated-read:';

export function isDelegatedReadQuery(queryId: string): boolean {
  return queryId.startsWith(DELEGATED_READ_QUERY_PREFIX);
}

/**
 * What is wrong with a member record's reference to its delegated read, given the records of the run that sealed the
 * member record (by record id); undefined when the run names that read record with that SHA-256. A reference to a
 * record the run does not name, or to another body, or to a record that is no read, is refused: only the run's own
 * signed manifest binds a read to the members' records.
 */
export function delegatedReadRefProblem(citing: string, ref: DelegatedReadRef, runRecord: (recordId: string) => Pick<ManifestRecord, 'queryId' | 'sha256'> | undefined): string | undefined {
  const cites = `record ${citing} cites organisation-wide read ${ref.recordId} (SHA-256 ${ref.sha256})`;
  if (!isDelegatedReadQuery(ref.recordId)) return `${cites}, which is not the record id of an organisation-wide read (${DELEGATED_READ_QUERY_PREFIX}…)`;
  const rec = runRecord(ref.recordId);
  if (!rec) return `${cites}, which the same run's signed manifest does not list: the member record's requests cannot be read`;
  if (!isDelegatedReadQuery(rec.queryId)) return `${cites}, but the run lists that record id for query ${rec.queryId}, not an organisation-wide read`;
  if (rec.sha256 !== ref.sha256) return `${cites}, but the run's signed manifest lists that read with SHA-256 ${rec.sha256}`;
  return undefined;
}

/**
 * The body of an evidence record, stored content-addressed (its SHA-256 names it). It carries no
 * timestamp of its own so an unchanged configuration is stored once and proven by every run that
 * cites it; when it was collected lives in the run manifest's entry for it.
 */
export const EvidenceBodySchema = z.object({
  schema: z.literal('evidence-locker/evidence@1'),
  queryId: z.string(),
  accountId: z.string(),
  region: z.string(),
  status: z.enum(['ok', 'error']),
  /** IAM actions called, in order. */
  operations: z.array(z.string()),
  /** Every SDK call with its request parameters (and error code, if it failed after retries). */
  requests: z.array(z.object({ operation: z.string(), input: z.unknown(), error: z.string().optional() })),
  /** Verbatim API responses (without `$metadata`), as the query's collect arranged them. */
  data: z.unknown().optional(),
  /** For an error record: what failed and what to do. */
  error: z
    .object({ code: z.string(), message: z.string(), operation: z.string().optional(), hint: z.string().optional() })
    .optional(),
  /** AWS SDK for JavaScript version that made the calls. */
  sdkVersion: z.string(),
  /** Values taken out before sealing (secrets), each replaced in `data` by a marker naming the field and the rule. */
  redactions: z.array(z.object({ path: z.string(), rule: z.string() })).optional(),
  /** Where the evidence came from: what was called, as whom, and AWS's own ids for every response. */
  provenance: z
    .object({
      /** Origin of the endpoint the SDK called (from the request it sent); `endpoints` lists them all when several. */
      endpoint: z.string().nullable(),
      endpoints: z.array(z.string()).optional(),
      /**
       * The origins each operation's calls went to (every page), by IAM action, so that each can be matched to its own
       * service; absent in bodies sealed before it was recorded.
       */
      endpointsByOperation: z.record(z.string(), z.array(z.string())).optional(),
      /** sts:GetCallerIdentity of the session the calls were made with; null when it could not be called. */
      callerArn: z.string().nullable(),
      /** The AWS request id of every call (every page), in order, as the service returned it. */
      requestIds: z.array(z.string()),
      /** The HTTP Date header of every response, in order (ISO 8601). */
      responseDates: z.array(z.string()),
      tool: z.object({ name: z.string(), version: z.string() }),
      sdkVersion: z.string(),
      /** Evidence read through an organisation-wide aggregator or administrator (collect.mode delegated-admin), not in the member account itself. */
      via: z
        .object({
          /** What answered: `config-aggregator`, `guardduty-administrator`, `securityhub-administrator`, `inspector-administrator`, `macie-administrator`, `access-analyzer-organization`, `cloudtrail-lake`. */
          kind: z.string(),
          /** The audit (delegated administrator) account the calls were made from, and its region. */
          accountId: z.string(),
          region: z.string(),
          /** sts:GetCallerIdentity of the audit account's session; null when it could not be called. */
          callerArn: z.string().nullable(),
          /** The Config aggregator's name, for `config-aggregator`. */
          aggregator: z.string().optional(),
          /** The CloudTrail Lake event data store (ARN or id, as configured), for `cloudtrail-lake`. */
          eventDataStore: z.string().optional(),
          /**
           * Bodies sealed before reads were sealed on their own: the organisation-wide calls whose responses this member's
           * part was taken from, copied into every member's record (`SharedRequestsSchema`). Newer bodies cite `read`.
           */
          sharedRequests: SharedRequestsSchema.optional(),
          /**
           * The organisation-wide read this member's part was taken from, sealed once in the same run as its own record
           * (`DELEGATED_READ_QUERY_PREFIX`): its record id and SHA-256, and how many calls it lists. Verifiers check that
           * the run's signed manifest names that record with that SHA-256.
           */
          read: DelegatedReadRefSchema.optional(),
          /** The origins the organisation-wide calls of each operation went to; absent in bodies sealed before it was recorded. */
          endpointsByOperation: z.record(z.string(), z.array(z.string())).optional(),
        })
        // One form or the other: the requests inline (older bodies) or the sealed read cited.
        .refine((v) => (v.sharedRequests === undefined) !== (v.read === undefined), { message: 'a delegated read is cited either by its requests (sharedRequests) or by its sealed record (read), exactly one of the two' })
        .optional(),
    })
    .optional(),
  /** For evidence rebuilt afterwards from what AWS kept (`backfill`): never a snapshot taken on the day it is about. */
  reconstruction: ReconstructionSchema.optional(),
  /** For attestations (manual evidence): who attested, what, and the document's own hash. */
  attestation: z
    .object({
      framework: z.string(),
      requirement: z.string(),
      by: z.string(),
      note: z.string(),
      file: z.object({ name: z.string(), sha256: z.string(), size: z.number(), mediaType: z.string() }).optional(),
      /**
       * What the tool established about who sealed it (`by` is only what the attester wrote): the signing key, and for a
       * KMS key the sts:GetCallerIdentity ARN of the session that signed; a local key has no AWS identity (null).
       * Absent in attestations sealed before it was recorded.
       */
      sealedBy: AttestationSealerSchema.optional(),
    })
    .optional(),
});
export type EvidenceBody = z.infer<typeof EvidenceBodySchema>;

/** One evidence record as listed in a run manifest. */
export const ManifestRecordSchema = z.object({
  /** Stable within a run: `<queryId>/<accountId>/<region>`. */
  recordId: z.string(),
  queryId: z.string(),
  accountId: z.string(),
  region: z.string(),
  status: z.enum(['ok', 'error']),
  collectedAt: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** Store-specific location (S3 key and version id, or local relative path). */
  location: z.object({ key: z.string(), versionId: z.string().optional() }).optional(),
});
export type ManifestRecord = z.infer<typeof ManifestRecordSchema>;

export function recordIdOf(queryId: string, accountId: string, region: string): string {
  return `${queryId}/${accountId}/${region}`;
}

/** One line for the report: which aggregator or administrator an evidence body was read through. */
/**
 * What each organisation-wide source shows of a member and what it does not, for the reports' method section. Keyed by
 * the start of describeVia's text, which is what a result's evidence reference keeps (`EvidenceRef.via`).
 */
export const VIA_SOURCE_MEANINGS: readonly { readonly startsWith: string; readonly meaning: string }[] = [
  { startsWith: 'AWS Config aggregator', meaning: "AWS Config aggregator: the configuration items the member's AWS Config recorder captured and the aggregator last copied to the audit account (each reason gives the capture time), not a live read of the member; a change after that capture is not in them, and a member-region the aggregator held nothing for was read in the member itself" },
  { startsWith: 'GuardDuty delegated administrator', meaning: 'GuardDuty delegated administrator: the findings and detectors of the member accounts enrolled with it (relationship Enabled), as it held them when read; an account not enrolled is not in its answer and was read in its own account' },
  { startsWith: 'Security Hub delegated administrator', meaning: "Security Hub delegated administrator: the active PCI DSS control findings of the member accounts enrolled with it; an account not enrolled is not in its answer, and which standards a member enabled and which controls it disabled were read in the member" },
  { startsWith: 'Amazon Inspector delegated administrator', meaning: "Amazon Inspector delegated administrator: the status, coverage and findings of the member accounts associated with it and enabled; an account not associated is not in its answer and was read in its own account, and the member's own suppression rules were read in the member" },
  { startsWith: 'Amazon Macie administrator', meaning: "Amazon Macie administrator: the card-data findings and automated discovery status of the member accounts enabled with it; an account not enabled is not in its answer and was read in its own account, and the member's own Macie settings were read in the member" },
  { startsWith: 'IAM Access Analyzer organization analyzer', meaning: "IAM Access Analyzer organization analyzer: the active findings of resources shared outside the organisation (its zone of trust) in the analyzer's region; sharing between the organisation's accounts is not a finding of it, and a region without an organization analyzer was read in each account" },
  { startsWith: 'CloudTrail Lake event data store', meaning: "CloudTrail Lake event data store: the events the store holds for each member account and region in the look-back window, with the count of its management events there; an account or region whose events the store does not receive shows none, which does not show that none happened" },
];

/** The meanings (VIA_SOURCE_MEANINGS) of the organisation-wide sources evidence references name (`EvidenceRef.via`), in the table's order. */
export function viaSourceMeanings(vias: Iterable<string>): string[] {
  const seen = [...new Set(vias)];
  return VIA_SOURCE_MEANINGS.filter((m) => seen.some((v) => v.startsWith(m.startsWith))).map((m) => m.meaning);
}

/** The reports' method paragraph on evidence read through the organisation, or '' when no evidence reference names one. */
export function organisationReadsStatement(vias: Iterable<string>): string {
  const meanings = viaSourceMeanings(vias);
  if (!meanings.length) return '';
  return `Evidence read through the organisation (collect.mode delegated-admin): a member record whose evidence names "via" was not read in the member account; it holds the member's part of an organisation-wide read the audit account made, kept in the package as a record of its own (evidence-index.csv evidence_kind organisation-read). It shows what that source held for the member when read, not the member's own view. ${meanings.map((m) => `${m}.`).join(' ')}`;
}

export function describeVia(via: NonNullable<NonNullable<EvidenceBody['provenance']>['via']>): string {
  const where = `audit account ${via.accountId}, ${via.region}`;
  if (via.kind === 'config-aggregator') return `AWS Config aggregator ${via.aggregator ?? ''} (${where})`.replace('  ', ' ');
  if (via.kind === 'guardduty-administrator') return `GuardDuty delegated administrator (${where})`;
  if (via.kind === 'securityhub-administrator') return `Security Hub delegated administrator (${where})`;
  if (via.kind === 'inspector-administrator') return `Amazon Inspector delegated administrator (${where})`;
  if (via.kind === 'macie-administrator') return `Amazon Macie administrator (${where})`;
  if (via.kind === 'access-analyzer-organization') return `IAM Access Analyzer organization analyzer (${where})`;
  if (via.kind === 'cloudtrail-lake') return `CloudTrail Lake event data store ${via.eventDataStore ?? ''} (${where})`.replace('  ', ' ');
  return `${via.kind} (${where})`;
}

/** The account of an ARN (its fifth field), when it has one. */
function arnAccount(arn: string): string | undefined {
  return /^arn:aws[\w-]*:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1];
}

/**
 * Who an attestation names and who sealed it, for reports: the name is the attester's statement, never shown as
 * established; the caller and key are what the tool recorded when it sealed (absent in attestations sealed before).
 */
export function describeAttester(by: string, sealedBy: AttestationSealer | undefined): string {
  const stated = `${by} (stated)`;
  if (!sealedBy) return `${stated} \u2014 caller identity not recorded`;
  if (sealedBy.signerKind === 'local') return `${stated} \u2014 sealed with local key ${sealedBy.keyFingerprint}, no AWS identity`;
  if (sealedBy.callerArn === null) return `${stated} \u2014 sealed with key ${sealedBy.keyId}, caller identity not recorded`;
  return `${stated} \u2014 sealed by ${sealedBy.callerArn}${sessionNameNote(sealedBy.callerArn)} with key ${sealedBy.keyId}`;
}

/**
 * An assumed-role caller (`arn:<partition>:sts::<account>:assumed-role/<role>/<session>`) establishes the role and its
 * account; the session name is whatever the one who assumed the role passed (a federated user's name, or any text).
 */
function sessionNameNote(callerArn: string): string {
  const m = /^arn:[^:]+:sts::\d{12}:assumed-role\/[^/]+\/(.+)$/.exec(callerArn);
  return m ? ` (its session name "${m[1]}" is chosen by whoever assumed the role: it does not identify a person)` : '';
}

/**
 * Whether a recorded sealing caller is the IAM principal an exceptions register names as the approver: an IAM user is
 * its own caller ARN; an IAM role (`arn:<p>:iam::<account>:role/<path>/<name>`) is any session of that role
 * (`arn:<p>:sts::<account>:assumed-role/<name>/<session>`; a session ARN carries no path, so the role's name and
 * account decide). Anything else does not match.
 */
export function callerIsPrincipal(callerArn: string, principalArn: string): boolean {
  const user = /^arn:([^:]+):iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  if (user) return callerArn === principalArn;
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(principalArn);
  if (!role) return false;
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return !!session && session[1] === role[1] && session[2] === role[2] && session[3] === role[3];
}

/**
 * When the recorded caller's account is neither one of `accounts` (those whose evidence the attestation goes with) nor
 * the signing key's account: a sentence saying so, for the assessor to ask about (not an error). Otherwise undefined.
 */
export function attesterAccountNote(sealedBy: AttestationSealer | undefined, accounts: readonly string[]): string | undefined {
  if (!sealedBy?.callerArn) return undefined;
  const caller = arnAccount(sealedBy.callerArn);
  if (!caller) return undefined;
  const keyAccount = arnAccount(sealedBy.keyId);
  if (accounts.includes(caller) || caller === keyAccount) return undefined;
  return `the sealing session's account ${caller} is neither ${accounts.length ? `an account this evidence covers (${accounts.join(', ')})` : 'an assessed account'} nor the signing key's account${keyAccount ? ` (${keyAccount})` : ''}: ask who in ${caller} may sign with the key`;
}
