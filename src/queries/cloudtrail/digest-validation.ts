import { createHash, createPublicKey, verify } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { Trail } from '@aws-sdk/client-cloudtrail';
import { loadCloudTrailSdk, loadOrganizationsSdk, loadS3Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';
import { bucketRegion, RegionalS3Clients } from '../s3/buckets.js';
import { describeTrails, trailLabel, type DescribeTrailsEvidence } from './trails.js';

/** One CloudTrail public key (ListPublicKeys), its DER value kept as the base64 the wire carries. */
export interface DigestPublicKey {
  Value: string;
  ValidityStartTime?: string | Date;
  ValidityEndTime?: string | Date;
  Fingerprint?: string;
}

/** One digest file as read from the trail bucket: its inflated JSON text (hashed as is) and its signature metadata. */
export interface DigestFileEvidence {
  key: string;
  /** The digest file's JSON exactly as CloudTrail wrote it (gzip inflated); absent when it could not be read. */
  content?: string;
  signature?: string;
  signatureAlgorithm?: string;
  error?: string;
}

/** One log file a digest references, re-hashed by the collector: only its SHA-256 and size are kept, never its events. */
export interface LogFileCheck {
  bucket: string;
  key: string;
  sha256?: string;
  bytes?: number;
  error?: string;
}

export interface TrailDigestEvidence {
  trailArn: string;
  bucket: string;
  bucketRegion?: string;
  /** Listing prefixes read (one per UTC day of the window) and every digest key found for this trail and region. */
  listedPrefixes: string[];
  digests: DigestFileEvidence[];
  logFiles: LogFileCheck[];
  error?: string;
}

export interface DigestValidationEvidence {
  describeTrails: DescribeTrailsEvidence;
  window: { from: string; to: string };
  publicKeys: DigestPublicKey[];
  trails: TrailDigestEvidence[];
  /**
   * DescribeOrganization, read when an organisation trail is among the trails: CloudTrail delivers an organisation
   * trail's files under `AWSLogs/<organization id>/<account id>/`, so its digests are found only with the id.
   */
  organization?: { Id?: string; Arn?: string; MasterAccountId?: string } | CapturedError;
}

interface DigestFile {
  awsAccountId?: string;
  digestStartTime?: string;
  digestEndTime?: string;
  digestS3Bucket?: string;
  digestS3Object?: string;
  digestPublicKeyFingerprint?: string;
  digestSignatureAlgorithm?: string;
  previousDigestS3Bucket?: string | null;
  previousDigestS3Object?: string | null;
  previousDigestHashValue?: string | null;
  previousDigestSignature?: string | null;
  logFiles?: Array<{ s3Bucket?: string; s3Object?: string; hashValue?: string; hashAlgorithm?: string }>;
}

const HOUR = 3_600_000;
const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function validatedTrails(trails: readonly Trail[] | undefined, region: string): Trail[] {
  return (trails ?? []).filter((t) => t.LogFileValidationEnabled && t.S3BucketName && (t.HomeRegion === region || t.IsMultiRegionTrail));
}

function keyPrefix(t: Trail): string {
  return t.S3KeyPrefix ? `${t.S3KeyPrefix.replace(/\/+$/, '')}/` : '';
}

/** CloudTrail's digest key name for a trail, account and source region: `..._<home region>_<YYYYMMDDTHHMMSSZ>.json.gz`. */
function digestKeyPattern(t: Trail, accountId: string, region: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`/${esc(accountId)}_CloudTrail-Digest_${esc(region)}_${esc(t.Name ?? '')}_${esc(t.HomeRegion ?? '')}_(\\d{8}T\\d{6}Z)(_backfill)?\\.json\\.gz$`);
}

function keyTime(key: string, pattern: RegExp): number | undefined {
  const m = pattern.exec(key)?.[1];
  if (!m) return undefined;
  return Date.parse(`${m.slice(0, 4)}-${m.slice(4, 6)}-${m.slice(6, 8)}T${m.slice(9, 11)}:${m.slice(11, 13)}:${m.slice(13, 15)}Z`);
}

