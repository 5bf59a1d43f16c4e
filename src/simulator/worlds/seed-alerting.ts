/**
 * Alerting in the demo account and generated accounts: CloudWatch Logs metric filters on the trail's log group, the
 * alarms on their metrics, the SNS topics those alarms notify, and EventBridge rules for security findings.
 */
import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { MetricFilter } from '@aws-sdk/client-cloudwatch-logs';
import type { Subscription } from '@aws-sdk/client-sns';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { cloudWatchState } from '../services/cloudwatch.js';
import { eventBridgeState } from '../services/events.js';
import { logsState } from '../services/logs.js';
import { snsState } from '../services/sns.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;

const names = (list: string) => list.split(' ').map((n) => `($.eventName = ${n})`).join(' || ');

/** The CIS AWS Foundations Benchmark filter patterns, as operators paste them. */
const CIS_PATTERNS: Record<string, string> = {
  'unauthorized-api-calls': '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
  'console-signin-without-mfa': '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
  'root-account-usage': '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
  'iam-policy-changes': `{ ${names('DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy PutRolePolicy PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion DeletePolicyVersion AttachRolePolicy DetachRolePolicy AttachUserPolicy DetachUserPolicy AttachGroupPolicy DetachGroupPolicy')} }`,
  'cloudtrail-config-changes': `{ ${names('CreateTrail UpdateTrail DeleteTrail StartLogging StopLogging')} }`,
  'console-authentication-failures': '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
  'cmk-disable-or-deletion': '{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }',
  's3-bucket-policy-changes': `{ ($.eventSource = s3.amazonaws.com) && (${names('PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication')}) }`,
  'config-changes': `{ ($.eventSource = config.amazonaws.com) && (${names('StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel PutConfigurationRecorder')}) }`,
  'security-group-changes': `{ ${names('AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup')} }`,
  'nacl-changes': `{ ${names('CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry ReplaceNetworkAclEntry ReplaceNetworkAclAssociation')} }`,
  'network-gateway-changes': `{ ${names('CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway CreateInternetGateway DeleteInternetGateway DetachInternetGateway')} }`,
  'route-table-changes': `{ ${names('CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation DeleteRouteTable DeleteRoute DisassociateRouteTable')} }`,
  'vpc-changes': `{ ${names('CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection CreateVpcPeeringConnection DeleteVpcPeeringConnection RejectVpcPeeringConnection AttachClassicLinkVpc DetachClassicLinkVpc DisableVpcClassicLink EnableVpcClassicLink')} }`,
};

/** How the demo wires each event: `alarm` to a topic, a `filter` without alarm, or `none`. */
type Wiring = { alarm: 'security-alerts' | 'ops-alerts' | 'org-security' } | 'filter-only' | 'none';

/**
 * Demo home region: nine events alarm to a topic with a confirmed e-mail subscription; Config changes alarm to a
 * topic whose only subscription was never confirmed; network ACL changes have a filter but no alarm; VPC changes
 * alarm to a topic in the security account (not visible from here); gateway and route table changes are not watched.
 */
const DEMO_WIRING: Record<string, Wiring> = {
  'config-changes': { alarm: 'ops-alerts' },
  'nacl-changes': 'filter-only',
  'vpc-changes': { alarm: 'org-security' },
  'network-gateway-changes': 'none',
  'route-table-changes': 'none',
};

/** The demo organisation's security tooling account, whose topic receives some alarms. */
const SECURITY_TOOLING_ACCOUNT = '999988887777';

function subscription(topicArn: string, endpoint: string, confirmedSub: boolean): Subscription {
  return {
    SubscriptionArn: confirmedSub ? `${topicArn}:${stableHex(`${topicArn}/${endpoint}`, 8)}-${stableHex(endpoint, 4)}-4${stableHex('sub', 3)}-8${stableHex(topicArn, 3)}-${stableHex(`${endpoint}/sub`, 12)}` : 'PendingConfirmation',
    Owner: topicArn.split(':')[4],
    Protocol: 'email',
    Endpoint: endpoint,
    TopicArn: topicArn,
  };
}

