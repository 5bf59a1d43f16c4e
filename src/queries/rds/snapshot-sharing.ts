import type { DBClusterSnapshot, DBClusterSnapshotAttributesResult, DBSnapshot, DBSnapshotAttributesResult } from '@aws-sdk/client-rds';
import { loadRdsSdk } from '../../aws/sdk.js';
import { allPages, defineQuery, isCapturedError, type CapturedError, type ResourceResult } from '../types.js';
import { captureFailure } from '../partial-evidence.js';

/** One snapshot's DescribeDB(Cluster)SnapshotAttributes answer, or the call's failure, under the snapshot's identifier. */
export type SnapshotAttributesRead<T> = { snapshot: string } & ({ result?: T } | CapturedError);

/**
 * The account's manual DB snapshots and manual DB cluster snapshots (each listing kept as a captured failure if
 * refused), and for each snapshot its attributes: the `restore` attribute lists the accounts allowed to copy or
 * restore it, `all` when it is public.
 */
export interface SnapshotSharingEvidence {
  dbSnapshots: DBSnapshot[] | CapturedError;
  dbClusterSnapshots: DBClusterSnapshot[] | CapturedError;
  dbSnapshotAttributes: SnapshotAttributesRead<DBSnapshotAttributesResult>[];
  dbClusterSnapshotAttributes: SnapshotAttributesRead<DBClusterSnapshotAttributesResult>[];
}

/** A snapshot's restore attributes as judged: read, the read's failure, or no read in the evidence. */
type SnapshotAttribute = { AttributeName?: string; AttributeValues?: string[] };
type AttributeRead = { kind: 'read'; attributes: SnapshotAttribute[] | undefined } | { kind: 'failed'; error: CapturedError['error'] } | { kind: 'unread' };

/** The error codes RDS answers for a snapshot deleted between the listing and the attribute read. */
const GONE = new Set(['DBSnapshotNotFound', 'DBSnapshotNotFoundFault', 'DBClusterSnapshotNotFoundFault', 'DBClusterSnapshotNotFound']);

