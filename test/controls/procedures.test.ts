import { describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogs, REFERENCE_IDS } from '../../src/controls/load.js';
import { loadProcedureMap } from '../../src/controls/procedures.js';
import { ConfigError } from '../../src/errors.js';

const catalogs = loadCatalogs();
const pci = catalogs.find((c) => c.framework === 'pci-dss-4.0.1')!;
const hipaa = catalogs.find((c) => c.framework === 'hipaa-security')!;

describe('procedure mappings (controls/procedures/*.yaml)', () => {
  it('map every query-backed requirement to one of its own procedures, with queries it cites', () => {
    for (const catalog of [pci, hipaa]) {
      const map = loadProcedureMap(catalog);
      const withQueries = catalog.requirements.filter((r) => r.queries.length > 0).map((r) => r.id);
      expect(map.procedures.map((p) => p.requirement).sort()).toEqual([...withQueries].sort());
    }
  });
  it('cover at least 60 PCI DSS procedures with evidence', () => {
    expect(loadProcedureMap(pci).procedures.length).toBeGreaterThanOrEqual(60);
  });
  it('use only official PCI DSS procedure ids', () => {
    const official = REFERENCE_IDS['pci-dss-4.0.1'].testingProcedures!;
    for (const p of loadProcedureMap(pci).procedures) expect(official[p.requirement] ?? [p.requirement]).toContain(p.procedure);
  });
  it('refuse a procedure that is not the requirement\'s, naming file and entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-proc-'));
    const file = join(dir, 'pci.yaml');
    writeFileSync(file, 'framework: pci-dss-4.0.1\nprocedures:\n  - { procedure: "3.5.1.z", requirement: "3.5.1", method: examine-configuration, queries: [s3.bucket-encryption] }\n');
    expect(() => loadProcedureMap(pci, file)).toThrow(ConfigError);
    expect(() => loadProcedureMap(pci, file)).toThrow(/procedures\[0\] \(3\.5\.1\.z\): not a testing procedure of 3\.5\.1/);
  });
});
