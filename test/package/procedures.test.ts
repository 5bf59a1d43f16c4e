import { describe, expect, it } from 'vitest';
import { CatalogSchema } from '../../src/controls/schema.js';
import { procedureResults, proceduresCsv, SHOWS_LABEL } from '../../src/package/procedures.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { loadProcedureMap } from '../../src/controls/procedures.js';
import { parseCsv } from '../../src/csv-parse.js';
import { findingsRegister } from '../../src/package/findings.js';
import { EvidenceReferences } from '../../src/package/references.js';
import type { FailSpan, GapEntry, RequirementTimeline } from '../../src/package/timeline.js';
import { CONTROL_STATUSES, type ControlStatus } from '../../src/evaluate/types.js';

const Q = 's3.bucket-encryption';
const ACCOUNT = '111122223333';
const DAYS = ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'];

const CATALOG = CatalogSchema.parse({
  framework: 'pci-test',
  name: 'Procedure test framework',
  version: '1',
  publisher: 'Evidence Locker tests',
  requirements: [
    { id: '1.2.8', title: 'Partial, one procedure', principal: '1', testingProcedures: ['1.2.8'], coverage: 'partial', rationale: 'Part of it is in AWS.', assessorGuidance: 'Ask for appliance configuration files.', queries: [Q] },
    { id: '3.5.1', title: 'Partial, two procedures', principal: '3', testingProcedures: ['3.5.1.a', '3.5.1.b'], coverage: 'partial', rationale: 'Part of it is in AWS.', queries: [Q] },
    { id: '3.6.1', title: 'Automated', principal: '3', testingProcedures: ['3.6.1'], coverage: 'automated', rationale: 'All of it is in AWS.', queries: [Q] },
  ],
});
const MAPS = [
  {
    framework: 'pci-test',
    procedures: ['1.2.8', '3.5.1.b', '3.6.1'].map((procedure) => ({ procedure, requirement: procedure.replace(/\.[ab]$/, ''), method: 'examine-configuration' as const, queries: [Q] })),
  },
];

/** One requirement x account row: passing at the end of the period unless told otherwise. */
function row(reqId: string, opts: { status?: ControlStatus; worst?: ControlStatus; gapDays?: string[]; gaps?: GapEntry[]; failSeen?: FailSpan[]; latestFail?: boolean; daily?: ControlStatus[] } = {}): RequirementTimeline {
  const requirement = CATALOG.requirements.find((r) => r.id === reqId)!;
  const status = opts.status ?? (requirement.coverage === 'partial' ? 'aws-portion-satisfied' : 'pass');
  const fail = opts.latestFail === true;
  return {
    framework: 'pci-test',
    requirement,
    accountId: ACCOUNT,
    status,
    worst: opts.worst ?? status,
    // Day codes as the timeline stores them: the status's index, plus 0x80 for a day a run judged.
    daily: Uint8Array.from(opts.daily ?? DAYS.map(() => status), (st) => CONTROL_STATUSES.indexOf(st) | 0x80),
    latest: {
      framework: 'pci-test',
      requirementId: reqId,
      accountId: ACCOUNT,
      coverage: requirement.coverage,
      parameters: {},
      status,
      reasons: [],
      findings: [{ resource: 'prod-data', resourceType: 'AWS::S3::Bucket', status: fail ? 'fail' : 'pass', reason: fail ? 'no default encryption' : 'encrypted', queryId: Q, region: 'us-east-1', evidenceSha256: 'a'.repeat(64) }],
      gaps: [],
      evidence: [],
    },
    findingsTotal: 1,
    failingTotal: fail ? 1 : 0,
    latestRunId: 'run-5',
    latestDay: DAYS[4],
    evidenceCount: 0,
    evidenceRefs: [],
    changes: [],
    changesTotal: 0,
    gapDays: opts.gapDays ?? [],
    gaps: opts.gaps ?? [],
    gapsTotal: opts.gaps?.length ?? 0,
    failSeen: new Map((opts.failSeen ?? []).map((s) => [`${s.resource}\u0000${s.queryId}\u0000${s.region}`, s])),
  };
}

