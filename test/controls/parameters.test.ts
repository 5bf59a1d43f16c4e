import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { checkParameterOverrides, effectiveParameters, findCatalog, loadCatalogs } from '../../src/controls/load.js';
import { queryById } from '../../src/queries/index.js';
import { changedParameters, loosenedText, overridesSummaryText, parameterOverrideList } from '../../src/controls/parameters.js';
import { ORGANISATION_THRESHOLDS } from '../../src/evaluate/baseline.js';

const catalogs = loadCatalogs();
const pci = findCatalog(catalogs, 'pci-dss-4.0.1');
const req = (id: string) => pci.requirements.find((r) => r.id === id)!;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('effectiveParameters', () => {
  it('returns the catalog defaults when nothing is overridden', () => {
    expect(effectiveParameters(req('8.3.6'), {}, 'pci-dss-4.0.1')).toEqual({ minimumPasswordLength: 12, passwordPolicyChecks: ['length', 'composition'] });
    expect(effectiveParameters(req('8.3.6'), undefined, 'pci-dss-4.0.1')).toEqual({ minimumPasswordLength: 12, passwordPolicyChecks: ['length', 'composition'] });
    expect(effectiveParameters(req('1.2.3'))).toEqual({});
  });

  it('applies config.parameters[framework][requirement][name]', () => {
    const overrides = { 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: 16 } }, 'hipaa-security': { '8.3.6': { minimumPasswordLength: 99 } } };
    expect(effectiveParameters(req('8.3.6'), overrides, 'pci-dss-4.0.1')).toEqual({ minimumPasswordLength: 16, passwordPolicyChecks: ['length', 'composition'] });
    expect(effectiveParameters(req('10.5.1'), overrides, 'pci-dss-4.0.1')).toEqual({ minimumRetentionDays: 365, auditLogGroups: ['*'] });
  });

  it('accepts the requirement\'s own override map directly', () => {
    expect(effectiveParameters(req('8.2.6'), { maxUnusedDays: 45 })).toEqual({ maxUnusedDays: 45 });
  });

  it('does not change the catalog defaults', () => {
    effectiveParameters(req('8.2.6'), { maxUnusedDays: 45 });
    expect(req('8.2.6').parameters).toEqual({ maxUnusedDays: 90 });
  });

  it('rejects an unknown parameter name with the configuration path and the accepted names', () => {
    const err = configError(() => effectiveParameters(req('8.3.6'), { 'pci-dss-4.0.1': { '8.3.6': { minimumLength: 14 } } }, 'pci-dss-4.0.1'));
    expect(err.message).toBe('parameters.pci-dss-4.0.1.8.3.6.minimumLength: requirement 8.3.6 has no parameter "minimumLength"');
    expect(err.hint).toBe('parameters it accepts: minimumPasswordLength, passwordPolicyChecks');
  });

  it('rejects parameters for a requirement that takes none', () => {
    const err = configError(() => effectiveParameters(req('1.2.3'), { depth: 1 }));
    expect(err.hint).toMatch(/takes no parameters/);
  });

  it('rejects a value of the wrong type', () => {
    const err = configError(() => effectiveParameters(req('8.3.6'), { 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: '14' } } }, 'pci-dss-4.0.1'));
    expect(err.message).toBe('parameters.pci-dss-4.0.1.8.3.6.minimumPasswordLength: expected a number like the catalog default (12), got "14"');
  });
});