export const snapshotSharing = defineQuery<SnapshotSharingEvidence>({
  id: 'rds.snapshot-sharing',
  service: 'rds',
  title: 'RDS snapshots are not public or shared with other accounts unreviewed',
  description:
    'Every manual DB snapshot and manual DB cluster snapshot the account owns in the region, with the accounts its restore attribute (DescribeDBSnapshotAttributes, DescribeDBClusterSnapshotAttributes) allows to copy or restore it. A snapshot whose restore attribute holds `all` is public (any AWS account can copy it and restore the database as it was) and fails; one shared with named accounts needs review naming them (whether they are the entity\'s own accounts or an approved party\'s is not in the evidence). Automated snapshots cannot be shared (AWS requires a manual copy first); snapshots AWS Backup keeps, snapshots other accounts share with this one, and retained automated backups of deleted instances are not read.',
  remediation:
    'Stop sharing the snapshot (`aws rds modify-db-snapshot-attribute --db-snapshot-identifier <id> --attribute-name restore --values-to-remove all` or the account id; for a cluster snapshot `modify-db-cluster-snapshot-attribute`), and delete snapshots no longer needed.',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots', 'rds:DescribeDBSnapshotAttributes', 'rds:DescribeDBClusterSnapshotAttributes'],
  async collect(ctx) {
    const sdk = await loadRdsSdk();
    const client = ctx.clients.get(sdk.RDSClient);
    const cfg = { client, pageSize: 100 };
    // The same listings rds.storage-encrypted reads (a shared read: sent once per account and region).
    const dbSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBSnapshots(cfg, { SnapshotType: 'manual' }), (p) => p.DBSnapshots, ctx), ctx.signal);
    const dbClusterSnapshots = await captureFailure(() => allPages(sdk.paginateDescribeDBClusterSnapshots(cfg, { SnapshotType: 'manual' }), (p) => p.DBClusterSnapshots, ctx), ctx.signal);
    const dbSnapshotAttributes: SnapshotAttributesRead<DBSnapshotAttributesResult>[] = [];
    for (const s of Array.isArray(dbSnapshots) ? dbSnapshots : []) {
      if (!s.DBSnapshotIdentifier) continue;
      const read = await captureFailure(() => client.send(new sdk.DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: s.DBSnapshotIdentifier })), ctx.signal);
      dbSnapshotAttributes.push(isCapturedError(read) ? { snapshot: s.DBSnapshotIdentifier, ...read } : { snapshot: s.DBSnapshotIdentifier, result: read.DBSnapshotAttributesResult });
    }
    const dbClusterSnapshotAttributes: SnapshotAttributesRead<DBClusterSnapshotAttributesResult>[] = [];
    for (const s of Array.isArray(dbClusterSnapshots) ? dbClusterSnapshots : []) {
      if (!s.DBClusterSnapshotIdentifier) continue;
      const read = await captureFailure(() => client.send(new sdk.DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: s.DBClusterSnapshotIdentifier })), ctx.signal);
      dbClusterSnapshotAttributes.push(
        isCapturedError(read) ? { snapshot: s.DBClusterSnapshotIdentifier, ...read } : { snapshot: s.DBClusterSnapshotIdentifier, result: read.DBClusterSnapshotAttributesResult },
      );
    }
    return { dbSnapshots, dbClusterSnapshots, dbSnapshotAttributes, dbClusterSnapshotAttributes };
  },
  evaluate(data, _params, ctx) {
    const account = { resource: 'account', resourceType: 'AWS::::Account' };
    if (!data || !('dbSnapshots' in data) || !('dbClusterSnapshots' in data)) {
      return [{ ...account, status: 'error', reason: 'the evidence holds no DescribeDBSnapshots or DescribeDBClusterSnapshots response' }];
    }
    const results: ResourceResult[] = [];
    const key = (k: string | undefined) => (k ? `, encrypted with ${k} (restoring it also needs that key)` : '');
    const judge = (label: string, read: AttributeRead, kmsKey: string | undefined): Pick<ResourceResult, 'status' | 'reason'> => {
      if (read.kind === 'unread') return { status: 'error', reason: `${label}: the evidence holds no attribute read for it, so who may restore it is not shown` };
      if (read.kind === 'failed') {
        if (GONE.has(read.error.code)) return { status: 'not-applicable', reason: `${label} was deleted between the listing and the attribute read (${read.error.code})` };
        return { status: 'error', reason: `${label}: reading its attributes failed (${read.error.code}: ${read.error.message}), so who may restore it is not shown` };
      }
      if (!read.attributes) return { status: 'error', reason: `${label}: the attribute read returned no attributes, so who may restore it is not shown` };
      const values = read.attributes.filter((a) => a.AttributeName === 'restore').flatMap((a) => a.AttributeValues ?? []);
      const others = [...new Set(values.filter((v) => v !== 'all' && v !== ctx.accountId))];
      const named = others.length ? ` and account${others.length > 1 ? 's' : ''} ${others.join(', ')}` : '';
      if (values.includes('all')) {
        return { status: 'fail', reason: `${label} is public: its restore attribute holds "all", so any AWS account can copy it and restore the data it holds${named ? ` (it also names${named})` : ''}` };
      }
      if (others.length) {
        return {
          status: 'needs-review',
          reason: `${label} is shared with AWS account${others.length > 1 ? 's' : ''} ${others.join(', ')}, which can copy it and restore the data it holds${key(kmsKey)}: confirm each is the entity's own account or an approved party's`,
        };
      }
      return { status: 'pass', reason: `${label} is not shared: its restore attribute names no other AWS account` };
    };
    for (const [what, listing] of [
      ['DescribeDBSnapshots (manual DB snapshots)', data.dbSnapshots],
      ['DescribeDBClusterSnapshots (manual DB cluster snapshots)', data.dbClusterSnapshots],
    ] as const) {
      if (isCapturedError(listing)) results.push({ ...account, status: 'error', reason: `${what} failed (${listing.error.code}: ${listing.error.message}): whether they are shared in ${ctx.region} is not in the evidence` });
    }
    const attributeRead = <T>(reads: readonly SnapshotAttributesRead<T>[] | undefined, id: string | undefined, pick: (result: T) => SnapshotAttribute[] | undefined): AttributeRead => {
      const read = (reads ?? []).find((r) => r.snapshot === id);
      if (!read) return { kind: 'unread' };
      if (isCapturedError(read)) return { kind: 'failed', error: read.error };
      return { kind: 'read', attributes: 'result' in read && read.result ? pick(read.result) : undefined };
    };
    for (const s of Array.isArray(data.dbSnapshots) ? data.dbSnapshots : []) {
      const read = attributeRead(data.dbSnapshotAttributes, s.DBSnapshotIdentifier, (r) => r.DBSnapshotAttributes);
      const label = `manual DB snapshot ${s.DBSnapshotIdentifier} of database ${s.DBInstanceIdentifier ?? 'unknown'}`;
      results.push({
        resource: s.DBSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:snapshot:${s.DBSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBSnapshot',
        // The snapshot holds its database's data: it is in scope wherever the database is.
        ...(s.DBInstanceIdentifier ? { parent: { resource: `arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${s.DBInstanceIdentifier}`, resourceType: 'AWS::RDS::DBInstance' } } : {}),
        ...judge(label, read, s.Encrypted ? s.KmsKeyId : undefined),
      });
    }
    for (const s of Array.isArray(data.dbClusterSnapshots) ? data.dbClusterSnapshots : []) {
      const read = attributeRead(data.dbClusterSnapshotAttributes, s.DBClusterSnapshotIdentifier, (r) => r.DBClusterSnapshotAttributes);
      const label = `manual DB cluster snapshot ${s.DBClusterSnapshotIdentifier} of cluster ${s.DBClusterIdentifier ?? 'unknown'}`;
      results.push({
        resource: s.DBClusterSnapshotArn ?? `arn:aws:rds:${ctx.region}:${ctx.accountId}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
        resourceType: 'AWS::RDS::DBClusterSnapshot',
        ...(s.DBClusterIdentifier ? { parent: { resource: `arn:aws:rds:${ctx.region}:${ctx.accountId}:cluster:${s.DBClusterIdentifier}`, resourceType: 'AWS::RDS::DBCluster' } } : {}),
        ...judge(label, read, s.StorageEncrypted ? s.KmsKeyId : undefined),
      });
    }
    if (results.length === 0) results.push({ ...account, status: 'not-applicable', reason: `the account has no manual DB snapshots or DB cluster snapshots in ${ctx.region}` });
    return results;
  },
});
