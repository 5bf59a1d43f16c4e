import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/evidence/hash.js';
import {
  REFERENCE_IDS,
  builtInCatalogDir,
  coverageTable,
  findCatalog,
  formatProblem,
  loadCatalogs,
  validateCatalogs,
  type LoadedCatalog,
} from '../../src/controls/load.js';
import { FIXED_QUERY_IDS } from './fixed-query-ids.js';
import { ORGANISATION_THRESHOLDS } from '../../src/evaluate/baseline.js';
import { appliesToList, type AppliesTo } from '../../src/controls/schema.js';

const catalogs = loadCatalogs();
const pci = findCatalog(catalogs, 'pci-dss-4.0.1');
const hipaa = findCatalog(catalogs, 'hipaa-security');

function byId(c: LoadedCatalog, id: string) {
  const r = c.requirements.find((x) => x.id === id);
  if (!r) throw new Error(`requirement ${id} missing`);
  return r;
}

describe('built-in catalogs', () => {
  it('are found relative to the package root and carry their source file', () => {
    expect(builtInCatalogDir()).toMatch(/controls$/);
    expect(catalogs.map((c) => c.framework).sort()).toEqual(['hipaa-security', 'pci-dss-4.0.1']);
    expect(pci.sourceFile).toMatch(/controls[/\\]pci-dss-4\.0\.1\.yaml$/);
    // sourceFile is not part of the serialized catalog shape
    expect(Object.keys(pci)).not.toContain('sourceFile');
  });

  it('say for every PCI DSS threshold a reason can compare against whether 4.0.1 fixes it (parameterBasis)', () => {
    // HIPAA sets no numbers, so its thresholds default to the organisation's; PCI DSS fixes some and leaves others to
    // the entity, which only the catalog can say.
    const missing = pci.requirements.flatMap((r) =>
      r.queries.flatMap((q) => Object.keys(ORGANISATION_THRESHOLDS[q] ?? {}).filter((n) => (n in r.parameters || q !== 'backup.plans') && !r.parameterBasis?.[n]).map((n) => `${r.id} ${q} ${n}`)),
    );
    expect(missing).toEqual([]);
    expect(byId(pci, '8.3.6').parameterBasis?.minimumPasswordLength?.source).toBe('requirement');
    expect(byId(pci, '8.6.3').parameterBasis?.maxKeyAgeDays).toEqual({ source: 'entity', note: "8.6.3 takes the period from the entity's targeted risk analysis" });
  });

  it('cite AWS Config rule results as detection (process) evidence only where the requirement is the process', () => {
    const detection = (c: LoadedCatalog) => c.requirements.filter((r) => r.parameters.configRulesEvidence === 'detection').map((r) => r.id);
    expect(detection(hipaa)).toEqual(['164.308(a)(1)', '164.308(a)(8)']);
    // PCI DSS cites them for the resources' configuration (2.2.1 configuration standards applied, 2.2.6 parameters).
    expect(detection(pci)).toEqual([]);
    expect(byId(hipaa, '164.308(a)(1)').queries).toContain('config.recorder-status');
  });

  it('validate cleanly against the fixed query ids and the reference id lists', () => {
    const problems = validateCatalogs(catalogs, FIXED_QUERY_IDS, REFERENCE_IDS);
    expect(problems.map(formatProblem)).toEqual([]);
  });

  for (const framework of ['pci-dss-4.0.1', 'hipaa-security'] as const) {
    it(`${framework}: every reference id appears exactly once and nothing else`, () => {
      const catalog = findCatalog(catalogs, framework);
      const ids = catalog.requirements.map((r) => r.id);
      const ref = REFERENCE_IDS[framework].requirements;
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual([...ref].sort());
      for (const id of ref) expect(ids.filter((x) => x === id)).toHaveLength(1);
      expect(catalog.principals.map((p) => p.id).sort()).toEqual([...(REFERENCE_IDS[framework].principals ?? [])].sort());
    });
  }

  it('PCI DSS: 280 requirements, 86 principals, lettered testing procedures from the standard', () => {
    expect(pci.requirements).toHaveLength(280);
    expect(pci.principals).toHaveLength(86);
    expect(byId(pci, '3.5.1').testingProcedures).toEqual(['3.5.1.a', '3.5.1.b', '3.5.1.c']);
    expect(byId(pci, '3.5.1.1').testingProcedures).toEqual(['3.5.1.1.a', '3.5.1.1.b', '3.5.1.1.c', '3.5.1.1.d']);
    expect(byId(pci, '10.5.1').testingProcedures).toEqual(['10.5.1.a', '10.5.1.b', '10.5.1.c']);
    expect(byId(pci, '8.3.6').testingProcedures).toEqual(['8.3.6']);
    expect(byId(pci, 'A3.3.1.1').principal).toBe('A3.3');
    const lettered = pci.requirements.flatMap((r) => r.testingProcedures).filter((t) => /\.[a-z]$/.test(t));
    expect(lettered).toHaveLength(400);
  });

  it('HIPAA: 22 standards and 46 specifications with required/addressable as the rule labels them', () => {
    expect(hipaa.requirements.filter((r) => r.kind === 'standard')).toHaveLength(22);
    const specs = hipaa.requirements.filter((r) => r.kind === 'specification');
    expect(specs).toHaveLength(46);
    expect(specs.filter((r) => r.implementation === 'required')).toHaveLength(24);
    expect(specs.filter((r) => r.implementation === 'addressable')).toHaveLength(22);
    expect(byId(hipaa, '164.312(a)(2)(iv)')).toMatchObject({ implementation: 'addressable', principal: '164.312(a)(1)' });
    expect(byId(hipaa, '164.316(b)(2)(i)')).toMatchObject({ implementation: 'required', principal: '164.316(b)(1)' });
    expect(byId(hipaa, '164.312(b)')).toMatchObject({ kind: 'standard', implementation: 'required', principal: '164.312(b)' });
    for (const r of hipaa.requirements) expect(r.testingProcedures.length).toBeGreaterThanOrEqual(1);
  });

  it('map the key requirements to the evidence that supports them', () => {
    const q = (c: LoadedCatalog, id: string) => byId(c, id).queries;
    expect(q(pci, '3.5.1')).toEqual(expect.arrayContaining(['s3.bucket-encryption', 'rds.storage-encrypted', 'ec2.ebs-default-encryption']));
    expect(q(pci, '4.2.1')).toContain('s3.tls-only-policy');
    expect(q(pci, '10.2.1')).toContain('cloudtrail.trail-logging');
    expect(q(pci, '10.2.2')).toContain('cloudtrail.trail-logging');
    expect(q(pci, '10.3.2')).toContain('cloudtrail.log-file-validation');
    expect(q(pci, '10.3.3')).toContain('cloudtrail.cloudwatch-logs');
    expect(q(pci, '10.3.4')).toContain('cloudtrail.log-file-validation');
    expect(q(pci, '10.4.1')).toEqual(expect.arrayContaining(['cloudtrail.sensitive-activity', 'guardduty.findings']));
    expect(q(pci, '10.5.1')).toEqual(expect.arrayContaining(['cloudtrail.log-bucket-retention', 'logs.retention']));
    expect(q(pci, '10.7.2')).toContain('config.recorder-status');
    expect(q(pci, '11.5.1')).toContain('guardduty.detector-enabled');
    expect(q(pci, '12.10.5')).toContain('guardduty.findings');
    // An enabled hardening standard is not a hardened configuration: its control results decide too.
    expect(q(pci, '2.2.1')).toEqual(['config.conformance-packs', 'securityhub.pci-standard', 'securityhub.control-results']);
    // Rationales say what the checks leave out, and judge only what they say.
    const rationale = (c: typeof pci, id: string) => c.requirements.find((r) => r.id === id)!.rationale;
    for (const id of ['8.4.2', '8.4.3']) expect(rationale(pci, id), id).toMatch(/access keys[^.]*not judged/i);
    expect(rationale(pci, '3.5.1')).toMatch(/older objects are not shown/);
    expect(rationale(pci, '10.3.2')).toMatch(/not re-checked/);
    expect(rationale(pci, '10.3.3')).toMatch(/do not show that the bucket is a central store/);
    for (const id of ['1.2.6', '2.2.7', '12.3.3']) expect(rationale(pci, id), id).toMatch(/not Classic Load Balancers|Classic Load Balancers are not collected/);
    expect(hipaa.requirements.find((r) => r.id === '164.308(a)(5)(ii)(D)')!.parameters).toMatchObject({ passwordPolicyChecks: ['length'] });
    expect(q(pci, '8.3.6')).toEqual(['iam.password-policy']);
    expect(q(pci, '8.3.7')).toEqual(['iam.password-policy']);
    expect(q(pci, '8.3.9')).toEqual(['iam.password-expiry', 'iam.access-key-age', 'iam.service-specific-credentials']);
    expect(q(pci, '8.2.6')).toEqual(['iam.unused-credentials']);
    for (const id of ['8.4.1', '8.4.2', '8.4.3']) expect(q(pci, id)).toContain('iam.console-mfa');
    expect(q(pci, '5.2.1')).toContain('guardduty.malware-runtime-protection');
    expect(q(pci, '1.3.1')).toContain('ec2.admin-ports-open');
    expect(q(pci, '1.3.2')).toContain('ec2.default-security-group');
    expect(q(hipaa, '164.312(b)')).toEqual(expect.arrayContaining(['cloudtrail.trail-logging', 'config.recorder-status']));
    expect(q(hipaa, '164.312(a)(2)(iv)')).toEqual(
      expect.arrayContaining(['s3.bucket-encryption', 'rds.storage-encrypted', 'ec2.ebs-default-encryption', 'kms.key-rotation']),
    );
    expect(q(hipaa, '164.312(e)(1)')).toEqual(['s3.tls-only-policy', 'elbv2.listener-tls', 'cloudfront.viewer-tls', 'acm.certificates']);
    expect(q(hipaa, '164.308(a)(1)(ii)(D)')).toEqual(expect.arrayContaining(['cloudtrail.sensitive-activity', 'guardduty.findings']));
    expect(q(hipaa, '164.316(b)(2)(i)')).toEqual([]);
  });

  it('carry standard-correct parameter defaults', () => {
    expect(byId(pci, '8.3.6').parameters).toEqual({ minimumPasswordLength: 12, passwordPolicyChecks: ['length', 'composition'] });
    expect(byId(pci, '8.3.7').parameters).toEqual({ minimumPasswordReusePrevention: 4, passwordPolicyChecks: ['reuse'] });
    expect(byId(pci, '8.2.6').parameters).toEqual({ maxUnusedDays: 90 });
    expect(byId(pci, '10.5.1').parameters).toEqual({ minimumRetentionDays: 365, auditLogGroups: ['*'] });
    expect(byId(pci, '8.3.9').parameters).toEqual({ maxPasswordAgeDays: 90, maxKeyAgeDays: 90, maxAgeDays: 90 });
    expect(byId(pci, '8.6.3').parameters).toEqual({ maxKeyAgeDays: 90, rotationPeriodDays: 90, maxAgeDays: 90 });
    // the severity cut-off is an organisation choice; the default includes medium findings
    expect(byId(pci, '10.4.1').parameters).toEqual({ lookbackHours: 24, minimumSeverity: 4 });
    // documentation retention, not log retention: no log-retention parameter
    expect(byId(hipaa, '164.316(b)(2)(i)').parameters).toEqual({});
  });

  it('use every fixed evidence query somewhere', () => {
    const used = new Set(catalogs.flatMap((c) => c.requirements.flatMap((r) => r.queries)));
    expect(FIXED_QUERY_IDS.filter((id) => !used.has(id))).toEqual([]);
  });

  it('give manual and inherited requirements assessor guidance and inherited ones point at the CSP attestation', () => {
    for (const c of catalogs) {
      for (const r of c.requirements) {
        if (r.coverage === 'manual' || r.coverage === 'inherited') expect(r.assessorGuidance?.length ?? 0, r.id).toBeGreaterThan(20);
        if (r.coverage === 'inherited') expect(r.assessorGuidance, r.id).toMatch(/AWS/);
      }
    }
    expect(byId(pci, '9.2.1').assessorGuidance).toMatch(/Attestation of Compliance/);
  });

  it('never propose not applicable because the collector cannot see a thing: POI requirements are manual, N/A only on the entity\'s confirmation', () => {
    for (const id of ['9.5.1', '9.5.1.1', '9.5.1.2', '9.5.1.2.1', '9.5.1.3', 'A2.1.1']) {
      const r = byId(pci, id);
      expect(r.coverage, id).toBe('manual');
      expect(r.rationale, id).toMatch(/Not applicable only if the entity confirms it has no/);
      expect(r.assessorGuidance, id).toMatch(/record the requirement as not applicable with that confirmation/);
    }
  });
});

