import { describe, expect, it } from 'vitest';
import { CatalogSchema, type Catalog } from '../../src/controls/schema.js';
import { formatProblem, validateCatalog, validateCatalogs, type ProblemCode } from '../../src/controls/validate.js';

function catalog(overrides: Partial<Record<string, unknown>> = {}): Catalog {
  return CatalogSchema.parse({
    framework: 'pci-dss-4.0.1',
    name: 'PCI DSS',
    version: '4.0.1',
    publisher: 'PCI SSC',
    principals: [
      { id: '10', title: 'Logging' },
      { id: '10.5', title: 'Retention', parent: '10' },
    ],
    requirements: [
      {
        id: '10.5.1',
        title: 'Logs kept a year',
        principal: '10.5',
        testingProcedures: ['10.5.1.a', '10.5.1.b', '10.5.1.c'],
        coverage: 'automated',
        rationale: 'Retention settings prove it.',
        parameters: { minimumRetentionDays: 365 },
        queries: ['logs.retention'],
      },
      {
        id: '10.1.1',
        title: 'Logging policies exist',
        principal: '10.5',
        testingProcedures: ['10.1.1'],
        coverage: 'manual',
        rationale: 'Policies are documents.',
        assessorGuidance: 'Ask for the logging policy.',
      },
    ],
    ...overrides,
  });
}

const KNOWN = ['logs.retention', 'cloudtrail.trail-logging'];

function codes(problems: { code: ProblemCode }[]): ProblemCode[] {
  return problems.map((p) => p.code);
}