function results(rows: RequirementTimeline[]) {
  const refs = new EvidenceReferences();
  const out = procedureResults([CATALOG], MAPS, rows, refs, findingsRegister(rows, refs));
  return Object.fromEntries(out.map((p) => [p.procedure, p]));
}

const earlierFail: FailSpan = { resource: 'prod-data', resourceType: 'AWS::S3::Bucket', queryId: Q, region: 'us-east-1', first: DAYS[1], last: DAYS[2], reason: 'no default encryption', runId: 'run-3' };

describe('proposed findings per testing procedure', () => {
  it('a procedure of a partial requirement is at most "AWS portion in place", never in place', () => {
    const p = results([row('1.2.8'), row('3.5.1'), row('3.6.1')]);
    expect(p['1.2.8'].proposedFinding).toBe('aws-portion-in-place');
    expect(p['3.5.1.b'].proposedFinding).toBe('aws-portion-in-place');
    expect(p['3.5.1.b'].note).toMatch(/^proposed, assessor to confirm: AWS portion in place: 1 in-scope resource\(s\) pass s3\.bucket-encryption \(.*\) at the end of the period, and none failed, lacked evidence or needed review on any day of it; /);
    expect(p['3.5.1.a'].proposedFinding).toBe('not-tested');
    // A fully automated requirement's procedure can be in place.
    expect(p['3.6.1'].proposedFinding).toBe('in-place');
    expect(p['3.6.1'].note).not.toMatch(/other procedure|partly/);
  });

  it("a mapped procedure's note ends with what its checks show and do not show, whatever is proposed; a procedure without it says nothing of the kind", () => {
    const shows = 'Default encryption of each bucket; it does not show that PAN is unreadable to those who can read the objects.';
    const maps = [{ framework: 'pci-test', procedures: [{ ...MAPS[0].procedures[1], shows }, MAPS[0].procedures[0]] }];
    for (const latestFail of [false, true]) {
      const rows = [row('3.5.1', { latestFail, ...(latestFail ? { status: 'fail', worst: 'fail' } : {}) }), row('1.2.8')];
      const refs = new EvidenceReferences();
      const out = Object.fromEntries(procedureResults([CATALOG], maps, rows, refs, findingsRegister(rows, refs)).map((p) => [p.procedure, p]));
      expect(out['3.5.1.b'].proposedFinding).toBe(latestFail ? 'not-in-place' : 'aws-portion-in-place');
      expect(out['3.5.1.b'].note.endsWith(`; what these checks show and do not show: ${shows}`)).toBe(true);
      expect(out['1.2.8'].note).not.toContain('what these checks show');
      // An unmapped procedure of the same requirement says what to ask for, not what the checks show.
      expect(out['3.5.1.a'].note).not.toContain('what these checks show');
    }
  });

  it("testing-procedures.csv: every mapped HIPAA specification's note ends with what its checks show and do not show, from the built-in map", () => {
    const hipaa = loadCatalogs().find((c) => c.framework === 'hipaa-security')!;
    const map = loadProcedureMap(hipaa);
    const csv = parseCsv(proceduresCsv(procedureResults([hipaa], [map], [], new EvidenceReferences(), [])).toString('utf8'));
    const [header, ...rows] = csv;
    const byProcedure = new Map(rows.map((r) => [r[header.indexOf('procedure')], r[header.indexOf('note')]]));
    expect(map.procedures.length).toBeGreaterThan(20);
    for (const m of map.procedures) expect(byProcedure.get(m.procedure)?.endsWith(`; ${SHOWS_LABEL}: ${m.shows}`), m.procedure).toBe(true);
    // A specification its evidence tests none of says why and what to ask for, not what checks show.
    const risk = byProcedure.get('164.308(a)(1)(ii)(A)') ?? '';
    expect(risk).toMatch(/^not tested by AWS evidence \(the requirement's AWS checks inform but do not test it: .*not the assessment/);
    expect(risk).not.toContain(SHOWS_LABEL);
  });

  it('"in place" names how many in-scope resources each check passed, which check judged none (shown as showing nothing), and the parameters that narrow them', () => {
    const Q2 = 'elbv2.listener-tls';
    const catalog = CatalogSchema.parse({
      framework: 'pci-test',
      name: 'Procedure test framework',
      version: '1',
      publisher: 'Evidence Locker tests',
      requirements: [{ id: '4.2.1', title: 'Two checks', principal: '4', testingProcedures: ['4.2.1'], coverage: 'partial', rationale: 'Part of it is in AWS.', parameters: { maxKeyAgeDays: 90 }, queries: [Q, Q2] }],
    });
    const maps = [{ framework: 'pci-test', procedures: [{ procedure: '4.2.1', requirement: '4.2.1', method: 'examine-configuration' as const, queries: [Q, Q2] }] }];
    const base = row('3.5.1');
    const r: RequirementTimeline = {
      ...base,
      requirement: catalog.requirements[0],
      latest: {
        ...base.latest!,
        requirementId: '4.2.1',
        findings: [
          ...base.latest!.findings,
          // The load balancer check judged only a resource left out of scope: it shows nothing for the procedure.
          { resource: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/marketing/1/2', resourceType: 'AWS::ElasticLoadBalancingV2::Listener', status: 'fail', reason: 'TLS 1.0', queryId: Q2, region: 'us-east-1', evidenceSha256: 'b'.repeat(64), inScope: false },
        ],
      },
    };
    const refs = new EvidenceReferences();
    const [p] = procedureResults([catalog], maps, [r], refs, findingsRegister([r], refs));
    expect(p.proposedFinding).toBe('aws-portion-in-place');
    expect(p.note).toContain('AWS portion in place: 1 in-scope resource(s) pass s3.bucket-encryption');
    expect(p.note).toContain("with the requirement's parameters maxKeyAgeDays=90");
    expect(p.note).toContain('elbv2.listener-tls judged no in-scope resource (1 out of scope, not counted), so it shows nothing here');
    expect(p.note).not.toContain('every in-scope resource passes');
  });

  it('a failing addressable HIPAA specification is not in place with the alternative the rule allows named; a required one names none', () => {
    const catalog = CatalogSchema.parse({
      framework: 'hipaa-test',
      name: 'Addressable test framework',
      version: '1',
      publisher: 'Evidence Locker tests',
      requirements: [
        { id: '164.312(a)(2)(iv)', title: 'Encryption and decryption', principal: '164.312(a)(1)', kind: 'specification', implementation: 'addressable', testingProcedures: ['164.312(a)(2)(iv)'], coverage: 'partial', rationale: 'Part of it is in AWS.', queries: [Q] },
        { id: '164.312(b)', title: 'Audit controls', principal: '164.312(b)', kind: 'standard', implementation: 'required', testingProcedures: ['164.312(b)'], coverage: 'partial', rationale: 'Part of it is in AWS.', queries: [Q] },
      ],
    });
    const maps = [{ framework: 'hipaa-test', procedures: catalog.requirements.map((r) => ({ procedure: r.id, requirement: r.id, method: 'examine-configuration' as const, queries: [Q] })) }];
    const rows = catalog.requirements.map((requirement): RequirementTimeline => {
      const base = row('3.5.1', { status: 'fail', latestFail: true });
      return { ...base, framework: 'hipaa-test', requirement, latest: { ...base.latest!, framework: 'hipaa-test', requirementId: requirement.id } };
    });
    const refs = new EvidenceReferences();
    const [addressable, required] = procedureResults([catalog], maps, rows, refs, findingsRegister(rows, refs));
    expect(addressable.proposedFinding).toBe('not-in-place');
    expect(addressable.note).toContain('; addressable specification: the AWS evidence does not show whether the entity documented that it is not reasonable and appropriate and put an equivalent alternative measure in place (45 CFR 164.306(d)(3)); ask for that assessment and documentation before concluding');
    expect(required.proposedFinding).toBe('not-in-place');
    expect(required.note).not.toContain('addressable');
    // As a build of summary revision 6 wrote it (verify --recompute of such a package).
    const [earlier] = procedureResults([catalog], maps, rows, refs, findingsRegister(rows, refs), undefined, undefined, false);
    expect(earlier.note).not.toContain('addressable');
  });

  it('names a check by what its mode parameter makes it judge, not by its default title', () => {
    const K = 'kms.key-state';
    const catalog = CatalogSchema.parse({
      framework: 'pci-test',
      name: 'Procedure test framework',
      version: '1',
      publisher: 'Evidence Locker tests',
      requirements: [{ id: '3.6.1.2', title: 'Key form', principal: '3', testingProcedures: ['3.6.1.2'], coverage: 'partial', rationale: 'Part of it is in AWS.', parameters: { judge: 'form' }, queries: [K] }],
    });
    const maps = [{ framework: 'pci-test', procedures: [{ procedure: '3.6.1.2', requirement: '3.6.1.2', method: 'examine-configuration' as const, queries: [K] }] }];
    const base = row('3.5.1');
    const r: RequirementTimeline = {
      ...base,
      requirement: catalog.requirements[0],
      latest: { ...base.latest!, requirementId: '3.6.1.2', findings: base.latest!.findings.map((f) => ({ ...f, queryId: K, resource: 'arn:aws:kms:us-east-1:111122223333:key/k1', resourceType: 'AWS::KMS::Key' })) },
    };
    const refs = new EvidenceReferences();
    const [p] = procedureResults([catalog], maps, [r], refs, findingsRegister([r], refs));
    expect(p.proposedFinding).toBe('aws-portion-in-place');
    expect(p.note).toContain('1 in-scope resource(s) pass kms.key-state (Customer managed KMS keys keep their key material in the HSMs of AWS KMS or of a CloudHSM custom key store)');
    expect(p.note).not.toContain('scheduled for deletion');
  });

  it('words what a partial requirement leaves untested from its actual procedures', () => {
    const p = results([row('1.2.8'), row('3.5.1')]);
    // 1.2.8 has no other procedure: no "other procedures are not tested".
    expect(p['1.2.8'].note).not.toMatch(/other procedure/);
    expect(p['1.2.8'].note).toContain('this is its only procedure, and what it asks beyond these checks is not tested (ask for: Ask for appliance configuration files.)');
    expect(p['3.5.1.b'].note).toContain('its other procedure (3.5.1.a) is not tested');
  });

  it('a requirement named untested in the map keeps every procedure not tested, saying why its checks do not test them', () => {
    const refs = new EvidenceReferences();
    const maps = [{ framework: 'pci-test', procedures: MAPS[0].procedures.filter((p) => p.requirement !== '3.5.1'), untested: [{ requirement: '3.5.1', reason: 'the bucket encryption setting says nothing of how keys are split' }] }];
    const rows = [row('3.5.1')];
    const p = Object.fromEntries(procedureResults([CATALOG], maps, rows, refs, findingsRegister(rows, refs)).map((x) => [x.procedure, x]));
    for (const id of ['3.5.1.a', '3.5.1.b']) {
      expect(p[id].proposedFinding, id).toBe('not-tested');
      expect(p[id].note, id).toMatch(/^not tested by AWS evidence \(the requirement's AWS checks inform but do not test it: the bucket encryption setting says nothing of how keys are split\); ask for: /);
    }
  });

  it('an inherited requirement\'s procedures are not tested, the provider\'s attestation covering only its part', () => {
    const refs = new EvidenceReferences();
    const cat = CatalogSchema.parse({ ...CATALOG, requirements: [{ id: '9.2.1', title: 'Inherited', principal: '9', testingProcedures: ['9.2.1'], coverage: 'inherited', rationale: 'AWS data centres.', assessorGuidance: 'Obtain the AWS AOC; test entity-operated facilities directly.', queries: [] }] });
    const [p] = procedureResults([cat], [{ framework: 'pci-test', procedures: [] }], [], refs, []);
    expect(p.proposedFinding).toBe('not-tested');
    expect(p.note).toBe("not tested by this package: inherited only for what the provider operates; review the provider's attestation and responsibility matrix for that part and test the part the entity operates itself (Obtain the AWS AOC; test entity-operated facilities directly.)");
  });

  it('a failure on an earlier day of the period makes the procedure not in place, citing the finding', () => {
    const p = results([row('3.6.1', { worst: 'fail', failSeen: [earlierFail] }), row('1.2.8', { worst: 'fail', failSeen: [earlierFail] })]);
    for (const id of ['3.6.1', '1.2.8']) {
      expect(p[id].proposedFinding, id).toBe('not-in-place');
      expect(p[id].findingIds, id).toEqual(['F-0001']);
      expect(p[id].note, id).toContain('in-scope resources failed earlier in the period and do not fail at its end: F-0001 prod-data (111122223333 us-east-1) 2026-11-02 to 2026-11-03');
    }
  });

  it('a failure in an earlier run of the last day, passing in its last run, makes the procedure not in place', () => {
    const sameDay: FailSpan = { ...earlierFail, first: DAYS[4], last: DAYS[4], runId: 'run-5-morning' };
    const p = results([row('3.6.1', { worst: 'fail', failSeen: [sameDay] })]);
    expect(p['3.6.1'].proposedFinding).toBe('not-in-place');
    expect(p['3.6.1'].findingIds).toEqual(['F-0001']);
    expect(p['3.6.1'].note).toContain('in-scope resources failed earlier in the period and do not fail at its end: F-0001 prod-data (111122223333 us-east-1) 2026-11-05');
  });

  it('a failure at the end of the period is not in place', () => {
    const p = results([row('3.6.1', { status: 'fail', latestFail: true, failSeen: [{ ...earlierFail, first: DAYS[4], last: DAYS[4] }] })]);
    expect(p['3.6.1'].proposedFinding).toBe('not-in-place');
    expect(p['3.6.1'].findingIds).toEqual(['F-0001']);
  });

  it('a day of the period without evidence, or a check that could not be collected, leaves the procedure not tested', () => {
    const p = results([row('3.6.1', { worst: 'not-collected', gapDays: [DAYS[1], DAYS[2]] }), row('1.2.8', { worst: 'not-collected', gaps: [{ day: DAYS[3], queryId: Q, region: 'eu-west-1', reason: 'AccessDenied: not authorized' }] })]);
    expect(p['3.6.1'].proposedFinding).toBe('not-tested');
    expect(p['3.6.1'].note).toBe('evidence gap in the period: account 111122223333: no evidence on 2 of 5 day(s) of the period (first 2026-11-02)');
    expect(p['1.2.8'].proposedFinding).toBe('not-tested');
    expect(p['1.2.8'].note).toContain(`${Q} (111122223333 eu-west-1) on 2026-11-04: AccessDenied: not authorized`);
  });

  it('a requirement that needs review only because no Config rule is deployed leaves its procedure not tested, never not applicable', () => {
    const r = row('3.6.1', { status: 'needs-review', worst: 'needs-review', daily: ['needs-review', 'needs-review', 'needs-review', 'needs-review', 'needs-review'] });
    r.latest!.findings = [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: 'no AWS Config rules are deployed in us-east-1', mechanismAbsent: 'AWS Config rules', queryId: Q, region: 'us-east-1', evidenceSha256: 'a'.repeat(64), inScope: true }];
    const p = results([r]);
    expect(p['3.6.1'].proposedFinding).toBe('not-tested');
    expect(p['3.6.1'].note).toBe("evidence needs the assessor's review before a finding can be proposed");
  });

  it('more gaps than the row keeps: one of the procedure\'s checks may be among those not kept, so it is not tested', () => {
    const r = row('3.6.1', { gaps: [{ day: DAYS[1], queryId: 'other.query', region: 'us-east-1', reason: 'AccessDenied' }] });
    r.gapsTotal = 250;
    expect(results([r])['3.6.1'].proposedFinding).toBe('not-tested');
    expect(results([r])['3.6.1'].note).toContain('more gaps in the period than the package lists (250)');
  });

  it('a result that needed review on an earlier day leaves the procedure not tested', () => {
    const p = results([row('3.6.1', { worst: 'needs-review', daily: ['pass', 'needs-review', 'pass', 'pass', 'pass'] })]);
    expect(p['3.6.1'].proposedFinding).toBe('not-tested');
    expect(p['3.6.1'].note).toBe("the requirement needed the assessor's review on a day of the period; review that evidence before a finding can be proposed");
    // Also when the row's worst is a fail of another check on another day.
    const q = results([row('3.6.1', { worst: 'fail', daily: ['fail', 'needs-review', 'pass', 'pass', 'pass'] })]);
    expect(q['3.6.1'].proposedFinding).toBe('not-tested');
  });
});

describe('findings register: one framework\'s reason is never printed for another\'s citation', () => {
  const span = (reason: string, last = DAYS[4]): FailSpan => ({ resource: 'prod-data', resourceType: 'AWS::S3::Bucket', queryId: Q, region: 'us-east-1', first: DAYS[0], last, reason, runId: 'run-5' });
  const other = (r: RequirementTimeline, framework: string): RequirementTimeline => ({ ...r, framework });

  it('keeps one finding per (account, resource, check, region) and prints each distinct reason with the requirements it belongs to', () => {
    // As F-0038 in the demo: PCI compares against 12 characters, HIPAA against 14.
    const pciRow = row('1.2.8', { worst: 'fail', latestFail: true, failSeen: [span('minimum length 8 is below 12')] });
    const hipaaRow = other(row('3.5.1', { worst: 'fail', latestFail: true, failSeen: [span('minimum length 8 is below 14 (the rule sets no length)')] }), 'hipaa-test');
    const [f, ...more] = findingsRegister([pciRow, hipaaRow], new EvidenceReferences());
    expect(more).toEqual([]);
    expect(f.id).toBe('F-0001');
    expect(f.requirements).toEqual(['hipaa:3.5.1', 'pci:1.2.8']);
    expect(f.details).toEqual([
      { requirements: ['hipaa:3.5.1'], detail: 'minimum length 8 is below 14 (the rule sets no length)' },
      { requirements: ['pci:1.2.8'], detail: 'minimum length 8 is below 12' },
    ]);
    expect(f.detail).toBe('hipaa:3.5.1: minimum length 8 is below 14 (the rule sets no length) | pci:1.2.8: minimum length 8 is below 12');
  });

  it('prints one reason plain when every requirement gives the same, each requirement\'s own latest', () => {
    const a = row('1.2.8', { worst: 'fail', latestFail: true, failSeen: [span('no default encryption')] });
    const b = other(row('3.5.1', { worst: 'fail', latestFail: true, failSeen: [span('no default encryption')] }), 'hipaa-test');
    // A requirement whose failure ended earlier keeps its own last reason; it does not take the other's.
    const c = row('3.6.1', { worst: 'fail', failSeen: [span('encryption with a key of another account', DAYS[1])] });
    const [f] = findingsRegister([a, b], new EvidenceReferences());
    expect(f.detail).toBe('no default encryption');
    const [g] = findingsRegister([a, b, c], new EvidenceReferences());
    expect(g.detail).toBe('hipaa:3.5.1 pci:1.2.8: no default encryption | pci:3.6.1: encryption with a key of another account');
  });
});