describe('requirements limited to an entity type (appliesTo)', () => {
  // PCI DSS v4.0.1: each requirement whose text opens "Additional requirement for service providers only"; 11.4.7 and
  // Appendix A1 ("multi-tenant service providers only"); Appendix A3 (designated entities). README lists the sources.
  const SERVICE_PROVIDER = ['3.6.1.1', '3.7.9', '8.2.3', '8.3.10', '8.3.10.1', '10.7.1', '11.4.6', '11.5.1.1', '12.4.1', '12.4.2', '12.4.2.1', '12.5.2.1', '12.5.3', '12.9.1', '12.9.2', 'A2.1.2', 'A2.1.3'];
  const marked = (v: AppliesTo) => pci.requirements.filter((r) => appliesToList(r).includes(v)).map((r) => r.id);
  const MULTI_TENANT = ['11.4.7', 'A1.1.1', 'A1.1.2', 'A1.1.3', 'A1.1.4', 'A1.2.1', 'A1.2.2', 'A1.2.3'];
  it('PCI DSS: marks exactly the service-provider, multi-tenant and designated-entity requirements', () => {
    expect(marked('service-provider')).toEqual(SERVICE_PROVIDER);
    expect(marked('multi-tenant-service-provider')).toEqual(MULTI_TENANT);
    expect(marked('designated-entity')).toEqual(pci.requirements.filter((r) => r.id.startsWith('A3.')).map((r) => r.id));
    expect(marked('designated-entity')).toHaveLength(20);
    // "Additional requirement for issuers and companies that support issuing services" (3.3.3); A2.1.1 is for the entity
    // whose POS POI terminals use SSL or early TLS (not for the service providers they connect to: A2.1.2, A2.1.3).
    expect(marked('issuer')).toEqual(['3.3.3']);
    expect(marked('pos-poi-ssl-early-tls')).toEqual(['A2.1.1']);
    expect(hipaa.requirements.filter((r) => r.appliesTo)).toEqual([]);
  });
  // A2.1.2: "additional requirement for service providers only", and only those with existing connection points to POS
  // POI terminals that use SSL or early TLS; A2.1.1 is the terminal owner's, not the service provider's.
  // A2.1.3: "all service providers provide a secure service offering", in an appendix that reaches service providers
  // through the connections they provide into POS POI terminals (its overview: every POS POI terminal service provider).
  it('A2.1.2 and A2.1.3 take two facts, both of which must hold; every other requirement keeps one', () => {
    expect(byId(pci, 'A2.1.2').appliesTo).toEqual(['service-provider', 'pos-poi-ssl-early-tls-connection-points']);
    expect(marked('pos-poi-ssl-early-tls-connection-points')).toEqual(['A2.1.2']);
    expect(byId(pci, 'A2.1.3').appliesTo).toEqual(['service-provider', 'pos-poi-terminal-connections']);
    expect(marked('pos-poi-terminal-connections')).toEqual(['A2.1.3']);
    expect(pci.requirements.filter((r) => Array.isArray(r.appliesTo)).map((r) => r.id)).toEqual(['A2.1.2', 'A2.1.3']);
  });
});