async function readTrail(ctx: QueryContext, t: Trail, from: Date, to: Date, maxLogFiles: number, clients: RegionalS3Clients, organizationId: string | undefined): Promise<TrailDigestEvidence> {
  const { GetObjectCommand, paginateListObjectsV2 } = await loadS3Sdk();
  const bucket = t.S3BucketName!;
  const out: TrailDigestEvidence = { trailArn: t.TrailARN ?? '', bucket, listedPrefixes: [], digests: [], logFiles: [] };
  out.bucketRegion = await bucketRegion(ctx, bucket);
  const s3 = clients.for(out.bucketRegion);
  const pattern = digestKeyPattern(t, ctx.accountId, ctx.region);
  // The digest before the window is read too: its signature is the link the first digest in the window names.
  const earliest = from.getTime() - 2 * HOUR;
  const keys: string[] = [];
  for (let day = Date.UTC(new Date(earliest).getUTCFullYear(), new Date(earliest).getUTCMonth(), new Date(earliest).getUTCDate()); day <= to.getTime(); day += 24 * HOUR) {
    const prefix = `${keyPrefix(t)}AWSLogs/${organizationId ? `${organizationId}/` : ''}${ctx.accountId}/CloudTrail-Digest/${ctx.region}/${new Date(day).toISOString().slice(0, 10).replace(/-/g, '/')}/`;
    out.listedPrefixes.push(prefix);
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1000 }, { Bucket: bucket, Prefix: prefix })) {
      ctx.signal?.throwIfAborted();
      for (const o of page.Contents ?? []) {
        const when = o.Key ? keyTime(o.Key, pattern) : undefined;
        if (when !== undefined && when >= earliest && when <= to.getTime()) keys.push(o.Key!);
      }
    }
  }
  keys.sort();
  for (const key of keys) {
    try {
      const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const raw = Buffer.from(await res.Body!.transformToByteArray());
      out.digests.push({ key, content: gunzipSync(raw).toString('utf8'), signature: res.Metadata?.signature, signatureAlgorithm: res.Metadata?.['signature-algorithm'] });
    } catch (err) {
      const e = err as { name?: string; message?: string };
      out.digests.push({ key, error: `${e.name ?? 'Error'}: ${e.message ?? ''}`.trim() });
    }
  }
  // Re-hash the log files of the newest digests, up to the configured number (a documented sample, newest first).
  const referenced = out.digests
    .slice()
    .reverse()
    .flatMap((d) => {
      try {
        return (JSON.parse(d.content ?? '{}') as DigestFile).logFiles ?? [];
      } catch {
        return [];
      }
    })
    .slice(0, maxLogFiles);
  for (const l of referenced) {
    const check: LogFileCheck = { bucket: l.s3Bucket ?? '', key: l.s3Object ?? '' };
    try {
      const logS3 = l.s3Bucket === bucket ? s3 : clients.for(await bucketRegion(ctx, l.s3Bucket ?? ''));
      const res = await logS3.send(new GetObjectCommand({ Bucket: check.bucket, Key: check.key }));
      const inflated = gunzipSync(Buffer.from(await res.Body!.transformToByteArray()));
      check.sha256 = sha256Hex(inflated);
      check.bytes = inflated.length;
    } catch (err) {
      const e = err as { name?: string; message?: string };
      check.error = `${e.name ?? 'Error'}: ${e.message ?? ''}`.trim();
    }
    out.logFiles.push(check);
  }
  return out;
}

function base64Value(v: unknown): string {
  if (typeof v === 'string') return v;
  return Buffer.from(v as Uint8Array).toString('base64');
}

