import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { findCatalog, loadCatalog, loadCatalogs, parseCatalog } from '../../src/controls/load.js';

/** A small valid catalog; tests break one thing at a time. */
function sampleCatalog(): Record<string, unknown> {
  return {
    framework: 'pci-dss-4.0.1',
    name: 'PCI DSS',
    version: '4.0.1',
    publisher: 'PCI SSC',
    principals: [
      { id: '3', title: 'Stored data' },
      { id: '3.5', title: 'PAN unreadable', parent: '3' },
    ],
    requirements: [
      {
        id: '3.5.1',
        title: 'PAN is unreadable where stored',
        principal: '3.5',
        testingProcedures: ['3.5.1.a'],
        coverage: 'partial',
        rationale: 'Storage encryption evidence covers part of it.',
        queries: ['s3.bucket-encryption'],
      },
      {
        id: '3.5.1.1',
        title: 'Keyed hashes protect PAN',
        principal: '3.5',
        testingProcedures: ['3.5.1.1.a'],
        coverage: 'manual',
        rationale: 'Hashing is done by applications.',
        assessorGuidance: 'Ask for the hashing design.',
      },
    ],
  };
}

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

type Mutation = (c: Record<string, any>) => void;

describe('parseCatalog rejects malformed catalogs, naming file, requirement and field', () => {
  const cases: { name: string; mutate: Mutation; expected: RegExp }[] = [
    {
      name: 'unknown coverage label',
      mutate: (c) => (c.requirements[0].coverage = 'automatd'),
      expected: /^controls\/x\.yaml: requirements\[0\] \(id 3\.5\.1\): coverage: expected one of automated, partial, manual, inherited, not-applicable, found the string "automatd"$/m,
    },
    {
      name: 'missing rationale',
      mutate: (c) => delete c.requirements[1].rationale,
      expected: /^controls\/x\.yaml: requirements\[1\] \(id 3\.5\.1\.1\): rationale: required field is missing/m,
    },
    {
      name: 'rationale too short',
      mutate: (c) => (c.requirements[0].rationale = 'short'),
      expected: /requirements\[0\] \(id 3\.5\.1\): rationale: must be at least 10 characters/,
    },
    {
      name: 'empty testing procedures',
      mutate: (c) => (c.requirements[0].testingProcedures = []),
      expected: /requirements\[0\] \(id 3\.5\.1\): testingProcedures: must list at least 1 entry/,
    },
    {
      name: 'unknown field in a requirement',
      mutate: (c) => (c.requirements[1].evidence = ['x']),
      expected: /requirements\[1\] \(id 3\.5\.1\.1\): unknown field evidence/,
    },
    {
      name: 'numeric id that YAML read as a number',
      mutate: (c) => (c.principals[1].id = 3.5),
      expected: /principals\[1\] \(id 3\.5\): id: expected string, found the number 3\.5; YAML read it as a number, so quote it/,
    },
    {
      name: 'bad implementation value',
      mutate: (c) => (c.requirements[0].implementation = 'optional'),
      expected: /requirements\[0\] \(id 3\.5\.1\): implementation: expected one of required, addressable/,
    },
    {
      name: 'unknown entity type in appliesTo',
      mutate: (c) => (c.requirements[1].appliesTo = 'merchant'),
      expected: /^controls\/x\.yaml: requirements\[1\] \(id 3\.5\.1\.1\): appliesTo: expected one of service-provider, multi-tenant-service-provider, designated-entity, issuer, pos-poi-ssl-early-tls, pos-poi-ssl-early-tls-connection-points, pos-poi-terminal-connections, found the string "merchant"$/m,
    },
    {
      name: 'unknown entity type in a list of appliesTo',
      mutate: (c) => (c.requirements[1].appliesTo = ['service-provider', 'merchant']),
      expected: /^controls\/x\.yaml: requirements\[1\] \(id 3\.5\.1\.1\): appliesTo\[1\]: expected one of service-provider, .*, found the string "merchant"$/m,
    },
    {
      name: 'empty list of appliesTo',
      mutate: (c) => (c.requirements[1].appliesTo = []),
      expected: /^controls\/x\.yaml: requirements\[1\] \(id 3\.5\.1\.1\): appliesTo: must list at least 1 entry$/m,
    },
    {
      name: 'parameter of an unsupported type',
      mutate: (c) => (c.requirements[0].parameters = { ports: [22, 3389] }),
      expected: /requirements\[0\] \(id 3\.5\.1\): parameters: ports/,
    },
    {
      name: 'no requirements at all',
      mutate: (c) => (c.requirements = []),
      expected: /controls\/x\.yaml: requirements: must list at least 1 entry/,
    },
    {
      name: 'framework id with capitals',
      mutate: (c) => (c.framework = 'PCI'),
      expected: /controls\/x\.yaml: framework: /,
    },
    {
      name: 'unknown top-level field',
      mutate: (c) => (c.controls = []),
      expected: /controls\/x\.yaml: \(top level\): unknown field controls/,
    },
  ];

  for (const { name, mutate, expected } of cases) {
    it(name, () => {
      const c = sampleCatalog();
      mutate(c);
      const err = thrown(() => parseCatalog(stringify(c), 'controls/x.yaml'));
      expect(err.message).toMatch(expected);
      expect(err.exitCode).toBe(ExitCode.usage);
    });
  }

  it('accepts the valid sample and fills defaults', () => {
    const c = parseCatalog(stringify(sampleCatalog()), 'controls/x.yaml');
    expect(c.requirements[1].queries).toEqual([]);
    expect(c.requirements[1].parameters).toEqual({});
    expect(c.requirements[0].kind).toBe('requirement');
    expect(c.sourceFile).toBe('controls/x.yaml');
  });

  it('reports YAML syntax errors with file, line and column', () => {
    const err = thrown(() => parseCatalog('framework: x\nrequirements:\n  - id: [unclosed\n', 'controls/bad.yaml'));
    expect(err.message).toMatch(/^controls\/bad\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('reports duplicate YAML keys as syntax errors', () => {
    const err = thrown(() => parseCatalog('framework: a\nframework: b\n', 'controls/dup.yaml'));
    expect(err.message).toMatch(/controls\/dup\.yaml:2:\d+: YAML syntax error: .*unique/i);
  });

  it('lists every schema problem, one per line', () => {
    const c = sampleCatalog();
    (c.requirements as any[])[0].coverage = 'sometimes';
    (c.requirements as any[])[1].title = 'x';
    const lines = thrown(() => parseCatalog(stringify(c), 'c.yaml')).message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/requirements\[0\] \(id 3\.5\.1\): coverage/);
    expect(lines[1]).toMatch(/requirements\[1\] \(id 3\.5\.1\.1\): title: must be at least 3 characters/);
  });
});

describe('loadCatalog / loadCatalogs / findCatalog', () => {
  function tempDir(): string {
    return mkdtempSync(join(tmpdir(), 'el-controls-'));
  }

  it('names an unreadable file', () => {
    const err = thrown(() => loadCatalog(join(tempDir(), 'missing.yaml')));
    expect(err.message).toMatch(/missing\.yaml: cannot read catalog \(ENOENT\)/);
  });

  it('loads extra directories next to the built-in catalogs', () => {
    const dir = tempDir();
    const custom = { ...sampleCatalog(), framework: 'internal-baseline', idPattern: '^[0-9.]+$' };
    writeFileSync(join(dir, 'internal.yaml'), stringify(custom));
    writeFileSync(join(dir, 'notes.txt'), 'not a catalog');
    const catalogs = loadCatalogs([dir]);
    expect(catalogs.map((c) => c.framework)).toEqual(['hipaa-security', 'pci-dss-4.0.1', 'internal-baseline']);
    expect(findCatalog(catalogs, 'internal-baseline').sourceFile).toMatch(/internal\.yaml$/);
  });

  it('refuses two catalogs with the same framework id, naming both files', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pci-copy.yaml'), stringify(sampleCatalog()));
    const err = thrown(() => loadCatalogs([dir]));
    expect(err.message).toMatch(/pci-copy\.yaml: framework "pci-dss-4\.0\.1" is already defined by .*controls[/\\]pci-dss-4\.0\.1\.yaml/);
  });

  it('names a missing catalog directory by its config field', () => {
    const err = thrown(() => loadCatalogs(['/nonexistent/catalogs']));
    expect(err.message).toMatch(/^catalogDirs\[0\]: catalog directory "\/nonexistent\/catalogs" does not exist/);
  });

  it('can skip the built-in directory', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.yml'), stringify({ ...sampleCatalog(), framework: 'a' }));
    expect(loadCatalogs([dir], { builtIn: false }).map((c) => c.framework)).toEqual(['a']);
  });

  it('findCatalog lists the known framework ids', () => {
    const err = thrown(() => findCatalog(loadCatalogs(), 'pci-dss-3.2.1'));
    expect(err.message).toBe('unknown framework "pci-dss-3.2.1"; known frameworks: hipaa-security, pci-dss-4.0.1');
    expect(err.exitCode).toBe(ExitCode.usage);
  });
});
