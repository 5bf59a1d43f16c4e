import type { LifecycleRule } from '@aws-sdk/client-s3';

/**
 * Bucket operations that can hide or end evidence without touching a locked version (a delete marker, a lifecycle
 * rule that expires or delete-marks objects, changing the Object Lock configuration), or that take away the other
 * protections: replacing or removing the bucket policy (it carries these denies), the default encryption (the
 * SSE-C block, the evidence key), the public access block, the object ownership (ACLs back on), replication (copies
 * of the evidence elsewhere). The bucket policy must deny each of them to everyone but a named break-glass role.
 * (The bucket owner's root user can always replace or delete a bucket policy: no bucket policy stops that.)
 */
export const TAMPERING_ACTIONS = [
  { action: 's3:DeleteObject', on: 'object' },
  { action: 's3:PutLifecycleConfiguration', on: 'bucket' },
  { action: 's3:DeleteBucketPolicy', on: 'bucket' },
  { action: 's3:PutBucketPolicy', on: 'bucket' },
  { action: 's3:PutBucketObjectLockConfiguration', on: 'bucket' },
  { action: 's3:PutEncryptionConfiguration', on: 'bucket' },
  { action: 's3:PutBucketPublicAccessBlock', on: 'bucket' },
  { action: 's3:PutBucketOwnershipControls', on: 'bucket' },
  { action: 's3:PutReplicationConfiguration', on: 'bucket' },
] as const;

/** Condition operators that only exempt named principals (the break-glass role) from a deny. */
const EXEMPTION_OPERATORS = new Set(['ArnNotEquals', 'ArnNotLike', 'StringNotEquals', 'StringNotLike']);
const EXEMPTION_KEYS = new Set(['aws:principalarn', 'aws:userid']);

export interface PolicyFinding {
  /** Tampering actions no unconditional deny covers. */
  notDenied: string[];
  /** Principals a deny exempts (the break-glass role), per action. */
  exempted: Record<string, string[]>;
}

type Json = Record<string, unknown>;
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(value);
}

/**
 * Which tampering actions the bucket policy denies to everyone (Principal "*"), allowing only an exemption of named
 * principals. A deny with any other condition, a NotAction or a NotPrincipal does not count: it leaves a way round.
 */
export function analyseBucketPolicy(policyJson: string | undefined, bucket: string, partition = 'aws'): PolicyFinding {
  const exempted: Record<string, string[]> = {};
  const covered = new Set<string>();
  let doc: Json | undefined;
  try {
    doc = policyJson ? (JSON.parse(policyJson) as Json) : undefined;
  } catch {
    doc = undefined;
  }
  for (const raw of list(doc?.Statement)) {
    const st = raw as Json;
    if (st.Effect !== 'Deny' || st.NotAction !== undefined || st.NotPrincipal !== undefined || st.NotResource !== undefined) continue;
    const p = st.Principal as unknown;
    const everyone = p === '*' || (typeof p === 'object' && p !== null && list((p as Json).AWS).includes('*'));
    if (!everyone) continue;
    const exemptions: string[] = [];
    let onlyExemptions = true;
    for (const [op, body] of Object.entries((st.Condition as Json | undefined) ?? {})) {
      for (const [key, value] of Object.entries(body as Json)) {
        if (EXEMPTION_OPERATORS.has(op) && EXEMPTION_KEYS.has(key.toLowerCase())) exemptions.push(...list(value).map(String));
        else onlyExemptions = false;
      }
    }
    if (!onlyExemptions) continue;
    const resources = list(st.Resource).map(String);
    for (const { action, on } of TAMPERING_ACTIONS) {
      if (!list(st.Action).some((a) => glob(String(a), action))) continue;
      const target = on === 'bucket' ? `arn:${partition}:s3:::${bucket}` : `arn:${partition}:s3:::${bucket}/evidence-object`;
      if (!resources.some((r) => glob(r, target))) continue;
      covered.add(action);
      if (exemptions.length) exempted[action] = [...new Set([...(exempted[action] ?? []), ...exemptions])];
    }
  }
  return { notDenied: TAMPERING_ACTIONS.map((t) => t.action).filter((a) => !covered.has(a)), exempted };
}

/** Enabled lifecycle rules that would expire (delete-mark) or delete versions of objects under `prefix`. */
export function rulesThatEndEvidence(rules: LifecycleRule[], prefix: string): { id: string; what: string }[] {
  const out: { id: string; what: string }[] = [];
  for (const rule of rules) {
    if (rule.Status !== 'Enabled') continue;
    const filter = rule.Filter as { Prefix?: string; And?: { Prefix?: string } } | undefined;
    const rulePrefix = filter?.Prefix ?? filter?.And?.Prefix ?? (rule as { Prefix?: string }).Prefix ?? '';
    // Tag and size filters can match any object: only a prefix that cannot overlap the store's clears a rule.
    if (!(prefix.startsWith(rulePrefix) || rulePrefix.startsWith(prefix))) continue;
    const what: string[] = [];
    const e = rule.Expiration;
    if (e && (e.Days !== undefined || e.Date !== undefined)) what.push(`Expiration ${e.Days !== undefined ? `after ${e.Days} days` : `on ${e.Date?.toISOString?.() ?? String(e.Date)}`} (puts a delete marker on every current version)`);
    const n = rule.NoncurrentVersionExpiration;
    if (n && (n.NoncurrentDays !== undefined || n.NewerNoncurrentVersions !== undefined)) what.push(`NoncurrentVersionExpiration (deletes sealed versions once their retention ends)`);
    if (what.length) out.push({ id: rule.ID ?? '(no id)', what: what.join('; ') });
  }
  return out;
}