export const digestValidation = defineQuery<DigestValidationEvidence>({
  id: 'cloudtrail.digest-validation',
  service: 'cloudtrail',
  title: 'CloudTrail digest files verify: signatures, chain and log file hashes',
  description:
    'For each trail with log file validation, the digest files CloudTrail delivered for this region during the window (for an organisation trail, under its organization id), each verified offline: its SHA256withRSA signature with the CloudTrail public key named by its fingerprint (ListPublicKeys), its stated location, and the chain (each digest names the previous digest’s signature and hash). A sample of the log files the newest digests list is re-read and re-hashed. Only hashes are kept of the log files, never their events.',
  remediation:
    'Investigate any altered or missing digest or log file as a security incident (who could write to the trail bucket?); protect the trail bucket with Object Lock and a restrictive bucket policy; a gap in the chain means logging or validation was off for that time. Reading log files encrypted with SSE-KMS also needs kms:Decrypt on the trail key for the collector role.',
  scope: 'regional',
  // organizations:DescribeOrganization only when an organisation trail is among the trails (its files sit under the organization id).
  apiCalls: ['cloudtrail:DescribeTrails', 'cloudtrail:ListPublicKeys', 's3:GetBucketLocation', 's3:ListObjectsV2', 's3:GetObject', 'organizations:DescribeOrganization'],
  parameters: {
    windowHours: { description: 'Hours of digest files verified per run (a daily schedule verifies the chain end to end across runs).', default: 26 },
    logFilesPerTrail: { description: 'Log files re-hashed per trail and region per run: the newest digests’ log files first.', default: 24 },
  },
  async collect(ctx) {
    const describe = await describeTrails(ctx);
    const windowHours = Number(ctx.params.windowHours ?? 26);
    const to = ctx.now;
    const from = new Date(to.getTime() - windowHours * HOUR);
    const trails = validatedTrails(describe.trailList, ctx.region);
    if (trails.length === 0) return { describeTrails: describe, window: { from: from.toISOString(), to: to.toISOString() }, publicKeys: [], trails: [] };
    const { CloudTrailClient, ListPublicKeysCommand } = await loadCloudTrailSdk();
    const keys = await ctx.clients.get(CloudTrailClient).send(new ListPublicKeysCommand({ StartTime: new Date(from.getTime() - 2 * HOUR), EndTime: to }));
    const publicKeys = (keys.PublicKeyList ?? []).map((k) => ({ ...k, Value: base64Value(k.Value) }));
    let organization: DigestValidationEvidence['organization'];
    if (trails.some((t) => t.IsOrganizationTrail === true)) {
      const { OrganizationsClient, DescribeOrganizationCommand } = await loadOrganizationsSdk();
      const described = await captureFailure(() => ctx.clients.get(OrganizationsClient).send(new DescribeOrganizationCommand({})), ctx.signal);
      organization = isCapturedError(described) ? described : { Id: described.Organization?.Id, Arn: described.Organization?.Arn, MasterAccountId: described.Organization?.MasterAccountId };
    }
    const organizationId = organization && !isCapturedError(organization) ? organization.Id : undefined;
    const clients = await RegionalS3Clients.open(ctx);
    const out: TrailDigestEvidence[] = [];
    for (const t of trails) {
      if (t.IsOrganizationTrail === true && !organizationId) {
        const why = organization && isCapturedError(organization) ? `DescribeOrganization failed (${organization.error.code}: ${organization.error.message})` : 'DescribeOrganization named no organization id';
        out.push({ trailArn: t.TrailARN ?? '', bucket: t.S3BucketName ?? '', listedPrefixes: [], digests: [], logFiles: [], error: `organisation trail: CloudTrail delivers its digests under AWSLogs/<organization id>/${ctx.accountId}/, and ${why}; grant organizations:DescribeOrganization to the member role` });
        continue;
      }
      try {
        out.push(await readTrail(ctx, t, from, to, Number(ctx.params.logFilesPerTrail ?? 24), clients, t.IsOrganizationTrail === true ? organizationId : undefined));
      } catch (err) {
        // One unreadable trail bucket (another account's log archive, a denied listing) is that trail's gap, not the query's.
        const e = err as { name?: string; message?: string };
        out.push({ trailArn: t.TrailARN ?? '', bucket: t.S3BucketName ?? '', listedPrefixes: [], digests: [], logFiles: [], error: `${e.name ?? 'Error'}: ${e.message ?? ''}`.trim() });
      }
    }
    return { describeTrails: describe, window: { from: from.toISOString(), to: to.toISOString() }, publicKeys, trails: out, ...(organization ? { organization } : {}) };
  },
  evaluate(data, _params, ctx) {
    if (!data?.describeTrails?.trailList) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no DescribeTrails response' }];
    const trails = validatedTrails(data.describeTrails.trailList, ctx.region);
    if (trails.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `no trail logging ${ctx.region} has log file validation turned on, so no digest files exist to prove its logs unaltered` }];
    }
    const results: ResourceResult[] = [];
    for (const t of trails) {
      const label = `${trailLabel(t)} (digests for ${ctx.region})`;
      const base = { resource: t.TrailARN ?? '', resourceType: 'AWS::CloudTrail::Trail' };
      const ev = data.trails?.find((x) => x.trailArn === t.TrailARN);
      if (!ev) {
        results.push({ ...base, status: 'error', reason: `${label}: the evidence holds no digest files for it` });
        continue;
      }
      if (ev.error) {
        results.push({ ...base, status: 'error', reason: `${label}: s3://${ev.bucket} could not be read (${ev.error}); digest validation was not possible` });
        continue;
      }
      results.push({ ...base, ...judgeTrail(ev, data, label) });
    }
    return results;
  },
});

