import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvidenceLockerError } from '../errors.js';
import type { ManifestRecord } from '../evidence/record.js';
import { canonicalJson } from '../seal/canonical.js';
import { StrictRecordSchema, type RecordSource } from '../seal/seal.js';

const FLUSH_BYTES = 1 << 20;
const DIGEST_BYTES = 32;

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
  private fd: number | undefined;
  private dir: string | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes written to the file so far. */
  private written = 0;
  private readonly ids: string[] = [];
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private digests = Buffer.alloc(1024 * DIGEST_BYTES);
  private errorCount = 0;
  private closed = false;

  constructor(private readonly where: string = tmpdir()) {}

  get count(): number {
    return this.ids.length;
  }

  get errors(): number {
    return this.errorCount;
  }

  /** Adds a record (checked against the manifest's record schema first: a record the seal would refuse fails here). */
  add(record: ManifestRecord): void {
    if (this.closed) throw new Error('record spool: add after close');
    StrictRecordSchema.parse(record);
    const bytes = Buffer.from(canonicalJson(record), 'utf8');
    const i = this.ids.length;
    if (i === this.offsets.length) this.grow();
    this.ids.push(record.recordId);
    this.offsets[i] = this.written + this.pendingBytes;
    this.lengths[i] = bytes.length;
    createHash('sha256').update(bytes).digest().copy(this.digests, i * DIGEST_BYTES);
    if (record.status === 'error') this.errorCount++;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /** Bytes of the records' canonical JSON, comma-separated. */
  byteLength(): number {
    let n = Math.max(0, this.ids.length - 1);
    for (let i = 0; i < this.ids.length; i++) n += this.lengths[i];
    return n;
  }

  /**
   * Writes the records, sorted by record id (the manifest's order), comma-separated, into `target` from `offset`. Each
   * is read back from the spool and must hash to what was added.
   */
  writeTo(target: Buffer, offset: number): void {
    this.flush();
    const order = Array.from(this.ids.keys()).sort((a, b) => this.ids[a].localeCompare(this.ids[b]));
    let at = offset;
    order.forEach((i, k) => {
      if (k > 0) target[at++] = 0x2c; // ','
      const length = this.lengths[i];
      let got = 0;
      while (got < length) {
        const n = readSync(this.fd as number, target, at + got, length - got, this.offsets[i] + got);
        if (n === 0) break;
        got += n;
      }
      const digest = createHash('sha256').update(target.subarray(at, at + length)).digest();
      if (got !== length || !digest.equals(this.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES))) {
        throw new EvidenceLockerError(`the collection's record spool in ${this.where} was changed or damaged before the seal (record ${this.ids[i]} does not read back as written); nothing was sealed`, {
          hint: 'collect again; if it happens again, check the disk of the temporary directory (TMPDIR) and who else can write there',
        });
      }
      at += length;
    });
  }

  /** Closes and forgets the spool (its file was unlinked when made). */
  close(): void {
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.pending = [];
  }

  private grow(): void {
    const size = this.offsets.length * 2;
    const offsets = new Float64Array(size);
    offsets.set(this.offsets);
    const lengths = new Uint32Array(size);
    lengths.set(this.lengths);
    const digests = Buffer.alloc(size * DIGEST_BYTES);
    this.digests.copy(digests);
    this.offsets = offsets;
    this.lengths = lengths;
    this.digests = digests;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    try {
      if (this.fd === undefined) this.open();
      let done = 0;
      while (done < chunk.length) done += writeSync(this.fd as number, chunk, done, chunk.length - done, this.written + done);
    } catch (err) {
      if (err instanceof EvidenceLockerError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new EvidenceLockerError(`could not write the collection's record spool in ${this.dir ?? this.where}: ${e.code ?? e.name}: ${e.message}; nothing was sealed`, {
        hint: 'the collector keeps its run\'s manifest records in the temporary directory until it seals (about 400 bytes a record); give TMPDIR a writable directory with room for them',
        cause: err,
      });
    }
    this.written += chunk.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private open(): void {
    try {
      this.dir = mkdtempSync(join(this.where, 'evidence-locker-records-'));
      const file = join(this.dir, 'records.jsonl');
      this.fd = openSync(file, 'wx+', 0o600);
      // Unlinked at once: the open file stays ours until close, and no crash leaves it behind.
      unlinkSync(file);
      rmdirSync(this.dir);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new EvidenceLockerError(`could not make the collection's record spool in ${this.where}: ${e.code ?? e.name}: ${e.message}; nothing was sealed`, {
        hint: 'the collector keeps its run\'s manifest records in the temporary directory until it seals (about 400 bytes a record); give TMPDIR a writable directory with room for them',
        cause: err,
      });
    }
  }
}
