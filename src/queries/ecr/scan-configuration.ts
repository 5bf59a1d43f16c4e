import type { GetRegistryScanningConfigurationResponse, Repository } from '@aws-sdk/client-ecr';
import type { GetConfigurationResponse } from '@aws-sdk/client-inspector2';
import { loadEcrSdk, loadInspector2Sdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { defineQuery, isCapturedError, stripMetadata, type CapturedError, type ResourceResult } from '../types.js';

export interface EcrScanConfigurationEvidence {
  /** DescribeRepositories, all pages. */
  repositories: Repository[];
  /** GetRegistryScanningConfiguration: basic or enhanced (Inspector) scanning and the per-repository frequency rules. */
  registryScanning: Omit<GetRegistryScanningConfigurationResponse, '$metadata'> | CapturedError;
  /**
   * inspector2:GetConfiguration, read when the registry uses enhanced scanning: the ECR re-scan duration, how long
   * Amazon Inspector keeps monitoring an image after its push (and last pull or use). Absent in evidence sealed before
   * this version read it, and when the registry uses basic scanning.
   */
  inspectorConfiguration?: Omit<GetConfigurationResponse, '$metadata'> | CapturedError;
}

/**
 * ECR scanning repository filters (filterType WILDCARD): a filter with a `*` matches a name where each `*` stands for
 * zero or more characters; a filter with no wildcard matches every repository name that contains it (ECR user guide,
 * "Filters with no wildcard will match all repository names that contain the filter").
 */
export function matches(filter: string | undefined, name: string): boolean {
  if (!filter) return false;
  if (!filter.includes('*')) return name.includes(filter);
  return new RegExp(`^${filter.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);
}

const DURATION: Record<string, string> = { LIFETIME: 'for the image’s lifetime' };
const days = (d: string | undefined) => (d && /^DAYS_\d+$/.test(d) ? `${d.slice(5)} days` : (d ?? 'unknown'));

/**
 * Enhanced continuous scanning rescans an image only while Amazon Inspector monitors it: within the ECR re-scan
 * duration after its push (rescanDuration; LIFETIME keeps it for as long as the image exists) or after its last pull
 * or last use on a running container (pullDateRescanDuration). Past both, Inspector sets the image INACTIVE
 * (SCAN_ELIGIBILITY_EXPIRED) and closes its findings. Only LIFETIME, applied (status SUCCESS or not given), keeps every
 * image rescanned; anything else, or a duration the evidence does not hold, needs review.
 */
function rescanWindow(config: EcrScanConfigurationEvidence['inspectorConfiguration']): { lifetime: boolean; text: string } {
  if (config === undefined) return { lifetime: false, text: 'the evidence holds no Amazon Inspector ECR re-scan duration (inspector2:GetConfiguration was not read: evidence sealed before this check read it), so how long images stay rescanned is unknown' };
  if (isCapturedError(config)) return { lifetime: false, text: `the Amazon Inspector ECR re-scan duration could not be read (${config.error.code}: ${config.error.message}), so how long images stay rescanned is unknown` };
  const state = config.ecrConfiguration?.rescanDurationState;
  if (!state?.rescanDuration) return { lifetime: false, text: 'Amazon Inspector reported no ECR re-scan duration, so how long images stay rescanned is unknown' };
  const pending = state.status && state.status !== 'SUCCESS' ? `; the last change to the setting is ${state.status}` : '';
  if (state.rescanDuration === 'LIFETIME' && !pending) return { lifetime: true, text: `Amazon Inspector ECR re-scan duration ${state.rescanDuration} (every image rescanned ${DURATION.LIFETIME})` };
  const use = state.pullDateRescanMode === 'LAST_IN_USE_AT' ? 'last in use on a running container' : 'last pulled';
  const pull = state.pullDateRescanDuration ? ` or ${use} within ${days(state.pullDateRescanDuration)} (${state.pullDateRescanDuration}${state.pullDateRescanMode ? `, ${state.pullDateRescanMode}` : ''})` : '';
  const push = state.rescanDuration === 'LIFETIME' ? DURATION.LIFETIME : `while pushed within ${days(state.rescanDuration)}`;
  return {
    lifetime: false,
    text: `Amazon Inspector’s ECR re-scan duration is ${state.rescanDuration}${pending}: an image is rescanned only ${push}${pull}; after that Inspector stops monitoring it (INACTIVE, SCAN_ELIGIBILITY_EXPIRED) and closes its findings, so an image that stays deployed longer is no longer rescanned for newly published vulnerabilities (see inspector2.coverage for each image’s status)`,
  };
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
    'Each ECR repository in the region beside the registry’s scanning configuration: basic scanning (operating-system packages, on push or manually) or enhanced scanning through Amazon Inspector (operating-system and language packages, on push or continuously), which rule applies to the repository, the repository’s own scan-on-push flag, and for enhanced scanning Amazon Inspector’s ECR re-scan duration (continuous scanning rescans an image only within that time after its push or last pull or use; only LIFETIME keeps every image rescanned). It shows how images are set to be scanned, not what the scans found (see inspector2.findings).',
  remediation:
    'Set the registry to enhanced scanning (ECR private registry settings, or PutRegistryScanningConfiguration) with a CONTINUOUS_SCAN rule whose filter matches every repository that holds deployable images, and set Amazon Inspector’s ECR re-scan duration for push date to LIFETIME (or long enough for every deployed image, documented).',
  scope: 'regional',
  apiCalls: ['ecr:DescribeRepositories', 'ecr:GetRegistryScanningConfiguration', 'inspector2:GetConfiguration'],
  async collect(ctx) {
    const { ECRClient, GetRegistryScanningConfigurationCommand, paginateDescribeRepositories } = await loadEcrSdk();
    const ecr = ctx.clients.get(ECRClient);
    const repositories: Repository[] = [];
    for await (const page of paginateDescribeRepositories({ client: ecr, pageSize: 1000 }, {})) {
      ctx.signal?.throwIfAborted();
      repositories.push(...(stripMetadata(page).repositories ?? []));
    }
    const registryScanning = await captureFailure(() => ecr.send(new GetRegistryScanningConfigurationCommand({})), ctx.signal);
    if (isCapturedError(registryScanning) || registryScanning.scanningConfiguration?.scanType !== 'ENHANCED') return { repositories, registryScanning };
    // Enhanced scanning is Amazon Inspector's: its ECR re-scan duration bounds how long "continuous" lasts per image.
    const { Inspector2Client, GetConfigurationCommand } = await loadInspector2Sdk();
    const inspectorConfiguration = await captureFailure(() => ctx.clients.get(Inspector2Client).send(new GetConfigurationCommand({})), ctx.signal);
    return { repositories, registryScanning, inspectorConfiguration };
  },
  evaluate(data, _params, ctx) {
    if (!data?.repositories || !data.registryScanning) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeRepositories or GetRegistryScanningConfiguration response' }];
    }
    if (data.repositories.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no ECR repositories in ${ctx.region}` }];
    }
    const reg = isCapturedError(data.registryScanning) ? undefined : data.registryScanning.scanningConfiguration;
    const rescan = rescanWindow(data.inspectorConfiguration);
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
        if (rule?.scanFrequency === 'CONTINUOUS_SCAN') {
          results.push(
            rescan.lifetime
              ? { ...base, status: 'pass', reason: `${label}: enhanced scanning through Amazon Inspector, ${freq}${filter}; ${rescan.text}` }
              : { ...base, status: 'needs-review', reason: `${label}: enhanced scanning through Amazon Inspector, continuous${filter}, but ${rescan.text}` },
          );
        }
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
