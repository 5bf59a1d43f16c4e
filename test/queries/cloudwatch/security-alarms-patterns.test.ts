/**
 * cloudwatch.security-alarms reads each metric filter's pattern as a CloudWatch Logs JSON filter pattern: a filter
 * watches for an event only if some alternative of its pattern holds for every such event, so conditions that narrow it
 * (one principal, an excluded address) are not a pass, and words inside a quoted value or an unrelated branch count for
 * nothing. Every pattern here is judged through the query on the fixture account, where the probe filter's metric has
 * an alarm notifying a topic with a confirmed subscription: a pattern that watches passes.
 */
import { describe, expect, it } from 'vitest';
import { SECURITY_EVENTS } from '../../../src/queries/cloudwatch/security-alarms.js';
import { judgePatterns as judge } from '../../fixtures/cloudwatch/alarms.js';


const or = (names: string) => names.split(' ').map((n) => `($.eventName = ${n})`).join(' || ');
const TRAIL = 'CreateTrail UpdateTrail DeleteTrail StartLogging StopLogging';

describe('cloudwatch.security-alarms reads filter patterns, not their words', () => {
  it('a filter narrowed to one principal is not a pass, and the reason names the condition', () => {
    const r = judge('cloudtrail-config-changes', `{ (${or(TRAIL)}) && $.userIdentity.arn = "arn:aws:iam::111122223333:role/nobody" }`);
    expect(r.status).toBe('fail');
    expect(r.reason).toContain('metric filter probe on log group aws-cloudtrail-logs-org watches for CreateTrail, UpdateTrail, DeleteTrail, StartLogging, StopLogging only when $.userIdentity.arn = "arn:aws:iam::111122223333:role/nobody"');
  });

  it('an excluded source address is not a pass, and what the filter leaves out is still named', () => {
    const r = judge('cloudtrail-config-changes', `{ ${or('CreateTrail UpdateTrail DeleteTrail')} || (($.eventName = StopLogging) && ($.sourceIPAddress != "203.0.113.9")) }`);
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('watches for StopLogging only when $.sourceIPAddress != "203.0.113.9", leaves out StartLogging, and no other filter watches for them') });
    const mfa = judge('console-signin-without-mfa', '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.sourceIPAddress != "203.0.113.9") }');
    expect(mfa).toMatchObject({ status: 'fail', reason: expect.stringContaining('watches for these events only when $.sourceIPAddress != "203.0.113.9", and no other filter watches for them') });
    const root = judge('root-account-usage', '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.sourceIPAddress = 198.51.100.7 }');
    expect(root).toMatchObject({ status: 'fail', reason: expect.stringContaining('only when $.sourceIPAddress = 198.51.100.7') });
  });

  it('required tests split across || branches, each with something unrelated, do not watch', () => {
    const r = judge('console-signin-without-mfa', '{ ($.eventName = ConsoleLogin && $.errorMessage = "Failed authentication") || ($.additionalEventData.MFAUsed != "Yes" && $.eventSource = s3.amazonaws.com) }');
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('no metric filter on log group aws-cloudtrail-logs-org watches for these events') });
  });

  it('an event name inside a quoted value is a value, not a test', () => {
    const r = judge('cloudtrail-config-changes', `{ ($.errorMessage = "$.eventName = StopLogging") || ${or('CreateTrail UpdateTrail DeleteTrail StartLogging')} }`);
    expect(r).toMatchObject({ status: 'fail', reason: expect.stringContaining('leaves out StopLogging') });
  });

  it('over-broad watches (every such event raises the metric) and the reason says how broad; excluding alone does not', () => {
    expect(judge('console-signin-without-mfa', '{ $.eventName = ConsoleLogin }')).toMatchObject({ status: 'pass', reason: expect.stringContaining('(probe also counts other events: it matches whenever $.eventName = ConsoleLogin)') });
    // Every alternative counts: one that is not about these events, or a wildcard wider than the event's value, needs review.
    const r = judge('console-signin-without-mfa', '{ $.eventName = ConsoleLogin || $.additionalEventData.MFAUsed != "Yes" }');
    expect(r).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('(probe needs review: its alternative $.additionalEventData.MFAUsed != "Yes" counts events other than these') });
    expect(judge('cloudtrail-config-changes', '{ $.eventName = "*Trail" || $.eventName = "*Logging" }')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('$.eventName = "*Trail" also counts events whose $.eventName is any other value *Trail matches, not only CreateTrail') });
    expect(judge('cloudtrail-config-changes', '{ $.eventName != HeadBucket }').status).toBe('fail');
    expect(judge('cloudtrail-config-changes', '{ $.eventName = * }').status).toBe('fail');
  });

  it('a pattern that does not read needs review naming why, never a pass; one that names none of the events stays a fail', () => {
    const unclosed = judge('cloudtrail-config-changes', `{ ${or(TRAIL)}`);
    expect(unclosed).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('metric filter probe could not be read (its JSON pattern does not parse: expected && or || or } at character') });
    const pairs = Array.from({ length: 8 }, (_, i) => `($.f${i} = 1 || $.f${i} = 2)`).join(' && ');
    expect(judge('cloudtrail-config-changes', `{ (${or(TRAIL)}) && ${pairs} }`)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('more than 256 alternatives') });
    expect(judge('console-signin-without-mfa', 'ConsoleLogin')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('not a JSON filter pattern') });
    expect(judge('cloudtrail-config-changes', `{ $.eventName = %CreateTrail|UpdateTrail|DeleteTrail|StartLogging|StopLogging% }`)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('regular expression') });
    expect(judge('cloudtrail-config-changes', '')).toMatchObject({ status: 'fail', reason: expect.stringContaining('could not be read (it is empty') });
  });

  it('the CIS Benchmark and Security Hub patterns, as AWS documents them, pass', () => {
    const documented: Record<string, string[]> = {
      'unauthorized-api-calls': [
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
        '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*" && $.sourceIPAddress!="delivery.logs.amazonaws.com" && $.eventName!="HeadBucket")}',
      ],
      'console-signin-without-mfa': [
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
        '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }',
      ],
      'root-account-usage': ['{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }', '{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}'],
      'iam-policy-changes': [`{ ${or('DeleteGroupPolicy DeleteRolePolicy DeleteUserPolicy PutGroupPolicy PutRolePolicy PutUserPolicy CreatePolicy DeletePolicy CreatePolicyVersion DeletePolicyVersion AttachRolePolicy DetachRolePolicy AttachUserPolicy DetachUserPolicy AttachGroupPolicy DetachGroupPolicy')} }`],
      'cloudtrail-config-changes': [`{ ${or(TRAIL)} }`],
      'console-authentication-failures': ['{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'],
      'cmk-disable-or-deletion': ['{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }'],
      's3-bucket-policy-changes': [`{ ($.eventSource = s3.amazonaws.com) && (${or('PutBucketAcl PutBucketPolicy PutBucketCors PutBucketLifecycle PutBucketReplication DeleteBucketPolicy DeleteBucketCors DeleteBucketLifecycle DeleteBucketReplication')}) }`],
      'config-changes': [`{ ($.eventSource = config.amazonaws.com) && (${or('StopConfigurationRecorder DeleteDeliveryChannel PutDeliveryChannel PutConfigurationRecorder')}) }`],
      'security-group-changes': [`{ ${or('AuthorizeSecurityGroupIngress AuthorizeSecurityGroupEgress RevokeSecurityGroupIngress RevokeSecurityGroupEgress CreateSecurityGroup DeleteSecurityGroup')} }`],
      'nacl-changes': [`{ ${or('CreateNetworkAcl CreateNetworkAclEntry DeleteNetworkAcl DeleteNetworkAclEntry ReplaceNetworkAclEntry ReplaceNetworkAclAssociation')} }`],
      'network-gateway-changes': [`{ ${or('CreateCustomerGateway DeleteCustomerGateway AttachInternetGateway CreateInternetGateway DeleteInternetGateway DetachInternetGateway')} }`],
      // Security Hub CloudWatch.13 writes the event source without parentheses: && binds tighter, so it narrows CreateRoute alone, to EC2.
      'route-table-changes': [
        `{ ${or('CreateRoute CreateRouteTable ReplaceRoute ReplaceRouteTableAssociation DeleteRouteTable DeleteRoute DisassociateRouteTable')} }`,
        '{($.eventSource=ec2.amazonaws.com) && ($.eventName=CreateRoute) || ($.eventName=CreateRouteTable) || ($.eventName=ReplaceRoute) || ($.eventName=ReplaceRouteTableAssociation) || ($.eventName=DeleteRouteTable) || ($.eventName=DeleteRoute) || ($.eventName=DisassociateRouteTable)}',
      ],
      'vpc-changes': [`{ ${or('CreateVpc DeleteVpc ModifyVpcAttribute AcceptVpcPeeringConnection CreateVpcPeeringConnection DeleteVpcPeeringConnection RejectVpcPeeringConnection AttachClassicLinkVpc DetachClassicLinkVpc DisableVpcClassicLink EnableVpcClassicLink')} }`],
    };
    expect(Object.keys(documented).sort()).toEqual(SECURITY_EVENTS.map((e) => e.id).sort());
    for (const [id, patterns] of Object.entries(documented)) {
      for (const p of patterns) {
        const r = judge(id, p);
        expect(r.status, `${id}: ${p}`).toBe('pass');
        expect(r.reason, `${id}: ${p}`).not.toContain('also counts other events');
      }
    }
  });
});

describe('cloudwatch.security-alarms names filters that share an event out', () => {
  it('two filters that together watch for every name need review, saying no one filter does; a name neither watches still fails', () => {
    const both = judge('cloudtrail-config-changes', `{ ${or('CreateTrail UpdateTrail DeleteTrail StartLogging')} }`, '{ $.eventName = StopLogging }');
    expect(both).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('metric filter probe on log group aws-cloudtrail-logs-org leaves out StopLogging; metric filter probe-1 watches for StopLogging, but no one filter watches for them all') });
    const partly = judge('cloudtrail-config-changes', `{ ${or('CreateTrail UpdateTrail DeleteTrail')} }`, '{ $.eventName = StopLogging }');
    expect(partly).toMatchObject({ status: 'fail', reason: expect.stringContaining('leaves out StartLogging, StopLogging; metric filter probe-1 watches for StopLogging, but no one filter') });
  });
});
