/**
 * The scope the demo's embedded configuration declares: the demo account's cardholder data environment (PCI DSS)
 * and its systems holding ePHI (HIPAA), with connected systems and exclusions, so the demo shows both populations.
 * Data stores are selected by their tags (demo-tags.ts), as an organisation that classifies its resources would.
 */
import type { FrameworkScope, ScopeConfig } from '../../config/scope.js';
import type { Config } from '../../config/schema.js';
import { DEMO_ACCOUNT_ID, DEMO_REGIONS } from './demo.js';
import { DEFAULT_REGIONS } from '../regions.js';

export { DEMO_SCOPE_TAGS, demoScopeTags, type DemoClassification } from './demo-tags.js';

const connected = [
  { resource: '*cloudtrail*', reason: 'audit log storage and delivery (CloudTrail bucket and log group)' },
  { resource: '*access-logs*', reason: 'access-log storage for in-scope buckets' },
  { resourceType: 'AWS::KMS::Key', reason: 'key management protecting in-scope data' },
  { resourceType: 'AWS::CertificateManager::Certificate', reason: 'certificates of in-scope endpoints' },
  { resourceType: 'AWS::WAFv2::WebACL', reason: 'web application firewall in front of in-scope endpoints' },
];

/**
 * The regions enabled in the demo account that the demo does not collect (every default region but DEMO_REGIONS):
 * declared out of scope with a reason, so the package says why they were not looked at instead of leaving them silent.
 */
export const DEMO_UNUSED_REGIONS: readonly string[] = DEFAULT_REGIONS.filter((r) => !(DEMO_REGIONS as readonly string[]).includes(r));
export const DEMO_UNUSED_REGION_REASON = `no workload runs there: the demo platform uses ${DEMO_REGIONS.join(' and ')} only (a real organisation shows the assessor how, e.g. a service control policy denying the other regions)`;

const exclude: FrameworkScope['exclude'] = [
  { tags: { workload: 'marketing' }, reason: 'public marketing website: no account data or ePHI, segmented from the in-scope network' },
  { tags: { environment: 'sandbox' }, reason: 'sandbox: holds no account data or ePHI (data discovery to confirm)' },
  ...DEMO_UNUSED_REGIONS.map((region) => ({ region, reason: DEMO_UNUSED_REGION_REASON })),
];

export const DEMO_SCOPE: ScopeConfig = {
  'pci-dss-4.0.1': {
    description: 'cardholder data environment of the payments platform in us-east-1 and the systems connected to it',
    accounts: [DEMO_ACCOUNT_ID],
    include: [
      { tags: { 'data-classification': 'cardholder-data' }, reason: 'stores or logs cardholder data (tagged data-classification=cardholder-data)' },
      { resourceType: 'AWS::EC2::Instance', region: 'us-east-1', reason: 'payment application servers' },
      { resourceType: 'AWS::EC2::SecurityGroup', region: 'us-east-1', reason: 'network security controls of the payments VPC' },
      { resourceType: 'AWS::EC2::NetworkAcl', region: 'us-east-1', reason: 'subnet filters of the payments VPC' },
      { resourceType: 'AWS::EC2::Subnet', region: 'us-east-1', reason: 'subnets of the payments VPC (routes to the internet)' },
      { resourceType: 'AWS::EC2::VPC', region: 'us-east-1', reason: 'payments VPC (network activity logs)' },
      { resourceType: 'AWS::NetworkFirewall::Firewall', region: 'us-east-1', reason: 'egress firewall of the payments VPC' },
      { resourceType: 'AWS::CloudFront::Distribution', reason: 'delivers the payment and receipt pages' },
      { resource: '*:loadbalancer/app/cardholder-data-*', reason: 'load balancers in front of the payment application' },
    ],
    connected,
    exclude,
  },
  'hipaa-security': {
    description: 'systems that create, receive, maintain or transmit ePHI, and the systems protecting them',
    accounts: [DEMO_ACCOUNT_ID],
    include: [
      { tags: { 'data-classification': 'ephi' }, reason: 'holds ePHI (tagged data-classification=ephi)' },
      { resourceType: 'AWS::EC2::Instance', reason: 'application servers processing ePHI' },
      { resourceType: 'AWS::EC2::VPC', reason: 'networks carrying ePHI between the application servers' },
      // What receives and transmits ePHI for those servers, and what protects them (the marketing site's load balancer
      // is excluded by its workload tag).
      { resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer', reason: 'load balancers in front of the application servers: they receive and transmit ePHI' },
      { resourceType: 'AWS::EC2::SecurityGroup', reason: 'network security controls protecting the application servers' },
      { resourceType: 'AWS::EC2::NetworkAcl', reason: 'subnet filters protecting the application servers' },
    ],
    connected,
    exclude,
  },
};

/**
 * What the demo organisation is for PCI DSS: a healthcare provider that takes card payments from its own patients in
 * its own account (a merchant). It stores, processes or transmits no account data for other entities, hosts no other
 * entity's environment, and no payment brand or acquirer designated it for supplemental validation.
 */
export const DEMO_ENTITY: Config['entity'] = {
  'pci-dss-4.0.1': { serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false },
};
