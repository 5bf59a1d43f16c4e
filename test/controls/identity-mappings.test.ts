import { describe, expect, it } from 'vitest';
import { hipaa, pci, req } from './catalog-helpers.js';

/** The identity and data-discovery mappings say what their evidence does not show; these keep them from overclaiming. */

describe('identity and data-discovery mappings', () => {
  it('every requirement citing the new queries is partial, never automated', () => {
    const ids = ['iam.login-profiles', 'accessanalyzer.external-access', 'identitycenter.settings', 'account.security-contact', 'macie.discovery'];
    for (const c of [pci, hipaa]) {
      for (const r of c.requirements.filter((x) => x.queries.some((q) => ids.includes(q)))) expect(r.coverage, `${c.framework} ${r.id}`).toBe('partial');
    }
  });

  it('session duration is not cited for the access control model (7.2.1): it says nothing about job function or least privilege', () => {
    expect(req(pci, '7.2.1').queries).not.toContain('identitycenter.settings');
    expect(req(pci, '7.2.1').rationale).toMatch(/session duration, which says nothing about job functions or least privilege/);
  });

  it('session duration is never presented as the idle timeout (8.2.8, 164.312(a)(2)(iii))', () => {
    expect(req(pci, '8.2.8').rationale).toMatch(/not an idle\s+timeout/);
    expect(req(pci, '8.2.8').rationale).toMatch(/does not show that a session idle for 15 minutes/);
    expect(req(hipaa, '164.312(a)(2)(iii)').rationale).toMatch(/not logoff after inactivity/);
  });

  it('an AWS security contact is not the assigned security official; 12.10.1 is not claimed from it', () => {
    expect(req(hipaa, '164.308(a)(2)')).toMatchObject({ coverage: 'partial', queries: ['account.security-contact'] });
    expect(req(hipaa, '164.308(a)(2)').rationale).toMatch(/is not the\s+assigned security official/);
    expect(req(pci, '12.10.1').queries).not.toContain('account.security-contact');
  });

  it('Macie mappings name what it does not cover: other stores, retention, effectiveness testing, incident records', () => {
    expect(req(pci, '3.2.1').rationale).toMatch(/not databases, volumes or other stores/);
    expect(req(pci, 'A3.2.5.1').rationale).toMatch(/does not show that\s+the methods were tested/);
    expect(req(pci, '12.10.7').rationale).toMatch(/Whether the procedures were started/);
  });

  it('Access Analyzer mappings say an account without an analyzer is not evidence of no external access', () => {
    expect(req(pci, '7.2.1').rationale).toMatch(/without an analyzer is not evidence of none/);
    expect(req(pci, '8.2.7').rationale).toMatch(/not by this evidence/);
  });
});
