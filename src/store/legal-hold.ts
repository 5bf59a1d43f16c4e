import type { EvidenceBody } from '../evidence/record.js';
import { ConfigError, EvidenceLockerError } from '../errors.js';
import { putEvidenceBody, sealRun, type SealedRun } from '../seal/seal.js';
import { RUN_FILES, RUN_START_FILE } from '../evidence/layout.js';
import type { Period } from '../evidence/period.js';
import { assertCanSign, type ManifestSigner } from '../seal/signer.js';
import { SDK_VERSION } from '../version.js';
import { mapWithConcurrencyLimit } from '../concurrency-limit.js';
import type { Logger } from '../log/logger.js';
import { RunClassifier, censusOfPeriod, describeForeign, refusedAttemptsThatAreRuns, trustPolicy, type ForeignObject, type TrustedRun, type TrustPolicy } from '../seal/trust.js';
import type { EvidenceStore } from '../evidence/store.js';
import { mayBeRefusalSince, readRefusedBodyList, refusalCensus, refusalNameTime, type TrustedRefusal, refusedAttemptIsRun } from '../seal/refusals.js';
import type { RefusedBodies, SealRefusalRef } from '../evidence/refusal.js';

export type LegalHoldAction = 'hold' | 'release';

/** The objects found in the run folder of one attempt of a refused seal, held or released with its refusal record. */
export interface RefusedAttemptObjects {
  /** The signed refusal record that names the attempt. */
  record: string;
  runId: string;
  objects: { key: string; versionId?: string }[];
}

/** What the signed record of a hold says of the refused attempts' run folders it covers. */
export const REFUSED_ATTEMPTS_NOTE =
  'the run folders of the attempts of a refused seal, every version of every file: any the collector wrote there that day (unsealed: no sealed run vouches for them) and the files someone else planted, held too as part of what happened; the evidence bodies those attempts stored under objects/ are in refusedBodies';

/** The evidence bodies a refused seal's run stored under `objects/`, as the list its signed refusal record names gives them. */
export interface RefusedBodyObjects {
  /** The signed refusal record that names the list. */
  record: string;
  /** The stored list (its SHA-256, and where it was read), held too; absent when the record names none. */
  list?: { sha256: string; key: string; versionId?: string };
  /**
   * The body versions the list names (a body another run also names is held all the same: a hold only keeps a version),
   * less those an earlier record's list names too, which are listed under that record only (`alsoListedUnder`).
   */
  objects: { key: string; versionId?: string }[];
  /**
   * The earlier record whose entry lists this same list (the same SHA-256, so the same bodies): the bodies are listed
   * there only and `objects` is empty. `list` stays: this record names a list all the same.
   */
  sameListAs?: string;
  /** Body versions this list names that the list of an earlier record names too: listed once, under that record's entry. */
  alsoListedUnder?: { record: string; objects: { key: string; versionId?: string }[] }[];
  /** Why the bodies are not held: the record names no list (written before lists were kept), or the list cannot be read. */
  notHeld?: string;
  /**
   * A record naming no list whose attempt's run id is a run sealed by a trusted key and held by this action: the bodies
   * that run's signed manifest names are held as its objects (the record contradicts the run; the log names both).
   */
  heldAsRun?: { runId: string; note: string };
}

/** What the signed record of a hold says of the refused runs' bodies it covers. */
export const REFUSED_BODIES_NOTE =
  'the evidence bodies a refused seal\'s run stored under objects/ (its records were never sealed), as the list its signed refusal record names (SHA-256 and size signed in the record) gives them, and that list itself: the bodies of a refused collection, held so an assessor can still read what it collected. A body that a sealed run also names is the same object and is held once; holding it for this reason too changes nothing for that run. A body the lists of two refused runs name is listed once, under the objects of the first record; the other record names it under alsoListedUnder with that record. Two records naming the same list (the same SHA-256) each give it under list; the bodies are listed under the first, and the other says sameListAs with that record. A refusal record written before these lists were kept names no list: its bodies are not held (notHeld says so); they are still stored under their SHA-256 until their retention ends (evidence-locker store orphans lists them)';

/** What the signed record of a hold says of its `objects`, so each version it names is named once. */
export const HELD_OBJECTS_NOTE =
  'objects: the versions held for the runs and the signed refusal records; the files of refused attempts\' run folders are named under refusedAttempts and the bodies of refused runs, with their lists, under refusedBodies, each version once in the record (a body a run also names is named under refusedBodies only); held: how many versions the action covered in all';

