import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { access, chmod, link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BodyTooLong, EvidenceLockerError } from '../errors.js';
import { assertSha256, sha256Hex } from '../evidence/hash.js';
import { objectPath, RUN_FILE_MAX_BYTES, RUN_FILES, RUNS_DIR, runFileTooLarge, type RunFileName } from '../evidence/layout.js';
import { assertRunId } from '../evidence/run-id.js';
import { RunFilesPlanted, type EvidenceStore, type PiecedBytes, type PreflightCheck, type RunToStore, type SealRefusalShelf, type StoreDescription, type StoredObject, type StoredRefusalRef, type StoredRun } from '../evidence/store.js';
import { REFUSAL_FILE, REFUSALS_DIR, refusalPath } from '../evidence/refusal.js';
import { tallied } from '../evidence/pieced.js';

const LOCAL_NOTE =
  'Local directory store: tamper-evident, not tamper-proof. Files are written once and made read-only, every body is ' +
  'named by its SHA-256 and every run manifest is signed and chained, so any change is detected by verify; but anyone ' +
  'with write access to the directory can still delete or replace files. Use the s3 store (Object Lock COMPLIANCE) for audit retention.';

/**
 * The embedded default store: a directory. Bodies are written once under `objects/sha256/<2 hex>/<sha>.json`
 * (temp file, fsync, hard link without overwrite, read-only); a run is assembled in a temp directory and renamed
 * into `runs/<runId>/` in one step, so a crash never leaves a run that names a missing object.
 */
export class LocalEvidenceStore implements EvidenceStore, SealRefusalShelf {
  readonly kind = 'local' as const;
  readonly sealRefusals: SealRefusalShelf = this;
  readonly root: string;
  /** Object directories whose entries are not yet fsynced; every one is synced before the next run is written. */
  private readonly unsyncedDirs = new Set<string>();
  /** The directory fsyncs under way: a run waits for them all, including those another run started. */
  private dirSyncs: Promise<void> = Promise.resolve();
  /** Object directories this store has made sure exist: a body written into one needs no mkdir (256 at most). */
  private readonly objectDirs = new Set<string>();

  constructor(root: string) {
    this.root = resolve(root);
  }

  describe(): StoreDescription {
    return { kind: 'local', location: this.root, note: LOCAL_NOTE };
  }