function judgeTrail(ev: TrailDigestEvidence, data: DigestValidationEvidence, label: string): Pick<ResourceResult, 'status' | 'reason'> {
  const windowFrom = Date.parse(data.window.from);
  const windowTo = Date.parse(data.window.to);
  const problems: string[] = [];
  const notes: string[] = [];
  const parsed: Array<{ d: DigestFileEvidence; f: DigestFile; end: number; start: number }> = [];
  for (const d of ev.digests) {
    if (d.error || d.content === undefined) {
      problems.push(`digest ${d.key} could not be read (${d.error ?? 'no content'})`);
      continue;
    }
    let f: DigestFile;
    try {
      f = JSON.parse(d.content) as DigestFile;
    } catch {
      problems.push(`digest ${d.key} is not valid JSON`);
      continue;
    }
    if (f.digestS3Bucket !== ev.bucket || f.digestS3Object !== d.key) problems.push(`digest ${d.key} states another location (s3://${f.digestS3Bucket}/${f.digestS3Object}): it was moved or copied`);
    const key = data.publicKeys.find((k) => k.Fingerprint === f.digestPublicKeyFingerprint);
    if (!d.signature) problems.push(`digest ${d.key} carries no signature metadata`);
    else if (!key) problems.push(`digest ${d.key} names public key ${f.digestPublicKeyFingerprint ?? '(none)'}, which ListPublicKeys did not return for the window`);
    else if (d.signatureAlgorithm !== 'SHA256withRSA' || f.digestSignatureAlgorithm !== 'SHA256withRSA') problems.push(`digest ${d.key} uses signature algorithm ${d.signatureAlgorithm ?? f.digestSignatureAlgorithm}, not SHA256withRSA`);
    else {
      const toSign = `${f.digestEndTime}\n${f.digestS3Bucket}/${f.digestS3Object}\n${sha256Hex(d.content)}\n${f.previousDigestSignature ?? 'null'}`;
      let ok: boolean;
      try {
        ok = verify('sha256', Buffer.from(toSign), createPublicKey({ key: Buffer.from(key.Value, 'base64'), format: 'der', type: 'pkcs1' }), Buffer.from(d.signature, 'hex'));
      } catch {
        ok = false;
      }
      if (!ok) problems.push(`digest ${d.key}: signature does not verify (the digest was altered or not signed by CloudTrail)`);
    }
    parsed.push({ d, f, end: Date.parse(f.digestEndTime ?? ''), start: Date.parse(f.digestStartTime ?? '') });
  }
  parsed.sort((a, b) => a.end - b.end);
  for (let i = 1; i < parsed.length; i++) {
    const prev = parsed[i - 1];
    const cur = parsed[i];
    if (cur.f.previousDigestSignature !== prev.d.signature || (cur.f.previousDigestHashValue && cur.f.previousDigestHashValue !== sha256Hex(prev.d.content ?? ''))) {
      problems.push(`chain broken: digest ${cur.d.key} does not name ${prev.d.key} as its predecessor (a digest was removed, replaced or inserted)`);
    }
    if (cur.start - prev.end > 60_000) notes.push(`no digest covers ${new Date(prev.end).toISOString()} to ${new Date(cur.start).toISOString()} (logging or validation was off, or digests were deleted)`);
  }
  const inWindow = parsed.filter((p) => p.end >= windowFrom && p.end <= windowTo);
  if (inWindow.length === 0) {
    return { status: 'fail', reason: `${label}: no digest file in s3://${ev.bucket} for ${data.window.from} to ${data.window.to}${problems.length ? `; ${problems.join('; ')}` : ''}` };
  }
  const newest = parsed[parsed.length - 1];
  if (windowTo - newest.end > 2 * HOUR) notes.push(`the newest digest ends ${new Date(newest.end).toISOString()}, more than two hours before collection`);

  // Log files: each re-hashed file must match the hash its digest recorded.
  const expected = new Map<string, string | undefined>();
  for (const p of parsed) for (const l of p.f.logFiles ?? []) expected.set(`${l.s3Bucket}/${l.s3Object}`, l.hashValue);
  let matched = 0;
  for (const l of ev.logFiles) {
    const want = expected.get(`${l.bucket}/${l.key}`);
    if (l.error) {
      if (/NoSuchKey/.test(l.error)) problems.push(`log file s3://${l.bucket}/${l.key} listed in a digest is missing`);
      else notes.push(`log file s3://${l.bucket}/${l.key} could not be read (${l.error})`);
    } else if (want !== l.sha256) problems.push(`log file s3://${l.bucket}/${l.key} was altered: SHA-256 ${l.sha256} differs from ${want} in its digest`);
    else matched++;
  }
  const summary = `${inWindow.length} digest file(s) from ${new Date(inWindow[0].start).toISOString()} to ${new Date(newest.end).toISOString()}, ${matched} of ${ev.logFiles.length} sampled log file(s) re-hashed and matched`;
  if (problems.length) return { status: 'fail', reason: `${label}: ${problems.join('; ')} (${summary})` };
  if (notes.length) return { status: 'needs-review', reason: `${label}: signatures and chain verify, but ${notes.join('; ')} (${summary})` };
  return { status: 'pass', reason: `${label}: every signature verifies with CloudTrail's public key, the chain is unbroken and every sampled log file matches its digest (${summary})` };
}

