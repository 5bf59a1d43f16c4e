import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { scanConfiguration } from '../../../src/queries/ecr/scan-configuration.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, basic, enhanced, repoArn, repositories, rescan } from '../../fixtures/ecr/scanning.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-06-01T00:00:00.000Z' };
function statuses(data: unknown): Record<string, ResourceResult> {
  const fresh = scanConfiguration.evaluate(data, {}, ctx);
  expect(scanConfiguration.evaluate(JSON.parse(canonicalJson(data)), {}, ctx)).toEqual(fresh);
  return Object.fromEntries(fresh.map((r) => [r.resource, r]));
}

describe('ecr.scan-configuration', () => {
  it('enhanced scanning: continuous passes (the most frequent matching rule wins), scan on push needs review, manual or unmatched fails', () => {
    const r = statuses({ repositories: repositories.repositories, registryScanning: enhanced, inspectorConfiguration: rescan('LIFETIME') });
    expect(r[repoArn('payments-api')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('continuous (rescanned when new vulnerabilities are published) (rule filter payments-*); Amazon Inspector ECR re-scan duration LIFETIME') });
    expect(r[repoArn('web-frontend')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('not rescanned') });
    expect(r[repoArn('tools-ci')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('manual only') });
    expect(r[repoArn('sandbox')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no scanning rule matches') });
  });

  // Continuous scanning rescans an image only within Inspector's ECR re-scan duration
  // (https://docs.aws.amazon.com/inspector/latest/user/scanning_resources_configure_duration_setting_ecr.html).
  it('continuous scanning passes only with a LIFETIME re-scan duration; any shorter one, or none in the evidence, needs review', () => {
    const payments = (inspectorConfiguration: unknown) => statuses({ repositories: repositories.repositories, registryScanning: enhanced, inspectorConfiguration })[repoArn('payments-api')];
    expect(payments(rescan('DAYS_14', { pullDateRescanDuration: 'DAYS_14', pullDateRescanMode: 'LAST_IN_USE_AT' }))).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('re-scan duration is DAYS_14: an image is rescanned only while pushed within 14 days or last in use on a running container within 14 days (DAYS_14, LAST_IN_USE_AT); after that Inspector stops monitoring it (INACTIVE, SCAN_ELIGIBILITY_EXPIRED) and closes its findings'),
    });
    expect(payments(rescan('DAYS_180', { pullDateRescanDuration: 'DAYS_90', pullDateRescanMode: 'LAST_PULL_DATE' }))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('within 180 days or last pulled within 90 days') });
    expect(payments(rescan('LIFETIME', { status: 'PENDING' }))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the last change to the setting is PENDING') });
    expect(payments(undefined)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('evidence sealed before this check read it') });
    expect(payments({ error: { code: 'AccessDeniedException', message: 'denied' } })).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('could not be read (AccessDeniedException') });
    expect(payments({})).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('reported no ECR re-scan duration') });
    expect(scanConfiguration.apiCalls).toContain('inspector2:GetConfiguration');
  });

  // "Filters with no wildcard will match all repository names that contain the filter"
  // (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-enabling.html).
  it('a scanning-rule filter without a wildcard matches every repository name containing it; with one, the whole name', () => {
    const rules = (filter: string) => ({ registryId: ACCOUNT, scanningConfiguration: { scanType: 'ENHANCED', rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter, filterType: 'WILDCARD' }] }] } });
    const r = statuses({ repositories: repositories.repositories, registryScanning: rules('payments'), inspectorConfiguration: rescan('LIFETIME') });
    expect(r[repoArn('payments-api')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('(rule filter payments)') });
    expect(r[repoArn('sandbox')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no scanning rule matches') });
    const front = statuses({ repositories: repositories.repositories, registryScanning: rules('front'), inspectorConfiguration: rescan('LIFETIME') });
    expect(front[repoArn('web-frontend')].status).toBe('pass');
    const anchored = statuses({ repositories: repositories.repositories, registryScanning: rules('front*'), inspectorConfiguration: rescan('LIFETIME') });
    expect(anchored[repoArn('web-frontend')].status).toBe('fail');
  });

  it('basic scanning: a registry rule or the repository flag scans on push (needs review: OS packages only); nothing at all fails', () => {
    const r = statuses({ repositories: repositories.repositories, registryScanning: basic });
    expect(r[repoArn('payments-api')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('operating-system packages only') });
    expect(r[repoArn('tools-ci')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('repository setting') });
    expect(r[repoArn('sandbox')].status).toBe('fail');
  });

  it('an unreadable registry configuration is an error per repository, never a pass; no repositories is not applicable', () => {
    const r = statuses({ repositories: repositories.repositories, registryScanning: { error: { code: 'AccessDeniedException', message: 'denied' } } });
    expect(Object.values(r).map((x) => x.status)).toEqual(['error', 'error', 'error', 'error']);
    expect(scanConfiguration.evaluate({ repositories: [], registryScanning: basic } as never, {}, ctx).map((x) => x.status)).toEqual(['not-applicable']);
    expect(scanConfiguration.evaluate({} as never, {}, ctx).map((x) => x.status)).toEqual(['error']);
  });
});