describe('validateCatalog', () => {
  it('finds nothing wrong with a sound catalog', () => {
    expect(validateCatalog(catalog(), KNOWN)).toEqual([]);
  });

  const cases: { name: string; mutate: (c: Catalog) => void; code: ProblemCode; line: RegExp }[] = [
    {
      name: 'unknown query',
      mutate: (c) => (c.requirements[0].queries = ['logs.retention', 'logs.retentoin']),
      code: 'unknown-query',
      line: /^pci-dss-4\.0\.1: requirements\[0\] \(id 10\.5\.1\): queries\[1\]: unknown evidence query "logs\.retentoin"$/,
    },
    {
      name: 'duplicate requirement id',
      mutate: (c) => (c.requirements[1].id = '10.5.1'),
      code: 'duplicate-id',
      line: /requirements\[1\] \(id 10\.5\.1\): id: duplicate requirement id \(first defined at requirements\[0\]\)/,
    },
    {
      name: 'malformed requirement id',
      mutate: (c) => (c.requirements[1].id = 'Req-10.1.1'),
      code: 'malformed-id',
      line: /requirements\[1\] \(id Req-10\.1\.1\): id: "Req-10\.1\.1" does not match the pci-dss-4\.0\.1 id pattern/,
    },
    {
      name: 'automated requirement with no query',
      mutate: (c) => (c.requirements[0].queries = []),
      code: 'no-query',
      line: /requirements\[0\] \(id 10\.5\.1\): queries: coverage "automated" needs at least one evidence query/,
    },
    {
      name: 'partial requirement with no query',
      mutate: (c) => {
        c.requirements[0].coverage = 'partial';
        c.requirements[0].queries = [];
      },
      code: 'no-query',
      line: /coverage "partial" needs at least one evidence query/,
    },
    {
      name: 'missing rationale',
      mutate: (c) => (c.requirements[0].rationale = '   '),
      code: 'missing-rationale',
      line: /requirements\[0\] \(id 10\.5\.1\): rationale: a rationale explaining the coverage label is required/,
    },
    {
      name: 'manual without assessor guidance',
      mutate: (c) => delete c.requirements[1].assessorGuidance,
      code: 'missing-guidance',
      line: /requirements\[1\] \(id 10\.1\.1\): assessorGuidance: coverage "manual" needs assessorGuidance/,
    },
    {
      name: 'inherited without assessor guidance',
      mutate: (c) => {
        c.requirements[1].coverage = 'inherited';
        c.requirements[1].assessorGuidance = '';
      },
      code: 'missing-guidance',
      line: /coverage "inherited" needs assessorGuidance/,
    },
    {
      name: 'manual requirement that lists queries',
      mutate: (c) => (c.requirements[1].queries = ['logs.retention']),
      code: 'query-on-unmapped-coverage',
      line: /requirements\[1\] \(id 10\.1\.1\): coverage: coverage "manual" contradicts the evidence queries listed/,
    },
    {
      name: 'query listed twice',
      mutate: (c) => (c.requirements[0].queries = ['logs.retention', 'logs.retention']),
      code: 'duplicate-query',
      line: /queries\[1\]: query "logs\.retention" is listed twice/,
    },
    {
      name: 'principal not listed',
      mutate: (c) => (c.requirements[1].principal = '10.1'),
      code: 'unknown-principal',
      line: /requirements\[1\] \(id 10\.1\.1\): principal: principal "10\.1" is not listed under principals/,
    },
    {
      name: 'unknown entity type in appliesTo (a catalog built in memory, which skips the schema)',
      mutate: (c) => ((c.requirements[1] as { appliesTo?: unknown }).appliesTo = 'service-providers'),
      code: 'unknown-applies-to',
      line: /^pci-dss-4\.0\.1: requirements\[1\] \(id 10\.1\.1\): appliesTo: unknown entity type "service-providers"; expected one of service-provider, multi-tenant-service-provider, designated-entity, issuer, pos-poi-ssl-early-tls, pos-poi-ssl-early-tls-connection-points, pos-poi-terminal-connections$/,
    },
    {
      name: 'unknown entity type in a list of appliesTo (in memory)',
      mutate: (c) => ((c.requirements[1] as { appliesTo?: unknown }).appliesTo = ['service-provider', 'acquirer']),
      code: 'unknown-applies-to',
      line: /^pci-dss-4\.0\.1: requirements\[1\] \(id 10\.1\.1\): appliesTo: unknown entity type "acquirer"; expected one of /,
    },
    {
      name: 'invalid idPattern',
      mutate: (c) => (c.idPattern = '(['),
      code: 'invalid-id-pattern',
      line: /^pci-dss-4\.0\.1: idPattern: not a valid regular expression/,
    },
  ];

  for (const { name, mutate, code, line } of cases) {
    it(`catches: ${name}`, () => {
      const c = catalog();
      mutate(c);
      const problems = validateCatalog(c, KNOWN);
      expect(codes(problems)).toEqual([code]);
      expect(formatProblem(problems[0])).toMatch(line);
    });
  }

  it('uses the catalog file name when the catalog was loaded from a file', () => {
    const c = catalog();
    Object.defineProperty(c, 'sourceFile', { value: 'controls/pci-dss-4.0.1.yaml', enumerable: false });
    c.requirements[0].queries = ['nope'];
    expect(formatProblem(validateCatalog(c, KNOWN)[0])).toMatch(/^controls\/pci-dss-4\.0\.1\.yaml: requirements\[0\] \(id 10\.5\.1\): queries\[0\]: /);
  });

  it('applies a custom idPattern instead of the built-in one', () => {
    const c = catalog({ framework: 'internal', idPattern: '^CTL-[0-9]+$' });
    const problems = validateCatalog(c, KNOWN);
    expect(codes(problems)).toEqual(['malformed-id', 'malformed-id']);
  });

  it('checks HIPAA ids against the HIPAA pattern', () => {
    const c = catalog({ framework: 'hipaa-security', principals: [] });
    c.requirements[0].id = '164.312(a)(2)(iv)';
    c.requirements[1].id = '164.312.a.1';
    expect(validateCatalog(c, KNOWN).map(formatProblem)).toEqual([
      'hipaa-security: requirements[1] (id 164.312.a.1): id: "164.312.a.1" does not match the hipaa-security id pattern ^164\\.3(?:08|10|12|14|16)(?:\\((?:[a-z]|[0-9]{1,2}|[ivx]{1,4}|[A-Z])\\))+$',
    ]);
  });

  describe('against a reference id list', () => {
    it('reports ids outside the list and list ids missing from the catalog', () => {
      const problems = validateCatalog(catalog(), KNOWN, ['10.5.1', '10.1.2']);
      expect(problems.map(formatProblem)).toEqual([
        'pci-dss-4.0.1: requirements[1] (id 10.1.1): id: "10.1.1" is not an identifier of pci-dss-4.0.1',
        'pci-dss-4.0.1: requirement 10.1.2: pci-dss-4.0.1 requirement 10.1.2 is missing from the catalog; every requirement must appear (as manual or inherited if no evidence applies)',
      ]);
    });

    it('compares testing procedures, implementation labels and principals when the list has them', () => {
      const c = catalog();
      c.requirements[0].implementation = 'addressable';
      const problems = validateCatalog(c, KNOWN, {
        requirements: ['10.5.1', '10.1.1'],
        principals: ['10', '10.1', '10.5'],
        testingProcedures: { '10.5.1': ['10.5.1.a', '10.5.1.b'] },
        implementation: { '10.5.1': 'required' },
      });
      expect(problems.map(formatProblem)).toEqual([
        'pci-dss-4.0.1: requirements[0] (id 10.5.1): testingProcedures: expected [10.5.1.a, 10.5.1.b], found [10.5.1.a, 10.5.1.b, 10.5.1.c]',
        'pci-dss-4.0.1: requirements[0] (id 10.5.1): implementation: expected "required", found "addressable"',
        'pci-dss-4.0.1: principals: principal 10.1 is missing',
      ]);
    });
  });

  it('checks parameter names against what the mapped queries accept, when every query declares them', () => {
    const c = catalog();
    c.requirements[0].parameters = { minimumRetentionDays: 365, retentionDayz: 1 };
    const known = [{ id: 'logs.retention', parameters: { minimumRetentionDays: {} } }, 'cloudtrail.trail-logging'];
    expect(validateCatalog(c, known).map(formatProblem)).toEqual([
      'pci-dss-4.0.1: requirements[0] (id 10.5.1): parameters.retentionDayz: no query of this requirement accepts "retentionDayz" (accepted: minimumRetentionDays)',
    ]);
    // A bare id says nothing about parameters, so nothing is judged.
    expect(validateCatalog(c, KNOWN)).toEqual([]);
    // A registered query that declares no parameters accepts none.
    expect(validateCatalog(c, [{ id: 'logs.retention' }]).map((p) => p.field)).toEqual(['parameters.minimumRetentionDays', 'parameters.retentionDayz']);
  });
});

describe('validateCatalogs', () => {
  it('reports an evidence query that no requirement in any catalog uses', () => {
    const problems = validateCatalogs([catalog()], KNOWN);
    expect(problems.map(formatProblem)).toEqual([
      'pci-dss-4.0.1: queries: evidence query "cloudtrail.trail-logging" is used by no requirement in any loaded catalog; map it or remove it',
    ]);
  });

  it('counts a query used by any one of the catalogs as used', () => {
    const other = catalog({ framework: 'other' });
    other.requirements[0].queries = ['cloudtrail.trail-logging'];
    other.requirements[0].parameters = {};
    expect(validateCatalogs([catalog(), other], KNOWN)).toEqual([]);
  });

  it('applies each framework its own reference list', () => {
    const problems = validateCatalogs([catalog()], ['logs.retention'], { 'pci-dss-4.0.1': ['10.5.1', '10.1.1', '10.2.1'], other: ['x'] });
    expect(codes(problems)).toEqual(['missing-from-reference']);
  });
});
