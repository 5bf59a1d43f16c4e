import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { webAcls } from '../../../src/queries/wafv2/web-acls.js';
import { cloudFrontWebAcls } from '../../../src/queries/wafv2/cloudfront-web-acls.js';
import { collectMultiTenant } from '../../../src/queries/cloudfront/multi-tenant.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, aclArn, evidence, lbArn } from '../../fixtures/wafv2/web-acls.js';
import { CDN_ACL, distributionArn, distributions, distributionTenant, multiTenantDistribution } from '../../fixtures/cloudfront/distributions.js';
import { DEMO_ACCOUNT_ID } from '../../../src/simulator/index.js';
import { cloudFrontState } from '../../../src/simulator/services/cloudfront.js';
import { demoSession } from '../s3/simulated-collect.js';
import { judgedByCatalogs } from '../../evaluate/run-manifest.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(q: typeof webAcls, data: unknown, params: Record<string, boolean> = {}): ResourceResult[] {
  const fresh = q.evaluate(data, params, ctx);
  expect(q.evaluate(roundTrip(data), params, ctx)).toEqual(fresh);
  return fresh;
}
/** AWS WAF declared the organisation's solution against web attacks (6.4.1, 6.4.2). */
const DECLARED = { awsWafIsWebAppFirewall: true };

