import { describe, expect, it } from 'vitest';
import { approvalMatchText, exceptionReviews } from '../../src/package/assessor.js';
import { callerIsPrincipal } from '../../src/evidence/record.js';
import { ExceptionEntrySchema, exceptionStates } from '../../src/package/exceptions.js';
import { EvidenceReferences, formatRef } from '../../src/package/references.js';
import { REMEDIATION_DOC, SEVERITY_BY_QUERY } from '../../src/package/findings.js';
import { readFileSync } from 'node:fs';
import { ALL_QUERIES } from '../../src/queries/index.js';

const worksheet = {
  constraints: 'The legacy app cannot enforce 12-character passwords.',
  objective: 'Passwords resist guessing for their lifetime.',
  identifiedRisk: 'Shorter passwords are easier to guess.',
  definition: 'Hardware MFA on every login and lockout after 6 tries.',
  validation: 'Tested login lockout and MFA enrolment for all users.',
  maintenance: 'Quarterly review of MFA enrolment by the IAM team.',
};
const base = { framework: 'pci-dss-4.0.1', requirement: '8.3.6', owner: 'IAM team', rationale: 'Legacy app with hardware MFA.', approvedBy: 'CISO', expires: '2027-06-30' };

describe('exception reviews', () => {
  it('cites the sealed attestation of the approver, and lists what a PCI DSS worksheet lacks', () => {
    const refs = new EvidenceReferences();
    refs.assign('run-c', 'rec-1');
    refs.assign('run-a', 'attestation/pci/8.3.6', 'a'.repeat(64));
    const states = exceptionStates(
      [
        { ...base, type: 'compensating-control', worksheet },
        { ...base, requirement: '8.2.1', type: 'compensating-control' },
      ],
      '2026-12-31',
    );
    const att = { framework: 'pci-dss-4.0.1', requirement: '8.3.6', by: 'CISO', note: 'approves', runId: 'run-a', collectedAt: '2026-11-03T10:00:00Z', sha256: 'a'.repeat(64) };
    const [sealed, unsealed] = exceptionReviews(states, [att], refs);
    expect(sealed).toEqual({ index: 0, sealedApproval: { ref: 'E-0002', on: '2026-11-03', by: 'CISO', sealer: 'CISO (stated) \u2014 caller identity not recorded', matchedOn: 'stated-name' }, missing: [] });
    expect(unsealed.sealedApproval).toBeUndefined();
    expect(unsealed.missing[0]).toMatch(/^approval not sealed: run `evidence-locker attest --framework pci-dss-4.0.1 --requirement 8.2.1 --by "CISO"/);
    expect(unsealed.missing[1]).toBe('compensating-control worksheet incomplete: constraints, objective, identifiedRisk, definition, validation, maintenance');
  });
});

describe('exception approvals tied to the approver\'s IAM principal (approverArn)', () => {
  const key = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const sealed = (callerArn: string | null, at: string, sha: string) => ({
    framework: 'pci-dss-4.0.1',
    requirement: '8.3.6',
    by: 'CISO',
    note: 'approves',
    runId: 'run-a',
    collectedAt: at,
    sha256: sha,
    sealedBy: { signerKind: 'kms' as const, callerArn, keyId: key, keyFingerprint: 'f'.repeat(64) },
  });
  const approverRole = 'arn:aws:iam::111122223333:role/governance/ExceptionApprover';
  const setup = (approverArn?: string) => {
    const refs = new EvidenceReferences();
    refs.assign('run-a', 'attestation/pci/8.3.6', 'a'.repeat(64));
    refs.assign('run-a', 'attestation/pci/8.3.6#2', 'b'.repeat(64));
    const [state] = exceptionStates([{ ...base, type: 'compensating-control', worksheet, ...(approverArn ? { approverArn } : {}) }], '2026-12-31');
    return { refs, state };
  };

  it('counts only an attestation the register\'s approver sealed, naming who sealed the others', () => {
    const { refs, state } = setup(approverRole);
    const byCollector = sealed('arn:aws:sts::111122223333:assumed-role/EvidenceCollector/CISO', '2026-11-04T10:00:00Z', 'a'.repeat(64));
    const [r] = exceptionReviews([state], [byCollector], refs);
    expect(r.sealedApproval).toBeUndefined();
    expect(r.missing[0]).toMatch(/^approval not sealed by the register's approver arn:aws:iam::111122223333:role\/governance\/ExceptionApprover: 1 attestation\(s\) state "CISO" but were sealed by arn:aws:sts::111122223333:assumed-role\/EvidenceCollector\/CISO;/);

    // A session of the approver's role (an older attestation) counts, though a newer one by another caller exists.
    const byApprover = sealed('arn:aws:sts::111122223333:assumed-role/ExceptionApprover/jane', '2026-11-03T10:00:00Z', 'b'.repeat(64));
    const [ok] = exceptionReviews([state], [byCollector, byApprover], refs);
    expect(ok.missing).toEqual([]);
    expect(ok.sealedApproval).toMatchObject({ ref: 'E-0002', on: '2026-11-03', matchedOn: 'caller' });
    expect(approvalMatchText(ok.sealedApproval!, approverRole)).toBe(`sealed by the register's approver ${approverRole} (the caller the tool recorded)`);
  });

  it('does not take a role of the same name in another account or partition, an unrecorded caller or a local key', () => {
    const { refs, state } = setup(approverRole);
    const local = { ...sealed(null, '2026-11-05T10:00:00Z', 'a'.repeat(64)), sealedBy: { signerKind: 'local' as const, callerArn: null, keyId: 'local:ab', keyFingerprint: 'ab' } };
    for (const att of [
      sealed('arn:aws:sts::444455556666:assumed-role/ExceptionApprover/jane', '2026-11-03T10:00:00Z', 'a'.repeat(64)),
      sealed('arn:aws-us-gov:sts::111122223333:assumed-role/ExceptionApprover/jane', '2026-11-03T10:00:00Z', 'a'.repeat(64)),
      sealed('arn:aws:sts::111122223333:assumed-role/ExceptionApprover2/jane', '2026-11-03T10:00:00Z', 'a'.repeat(64)),
      sealed(null, '2026-11-03T10:00:00Z', 'a'.repeat(64)),
      local,
    ]) {
      const [r] = exceptionReviews([state], [att], refs);
      expect(r.sealedApproval, JSON.stringify(att.sealedBy)).toBeUndefined();
      expect(r.missing[0]).toMatch(/^approval not sealed by the register's approver/);
    }
    const [r] = exceptionReviews([state], [local], refs);
    expect(r.missing[0]).toContain('sealed by a local key (ab), no AWS identity');
  });

  it('matches an IAM user exactly; without approverArn it says the match is on the stated name', () => {
    expect(callerIsPrincipal('arn:aws:iam::111122223333:user/ops/jane', 'arn:aws:iam::111122223333:user/ops/jane')).toBe(true);
    expect(callerIsPrincipal('arn:aws:iam::111122223333:user/jane', 'arn:aws:iam::111122223333:user/ops/jane')).toBe(false);
    expect(callerIsPrincipal('arn:aws:sts::111122223333:assumed-role/jane/x', 'arn:aws:iam::111122223333:user/jane')).toBe(false);
    const { refs, state } = setup();
    const [r] = exceptionReviews([state], [sealed('arn:aws:sts::111122223333:assumed-role/EvidenceCollector/CISO', '2026-11-04T10:00:00Z', 'a'.repeat(64))], refs);
    expect(r.sealedApproval?.matchedOn).toBe('stated-name');
    expect(approvalMatchText(r.sealedApproval!, undefined)).toMatch(/^matched on the stated name only: the register names no approverArn/);
  });

  it('refuses a session ARN or a non-IAM ARN as approverArn, naming why', () => {
    const entry = { ...base, type: 'compensating-control', worksheet };
    const session = ExceptionEntrySchema.safeParse({ ...entry, approverArn: 'arn:aws:sts::111122223333:assumed-role/ExceptionApprover/jane' });
    expect(session.success).toBe(false);
    expect(JSON.stringify(session.error?.issues)).toContain('not a session of it');
    expect(ExceptionEntrySchema.safeParse({ ...entry, approverArn: 'arn:aws:kms:eu-west-1:111122223333:key/x' }).success).toBe(false);
    expect(ExceptionEntrySchema.safeParse({ ...entry, approverArn: approverRole }).success).toBe(true);
  });
});

describe('evidence references', () => {
  it('number records in order, keep a number once given, and widen past 9999', () => {
    const refs = new EvidenceReferences();
    expect(refs.assign('r1', 'a')).toBe('E-0001');
    expect(refs.assign('r1', 'b')).toBe('E-0002');
    expect(refs.assign('r1', 'a')).toBe('E-0001');
    expect(refs.of('r1', 'b')).toBe('E-0002');
    expect(refs.of('r2', 'b')).toBeUndefined();
    expect(formatRef(12345)).toBe('E-12345');
  });
});

describe('findings register rule', () => {
  it('publishes a severity and an AWS documentation link for every query, and the README table lists each', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const q of ALL_QUERIES) {
      expect(SEVERITY_BY_QUERY[q.id], q.id).toBeDefined();
      expect(REMEDIATION_DOC[q.id], q.id).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
      expect(readme, q.id).toMatch(new RegExp(`\\| ${SEVERITY_BY_QUERY[q.id]} \\|[^\\n]*\`${q.id.replace(/\./g, '\\.')}\``));
    }
  });
});
