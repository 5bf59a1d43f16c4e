import { closeSync, mkdtempSync, openSync, readSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvidenceLockerError } from '../errors.js';

const FLUSH_BYTES = 1 << 20;
const DIGEST_BYTES = 32;

/** How a spool's errors name it and what its failure means for the run. */
export interface SpoolWording {
  /** What the spool holds, as its errors name it: "the collection's record spool". */
  name: string;
  /** The file name inside the spool's private directory (never seen: it is unlinked at once). */
  file: string;
  /** When a damaged entry is found: "before the seal". */
  before: string;
  /** What the run's outcome is when the spool fails: "nothing was sealed". */
  outcome: string;
  /** What a full or unwritable temporary directory means, and the fix. */
  roomHint: string;
}

/**
 * Byte strings kept in one temporary file instead of in memory, each read back by its index and checked against the
 * SHA-256 it had when added. Memory keeps each entry's place, length and digest (44 bytes).
 *
 * The file is made in the system's temporary directory (TMPDIR), readable by this user only, and unlinked as soon as
 * it is open: nothing is left behind, whatever ends the process. An entry changed on disk (through the descriptor, by
 * someone with this user's rights) or damaged by the disk is refused when read, never handed on.
 */
export class ByteSpool {
  private fd: number | undefined;
  private dir: string | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes written to the file so far. */
  private written = 0;
  private entries = 0;
  private offsets = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private digests = Buffer.alloc(1024 * DIGEST_BYTES);
  private closed = false;

  constructor(
    private readonly wording: SpoolWording,
    private readonly where: string = tmpdir(),
  ) {}

  get count(): number {
    return this.entries;
  }

  /** Adds `bytes` and gives its index. They are kept as they are until written: hand over a buffer nobody changes. */
  append(bytes: Buffer): number {
    if (this.closed) throw new Error(`${this.wording.name}: append after close`);
    const i = this.entries++;
    if (i === this.offsets.length) this.grow();
    this.offsets[i] = this.written + this.pendingBytes;
    this.lengths[i] = bytes.length;
    createHash('sha256').update(bytes).digest().copy(this.digests, i * DIGEST_BYTES);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    return i;
  }

  lengthOf(i: number): number {
    return this.lengths[i];
  }

  /**
   * Reads entry `i` into `target` from `at`; `what` names the entry in the error if it does not read back as added
   * (wrong length or SHA-256).
   */
  readInto(i: number, target: Buffer, at: number, what: string): void {
    if (this.closed) throw new Error(`${this.wording.name}: read after close`);
    if (i < 0 || i >= this.entries) throw new Error(`${this.wording.name}: no entry ${i}`);
    this.flush();
    const length = this.lengths[i];
    let got = 0;
    try {
      while (got < length) {
        const n = readSync(this.fd as number, target, at + got, length - got, this.offsets[i] + got);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new EvidenceLockerError(`could not read ${what} back from ${this.wording.name} in ${this.dir ?? this.where}: ${e.code ?? e.name}: ${e.message}; ${this.wording.outcome}`, {
        hint: 'collect again; if it happens again, check the disk of the temporary directory (TMPDIR)',
        cause: err,
      });
    }
    const digest = createHash('sha256').update(target.subarray(at, at + length)).digest();
    if (got !== length || !digest.equals(this.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES))) {
      throw new EvidenceLockerError(`${this.wording.name} in ${this.where} was changed or damaged ${this.wording.before} (${what} does not read back as written); ${this.wording.outcome}`, {
        hint: 'collect again; if it happens again, check the disk of the temporary directory (TMPDIR) and who else can write there',
      });
    }
  }

  /** Entry `i`, read back and checked (see readInto). */
  read(i: number, what: string): Buffer {
    const out = Buffer.allocUnsafe(this.lengths[i]);
    this.readInto(i, out, 0, what);
    return out;
  }

  /** Closes and forgets the spool (its file was unlinked when made). */
  close(): void {
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.pending = [];
    this.pendingBytes = 0;
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
      throw new EvidenceLockerError(`could not write ${this.wording.name} in ${this.dir ?? this.where}: ${e.code ?? e.name}: ${e.message}; ${this.wording.outcome}`, { hint: this.wording.roomHint, cause: err });
    }
    this.written += chunk.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private open(): void {
    try {
      this.dir = mkdtempSync(join(this.where, 'evidence-locker-spool-'));
      const file = join(this.dir, this.wording.file);
      this.fd = openSync(file, 'wx+', 0o600);
      // Unlinked at once: the open file stays ours until close, and no crash leaves it behind.
      unlinkSync(file);
      rmdirSync(this.dir);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new EvidenceLockerError(`could not make ${this.wording.name} in ${this.where}: ${e.code ?? e.name}: ${e.message}; ${this.wording.outcome}`, { hint: this.wording.roomHint, cause: err });
    }
  }
}