  async preflight(): Promise<PreflightCheck[]> {
    try {
      await mkdir(join(this.root, 'objects', 'sha256'), { recursive: true });
      await mkdir(join(this.root, RUNS_DIR), { recursive: true });
      await access(this.root, fsc.W_OK | fsc.R_OK);
    } catch (err) {
      throw new EvidenceLockerError(`local evidence store ${this.root}: not writable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
        hint: `create the directory and give this user write access to it, or set store.path to a writable directory`,
        cause: err,
      });
    }
    return [
      { name: 'directory writable', ok: true, detail: this.root },
      { name: 'write-once', ok: true, detail: 'tamper-evident only: files are read-only and hashed, the directory itself is not locked' },
    ];
  }

  private objectFile(sha256: string): string {
    return join(this.root, ...objectPath(sha256).split('/'));
  }

  async putObject(sha256: string, body: Buffer): Promise<StoredObject> {
    assertSha256(sha256);
    const actual = sha256Hex(body);
    if (actual !== sha256) throw new EvidenceLockerError(`evidence body named ${sha256} hashes to ${actual}: refusing to store it under the wrong name`);
    const key = objectPath(sha256);
    const file = this.objectFile(sha256);
    const dir = dirname(file);
    if (await exists(file)) {
      await this.checkExisting(file, sha256, body.length);
      // Another process (or a run that failed before sealing) may have linked it without syncing the directory yet.
      this.unsyncedDirs.add(dir);
      return { key, existed: true };
    }
    const tmp = join(dir, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      if (!this.objectDirs.has(dir)) await this.makeObjectDir(dir);
      try {
        await writeDurably(tmp, body);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // The directory was removed since this store made it (outside evidence-locker): made again, as every write did.
        await rm(tmp, { force: true }).catch(() => undefined);
        this.objectDirs.delete(dir);
        await this.makeObjectDir(dir);
        await writeDurably(tmp, body);
      }
    } catch (err) {
      // A write that failed half-way (a full disk) leaves no temp file behind.
      await rm(tmp, { force: true }).catch(() => undefined);
      throw storeIoError(this.root, tmp, err);
    }
    try {
      // link() never replaces an existing file, unlike rename(): a body once written is never overwritten.
      await link(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storeIoError(this.root, file, err);
      await this.checkExisting(file, sha256, body.length);
      this.unsyncedDirs.add(dir);
      return { key, existed: true };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    // The body's bytes are on disk (writeDurably); its name is made durable once per directory, before a run cites it.
    this.unsyncedDirs.add(dir);
    return { key, existed: false };
  }

  /** Creates an object directory if it is missing; each directory created is itself a new entry of its parent. */
  private async makeObjectDir(dir: string): Promise<void> {
    const created = await mkdir(dir, { recursive: true });
    if (created) for (let d = dir; d.length >= created.length; d = dirname(d)) this.unsyncedDirs.add(dirname(d));
    this.objectDirs.add(dir);
  }

  /** Makes every object name written so far durable (one fsync per directory); putRun calls it before writing a run. */
  async syncObjects(): Promise<void> {
    const dirs = [...this.unsyncedDirs];
    this.unsyncedDirs.clear();
    this.dirSyncs = this.dirSyncs.then(async () => {
      for (const dir of dirs) await fsyncDir(dir);
    });
    await this.dirSyncs;
  }

  private async checkExisting(file: string, sha256: string, length: number): Promise<void> {
    // A file of another length is not this body: it is refused by its size, unread.
    const existing = await readStoreFile(file, length, (size) => new EvidenceLockerError(`evidence body ${file} has been altered: it is ${size} bytes, the body named ${sha256} is ${length}`, {
      hint: 'the local store was modified outside evidence-locker; keep the directory as it is for investigation and run `evidence-locker store verify`',
    }));
    const got = sha256Hex(existing);
    if (got !== sha256) {
      throw new EvidenceLockerError(`evidence body ${file} has been altered: its SHA-256 is ${got}, its name says ${sha256}`, {
        hint: 'the local store was modified outside evidence-locker; keep the directory as it is for investigation and run `evidence-locker store verify`',
      });
    }
  }

  async getObject(sha256: string, expectedSize?: number): Promise<Buffer> {
    assertSha256(sha256);
    const file = this.objectFile(sha256);
    try {
      return await readStoreFile(file, expectedSize, (size) => new BodyTooLong(`evidence body ${file} has been altered: it is ${size} bytes, its record states ${expectedSize}`, size, false, {
        hint: 'the local store was modified outside evidence-locker; keep the directory as it is for investigation and run `evidence-locker store verify`',
      }));
    } catch (err) {
      if (err instanceof EvidenceLockerError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new EvidenceLockerError(`evidence body ${sha256} is missing from the local store (${file})`);
      throw storeIoError(this.root, file, err);
    }
  }

  async hasObject(sha256: string): Promise<boolean> {
    assertSha256(sha256);
    return exists(this.objectFile(sha256));
  }

  async putRun(run: RunToStore): Promise<void> {
    assertRunId(run.runId);
    const runsDir = join(this.root, RUNS_DIR);
    const runDir = join(runsDir, run.runId);
    if (await exists(runDir)) throw await this.plantedRun(run.runId, runDir, 'before this seal wrote anything');
    // Every body the manifest may cite is durable, name included, before the manifest is written.
    await this.syncObjects();
    await mkdir(runsDir, { recursive: true });
    const tmpDir = join(runsDir, `.tmp-${run.runId}-${randomBytes(6).toString('hex')}`);
    await mkdir(tmpDir);
    try {
      await writeDurably(join(tmpDir, RUN_FILES.publicKey), Buffer.from(run.publicKeyPem, 'utf8'));
      await writeDurably(join(tmpDir, RUN_FILES.signature), run.signature);
      await writeDurably(join(tmpDir, RUN_FILES.manifest), run.manifest, `run ${run.runId}: ${RUN_FILES.manifest} in the local store (${runDir})`);
      await fsyncDir(tmpDir);
      // The temporary folder's name shows the run id while the files are written: someone watching the runs folder
      // could make the run's folder first. It is never replaced; the seal can seal again under another run id.
      if (await exists(runDir)) throw await this.plantedRun(run.runId, runDir, 'while this seal wrote the run');
      await this.publishRun(tmpDir, runDir);
    } catch (err) {
      await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof EvidenceLockerError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw await this.plantedRun(run.runId, runDir, 'while this seal wrote the run');
      throw storeIoError(this.root, runDir, err);
    }
    await fsyncDir(runsDir);
  }

  /**
   * The run folder was made by someone else (a run id is new when the seal picks it): what it holds is named, store-
   * relative, so the seal can name it in the run it seals again under another id. This seal wrote nothing there.
   */
  private async plantedRun(runId: string, runDir: string, when: string): Promise<RunFilesPlanted> {
    const names = await readdir(runDir).catch(() => [] as string[]);
    const folder = `${RUNS_DIR}/${runId}/`;
    const planted = (names.length ? names.sort().map((n) => `${folder}${n}`) : [folder]).map((key) => ({ key, detail: `was made by someone else ${when}` }));
    return new RunFilesPlanted(runId, planted, `run ${runId} already exists in the local store (${runDir}): a sealed run is never overwritten`, {
      hint: 'seal the run under a new run id; find out who else writes into the store directory, and keep the folder as it is for investigation',
    });
  }

  /** Makes a fully written run visible in one step. A directory renamed onto an existing non-empty one fails, so a concurrent seal of the same id cannot replace it. */
  protected async publishRun(tmpDir: string, runDir: string): Promise<void> {
    await rename(tmpDir, runDir);
  }

  async getRun(runId: string): Promise<StoredRun> {
    assertRunId(runId);
    const runDir = join(this.root, RUNS_DIR, runId);
    const read = async (name: RunFileName): Promise<Buffer> => {
      const file = join(runDir, name);
      try {
        // The size is checked before anything is read: a planted file of gigabytes is refused, not loaded.
        return await readStoreFile(file, RUN_FILE_MAX_BYTES[name], (size) => runFileTooLarge(runId, name, file, size));
      } catch (err) {
        if (err instanceof EvidenceLockerError) throw err;
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new EvidenceLockerError(`run ${runId}: ${file} is missing from the local store`, {
            hint: 'list the sealed runs with `evidence-locker store verify --from <date> --to <date>`',
          });
        }
        throw storeIoError(this.root, file, err);
      }
    };
    const [manifest, signature, publicKey] = await Promise.all([read(RUN_FILES.manifest), read(RUN_FILES.signature), read(RUN_FILES.publicKey)]);
    return { runId, manifest, signature, publicKeyPem: publicKey.toString('utf8') };
  }

  async listRuns(): Promise<string[]> {
    const runsDir = join(this.root, RUNS_DIR);
    let names: string[];
    try {
      names = await readdir(runsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeIoError(this.root, runsDir, err);
    }
    const runs: string[] = [];
    for (const name of names) {
      // Our own temp folders start with a dot; any other name is listed, so a badly named folder is reported as foreign, never skipped.
      if (name.startsWith('.')) continue;
      if (await exists(join(runsDir, name, RUN_FILES.manifest))) runs.push(name);
    }
    return runs.sort();
  }

  async putRefusal(name: string, bytes: Buffer): Promise<{ path: string; versionId?: string }> {
    if (!REFUSAL_FILE.test(name)) throw new EvidenceLockerError(`refusal record name ${JSON.stringify(name)} is not one the seal makes`);
    const dir = join(this.root, REFUSALS_DIR);
    const file = join(dir, name);
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await mkdir(dir, { recursive: true });
      await writeDurably(tmp, bytes);
      // link() never replaces an existing file: a record once written is never overwritten.
      await link(tmp, file);
    } catch (err) {
      throw storeIoError(this.root, file, err);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await fsyncDir(dir);
    return { path: refusalPath(name) };
  }

  async listRefusals(): Promise<StoredRefusalRef[]> {
    const dir = join(this.root, REFUSALS_DIR);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeIoError(this.root, dir, err);
    }
    // Our own temporary files start with a dot; every other name is listed, so junk is reported, never skipped.
    return names.filter((n) => !n.startsWith('.')).sort().map((n) => ({ path: refusalPath(n) }));
  }

  async readRefusal(ref: StoredRefusalRef, maxBytes: number): Promise<Buffer> {
    const parts = ref.path.split('/');
    if (parts.length !== 2 || parts[0] !== REFUSALS_DIR || parts[1] === '' || parts[1] === '.' || parts[1] === '..') throw new EvidenceLockerError(`${ref.path} is not a path under ${REFUSALS_DIR}/`);
    const file = join(this.root, ...parts);
    try {
      return await readStoreFile(file, maxBytes, (size) => new EvidenceLockerError(`${ref.path} is ${size} bytes, more than the ${maxBytes} bytes a refusal record can be; it was not read`));
    } catch (err) {
      if (err instanceof EvidenceLockerError) throw err;
      throw storeIoError(this.root, file, err);
    }
  }

  async listObjectHashes(): Promise<string[]> {
    const base = join(this.root, 'objects', 'sha256');
    let fans: string[];
    try {
      fans = await readdir(base);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeIoError(this.root, base, err);
    }
    const out: string[] = [];
    for (const fan of fans.sort()) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const name of (await readdir(join(base, fan))).sort()) {
        const m = /^([0-9a-f]{64})\.json$/.exec(name);
        if (m && m[1].startsWith(fan)) out.push(m[1]);
      }
    }
    return out;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** A manifest given in pieces is written this many bytes at a time. */
const WRITE_PIECE_BYTES = 1 << 20;

/**
 * Creates `file` (never replacing one), writes, fsyncs and makes it read-only. Pieced bytes are written a piece at a
 * time and must add up to their promised size and SHA-256, or the write fails (the caller removes the file); `what`
 * names the file in that error as the operator knows it (the run id, not a temporary directory).
 */
async function writeDurably(file: string, data: Buffer | PiecedBytes, what = file): Promise<void> {
  const fh = await open(file, 'wx', 0o644);
  try {
    if (Buffer.isBuffer(data)) await fh.writeFile(data);
    else {
      const pass = tallied(data, WRITE_PIECE_BYTES, what);
      for (const piece of pass.pieces) {
        let done = 0;
        while (done < piece.length) done += (await fh.write(piece, done, piece.length - done)).bytesWritten;
      }
      pass.check();
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await chmod(file, 0o444);
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the new directory entry durable; some platforms cannot open directories, which is harmless.
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* directory fsync unsupported */
  }
}

function storeIoError(root: string, path: string, err: unknown): EvidenceLockerError {
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EvidenceLockerError(`local evidence store ${root}: no space left on the device (${code}) writing ${path}; the run was not sealed`, {
      hint: 'free space on that disk or set store.path to a larger volume, then collect again',
      cause: err,
    });
  }
  return new EvidenceLockerError(`local evidence store ${root}: cannot access ${path} (${code})`, {
    hint: 'check the directory exists, the disk is not full, and this user can read and write it',
    cause: err,
  });
}

/**
 * A file of the store, read only if it is a regular file (opened without blocking and without following a symbolic
 * link, so a named pipe or a link planted under a store name cannot stall the reader or point it elsewhere) and, with
 * `maxBytes`, only if it is no longer than that (`tooLarge` is thrown unread otherwise). A file cut short while it is
 * read gives fewer bytes, which its hash or signature then refuses.
 */
async function readStoreFile(file: string, maxBytes?: number, tooLarge?: (size: number) => Error): Promise<Buffer> {
  const fh = await open(file, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new EvidenceLockerError(`${file} is not a regular file; it was not read`, { hint: 'the local store was modified outside evidence-locker; keep the directory as it is for investigation' });
    if (maxBytes !== undefined && st.size > maxBytes) throw tooLarge ? tooLarge(st.size) : new EvidenceLockerError(`${file} is ${st.size} bytes, more than ${maxBytes}; it was not read`);
    const out = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await fh.read(out, got, st.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return out.subarray(0, got);
  } finally {
    await fh.close();
  }
}
