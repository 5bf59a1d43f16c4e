import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { Catalog } from '../controls/schema.js';
import { EvidenceBodySchema, type AttestationSealer, type EvidenceBody } from '../evidence/record.js';
import { ConfigError, EvidenceLockerError } from '../errors.js';
import { sha256Hex } from '../evidence/hash.js';
import { putEvidenceBody, sealRun } from '../seal/seal.js';
import { ATTESTATION_RUN_MARK, newRunId } from '../evidence/run-id.js';
import type { ManifestSigner } from '../seal/signer.js';
import type { EvidenceStore } from '../evidence/store.js';
import { SDK_VERSION } from '../version.js';

/** Attached documents larger than this belong in a document system; the attestation can cite them instead. */
export const MAX_ATTESTATION_FILE_BYTES = 100 * 1024 * 1024;
export const ATTESTATION_CHAIN = 'attestations';
/** Attestations concern the organisation, not one AWS account. */
export const ATTESTATION_ACCOUNT = 'organization';

const MEDIA_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export interface AttestOptions {
  store: EvidenceStore;
  signer: ManifestSigner;
  catalogs: Catalog[];
  framework: string;
  requirement: string;
  by: string;
  note: string;
  /** A document to seal with the attestation (policy, signed review record, screenshot). */
  file?: string;
  at?: Date;
}

export interface SealedAttestation {
  runId: string;
  manifestSha256: string;
  recordSha256: string;
  fileSha256?: string;
  sealedBy: AttestationSealer;
}

/**
 * Seals manual evidence: the document (content-addressed, like any evidence body) and an attestation record
 * naming who attests what (`by`, the attester's statement) and who sealed it (`sealedBy`, what the tool established),
 * as a signed run of kind `attestation` on its own chain.
 */
export async function sealAttestation(opts: AttestOptions): Promise<SealedAttestation> {
  const catalog = opts.catalogs.find((c) => c.framework === opts.framework);
  if (!catalog) throw new ConfigError(`unknown framework "${opts.framework}"`, `use one of: ${opts.catalogs.map((c) => c.framework).join(', ')}`);
  const req = catalog.requirements.find((r) => r.id === opts.requirement);
  if (!req) throw new ConfigError(`framework ${opts.framework} has no requirement "${opts.requirement}"`, 'list requirement ids with `evidence-locker controls list`');
  if (!opts.by.trim()) throw new ConfigError('--by: give the name of the person attesting');
  if (!opts.note.trim()) throw new ConfigError('--note: say what is attested (for example "Q1 firewall rule review completed, see attached minutes")');

  // Who sealed it, as far as the tool can establish, before anything is written: a failure leaves the store untouched.
  const sealedBy = await sealerOf(opts.signer);

  let file: NonNullable<EvidenceBody['attestation']>['file'];
  if (opts.file) {
    let size: number;
    try {
      const st = statSync(opts.file);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
    } catch (err) {
      throw new ConfigError(`--file ${opts.file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'give the path of the document to attach');
    }
    if (size > MAX_ATTESTATION_FILE_BYTES) throw new ConfigError(`--file ${opts.file}: ${size} bytes, more than ${MAX_ATTESTATION_FILE_BYTES}`, 'attach a smaller document or cite where the large one is kept in --note');
    const bytes = readFileSync(opts.file);
    const sha = sha256Hex(bytes);
    await opts.store.putObject(sha, bytes);
    file = { name: basename(opts.file), sha256: sha, size: bytes.length, mediaType: MEDIA_TYPES[extname(opts.file).toLowerCase()] ?? 'application/octet-stream' };
  }

  const body: EvidenceBody = EvidenceBodySchema.parse({
    schema: 'evidence-locker/evidence@1',
    queryId: 'attestation',
    accountId: ATTESTATION_ACCOUNT,
    region: 'global',
    status: 'ok',
    operations: [],
    requests: [],
    sdkVersion: SDK_VERSION,
    attestation: { framework: opts.framework, requirement: opts.requirement, by: opts.by.trim(), note: opts.note.trim(), ...(file ? { file } : {}), sealedBy },
  });
  const at = opts.at ?? new Date();
  const record = await putEvidenceBody(opts.store, body, at, `attestation/${opts.framework}/${opts.requirement}`);
  const runId = newRunId(at, `${ATTESTATION_RUN_MARK.slice(1)}${randomBytes(3).toString('hex')}`);
  const sealed = await sealRun(opts.store, opts.signer, {
    runId,
    kind: 'attestation',
    chain: ATTESTATION_CHAIN,
    startedAt: at,
    completedAt: at,
    scope: { accounts: [], regions: [], frameworks: [opts.framework], queries: ['attestation'] },
    records: [record],
  });
  return { runId: sealed.manifest.runId, manifestSha256: sealed.manifestSha256, recordSha256: record.sha256, ...(file ? { fileSha256: file.sha256 } : {}), sealedBy };
}

/**
 * What the tool can establish about who seals: the key, and for a KMS key the sts:GetCallerIdentity ARN of the
 * session that signs with it (a failure is an error: nothing is sealed). A local key has no AWS identity.
 */
export async function sealerOf(signer: ManifestSigner): Promise<AttestationSealer> {
  const keyFingerprint = await signer.fingerprint();
  if (signer.callerArn) return { signerKind: 'kms', callerArn: await signer.callerArn(), keyId: signer.keyId, keyFingerprint };
  if (signer.keyId.startsWith('local:')) return { signerKind: 'local', callerArn: null, keyId: signer.keyId, keyFingerprint };
  throw new EvidenceLockerError(`the signer for key ${signer.keyId} can tell neither the AWS identity that signs nor that it is a local key: the attestation was not sealed`, {
    hint: 'use signing.kind local or kms in the configuration',
  });
}
