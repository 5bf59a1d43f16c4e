import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { macieDiscovery, type MacieDiscoveryEvidence } from '../../../src/queries/macie/discovery.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import type { JobSummary } from '@aws-sdk/client-macie2';
import { ACCOUNT, COLLECTED_AT, REGION, SESSION_ARN, allBucketsJob, allBucketsJobDetail, archiveAnalytics, autoOff, evidence, notEnabled, scopeAll, session, templateDefault } from '../../fixtures/macie/discovery.js';
import { demoSession, statusOf } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };

function evaluateBoth(data: unknown, params: Record<string, unknown> = {}): ResourceResult[] {
  const p = { cardDataBuckets: [], maxJobAgeDays: 90, ...params } as Parameters<typeof macieDiscovery.evaluate>[1];
  const fresh = macieDiscovery.evaluate(data, p, ctx);
  expect(macieDiscovery.evaluate(JSON.parse(canonicalJson(data)) as unknown, p, ctx)).toEqual(fresh);
  return fresh;
}

describe('macie.discovery', () => {
  it('passes discovery when automated discovery is on; card numbers in a declared location pass, elsewhere fail, one result per bucket', () => {
    const by = Object.fromEntries(evaluateBoth(evidence, { cardDataBuckets: ['payments-cde-*'] }).map((r) => [r.resource, r]));
    expect(by[SESSION_ARN]).toMatchObject({ status: 'pass', reason: expect.stringContaining('automated sensitive data discovery since 2025-02-01') });
    expect(by['arn:aws:s3:::payments-cde-store']).toMatchObject({ status: 'pass', reason: expect.stringContaining('a declared card data location: 40 CREDIT_CARD_NUMBER') });
    expect(by['arn:aws:s3:::analytics-dump']).toMatchObject({ status: 'fail', reason: expect.stringContaining('15 CREDIT_CARD_NUMBER, 12 CREDIT_CARD_EXPIRATION in 2 objects (exports/a.csv, exports/b.csv)') });
    expect(by['arn:aws:s3:::support-tickets']).toMatchObject({ status: 'fail', reason: expect.stringContaining('sensitive authentication data (CREDIT_CARD_SECURITY_CODE)') });
    // Card data where none is declared is evidence against the declared scope: no scope may filter it out. Card numbers
    // in a declared location, and the session itself, are judged within the scope like any result.
    expect(by['arn:aws:s3:::analytics-dump'].judgesScope).toMatch(/card numbers found where no card data is declared/);
    expect(by['arn:aws:s3:::support-tickets'].judgesScope).toMatch(/account data found where no card data is declared/);
    expect(by['arn:aws:s3:::payments-cde-store'].judgesScope).toBeUndefined();
    // What it found, named in the scope reason of the bucket's other checks when the declared scope leaves it out.
    expect(by['arn:aws:s3:::analytics-dump'].scopeFound).toBe('card numbers (15 CREDIT_CARD_NUMBER, 12 CREDIT_CARD_EXPIRATION in 2 objects (exports/a.csv, exports/b.csv))');
    expect(by['arn:aws:s3:::support-tickets'].scopeFound).toBe('sensitive authentication data (1 CREDIT_CARD_SECURITY_CODE, 1 CREDIT_CARD_NUMBER in 1 object (ticket-99.txt))');
    expect(by['arn:aws:s3:::payments-cde-store'].scopeFound).toBeUndefined();
    // Sensitive authentication data in a declared card data location stays in scope too: it may be stored nowhere.
    const declared = Object.fromEntries(evaluateBoth(evidence, { cardDataBuckets: ['support-*'] }).map((r) => [r.resource, r]));
    expect(declared['arn:aws:s3:::support-tickets'].judgesScope).toMatch(/may not be stored after authorization anywhere/);
    expect(by[SESSION_ARN].judgesScope).toBeUndefined();
    // No card detections (bank accounts only) and archived findings are not card-data locations.
    expect(by['arn:aws:s3:::hr-files']).toBeUndefined();
    expect(by['arn:aws:s3:::old-archive']).toBeUndefined();
  });

  it('judging sensitive authentication data only (3.3.1): security codes still fail anywhere, card numbers alone are listed, not judged', () => {
    const by = Object.fromEntries(evaluateBoth(evidence, { judgeCardNumberLocations: false }).map((r) => [r.resource, r]));
    expect(by['arn:aws:s3:::support-tickets']).toMatchObject({ status: 'fail', reason: expect.stringContaining('sensitive authentication data (CREDIT_CARD_SECURITY_CODE)') });
    expect(by['arn:aws:s3:::analytics-dump']).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('no magnetic stripe (CREDIT_CARD_MAGNETIC_STRIPE) or security code') });
    expect(by[SESSION_ARN].status).toBe('pass');
  });

  it('judging the response to discoveries (12.10.7, A3.2.5.2): each discovery needs review naming its findings and asking for the response record, never a failure', () => {
    const by = Object.fromEntries(evaluateBoth(evidence, { cardDataBuckets: ['payments-cde-*'], discoveriesNeedResponseRecords: true }).map((r) => [r.resource, r]));
    expect(by['arn:aws:s3:::analytics-dump']).toMatchObject({
      status: 'needs-review',
      reason:
        'Macie found card numbers in bucket analytics-dump, which is not a declared card data location: 15 CREDIT_CARD_NUMBER, 12 CREDIT_CARD_EXPIRATION in 2 objects (exports/a.csv, exports/b.csv); findings f2: exports/a.csv, created 2026-05-20; f3: exports/b.csv, created 2026-05-20. A discovery that should have started the response procedures: ask for the response record of each finding; this evidence shows the discovery, not whether the procedures were started',
    });
    expect(by['arn:aws:s3:::support-tickets']).toMatchObject({ status: 'needs-review', reason: expect.stringMatching(/^Macie found sensitive authentication data \(CREDIT_CARD_SECURITY_CODE\) in bucket support-tickets: .*findings f4: ticket-99\.txt, created 2026-05-20\. A discovery that should have started the response procedures/) });
    // Card numbers where they are declared are no discovery to respond to.
    expect(by['arn:aws:s3:::payments-cde-store']).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('not a discovery that starts the response procedures') });
    // The discoveries still stay in scope wherever they are (the declared scope cannot hide them), but contradict nothing
    // here: the requirements about where PAN may be (3.2.1, 12.5.2, A3.2.5) keep failing them.
    expect(by['arn:aws:s3:::analytics-dump'].judgesScope).toMatch(/card numbers found where no card data is declared/);
    expect(by['arn:aws:s3:::support-tickets'].judgesScope).toMatch(/account data found where no card data is declared/);
    expect(by[SESSION_ARN].status).toBe('pass');
    // Sensitive authentication data in a declared location is a discovery too: it may be stored nowhere.
    const declared = evaluateBoth(evidence, { cardDataBuckets: ['support-*'], discoveriesNeedResponseRecords: true }).find((r) => r.resource === 'arn:aws:s3:::support-tickets');
    expect(declared).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(a declared card data location, but this data may be stored nowhere after authorization)') });
    // Beyond ten findings in a bucket, the rest are counted.
    const many = { ...evidence, findings: Array.from({ length: 12 }, (_, i) => ({ ...evidence.findings![1], id: `g${i}` })) };
    expect(evaluateBoth(many, { discoveriesNeedResponseRecords: true }).find((r) => r.resource === 'arn:aws:s3:::analytics-dump')?.reason).toMatch(/g9: exports\/a\.csv, created 2026-05-20; 2 more in the evidence\. A discovery/);
  });

  it('judging the response to discoveries: Macie off, paused or discovering nothing needs review, never a failure; an error stays an error', () => {
    const response = { discoveriesNeedResponseRecords: true };
    const off: MacieDiscoveryEvidence = { ...evidence, automatedDiscovery: autoOff, jobs: [], findings: [] };
    for (const data of [notEnabled, { session: { ...session, status: 'PAUSED' } }, off] as MacieDiscoveryEvidence[]) {
      expect(evaluateBoth(data)[0].status).toBe('fail');
      expect(evaluateBoth(data, response)[0]).toMatchObject({ resource: SESSION_ARN, status: 'needs-review', reason: expect.stringContaining('Not a failure of this requirement: it shows that Macie makes no discovery to respond to, not that the response procedures are missing') });
    }
    expect(evaluateBoth({ session }, response)[0].status).toBe('error');
  });

  it('with no declared card data location every bucket with card numbers fails, and says so', () => {
    const r = evaluateBoth(evidence).find((x) => x.resource === 'arn:aws:s3:::payments-cde-store');
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('no card data locations are declared') });
    expect(evaluateBoth(evidence, { cardDataBuckets: 'payments-cde-*' }).find((x) => x.resource === 'arn:aws:s3:::payments-cde-store')?.status).toBe('pass');
  });

  it('without automated discovery: a recent one-time job needs review, an older one fails; an unreadable setting needs review', () => {
    const off: MacieDiscoveryEvidence = { ...evidence, automatedDiscovery: autoOff, findings: [] };
    expect(evaluateBoth(off)).toEqual([expect.objectContaining({ status: 'needs-review', reason: expect.stringContaining('one-off-may') })]);
    expect(evaluateBoth(off, { maxJobAgeDays: 10 })).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('nothing is being discovered') })]);
    const unreadable: MacieDiscoveryEvidence = { ...off, automatedDiscovery: { error: { code: 'AccessDeniedException', message: 'member account' } } };
    expect(evaluateBoth(unreadable)[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('not readable') });
  });

  it('Macie off or paused fails; a refused call or missing evidence is an error, never a pass', () => {
    expect(evaluateBoth(notEnabled)).toEqual([expect.objectContaining({ resource: SESSION_ARN, status: 'fail', reason: expect.stringContaining('not enabled') })]);
    expect(evaluateBoth({ session: { ...session, status: 'PAUSED' } })[0].status).toBe('fail');
    expect(evaluateBoth({ session: { error: { code: 'AccessDeniedException', message: 'User is not authorized to perform: macie2:GetMacieSession' } } })[0].status).toBe('error');
    expect(evaluateBoth({ session })[0].status).toBe('error');
    expect(evaluateBoth({})[0].status).toBe('error');
  });
});

