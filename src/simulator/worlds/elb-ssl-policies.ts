/** A few of the predefined Elastic Load Balancing security policies, as DescribeSSLPolicies returns them (AWS data, the same in every account). */
import type { SslPolicy } from '@aws-sdk/client-elastic-load-balancing-v2';

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const ECDHE_TLS12 = [
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-RSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES256-SHA384',
];
const RSA_TLS12 = ['AES128-GCM-SHA256', 'AES128-SHA256', 'AES256-GCM-SHA384', 'AES256-SHA256'];
const SHA1_CBC = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'ECDHE-ECDSA-AES256-SHA', 'AES128-SHA', 'AES256-SHA'];

function policy(name: string, protocols: string[], ciphers: string[]): SslPolicy {
  return { Name: name, SslProtocols: protocols, Ciphers: ciphers.map((c, i) => ({ Name: c, Priority: i + 1 })), SupportedLoadBalancerTypes: ['application', 'network'] };
}

export const PREDEFINED_SSL_POLICIES: SslPolicy[] = [
  // Forward-secret AEAD suites only (the console's default for TLS listeners).
  policy('ELBSecurityPolicy-TLS13-1-2-Res-2021-06', ['TLSv1.2', 'TLSv1.3'], [...TLS13, ...ECDHE_TLS12.filter((c) => c.includes('GCM'))]),
  policy('ELBSecurityPolicy-TLS13-1-2-2021-06', ['TLSv1.2', 'TLSv1.3'], [...TLS13, ...ECDHE_TLS12]),
  policy('ELBSecurityPolicy-TLS13-1-3-2021-06', ['TLSv1.3'], TLS13),
  policy('ELBSecurityPolicy-TLS-1-2-2017-01', ['TLSv1.2'], [...ECDHE_TLS12, ...RSA_TLS12]),
  policy('ELBSecurityPolicy-2016-08', ['TLSv1', 'TLSv1.1', 'TLSv1.2'], [...ECDHE_TLS12.slice(0, 4), ...SHA1_CBC.slice(0, 2), ...ECDHE_TLS12.slice(4), ...SHA1_CBC.slice(2, 4), ...RSA_TLS12, ...SHA1_CBC.slice(4)]),
];
