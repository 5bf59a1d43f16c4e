import type { CloudFrontClient, DistributionSummary, DistributionTenantSummary } from '@aws-sdk/client-cloudfront';
import { loadCloudFrontSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { isCapturedError, type CapturedError } from '../types.js';

/**
 * Multi-tenant (ConnectionMode tenant-only) distributions and their distribution tenants, read beside ListDistributions
 * by the CloudFront checks (cloudfront.viewer-tls, wafv2.cloudfront-web-acls).
 */
export interface MultiTenantEvidence {
  /**
   * ListDistributionsByConnectionMode (tenant-only), all pages: the multi-tenant distributions, read on their own because
   * AWS does not document whether ListDistributions returns them. Absent in evidence sealed before this version.
   */
  tenantOnlyDistributions?: DistributionSummary[] | CapturedError;
  /**
   * By multi-tenant distribution Id: ListDistributionTenants filtered on that distribution (all pages); each tenant's
   * Customizations can override the distribution's web ACL (or disable it) and its certificate. Absent in evidence
   * sealed before this version.
   */
  tenants?: Record<string, DistributionTenantSummary[] | CapturedError>;
}

const TENANT_ONLY = 'tenant-only';

/**
 * The Ids of the multi-tenant distributions: every distribution the tenant-only listing returned, whether or not its
 * summary states ConnectionMode (an optional field), and any other distribution whose summary says tenant-only.
 */
export function multiTenantIds(listed: DistributionSummary[], tenantOnly: MultiTenantEvidence['tenantOnlyDistributions']): Set<string> {
  const ids = new Set<string>();
  for (const d of listed) if (d.ConnectionMode === TENANT_ONLY && d.Id) ids.add(d.Id);
  for (const d of Array.isArray(tenantOnly) ? tenantOnly : []) if (d.Id) ids.add(d.Id);
  return ids;
}

/** The distributions ListDistributions returned, then those only the tenant-only listing returned. */
export function allDistributions(listed: DistributionSummary[], tenantOnly: MultiTenantEvidence['tenantOnlyDistributions']): DistributionSummary[] {
  const listedIds = new Set(listed.map((d) => d.Id));
  return [...listed, ...(Array.isArray(tenantOnly) ? tenantOnly.filter((d) => !listedIds.has(d.Id)) : [])];
}

/** ListDistributionsByConnectionMode (tenant-only) and ListDistributionTenants per multi-tenant distribution. */
export async function collectMultiTenant(client: CloudFrontClient, listed: DistributionSummary[], signal?: AbortSignal): Promise<Required<MultiTenantEvidence>> {
  const { paginateListDistributionsByConnectionMode, paginateListDistributionTenants } = await loadCloudFrontSdk();
  const tenantOnlyDistributions = await captureFailure(async () => {
    const found: DistributionSummary[] = [];
    for await (const page of paginateListDistributionsByConnectionMode({ client }, { ConnectionMode: TENANT_ONLY })) {
      signal?.throwIfAborted();
      found.push(...(page.DistributionList?.Items ?? []));
    }
    return found;
  }, signal);
  const tenants: Record<string, DistributionTenantSummary[] | CapturedError> = {};
  for (const id of multiTenantIds(listed, isCapturedError(tenantOnlyDistributions) ? undefined : tenantOnlyDistributions)) {
    tenants[id] = await captureFailure(async () => {
      const found: DistributionTenantSummary[] = [];
      for await (const page of paginateListDistributionTenants({ client }, { AssociationFilter: { DistributionId: id } })) {
        signal?.throwIfAborted();
        found.push(...(page.DistributionTenantList ?? []));
      }
      return found;
    }, signal);
  }
  return { tenantOnlyDistributions, tenants };
}