describe('checkParameterOverrides', () => {
  it('accepts valid overrides for loaded frameworks', () => {
    expect(() => checkParameterOverrides(catalogs, { 'hipaa-security': { '164.308(a)(7)(ii)(A)': { minimumBackupRetentionDays: 35 } } })).not.toThrow();
  });

  it('names an unknown framework', () => {
    const err = configError(() => checkParameterOverrides(catalogs, { 'pci-dss-4': {} }));
    expect(err.message).toBe('parameters.pci-dss-4: no loaded catalog has framework id "pci-dss-4"');
    expect(err.hint).toBe('known frameworks: hipaa-security, pci-dss-4.0.1');
  });

  it('names an unknown requirement', () => {
    const err = configError(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { '8.3.66': { minimumPasswordLength: 14 } } }));
    expect(err.message).toBe('parameters.pci-dss-4.0.1.8.3.66: pci-dss-4.0.1 has no requirement "8.3.66"');
    expect(err.hint).toMatch(/8\.3\.6/);
  });

  it('hands every value a requirement gives its queries to the queries\' own checks: an admin port list naming no port fails at start-up, naming where it came from', () => {
    // A catalog of one's own may give ec2.admin-ports-open its ports; ["ssh"] would otherwise judge no port at all.
    const withPorts = (adminPorts: string[]) => [{ ...pci, requirements: pci.requirements.map((r) => (r.queries.includes('ec2.admin-ports-open') ? { ...r, parameters: { ...r.parameters, adminPorts } } : r)) }];
    const first = pci.requirements.find((r) => r.queries.includes('ec2.admin-ports-open'))!.id;
    const fromCatalog = configError(() => checkParameterOverrides(withPorts(['ssh', '3389']), undefined, queryById));
    expect(fromCatalog.message).toBe(`parameters.pci-dss-4.0.1.${first}.adminPorts: ["ssh","3389"] cannot be used by ec2.admin-ports-open: "ssh" is not a port number 0-65535; give port numbers such as ["22", "3389"]`);
    expect(fromCatalog.hint).toBe(`fix the value in the catalog of pci-dss-4.0.1 (requirement ${first})`);
    const fromConfig = configError(() => checkParameterOverrides(withPorts(['22']), { 'pci-dss-4.0.1': { [first]: { adminPorts: [] } } }, queryById));
    expect(fromConfig.message).toMatch(/adminPorts: \[\] cannot be used by ec2\.admin-ports-open: it names no port/);
    expect(fromConfig.hint).toMatch(/the configuration file/);
    // Without the lookup (or with good values) nothing more is checked.
    expect(() => checkParameterOverrides(withPorts(['ssh']), undefined)).not.toThrow();
    expect(() => checkParameterOverrides(withPorts(['22', '3389']), undefined, queryById)).not.toThrow();
    expect(() => checkParameterOverrides(catalogs, undefined, queryById)).not.toThrow();
  });
});

describe('entity declarations (GuardDuty the anti-malware, IDS or log review solution): made once, reaching every requirement that takes them', () => {
  const ids = { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true } } };
  it('effectiveParameters: a declaration set under 11.5.1 applies to 10.7.1, 10.7.2, 11.5.1.1, 12.10.5, A3.3.1 and A3.5.1, not to requirements without it nor to HIPAA', () => {
    for (const id of ['11.5.1', '11.5.1.1', '10.7.1', '10.7.2', '12.10.5', 'A3.3.1', 'A3.5.1']) expect(effectiveParameters(req(id), ids, 'pci-dss-4.0.1').guarddutyIsIntrusionDetection, id).toBe(true);
    expect(effectiveParameters(req('10.7.2'), ids, 'pci-dss-4.0.1')).toEqual({ guarddutyIsIntrusionDetection: true, guarddutyIsAntiMalware: false, guarddutyIsLogReview: false });
    expect(effectiveParameters(req('5.3.1'), ids, 'pci-dss-4.0.1')).toEqual({ guarddutyIsAntiMalware: false });
    const hipaa = findCatalog(catalogs, 'hipaa-security').requirements.find((r) => r.id === '164.308(a)(6)(ii)')!;
    expect(effectiveParameters(hipaa, ids, 'hipaa-security').guarddutyIsIntrusionDetection).toBe(false);
    // A threshold stays the requirement's own: 8.3.6's length reaches no other requirement.
    expect(effectiveParameters(req('8.2.6'), { 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: 16 } } }, 'pci-dss-4.0.1')).toEqual({ maxUnusedDays: 90 });
  });
  it('checkParameterOverrides: two values of one declaration in a framework are refused, naming both fields; the same value twice is accepted', () => {
    const e = configError(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true }, '12.10.5': { guarddutyIsIntrusionDetection: false } } }));
    expect(e.message).toBe('parameters.pci-dss-4.0.1."12.10.5".guarddutyIsIntrusionDetection: false contradicts parameters.pci-dss-4.0.1."11.5.1".guarddutyIsIntrusionDetection: true');
    expect(e.hint).toMatch(/a declaration about the entity, not a threshold of one requirement: set it once/);
    expect(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true }, '10.7.2': { guarddutyIsIntrusionDetection: true } } }, queryById)).not.toThrow();
    expect(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { '11.5.1': { guarddutyIsIntrusionDetection: true } }, 'hipaa-security': { '164.308(a)(6)(ii)': { guarddutyIsIntrusionDetection: false } } }, queryById)).not.toThrow();
  });
  it('parameterOverrideList: each requirement the declaration reaches is listed, its source the field that set it', () => {
    const rows = parameterOverrideList(catalogs, ['pci-dss-4.0.1', 'hipaa-security'], ids, queryById);
    expect(rows.map((o) => o.requirement)).toEqual(['10.7.1', '10.7.2', '11.5.1', '11.5.1.1', '12.10.5', 'A3.3.1', 'A3.5.1']);
    expect(rows.find((o) => o.requirement === '11.5.1')?.source).toBe('configuration parameters.pci-dss-4.0.1."11.5.1".guarddutyIsIntrusionDetection');
    expect(rows.find((o) => o.requirement === '10.7.2')).toMatchObject({
      parameter: 'guarddutyIsIntrusionDetection',
      queries: ['guardduty.detector-enabled'],
      catalogDefault: false,
      effective: true,
      source: 'configuration parameters.pci-dss-4.0.1."11.5.1".guarddutyIsIntrusionDetection: an entity declaration, which applies to every pci-dss-4.0.1 requirement taking guarddutyIsIntrusionDetection, 10.7.2 among them',
      loosensRequirement: false,
    });
  });
});

