/**
 * Seal benchmark: what sealing a large run costs when the store already holds earlier large runs of its chain. The
 * seal links the run to the latest run of its chain, which it must read and whose signature it must check. Two runs of
 * `records` synthetic records (246,000: a 1,000-account x 4-region collection) are sealed into a local store; then, each
 * in a fresh child process, the chain lookup as the seal makes it (each candidate's records parsed and checked one at a
 * time) and, as the baseline, the same lookup parsing every candidate's whole manifest at once (JSON and schema).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordSpool } from '../src/collect/record-spool.js';
import { sealRunFrom } from '../src/seal/seal.js';
import { LocalEd25519Signer } from '../src/seal/local-signer.js';
import { LocalEvidenceStore } from '../src/store/local.js';
import { forkBenchChild } from './child.js';
import type { SealChildAnswer, SealChildRequest, SealLookup } from './seal-child.js';

export interface SealBenchResult {
  records: number;
  manifestBytes: number;
  /** The seal's own lookup: each candidate's records parsed and checked one at a time. */
  headerOnly: SealLookup;
  /** The baseline: each candidate's whole manifest parsed. */
  whole: SealLookup;
}

/** Seals one run of `records` synthetic records (1,000 accounts, 4 regions, 61 queries) into the store. */
async function sealSynthetic(store: LocalEvidenceStore, signer: LocalEd25519Signer, records: number, startedAt: Date): Promise<number> {
  const spool = new RecordSpool();
  try {
    for (let i = 0; i < records; i++) {
      const sha256 = `${i.toString(16).padStart(8, '0')}${startedAt.getTime().toString(16)}`.padEnd(64, 'e');
      const accountId = String(100_000_000_000 + (i % 1000));
      const region = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'][i % 4];
      const queryId = `bench.query-${i % 61}`;
      spool.add({ recordId: `${queryId}/${accountId}/${region}/${i}`, queryId, accountId, region, status: 'ok', collectedAt: new Date(startedAt.getTime() + i).toISOString(), sha256, size: 1_000 + (i % 5_000), location: { key: `objects/${sha256.slice(0, 2)}/${sha256}` } });
    }
    const sealed = await sealRunFrom(store, signer, { kind: 'collection', chain: 'default', startedAt, completedAt: new Date(startedAt.getTime() + 600_000), scope: { accounts: ['100000000000'], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['bench.query-0'] }, gaps: [], records: spool });
    return sealed.manifestSize;
  } finally {
    spool.close();
  }
}

export async function benchSeal(opts: { records: number }): Promise<SealBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-seal-'));
  try {
    const store = new LocalEvidenceStore(join(dir, 'store'));
    const signer = LocalEd25519Signer.open(join(dir, 'keys'));
    // Two daily runs before today's (the lookup refuses runs that claim to start in the future).
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const manifestBytes = await sealSynthetic(store, signer, opts.records, new Date(today - 2 * day + 3_600_000));
    await sealSynthetic(store, signer, opts.records, new Date(today - day + 3_600_000));
    const lookup = async (how: SealChildRequest['how']): Promise<SealLookup> => {
      const answer = await forkBenchChild<SealChildRequest, SealChildAnswer>('./seal-child.js', { store: join(dir, 'store'), keys: join(dir, 'keys'), how });
      if (!answer.ok) throw new Error(answer.error);
      return answer.result;
    };
    const whole = await lookup('whole');
    const headerOnly = await lookup('header-only');
    if (headerOnly.previous !== whole.previous) throw new Error(`the two lookups found different runs: ${headerOnly.previous} and ${whole.previous}`);
    return { records: opts.records, manifestBytes, headerOnly, whole };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
