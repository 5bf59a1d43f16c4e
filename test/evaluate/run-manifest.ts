import type { Config } from '../../src/config/schema.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { evaluateRun } from '../../src/evaluate/engine.js';
import type { ControlResult } from '../../src/evaluate/types.js';
import type { RunManifest } from '../../src/evidence/manifest.js';
import type { EvidenceBody } from '../../src/evidence/record.js';

/** A sealed collection run's manifest, as the engine reads it: one run r1 of the default chain, with these records. */
export function runManifest(scope: RunManifest['scope'], records: RunManifest['records'] = []): RunManifest {
  return {
    schema: 'evidence-locker/run-manifest@1',
    runId: 'r1',
    kind: 'collection',
    chain: 'default',
    tool: { name: 'evidence-locker', version: '0', sdkVersion: 'x' },
    startedAt: '2026-11-01T00:00:00.000Z',
    completedAt: '2026-11-01T00:01:00.000Z',
    status: 'complete',
    scope,
    previous: null,
    store: { kind: 'local', location: '/x' },
    signing: { algorithm: 'ed25519', keyFingerprint: 'f', keyId: 'k' },
    gaps: [],
    records,
  } as RunManifest;
}

/**
 * One evidence body of `queryId` (account 111122223333) judged by the built-in PCI DSS and HIPAA catalogs, as a run's
 * evaluation judges it: each requirement's parameters and who set them come from the catalog and `parameterOverrides`.
 */
export async function judgedByCatalogs(
  queryId: string,
  data: unknown,
  opts: { region?: string; parameterOverrides?: Config['parameters']; collectedAt?: string; entity?: Config['entity'] } = {},
): Promise<(requirementId: string, framework?: string) => ControlResult> {
  const accountId = '111122223333';
  const region = opts.region ?? 'us-east-1';
  const collectedAt = opts.collectedAt ?? '2026-11-01T00:00:30.000Z';
  const body: EvidenceBody = { schema: 'evidence-locker/evidence@1', queryId, accountId, region, status: 'ok', operations: [], requests: [], data, sdkVersion: 'test' };
  const frameworks = ['pci-dss-4.0.1', 'hipaa-security'];
  const manifest = runManifest({ accounts: [accountId], regions: [region], frameworks, queries: [queryId] }, [
    { recordId: `${queryId}/${accountId}/${region}`, queryId, accountId, region, status: 'ok', collectedAt, sha256: 'c'.repeat(64), size: 1 },
  ]);
  const results = await evaluateRun({ manifest, loadBody: async () => body, catalogs: loadCatalogs(), frameworks, parameterOverrides: opts.parameterOverrides, ...(opts.entity ? { entity: opts.entity } : {}) });
  return (requirementId, framework = requirementId.startsWith('164.') ? 'hipaa-security' : 'pci-dss-4.0.1') => {
    const r = results.find((x) => x.framework === framework && x.requirementId === requirementId);
    if (!r) throw new Error(`no result for ${framework} ${requirementId}`);
    return r;
  };
}
