import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogs, REFERENCE_IDS } from '../../src/controls/load.js';
import { ProcedureMapSchema, earlierBuiltInInput, loadProcedureMap, procedureMapFile } from '../../src/controls/procedures.js';
import { inputSha256 } from '../../src/package/build.js';
import { CatalogSchema } from '../../src/controls/schema.js';
import { ConfigError } from '../../src/errors.js';

const catalogs = loadCatalogs();
const pci = catalogs.find((c) => c.framework === 'pci-dss-4.0.1')!;
const hipaa = catalogs.find((c) => c.framework === 'hipaa-security')!;

describe('procedure mappings (controls/procedures/*.yaml)', () => {
  it('map every query-backed requirement to one of its own procedures, with queries it cites', () => {
    for (const catalog of [pci, hipaa]) {
      const map = loadProcedureMap(catalog);
      const withQueries = catalog.requirements.filter((r) => r.queries.length > 0).map((r) => r.id);
      // Each query-backed requirement either has a procedure its evidence tests or is named untested, with why.
      expect([...new Set([...map.procedures.map((p) => p.requirement), ...(map.untested ?? []).map((u) => u.requirement)])].sort()).toEqual([...withQueries].sort());
      expect(map.procedures.length + (map.untested ?? []).length).toBe(new Set([...map.procedures.map((p) => p.procedure), ...(map.untested ?? []).map((u) => u.requirement)]).size);
    }
  });
  it('cover at least 60 PCI DSS procedures with evidence', () => {
    expect(loadProcedureMap(pci).procedures.length).toBeGreaterThanOrEqual(60);
  });
  it('use only official PCI DSS procedure ids', () => {
    const official = REFERENCE_IDS['pci-dss-4.0.1'].testingProcedures!;
    for (const p of loadProcedureMap(pci).procedures) expect(official[p.requirement] ?? [p.requirement]).toContain(p.procedure);
  });
  it('leave procedures untested where the evidence tests none of them as written (root access keys are not unique IDs)', () => {
    const untested = new Map((loadProcedureMap(pci).untested ?? []).map((u) => [u.requirement, u.reason]));
    // Documentary, interview and observation procedures, and requirements whose evidence is an input to a process
    // (changes recorded, not approved; findings raised, not followed up; a scope review's inputs, not the review).
    // Supporting information is not a test: Inspector's coverage is not the software inventory (6.3.2) and does not tie
    // scans to significant changes (11.3.1.3); versioning protects ePHI but confirms nothing (164.312(c)(2)).
    // Also what the entity keeps and the assessor examines (its component, certificate, TPSP and cipher inventories, its
    // network diagram, its response and review records, its retention process) beside the AWS facts compared with it,
    // and an idle timeout that a session length is not (8.2.8, 164.312(a)(2)(iii)).
    // Interview and observation procedures are not tested by a configuration snapshot: key retirement (3.7.5) and
    // substitution (3.7.7), an observed authentication (8.3.1), observed detection of control failures (10.7.1,
    // 10.7.2, A3.3.1).
    expect([...untested.keys()].sort()).toEqual(['1.2.2', '1.2.3', '10.4.1', '10.4.3', '10.7.1', '10.7.2', '11.3.1.3', '12.10.5', '12.10.7', '12.3.3', '12.3.4', '12.5.1', '12.5.2', '12.5.2.1', '12.8.1', '2.2.2', '3.2.1', '3.6.1', '3.7.5', '3.7.7', '4.2.1.1', '6.3.2', '6.5.1', '7.2.4', '7.2.5.1', '8.2.1', '8.2.2', '8.2.4', '8.2.8', '8.3.1', 'A3.2.1', 'A3.2.5.1', 'A3.2.5.2', 'A3.2.6', 'A3.3.1', 'A3.4.1']);
    expect(loadProcedureMap(pci).procedures.filter((p) => untested.has(p.requirement))).toEqual([]);
    expect((loadProcedureMap(hipaa).untested ?? []).map((u) => u.requirement).sort()).toEqual(['164.308(a)(1)(ii)(A)', '164.308(a)(1)(ii)(D)', '164.308(a)(2)', '164.308(a)(3)(ii)(A)', '164.308(a)(4)(ii)(C)', '164.308(a)(6)', '164.308(b)(1)', '164.312(a)(2)(i)', '164.312(a)(2)(iii)', '164.312(c)(2)', '164.314(a)(1)']);
    // A procedure mapped on what it examines: 3.6.1.2.b examines where keys are stored (not .c, key-encrypting keys);
    // 11.5.1.1.a examines the detection mechanisms (not .b, the incident response plan); so does A3.5.1.a (not .b, on-call
    // alerting and response to alerts).
    const mapped = new Set(loadProcedureMap(pci).procedures.map((p) => p.procedure));
    for (const p of ['3.6.1.2.b', '11.5.1.1.a', 'A3.5.1.a']) expect(mapped.has(p), p).toBe(true);
    for (const p of ['3.6.1.2.c', '11.5.1.1.b', 'A3.5.1.b']) expect(mapped.has(p), p).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'el-proc-'));
    const file = join(dir, 'pci.yaml');
    writeFileSync(file, 'framework: pci-dss-4.0.1\nprocedures:\n  - { procedure: "8.2.1.b", requirement: "8.2.1", method: examine-configuration, queries: [iam.root-access-keys], shows: "Root access keys only, not unique IDs." }\nuntested:\n  - { requirement: "8.2.1", reason: "root access keys are not unique user IDs" }\n');
    expect(() => loadProcedureMap(pci, file)).toThrow(/untested\[0\] \(8\.2\.1\): one of its procedures is mapped under procedures/);
  });
  it('refuse a procedure that is not the requirement\'s, naming file and entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-proc-'));
    const file = join(dir, 'pci.yaml');
    writeFileSync(file, 'framework: pci-dss-4.0.1\nprocedures:\n  - { procedure: "3.5.1.z", requirement: "3.5.1", method: examine-configuration, queries: [s3.bucket-encryption] }\n');
    expect(() => loadProcedureMap(pci, file)).toThrow(ConfigError);
    expect(() => loadProcedureMap(pci, file)).toThrow(/procedures\[0\] \(3\.5\.1\.z\): not a testing procedure of 3\.5\.1/);
  });
  it('keep each earlier built-in map under the SHA-256 a package records for it, and only by that name', () => {
    const dir = join(procedureMapFile('hipaa-security'), '..', 'earlier');
    const kept = existsSync(dir) ? readdirSync(dir).flatMap((fw) => readdirSync(join(dir, fw)).map((f) => [fw, f.replace(/\.json$/, '')] as const)) : [];
    expect(kept.length).toBeGreaterThan(0);
    for (const [fw, sha] of kept) {
      const map = earlierBuiltInInput('procedure-map', fw, sha);
      expect(ProcedureMapSchema.safeParse(map).success, sha).toBe(true);
      expect(inputSha256(map), sha).toBe(sha);
      expect(inputSha256(loadProcedureMap(fw === 'hipaa-security' ? hipaa : pci)), sha).not.toBe(sha);
    }
    // Values from a manifest never name another file.
    expect(earlierBuiltInInput('procedure-map', '../hipaa-security', kept[0][1])).toBeUndefined();
    expect(earlierBuiltInInput('procedure-map', 'hipaa-security', `${kept[0][1]}/..`)).toBeUndefined();
  });
  it('keep each earlier built-in catalog under the SHA-256 a package records for it, and only by that name', () => {
    const dir = join(procedureMapFile('hipaa-security'), '..', '..', 'earlier');
    const kept = existsSync(dir) ? readdirSync(dir).flatMap((fw) => readdirSync(join(dir, fw)).map((f) => [fw, f.replace(/\.json$/, '')] as const)) : [];
    // The HIPAA catalog of the release before its five rationales were tightened.
    expect(kept).toContainEqual(['hipaa-security', 'f92e1e0ae14bd08157c7e03b6dc10aa91104492d6f7d184b6198955a1eeccf5f']);
    for (const [fw, sha] of kept) {
      const catalog = earlierBuiltInInput('catalog', fw, sha);
      expect(CatalogSchema.safeParse(catalog).success, sha).toBe(true);
      expect(inputSha256(catalog), sha).toBe(sha);
      expect((catalog as { framework: string }).framework).toBe(fw);
      expect(inputSha256(fw === 'hipaa-security' ? hipaa : pci), sha).not.toBe(sha);
    }
    expect(earlierBuiltInInput('catalog', '../hipaa-security', kept[0][1])).toBeUndefined();
    expect(earlierBuiltInInput('catalog', 'hipaa-security', '0'.repeat(64))).toBeUndefined();
  });
  it('refuse a mapped procedure that does not say what its checks show, in either framework, naming file and procedure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'el-proc-'));
    for (const [catalog, procedure, requirement] of [
      [hipaa, '164.312(d)', '164.312(d)'],
      [pci, '8.4.2.a', '8.4.2'],
    ] as const) {
      const file = join(dir, `${catalog.framework}.yaml`);
      writeFileSync(file, `framework: ${catalog.framework}\nprocedures:\n  - { procedure: "${procedure}", requirement: "${requirement}", method: examine-configuration, queries: [iam.console-mfa] }\n`);
      expect(() => loadProcedureMap(catalog, file)).toThrow(ConfigError);
      expect(() => loadProcedureMap(catalog, file)).toThrow(`${file}: procedures[0] (${procedure}): no shows text`);
    }
  });
});