describe('macie.discovery: what the discovery covers', () => {
  const sessionOf = (data: MacieDiscoveryEvidence, params: Record<string, unknown> = {}) => evaluateBoth(data, { cardDataBuckets: ['payments-cde-*'], ...params }).find((r) => r.resource === SESSION_ARN)!;
  const withJob = (job: JobSummary, detail?: MacieDiscoveryEvidence['jobDetails']): MacieDiscoveryEvidence => ({ ...evidence, automatedDiscovery: autoOff, jobs: [job], jobDetails: detail ?? { [job.jobId!]: { ...allBucketsJobDetail, ...job, s3JobDefinition: { bucketDefinitions: job.bucketDefinitions, bucketCriteria: job.bucketCriteria } } } });

  it('a scheduled job passes only over every bucket, with every object, no sampling and card identifiers, and the pass names its scope', () => {
    expect(sessionOf(withJob(allBucketsJob, { 'job-all': allBucketsJobDetail }))).toMatchObject({
      status: 'pass',
      reason: expect.stringContaining('scheduled job weekly-all-buckets (every bucket (bucket criteria without conditions, re-evaluated at each run); every object; managed data identifiers RECOMMENDED)'),
    });
    // One placeholder bucket (attack19 a): a job limited to named buckets covers only those.
    const placeholder: JobSummary = { ...allBucketsJob, name: 'weekly-placeholder', bucketCriteria: undefined, bucketDefinitions: [{ accountId: ACCOUNT, buckets: ['empty-placeholder-bucket'] }] };
    expect(sessionOf(withJob(placeholder))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('it analyses only the named buckets empty-placeholder-bucket') });
    const tagged: JobSummary = { ...allBucketsJob, bucketCriteria: { includes: { and: [{ tagCriterion: { comparator: 'EQ', tagValues: [{ key: 'scan', value: 'yes' }] } }] } } };
    expect(sessionOf(withJob(tagged))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('only the buckets matching its criteria (include tag EQ scan=yes)') });
    // A last run with account- or bucket-level errors did not analyse its whole scope.
    const errored = withJob({ ...allBucketsJob, lastRunErrorStatus: { code: 'ERROR' } }, { 'job-all': { ...allBucketsJobDetail, lastRunErrorStatus: { code: 'ERROR' } } });
    expect(sessionOf(errored)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('lastRunErrorStatus ERROR') });
    // Object scoping, sampling and managed data identifiers come from DescribeClassificationJob.
    const scoped = { ...allBucketsJobDetail, s3JobDefinition: { bucketCriteria: {}, scoping: { includes: { and: [{ simpleScopeTerm: { key: 'OBJECT_EXTENSION' as const, comparator: 'EQ' as const, values: ['txt'] } }] } } } };
    expect(sessionOf(withJob(allBucketsJob, { 'job-all': scoped })).reason).toContain('its object scoping limits it to objects matching include OBJECT_EXTENSION EQ txt');
    expect(sessionOf(withJob(allBucketsJob, { 'job-all': { ...allBucketsJobDetail, samplingPercentage: 5 } }))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('a 5% sample') });
    const noCards = { ...allBucketsJobDetail, managedDataIdentifierSelector: 'EXCLUDE' as const, managedDataIdentifierIds: ['CREDIT_CARD_NUMBER', 'CREDIT_CARD_SECURITY_CODE', 'AWS_CREDENTIALS'] };
    expect(sessionOf(withJob(allBucketsJob, { 'job-all': noCards }))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('excludes the card managed data identifiers CREDIT_CARD_NUMBER, CREDIT_CARD_SECURITY_CODE') });
    const onlyOthers = { ...allBucketsJobDetail, managedDataIdentifierSelector: 'INCLUDE' as const, managedDataIdentifierIds: ['AWS_CREDENTIALS'] };
    expect(sessionOf(withJob(allBucketsJob, { 'job-all': onlyOthers })).reason).toContain('uses only the managed data identifiers AWS_CREDENTIALS, no CREDIT_CARD_NUMBER identifier');
    expect(sessionOf(withJob(allBucketsJob, { 'job-all': { ...allBucketsJobDetail, managedDataIdentifierSelector: 'NONE' } })).status).toBe('needs-review');
    // Its definition not collected (evidence sealed before) or refused: never a pass.
    expect(sessionOf(withJob(allBucketsJob, {}))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('is not in the evidence') });
    expect(sessionOf({ ...withJob(allBucketsJob), jobDetails: undefined }).status).toBe('needs-review');
    expect(sessionOf(withJob(allBucketsJob, { 'job-all': { error: { code: 'AccessDeniedException', message: 'denied' } } })).status).toBe('needs-review');
  });

  it('automated discovery with buckets excluded by its classification scope needs review, naming them (and the declared card data locations among them)', () => {
    const excluded = { ...evidence, classificationScope: { ...scopeAll, s3: { excludes: { bucketNames: ['analytics-dump', 'payments-cde-store'] } } } };
    expect(sessionOf(excluded)).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('its classification scope excludes 2 buckets from analysis: analytics-dump, payments-cde-store (declared card data locations among them: payments-cde-store)'),
    });
    expect(sessionOf({ ...evidence, classificationScope: undefined })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('classification scope (GetClassificationScope: the bucket exclusion list) is not in the evidence') });
    expect(sessionOf({ ...evidence, classificationScope: { error: { code: 'AccessDeniedException', message: 'member' } } }).status).toBe('needs-review');
    // A scheduled job over every bucket still covers what automated discovery leaves out; the exclusions stay in the reason.
    const withFullJob = { ...excluded, jobs: [allBucketsJob], jobDetails: { 'job-all': allBucketsJobDetail } };
    expect(sessionOf(withFullJob)).toMatchObject({ status: 'pass', reason: expect.stringMatching(/weekly-all-buckets.*not covering every bucket for card data: automated sensitive data discovery.*excludes 2 buckets/) });
    expect(sessionOf(evidence).reason).toContain('over every bucket (no classification-scope exclusions)');
    // Macie applies the administrator's scope and template to its members: the pass says whose were read.
    expect(sessionOf(evidence).reason).toContain('the scope and template of this account, which has no Macie administrator');
  });

  it('a Macie member: its administrator\'s scope and template apply and are not read, so automated discovery needs review; its own full scheduled job still passes', () => {
    const member: MacieDiscoveryEvidence = { ...evidence, administratorAccount: { administrator: { accountId: '999988887777', relationshipStatus: 'Enabled' } } };
    expect(sessionOf(member)).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining("this account has the Macie administrator 999988887777 (relationship Enabled): the administrator 999988887777's classification scope and sensitivity inspection template apply"),
    });
    // Read through the administrator (delegated evidence): the membership fields alone show it.
    const delegated = { ...evidence, administratorAccount: {}, administrator: { accountId: '999988887777' }, member: { accountId: ACCOUNT, relationshipStatus: 'Enabled' } };
    expect(sessionOf(delegated)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('this account has the Macie administrator 999988887777') });
    // Not collected (evidence sealed before) or refused: whose settings apply is unknown, never a pass.
    expect(sessionOf({ ...evidence, administratorAccount: undefined })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('whether this account is a Macie member (GetAdministratorAccount) is not in the evidence') });
    expect(sessionOf({ ...evidence, administratorAccount: { error: { code: 'AccessDeniedException', message: 'denied' } } })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('GetAdministratorAccount AccessDeniedException') });
    // A scheduled job of the member itself is its own definition: it carries the pass.
    expect(sessionOf({ ...member, jobs: [allBucketsJob], jobDetails: { 'job-all': allBucketsJobDetail } })).toMatchObject({ status: 'pass', reason: expect.stringContaining('weekly-all-buckets') });
  });

  it('a Macie member is covered by its administrator\'s automated discovery only while an Enabled member for which the administrator runs it', () => {
    const admin = { administrator: { accountId: '999988887777', relationshipStatus: 'Enabled' as const } };
    const onlyAutomated = { ...evidence, jobs: [], jobDetails: {}, administratorAccount: admin };
    // The administrator does not run automated discovery for the member: its own ENABLED setting has no effect.
    const disabled = { ...onlyAutomated, automatedDiscoveryAccounts: [{ accountId: ACCOUNT, status: 'DISABLED' as const }] };
    expect(sessionOf(disabled)).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining(`but its Macie administrator 999988887777 does not run automated discovery for this account ${ACCOUNT} (ListAutomatedDiscoveryAccounts DISABLED)`),
    });
    expect(sessionOf(disabled, { discoveriesNeedResponseRecords: true }).status).toBe('needs-review');
    // Still named beside a scheduled job of the member's own that carries the pass.
    const withJob = sessionOf({ ...disabled, jobs: [allBucketsJob], jobDetails: { 'job-all': allBucketsJobDetail } });
    expect(withJob).toMatchObject({ status: 'pass', reason: expect.stringContaining('automated discovery is not counted: its Macie administrator 999988887777 does not run') });
    // Read through the administrator: the same status, from the membership fields.
    const delegated = { ...disabled, administratorAccount: {}, administrator: { accountId: '999988887777' }, member: { accountId: ACCOUNT, relationshipStatus: 'Enabled' } };
    expect(sessionOf(delegated)).toEqual(sessionOf(disabled));
    // Enabled for the member: needs review (the administrator's scope and template are not read), saying it runs.
    const enabled = sessionOf({ ...onlyAutomated, automatedDiscoveryAccounts: [{ accountId: ACCOUNT, status: 'ENABLED' as const }] });
    expect(enabled).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the administrator runs automated discovery for this account (ListAutomatedDiscoveryAccounts ENABLED)') });
    // Unknown (sealed before the status was read, refused, no item for the account): needs review, never a pass nor a fail.
    expect(sessionOf(onlyAutomated)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(ListAutomatedDiscoveryAccounts) is not in the evidence') });
    expect(sessionOf({ ...onlyAutomated, automatedDiscoveryAccounts: { error: { code: 'AccessDeniedException', message: 'denied' } } })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('was not readable (ListAutomatedDiscoveryAccounts AccessDeniedException)') });
    expect(sessionOf({ ...onlyAutomated, automatedDiscoveryAccounts: [] })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ListAutomatedDiscoveryAccounts gave no status for this account') });
    // Not an enabled member (invited, removed, resigned...): the administrator's discovery does not cover it, named so.
    for (const relationshipStatus of ['Removed', 'Invited', 'Paused'] as const) {
      expect(sessionOf({ ...onlyAutomated, administratorAccount: { administrator: { accountId: '999988887777', relationshipStatus } } }), relationshipStatus).toMatchObject({
        status: 'needs-review',
        reason: expect.stringContaining(`this account ${ACCOUNT} has the Macie administrator 999988887777 but is not an enabled member of it (relationship ${relationshipStatus})`),
      });
    }
  });

  it('allow lists of the sensitivity inspection template or of a scheduled job need review, named', () => {
    const tmpl = { ...templateDefault, includes: { allowListIds: ['al-test-cards'] } };
    expect(sessionOf({ ...evidence, sensitivityInspectionTemplate: tmpl })).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('its sensitivity inspection template uses the allow lists al-test-cards: Macie ignores text matching them'),
    });
    const job = { ...evidence, automatedDiscovery: autoOff, jobs: [allBucketsJob], jobDetails: { 'job-all': { ...allBucketsJobDetail, allowListIds: ['al-1', 'al-2'] } } };
    expect(sessionOf(job)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('it uses the allow lists al-1, al-2: Macie ignores text matching them') });
    expect(sessionOf({ ...job, jobDetails: { 'job-all': { ...allBucketsJobDetail, allowListIds: [] } } }).status).toBe('pass');
  });

  it('automated discovery whose sensitivity inspection template excludes card managed data identifiers needs review, naming them', () => {
    const tmpl = { ...templateDefault, excludes: { managedDataIdentifierIds: ['CREDIT_CARD_NUMBER', 'CREDIT_CARD_NUMBER_(NO_KEYWORD)', 'PHONE_NUMBER'] } };
    expect(sessionOf({ ...evidence, sensitivityInspectionTemplate: tmpl })).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('excludes the card managed data identifiers CREDIT_CARD_NUMBER, CREDIT_CARD_NUMBER_(NO_KEYWORD)'),
    });
    expect(sessionOf({ ...evidence, sensitivityInspectionTemplate: { ...templateDefault, excludes: { managedDataIdentifierIds: ['PHONE_NUMBER'] } } }).status).toBe('pass');
    expect(sessionOf({ ...evidence, sensitivityInspectionTemplate: undefined })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('sensitivity inspection template (GetSensitivityInspectionTemplate') });
  });

  it('suppression rules that can archive card-data findings need review, listed with their criteria; the buckets found are judged as before', () => {
    const suppressed = { ...evidence, suppressionRules: [archiveAnalytics] };
    const results = evaluateBoth(suppressed, { cardDataBuckets: ['payments-cde-*'] });
    expect(results.find((r) => r.resource === SESSION_ARN)).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('1 suppression rule (findings filter action ARCHIVE) can archive card-data findings as Macie creates them, and only unarchived findings are judged here: ignore-analytics (resourcesAffected.s3Bucket.name eq analytics-dump)'),
    });
    expect(results.find((r) => r.resource === 'arn:aws:s3:::analytics-dump')?.status).toBe('fail');
    // A rule that cannot match a card-data finding (another finding type) does not matter.
    const policyOnly = { ...archiveAnalytics, findingCriteria: { criterion: { type: { eq: ['Policy:IAMUser/S3BucketPublic'] } } } };
    expect(sessionOf({ ...evidence, suppressionRules: [policyOnly] }).status).toBe('pass');
    // Not collected (evidence sealed before), refused, or a rule whose criteria were not readable: never a pass.
    expect(sessionOf({ ...evidence, suppressionRules: undefined })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('suppression rules (findings filters with action ARCHIVE) are not in the evidence') });
    expect(sessionOf({ ...evidence, suppressionRules: { error: { code: 'AccessDeniedException', message: 'denied' } } }).status).toBe('needs-review');
    expect(sessionOf({ ...evidence, suppressionRules: [{ id: 'ff-2', name: 'hidden', error: { code: 'AccessDeniedException', message: 'denied' } }] }).reason).toContain('hidden (criteria not readable: AccessDeniedException)');
    // Partial discovery keeps its needs-review, with the rules added.
    expect(sessionOf({ ...suppressed, classificationScope: undefined }).reason).toMatch(/not in the evidence.*Also, 1 suppression rule/);
  });
});

