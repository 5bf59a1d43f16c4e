import { z } from 'zod';
import { ManifestRecordSchema } from './record.js';
import { RefusalsUnreadSchema, SealAttemptSchema, SealRefusalRefSchema } from './refusal.js';

export const RUN_KINDS = ['collection', 'attestation', 'legal-hold'] as const;

/** Whether a text is a time exactly as the seal writes one (`toISOString`: UTC, to the millisecond). */
export function isSealTime(text: string): boolean {
  const at = Date.parse(text);
  return !Number.isNaN(at) && new Date(at).toISOString() === text;
}

/**
 * A run's start or completion: signed, and read by every check of when a run was sealed (its span, the server's write
 * time, the period it belongs to), so it must read as one instant to every verifier; text no parser reads as a time
 * would pass those checks unjudged.
 */
const SealTimeSchema = z.string().refine(isSealTime, { message: 'not a time as evidence-locker writes one (YYYY-MM-DDTHH:MM:SS.sssZ, UTC), so when the run was sealed cannot be judged' });

/** The most shards a collection is split into (`collect --shard i/n`, `daemon --shard`): verifiers refuse a run signing more. */
export const MAX_SHARD_COUNT = 1000;

/**
 * A run manifest: every evidence record the run produced, each with its SHA-256, chained to the previous
 * run of the same chain by that run's manifest hash, and signed (detached signature in `manifest.sig`).
 */
export const RunManifestSchema = z.object({
  schema: z.literal('evidence-locker/run-manifest@1'),
  runId: z.string(),
  kind: z.enum(RUN_KINDS),
  /** Runs form one hash chain per chain id (one per shard of a schedule). */
  chain: z.string(),
  tool: z.object({ name: z.string(), version: z.string(), sdkVersion: z.string() }),
  startedAt: SealTimeSchema,
  completedAt: SealTimeSchema,
  status: z.enum(['complete', 'complete-with-gaps']),
  scope: z.object({
    accounts: z.array(z.string()),
    regions: z.array(z.string()),
    frameworks: z.array(z.string()),
    queries: z.array(z.string()),
  }),
  shard: z
    .object({
      index: z.number().int(),
      // Verifiers count a slot's shards up to it: a signed count no collector writes must not make them loop for ever.
      count: z.number().int().max(MAX_SHARD_COUNT, { message: `a shard count over ${MAX_SHARD_COUNT}, the most collect --shard i/n takes: no evidence-locker collection seals such a run` }),
      slot: z.string(),
    })
    // collect --shard i/n takes an index from 1 to the count: a signed shard outside that fills no shard of its slot.
    .refine((s) => s.count >= 1 && s.index >= 1 && s.index <= s.count, { message: 'a shard index outside 1 to its count, which collect --shard i/n never takes: no evidence-locker collection seals such a run', path: ['index'] })
    .optional(),
  previous: z.object({ runId: z.string(), manifestSha256: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
  store: z.object({
    kind: z.enum(['local', 's3']),
    location: z.string(),
    objectLockMode: z.enum(['COMPLIANCE', 'GOVERNANCE']).optional(),
    retainUntil: z.string().optional(),
    note: z.string().optional(),
  }),
  signing: z.object({ algorithm: z.string(), keyFingerprint: z.string(), keyId: z.string() }),
  /** Set by the command that started the simulated AWS itself (`demo`): the run's evidence is not about a real account. */
  simulated: z.boolean().optional(),
  /**
   * A collection on a store that dates writes itself (S3): the random secret (32 bytes, hex) it drew when it started.
   * Only its SHA-256 was written into the run folder's start file (`RUN_START_FILE`) before the first AWS call, so the
   * start file's write time counts for this run only if the hashes agree: whoever seals a run later under the id of a
   * collection that started and stopped before sealing does not know that collection's secret. Absent: a run sealed
   * without a start file, or before start files named a secret.
   */
  startSecret: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** How each account's credentials were obtained: the role assumed (if any), whether an external id was passed (never the id), who the calls ran as. */
  sessions: z
    .array(
      z.object({
        accountId: z.string(),
        credentials: z.enum(['assumed-role', 'default-chain']),
        roleArn: z.string().optional(),
        externalIdUsed: z.boolean(),
        callerArn: z.string().nullable(),
      }),
    )
    .optional(),
  /**
   * Set on a run that rebuilt a past day from what AWS kept (`backfill`): the day it is about, and every query that
   * could not be rebuilt (its record is an error record: a gap for that day, never a pass).
   */
  reconstruction: z
    .object({
      asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      reconstructed: z.array(z.string()),
      notReconstructed: z.array(z.object({ queryId: z.string(), reason: z.string() })),
    })
    .optional(),
  /**
   * Earlier attempts to seal this same evidence, abandoned because someone else had put files in their run folder that
   * readers would take instead of the seal's (`RunFilesPlanted`): each attempt's run id, why, and the planted files.
   * Nothing links to an abandoned id; this run's `previous` is the link that attempt would have had.
   */
  sealAttempts: z.array(SealAttemptSchema).optional(),
  /**
   * Seals of this chain refused since the previous sealed run (`previous`): every attempt's run folder had files planted
   * by someone else, and the seal wrote a signed refusal record instead (`refusals/`). Each is named by path, version
   * and SHA-256, so the refusal is carried in the hash chain whatever is added under `refusals/` later.
   */
  refusals: z.array(SealRefusalRefSchema).optional(),
  /**
   * Objects under `refusals/` named like refusal records since the previous sealed run that this run's seal did not read
   * (more than it reads were there): their count and the first few. A refused seal among them is not in `refusals`.
   * Absent: the seal read every such object (or was made before seals recorded this).
   */
  refusalsUnread: RefusalsUnreadSchema.optional(),
  /** Account-level problems (role not assumable, region discovery failed) that are gaps with no record. */
  gaps: z.array(z.object({ accountId: z.string(), region: z.string().optional(), queryId: z.string().optional(), reason: z.string() })),
  records: z.array(ManifestRecordSchema),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;