export interface LegalHoldOutcome {
  action: LegalHoldAction;
  message: string;
  runs: string[];
  objects: { key: string; versionId?: string }[];
  /** The sealed run that records the action, when one was written. */
  sealed?: SealedRun;
  /** Foreign objects found in the period: not held, reported (a refused attempt's run folder is held with its record, not listed). */
  foreign?: ForeignObject[];
  /** For each signed refusal record held, the bodies its run stored, or why they are not held. */
  refusedBodies?: RefusedBodyObjects[];
}

/**
 * Places (`hold`) or lifts (`release`) an S3 Object Lock legal hold on every object of the runs sealed in the period:
 * each version of their start files, manifests, signatures and public keys, and every evidence body they name (at the version
 * they name). Each signed refusal record of the period is held too, with every version of every file in the run
 * folders of the attempts it names (unsealed, planted files among them). The action itself is evidence: it is sealed as
 * a run of kind `legal-hold` listing what was held.
 */
export async function applyLegalHold(
  store: EvidenceStore,
  /** The signer, or how to open it (only stores with legal hold need one). */
  signer: ManifestSigner | (() => Promise<ManifestSigner>),
  opts: Period & { action: LegalHoldAction; requestedBy?: string; reason?: string; now?: () => Date; concurrency?: number; trust?: TrustPolicy; log?: Logger },
): Promise<LegalHoldOutcome> {
  const holds = store.legalHolds;
  // A hold asked for and not placed is never reported as done: a script (or a lawyer's ticket) must see it failed.
  if (!holds) {
    throw new ConfigError(
      `${opts.action}: the ${store.kind} store at ${store.describe().location} has no legal hold (its files are read-only but not locked), so no legal hold was ${opts.action === 'hold' ? 'placed' : 'lifted'} and nothing was changed`,
      'configure the s3 store (`store.kind: s3`, a bucket with Object Lock) to place and lift legal holds',
    );
  }
  // Open the signer and sign once before touching any object, so a hold is never placed without being recorded: a key
  // whose policy refuses this principal kms:Sign (only the collector and legal-hold roles may sign) fails here.
  const manifestSigner = typeof signer === 'function' ? await signer() : signer;
  await assertCanSign(
    manifestSigner,
    `no legal hold was ${opts.action === 'hold' ? 'placed' : 'lifted'}, since every hold and release is recorded as a signed run`,
    'run hold and release with --role-arn <LegalHoldRoleArn> (deploy/README.md), a role the signing key allows to sign',
  );
  const now = opts.now ?? (() => new Date());
  const startedAt = now();
  // Only runs signed by a trusted key are held as evidence; foreign runs are reported, never held as if they were ours.
  const trust = opts.trust ?? trustPolicy([await manifestSigner.fingerprint()]);
  // Headers only for the survey; each run's records are read again when its objects are listed, one run at a time.
  const classifier = new RunClassifier(store, trust, { headerOnly: true });
  const census = await censusOfPeriod(classifier, opts);
  const runs = census.trusted.filter((r) => r.manifest.kind !== 'legal-hold');
  // Signed refusal records are evidence too (a seal refused by planted files): those of the period and any a held run names.
  const refused = await refusalsOfPeriod(store, trust, opts, runs);
  // A refused attempt's run folder is held with its record below, so it is not among the objects left as they are.
  const attemptIds = new Set(refused.trusted.flatMap((r) => r.refusal.attempts.map((a) => a.runId)));
  const leftForeign = census.foreign.filter((f) => f.runId === undefined || !attemptIds.has(f.runId));
  for (const f of leftForeign) opts.log?.warn({ runId: f.runId, path: f.path, reason: f.reason, detail: f.detail }, `legal hold: foreign object left as it is: ${describeForeign(f)}`);
  for (const f of refused.foreign) opts.log?.warn({ path: f.path, versionId: f.versionId, detail: f.detail }, `legal hold: foreign object under refusals/ left as it is: ${describeForeign(f)}`);
  const foreign = [...leftForeign, ...refused.foreign];
  if (runs.length === 0 && refused.trusted.length === 0) {
    throw new EvidenceLockerError(`no sealed runs or signed refusal records between ${opts.from.toISOString()} and ${opts.to.toISOString()} in ${store.describe().location}: nothing to ${opts.action}`, {
      hint: 'check the dates (--from/--to are inclusive UTC dates) and the configured store',
    });
  }
  const targets = new Map<string, { key: string; versionId?: string }>();
  const add = (key: string, versionId?: string) => targets.set(`${key}\u0000${versionId ?? ''}`, { key, ...(versionId ? { versionId } : {}) });
  for (const r of runs) {
    const files = r.stored.versions ?? (await holds.runFileVersions(r.runId));
    // The start file a collection writes before its first AWS call is what shows, by its write time, the day the run proves.
    for (const file of [RUN_START_FILE, RUN_FILES.manifest, RUN_FILES.signature, RUN_FILES.publicKey]) for (const v of files.get(file) ?? []) add(v.key, v.versionId);
    for (const rec of await classifier.records(r)) add(rec.location?.key ?? holds.objectKey(rec.sha256), rec.location?.versionId);
  }
  for (const r of refused.trusted) add(holds.pathKey(r.ref.path), r.ref.versionId);
  // What each refused seal's attempts left in their run folders (every version of every file): the unsealed files of
  // that day's collection and the files planted beside them, held as part of what happened; the record names the ids.
  const refusedAttempts: RefusedAttemptObjects[] = [];
  const attemptsSealed = new Map<string, string[]>();
  for (const r of refused.trusted) {
    // A sealed run a record names as a refused attempt is not a refused seal's unsealed files: it is held or released
    // with its own period (the record or the run was not written by evidence-locker; verify --store names it).
    const sealed = await refusedAttemptsThatAreRuns(classifier, r.refusal.attempts);
    attemptsSealed.set(r.ref.path, sealed);
    for (const id of sealed) opts.log?.error({ path: r.ref.path, runId: id }, `legal hold: ${refusedAttemptIsRun(r.ref.path, id)}; its run folder is not ${opts.action === 'hold' ? 'held' : 'released'} as a refused attempt`);
    for (const a of r.refusal.attempts) {
      if (sealed.includes(a.runId)) continue;
      // The census's one listing of runs/ gives every folder (an attempt's has no manifest of ours); a store without it lists the folder.
      const files = (await classifier.folderVersions(a.runId)) ?? (await holds.runFileVersions(a.runId));
      const objects = [...files.keys()].sort().flatMap((file) => (files.get(file) ?? []).map((v) => ({ key: v.key, ...(v.versionId ? { versionId: v.versionId } : {}) })));
      for (const o of objects) add(o.key, o.versionId);
      refusedAttempts.push({ record: r.ref.path, runId: a.runId, objects });
    }
  }
  const attemptObjects = refusedAttempts.reduce((n, a) => n + a.objects.length, 0);
  // The bodies each refused run stored under objects/: no sealed run names them; the list its signed record names does.
  const refusedBodies: RefusedBodyObjects[] = [];
  // Each body version, by the first record whose list names it.
  const bodyListedBy = new Map<string, string>();
  // Each list read, by SHA-256: the first record naming it (a list is content-addressed, so the same SHA-256 is the same bodies).
  const listReadBy = new Map<string, string>();
  for (const r of refused.trusted) {
    const listRef = r.refusal.records.bodyList;
    if (!listRef) {
      // A refused seal never seals its records later under an attempt's run id (each attempt has a fresh id and the seal
      // gives up after the last), so no sealed run names them, unless a trusted run bears an attempt's id (a contradiction).
      const asRun = (attemptsSealed.get(r.ref.path) ?? []).find((id) => runs.some((run) => run.runId === id));
      if (asRun) {
        const note = `the record names no list of its run's bodies, but its attempt ${asRun} is a run sealed by a trusted key and held by this ${opts.action}: the bodies that run's signed manifest names are ${opts.action === 'hold' ? 'held' : 'released'} as its objects (whether they are the refused run's cannot be told without the list; the record contradicts that run)`;
        opts.log?.warn({ record: r.ref.path, runId: asRun }, `legal hold: refusal record ${r.ref.path}: ${note}`);
        refusedBodies.push({ record: r.ref.path, objects: [], heldAsRun: { runId: asRun, note } });
        continue;
      }
      opts.log?.warn({ record: r.ref.path }, `legal hold: refusal record ${r.ref.path} was written before refused seals named the list of their bodies: the bodies its run stored are not held (store orphans lists bodies no sealed run names)`);
      refusedBodies.push({ record: r.ref.path, objects: [], notHeld: notHeldWithoutList(r.refusal.records.count) });
      continue;
    }
    const list = { sha256: listRef.sha256, key: listRef.location?.key ?? holds.objectKey(listRef.sha256), ...(listRef.location?.versionId ? { versionId: listRef.location.versionId } : {}) };
    const sameListAs = listReadBy.get(listRef.sha256);
    if (sameListAs !== undefined) {
      add(list.key, list.versionId);
      refusedBodies.push({ record: r.ref.path, list, objects: [], sameListAs });
      continue;
    }
    let bodies: RefusedBodies;
    try {
      bodies = await readRefusedBodyList(store, listRef);
    } catch (err) {
      // The rest is held all the same; the signed record of the hold and its message say what was not.
      const why = (err as Error).message.split('\n')[0];
      opts.log?.error({ record: r.ref.path, list: listRef.sha256, error: why }, `legal hold: the list of bodies that refusal record ${r.ref.path} names cannot be read, so those bodies are not held: ${why}`);
      add(list.key, list.versionId);
      refusedBodies.push({ record: r.ref.path, list, objects: [], notHeld: `its list of bodies cannot be read (${why}): the list's own version is held, the bodies it names are not` });
      continue;
    }
    add(list.key, list.versionId);
    listReadBy.set(listRef.sha256, r.ref.path);
    const all: { key: string; versionId?: string }[] = bodies.bodies.map((b) => ({ key: b.location?.key ?? holds.objectKey(b.sha256), ...(b.location?.versionId ? { versionId: b.location.versionId } : {}) }));
    for (const o of all) add(o.key, o.versionId);
    // A body two refused runs stored (the same configuration collected twice) is one version: listed under the first record, named by the others.
    const objects: { key: string; versionId?: string }[] = [];
    const elsewhere = new Map<string, { key: string; versionId?: string }[]>();
    for (const o of all) {
      const first = bodyListedBy.get(`${o.key}\u0000${o.versionId ?? ''}`);
      if (first === undefined) {
        bodyListedBy.set(`${o.key}\u0000${o.versionId ?? ''}`, r.ref.path);
        objects.push(o);
      } else elsewhere.set(first, [...(elsewhere.get(first) ?? []), o]);
    }
    refusedBodies.push({ record: r.ref.path, list, objects, ...(elsewhere.size ? { alsoListedUnder: [...elsewhere].map(([record, shared]) => ({ record, objects: shared })) } : {}) });
  }
  const bodyObjects = refusedBodies.reduce((n, b) => n + b.objects.length, 0);
  const bodiesNotHeld = refusedBodies.filter((b) => b.notHeld);
  const bodiesAsRun = refusedBodies.filter((b) => b.heldAsRun);
  const objects = [...targets.values()];
  // The signed record names each version once: those of refused attempts and refused bodies under their own headings.
  const named = new Set([...refusedAttempts.flatMap((a) => a.objects), ...refusedBodies.flatMap((b) => [...(b.list ? [b.list] : []), ...b.objects])].map((o) => `${o.key}\u0000${o.versionId ?? ''}`));
  const ownObjects = objects.filter((o) => !named.has(`${o.key}\u0000${o.versionId ?? ''}`));
  const on = opts.action === 'hold';
  const { bucket, region, concurrency } = holds.holdTarget;
  await mapWithConcurrencyLimit(objects, opts.concurrency ?? concurrency, (o) => holds.setLegalHold(o.key, o.versionId, on));

  const completedAt = now();
  const body: EvidenceBody = {
    schema: 'evidence-locker/evidence@1',
    queryId: `legal-hold.${opts.action}`,
    accountId: 'evidence-store',
    region,
    status: 'ok',
    operations: ['s3:PutObjectLegalHold'],
    requests: [{ operation: 's3:PutObjectLegalHold', input: { Bucket: bucket, LegalHold: { Status: on ? 'ON' : 'OFF' }, objects: objects.length } }],
    data: {
      action: opts.action,
      legalHoldStatus: on ? 'ON' : 'OFF',
      bucket,
      period: { from: opts.from.toISOString(), to: opts.to.toISOString() },
      ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}),
      ...(opts.reason ? { reason: opts.reason } : {}),
      runs: runs.map((r) => ({ runId: r.runId, manifestSha256: r.manifestSha256 })),
      ...(refused.trusted.length ? { refusals: refused.trusted.map((r) => ({ path: r.ref.path, ...(r.ref.versionId ? { versionId: r.ref.versionId } : {}), sha256: r.sha256 })) } : {}),
      ...(refusedAttempts.length ? { refusedAttempts: { note: REFUSED_ATTEMPTS_NOTE, attempts: refusedAttempts } } : {}),
      ...(refusedBodies.length ? { refusedBodies: { note: REFUSED_BODIES_NOTE, records: refusedBodies } } : {}),
      objectsNote: HELD_OBJECTS_NOTE,
      held: objects.length,
      objects: ownObjects,
    },
    sdkVersion: SDK_VERSION,
  };
  const record = await putEvidenceBody(store, body, completedAt);
  // The holds may have taken minutes: a legal-hold run sealed meanwhile must still be this one's chain link.
  classifier.relist();
  const sealed = await sealRun(store, manifestSigner, {
    kind: 'legal-hold',
    chain: 'legal-hold',
    startedAt,
    completedAt,
    scope: { accounts: [], regions: [], frameworks: [], queries: [body.queryId] },
    records: [record],
  }, { trust: classifier, ...(opts.log ? { log: opts.log } : {}) });
  return {
    action: opts.action,
    runs: runs.map((r) => r.runId),
    objects,
    sealed,
    foreign,
    ...(refusedBodies.length ? { refusedBodies } : {}),
    message: `${foreign.length ? `${foreign.length} foreign object(s) in the period were not held (not evidence: ${foreign.map((f) => f.path).join(', ')}); ` : ''}legal hold ${on ? 'placed on' : 'lifted from'} ${objects.length} object version(s) of ${runs.length} run(s)${refused.trusted.length ? ` and ${refused.trusted.length} signed refusal record(s) (${refused.trusted.map((r) => r.ref.path).join(', ')}), with ${attemptObjects} object version(s) in the run folders of their ${refusedAttempts.length} refused attempt(s) (unsealed, and the files planted among them) and ${bodyObjects} evidence body version(s) their runs stored${bodiesNotHeld.length ? ` (not held: the bodies of ${bodiesNotHeld.map((b) => `${b.record}: ${b.notHeld}`).join('; ')})` : ''}${bodiesAsRun.length ? ` (held as a run's: ${bodiesAsRun.map((b) => `${b.record}: ${b.heldAsRun?.note}`).join('; ')})` : ''}` : ''}; recorded as run ${sealed.manifest.runId}`,
  };
}

