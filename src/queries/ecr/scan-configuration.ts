import type { GetRegistryScanningConfigurationResponse, Repository } from '@aws-sdk/client-ecr';
import { loadEcrSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type ResourceResult } from '../types.js';

export interface EcrScanConfigurationEvidence {
  /** DescribeRepositories, all pages. */
  repositories: Repository[];
  /** GetRegistryScanningConfiguration: basic or enhanced (Inspector) scanning and the per-repository frequency rules. */
  registryScanning: Omit<GetRegistryScanningConfigurationResponse, '$metadata'> | CapturedError;
}

/** ECR repository filters are wildcard patterns (`*` matches any characters). */
function matches(filter: string | undefined, name: string): boolean {
  if (!filter) return false;
  return new RegExp(`^${filter.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);
}

const FREQUENCY: Record<string, string> = {
  CONTINUOUS_SCAN: 'continuous (rescanned when new vulnerabilities are published)',
  SCAN_ON_PUSH: 'on push only (not rescanned afterwards)',
  MANUAL: 'manual only',
};

export const scanConfiguration = defineQuery<EcrScanConfigurationEvidence>({
  id: 'ecr.scan-configuration',
  service: 'ecr',
  title: 'ECR repositories are scanned for vulnerabilities continuously (enhanced scanning through Amazon Inspector)',
  description:
    'Each ECR repository in the region beside the registry’s scanning configuration: basic scanning (operating-system packages, on push or manually) or enhanced scanning through Amazon Inspector (operating-system and language packages, on push or continuously), which rule applies to the repository, and the repository’s own scan-on-push flag. It shows how images are set to be scanned, not what the scans found (see inspector2.findings).',
  remediation:
    'Set the registry to enhanced scanning (ECR private registry settings, or PutRegistryScanningConfiguration) with a CONTINUOUS_SCAN rule whose filter matches every repository that holds deployable images.',
  scope: 'regional',
  apiCalls: ['ecr:DescribeRepositories', 'ecr:GetRegistryScanningConfiguration'],
  async collect(ctx) {
    const { ECRClient, GetRegistryScanningConfigurationCommand, paginateDescribeRepositories } = await loadEcrSdk();
    const ecr = ctx.clients.get(ECRClient);
    const repositories: Repository[] = [];
    for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      repositories.push(...(stripMetadata(page).repositories ?? []));
    }
    const registryScanning = await captureFailure(() => ecr.send(new GetRegistryScanningConfigurationCommand({})), ctx.signal);
    return { repositories, registryScanning };
  },
  evaluate(data, _params, ctx) {
    if (!data?.repositories || !data.registryScanning) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeRepositories or GetRegistryScanningConfiguration response' }];
    }
    if (data.repositories.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no ECR repositories in ${ctx.region}` }];
    }
    const reg = isCapturedError(data.registryScanning) ? undefined : data.registryScanning.scanningConfiguration;
    const results: ResourceResult[] = [];
    for (const repo of data.repositories) {
      const name = repo.repositoryName ?? '';
      const base = { resource: repo.repositoryArn ?? `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${name}`, resourceType: 'AWS::ECR::Repository' };
      const label = `repository ${name}`;
      const onPush = repo.imageScanningConfiguration?.scanOnPush === true;
      if (isCapturedError(data.registryScanning)) {
        results.push({ ...base, status: 'error', reason: `${label}: the registry scanning configuration could not be read (${data.registryScanning.error.code}); repository scan on push is ${onPush ? 'on' : 'off'}` });
        continue;
      }
      const rules = (reg?.rules ?? []).filter((r) => (r.repositoryFilters ?? []).some((f) => matches(f.filter, name)));
      // ECR applies the most frequent matching rule when several match.
      const rule = rules.find((r) => r.scanFrequency === 'CONTINUOUS_SCAN') ?? rules.find((r) => r.scanFrequency === 'SCAN_ON_PUSH') ?? rules[0];
      const freq = rule ? (FREQUENCY[rule.scanFrequency ?? ''] ?? rule.scanFrequency) : undefined;
      const filter = rule ? ` (rule filter ${(rule.repositoryFilters ?? []).map((f) => f.filter).join(', ')})` : '';
      if (reg?.scanType === 'ENHANCED') {
        if (rule?.scanFrequency === 'CONTINUOUS_SCAN') results.push({ ...base, status: 'pass', reason: `${label}: enhanced scanning through Amazon Inspector, ${freq}${filter}` });
        else if (rule?.scanFrequency === 'SCAN_ON_PUSH') results.push({ ...base, status: 'needs-review', reason: `${label}: enhanced scanning through Amazon Inspector, ${freq}${filter}; images that stay deployed are not rescanned for newly published vulnerabilities` });
        else results.push({ ...base, status: 'fail', reason: `${label}: the registry uses enhanced scanning but ${rule ? `its matching rule scans ${freq}` : 'no scanning rule matches this repository'}, so its images are not scanned automatically` });
      } else {
        const scanned = rule?.scanFrequency === 'SCAN_ON_PUSH' || onPush;
        results.push(
          scanned
            ? { ...base, status: 'needs-review', reason: `${label}: basic scanning on push${rule ? filter : ' (repository setting)'}: operating-system packages only, at push time, not rescanned afterwards` }
            : { ...base, status: 'fail', reason: `${label}: ${reg?.scanType ?? 'basic'} scanning with no scan-on-push rule or setting for it, so its images are not scanned automatically` },
        );
      }
    }
    return results;
  },
});