// QSA: awsWafIsWebAppFirewall had to be set under 6.4.1 and 6.4.2 alike, and cardDataBuckets under each of 12 PCI DSS
// requirements; the scope check unioned the 12 lists while each requirement judged Macie's findings against its own, so
// one bucket could be a declared card data location for the scope and an unexpected PAN location for 3.2.1.
describe('entity declarations beyond GuardDuty: AWS WAF the web application firewall, the card data locations', () => {
  const CARD_DATA = ['3.2.1', '3.3.1', '3.3.1.1', '3.3.1.2', '12.5.2', '12.5.2.1', '12.10.7', 'A3.2.1', 'A3.2.5', 'A3.2.5.1', 'A3.2.5.2', 'A3.2.6'];
  it('every PCI DSS requirement citing macie.discovery takes cardDataBuckets, and only those', () => {
    expect(pci.requirements.filter((r) => 'cardDataBuckets' in r.parameters).map((r) => r.id)).toEqual(CARD_DATA);
    expect(pci.requirements.filter((r) => r.queries.includes('macie.discovery')).map((r) => r.id)).toEqual(CARD_DATA);
    expect(pci.requirements.filter((r) => 'awsWafIsWebAppFirewall' in r.parameters).map((r) => r.id)).toEqual(['6.4.1', '6.4.2']);
  });
  it('a value set under one requirement reaches every requirement of the framework taking it', () => {
    const waf = { 'pci-dss-4.0.1': { '6.4.2': { awsWafIsWebAppFirewall: true } } };
    for (const id of ['6.4.1', '6.4.2']) expect(effectiveParameters(req(id), waf, 'pci-dss-4.0.1').awsWafIsWebAppFirewall, id).toBe(true);
    const cards = { 'pci-dss-4.0.1': { '3.2.1': { cardDataBuckets: ['payments-*'] } } };
    for (const id of CARD_DATA) expect(effectiveParameters(req(id), cards, 'pci-dss-4.0.1').cardDataBuckets, id).toEqual(['payments-*']);
    const rows = parameterOverrideList(catalogs, ['pci-dss-4.0.1'], cards, queryById);
    expect(rows.map((o) => o.requirement)).toEqual(CARD_DATA);
    expect(rows.find((o) => o.requirement === '12.10.7')?.source).toBe(
      'configuration parameters.pci-dss-4.0.1."3.2.1".cardDataBuckets: an entity declaration, which applies to every pci-dss-4.0.1 requirement taking cardDataBuckets, 12.10.7 among them',
    );
  });
  // QSA: the report's table of changed parameters printed the card data locations twelve times, once per requirement
  // the declaration reaches, and counted them as twelve changes: one configured value is one row naming where it reaches.
  it('the table of changed parameters: one row per configured value, an entity declaration naming every requirement it reaches', () => {
    const overrides = { 'pci-dss-4.0.1': { '3.2.1': { cardDataBuckets: ['payments-*'] }, '8.3.6': { minimumPasswordLength: 16 }, '11.5.1': { guarddutyIsIntrusionDetection: true } } };
    const list = parameterOverrideList(catalogs, ['pci-dss-4.0.1'], overrides, queryById);
    expect(list.filter((o) => o.parameter === 'cardDataBuckets')).toHaveLength(CARD_DATA.length);
    const rows = changedParameters(list, overrides);
    expect(rows.map((r) => [r.parameter, r.requirements, r.entityDeclaration])).toEqual([
      ['cardDataBuckets', CARD_DATA, true],
      ['minimumPasswordLength', ['8.3.6'], false],
      ['guarddutyIsIntrusionDetection', ['10.7.1', '10.7.2', '11.5.1', '11.5.1.1', '12.10.5', 'A3.3.1', 'A3.5.1'], true],
    ]);
    expect(rows[0]).toMatchObject({
      framework: 'pci-dss-4.0.1',
      queries: ['macie.discovery'],
      catalogDefault: [],
      effective: ['payments-*'],
      source: 'configuration parameters.pci-dss-4.0.1."3.2.1".cardDataBuckets: an entity declaration, which applies to every pci-dss-4.0.1 requirement taking cardDataBuckets',
      requirementFixes: false,
      loosensRequirement: false,
    });
    // A requirement's own value keeps its own row and field.
    expect(rows[1].source).toBe('configuration parameters.pci-dss-4.0.1."8.3.6".minimumPasswordLength');
    expect(overridesSummaryText(list)).toBe("3 parameters changed from the catalog, reaching 20 requirements (0 loosen a requirement's fixed value)");
    expect(overridesSummaryText(parameterOverrideList(catalogs, ['pci-dss-4.0.1'], { 'pci-dss-4.0.1': { '3.2.1': { cardDataBuckets: ['payments-*'] } } }, queryById))).toBe(
      `1 parameter changed from the catalog, reaching ${CARD_DATA.length} requirements (0 loosen a requirement's fixed value)`,
    );
  });
  it('an old configuration setting the same value under several requirements still loads (a list in another order or with repeats is the same value)', () => {
    const each = Object.fromEntries(CARD_DATA.map((id, i) => [id, { cardDataBuckets: i % 2 ? ['payments-*', 'ledger'] : ['ledger', 'payments-*', 'ledger'] }]));
    expect(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { ...each, '6.4.1': { awsWafIsWebAppFirewall: true }, '6.4.2': { awsWafIsWebAppFirewall: true } } }, queryById)).not.toThrow();
  });
  it('two different values are refused, naming both fields', () => {
    const waf = configError(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { '6.4.1': { awsWafIsWebAppFirewall: true }, '6.4.2': { awsWafIsWebAppFirewall: false } } }, queryById));
    expect(waf.message).toBe('parameters.pci-dss-4.0.1."6.4.2".awsWafIsWebAppFirewall: false contradicts parameters.pci-dss-4.0.1."6.4.1".awsWafIsWebAppFirewall: true');
    expect(waf.hint).toMatch(/awsWafIsWebAppFirewall is a declaration about the entity, not a threshold of one requirement: set it once \(it applies to every pci-dss-4.0.1 requirement that takes it\)/);
    const cards = configError(() => checkParameterOverrides(catalogs, { 'pci-dss-4.0.1': { '3.2.1': { cardDataBuckets: ['payments-*'] }, '12.10.7': { cardDataBuckets: ['payments-*', 'ledger'] } } }, queryById));
    expect(cards.message).toBe('parameters.pci-dss-4.0.1."12.10.7".cardDataBuckets: ["payments-*","ledger"] contradicts parameters.pci-dss-4.0.1."3.2.1".cardDataBuckets: ["payments-*"]');
  });
});

