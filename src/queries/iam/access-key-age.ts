import { defineQuery, toDate, type ParameterSpec, type ResourceResult } from '../types.js';
import {
  CREDENTIAL_REPORT_ACTIONS,
  ROOT_USER,
  collectCredentialReport,
  dayParam,
  formatAge,
  isTrue,
  missingReport,
  olderThanDays,
  readCredentialReport,
  reportAge,
  reportDate,
  unreadableResults,
  type CredentialReportEvidence,
} from './credential-report.js';

/** The maximum age of an active long-term credential, shared by iam.service-specific-credentials. */
export const maxKeyAgeParameter: ParameterSpec = { description: 'Largest age in days of an active access key (PCI DSS 8.3.9 / 8.6.3: 90).', default: 90, looser: 'higher' };

export const accessKeyAge = defineQuery<CredentialReportEvidence>({
  id: 'iam.access-key-age',
  service: 'iam',
  title: 'Active access keys are rotated within the maximum key age',
  description: 'From the IAM credential report: every active access key (root user included) with the date it was created or last rotated, against the maximum age.',
  remediation:
    'Rotate each listed key: create a second key, move the application to it, deactivate and then delete the old key; better, replace long-term keys with IAM roles.',
  scope: 'global',
  apiCalls: [...CREDENTIAL_REPORT_ACTIONS],
  parameters: {
    maxKeyAgeDays: maxKeyAgeParameter,
  },
  collect: (ctx) => collectCredentialReport(ctx),
  evaluate(data, params, ctx) {
    const table = readCredentialReport(data);
    if (!table) return missingReport();
    const maxDays = dayParam(params.maxKeyAgeDays, 90);
    const now = toDate(ctx.collectedAt) ?? new Date(0);
    const results: ResourceResult[] = [];
    for (const row of table.rows) {
      const who = row.user === ROOT_USER ? 'the root user' : `IAM user ${row.user}`;
      for (const n of [1, 2]) {
        if (!isTrue(row[`access_key_${n}_active`])) continue;
        const rotated = reportDate(row[`access_key_${n}_last_rotated`]);
        const base = { resource: `${row.arn}#access-key-${n}`, resourceType: 'AWS::IAM::AccessKey' };
        if (!rotated) {
          results.push({ ...base, status: 'error', reason: `access key ${n} of ${who} is active but the report gives no creation or rotation date` });
          continue;
        }
        // Compared to the millisecond: a key 90 days and 23 hours old is beyond a 90-day limit.
        const tooOld = olderThanDays(rotated, now, maxDays);
        results.push({
          ...base,
          status: tooOld ? 'fail' : 'pass',
          reason: `access key ${n} of ${who} was created or last rotated ${formatAge(now.getTime() - rotated.getTime())} before collection (${rotated.toISOString()})${tooOld ? `, beyond the ${maxDays}-day limit` : `, within the ${maxDays}-day limit`}`,
        });
      }
    }
    results.push(...unreadableResults(table));
    if (results.length === 0) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `no active access key exists in the account (${reportAge(data, ctx.collectedAt)})` }];
    }
    return results;
  },
});
