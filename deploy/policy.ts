/**
 * Least-privilege IAM for the member-account role, derived from the evidence queries themselves: each query
 * declares the calls it makes (`apiCalls`), and this module turns them into IAM actions. A query that declares
 * a write or delete action cannot be deployed: generation fails and names it.
 */
import type { EvidenceQuery } from '../src/queries/types.js';
import { S3_IAM_ACTIONS_FOR_OPERATION } from '../src/queries/s3/buckets.js';
import { MEMBER_DISCOVERY_ACTIONS } from '../src/collect/targets.js';

/**
 * SDK operations whose IAM action has another name. Queries may declare either the logged operation name
 * (`s3:ListBuckets`, what the call log records) or the IAM action (`s3:ListAllMyBuckets`); both end up granted
 * as the IAM action. The S3 query module keeps its own table, merged in below.
 */
export const IAM_ACTIONS_FOR_OPERATION: Readonly<Record<string, readonly string[]>> = {
  's3:ListBuckets': ['s3:ListAllMyBuckets'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:ListObjects': ['s3:ListBucket'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  's3:HeadObject': ['s3:GetObject'],
  's3:GetBucketEncryption': ['s3:GetEncryptionConfiguration'],
  's3:GetPublicAccessBlock': ['s3:GetBucketPublicAccessBlock', 's3:GetAccountPublicAccessBlock'],
  's3:GetObjectLockConfiguration': ['s3:GetBucketObjectLockConfiguration'],
  's3:GetBucketLifecycleConfiguration': ['s3:GetLifecycleConfiguration'],
  's3:GetBucketReplication': ['s3:GetReplicationConfiguration'],
  // ListFindingsV2 and GetFindingV2 are authorised by the V1 actions (IAM Access Analyzer API reference).
  'access-analyzer:ListFindingsV2': ['access-analyzer:ListFindings'],
  'access-analyzer:GetFindingV2': ['access-analyzer:GetFinding'],
  ...S3_IAM_ACTIONS_FOR_OPERATION,
};

/** Read-only verbs an evidence query may use. Everything else (Put, Delete, Create, Update, ...) is refused. */
const READ_VERBS = /^(Get|List|Describe|Lookup|Search|Filter|BatchGet|Head)[A-Z]/;
/** Read-level actions whose names do not start with a read verb (cloudtrail:StartQuery: a SQL SELECT; the collector never asks for S3 delivery). */
const READ_EXCEPTIONS = new Set(['iam:GenerateCredentialReport', 'iam:GenerateServiceLastAccessedDetails', 'config:SelectAggregateResourceConfig', 'config:SelectResourceConfig', 'cloudtrail:StartQuery']);

/**
 * Write or delete verbs, for checking every policy statement in deploy/. `Sign` counts: a signature by the
 * organisation's key is a write of trust (a signed run is evidence), not a read.
 */
const WRITE_VERBS =
  /^(Sign|Put|Delete|Create|Update|Modify|Write|Upload|Abort|Restore|Replicate|Remove|Attach|Detach|Set|Tag|Untag|Schedule|Cancel|Disable|Enable|Revoke|Import|Run|Start|Stop|Terminate|Reset|Pass|Bypass|Rotate|Replace|Associate|Disassociate|Register|Deregister|Copy|Complete|Initiate|Send|Publish|Invoke|Execute|Accept|Reject)/;

/** `service:Action` with a lower-case service prefix and an action name (no wildcards). */
export const ACTION_PATTERN = /^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/;

export function isReadOnlyAction(action: string): boolean {
  if (READ_EXCEPTIONS.has(action)) return true;
  const [, name = ''] = action.split(':');
  return ACTION_PATTERN.test(action) && READ_VERBS.test(name);
}

/** True for any action that writes or deletes; any wildcard counts (`*`, `s3:*`, `s3:Get*`): deploy/ never uses them. */
export function isWriteOrDeleteAction(action: string): boolean {
  if (action.includes('*') || action.includes('?')) return true;
  const [, name = ''] = action.split(':');
  return WRITE_VERBS.test(name) && !READ_EXCEPTIONS.has(action);
}

/** The IAM actions one declared call needs. */
export function iamActionsFor(apiCall: string): readonly string[] {
  return IAM_ACTIONS_FOR_OPERATION[apiCall] ?? [apiCall];
}

/**
 * Object-level reads never granted on every resource (they would read every bucket's data): granted only on the
 * CloudTrail log and digest files (`AWSLogs/` keys), which is all the queries read.
 */
export const CLOUDTRAIL_OBJECT_ACTIONS: readonly string[] = ['s3:GetObject', 's3:ListBucket'];

export interface MemberActions {
  /** Every action the member role grants on every resource, sorted. */
  actions: string[];
  /** Object reads granted only on CloudTrail's `AWSLogs/` keys (see CLOUDTRAIL_OBJECT_ACTIONS), sorted. */
  logObjectActions: string[];
  /** Which queries need each action (for reviewers; written into the template's Metadata). */
  neededBy: Record<string, string[]>;
}

/** What `backfill` reads beyond the queries' own calls: AWS Config's resource list and configuration history. */
export const BACKFILL_HISTORY_ACTIONS = ['config:ListDiscoveredResources', 'config:GetResourceConfigHistory'] as const;

/**
 * The member role's actions: the IAM actions of every query's `apiCalls`, plus what target discovery needs in
 * member accounts (`account:ListRegions`). Throws, naming the query, for a malformed or non-read-only action.
 */
export function memberRoleActions(queries: readonly Pick<EvidenceQuery<unknown>, 'id' | 'apiCalls'>[]): MemberActions {
  const neededBy = new Map<string, Set<string>>();
  const need = (action: string, by: string) => {
    let s = neededBy.get(action);
    if (!s) neededBy.set(action, (s = new Set()));
    s.add(by);
  };
  for (const q of queries) {
    for (const call of q.apiCalls) {
      for (const action of iamActionsFor(call)) {
        if (!ACTION_PATTERN.test(action)) {
          throw new Error(`query ${q.id}: apiCalls entry "${call}" is not an IAM action like "s3:GetBucketPolicy" (service prefix, colon, action name, no wildcard)`);
        }
        if (!isReadOnlyAction(action)) {
          throw new Error(`query ${q.id}: apiCalls entry "${call}" maps to ${action}, which is not a read-only action; evidence queries may only read (Get, List, Describe, Lookup, ...)`);
        }
        need(action, q.id);
      }
    }
  }
  for (const action of MEMBER_DISCOVERY_ACTIONS) need(action, 'target discovery (enabled regions)');
  for (const action of BACKFILL_HISTORY_ACTIONS) need(action, 'backfill (AWS Config configuration history)');
  const all = [...neededBy.keys()].sort();
  const actions = all.filter((a) => !CLOUDTRAIL_OBJECT_ACTIONS.includes(a));
  const logObjectActions = all.filter((a) => CLOUDTRAIL_OBJECT_ACTIONS.includes(a));
  return { actions, logObjectActions, neededBy: Object.fromEntries(all.map((a) => [a, [...(neededBy.get(a) ?? [])].sort()])) };
}