describe('parameterOverrideList: every catalog parameter the configuration changes, with what the change does', () => {
  const list = (overrides: Parameters<typeof parameterOverrideList>[2]) => parameterOverrideList(catalogs, ['pci-dss-4.0.1', 'hipaa-security'], overrides, queryById);

  it('no overrides, or overrides equal to the catalog value: nothing listed', () => {
    expect(list(undefined)).toEqual([]);
    expect(list({ 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: 12 }, '10.5.1': { auditLogGroups: ['*'] } } })).toEqual([]);
  });

  it('a minimum the requirement fixes, lowered (PCI 8.3.6: 12 -> 6): looser, loosens the requirement', () => {
    expect(list({ 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: 6 } } })).toEqual([
      {
        framework: 'pci-dss-4.0.1',
        requirement: '8.3.6',
        queries: ['iam.password-policy'],
        parameter: 'minimumPasswordLength',
        catalogDefault: 12,
        effective: 6,
        source: 'configuration parameters.pci-dss-4.0.1."8.3.6".minimumPasswordLength',
        requirementFixes: true,
        direction: 'looser',
        loosensRequirement: true,
      },
    ]);
    // A maximum the requirement fixes, raised (8.2.6: 90 inactive days -> 180), and a minimum it fixes (10.5.1: 365 -> 90).
    expect(list({ 'pci-dss-4.0.1': { '8.2.6': { maxUnusedDays: 180 }, '10.5.1': { minimumRetentionDays: 90 } } }).map((o) => [o.requirement, o.direction, o.loosensRequirement])).toEqual([
      ['8.2.6', 'looser', true],
      ['10.5.1', 'looser', true],
    ]);
  });

  it('a tightened value the requirement fixes is listed but loosens nothing; entity-set values are listed whichever way they go', () => {
    const l = list({ 'pci-dss-4.0.1': { '8.3.6': { minimumPasswordLength: 16 }, '3.7.4': { maxRotationPeriodDays: 3650 }, '10.5.1': { auditLogGroups: ['/aws/cloudtrail/*'] } }, 'hipaa-security': { '164.312(d)': { minimumPasswordLength: 8 } } });
    expect(l.map((o) => [o.framework, o.requirement, o.parameter, o.requirementFixes, o.direction, o.loosensRequirement])).toEqual([
      ['pci-dss-4.0.1', '3.7.4', 'maxRotationPeriodDays', false, 'looser', false],
      ['pci-dss-4.0.1', '8.3.6', 'minimumPasswordLength', true, 'tighter', false],
      ['pci-dss-4.0.1', '10.5.1', 'auditLogGroups', false, 'changed', false],
      ['hipaa-security', '164.312(d)', 'minimumPasswordLength', false, 'looser', false],
    ]);
    expect(overridesSummaryText(l)).toBe("4 parameters changed from the catalog (0 loosen a requirement's fixed value)");
    expect(overridesSummaryText([])).toBe('none: every parameter has its catalog value');
  });

  it('a value the requirement fixes whose direction cannot be told (no query says which way loosens it) counts as loosening it', () => {
    const custom = { ...pci, requirements: [{ ...req('5.3.5'), parameterBasis: { lookbackHours: { source: 'requirement' as const, note: 'test' } } }] };
    const [o] = parameterOverrideList([custom], ['pci-dss-4.0.1'], { 'pci-dss-4.0.1': { '5.3.5': { lookbackHours: 48 } } }, queryById);
    expect(o).toMatchObject({ requirementFixes: true, direction: 'changed', loosensRequirement: true });
    expect(loosenedText(o)).toBe('value changed by configuration from 24 to 48 (configuration parameters.pci-dss-4.0.1."5.3.5".lookbackHours); the requirement fixes 24');
  });

  it('every threshold whose baseline relaxation the evaluation knows says which way loosens it, agreeing with that relaxation', () => {
    for (const [queryId, thresholds] of Object.entries(ORGANISATION_THRESHOLDS)) {
      for (const [name, relaxed] of Object.entries(thresholds)) {
        const spec = queryById(queryId)!.parameters![name];
        expect(spec.looser, `${queryId} ${name}`).toBe(relaxed < (spec.default as number) ? 'lower' : 'higher');
      }
    }
  });
});
