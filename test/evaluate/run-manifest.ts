import type { RunManifest } from '../../src/evidence/manifest.js';

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
