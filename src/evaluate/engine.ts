import type { Catalog, Requirement } from '../controls/schema.js';
import type { Config } from '../config/schema.js';
import { attesterAccountNote, describeAttester, describeVia, type AttestationSealer, type EvidenceBody, type ManifestRecord } from '../evidence/record.js';
import type { RunManifest } from '../evidence/manifest.js';
import { queryById } from '../queries/index.js';
import type { EvidenceQuery, QueryParameters, ResourceStatus } from '../queries/types.js';
import { checkParameterOverrides, parameterOverrideList, requirementOverrides } from '../controls/parameters.js';
import { scopeUsesTags, type ScopeConfig } from '../config/scope.js';
import { DATA_LOCATION_PARAMETERS, markScope, type DeclaredDataLocation } from './scope.js';
import { TagIndex } from './tags.js';
import { baselineReview, loosenedReview, parameterSource } from './baseline.js';
import { regionShortfall, runRegions } from './regions.js';
import { applicability, issuingBusinessNeedText } from './applicability.js';
import type { ControlResult, ControlStatus, EvidenceRef, ResourceFinding } from './types.js';

/** A sealed attestation (manual evidence) that applies to a requirement. */
export interface AttestationRef {
  framework: string;
  requirement: string;
  by: string;
  note: string;
  runId: string;
  collectedAt: string;
  sha256: string;
  fileName?: string;
  /** Who sealed it, as the tool recorded it (absent in attestations sealed before it was recorded). */
  sealedBy?: AttestationSealer;
}

export interface EvaluateRunInput {
  manifest: RunManifest;
  loadBody(sha256: string): Promise<EvidenceBody>;
  catalogs: Catalog[];
  frameworks: string[];
  parameterOverrides?: Config['parameters'];
  attestations?: AttestationRef[];
  /** Restrict to these accounts (default: every account in the run's scope). */
  accounts?: string[];
  /** The assessed environment per framework; absent: every resource is in scope. */
  scope?: ScopeConfig;
  /** What the assessed entity is, per framework (config `entity`); absent: not declared. */
  entity?: Config['entity'];
}

const STATUS_ORDER: Record<ResourceStatus, number> = { fail: 0, 'needs-review': 1, error: 2, pass: 3, 'not-applicable': 4 };

/** Worst first, then by resource, query and region. */
const findingOrder = (a: ResourceFinding, b: ResourceFinding) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.resource.localeCompare(b.resource) || a.queryId.localeCompare(b.queryId) || a.region.localeCompare(b.region);

/** Catalog defaults < requirement parameters < config overrides. */
export function parametersFor(
  framework: string,
  requirement: Requirement,
  query: EvidenceQuery<unknown> | undefined,
  overrides: Config['parameters'] = {},
): QueryParameters {
  const params: QueryParameters = {};
  for (const [name, spec] of Object.entries(query?.parameters ?? {})) params[name] = spec.default;
  Object.assign(params, requirement.parameters);
  // The requirement's own overrides and the entity declarations it takes, wherever the configuration sets them.
  for (const [name, o] of requirementOverrides(requirement, overrides, framework)) params[name] = o.value as QueryParameters[string];
  return params;
}

/**
 * The data locations one framework's requirements declare through their queries' parameters (`cardDataBuckets`, an
 * entity declaration: one list, the same for every requirement taking it), with the configuration's overrides: each
 * pattern once, named by the first field that declares it (a configuration override's field, else the catalog's).
 */
export function declaredDataLocations(framework: string, catalog: Catalog, overrides: Config['parameters'] = {}): DeclaredDataLocation[] {
  const out = new Map<string, DeclaredDataLocation>();
  for (const req of catalog.requirements) {
    for (const queryId of req.queries) {
      const query = queryById(queryId);
      const params = parametersFor(framework, req, query, overrides);
      for (const [name, kind] of Object.entries(DATA_LOCATION_PARAMETERS)) {
        if (!query?.parameters?.[name]) continue;
        const value = params[name];
        const patterns = Array.isArray(value) ? value : typeof value === 'string' && value.trim() ? value.split(',').map((p) => p.trim()) : [];
        // An entity declaration (one list for every requirement taking it) is named by the field that sets it.
        const set = requirementOverrides(req, overrides, framework).get(name);
        const field = set ? `parameters.${framework}."${set.setUnder[0]}".${name}` : `controls/${framework}.yaml ${req.id} parameters.${name}`;
        for (const pattern of patterns) {
          const key = `${kind.resourceType}\u0000${pattern}`;
          if (pattern && !out.has(key)) out.set(key, { pattern, resourceType: kind.resourceType, queryId, field, what: kind.what });
        }
      }
    }
  }
  return [...out.values()];
}

