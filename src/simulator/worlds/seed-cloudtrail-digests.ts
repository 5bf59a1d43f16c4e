/**
 * CloudTrail log file validation for the demo account: hourly log files and the signed, chained digest files that
 * reference them, written into the trail bucket the way CloudTrail lays them out, with the region's RSA key pair
 * (its public half served by ListPublicKeys). Digest format and signing string follow the CloudTrail user guide
 * (digest file structure; custom validation: SHA256withRSA over end time, digest location, hash of the inflated
 * digest, previous signature).
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { SimAccount } from '../world.js';
import { cloudTrailEvents, type SimDigestKey, type SimTrail } from '../services/cloudtrail.js';
import { s3State, type SimObject } from '../services/s3.js';

const HOUR = 3_600_000;

/** CloudTrail's timestamp forms: `2015-08-17T15:01:31Z` in digests, `20150817T150131Z` in key names. */
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const compact = (d: Date) => iso(d).replace(/[-:]/g, '');
const ymd = (d: Date) => iso(d).slice(0, 10).replace(/-/g, '/');

/** CloudTrail signs with one key pair per region for every account; generated once per process (RSA-2048 is slow to make). */
const regionKeyPairs = new Map<string, { publicDer: Buffer; privateKey: KeyObject }>();

export function digestKeyFor(account: SimAccount, region: string, now: Date): SimDigestKey {
  const state = cloudTrailEvents(account, region);
  const existing = state.digestKeys?.[0];
  if (existing) return existing;
  let pair = regionKeyPairs.get(region);
  if (!pair) {
    const generated = generateKeyPairSync('rsa', { modulusLength: 2048 });
    pair = { publicDer: generated.publicKey.export({ format: 'der', type: 'pkcs1' }), privateKey: generated.privateKey };
    regionKeyPairs.set(region, pair);
  }
  const { publicDer, privateKey } = pair;
  const key: SimDigestKey = {
    publicDer,
    fingerprint: createHash('md5').update(publicDer).digest('hex'),
    validityStart: new Date(now.getTime() - 400 * 24 * HOUR),
    validityEnd: new Date(now.getTime() + 30 * 24 * HOUR),
    privateKey,
  };
  state.digestKeys = [key];
  return key;
}

export interface DigestSeedOptions {
  sourceRegion: string;
  now: Date;
  /** Hourly digests ending before `now`. */
  hours: number;
  /** An organisation trail's files: CloudTrail delivers them under `AWSLogs/<organization id>/<account id>/`. */
  organizationId?: string;
  /** Replace the bytes of this log file (by hour index, newest = 0) after its digest was signed: validation must catch it. */
  tamperLogAtHour?: number;
}

/** Writes `hours` log files and their digest chain for one trail and source region into the trail's bucket. */
export function seedTrailDigests(account: SimAccount, t: SimTrail, opts: DigestSeedOptions): void {
  const bucketName = t.trail.S3BucketName!;
  const bucket = s3State(account).buckets.find((b) => b.name === bucketName);
  if (!bucket) throw new Error(`seedTrailDigests: bucket ${bucketName} is not in the simulated account`);
  const prefix = t.trail.S3KeyPrefix ? `${t.trail.S3KeyPrefix.replace(/\/+$/, '')}/` : '';
  const home = t.trail.HomeRegion!;
  const name = t.trail.Name!;
  const key = digestKeyFor(account, opts.sourceRegion, opts.now);
  const objects: SimObject[] = (bucket.objects ??= []);
  // The newest digest ends a few minutes before now; each covers one hour.
  const lastEnd = new Date(Math.floor((opts.now.getTime() - 10 * 60_000) / HOUR) * HOUR + 31_000);
  let previous: { signature: string; hash: string; bucket: string; object: string } | undefined;
  for (let h = opts.hours - 1; h >= 0; h--) {
    const end = new Date(lastEnd.getTime() - h * HOUR);
    const start = new Date(end.getTime() - HOUR);
    const logTime = new Date(start.getTime() + 20 * 60_000);
    const logKey = `${prefix}AWSLogs/${opts.organizationId ? `${opts.organizationId}/` : ''}${account.id}/CloudTrail/${opts.sourceRegion}/${ymd(logTime)}/${account.id}_CloudTrail_${opts.sourceRegion}_${compact(logTime)}_${createHash('sha256').update(`${account.id}/${opts.sourceRegion}/${h}`).digest('hex').slice(0, 16)}.json.gz`;
    const records = JSON.stringify({
      Records: [
        { eventVersion: '1.09', eventTime: iso(logTime), eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', awsRegion: opts.sourceRegion, sourceIPAddress: '198.51.100.20', readOnly: true, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: account.id, eventCategory: 'Management' },
      ],
    });
    const logHash = createHash('sha256').update(records).digest('hex');
    objects.push({ key: logKey, body: gzipSync(Buffer.from(records)), lastModified: new Date(logTime.getTime() + 5 * 60_000), contentType: 'application/json' });
    if (opts.tamperLogAtHour === h) {
      const altered = records.replace('198.51.100.20', '203.0.113.99');
      objects[objects.length - 1] = { ...objects[objects.length - 1], body: gzipSync(Buffer.from(altered)) };
    }

    const digestObject = `${prefix}AWSLogs/${opts.organizationId ? `${opts.organizationId}/` : ''}${account.id}/CloudTrail-Digest/${opts.sourceRegion}/${ymd(end)}/${account.id}_CloudTrail-Digest_${opts.sourceRegion}_${name}_${home}_${compact(end)}.json.gz`;
    const digest = JSON.stringify({
      awsAccountId: account.id,
      digestStartTime: iso(start),
      digestEndTime: iso(end),
      digestS3Bucket: bucketName,
      digestS3Object: digestObject,
      digestPublicKeyFingerprint: key.fingerprint,
      digestSignatureAlgorithm: 'SHA256withRSA',
      newestEventTime: iso(logTime),
      oldestEventTime: iso(logTime),
      previousDigestS3Bucket: previous?.bucket ?? null,
      previousDigestS3Object: previous?.object ?? null,
      previousDigestHashValue: previous?.hash ?? null,
      previousDigestHashAlgorithm: previous ? 'SHA-256' : null,
      previousDigestSignature: previous?.signature ?? null,
      logFiles: [{ s3Bucket: bucketName, s3Object: logKey, hashValue: logHash, hashAlgorithm: 'SHA-256', newestEventTime: iso(logTime), oldestEventTime: iso(logTime) }],
    });
    const digestHash = createHash('sha256').update(digest).digest('hex');
    const toSign = `${iso(end)}\n${bucketName}/${digestObject}\n${digestHash}\n${previous?.signature ?? 'null'}`;
    const signature = sign('sha256', Buffer.from(toSign), key.privateKey).toString('hex');
    objects.push({ key: digestObject, body: gzipSync(Buffer.from(digest)), lastModified: new Date(end.getTime() + 10 * 60_000), contentType: 'application/json', metadata: { signature, 'signature-algorithm': 'SHA256withRSA' } });
    previous = { signature, hash: digestHash, bucket: bucketName, object: digestObject };
  }
}
