import type { Catalog } from '../controls/schema.js';
import type { ChangedParameter, ParameterOverride } from '../controls/parameters.js';
import type { ScopeConfig } from '../config/scope.js';
import type { AssessorResults } from './assessor.js';
import type { StoreDescription } from '../evidence/store.js';
import type { ForeignObject } from '../seal/trust.js';
import type { ExceptionStatus } from './exceptions.js';
import type { IncludedRun, LateRunFile, RefusedSealRecord, RunNotCredited } from './gather.js';
import type { PeriodDays } from '../evidence/period.js';
import type { MissingShard } from './manifest.js';
import type { Timeline } from './timeline.js';
import type { EventSearchCoverage } from './event-coverage.js';
import type { AccountRegionCoverage } from './regions.js';

/** Everything the package views (PDF, HTML, CSV, OSCAL) are rendered from; nothing else is read. */
export interface PackageModel {
  organization: string;
  frameworks: Catalog[];
  period: PeriodDays;
  accounts: string[];
  /** Accounts the period's collection runs collected that `package --accounts` left out of this package (absent: none). */
  accountsLeftOut?: string[];
  regions: string[];
  generatedAt: string;
  /** When the package was built (the cover shows it beside the last run's time). */
  builtAt: string;
  /** Any included run was collected from the simulated AWS: every view carries "SIMULATED — NOT EVIDENCE". */
  simulated: boolean;
  contentId: string;
  /** SHA-256 of the evaluation inputs recorded in manifest.json (absent in models of older callers). */
  evaluationId?: string;
  tool: { name: string; version: string };
  signing: { algorithm: string; keyFingerprint: string; keyId: string };
  /** Every signing key seen on the included runs (fingerprint -> key id), for out-of-band confirmation. */
  runKeys: { keyFingerprint: string; keyId: string; algorithm: string }[];
  /** Keys that signed the included runs only; more than one is flagged on the cover. */
  runSigningKeys: { keyFingerprint: string; keyId: string; algorithm: string }[];
  runs: IncludedRun[];
  attestationRuns: IncludedRun[];
  timeline: Timeline;
  /** Which intervals of the period no run's CloudTrail event search covered, per account and region (absent: not computed). */
  eventSearches?: EventSearchCoverage;
  exceptions: ExceptionStatus[];
  missingShards: MissingShard[];
  /** How the evidence store protects the evidence, from the run manifests' `store` field. */
  stores: IncludedRun['manifest']['store'][];
  storeDescription?: StoreDescription;
  /** Package paths of attestation documents by their SHA-256. */
  attestationFiles: Map<string, string>;
  /** Objects in the store for the period that no trusted key signed: someone wrote into the store; never evidence. */
  foreign?: ForeignObject[];
  /**
   * Run files of included runs that the store wrote when their run says it could not have been (S3 LastModified against
   * `completedAt`): back-dated runs. Absent when the store keeps no write time its writer cannot set (not checked).
   */
  writtenLate?: LateRunFile[];
  /** The most time allowed from a run's completion to its write (`package --max-seal-delay`; compared on S3 only). */
  sealDelayMs?: number;
  /**
   * The build compared the store's write time of every object each collection run seals (evidence bodies, run files)
   * with the start file that dated the run (S3); false or absent: not compared.
   */
  bodyWriteTimesChecked?: boolean;
  /** The most time a run may state it took, start to completion (`package --max-run-span`; every store). */
  runSpanMs?: number;
  /**
   * Collection runs that prove no day (every store; on a local one, only those over `runSpanMs`): the days they claim
   * are gaps unless another run proves them (absent in models built by hand: none).
   */
  runsNotCredited?: RunNotCredited[];
  /** Seals refused by planted files in the period, each carried as a signed refusal record (absent: none or built by hand). */
  refusedSeals?: RefusedSealRecord[];
  /** Fingerprints of the keys whose runs were accepted as evidence. */
  trustedKeys?: string[];
  /** The declared scope per framework (empty: none declared, every resource of the listed accounts). */
  scope: ScopeConfig;
  /** Per account: the enabled regions the runs recorded against the regions they collected (absent in models built by hand). */
  regionCoverage?: AccountRegionCoverage[];
  /** Catalog parameters the configuration changed (absent in models built by hand: none). */
  parameterOverrides?: ParameterOverride[];
  /** The same changes as configured values: an entity declaration once, naming the requirements it reaches (absent: grouped from parameterOverrides). */
  changedParameters?: ChangedParameter[];
  /** Scope statements, per-procedure results, the findings register, the population and the summary numbers. */
  assessor: AssessorResults;
}

/** Counts of requirement x account rows by status. */
export function statusCounts(model: PackageModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of model.timeline.rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
