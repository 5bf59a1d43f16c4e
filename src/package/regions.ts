import type { ScopeConfig } from '../config/scope.js';
import type { EvidenceBody } from '../evidence/record.js';
import type { RunManifest } from '../evidence/manifest.js';
import { regionOutOfScope, runRegions } from '../evaluate/regions.js';

/** One account's regions over the period: enabled (as the runs recorded them) against collected. */
export interface AccountRegionCoverage {
  accountId: string;
  /** Collection runs of the period that covered the account. */
  runs: number;
  /** Enabled regions recorded by any run of the period (account.enabled-regions), sorted. */
  enabled: string[];
  /** Regions any run of the period collected regional evidence in for the account, sorted. */
  collected: string[];
  /** Enabled regions no run of the period collected, each with, per framework, why its scope leaves the region out (absent: it does not). */
  uncollected: { region: string; outOfScope: Record<string, string | undefined> }[];
  /** Runs in which the enabled regions could not be read (ListRegions denied or failed, account not reached). */
  unknown: { runId: string; why: string }[];
  /** Runs sealed without account.enabled-regions (by an earlier version: before it was recorded, or an explicit --queries list that left it out). */
  notRecorded: string[];
}

/** Folds the collection runs of the period in, one manifest at a time (as the package reads them). */
export class RegionCoverageBuilder {
  /** Bodies are content-addressed and an account's regions rarely change: each distinct answer is read once per package. */
  private readonly bodies = new Map<string, Promise<EvidenceBody>>();
  private readonly by = new Map<string, { runs: number; enabled: Set<string>; collected: Set<string>; unknown: { runId: string; why: string }[]; notRecorded: string[] }>();

  constructor(
    private readonly accounts: readonly string[],
    private readonly frameworks: readonly string[],
    private readonly scope: ScopeConfig,
  ) {
    for (const a of accounts) this.by.set(a, { runs: 0, enabled: new Set(), collected: new Set(), unknown: [], notRecorded: [] });
  }

  async addRun(manifest: RunManifest, load: (sha256: string) => Promise<EvidenceBody>): Promise<void> {
    if (manifest.kind !== 'collection') return;
    const accounts = manifest.scope.accounts.filter((a) => this.by.has(a));
    const cached = (sha: string) => {
      let p = this.bodies.get(sha);
      if (!p) {
        p = load(sha);
        // A failed read is not kept: the next run's record is read again.
        p.catch(() => this.bodies.delete(sha));
        this.bodies.set(sha, p);
      }
      return p;
    };
    for (const [accountId, r] of await runRegions(manifest, accounts, cached)) {
      const acc = this.by.get(accountId)!;
      acc.runs++;
      for (const c of r.collected) acc.collected.add(c);
      if (r.state === 'known') for (const e of r.enabled) acc.enabled.add(e);
      else if (r.state === 'unknown') acc.unknown.push({ runId: manifest.runId, why: r.why });
      else acc.notRecorded.push(manifest.runId);
    }
  }

  finish(): AccountRegionCoverage[] {
    return [...this.by].map(([accountId, a]) => {
      const enabled = [...a.enabled].sort();
      const collected = [...a.collected].sort();
      const uncollected = enabled
        .filter((r) => !a.collected.has(r))
        .map((region) => ({ region, outOfScope: Object.fromEntries(this.frameworks.map((fw) => [fw, regionOutOfScope(this.scope[fw], accountId, region)])) }));
      return { accountId, runs: a.runs, enabled, collected, uncollected, unknown: a.unknown, notRecorded: a.notRecorded };
    });
  }
}

/** Whether the account's regions leave something the report must put first: uncollected regions in scope, or unknown ones. */
export function regionsNeedAttention(c: AccountRegionCoverage): boolean {
  return c.unknown.length > 0 || c.uncollected.some((u) => Object.values(u.outOfScope).some((why) => why === undefined));
}

/**
 * The sentences every view prints about one account's regions (PDF population section, index.html scope, OSCAL):
 * what was enabled, what was collected, what was not and why it does or does not matter, what is unknown.
 */
