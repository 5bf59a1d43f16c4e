import { describe, expect, it } from 'vitest';
import { hipaa, pci, req, procedureQueries, untestedReason } from './catalog-helpers.js';

/** Mappings of existing evidence to sensitive authentication data, key custody, scope and emergency access: each says what it does not show. */

describe('sensitive authentication data, key custody, scope and emergency access mappings', () => {
  it('3.3.1, 3.3.1.1 and 3.3.1.2 judge Macie SAD detections only, never card-number locations, and say a bucket without a detection is not proof of none', () => {
    for (const id of ['3.3.1', '3.3.1.1', '3.3.1.2']) {
      expect(req(pci, id), id).toMatchObject({ coverage: 'partial', queries: ['macie.discovery'], parameters: { judgeCardNumberLocations: false } });
      expect(req(pci, id).rationale, id).toMatch(/without a detection is not proof/);
      expect(req(pci, id).rationale, id).toMatch(/does not show databases/i);
      expect(procedureQueries(pci, id), id).toEqual(['macie.discovery']);
    }
    expect(req(pci, '3.3.1.1').rationale).toMatch(/CREDIT_CARD_MAGNETIC_STRIPE/);
    expect(req(pci, '3.3.1.2').rationale).toMatch(/CREDIT_CARD_SECURITY_CODE/);
    // Macie has no PIN identifier: 3.3.1.3 stays documentary.
    expect(req(pci, '3.3.1.3').queries).toEqual([]);
  });

  it('KMS key policies bear on 3.5.1.3, 3.6.1.3 and 3.7.7 as partial, naming the IAM policies and procedures they do not show', () => {
    expect(req(pci, '3.5.1.3').queries).toEqual(['ec2.ebs-encryption', 'kms.key-access']);
    expect(req(pci, '3.6.1.3').queries).toEqual(['kms.key-access']);
    expect(req(pci, '3.7.7').queries).toEqual(['kms.key-access']);
    for (const id of ['3.5.1.3', '3.6.1.3', '3.7.7']) {
      expect(req(pci, id).coverage, id).toBe('partial');
      expect(req(pci, id).rationale, id).toMatch(/does not (show|read) IAM policies|does not show\s+IAM policies/);
    }
    // 3.5.1.3.a and 3.6.1.3 examine configurations and key locations; 3.7.7's procedures are documentary and an
    // interview or observation, which the key policies inform but do not test.
    for (const id of ['3.5.1.3', '3.6.1.3']) expect(procedureQueries(pci, id).length, id).toBeGreaterThan(0);
    expect(procedureQueries(pci, '3.7.7')).toEqual([]);
    expect(untestedReason(pci, '3.7.7')).toMatch(/not that an unauthorized substitution is prevented/);
    expect(req(pci, '3.6.1.3').rationale).toMatch(/whether the principals listed are the fewest needed/);
    expect(req(pci, '3.7.7').rationale).toMatch(/does not separate who may change the key policy/);
    // Key-management procedures stay the entity's (see overclaims): no key-state mapping to 3.7.1. (3.6.1.4 cites
    // kms.key-state judged on storage, not on its enabled state: see below.)
    expect(req(pci, '3.7.1').queries).toEqual([]);
    expect(req(pci, '3.5.1.2').queries).toEqual([]);
  });

  it('scope confirmations (12.5.2.1, A3.2.1) cite inventory and discovery inputs and say the confirmation itself is not shown', () => {
    for (const id of ['12.5.2.1', 'A3.2.1']) {
      expect(req(pci, id), id).toMatchObject({ coverage: 'partial', queries: ['config.resource-inventory', 'macie.discovery'] });
      expect(req(pci, id).rationale, id).toMatch(/does not show that the confirmation was done/);
      // Inputs to a scope confirmation are not one: no procedure of these is tested by them.
      expect(procedureQueries(pci, id), id).toEqual([]);
      expect(untestedReason(pci, id), id).toMatch(/inform them but are not them/);
    }
  });

  it('HIPAA emergency access and workforce clearance cite restore and administrator evidence, not the procedures', () => {
    expect(req(hipaa, '164.312(a)(2)(ii)')).toMatchObject({ coverage: 'partial', queries: ['backup.restore-testing', 'backup.plans'] });
    expect(req(hipaa, '164.312(a)(2)(ii)').rationale).toMatch(/do not show the emergency access procedure, break-glass accounts/);
    expect(req(hipaa, '164.308(a)(3)(ii)(B)')).toMatchObject({ coverage: 'partial', queries: ['iam.admin-principals'] });
    expect(req(hipaa, '164.308(a)(3)(ii)(B)').rationale).toMatch(/does not show narrower access to ePHI/);
    for (const id of ['164.312(a)(2)(ii)', '164.308(a)(3)(ii)(B)']) expect(procedureQueries(hipaa, id).length, id).toBeGreaterThan(0);
  });

  it('rationales reviewed today state facts the evidence supports: Lambda is not the only retiring technology, IAM change records depend on settings', () => {
    expect(req(pci, '12.3.4').rationale).not.toMatch(/the one AWS compute service/);
    expect(req(pci, '12.3.4').rationale).toMatch(/Other\s+technologies with vendor end-of-life dates/);
    expect(req(hipaa, '164.308(a)(4)(ii)(C)').rationale).not.toMatch(/record every change/);
    expect(req(hipaa, '164.308(a)(4)(ii)(C)').rationale).toMatch(/when the recorder includes global IAM\s+resource types/);
  });

  it('Lambda: runtime end of support is judged under 12.3.4 and 6.3.3, the runtime update mode (patching) under 6.3.3 only; HIPAA risk management cites both, malware protection says why not', () => {
    expect(req(pci, '12.3.4').queries).toEqual(['lambda.runtime-support']);
    expect(req(pci, '12.3.4').rationale).toMatch(/runtime update mode\) is a patching\s+matter, judged under 6\.3\.3, not here/);
    expect(req(pci, '6.3.3').queries).toEqual(expect.arrayContaining(['lambda.runtime-support', 'lambda.runtime-update-mode']));
    expect(procedureQueries(pci, '6.3.3')).toEqual(expect.arrayContaining(['lambda.runtime-support', 'lambda.runtime-update-mode']));
    // One window for both patch timings: 6.3.3's one month, which the entity may change; HIPAA sets none (0: no window).
    expect(req(pci, '6.3.3').parameters).toMatchObject({ remediationWindowDays: 30 });
    expect(req(pci, '6.3.3').parameterBasis?.remediationWindowDays?.note).toMatch(/Lambda functions on FunctionUpdate days since their last update/);
    expect(req(hipaa, '164.308(a)(1)(ii)(B)').parameters).toMatchObject({ remediationWindowDays: 0 });
    for (const r of [...pci.requirements, ...hipaa.requirements]) {
      if (r.queries.includes('lambda.runtime-update-mode')) expect(['6.3.3', '164.308(a)(1)(ii)(B)'], r.id).toContain(r.id);
    }
    const risk = req(hipaa, '164.308(a)(1)(ii)(B)');
    expect(risk).toMatchObject({ coverage: 'partial' });
    expect(risk.queries).toEqual(expect.arrayContaining(['ssm.patch-compliance', 'lambda.runtime-support', 'lambda.runtime-update-mode']));
    expect(risk.rationale).toMatch(/The Security Rule sets no patching interval/);
    expect(procedureQueries(hipaa, '164.308(a)(1)(ii)(B)')).toEqual(expect.arrayContaining(['lambda.runtime-support', 'lambda.runtime-update-mode']));
    expect(req(hipaa, '164.308(a)(5)(ii)(B)').queries).not.toContain('lambda.runtime-support');
    expect(req(hipaa, '164.308(a)(5)(ii)(B)').rationale).toMatch(/Patch state \(Patch Manager, Lambda runtimes\) is judged under 164\.308\(a\)\(1\)\(ii\)\(B\)/);
  });

  it('1.2.6 and 7.2.6 cite endpoint and data-store exposure as partial, naming the host services and database grants they do not show', () => {
    expect(req(pci, '1.2.6')).toMatchObject({ coverage: 'partial', queries: ['elbv2.listener-tls', 'cloudfront.viewer-tls'] });
    expect(req(pci, '1.2.6').rationale).toMatch(/does not show insecure services on hosts/);
    expect(req(pci, '7.2.6')).toMatchObject({ coverage: 'partial', queries: ['rds.public-access', 's3.public-access-block'] });
    expect(req(pci, '7.2.6').rationale).toMatch(/does not show\s+database user accounts and grants/);
    for (const id of ['1.2.6', '7.2.6']) expect(procedureQueries(pci, id), id).toEqual(req(pci, id).queries);
  });

  it('A3.2.5.2 cites Macie discoveries as the trigger, not as proof the response procedures started', () => {
    expect(req(pci, 'A3.2.5.2')).toMatchObject({ coverage: 'partial', queries: ['macie.discovery'] });
    expect(req(pci, 'A3.2.5.2').rationale).toMatch(/Whether the procedures were started/);
    // A3.2.5.2.b examines records of remediation: Macie's findings are its trigger, not a test of it.
    expect(procedureQueries(pci, 'A3.2.5.2')).toEqual([]);
    expect(untestedReason(pci, 'A3.2.5.2')).toMatch(/not that one was performed/);
  });

  it('12.10.7 and A3.2.5.2 take each Macie discovery as a response to ask for (needs review), the requirements about where PAN may be keep failing it', () => {
    for (const id of ['12.10.7', 'A3.2.5.2']) {
      expect(req(pci, id).parameters, id).toMatchObject({ discoveriesNeedResponseRecords: true });
      expect(req(pci, id).rationale.replace(/\s+/g, ' '), id).toMatch(/Each such bucket needs review, naming its findings and asking for their response records; a discovery is never a failure here/);
    }
    for (const id of ['3.2.1', '12.5.2', '12.5.2.1', 'A3.2.1', 'A3.2.5', 'A3.2.5.1', 'A3.2.6']) expect(req(pci, id).parameters.discoveriesNeedResponseRecords, id).toBeUndefined();
  });

  it('every PCI DSS requirement citing macie.discovery lets the organisation declare its card data locations (cardDataBuckets), empty by default', () => {
    const citing = pci.requirements.filter((r) => r.queries.includes('macie.discovery'));
    expect(citing.length).toBeGreaterThanOrEqual(12);
    for (const r of citing) expect(r.parameters.cardDataBuckets, r.id).toEqual([]);
  });

  it('7.3.2 lists full administrators for review and A3.2.6 cites Macie as after-the-fact S3 detection, each naming what it does not show', () => {
    expect(req(pci, '7.3.2')).toMatchObject({ coverage: 'partial', queries: ['iam.admin-principals'] });
    expect(req(pci, '7.3.2').rationale).toMatch(/does not show that the other permissions/);
    expect(procedureQueries(pci, '7.3.2')).toEqual(['iam.admin-principals']);
    expect(req(pci, 'A3.2.6')).toMatchObject({ coverage: 'partial', queries: ['macie.discovery'] });
    expect(req(pci, 'A3.2.6').rationale).toMatch(/does not show prevention, nor detection on other channels/);
    expect(procedureQueries(pci, 'A3.2.6')).toEqual([]);
    expect(untestedReason(pci, 'A3.2.6')).toMatch(/neither prevention nor investigation/);
  });

  it('3.6.1.2 judges the form KMS keys are kept in (origin), and says keys outside KMS and key-encrypting keys are not shown', () => {
    expect(req(pci, '3.6.1.2')).toMatchObject({ coverage: 'partial', queries: ['kms.key-state'], parameters: { judge: 'form' } });
    expect(req(pci, '3.6.1.2').rationale).toMatch(/does not show keys kept outside KMS/);
  });

  it('3.6.1.4 judges KMS key storage (origin, multi-Region) and says keys outside KMS are not shown', () => {
    expect(req(pci, '3.6.1.4')).toMatchObject({ coverage: 'partial', queries: ['kms.key-state'], parameters: { judge: 'storage' } });
    expect(req(pci, '3.6.1.4').rationale).toMatch(/does not show keys kept outside KMS/);
    expect(procedureQueries(pci, '3.6.1.4')).toEqual(['kms.key-state']);
  });

  it('12.8.1, 164.308(b)(1) and 164.314(a)(1) list external principals for review against the entity\'s own list, never as a failure, and say the list or contract is not shown', () => {
    expect(req(pci, '12.8.1')).toMatchObject({ coverage: 'partial', queries: ['accessanalyzer.external-access'], parameters: { purpose: 'third-parties' } });
    expect(req(pci, '12.8.1').rationale).toMatch(/does not show the list itself/);
    // The TPSP list and the assurances are what 12.8.1.b and 164.308(b)(1) examine: external principals inform, they test neither.
    expect(procedureQueries(pci, '12.8.1')).toEqual([]);
    expect(untestedReason(pci, '12.8.1')).toMatch(/not the list/);
    expect(req(pci, '12.8.1').rationale).toMatch(/archived as intended access/);
    for (const id of ['164.308(b)(1)', '164.314(a)(1)']) {
      expect(req(hipaa, id), id).toMatchObject({ coverage: 'partial', queries: ['accessanalyzer.external-access'], parameters: { purpose: 'third-parties' } });
    }
    expect(procedureQueries(hipaa, '164.308(b)(1)')).toEqual([]);
    expect(untestedReason(hipaa, '164.308(b)(1)')).toMatch(/not the assurances/);
    // The contract's terms are what 164.314(a)(1) examines: external access informs, it tests nothing of them.
    expect(procedureQueries(hipaa, '164.314(a)(1)')).toEqual([]);
    expect(untestedReason(hipaa, '164.314(a)(1)')).toMatch(/business associate contracts' terms/);
    expect(req(hipaa, '164.308(b)(1)').rationale).toMatch(/does not show the assurances/);
    expect(req(hipaa, '164.314(a)(1)').rationale).toMatch(/shows no contract term/);
  });
});
