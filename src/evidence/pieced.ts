import { createHash } from 'node:crypto';
import type { PiecedBytes } from './store.js';
import { EvidenceLockerError } from '../errors.js';

/**
 * Byte strings laid end to end and cut into pieces of `pieceBytes` (the last may be shorter). Each piece is a new
 * buffer, so a consumer may keep one while the next is made (parts uploaded in parallel).
 */
export function* inPieces(segments: Iterable<Buffer>, pieceBytes: number): Generator<Buffer> {
  if (!Number.isInteger(pieceBytes) || pieceBytes < 1) throw new Error(`piece size ${pieceBytes}: not a positive integer`);
  let piece = Buffer.allocUnsafe(pieceBytes);
  let at = 0;
  for (const segment of segments) {
    let from = 0;
    while (from < segment.length) {
      const n = Math.min(pieceBytes - at, segment.length - from);
      segment.copy(piece, at, from, from + n);
      at += n;
      from += n;
      if (at === pieceBytes) {
        yield piece;
        piece = Buffer.allocUnsafe(pieceBytes);
        at = 0;
      }
    }
  }
  if (at > 0) yield piece.subarray(0, at);
}

/** A buffer as pieced bytes (its size and SHA-256 from the buffer itself): one writing path for both kinds. */
export function piecedOf(bytes: Buffer): PiecedBytes {
  return {
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    *pieces(pieceBytes: number) {
      for (let off = 0; off < bytes.length; off += pieceBytes) yield bytes.subarray(off, Math.min(off + pieceBytes, bytes.length));
    },
  };
}

/**
 * Counts and hashes the pieces as they pass, in order: `check()` afterwards throws (with `what` and what to do) when
 * they were not the size and SHA-256 the pieced bytes promised, so nothing built from them is made visible.
 */
export function tallied(bytes: PiecedBytes, pieceBytes: number, what: string): { pieces: Iterable<Buffer>; check(): void } {
  const hash = createHash('sha256');
  let size = 0;
  function* pass(): Generator<Buffer> {
    for (const piece of bytes.pieces(pieceBytes)) {
      hash.update(piece);
      size += piece.length;
      yield piece;
    }
  }
  return {
    pieces: pass(),
    check() {
      const sha256 = hash.digest('hex');
      if (size !== bytes.size || sha256 !== bytes.sha256) {
        throw new EvidenceLockerError(`${what}: the bytes written (${size} bytes, SHA-256 ${sha256}) are not the ones signed (${bytes.size} bytes, SHA-256 ${bytes.sha256}); the run was not made visible`, {
          hint: 'collect again (the run has no manifest, so it was not sealed); if it happens again, check the disk of the temporary directory (TMPDIR) and who else can write there',
        });
      }
    },
  };
}
