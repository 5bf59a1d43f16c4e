import { tmpdir } from 'node:os';
import type { ManifestRecord } from '../evidence/record.js';
import { canonicalJson } from '../seal/canonical.js';
import { StrictRecordSchema, type RecordSource } from '../seal/seal.js';
import { ByteSpool } from './byte-spool.js';

/**
 * A collection's manifest records, kept on disk until the run is sealed instead of as objects in memory: at 1,000
 * accounts a run has about 250,000 records, some 150 MB as objects and 90 MB as canonical JSON, which the seal would
 * then copy into the manifest. Memory keeps only each record's id, place and SHA-256 (about 120 bytes).
 *
 * The file is made in the system's temporary directory (TMPDIR), readable by this user only, and unlinked as soon as
 * it is open: nothing is left behind, whatever ends the process. Each record read back for the seal must hash to what
 * was written, so a changed or damaged spool stops the seal instead of being sealed.
 */
export class RecordSpool implements RecordSource {
  private readonly bytes: ByteSpool;
  private readonly ids: string[] = [];
  private errorCount = 0;

  constructor(where: string = tmpdir()) {
    this.bytes = new ByteSpool(
      {
        name: "the collection's record spool",
        file: 'records.jsonl',
        before: 'before the seal',
        outcome: 'nothing was sealed',
        roomHint: "the collector keeps its run's manifest records in the temporary directory until it seals (about 400 bytes a record); give TMPDIR a writable directory with room for them",
      },
      where,
    );
  }

  get count(): number {
    return this.ids.length;
  }

  get errors(): number {
    return this.errorCount;
  }

  /** Adds a record (checked against the manifest's record schema first: a record the seal would refuse fails here). */
  add(record: ManifestRecord): void {
    StrictRecordSchema.parse(record);
    const before = this.bytes.count;
    try {
      this.bytes.append(Buffer.from(canonicalJson(record), 'utf8'));
    } finally {
      // The spool keeps an entry it could not yet write (its write error is thrown): ids stay in step with entries.
      if (this.bytes.count > before) {
        this.ids.push(record.recordId);
        if (record.status === 'error') this.errorCount++;
      }
    }
  }

  /** Bytes of the records' canonical JSON, comma-separated. */
  byteLength(): number {
    let n = Math.max(0, this.ids.length - 1);
    for (let i = 0; i < this.ids.length; i++) n += this.bytes.lengthOf(i);
    return n;
  }

  /**
   * Writes the records, sorted by record id (the manifest's order), comma-separated, into `target` from `offset`. Each
   * is read back from the spool and must hash to what was added.
   */
  writeTo(target: Buffer, offset: number): void {
    let at = offset;
    this.order().forEach((i, k) => {
      if (k > 0) target[at++] = 0x2c; // ','
      this.bytes.readInto(i, target, at, `record ${this.ids[i]}`);
      at += this.bytes.lengthOf(i);
    });
  }

  /** Each record's canonical JSON in record id order, read back one at a time; each must hash to what was added. */
  *inOrder(): Generator<Buffer> {
    for (const i of this.order()) yield this.bytes.read(i, `record ${this.ids[i]}`);
  }

  /** Entry indexes in record id order (the manifest's). */
  private order(): number[] {
    return Array.from(this.ids.keys()).sort((a, b) => this.ids[a].localeCompare(this.ids[b]));
  }

  /** Closes and forgets the spool (its file was unlinked when made). */
  close(): void {
    this.bytes.close();
  }
}
