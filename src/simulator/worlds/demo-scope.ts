/**
 * The scope the demo's embedded configuration declares: the demo account's cardholder data environment (PCI DSS)
 * and its systems holding ePHI (HIPAA), with connected systems and exclusions, so the demo shows both populations.
 */
import type { ScopeConfig } from '../../config/scope.js';
import { DEMO_ACCOUNT_ID } from './demo.js';

const connected = [
  { resource: '*cloudtrail*', reason: 'audit log storage and delivery (CloudTrail bucket and log group)' },
  { resource: '*access-logs*', reason: 'access-log storage for in-scope buckets' },
  { resourceType: 'AWS::KMS::Key', reason: 'key management protecting in-scope data' },
];

const exclude = [
  { resource: '*marketing-site*', reason: 'public marketing website: no account data or ePHI, segmented from the in-scope network' },
  { resource: 'demo-production-legacy-uploads', reason: 'sandbox bucket: holds no account data or ePHI (data discovery to confirm)' },
];

export const DEMO_SCOPE: ScopeConfig = {
  'pci-dss-4.0.1': {
    description: 'cardholder data environment of the payments platform in us-east-1 and the systems connected to it',
    accounts: [DEMO_ACCOUNT_ID],
    include: [
      { resource: '*cardholder-data*', reason: 'stores cardholder data' },
      { resource: '*:db:orders-db', reason: 'order database: stores transaction records with account data' },
      { resource: '*:log-group:/app/payments', reason: 'payment application logs' },
      { resource: '*:log-group:/aws/lambda/checkout', reason: 'checkout function logs' },
      { resourceType: 'AWS::EC2::Instance', region: 'us-east-1', reason: 'payment application servers' },
      { resourceType: 'AWS::EC2::SecurityGroup', region: 'us-east-1', reason: 'network security controls of the payments VPC' },
      { resource: '*:function:checkout', reason: 'checkout function of the payment flow' },
      { resource: '*:function:legacy-report-export', reason: 'exports order reports (transaction records with account data)' },
      { resource: '*:repository/payments-*', reason: 'container images of the payment application' },
      { resource: '*:repository/batch-tools', reason: 'tooling image run on the in-scope batch host' },
      { resource: '*:secret:payments/*', reason: 'credentials of the payment processor' },
      { resource: '*:secret:partners/*', reason: 'credentials of payment partners’ webhooks' },
    ],
    connected,
    exclude,
  },
  'hipaa-security': {
    description: 'systems that create, receive, maintain or transmit ePHI, and the systems protecting them',
    accounts: [DEMO_ACCOUNT_ID],
    include: [
      { resource: '*:db:legacy-reporting', reason: 'patient reporting database (ePHI)' },
      { resource: '*evidence-archive*', reason: 'archive of patient records (ePHI)' },
      { resourceType: 'AWS::EC2::Instance', reason: 'application servers processing ePHI' },
      { resource: '*:function:legacy-report-export', reason: 'exports patient reports (ePHI)' },
      { resource: '*:secret:reporting/*', reason: 'credentials of the patient reporting database' },
    ],
    connected,
    exclude,
  },
};