/** Why the bodies of a refused run whose record names no list are not held, and why no sealed run holds them instead. */
export function notHeldWithoutList(records: number): string {
  return (
    `the record names no list of its run's ${records} record(s)' bodies (written before such lists were kept): they are not held, ` +
    'and no sealed run holds them in its place: a refused seal tries each attempt under a fresh run id and after the last gives up, so no signed manifest names the bodies of its records (a later run of the same evidence is a new collection, with bodies of its own)'
  );
}

/**
 * The signed refusal records a hold over the period covers: those of a trusted key whose refused collection started in
 * the period, and those a held run names (at the version it names). Only objects whose name the seal makes, dated by
 * their run id within a day of the period, or named by a held run, are read; what is read and not a trusted record
 * is returned as foreign.
 */
async function refusalsOfPeriod(store: EvidenceStore, trust: TrustPolicy, period: Period, runs: TrustedRun[]): Promise<{ trusted: TrustedRefusal[]; foreign: ForeignObject[] }> {
  const named = new Map<string, SealRefusalRef>();
  for (const r of runs) for (const ref of r.manifest.refusals ?? []) named.set(`${ref.path}\u0000${ref.versionId ?? ''}`, ref);
  const slack = 86_400_000;
  const dated = mayBeRefusalSince(new Date(period.from.getTime() - slack).toISOString());
  const isNamed = (path: string, versionId?: string) => named.has(`${path}\u0000${versionId ?? ''}`);
  const census = await refusalCensus(store, trust, (ref) => isNamed(ref.path, ref.versionId) || (dated(ref) && (refusalNameTime(ref.path) ?? 0) <= period.to.getTime() + slack));
  const trusted = census.trusted.filter((r) => {
    const ref = named.get(`${r.ref.path}\u0000${r.ref.versionId ?? ''}`);
    if (ref) return ref.sha256 === r.sha256;
    const started = Date.parse(r.refusal.startedAt);
    return started >= period.from.getTime() && started <= period.to.getTime();
  });
  return { trusted, foreign: census.foreign };
}
