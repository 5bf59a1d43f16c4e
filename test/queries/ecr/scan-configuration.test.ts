import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { scanConfiguration } from '../../../src/queries/ecr/scan-configuration.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, basic, enhanced, repoArn, repositories } from '../../fixtures/ecr/scanning.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-06-01T00:00:00.000Z' };
function statuses(data: unknown): Record<string, ResourceResult> {
  const fresh = scanConfiguration.evaluate(data, {}, ctx);
  expect(scanConfiguration.evaluate(JSON.parse(canonicalJson(data)), {}, ctx)).toEqual(fresh);
  return Object.fromEntries(fresh.map((r) => [r.resource, r]));
}

describe('ecr.scan-configuration', () => {
  it('enhanced scanning: continuous passes (the most frequent matching rule wins), scan on push needs review, manual or unmatched fails', () => {
    const r = statuses({ repositories: repositories.repositories, registryScanning: enhanced });
    expect(r[repoArn('payments-api')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('continuous') });
    expect(r[repoArn('web-frontend')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('not rescanned') });
    expect(r[repoArn('tools-ci')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('manual only') });
    expect(r[repoArn('sandbox')]).toMatchObject({ status: 'fail', reason: expect.stringContaining('no scanning rule matches') });
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