describe('wafv2.web-acls', () => {
  const byArn = Object.fromEntries(evaluateBoth(webAcls, evidence).map((r) => [r.resource, r]));

  it('an internet-facing ALB with a web ACL passes (saying the rules are not judged); one without needs review (fails where AWS WAF is declared the solution); internal ALBs and NLBs are not judged', () => {
    expect(byArn[lbArn('protected')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('whether its rules block attacks is for the assessor') });
    // QSA (6.4.2): "no AWS WAF web ACL; another firewall ... is not visible to AWS APIs" was a FAIL: the text admits it.
    expect(byArn[lbArn('unprotected')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('has no AWS WAF web ACL in front of it (2 REGIONAL web ACLs in us-east-1); whether another web application firewall or attack-blocking solution protects it is not in the evidence') });
    expect(byArn[lbArn('unprotected')].reason).toContain('(awsWafIsWebAppFirewall = false: true declares AWS WAF the solution)');
    expect(evaluateBoth(webAcls, evidence, DECLARED).find((r) => r.resource === lbArn('unprotected'))).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining('and AWS WAF is declared the solution against web attacks (awsWafIsWebAppFirewall = true)'),
    });
    expect(byArn[lbArn('internal')]).toBeUndefined();
    expect(byArn[lbArn('nlb')]).toBeUndefined();
  });

  it('a web ACL with logging passes; without logging (WAFNonexistentItemException) it needs review', () => {
    expect(byArn[aclArn('logged')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('aws-waf-logs-logged') });
    expect(byArn[aclArn('unlogged')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no logging configuration') });
  });

  describe('a logging filter', () => {
    const withFilter = (LoggingFilter: unknown) =>
      evaluateBoth(webAcls, { ...evidence, logging: { ...evidence.logging, [aclArn('logged')]: { ...(evidence.logging[aclArn('logged')] as object), LoggingFilter } } }).find((r) => r.resource === aclArn('logged'))!;

    it('dropping by default (DefaultBehavior DROP) needs review, naming what is kept', () => {
      const r = withFilter({
        DefaultBehavior: 'DROP',
        Filters: [
          { Behavior: 'KEEP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { LabelNameCondition: { LabelName: 'awswaf:111122223333:webacl:logged:suspect' } }] },
          { Behavior: 'DROP', Requirement: 'MEETS_ALL', Conditions: [{ ActionCondition: { Action: 'ALLOW' } }] },
        ],
      });
      expect(r.status).toBe('needs-review');
      expect(r.reason).toContain('aws-waf-logs-logged');
      expect(r.reason).toContain("default behaviour is DROP: only requests matching action BLOCK or label awswaf:111122223333:webacl:logged:suspect can be logged");
    });

    it('dropping by default with no KEEP filter says nothing is logged', () => {
      const r = withFilter({ DefaultBehavior: 'DROP', Filters: [{ Behavior: 'DROP', Requirement: 'MEETS_ANY', Conditions: [{ ActionCondition: { Action: 'ALLOW' } }] }] });
      expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no filter keeps any request, so nothing is logged') });
    });

    it('keeping by default passes, naming what the filter leaves out', () => {
      const r = withFilter({ DefaultBehavior: 'KEEP', Filters: [{ Behavior: 'DROP', Requirement: 'MEETS_ALL', Conditions: [{ ActionCondition: { Action: 'ALLOW' } }, { LabelNameCondition: { LabelName: 'health-check' } }] }] });
      expect(r).toMatchObject({ status: 'pass', reason: expect.stringContaining('can leave out requests matching action ALLOW and label health-check') });
    });
  });

  it('a failed ListResourcesForWebACL makes an unmatched ALB unknown (error), never a fail or pass; the logging results survive', () => {
    const denied = { ...evidence, resources: { ...evidence.resources, [aclArn('unlogged')]: { error: { code: 'WAFAccessDeniedException', message: 'denied' } } } };
    const s = Object.fromEntries(evaluateBoth(webAcls, denied).map((r) => [r.resource, r.status]));
    expect(s[lbArn('unprotected')]).toBe('error');
    expect(s[lbArn('protected')]).toBe('pass');
    expect(s[aclArn('logged')]).toBe('pass');
  });

  it('a failed GetLoggingConfiguration (other than no configuration) is an error; missing evidence is an error; nothing to judge is not-applicable', () => {
    const failed = { ...evidence, logging: { ...evidence.logging, [aclArn('logged')]: { error: { code: 'WAFInternalErrorException', message: 'boom' } } } };
    expect(evaluateBoth(webAcls, failed).find((r) => r.resource === aclArn('logged'))?.status).toBe('error');
    expect(evaluateBoth(webAcls, { loadBalancers: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth(webAcls, { loadBalancers: [], webAcls: [], logging: {}, resources: {} }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});

describe('wafv2.cloudfront-web-acls', () => {
  const data = {
    distributions,
    tenantOnlyDistributions: [],
    tenants: {},
    webAcls: [{ Name: 'cdn', Id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', ARN: CDN_ACL }],
    logging: { [CDN_ACL]: { error: { code: 'WAFNonexistentItemException', message: 'no logging' } } },
  };
  const byArn = Object.fromEntries(evaluateBoth(cloudFrontWebAcls, data).map((r) => [r.resource, r]));
  const OTHER_ACL = CDN_ACL.replace('/cdn/', '/other/');

  describe('multi-tenant (tenant-only) distributions are judged through their distribution tenants', () => {
    const mt = multiTenantDistribution('EMULTI');
    const judge = (tenants: unknown, extra: Record<string, unknown> = {}, params: Record<string, boolean> = {}) =>
      evaluateBoth(cloudFrontWebAcls, { ...data, distributions: [...distributions, mt], tenants: { EMULTI: tenants }, ...extra }, params).find((r) => r.resource === distributionArn('EMULTI'))!;

    it('a tenant whose web ACL customisation is disable needs review (fails where AWS WAF is declared the solution), though the distribution names a web ACL', () => {
      const tenants = [distributionTenant('EMULTI', 'shop'), distributionTenant('EMULTI', 'legacy', { Customizations: { WebAcl: { Action: 'disable' } } })];
      const r = judge(tenants);
      expect(r.status).toBe('needs-review');
      expect(r.reason).toContain('whether another web application firewall or attack-blocking solution protects it is not in the evidence');
      expect(judge(tenants, {}, DECLARED).status).toBe('fail');
      expect(r.reason).toContain('multi-tenant distribution EMULTI');
      expect(r.reason).toContain('tenant legacy (web ACL disabled) serves the internet with no AWS WAF web ACL; tenant shop inherits web ACL cdn');
    });

    it('tenants inheriting the web ACL or overriding it with a CLOUDFRONT web ACL of the account pass; a disabled tenant is not judged', () => {
      const r = judge([
        distributionTenant('EMULTI', 'shop'),
        distributionTenant('EMULTI', 'brand', { Customizations: { WebAcl: { Action: 'override', Arn: OTHER_ACL } } }),
        distributionTenant('EMULTI', 'old', { Enabled: false, Customizations: { WebAcl: { Action: 'disable' } } }),
      ], { webAcls: [...data.webAcls, { Name: 'other', Id: 'x', ARN: OTHER_ACL }] });
      expect(r).toMatchObject({ status: 'pass', reason: expect.stringContaining('every enabled distribution tenant is behind a web ACL (tenant shop inherits web ACL cdn, tenant brand overrides with web ACL other); 1 disabled tenant not judged') });
    });

    it('an override naming a web ACL that is not a CLOUDFRONT web ACL of the account needs review; inheriting no web ACL needs review too, naming both', () => {
      expect(judge([distributionTenant('EMULTI', 'brand', { Customizations: { WebAcl: { Action: 'override', Arn: OTHER_ACL } } })])).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`tenant brand overrides with ${OTHER_ACL}, not a CLOUDFRONT-scope`) });
      const bare = evaluateBoth(cloudFrontWebAcls, { ...data, distributions: [multiTenantDistribution('EBARE', { WebACLId: '' })], tenants: { EBARE: [distributionTenant('EBARE', 'shop')] } }).find((r) => r.resource === distributionArn('EBARE'))!;
      expect(bare).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('tenant shop (inherits no web ACL)') });
      const both = judge([distributionTenant('EMULTI', 'legacy', { Customizations: { WebAcl: { Action: 'disable' } } }), distributionTenant('EMULTI', 'brand', { Customizations: { WebAcl: { Action: 'override', Arn: OTHER_ACL } } })]);
      expect(both.reason).toContain(`tenant legacy (web ACL disabled) serves the internet with no AWS WAF web ACL; examine the web ACL of tenant brand overrides with ${OTHER_ACL}`);
    });

    it('unknown is never a pass: tenants not collected need review, a failed ListDistributionTenants is an error; no enabled tenant serves nobody', () => {
      expect(judge(undefined)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('its distribution tenants, which can override or disable its web ACL, are not in the evidence') });
      expect(judge({ error: { code: 'AccessDenied', message: 'denied' } })).toMatchObject({ status: 'error', reason: expect.stringContaining('ListDistributionTenants failed (AccessDenied') });
      expect(judge([])).toMatchObject({ status: 'not-applicable', reason: expect.stringContaining('has no enabled distribution tenant') });
    });

    it('evidence sealed before tenants were read: a multi-tenant distribution needs review, and the account says multi-tenant distributions were not listed', () => {
      const old = { distributions: [...distributions, mt], webAcls: data.webAcls, logging: data.logging };
      const results = evaluateBoth(cloudFrontWebAcls, old);
      expect(results.find((r) => r.resource === distributionArn('EMULTI'))!.status).toBe('needs-review');
      expect(results.find((r) => r.resource === distributionArn('EGOOD'))!.status).toBe('pass');
      expect(results.find((r) => r.resource === 'account')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('collected before multi-tenant distributions were read') });
    });

    it('a multi-tenant distribution returned only by ListDistributionsByConnectionMode is judged; a failed ListDistributionsByConnectionMode is an account error', () => {
      const only = evaluateBoth(cloudFrontWebAcls, { ...data, tenantOnlyDistributions: [mt], tenants: { EMULTI: [distributionTenant('EMULTI', 'legacy', { Customizations: { WebAcl: { Action: 'disable' } } })] } });
      expect(only.find((r) => r.resource === distributionArn('EMULTI'))!.status).toBe('needs-review');
      expect(only.filter((r) => r.resource === distributionArn('EGOOD'))).toHaveLength(1);
      const failed = evaluateBoth(cloudFrontWebAcls, { ...data, tenantOnlyDistributions: { error: { code: 'AccessDenied', message: 'denied' } } });
      expect(failed.find((r) => r.resource === 'account')).toMatchObject({ status: 'error', reason: expect.stringContaining('ListDistributionsByConnectionMode (tenant-only) failed (AccessDenied') });
      expect(failed.find((r) => r.resource === distributionArn('EGOOD'))!.status).toBe('pass');
    });

    it('every distribution the tenant-only listing returned is multi-tenant, though its summaries omit ConnectionMode (an optional field)', () => {
      const bare = { ...mt, ConnectionMode: undefined };
      const disabled = [distributionTenant('EMULTI', 'legacy', { Customizations: { WebAcl: { Action: 'disable' } } })];
      for (const listedToo of [false, true]) {
        const r = evaluateBoth(cloudFrontWebAcls, { ...data, distributions: listedToo ? [...distributions, bare] : distributions, tenantOnlyDistributions: [bare], tenants: { EMULTI: disabled } }).find((x) => x.resource === distributionArn('EMULTI'))!;
        expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('multi-tenant distribution EMULTI') });
        expect(r.reason).toContain('tenant legacy (web ACL disabled)');
      }
    });

    it('collect reads the tenants of every distribution the tenant-only listing returned, though its summary omits ConnectionMode', async () => {
      const { CloudFrontClient } = await import('@aws-sdk/client-cloudfront');
      const client = new CloudFrontClient({ region: 'us-east-1' });
      const sent: { name: string; input: unknown }[] = [];
      client.send = (async (command: { constructor: { name: string }; input: unknown }) => {
        sent.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name === 'ListDistributionsByConnectionModeCommand') return { DistributionList: { Items: [{ ...mt, ConnectionMode: undefined }] } };
        return { DistributionTenantList: disabledTenants };
      }) as unknown as typeof client.send;
      const disabledTenants = [distributionTenant('EMULTI', 'legacy', { Customizations: { WebAcl: { Action: 'disable' } } })];
      const got = await collectMultiTenant(client, [{ ...mt, ConnectionMode: undefined }]);
      client.destroy();
      expect(sent.filter((c) => c.name === 'ListDistributionTenantsCommand').map((c) => c.input)).toEqual([expect.objectContaining({ AssociationFilter: { DistributionId: 'EMULTI' } })]);
      expect(got.tenants).toEqual({ EMULTI: disabledTenants });
    });
  });

  it('a distribution naming a CLOUDFRONT web ACL passes; none needs review (fails where AWS WAF is declared the solution); a WAF Classic id needs review; a disabled distribution is not applicable', () => {
    expect(byArn[distributionArn('EGOOD')]).toMatchObject({ status: 'pass', reason: expect.stringContaining('web ACL cdn') });
    // QSA (6.4.2): "serves the internet with no AWS WAF web ACL; another firewall at its origin is not visible to AWS APIs" was a FAIL.
    expect(byArn[distributionArn('EALLOWALL')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('serves the internet with no AWS WAF web ACL; whether another web application firewall or attack-blocking solution protects it is not in the evidence') });
    expect(evaluateBoth(cloudFrontWebAcls, data, DECLARED).find((r) => r.resource === distributionArn('EALLOWALL'))).toMatchObject({ status: 'fail', reason: expect.stringContaining('awsWafIsWebAppFirewall = true') });
    expect(byArn[distributionArn('EDEFAULTCERT')]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('WAF Classic') });
    expect(byArn[distributionArn('EOFF')].status).toBe('not-applicable');
  });

  it('the CLOUDFRONT web ACL without logging needs review', () => {
    expect(byArn[CDN_ACL]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('CLOUDFRONT web ACL cdn has no logging') });
  });
});

