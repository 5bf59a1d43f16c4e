/** AWS WAF of the demo account: a logged web ACL in front of the checkout load balancer, an unlogged one on the marketing site, a logged CloudFront one. */
import type { LoggingConfiguration } from '@aws-sdk/client-wafv2';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { elbv2State } from '../services/elbv2.js';
import { wafv2State, type SimWebAcl } from '../services/wafv2.js';
import { stableHex } from './builders.js';
import { DEMO_LOAD_BALANCERS } from './seed-elbv2.js';

function uuid(seed: string): string {
  const h = stableHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function webAclArn(accountId: string, region: string, scope: 'regional' | 'global', name: string): string {
  return `arn:aws:wafv2:${region}:${accountId}:${scope}/webacl/${name}/${uuid(`${accountId}/${region}/${scope}/${name}`)}`;
}

/** The CLOUDFRONT-scope web ACL the demo's checkout distribution names in its WebACLId. */
export const demoCloudFrontAclArn = (accountId: string) => webAclArn(accountId, 'us-east-1', 'global', 'cdn-protection');

function webAcl(accountId: string, region: string, scope: 'regional' | 'global', name: string, description: string, resources: string[], logged: boolean): SimWebAcl {
  const arn = webAclArn(accountId, region, scope, name);
  const logging: LoggingConfiguration | undefined = logged
    ? { ResourceArn: arn, LogDestinationConfigs: [`arn:aws:logs:${region}:${accountId}:log-group:aws-waf-logs-${name}`], ManagedByFirewallManager: false, LogType: 'WAF_LOGS', LogScope: 'CUSTOMER' }
    : undefined;
  return { summary: { Name: name, Id: arn.split('/').at(-1), Description: description, LockToken: uuid(`${arn}/lock`), ARN: arn }, resources, logging };
}

/**
 * Demo (home region): `payments-protection` (logged) protects the checkout load balancer; `marketing-basic` (no logging)
 * protects the marketing site; the partner API load balancer has none. CLOUDFRONT scope (us-east-1): `cdn-protection`,
 * logged. Generated accounts: none.
 */
export function seedWafv2(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  const region = world.regions[0];
  const lbArn = (name: string) => elbv2State(account, region).loadBalancers.find((lb) => lb.LoadBalancerName === name)?.LoadBalancerArn ?? '';
  const s = wafv2State(account, region);
  s.regional.push(webAcl(account.id, region, 'regional', 'payments-protection', 'AWS managed core rule set and known bad inputs, blocking', [lbArn(DEMO_LOAD_BALANCERS.checkout)], true));
  s.regional.push(webAcl(account.id, region, 'regional', 'marketing-basic', 'IP reputation list only', [lbArn(DEMO_LOAD_BALANCERS.marketing)], false));
  wafv2State(account, 'us-east-1').cloudfront.push(webAcl(account.id, 'us-east-1', 'global', 'cdn-protection', 'AWS managed core rule set for the payment pages', [], true));
}
