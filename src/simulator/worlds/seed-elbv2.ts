/** Load balancers of the demo account: TLS listeners with current and legacy SSL policies, HTTP listeners with and without a redirect. */
import type { Action, Listener, LoadBalancer, Rule } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { elbv2State, type Elbv2State } from '../services/elbv2.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;
const forward = (tg: string): Action => ({ Type: 'forward', TargetGroupArn: tg, Order: 1 });
const toHttps: Action = { Type: 'redirect', Order: 1, RedirectConfig: { Protocol: 'HTTPS', Port: '443', Host: '#{host}', Path: '/#{path}', Query: '#{query}', StatusCode: 'HTTP_301' } };

interface ListenerSpec {
  protocol: 'HTTP' | 'HTTPS' | 'TLS' | 'TCP';
  port: number;
  sslPolicy?: string;
  defaultAction: 'forward' | 'redirect';
  /** Extra rules that forward plain HTTP (path patterns). */
  forwardPaths?: string[];
}

function addLoadBalancer(s: Elbv2State, account: SimAccount, region: string, now: Date, name: string, type: 'application' | 'network', scheme: 'internet-facing' | 'internal', vpc: string, specs: ListenerSpec[]): LoadBalancer {
  const kind = type === 'application' ? 'app' : 'net';
  const id = stableHex(`${account.id}/${region}/${name}`, 16);
  const arn = `arn:aws:elasticloadbalancing:${region}:${account.id}:loadbalancer/${kind}/${name}/${id}`;
  const tg = `arn:aws:elasticloadbalancing:${region}:${account.id}:targetgroup/${name}-tg/${stableHex(`${arn}/tg`, 16)}`;
  const lb: LoadBalancer = {
    LoadBalancerArn: arn,
    DNSName: `${scheme === 'internal' ? 'internal-' : ''}${name}-${stableHex(arn, 10)}.${region}.elb.amazonaws.com`,
    CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    CreatedTime: new Date(now.getTime() - 400 * DAY),
    LoadBalancerName: name,
    Scheme: scheme,
    VpcId: vpc,
    State: { Code: 'active' },
    Type: type,
    AvailabilityZones: [`${region}a`, `${region}b`].map((z, i) => ({ ZoneName: z, SubnetId: `subnet-0${stableHex(`${vpc}/${i}`, 16)}` })),
    IpAddressType: 'ipv4',
    ...(type === 'application' ? { SecurityGroups: [`sg-0${stableHex(`${arn}/sg`, 16)}`] } : {}),
  };
  s.loadBalancers.push(lb);
  for (const spec of specs) {
    const listenerArn = `arn:aws:elasticloadbalancing:${region}:${account.id}:listener/${kind}/${name}/${id}/${stableHex(`${arn}/${spec.port}`, 16)}`;
    const tls = spec.protocol === 'HTTPS' || spec.protocol === 'TLS';
    const listener: Listener = {
      ListenerArn: listenerArn,
      LoadBalancerArn: arn,
      Port: spec.port,
      Protocol: spec.protocol,
      DefaultActions: [spec.defaultAction === 'redirect' ? toHttps : forward(tg)],
      ...(tls ? { SslPolicy: spec.sslPolicy, Certificates: [{ CertificateArn: `arn:aws:acm:${region}:${account.id}:certificate/${stableHex(`${account.id}/${region}/cert/${name}`, 8)}-${stableHex(name, 4)}-4${stableHex(name, 3)}-8${stableHex(`${name}/c`, 3)}-${stableHex(`${name}/d`, 12)}` }] } : {}),
    };
    s.listeners.push(listener);
    if (type !== 'application') continue;
    const rules: Rule[] = (spec.forwardPaths ?? []).map((path, i) => ({
      RuleArn: `arn:aws:elasticloadbalancing:${region}:${account.id}:listener-rule/${kind}/${name}/${id}/${stableHex(listenerArn, 16)}/${stableHex(`${listenerArn}/${i}`, 16)}`,
      Priority: String(10 * (i + 1)),
      Conditions: [{ Field: 'path-pattern', Values: [path], PathPatternConfig: { Values: [path] } }],
      Actions: [forward(tg)],
      IsDefault: false,
    }));
    rules.push({ RuleArn: `arn:aws:elasticloadbalancing:${region}:${account.id}:listener-rule/${kind}/${name}/${id}/${stableHex(listenerArn, 16)}/${stableHex(`${listenerArn}/default`, 16)}`, Priority: 'default', Conditions: [], Actions: listener.DefaultActions, IsDefault: true });
    s.rules[listenerArn] = rules;
  }
  return lb;
}

/** The demo account's load balancer names, for the WAF and certificate seeds. */
export const DEMO_LOAD_BALANCERS = { checkout: 'cardholder-data-checkout', partner: 'cardholder-data-partner-api', marketing: 'marketing-site-web', internal: 'orders-internal' } as const;

/**
 * Demo (home region only): the checkout load balancer is TLS 1.2+ with HTTP redirected (passes); the partner API still
 * offers TLS 1.0 and forwards /health over HTTP (fails); the marketing site serves plain HTTP (fails, out of scope);
 * the internal orders load balancer serves HTTP inside the VPC (needs review). Generated accounts: none.
 */
export function seedElbv2(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  const region = world.regions[0];
  const s = elbv2State(account, region);
  const vpc = `vpc-0${stableHex(`${account.id}/${region}/vpc`, 16)}`;
  const L = DEMO_LOAD_BALANCERS;
  addLoadBalancer(s, account, region, world.now, L.checkout, 'application', 'internet-facing', vpc, [
    { protocol: 'HTTPS', port: 443, sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06', defaultAction: 'forward' },
    { protocol: 'HTTP', port: 80, defaultAction: 'redirect' },
  ]);
  addLoadBalancer(s, account, region, world.now, L.partner, 'application', 'internet-facing', vpc, [
    { protocol: 'HTTPS', port: 443, sslPolicy: 'ELBSecurityPolicy-2016-08', defaultAction: 'forward' },
    { protocol: 'HTTP', port: 80, defaultAction: 'redirect', forwardPaths: ['/health'] },
  ]);
  addLoadBalancer(s, account, region, world.now, L.marketing, 'application', 'internet-facing', vpc, [{ protocol: 'HTTP', port: 80, defaultAction: 'forward' }]);
  addLoadBalancer(s, account, region, world.now, L.internal, 'application', 'internal', vpc, [{ protocol: 'HTTP', port: 8080, defaultAction: 'forward' }]);
}
