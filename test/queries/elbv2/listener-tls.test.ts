import { describe, expect, it } from 'vitest';
import { PREDEFINED_SSL_POLICIES } from '../../../src/simulator/worlds/elb-ssl-policies.js';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { listenerTls } from '../../../src/queries/elbv2/listener-tls.js';
import type { ResourceResult } from '../../../src/queries/types.js';
import { ACCOUNT, REGION, evidence, listenerArn, listenersByLb } from '../../fixtures/elbv2/listeners.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: '2026-06-01T00:00:00.000Z' };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

function evaluateBoth(data: unknown): ResourceResult[] {
  const fresh = listenerTls.evaluate(data, {}, ctx);
  expect(listenerTls.evaluate(roundTrip(data), {}, ctx)).toEqual(fresh);
  return fresh;
}

describe('elbv2.listener-tls', () => {
  const byArn = Object.fromEntries(evaluateBoth(evidence).map((r) => [r.resource, r]));

  it('a TLS 1.2+ policy and an HTTP listener redirecting to HTTPS pass', () => {
    expect(byArn[listenerArn('public-good', 443)]).toMatchObject({ status: 'pass', reason: expect.stringContaining('TLSv1.2, TLSv1.3') });
    expect(byArn[listenerArn('public-good', 80)]).toMatchObject({ status: 'pass', reason: expect.stringContaining('redirects every request to HTTPS') });
    // A listener is in scope with its load balancer.
    expect(byArn[listenerArn('public-good', 443)].parent).toEqual({ resource: listenerArn('public-good', 443).replace(':listener/', ':loadbalancer/').replace(/\/[^/]+$/, ''), resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer' });
  });

  it('a policy still allowing TLS 1.0/1.1 fails; internet-facing HTTP without a redirect fails', () => {
    expect(byArn[listenerArn('public-legacy', 443)]).toMatchObject({ status: 'fail', reason: expect.stringContaining('still accepts TLSv1 and TLSv1.1') });
    expect(byArn[listenerArn('public-legacy', 80)]).toMatchObject({ status: 'fail', reason: expect.stringContaining('plain HTTP on the internet') });
  });

  it('internal plain HTTP needs review, including a path rule that forwards behind a redirecting default; TCP pass-through needs review', () => {
    expect(byArn[listenerArn('internal-http', 8080)]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('inside the VPC') });
    expect(byArn[listenerArn('internal-http', 81)]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('priority 5') });
    expect(byArn[listenerArn('tcp-passthrough', 5432)]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('without terminating TLS') });
  });

  it('an HTTP listener answering only with a fixed response needs review rather than passing', () => {
    const [https, http] = listenersByLb['public-good'].Listeners!;
    const fixed = { ...http, DefaultActions: [{ Type: 'fixed-response' as const, FixedResponseConfig: { StatusCode: '403' } }] };
    const data = { ...evidence, listeners: { ...evidence.listeners, [https.LoadBalancerArn!]: [https, fixed] } };
    expect(evaluateBoth(data).find((r) => r.resource === listenerArn('public-good', 80))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('fixed response (status 403)') });
  });

  it('a TLS 1.2-only policy keeping suites without forward secrecy or CBC suites with a SHA-1 MAC needs review, listing them (as CloudFront’s TLSv1.2_2018 does); no cipher suites listed needs review', () => {
    const [https] = listenersByLb['public-good'].Listeners!;
    const withPolicy = (Name: string, ciphers: string[], SslProtocols = ['TLSv1.2']) => ({
      ...evidence,
      listeners: { ...evidence.listeners, [https.LoadBalancerArn!]: [{ ...https, SslPolicy: Name }] },
      sslPolicies: [{ Name, SslProtocols, Ciphers: ciphers.map((c, i) => ({ Name: c, Priority: i + 1 })) }],
    });
    const judge = (name: string, ciphers: string[], protocols?: string[]) => evaluateBoth(withPolicy(name, ciphers, protocols)).find((r) => r.resource === listenerArn('public-good', 443))!;
    const ext = judge('ELBSecurityPolicy-TLS-1-2-Ext-2018-06', ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA384', 'AES128-GCM-SHA256', 'AES128-SHA256', 'AES128-SHA', 'AES256-SHA']);
    expect(ext.status).toBe('needs-review');
    expect(ext.reason).toContain('without forward secrecy (RSA key transport: AES128-GCM-SHA256, AES128-SHA256, AES128-SHA, AES256-SHA)');
    expect(ext.reason).toContain('CBC or RC4 cipher suites with a SHA-1 or MD5 MAC (ECDHE-RSA-AES128-SHA, AES128-SHA, AES256-SHA)');
    expect(ext.reason).not.toContain('ECDHE-RSA-AES256-SHA384');
    expect(ext.reason).toContain('whether they are acceptable strong cryptography is for the assessor to decide');
    // AWS's ELBSecurityPolicy-TLS13-1-2-2021-06 as DescribeSSLPolicies lists it: ECDHE CBC suites with SHA-256/384 MACs,
    // which NIST SP 800-52r2 lists, pass beside the AEAD ones; the pass says what was checked.
    const tls13 = PREDEFINED_SSL_POLICIES.find((p) => p.Name === 'ELBSecurityPolicy-TLS13-1-2-2021-06')!;
    const names = tls13.Ciphers!.map((c) => c.Name!);
    expect(names).toEqual(expect.arrayContaining(['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384']));
    expect(judge(tls13.Name!, names, tls13.SslProtocols)).toMatchObject({
      status: 'pass',
      reason: expect.stringContaining(`with ${names.length} cipher suites; nothing older than TLS 1.2 is negotiated with clients, and every TLS 1.2 cipher suite is forward secret (ECDHE or DHE key exchange) and none is a CBC or RC4 suite with a SHA-1 or MD5 MAC`),
    });
    expect(judge('ELBSecurityPolicy-TLS13-1-2-Res-2021-06', ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']).status).toBe('pass');
    // A forward-secret CBC suite with a SHA-1 MAC alone is enough for review (ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06 keeps them).
    expect(judge('ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06', ['TLS_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-ECDSA-AES128-SHA'])).toMatchObject({
      status: 'needs-review',
      reason: expect.stringContaining('offers CBC or RC4 cipher suites with a SHA-1 or MD5 MAC (ECDHE-ECDSA-AES128-SHA), which ELBSecurityPolicy-TLS13-1-2-2021-06'),
    });
    expect(judge('Empty', []).status).toBe('needs-review');
  });

  it('an HTTP listener redirecting by default but answering a path with a fixed-response rule needs review, as a fixed-response default action does', () => {
    const [, http] = listenersByLb['public-good'].Listeners!;
    const fixedRule = { RuleArn: `${http.ListenerArn!.replace(':listener/', ':listener-rule/')}/7`, Priority: '1', Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: [{ Type: 'fixed-response' as const, FixedResponseConfig: { StatusCode: '200', ContentType: 'application/json', MessageBody: '{"ok":true}' } }], IsDefault: false };
    const withRules = (extra: object[]) => ({ ...evidence, httpRules: { ...evidence.httpRules, [http.ListenerArn!]: [...extra, ...(evidence.httpRules[http.ListenerArn!] as object[])] } });
    expect(evaluateBoth(withRules([fixedRule])).find((r) => r.resource === listenerArn('public-good', 80))).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('redirects to HTTPS by default, but 1 rule(s) (priority 1 status 200) answer with a fixed response over plain HTTP') });
    // A rule with an action type this query does not know is not taken for a redirect.
    const unknown = { ...fixedRule, Priority: '2', Actions: [{ Type: 'some-new-action' }] };
    expect(evaluateBoth(withRules([unknown])).find((r) => r.resource === listenerArn('public-good', 80))).toMatchObject({ status: 'fail', reason: expect.stringContaining('priority 2') });
  });

  it('a policy DescribeSSLPolicies did not describe is unknown (error), never a pass', () => {
    expect(byArn[listenerArn('public-legacy', 8443)]).toMatchObject({ status: 'error', reason: expect.stringContaining('Custom-Unknown-Policy') });
  });

  it('a failed DescribeSSLPolicies or DescribeListeners call keeps the other results and judges only its part as error', () => {
    const denied = { error: { code: 'AccessDenied', message: 'not authorized' } };
    const results = evaluateBoth({ ...evidence, sslPolicies: denied, listeners: { ...evidence.listeners, [evidence.loadBalancers[2].LoadBalancerArn!]: denied } });
    const s = Object.fromEntries(results.map((r) => [r.resource, r.status]));
    expect(s[listenerArn('public-good', 443)]).toBe('error');
    expect(s[listenerArn('public-good', 80)]).toBe('pass');
    expect(s[evidence.loadBalancers[2].LoadBalancerArn!]).toBe('error');
    expect(s[listenerArn('tcp-passthrough', 5432)]).toBe('needs-review');
  });

  it('missing evidence is an error; no load balancers is not-applicable', () => {
    expect(evaluateBoth({ loadBalancers: [] }).map((r) => r.status)).toEqual(['error']);
    expect(evaluateBoth({ loadBalancers: [], listeners: {}, httpRules: {}, sslPolicies: [] }).map((r) => r.status)).toEqual(['not-applicable']);
  });
});

describe('elbv2.listener-tls against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('elbv2.listener-tls')!;

  it('home region: checkout passes, the partner API (TLS 1.0 policy, /health over HTTP) and the marketing site fail, the internal load balancer needs review', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    expect(results.map((r) => [r.resource.split('/')[2], r.status])).toEqual([
      ['cardholder-data-checkout', 'pass'],
      ['cardholder-data-checkout', 'pass'],
      ['cardholder-data-partner-api', 'fail'],
      ['cardholder-data-partner-api', 'fail'],
      ['marketing-site-web', 'fail'],
      ['orders-internal', 'needs-review'],
    ]);
    expect(results[3].reason).toContain('priority 10');
    const ops = calls.map((c) => c.operation);
    expect(ops[0]).toBe('elasticloadbalancing:DescribeLoadBalancers');
    expect(ops.at(-1)).toBe('elasticloadbalancing:DescribeSSLPolicies');
    expect(calls.at(-1)!.input).toMatchObject({ Names: ['ELBSecurityPolicy-2016-08', 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06'] });
  });

  it('second region: no load balancers, not applicable', async () => {
    const { results } = await session.run(q, 'us-west-2');
    expect(results.map((r) => r.status)).toEqual(['not-applicable']);
  });
});
