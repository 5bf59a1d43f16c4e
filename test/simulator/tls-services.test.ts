import { describe, expect, it } from 'vitest';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand } from '@aws-sdk/client-acm';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeSSLPoliciesCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeLoadBalancers,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetLoggingConfigurationCommand, ListWebACLsCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import { clientConfig, useSimulator } from './helpers.js';

describe('simulated ELBv2, ACM, CloudFront and WAFv2 through the real SDK clients (demo account)', () => {
  const sim = useSimulator();

  it('ELBv2 (awsQuery): load balancers page with Marker/PageSize; published errors map to the SDK exceptions', async () => {
    const elb = new ElasticLoadBalancingV2Client(clientConfig(sim()));
    const pages = [];
    for await (const page of paginateDescribeLoadBalancers({ client: elb }, { PageSize: 3 })) pages.push(page.LoadBalancers?.map((lb) => lb.LoadBalancerName));
    expect(pages).toEqual([['cardholder-data-checkout', 'cardholder-data-partner-api', 'marketing-site-web'], ['orders-internal']]);
    const first = (await elb.send(new DescribeLoadBalancersCommand({ Names: ['cardholder-data-checkout'] }))).LoadBalancers![0];
    expect(first).toMatchObject({ Scheme: 'internet-facing', Type: 'application', State: { Code: 'active' }, CreatedTime: expect.any(Date) });
    const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: first.LoadBalancerArn }))).Listeners!;
    expect(listeners.map((l) => [l.Protocol, l.Port, l.DefaultActions?.[0].Type])).toEqual([['HTTPS', 443, 'forward'], ['HTTP', 80, 'redirect']]);
    expect(listeners[1].DefaultActions?.[0].RedirectConfig).toMatchObject({ Protocol: 'HTTPS', StatusCode: 'HTTP_301' });
    await expect(elb.send(new DescribeListenersCommand({ LoadBalancerArn: `${first.LoadBalancerArn}0` }))).rejects.toMatchObject({ name: 'LoadBalancerNotFoundException' });
    await expect(elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-Nope'] }))).rejects.toMatchObject({ name: 'SSLPolicyNotFoundException' });
    await expect(elb.send(new DescribeLoadBalancersCommand({ PageSize: 401 }))).rejects.toMatchObject({ name: 'ValidationError' });
    const policy = (await elb.send(new DescribeSSLPoliciesCommand({ Names: ['ELBSecurityPolicy-TLS13-1-2-2021-06'] }))).SslPolicies![0];
    expect(policy.SslProtocols).toEqual(['TLSv1.2', 'TLSv1.3']);
    expect(policy.Ciphers?.[0]).toEqual({ Name: 'TLS_AES_128_GCM_SHA256', Priority: 1 });
    elb.destroy();
  });

  it('ACM (awsJson1_1): dates decode, a malformed ARN is InvalidArnException and an unknown one ResourceNotFoundException', async () => {
    const acm = new ACMClient(clientConfig(sim()));
    const list = await acm.send(new ListCertificatesCommand({ Includes: { keyTypes: ['RSA_2048', 'EC_prime256v1'] }, MaxItems: 2 }));
    expect(list.CertificateSummaryList).toHaveLength(2);
    expect(list.NextToken).toEqual(expect.any(String));
    const d = await acm.send(new DescribeCertificateCommand({ CertificateArn: list.CertificateSummaryList![0].CertificateArn }));
    expect(d.Certificate?.NotAfter).toBeInstanceOf(Date);
    await expect(acm.send(new DescribeCertificateCommand({ CertificateArn: 'not-an-arn' }))).rejects.toMatchObject({ name: 'InvalidArnException' });
    await expect(acm.send(new DescribeCertificateCommand({ CertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-4000-8000-000000000000' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(acm.send(new ListCertificatesCommand({ NextToken: 'bogus' }))).rejects.toMatchObject({ name: 'InvalidArgsException' });
    acm.destroy();
  });

  it('CloudFront (restXml): wrapped lists decode (aliases, origins, viewer certificate); a bad MaxItems is InvalidArgument', async () => {
    const cf = new CloudFrontClient(clientConfig(sim()));
    const out = await cf.send(new ListDistributionsCommand({}));
    const d = out.DistributionList!;
    expect(d).toMatchObject({ IsTruncated: false, Quantity: 2 });
    expect(d.Items![0]).toMatchObject({ Aliases: { Quantity: 1, Items: ['pay.example.com'] }, ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SSLSupportMethod: 'sni-only' }, Enabled: true });
    expect(d.Items![1].Origins?.Items?.[0].CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'http-only', OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] } });
    await expect(cf.send(new ListDistributionsCommand({ MaxItems: 1000 }))).rejects.toMatchObject({ name: 'InvalidArgument' });
    cf.destroy();
  });

  it('WAFv2 (awsJson1_1): no logging is WAFNonexistentItemException; a bad scope is WAFInvalidParameterException', async () => {
    const waf = new WAFV2Client(clientConfig(sim()));
    const acls = (await waf.send(new ListWebACLsCommand({ Scope: 'REGIONAL' }))).WebACLs!;
    expect(acls.map((a) => a.Name)).toEqual(['payments-protection', 'marketing-basic']);
    await expect(waf.send(new GetLoggingConfigurationCommand({ ResourceArn: acls[1].ARN }))).rejects.toMatchObject({ name: 'WAFNonexistentItemException' });
    expect((await waf.send(new ListWebACLsCommand({ Scope: 'CLOUDFRONT' }))).WebACLs?.map((a) => a.Name)).toEqual(['cdn-protection']);
    await expect(waf.send(new ListWebACLsCommand({ Scope: 'REGIONAL', Limit: 500 }))).rejects.toMatchObject({ name: 'WAFInvalidParameterException' });
    waf.destroy();
  });
});