/**
 * Evaluates one sealed run against the catalogs: one ControlResult per requirement and account.
 * Evidence bodies are evaluated once per (record, parameter set). Missing evidence is never `pass`.
 */
export async function evaluateRun(input: EvaluateRunInput): Promise<ControlResult[]> {
  const { manifest } = input;
  checkParameterOverrides(input.catalogs, input.parameterOverrides, queryById);
  // Values the requirement's text fixes that the configuration loosened (or changed in an unknown direction).
  const loosened = parameterOverrideList(input.catalogs, input.frameworks, input.parameterOverrides, queryById).filter((o) => o.loosensRequirement);
  // Unresolved OUs would otherwise read as "every account": resolveOrganizationalUnits must run first.
  const unresolved = Object.entries(input.scope ?? {}).find(([, s]) => s.organizationalUnits);
  if (unresolved) throw new Error(`scope.${unresolved[0]}.organizationalUnits must be resolved to accounts (resolveOrganizationalUnits) before evaluation`);
  const accounts = [...new Set(input.accounts ?? manifest.scope.accounts)].sort();
  const recordsByQueryAccount = new Map<string, ManifestRecord[]>();
  for (const r of manifest.records) {
    const k = `${r.queryId}\u0000${r.accountId}`;
    const list = recordsByQueryAccount.get(k) ?? [];
    list.push(r);
    recordsByQueryAccount.set(k, list);
  }
  const bodyCache = new Map<string, Promise<EvidenceBody>>();
  const load = (sha: string) => {
    let p = bodyCache.get(sha);
    if (!p) {
      p = input.loadBody(sha);
      bodyCache.set(sha, p);
    }
    return p;
  };
  const runGaps = manifest.gaps;
  const results: ControlResult[] = [];
  // Tag selectors judge every resource against the run's own sealed tags.
  const tagIndex = scopeUsesTags(input.scope, input.frameworks) ? await TagIndex.fromRecords(manifest.records, load) : undefined;
  // The account's enabled regions against those this run collected: regional checks say nothing of the others.
  const accountRegions = await runRegions(manifest, accounts, load);

  for (const frameworkId of input.frameworks) {
    const catalog = input.catalogs.find((c) => c.framework === frameworkId);
    if (!catalog) throw new Error(`framework ${frameworkId} is not among the loaded catalogs`);
    const first = results.length;
    for (const req of catalog.requirements) {
      for (const accountId of accounts) {
        results.push(await evaluateRequirement(frameworkId, req, accountId));
      }
    }
    const byAccount = new Map<string, ResourceFinding[]>();
    for (const r of results.slice(first)) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), ...r.findings]);
    markScope(frameworkId, input.scope, byAccount, tagIndex && ((a, res, g) => tagIndex.tagsOf(a, res, g)), declaredDataLocations(frameworkId, catalog, input.parameterOverrides));
    const reqs = new Map(catalog.requirements.map((r) => [r.id, r]));
    // After the scope is marked: data the entity declares a need to keep still shows where the declared scope is wrong.
    const need = issuingBusinessNeedText(frameworkId, input.entity?.[frameworkId]);
    for (let i = first; i < results.length; i++) {
      if (need) results[i] = reviewAgainstIssuingNeed(results[i], need, input.entity![frameworkId].issuerWithBusinessNeed!.justificationDocument);
      const r = results[i];
      if (r.coverage === 'automated' || r.coverage === 'partial') results[i] = capForRegions(judge(r, reqs.get(r.requirementId)!), reqs.get(r.requirementId)!, frameworkId);
      results[i] = applyApplicability(results[i], reqs.get(r.requirementId)!, frameworkId);
    }
  }
  return results;

  /**
   * A requirement limited to an entity type (catalog `appliesTo`): for an entity declared not of that type, proposed not
   * applicable (what the checks found is kept in the reasons, not counted); with no declaration, a judged pass, fail or
   * not-applicable is never counted for the entity: it needs the assessor's review, the judged result kept in the
   * reasons. Manual and inherited requirements stay manual, with the note.
   */
  function applyApplicability(r: ControlResult, req: Requirement, frameworkId: string): ControlResult {
    const a = applicability(frameworkId, req, input.entity);
    if (!a) return r;
    if (a.applies === true) return { ...r, reasons: [...r.reasons, a.note] };
    // Declared not of the type: not applicable whatever the checks found or the coverage (a manual requirement too).
    if (a.applies === false && r.status === 'manual') return { ...r, status: 'not-applicable', notApplicableToEntity: true, reasons: [a.note, ...r.reasons] };
    if (r.status === 'manual' || (a.applies === 'undeclared' && (r.status === 'needs-review' || r.status === 'not-collected'))) return { ...r, reasons: [a.note, ...r.reasons] };
    const found = `${STATUS_WORD[r.status]}${r.reasons.length ? ` (${r.reasons.length} reason${r.reasons.length === 1 ? '' : 's'} below)` : ''}`;
    if (a.applies === false) {
      if (r.status === 'not-applicable') return { ...r, notApplicableToEntity: true, reasons: [a.note, ...r.reasons] };
      return { ...r, status: 'not-applicable', notApplicableToEntity: true, reasons: [a.note, `the checks found, for information only (not counted, no finding raised): ${found}`, ...r.reasons] };
    }
    // "AWS portion satisfied" is no longer said of a result that is not.
    const kept = r.reasons.filter((x) => !/^AWS portion satisfied\b/.test(x));
    return { ...r, status: 'needs-review', reasons: [`REVIEW: ${a.note}; the checks found: ${found}`, ...kept] };
  }

  /**
   * Sensitive authentication data found kept after authorization, by an entity that declares a legitimate, documented
   * issuing business need to keep it (PCI DSS 3.3.1's note): not a failure the evidence can decide, since whether the
   * need covers this data is in the document; the result needs review, naming the declaration and the document.
   */
  function reviewAgainstIssuingNeed(r: ControlResult, need: string, document: string): ControlResult {
    if (!r.findings.some((f) => f.status === 'fail' && f.sensitiveAuthenticationData)) return r;
    const findings = r.findings.map((f): ResourceFinding =>
      f.status === 'fail' && f.sensitiveAuthenticationData
        ? {
            ...f,
            status: 'needs-review',
            reason: `${f.sensitiveAuthenticationData}. Not failed: ${need}; PCI DSS exempts such data from the prohibition on keeping it after authorization (3.3.1's note) and holds it to 3.3.3. The assessor examines "${document}" for a need that covers this data where it was found, and how it is secured and encrypted; data the document does not cover may not be kept after authorization (a failure)`,
          }
        : f,
    );
    return { ...r, findings: findings.sort(findingOrder) };
  }

  /**
   * A requirement with regional checks proves nothing about the enabled regions the run did not collect (or, when the
   * enabled regions are unknown, about any other region): unless the declared scope leaves them out, a pass, an
   * "AWS portion met" or a proposed not-applicable becomes needs-review, and every status says which regions.
   */
  function capForRegions(r: ControlResult, req: Requirement, frameworkId: string): ControlResult {
    const regional = req.queries.filter((q) => queryById(q)?.scope === 'regional');
    if (!regional.length) return r;
    const regions = accountRegions.get(r.accountId);
    const short = regions && regionShortfall(regions, input.scope?.[frameworkId], r.accountId);
    if (!regions || !short) return r;
    const collected = regions.collected.length ? regions.collected.join(', ') : 'none';
    const reason =
      short.kind === 'uncollected'
        ? `${REGIONS_NOT_COLLECTED}: account ${r.accountId} has enabled region(s) ${short.regions.join(', ')} that this run did not collect (collected: ${collected}) and the declared scope does not exclude; this requirement's regional checks (${regional.join(', ')}) say nothing about resources there`
        : `${REGIONS_UNKNOWN}: the enabled regions of account ${r.accountId} are unknown (${short.why}); this run collected ${collected}, so this requirement's regional checks (${regional.join(', ')}) say nothing about any other region`;
    const capped = r.status === 'pass' || r.status === 'aws-portion-satisfied' || r.status === 'not-applicable';
    // "AWS portion satisfied" is no longer said of a result that is not.
    const kept = capped ? r.reasons.filter((x) => !/^AWS portion satisfied\b/.test(x)) : r.reasons;
    return { ...r, status: capped ? 'needs-review' : r.status, reasons: [reason, ...kept] };
  }

  /** Status from the in-scope findings only; a partial requirement whose AWS evidence passes is never a plain pass. */
  function judge(r: ControlResult, req: Requirement): ControlResult {
    const inScope = r.findings.filter((f) => f.inScope !== false);
    const outOfScope = r.findings.length - inScope.length;
    let status = combine(inScope.map((f) => f.status), r.gaps.length > 0);
    // Every judged resource out of scope: nothing in scope to test, proposed as not applicable.
    if (r.findings.length > 0 && inScope.length === 0 && r.gaps.length === 0) status = 'not-applicable';
    // Not applicable only because the mechanism the evidence rests on is not deployed: nothing shows the requirement
    // does not apply, so it is left to the assessor, never proposed as not applicable.
    const absent = status === 'not-applicable' ? [...new Set(inScope.flatMap((f) => (f.mechanismAbsent ? [f.mechanismAbsent] : [])))].sort() : [];
    if (absent.length) status = 'needs-review';
    if (status === 'pass' && req.coverage === 'partial') status = 'aws-portion-satisfied';
    // A partial requirement asks more than its AWS checks see: their having nothing in scope to judge does not make it
    // not applicable (no IAM user does not mean no user needs MFA). It is the assessor's to test, or to find not applicable.
    const nothingToJudge = status === 'not-applicable' && req.coverage === 'partial';
    if (nothingToJudge) status = 'manual';
    const reasons = reasonsFor(status, inScope, r.gaps, req);
    if (nothingToJudge) {
      reasons.unshift(`its AWS checks found no in-scope resource to judge (${r.findings.length} resource check${r.findings.length === 1 ? '' : 's'}, every one out of scope or not applicable): not proposed as not applicable, since the requirement asks more than these checks see; the assessor tests it, or confirms it does not apply`);
    }
    if (absent.length) {
      const where = [...new Set(inScope.filter((f) => f.mechanismAbsent).map((f) => f.region))].sort();
      reasons.unshift(`REVIEW: no ${absent.join(' or ')} deployed where the evidence was collected (${where.join(', ')}): what this requirement's AWS evidence rests on is absent, so it is not proposed as not applicable; the assessor confirms what else does this job`);
    } else {
      // Judged where the mechanism exists: the regions where it does not are named, as they were not evaluated by it.
      const missing = inScope.filter((f) => f.mechanismAbsent);
      if (missing.length) {
        const by = new Map<string, Set<string>>();
        for (const f of missing) by.set(f.mechanismAbsent!, (by.get(f.mechanismAbsent!) ?? new Set()).add(f.region));
        reasons.push(`not evaluated where none is deployed: ${[...by].sort(([a], [b]) => a.localeCompare(b)).map(([what, regions]) => `no ${what} in ${[...regions].sort().join(', ')}`).join('; ')}`);
      }
    }
    if (outOfScope) reasons.push(`${outOfScope} out-of-scope resource check${outOfScope === 1 ? '' : 's'} not counted (listed in the population)`);
    const unknown = inScope.filter((f) => f.scopeUnknown).length;
    if (unknown) reasons.push(`SCOPE UNKNOWN: ${unknown} resource check${unknown === 1 ? '' : 's'} counted as in scope because the tags their scope depends on could not be read (named in the population)`);
    return { ...r, status, reasons };
  }

  async function evaluateRequirement(framework: string, req: Requirement, accountId: string): Promise<ControlResult> {
    const base = { framework, requirementId: req.id, accountId, coverage: req.coverage };
    if (req.coverage === 'manual' || req.coverage === 'inherited') {
      const atts = (input.attestations ?? []).filter((a) => a.framework === framework && a.requirement === req.id);
      const reasons = atts.length
        ? atts.map((a) => {
            const note = attesterAccountNote(a.sealedBy, accounts);
            return `attestation of ${a.collectedAt.slice(0, 10)} by ${describeAttester(a.by, a.sealedBy)}${note ? ` (${note})` : ''}: ${a.note}`;
          })
        : [req.coverage === 'inherited' ? 'inherited only for what the cloud provider or service provider operates: the assessor reviews their attestation for that part and tests the part the entity operates itself (see the guidance)' : 'manual: assessor examines evidence outside AWS APIs'];
      return {
        ...base,
        status: 'manual',
        reasons,
        findings: [],
        evidence: atts.map((a) => ({ runId: a.runId, recordId: `attestation/${a.framework}/${a.requirement}`, queryId: 'attestation', accountId, region: 'global', collectedAt: a.collectedAt, sha256: a.sha256, status: 'ok' as const })),
        gaps: [],
        parameters: { ...req.parameters },
      };
    }
    if (req.coverage === 'not-applicable') {
      return { ...base, status: 'not-applicable', reasons: [`proposed not applicable, assessor to confirm: ${req.rationale}`], findings: [], evidence: [], gaps: [], parameters: {} };
    }

    const findings: ResourceFinding[] = [];
    const evidence: EvidenceRef[] = [];
    const gaps: ControlResult['gaps'] = [];
    const parameters: Record<string, unknown> = { ...req.parameters };
    const accountGap = runGaps.find((g) => g.accountId === accountId && !g.region && !g.queryId);
    for (const queryId of req.queries) {
      const query = queryById(queryId);
      const params = parametersFor(framework, req, query, input.parameterOverrides);
      Object.assign(parameters, params);
      const loosenedHere = loosened.filter((o) => o.framework === framework && o.requirement === req.id && o.queries.includes(queryId));
      const records = recordsByQueryAccount.get(`${queryId}\u0000${accountId}`) ?? [];
      if (!query) {
        gaps.push({ queryId, region: '-', reason: `query ${queryId} is not known to this version of evidence-locker` });
        continue;
      }
      if (records.length === 0) {
        const reason = accountGap
          ? `account not reached: ${accountGap.reason}`
          : manifest.scope.queries.includes(queryId)
            ? 'no evidence record in this run'
            : 'query not included in this run';
        gaps.push({ queryId, region: '-', reason });
        continue;
      }
      // Facts the account's other regions give this query's evaluation (same run, evidence collected without error).
      const facts: { region: string; fact: string }[] = [];
      if (query.accountFact) {
        for (const rec of records) {
          const body = await load(rec.sha256);
          if (body.status === 'error') continue;
          try {
            const fact = query.accountFact(body.data, { accountId, region: rec.region, collectedAt: rec.collectedAt });
            if (fact !== undefined) facts.push({ region: rec.region, fact });
          } catch {
            // Evidence that cannot be read gives no fact (the other regions are judged without it); its own
            // evaluation below reports why it could not be judged.
          }
        }
      }
      for (const rec of records) {
        const body = await load(rec.sha256);
        evidence.push(evidenceRefOf(manifest.runId, rec, body));
        if (body.status === 'error') {
          gaps.push({ queryId, region: rec.region, reason: `${body.error?.operation ?? queryId}: ${body.error?.code ?? 'Error'}: ${body.error?.message ?? 'collection failed'}` });
          continue;
        }
        try {
          const others = facts.filter((f) => f.region !== rec.region);
          const parameterSources = Object.fromEntries(Object.keys(params).map((n) => [n, parameterSource(framework, req, n, input.parameterOverrides)]));
          const ctx = { accountId, region: rec.region, collectedAt: rec.collectedAt, parameterSources, ...(query.accountFact ? { accountFacts: others } : {}) };
          const judged = baselineReview(framework, req, queryId, query.evaluate(body.data, params, ctx), params, (relaxed) => query.evaluate(body.data, relaxed, ctx), input.parameterOverrides);
          const out = loosenedHere.length ? loosenedReview(judged, loosenedHere, () => query.evaluate(body.data, { ...params, ...Object.fromEntries(loosenedHere.map((o) => [o.parameter, o.catalogDefault])) }, ctx)) : judged;
          for (const f of out) {
            findings.push({ ...f, queryId, region: rec.region, evidenceSha256: rec.sha256, recordId: rec.recordId });
            if (f.status === 'error') gaps.push({ queryId, region: rec.region, reason: `${f.resource}: ${f.reason}` });
          }
        } catch (err) {
          gaps.push({ queryId, region: rec.region, reason: `evaluation failed: ${(err as Error).message}` });
        }
      }
    }
    findings.sort(findingOrder);
    // Status and reasons are decided once scope is known (judge, below).
    return { ...base, status: 'not-collected', reasons: [], findings, evidence, gaps, parameters };
  }
}