function alarm(account: SimAccount, region: string, event: string, topicArn: string, now: Date): MetricAlarm {
  const name = `cis-${event}`;
  return {
    AlarmName: name,
    AlarmArn: `arn:aws:cloudwatch:${region}:${account.id}:alarm:${name}`,
    AlarmDescription: `CIS AWS Foundations monitoring: ${event}`,
    AlarmConfigurationUpdatedTimestamp: new Date(now.getTime() - 200 * DAY),
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [topicArn],
    InsufficientDataActions: [],
    StateValue: 'OK',
    StateReason: 'Threshold Crossed: 1 datapoint [0.0] was not greater than or equal to the threshold (1.0).',
    StateUpdatedTimestamp: new Date(now.getTime() - 2 * DAY),
    MetricName: `${event}-count`,
    Namespace: 'CISBenchmark',
    Statistic: 'Sum',
    Dimensions: [],
    Period: 300,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    StateTransitionedTimestamp: new Date(now.getTime() - 2 * DAY),
  };
}

function filter(logGroupName: string, event: string, now: Date): MetricFilter {
  return {
    filterName: `cis-${event}`,
    filterPattern: CIS_PATTERNS[event],
    metricTransformations: [{ metricName: `${event}-count`, metricNamespace: 'CISBenchmark', metricValue: '1' }],
    creationTime: now.getTime() - 200 * DAY,
    logGroupName,
  };
}

/** Metric filters, alarms and topics in each account's home region (where builders.addTrail puts the trail's log group). */
export function seedCloudWatch(account: SimAccount, world: WorldSeedContext): void {
  const region = world.regions[0];
  if (!region) return;
  const logGroupName = `aws-cloudtrail-logs-${account.id}-management-events`;
  const topicArn = (name: string, owner = account.id) => `arn:aws:sns:${region}:${owner}:${name}`;
  const topics = {
    'security-alerts': topicArn('security-alerts'),
    'ops-alerts': topicArn('ops-alerts'),
    'org-security': topicArn('org-security-alerts', SECURITY_TOOLING_ACCOUNT),
  };
  const sns = snsState(account, region);
  sns.topics.push({ TopicArn: topics['security-alerts'], subscriptions: [subscription(topics['security-alerts'], `security-oncall@${account.id}.example.com`, true)] });
  if (world.kind === 'demo') sns.topics.push({ TopicArn: topics['ops-alerts'], subscriptions: [subscription(topics['ops-alerts'], 'ops-team@example.com', false)] });
  const logs = logsState(account, region);
  const cw = cloudWatchState(account, region);
  for (const event of Object.keys(CIS_PATTERNS)) {
    const wiring: Wiring = world.kind === 'demo' ? (DEMO_WIRING[event] ?? { alarm: 'security-alerts' }) : { alarm: 'security-alerts' };
    if (wiring === 'none') continue;
    logs.metricFilters.push(filter(logGroupName, event, world.now));
    if (wiring === 'filter-only') continue;
    cw.metricAlarms.push(alarm(account, region, event, topics[wiring.alarm], world.now));
  }
  const group = logs.logGroups.find((g) => g.logGroupName === logGroupName);
  if (group) group.metricFilterCount = logs.metricFilters.filter((f) => f.logGroupName === logGroupName).length;
}

/**
 * EventBridge rules on the default bus. Demo home region: GuardDuty findings go to the security topic; Security Hub
 * findings are routed only when critical (a narrowed pattern). Demo second region: the GuardDuty rule is disabled and
 * nothing routes Security Hub findings. Generated accounts: both routed in every region.
 */
export function seedEventBridge(account: SimAccount, world: WorldSeedContext): void {
  world.regions.forEach((region, i) => {
    const s = eventBridgeState(account, region);
    const topic = `arn:aws:sns:${world.regions[0]}:${account.id}:security-alerts`;
    const rule = (name: string, pattern: object, state: 'ENABLED' | 'DISABLED', targets = [{ Id: 'security-alerts', Arn: topic }]) =>
      s.rules.push({
        rule: { Name: name, Arn: `arn:aws:events:${region}:${account.id}:rule/${name}`, EventPattern: JSON.stringify(pattern), State: state, EventBusName: 'default', Description: `Routes ${name.replace(/-/g, ' ')}` },
        targets,
      });
    const guardduty = { source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] };
    const securityhub = { source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Imported'] };
    if (world.kind !== 'demo') {
      rule('guardduty-findings', guardduty, 'ENABLED');
      rule('securityhub-findings', securityhub, 'ENABLED');
    } else if (i === 0) {
      rule('guardduty-findings', guardduty, 'ENABLED');
      rule('securityhub-critical-findings', { ...securityhub, detail: { findings: { Severity: { Label: ['CRITICAL'] } } } }, 'ENABLED');
      rule('instance-state-changes', { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] }, 'ENABLED', [{ Id: 'inventory', Arn: `arn:aws:lambda:${region}:${account.id}:function:inventory-sync` }]);
    } else {
      rule('guardduty-findings', guardduty, 'DISABLED');
    }
  });
}
