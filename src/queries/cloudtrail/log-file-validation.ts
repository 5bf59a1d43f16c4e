import { defineQuery } from '../types.js';
import { describeTrails, evaluateHomeTrails, trailLabel, type DescribeTrailsEvidence } from './trails.js';

export const logFileValidation = defineQuery<DescribeTrailsEvidence>({
  id: 'cloudtrail.log-file-validation',
  service: 'cloudtrail',
  title: 'CloudTrail log file integrity validation is enabled',
  description:
    'For each trail, whether CloudTrail writes signed, hash-chained digest files so any modification or deletion of a delivered log file can be detected.',
  remediation: 'Enable log file validation on the trail (`aws cloudtrail update-trail --name <trail> --enable-log-file-validation`).',
  scope: 'regional',
  apiCalls: ['cloudtrail:DescribeTrails'],
  collect: (ctx) => describeTrails(ctx),
  evaluate(data, _params, ctx) {
    return evaluateHomeTrails(data?.trailList, ctx.region, (t) =>
      t.LogFileValidationEnabled === true
        ? { status: 'pass', reason: `${trailLabel(t)} writes signed digest files (log file validation enabled)` }
        : { status: 'fail', reason: `${trailLabel(t)} has log file validation disabled: changes to its log files cannot be detected` },
    );
  },
});