describe('AWS WAF judged by the catalogs (6.4.1, 6.4.2)', () => {
  it('an ALB without a web ACL needs review under the catalog default; the organisation declaring AWS WAF its solution makes it fail', async () => {
    const byDefault = await judgedByCatalogs('wafv2.web-acls', evidence);
    for (const id of ['6.4.1', '6.4.2']) {
      expect(byDefault(id).findings.find((f) => f.resource === lbArn('unprotected')), id).toMatchObject({
        status: 'needs-review',
        reason: expect.stringContaining(`awsWafIsWebAppFirewall = false, set by the catalog default for ${id}`),
      });
    }
    const declared = await judgedByCatalogs('wafv2.web-acls', evidence, { parameterOverrides: { 'pci-dss-4.0.1': { '6.4.2': DECLARED } } });
    expect(declared('6.4.2').findings.find((f) => f.resource === lbArn('unprotected'))).toMatchObject({
      status: 'fail',
      reason: expect.stringContaining(`awsWafIsWebAppFirewall = true, set by the organisation's configuration (parameters.pci-dss-4.0.1."6.4.2".awsWafIsWebAppFirewall)`),
    });
    expect(declared('6.4.2').status).toBe('fail');
  });
});

describe('AWS WAF against the simulated demo account', () => {
  const session = demoSession();

  it('REGIONAL: the checkout ALB is protected, the partner API is not, the marketing web ACL keeps no logs', async () => {
    const { results, calls } = await session.run(queryById('wafv2.web-acls')!, 'us-east-1');
    expect(results.map((r) => [r.resource.split('/').at(-2), r.status])).toEqual([
      ['cardholder-data-checkout', 'pass'],
      ['cardholder-data-partner-api', 'needs-review'],
      ['marketing-site-web', 'pass'],
      ['payments-protection', 'pass'],
      ['marketing-basic', 'needs-review'],
    ]);
    expect(calls.filter((c) => c.operation === 'wafv2:ListWebACLs').map((c) => c.input)).toEqual([expect.objectContaining({ Scope: 'REGIONAL' })]);
    expect(calls.find((c) => c.operation === 'wafv2:GetLoggingConfiguration' && c.error)?.error).toBe('WAFNonexistentItemException');
  });

  it('CLOUDFRONT scope is read through us-east-1 even when the home region is another: the receipts distribution has no web ACL', async () => {
    const { results, calls } = await session.run(queryById('wafv2.cloudfront-web-acls')!, 'us-west-2');
    expect(results.map((r) => r.status)).toEqual(['pass', 'needs-review', 'pass']);
    const list = calls.find((c) => c.operation === 'wafv2:ListWebACLs')!;
    expect(list.input).toMatchObject({ Scope: 'CLOUDFRONT' });
  });

  it('multi-tenant distributions: lists them by connection mode and reads each one\'s tenants (filtered on the distribution, all pages); a tenant disabling the web ACL fails', async () => {
    const state = cloudFrontState(session.sim.world.account(DEMO_ACCOUNT_ID)!);
    const saved = { distributions: state.distributions, tenants: state.tenants };
    const [payments] = state.distributions;
    const mt = { ...payments, Id: 'EMULTITENANT', ARN: payments.ARN!.replace(payments.Id!, 'EMULTITENANT'), ConnectionMode: 'tenant-only' as const, DomainName: '-', Aliases: { Quantity: 0 } };
    state.distributions = [...state.distributions, mt];
    state.tenants = [
      ...Array.from({ length: 101 }, (_, i) => distributionTenant('EMULTITENANT', `shop${i}`)),
      distributionTenant('EMULTITENANT', 'legacy', { Customizations: { WebAcl: { Action: 'disable' } } }),
      distributionTenant(payments.Id!, 'elsewhere', { Customizations: { WebAcl: { Action: 'disable' } } }),
    ];
    try {
      const { results, calls } = await session.run(queryById('wafv2.cloudfront-web-acls')!, 'us-east-1');
      expect(calls.find((c) => c.operation === 'cloudfront:ListDistributionsByConnectionMode')?.input).toMatchObject({ ConnectionMode: 'tenant-only' });
      const tenantCalls = calls.filter((c) => c.operation === 'cloudfront:ListDistributionTenants');
      expect(tenantCalls).toHaveLength(2);
      expect(tenantCalls[0].input).toMatchObject({ AssociationFilter: { DistributionId: 'EMULTITENANT' } });
      const r = results.find((x) => x.resource === mt.ARN)!;
      expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('tenant legacy (web ACL disabled)') });
      expect(r.reason).toContain('tenant shop100 inherits web ACL');
      expect(r.reason).not.toContain('elsewhere');
      expect(results.filter((x) => x.resource === mt.ARN)).toHaveLength(1);
    } finally {
      Object.assign(state, saved);
    }
  });

  it('the simulated WAF refuses CLOUDFRONT scope outside us-east-1 with WAFInvalidParameterException, as AWS WAF does', async () => {
    const { WAFV2Client, ListWebACLsCommand } = await import('@aws-sdk/client-wafv2');
    const { simulatorCredentials } = await import('../../../src/simulator/index.js');
    const client = new WAFV2Client({ region: 'us-west-2', endpoint: session.sim.url, credentials: simulatorCredentials(session.sim), maxAttempts: 1 });
    await expect(client.send(new ListWebACLsCommand({ Scope: 'CLOUDFRONT' }))).rejects.toMatchObject({ name: 'WAFInvalidParameterException', Field: 'SCOPE_VALUE' });
    client.destroy();
  });
});