export function regionCoverageLines(c: AccountRegionCoverage): string[] {
  const lines: string[] = [];
  const recorded = c.runs - c.unknown.length - c.notRecorded.length;
  lines.push(
    recorded > 0
      ? `account ${c.accountId}: ${c.enabled.length} enabled region(s) recorded by account:ListRegions in ${recorded} of ${c.runs} run(s): ${c.enabled.join(', ')}; collected in the period (a region counts when a run looked at it, even if its reads failed; failed reads are gaps; a run that proves no day counts for no region): ${c.collected.join(', ') || 'none'}`
      : `account ${c.accountId}: collected in the period: ${c.collected.join(', ') || 'none'}; its enabled regions were not read by any run of the period`,
  );
  if (recorded > 0 && !c.uncollected.length) lines.push(`account ${c.accountId}: every enabled region recorded was looked at by a run of the period (reads that failed there are gaps)`);
  // Regions grouped by how each framework's scope treats them, so fifteen regions excluded for one reason read as one line.
  const groups = new Map<string, { open: string[]; out: [string, string][]; regions: string[] }>();
  for (const u of c.uncollected) {
    const entries = Object.entries(u.outOfScope);
    const open = entries.filter(([, why]) => why === undefined).map(([fw]) => fw);
    const out = entries.filter((e): e is [string, string] => e[1] !== undefined);
    const key = JSON.stringify([open, out]);
    const g = groups.get(key) ?? { open, out, regions: [] };
    g.regions.push(u.region);
    groups.set(key, g);
  }
  for (const g of groups.values()) {
    const byWhy = new Map<string, string[]>();
    for (const [fw, why] of g.out) byWhy.set(why, [...(byWhy.get(why) ?? []), fw]);
    const outText = byWhy.size ? `declared out of scope (${[...byWhy].map(([why, fws]) => `${fws.join(', ')}: ${why}`).join('; ')})` : '';
    lines.push(
      g.open.length
        ? `account ${c.accountId}: ENABLED BUT NEVER COLLECTED in the period, in scope for ${g.open.join(', ')}: ${g.regions.join(', ')}; requirements with regional checks need review on the days a run left them out${outText ? `; ${outText}` : ''}`
        : `account ${c.accountId}: enabled but never collected, ${outText}: ${g.regions.join(', ')}`,
    );
  }
  if (c.unknown.length) {
    lines.push(`account ${c.accountId}: ENABLED REGIONS UNKNOWN in ${c.unknown.length} of ${c.runs} run(s) (${c.unknown[c.unknown.length - 1].why}); requirements with regional checks need review on those days unless the declared scope leaves the account out or names only collected regions`);
  }
  if (c.notRecorded.length) {
    lines.push(`account ${c.accountId}: enabled regions not recorded by ${c.notRecorded.length} of ${c.runs} run(s) (sealed by an earlier version of evidence-locker: before it recorded them, or with an explicit --queries list that left them out): which enabled regions those runs left out is not known, and their results are as they were judged`);
  }
  return lines;
}

/** One line for the cover and the summary view: the regions collected, and what of the enabled ones was not. */
export function regionSummary(regions: string[], coverage: AccountRegionCoverage[]): string {
  const parts = [regions.join(', ') || '-'];
  const open = new Set<string>();
  const out = new Set<string>();
  for (const c of coverage) {
    for (const u of c.uncollected) (Object.values(u.outOfScope).some((w) => w === undefined) ? open : out).add(`${c.accountId} ${u.region}`);
  }
  if (open.size) parts.push(`${open.size} ENABLED REGION(S) NEVER COLLECTED and not declared out of scope`);
  if (out.size) parts.push(`${out.size} other enabled region(s) not collected, declared out of scope`);
  const unknown = coverage.filter((c) => c.unknown.length).length;
  if (unknown) parts.push(`ENABLED REGIONS UNKNOWN for ${unknown} account(s)`);
  const notRecorded = coverage.filter((c) => c.notRecorded.length && c.notRecorded.length === c.runs).length;
  if (notRecorded) parts.push(`enabled regions not recorded for ${notRecorded} account(s)`);
  if (open.size || out.size || unknown || notRecorded) parts.push('see Scope: enabled regions');
  return parts.join('; ');
}
