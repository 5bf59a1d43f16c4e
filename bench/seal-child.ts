/**
 * Child process of the seal benchmark: one chain lookup in a fresh process, so the peak RSS is the lookup's own.
 * `header-only` is the seal's (latestRunOfChain); `whole` classifies each candidate from its whole parsed manifest.
 */
import { performance } from 'node:perf_hooks';
import { latestRunOfChain } from '../src/seal/seal.js';
import { RunClassifier, trustPolicy } from '../src/seal/trust.js';
import { LocalEd25519Signer } from '../src/seal/local-signer.js';
import { LocalEvidenceStore } from '../src/store/local.js';
import { peakRssBytes } from '../src/peak-rss.js';

export interface SealChildRequest {
  store: string;
  keys: string;
  how: 'header-only' | 'whole';
}

export interface SealLookup {
  seconds: number;
  /** VmHWM of the process before the lookup (code loaded) and after it. */
  rssBeforeBytes: number;
  peakRssBytes: number;
  /** The run found as the chain's latest. */
  previous: string | null;
}

export type SealChildAnswer = { ok: true; result: SealLookup } | { ok: false; error: string };

async function lookup(req: SealChildRequest): Promise<SealLookup> {
  const store = new LocalEvidenceStore(req.store);
  const trust = trustPolicy([await LocalEd25519Signer.open(req.keys).fingerprint()]);
  const rssBeforeBytes = peakRssBytes();
  const t0 = performance.now();
  const previous =
    req.how === 'header-only' ? (await latestRunOfChain(store, 'default', trust)).previous?.runId ?? null : (await new RunClassifier(store, trust).latestTrustedOfChain('default')).latest?.runId ?? null;
  return { seconds: (performance.now() - t0) / 1000, rssBeforeBytes, peakRssBytes: peakRssBytes(), previous };
}

process.once('message', (msg: SealChildRequest) => {
  lookup(msg).then(
    (result) => process.send?.({ ok: true, result } satisfies SealChildAnswer, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies SealChildAnswer, () => process.exit(1)),
  );
});
