import { describe, expect, it } from 'vitest';
import { exceptionReviews } from '../../src/package/assessor.js';
import { exceptionStates } from '../../src/package/exceptions.js';
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
    expect(sealed).toEqual({ index: 0, sealedApproval: { ref: 'E-0002', on: '2026-11-03', by: 'CISO', sealer: 'CISO (stated) \u2014 caller identity not recorded' }, missing: [] });
    expect(unsealed.sealedApproval).toBeUndefined();
    expect(unsealed.missing[0]).toMatch(/^approval not sealed: run `evidence-locker attest --framework pci-dss-4.0.1 --requirement 8.2.1 --by "CISO"/);
    expect(unsealed.missing[1]).toBe('compensating-control worksheet incomplete: constraints, objective, identifiedRisk, definition, validation, maintenance');
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
