import { z } from 'zod';

/**
 * A seal refused by planted files: when someone else planted files in the run folder of every attempt to seal a run
 * (`RunFilesPlanted`, each time under a fresh run id), the seal writes a signed refusal record instead, so the day is
 * not silently a day without a run. The record is signed by the run's own signer over the canonical JSON of `refusal`
 * (as a manifest is) and kept, with its signature and public key, in one write-once object under `refusals/`, whose
 * name ends in 128 random bits: nobody can make or predict its key before it is written.
 */

/** Folder of signed refusal records, relative to a store's root (and in a package). */
export const REFUSALS_DIR = 'refusals';

/** The largest refusal record a reader accepts (a real one is a few KB); a larger object is refused unread. */
export const REFUSAL_MAX_BYTES = 1024 * 1024;

/** A refusal record's file name: the first attempt's run id and 32 random hex digits. */
export const REFUSAL_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}-r[0-9a-f]{32}\.json$/;

/** Store-relative path of a refusal record. */
export function refusalPath(name: string): string {
  return `${REFUSALS_DIR}/${name}`;
}

/** One abandoned attempt: its run id, why, and the files someone else planted in its run folder. */
export const SealAttemptSchema = z.object({
  runId: z.string(),
  reason: z.string(),
  planted: z.array(z.object({ key: z.string(), versionId: z.string().optional() })),
});

/**
 * The evidence bodies a refused run's records name, each once (sorted by SHA-256, then version): stored as a
 * content-addressed body under `objects/` and named by the signed refusal record (`records.bodyList`), so a legal hold
 * can find every body the refused collection stored although no sealed run names them. A refusal record is at most
 * `REFUSAL_MAX_BYTES`; the list of an organisation's run is tens of MB, so it is kept beside the record, not in it.
 */
export const RefusedBodiesSchema = z
  .object({
    schema: z.literal('evidence-locker/refused-bodies@1'),
    bodies: z.array(
      z
        .object({
          sha256: z.string().regex(/^[0-9a-f]{64}$/),
          size: z.number().int().nonnegative(),
          /** Where the seal's records say the body was written (S3 key and version, or local path). */
          location: z.object({ key: z.string(), versionId: z.string().optional() }).strict().optional(),
        })
        .strict(),
    ),
  })
  .strict();
export type RefusedBodies = z.infer<typeof RefusedBodiesSchema>;

/** How a refusal record names the stored list of its run's bodies: the list's SHA-256 and size, how many bodies it lists, and where it was written. */
export const RefusedBodyListRefSchema = z
  .object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().nonnegative(),
    bodies: z.number().int().nonnegative(),
    location: z.object({ key: z.string(), versionId: z.string().optional() }).strict().optional(),
  })
  .strict();
export type RefusedBodyListRef = z.infer<typeof RefusedBodyListRefSchema>;

/** What a refusal record states, signed. */
export const SealRefusalSchema = z
  .object({
    schema: z.literal('evidence-locker/seal-refusal@1'),
    kind: z.enum(['collection', 'attestation', 'legal-hold']),
    chain: z.string(),
    tool: z.object({ name: z.string(), version: z.string(), sdkVersion: z.string() }),
    /** The collection period of the refused run (its `startedAt`/`completedAt` had it been sealed). */
    startedAt: z.string(),
    completedAt: z.string(),
    /** When the last attempt was refused. */
    refusedAt: z.string(),
    scope: z.object({ accounts: z.array(z.string()), regions: z.array(z.string()), frameworks: z.array(z.string()), queries: z.array(z.string()) }),
    shard: z.object({ index: z.number().int(), count: z.number().int(), slot: z.string() }).optional(),
    /** The link every attempt had: the latest sealed run of the chain when the seal began. */
    previous: z.object({ runId: z.string(), manifestSha256: z.string().regex(/^[0-9a-f]{64}$/) }).nullable(),
    /** Every attempt, in order, each with the files planted in its run folder. */
    attempts: z.array(SealAttemptSchema).min(1),
    /** Records the run had; the seal is handed only records whose bodies are already stored, so all of them were. */
    records: z.object({
      count: z.number().int().nonnegative(),
      errors: z.number().int().nonnegative(),
      bodiesStored: z.number().int().nonnegative(),
      /** Where the list of those bodies is stored (`RefusedBodiesSchema`); absent in records written before it was kept, or when writing it failed. */
      bodyList: RefusedBodyListRefSchema.optional(),
    }),
    signing: z.object({ algorithm: z.string(), keyFingerprint: z.string(), keyId: z.string() }),
    simulated: z.boolean().optional(),
  })
  .strict();
export type SealRefusal = z.infer<typeof SealRefusalSchema>;

/** The stored object: the refusal, the signature over its canonical JSON (base64) and the public key (PEM). */
export const SignedSealRefusalSchema = z
  .object({
    schema: z.literal('evidence-locker/signed-seal-refusal@1'),
    refusal: z.unknown(),
    signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
    publicKeyPem: z.string(),
  })
  .strict();

/** How a sealed run's manifest names a refusal record since the previous sealed run of its chain. */
export const SealRefusalRefSchema = z.object({
  /** Store-relative path (`refusals/<name>`). */
  path: z.string(),
  /** Its version (S3). */
  versionId: z.string().optional(),
  /** SHA-256 of the stored object's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The run ids the refused seal tried, in order. */
  runIds: z.array(z.string()),
  startedAt: z.string(),
  refusedAt: z.string(),
});
export type SealRefusalRef = z.infer<typeof SealRefusalRefSchema>;

/** The most unread objects under `refusals/` a run manifest names (`refusalsUnread.first`); the rest are only counted. */
export const REFUSALS_UNREAD_NAMED = 10;

/**
 * What a seal left unread under `refusals/` (it reads at most `SEAL_REFUSAL_READS` objects named like refusal records
 * since its chain's previous run, newest first): how many, and the first `REFUSALS_UNREAD_NAMED` of them (newest first),
 * so junk cannot make a manifest grow without bound. A refused seal among them is not named by the run; the run's
 * signed manifest says so instead of staying silent.
 */
export const RefusalsUnreadSchema = z
  .object({
    count: z.number().int().positive(),
    first: z.array(z.object({ path: z.string(), versionId: z.string().optional() }).strict()).max(REFUSALS_UNREAD_NAMED),
  })
  .strict();
export type RefusalsUnread = z.infer<typeof RefusalsUnreadSchema>;