/** Opening words of the reason a requirement carries when the run left enabled regions of the account uncollected. */
export const REGIONS_NOT_COLLECTED = 'ENABLED REGIONS NOT COLLECTED';
/** Opening words of the reason a requirement carries when the account's enabled regions are unknown. */
export const REGIONS_UNKNOWN = 'ENABLED REGIONS UNKNOWN';

/** How a reason names a judged status. */
const STATUS_WORD: Record<ControlStatus, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  'needs-review': 'NEEDS REVIEW',
  'not-collected': 'NOT COLLECTED',
  manual: 'MANUAL',
  'not-applicable': 'NOT APPLICABLE',
  'aws-portion-satisfied': 'AWS PORTION SATISFIED (the procedures outside AWS APIs not tested)',
};

/** fail > needs-review > not-collected (gap) > pass; nothing judged at all is a gap, never a pass. */
export function combine(statuses: ResourceStatus[], hasGaps: boolean): ControlStatus {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('needs-review')) return 'needs-review';
  if (hasGaps || statuses.includes('error')) return 'not-collected';
  if (statuses.length === 0) return 'not-collected';
  if (statuses.every((s) => s === 'not-applicable')) return 'not-applicable';
  return 'pass';
}

function reasonsFor(status: ControlStatus, findings: ResourceFinding[], gaps: ControlResult['gaps'], req: Requirement): string[] {
  const reasons: string[] = [];
  const by = (s: ResourceStatus) => findings.filter((f) => f.status === s);
  for (const f of by('fail')) reasons.push(`FAIL ${f.resource} (${f.region}): ${f.reason}`);
  for (const f of by('needs-review')) reasons.push(`REVIEW ${f.resource} (${f.region}): ${f.reason}`);
  for (const g of gaps) reasons.push(`GAP ${g.queryId} (${g.region}): ${g.reason}`);
  if (status === 'pass' || status === 'aws-portion-satisfied') {
    const n = by('pass').length;
    reasons.push(`${n} resource check${n === 1 ? '' : 's'} passed`);
  }
  if (status === 'not-collected' && findings.length === 0 && gaps.length === 0) reasons.push('no evidence was judged for this requirement');
  if (status === 'not-applicable') reasons.push('no in-scope resource was found, or every one judged was not applicable (proposed not applicable, assessor to confirm)');
  if (status === 'aws-portion-satisfied') reasons.push('AWS portion satisfied: the procedures outside AWS APIs remain not tested');
  if (req.coverage === 'partial') reasons.push(`partial coverage: ${req.assessorGuidance ?? 'the assessor must also examine evidence outside AWS APIs'}`);
  return reasons;
}

/** How a result cites one record: the manifest's entry, and what the body says of the read it was taken from (delegated-admin). */
export function evidenceRefOf(runId: string, rec: ManifestRecord, body: EvidenceBody): EvidenceRef {
  const via = body.provenance?.via;
  return { runId, recordId: rec.recordId, queryId: rec.queryId, accountId: rec.accountId, region: rec.region, collectedAt: rec.collectedAt, sha256: rec.sha256, status: rec.status, ...(via ? { via: describeVia(via) } : {}), ...(via?.read ? { viaRead: { recordId: via.read.recordId, sha256: via.read.sha256 } } : {}) };
}
