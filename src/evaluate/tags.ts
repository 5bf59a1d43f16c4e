import type { EvidenceBody, ManifestRecord } from '../evidence/record.js';
import { TAGGING_QUERY_ID, tagMap, type TaggedResourcesEvidence } from '../queries/tagging/resources.js';
import type { ResourceTags } from './scope.js';

interface AccountTags {
  byArn: Map<string, Record<string, string>>;
  /** Bucket names and the last ARN segment (instance, security group ids), for findings that name a resource so. */
  byName: Map<string, Record<string, string>>;
  collected: Set<string>;
  failed: Map<string, string>;
}

/**
 * The resource whose tags apply to `arn`: a published Lambda function version or alias (`…:function:name:7`) has no
 * tags of its own; Lambda tags the function, and the Tagging API lists the function's unqualified ARN.
 */
export function taggedResourceOf(arn: string): string {
  const m = /^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):[^:]+$/.exec(arn);
  return m ? m[1] : arn;
}

function regionOfArn(arn: string): string | undefined {
  const region = arn.startsWith('arn:') ? arn.split(':')[3] : undefined;
  return region ? region : undefined;
}

/**
 * The tags of every resource of a run, from its sealed tagging.resources records, per account. A resource the
 * Tagging API did not list in a region it answered for has no tags; in a region where the call failed or was not
 * made, its tags are unknown, and the scope says so rather than guessing.
 */
export class TagIndex {
  private readonly accounts = new Map<string, AccountTags>();

  static async fromRecords(records: readonly ManifestRecord[], load: (sha256: string) => Promise<EvidenceBody>): Promise<TagIndex> {
    const index = new TagIndex();
    for (const rec of records) {
      if (rec.queryId !== TAGGING_QUERY_ID) continue;
      const a = index.account(rec.accountId);
      const body = await load(rec.sha256);
      if (body.status === 'error') {
        a.failed.set(rec.region, `${TAGGING_QUERY_ID} failed in ${rec.region}: ${body.error?.code ?? 'Error'}`);
        continue;
      }
      a.collected.add(rec.region);
      for (const m of (body.data as TaggedResourcesEvidence | undefined)?.resourceTagMappings ?? []) {
        if (!m.ResourceARN) continue;
        const tags = tagMap(m.Tags);
        a.byArn.set(m.ResourceARN, tags);
        const name = m.ResourceARN.startsWith('arn:aws:s3:::') ? m.ResourceARN.slice('arn:aws:s3:::'.length) : m.ResourceARN.split('/').pop()!;
        if (name && !name.startsWith('arn:')) a.byName.set(name, tags);
      }
    }
    return index;
  }

  private account(accountId: string): AccountTags {
    let a = this.accounts.get(accountId);
    if (!a) {
      a = { byArn: new Map(), byName: new Map(), collected: new Set(), failed: new Map() };
      this.accounts.set(accountId, a);
    }
    return a;
  }

  /** The tags of one resource as a finding names it (ARN, bucket name or id) in the region its evidence came from. */
  tagsOf(accountId: string, resource: string, region: string): ResourceTags {
    const a = this.accounts.get(accountId);
    if (!a) return { known: false, why: `${TAGGING_QUERY_ID} was not collected for account ${accountId}` };
    const found = a.byArn.get(taggedResourceOf(resource)) ?? (resource.startsWith('arn:') ? undefined : a.byName.get(resource));
    if (found) return { known: true, tags: found };
    const where = regionOfArn(resource) ?? (region !== 'global' ? region : undefined);
    if (where) {
      if (a.failed.has(where)) return { known: false, why: a.failed.get(where)! };
      if (a.collected.has(where)) return { known: true, tags: {} };
      return { known: false, why: `${TAGGING_QUERY_ID} was not collected in ${where}` };
    }
    // A global resource (an S3 bucket named without its region) could live in any region: every region must have answered.
    if (a.failed.size) return { known: false, why: [...a.failed.values()].join('; ') };
    return { known: true, tags: {} };
  }
}