describe('macie.discovery against the simulated demo account', () => {
  const s = demoSession();
  const q = queryById('macie.discovery')!;

  it('home region: discovery runs and finds card numbers in the legacy uploads bucket; no sample values or occurrence locations are kept', async () => {
    const { results, calls, data } = await s.run(q, 'us-east-1');
    expect(statusOf(results)).toEqual({ 'arn:aws:macie2:us-east-1:111122223333:session': 'pass', 'arn:aws:s3:::demo-production-legacy-uploads': 'fail' });
    expect(results[1].reason).toContain('412 CREDIT_CARD_NUMBER, 214 CREDIT_CARD_EXPIRATION in 2 objects');
    expect(calls.map((c) => c.operation)).toEqual([
      'macie2:GetMacieSession',
      'macie2:GetAdministratorAccount',
      'macie2:GetAutomatedDiscoveryConfiguration',
      'macie2:GetClassificationScope',
      'macie2:GetSensitivityInspectionTemplate',
      'macie2:ListClassificationJobs',
      'macie2:DescribeClassificationJob',
      'macie2:ListFindingsFilters',
      'macie2:ListFindings',
      'macie2:GetFindings',
    ]);
    // The scheduled job over two named buckets is listed as partial; automated discovery over every bucket carries the pass.
    expect(results[0].reason).toContain('scheduled job weekly-cardholder-data-scan (only the named buckets demo-production-cardholder-data, demo-production-legacy-uploads; every object; managed data identifiers RECOMMENDED): it analyses only the named buckets');
    expect(calls[8].input).toMatchObject({ findingCriteria: { criterion: { type: { eq: ['SensitiveData:S3Object/Financial', 'SensitiveData:S3Object/Multiple'] }, archived: { eq: ['false'] } } } });
    expect(JSON.stringify(data)).not.toMatch(/occurrences|"sample"\s*:\s*true/);
  });

  it('second region: Macie is on but neither automated discovery nor a job runs, so discovery fails', async () => {
    const { results } = await s.run(q, 'us-west-2');
    expect(results).toEqual([expect.objectContaining({ status: 'fail', reason: expect.stringContaining('nothing is being discovered') })]);
  });
});