describe('PCI DSS 5.2.3: components judged not at risk from malware', () => {
  // QSA: 5.2.3 failed every component without an Inspector scan or a GuardDuty agent, though it asks only that those
  // judged not at risk be listed and evaluated: its checks compare the uncovered components with the entity's list.
  it('only 5.2.3 sets notAtRiskEvaluation; its list is empty until the configuration declares one; its rationale says what is shown', () => {
    const setting = catalogs.flatMap((c) => c.requirements.filter((r) => 'notAtRiskEvaluation' in r.parameters || 'notAtRiskComponents' in r.parameters).map((r) => r.id));
    expect(setting).toEqual(['5.2.3']);
    const r = byId(pci, '5.2.3');
    expect(r.parameters).toEqual({ notAtRiskEvaluation: true, notAtRiskComponents: [] });
    expect(r.rationale).toMatch(/compared with the entity’s\s+list of components judged not at risk from malware \(parameter notAtRiskComponents/);
    expect(r.rationale).toMatch(/does not show the periodic evaluation itself, that a listed\s+component is really not at risk/);
  });
});

describe('catalog titles are our own words', () => {
  const published = new Set((JSON.parse(readFileSync(new URL('./fixtures/published-text-hashes.json', import.meta.url), 'utf8')) as { sha256: string[] }).sha256);
  const normalize = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

  it('the fixture recognizes a published text (guards the normalization)', () => {
    expect(published.has(sha256Hex(normalize('Risk analysis')))).toBe(true);
    expect(published.has(sha256Hex(normalize('Checks if your Amazon CloudFront distributions use HTTPS (directly or via a redirection)')))).toBe(true);
  });

  for (const c of catalogs) {
    it(`${c.framework}: no requirement or principal title equals a published description or name`, () => {
      const titles = [...c.requirements.map((r) => [r.id, r.title]), ...c.principals.map((p) => [`principal ${p.id}`, p.title])];
      const copies = titles.filter(([, t]) => published.has(sha256Hex(normalize(t))));
      expect(copies).toEqual([]);
    });
  }

  it('titles are distinct within a catalog where requirements differ', () => {
    for (const c of catalogs) {
      const seen = new Map<string, string>();
      for (const r of c.requirements) {
        const key = normalize(r.title);
        // Standards with no separate specification legitimately share nothing; a repeated title means a copy-paste slip.
        expect(seen.get(key), `${c.framework} ${r.id} repeats the title of ${seen.get(key)}`).toBeUndefined();
        seen.set(key, r.id);
      }
    }
  });
});

describe('coverage table', () => {
  it('counts every PCI requirement once under its top-level principal', () => {
    const t = coverageTable(pci);
    expect(t.rows.map((r) => r.principal)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', 'A1', 'A2', 'A3']);
    expect(t.totals.total).toBe(280);
    expect(t.rows.reduce((n, r) => n + r.counts.total, 0)).toBe(280);
    const expected = new Map<string, number>();
    for (const r of pci.requirements) {
      const top = r.id.split('.')[0];
      expected.set(top, (expected.get(top) ?? 0) + 1);
    }
    for (const row of t.rows) expect(row.counts.total, row.principal).toBe(expected.get(row.principal));
    const req10 = t.rows.find((r) => r.principal === '10')!;
    const direct = pci.requirements.filter((r) => r.id.startsWith('10.'));
    expect(req10.counts.automated).toBe(direct.filter((r) => r.coverage === 'automated').length);
    expect(req10.counts.partial).toBe(direct.filter((r) => r.coverage === 'partial').length);
    const sumLabels = (['automated', 'partial', 'manual', 'inherited', 'not-applicable'] as const).reduce((n, l) => n + t.totals[l], 0);
    expect(sumLabels).toBe(280);
  });

  it('groups HIPAA by section 164.308 .. 164.316', () => {
    const t = coverageTable(hipaa);
    expect(t.rows.map((r) => r.principal)).toEqual(['164.308', '164.310', '164.312', '164.314', '164.316']);
    expect(t.rows.map((r) => r.counts.total)).toEqual([30, 12, 12, 9, 5]);
    expect(t.totals.total).toBe(68);
  });
});
