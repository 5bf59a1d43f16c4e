import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/evidence/hash.js';
import type { SealRefusal } from '../../src/evidence/refusal.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { writeRefusedBodyList, writeSealRefusal } from '../../src/seal/refusals.js';
import { trustPolicy } from '../../src/seal/trust.js';
import { applyLegalHold } from '../../src/store/legal-hold.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { findOrphans } from '../../src/store/orphans.js';
import { recordLegalHolds } from '../support/recording-holds.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'el-hold-tidy-'));
const ACCT = '111111111111';

/** A store holding two signed refusal records of 2026-10-02 with bodies A, B and C, by default sharing one body (B): A and B, then B and C. */
async function twoRefusals(lists: [number[], number[]] = [[0, 1], [1, 2]]) {
  const store = new LocalEvidenceStore(tmp());
  const signer = LocalEd25519Signer.open(tmp());
  const trust = trustPolicy([await signer.fingerprint()]);
  const body = async (text: string) => {
    const bytes = Buffer.from(`{"body":"${text}"}`, 'utf8');
    await store.putObject(sha256Hex(bytes), bytes);
    return { sha256: sha256Hex(bytes), size: bytes.length };
  };
  const [a, b, c] = [await body('a'), await body('b'), await body('c')];
  const refusal = async (hour: number, runId: string, bodies: { sha256: string; size: number }[]) => {
    const at = new Date(`2026-10-02T0${hour}:00:00Z`).toISOString();
    const bodyList = await writeRefusedBodyList(store, bodies);
    const r: SealRefusal = {
      schema: 'evidence-locker/seal-refusal@1',
      kind: 'collection',
      chain: 'default',
      tool: { name: 'evidence-locker', version: 'test', sdkVersion: 'test' },
      startedAt: at,
      completedAt: at,
      refusedAt: at,
      scope: { accounts: [ACCT], regions: ['us-east-1'], frameworks: ['pci-dss-4.0.1'], queries: ['s3.bucket-encryption'] },
      previous: null,
      attempts: [{ runId, reason: 'planted', planted: [{ key: `runs/${runId}/manifest.json` }] }],
      records: { count: bodies.length, errors: 0, bodiesStored: bodies.length, bodyList },
      signing: { algorithm: signer.algorithm, keyFingerprint: await signer.fingerprint(), keyId: signer.keyId },
    };
    return writeSealRefusal(store, signer, r);
  };
  const first = await refusal(2, '20261002T020000Z-aaaaaa', lists[0].map((i) => [a, b, c][i]));
  const second = await refusal(4, '20261002T040000Z-bbbbbb', lists[1].map((i) => [a, b, c][i]));
  return { store, signer, trust, first, second, a, b, c };
}

describe('a legal hold over refused seals whose body lists share a body', () => {
  it('was: the shared body was listed under both records in the signed hold record; now once, under the first, and the second names it with that record', async () => {
    const { store, signer, trust, first, second, a, b, c } = await twoRefusals();
    const { placed } = recordLegalHolds(store);
    const held = await applyLegalHold(store, signer, { from: new Date('2026-10-02T00:00:00Z'), to: new Date('2026-10-02T23:59:59Z'), action: 'hold', trust });
    const key = (x: { sha256: string }) => ({ key: `objects/${x.sha256}` });
    const body = JSON.parse((await store.getObject(held.sealed!.manifest.records[0].sha256)).toString('utf8'));
    const records = body.data.refusedBodies.records as { record: string; objects: { key: string }[]; alsoListedUnder?: unknown }[];
    expect(records.map((r) => r.record)).toEqual([first.path, second.path]);
    const sorted = (l: { key: string }[]) => [...l].sort((x, y) => (x.key < y.key ? -1 : 1));
    expect(sorted(records[0].objects)).toEqual(sorted([key(a), key(b)]));
    expect(records[0].alsoListedUnder).toBeUndefined();
    expect(records[1].objects).toEqual([key(c)]);
    expect(records[1].alsoListedUnder).toEqual([{ record: first.path, objects: [key(b)] }]);
    // Every body version named once in the record; each held once.
    const named = records.flatMap((r) => r.objects.map((o) => o.key));
    expect(new Set(named).size).toBe(named.length);
    expect(placed.filter((p) => p === `ON objects/${b.sha256}`)).toHaveLength(1);
    expect(held.message).toContain('and 3 evidence body version(s) their runs stored');
    expect(body.data.refusedBodies.note).toContain('A body the lists of two refused runs name is listed once');
  });
});

describe('a legal hold over two refused seals naming the same list of bodies', () => {
  it('was: the second record listed every body of the list again under alsoListedUnder; now it names the list and points at the first record (sameListAs)', async () => {
    const { store, signer, trust, first, second, a, b } = await twoRefusals([[0, 1], [0, 1]]);
    recordLegalHolds(store);
    const held = await applyLegalHold(store, signer, { from: new Date('2026-10-02T00:00:00Z'), to: new Date('2026-10-02T23:59:59Z'), action: 'hold', trust });
    const body = JSON.parse((await store.getObject(held.sealed!.manifest.records[0].sha256)).toString('utf8'));
    const records = body.data.refusedBodies.records as { record: string; list?: { sha256: string }; objects: { key: string }[]; alsoListedUnder?: unknown; sameListAs?: string }[];
    expect(records.map((r) => r.record)).toEqual([first.path, second.path]);
    expect(records[0].objects.map((o) => o.key).sort()).toEqual([`objects/${a.sha256}`, `objects/${b.sha256}`].sort());
    expect(records[0].sameListAs).toBeUndefined();
    // The second record still names a list (an absent list means it names none), and its bodies are not listed twice.
    expect(records[1].list?.sha256).toBe(records[0].list?.sha256);
    expect(records[1]).toMatchObject({ objects: [], sameListAs: first.path });
    expect(records[1].alsoListedUnder).toBeUndefined();
    expect(body.data.refusedBodies.note).toContain('sameListAs');
    expect(held.message).toContain('and 2 evidence body version(s) their runs stored');
  });
});

describe('store orphans', () => {
  it('was: listed refusals/ twice (once to see whether it holds records, once to read them); now once', async () => {
    const { store, trust } = await twoRefusals();
    let listings = 0;
    const list = store.listRefusals.bind(store);
    store.listRefusals = () => {
      listings++;
      return list();
    };
    const orphans = await findOrphans(store, trust);
    expect(listings).toBe(1);
    // The bodies of refused runs are orphans (no sealed run names them); the lists the trusted records name are not.
    expect(orphans).toHaveLength(3);
    listings = 0;
    await findOrphans(store, () => Promise.resolve(trust));
    expect(listings).toBe(1);
  });
});
