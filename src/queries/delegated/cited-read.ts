import { sha256Hex } from '../../evidence/hash.js';
import { DELEGATED_READ_QUERY_PREFIX, delegatedReadRefProblem, type DelegatedReadRef, type ManifestRecord } from '../../evidence/record.js';
import { eventDataStoreRegion } from '../cloudtrail/lake-events.js';
import { delegatedSourceFor } from './index.js';
import type { DelegatedSource } from './types.js';

/**
 * The query id of an organisation-wide read's record: the query it answers, or for a read several queries share (one
 * configuration item family), its kind and a digest of its read key (an aggregator expression).
 */
export function delegatedReadQueryId(source: Pick<DelegatedSource<unknown>, 'queryId' | 'kind' | 'readKey'>): string {
  return `${DELEGATED_READ_QUERY_PREFIX}${source.readKey ? `${source.kind}.${sha256Hex(source.readKey).slice(0, 16)}` : source.queryId}`;
}

/** How many organisation-wide calls a read's body lists (`data.requests`, every page); a body without the list lists none. */
export function listedReadRequests(readBody: unknown): number {
  const requests = (readBody as { data?: { requests?: unknown } } | null)?.data?.requests;
  return Array.isArray(requests) ? requests.length : 0;
}

/** What a member body's `provenance.via` says of the read it was taken from (as the body has it: verifiers read it unparsed). */
export interface CitingVia {
  accountId?: unknown;
  region?: unknown;
  eventDataStore?: unknown;
  read: DelegatedReadRef;
}

/**
 * What is wrong with a member record's citation of an organisation-wide read, or undefined. First what
 * delegatedReadRefProblem checks (the run's signed manifest lists the read with that SHA-256), then that the read is
 * the one this member's query is read through: its query id is the read of the member query's delegated source
 * (`DELEGATED_SOURCES`), made from `via.accountId` in the region the member's part is read in for that source (the
 * member's own region for a read of each region, `via.region` for the aggregator's or the event data store's, which
 * the store's ARN names when configured as one), and `via.read.requests` is the number of calls the read's body lists.
 * A query this release reads through no source (one that moved back to per-account collection) is held to the form
 * of every read's query id: its own, or a shared read of `via`'s kind. `listedRequests` is undefined where the
 * verifier has not read the read's body (its hash does not check out, a problem of its own).
 */
export function citedReadProblem(
  runId: string,
  member: Pick<ManifestRecord, 'recordId' | 'queryId' | 'region'>,
  via: CitingVia & { kind?: unknown },
  runRecord: (recordId: string) => Pick<ManifestRecord, 'queryId' | 'sha256' | 'accountId' | 'region'> | undefined,
  listedRequests: (read: Pick<ManifestRecord, 'recordId' | 'sha256'>) => number | undefined,
): string | undefined {
  const ref = via.read;
  const listed = delegatedReadRefProblem(member.recordId, ref, runRecord);
  if (listed) return `run ${runId}: ${listed}`;
  const read = runRecord(ref.recordId)!;
  const cites = `run ${runId}: record ${member.recordId} (query ${member.queryId}) cites organisation-wide read ${ref.recordId}`;
  const source = delegatedSourceFor(member.queryId);
  if (source) {
    const expected = delegatedReadQueryId(source);
    if (read.queryId !== expected) return `${cites}, whose queryId is ${read.queryId}, but ${member.queryId} is read through ${expected} in delegated-admin mode`;
  } else if (read.queryId !== `${DELEGATED_READ_QUERY_PREFIX}${member.queryId}` && !read.queryId.startsWith(`${DELEGATED_READ_QUERY_PREFIX}${String(via.kind)}.`)) {
    return `${cites}, whose queryId is ${read.queryId}, neither ${DELEGATED_READ_QUERY_PREFIX}${member.queryId} nor a shared read of via.kind ${String(via.kind)}`;
  }
  if (read.accountId !== via.accountId) return `${cites}, whose accountId is ${read.accountId}, but the record's via.accountId is ${String(via.accountId)}`;
  if (read.region !== via.region) return `${cites}, whose region is ${read.region}, but the record's via.region is ${String(via.region)}`;
  const partRegion = source?.reach === 'each-region' ? { region: member.region, why: `the member's own region (${source.kind} is read in each region)` } : source?.reach === 'event-data-store' && typeof via.eventDataStore === 'string' && eventDataStoreRegion(via.eventDataStore) ? { region: eventDataStoreRegion(via.eventDataStore)!, why: `the region of via.eventDataStore ${via.eventDataStore}` } : undefined;
  if (partRegion && read.region !== partRegion.region) return `${cites}, whose region is ${read.region}, but its part is read in ${partRegion.region}, ${partRegion.why}`;
  const requests = listedRequests({ recordId: ref.recordId, sha256: read.sha256 });
  if (requests !== undefined && requests !== ref.requests) return `${cites}, whose body lists ${requests} requests, but the record's via.read.requests is ${ref.requests}`;
  return undefined;
}
