/** CloudWatch log groups of the demo account and generated accounts. */
import type { LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { logsState } from '../services/logs.js';

const DAY = 86_400_000;

function group(account: SimAccount, region: string, name: string, created: Date, retentionInDays: number | undefined, storedBytes: number): LogGroup {
  const arn = `arn:aws:logs:${region}:${account.id}:log-group:${name}`;
  return {
    logGroupName: name,
    creationTime: created.getTime(),
    ...(retentionInDays !== undefined ? { retentionInDays } : {}),
    metricFilterCount: 0,
    arn: `${arn}:*`,
    logGroupArn: arn,
    storedBytes,
    logGroupClass: 'STANDARD',
  };
}

export function seedLogs(account: SimAccount, world: WorldSeedContext): void {
  const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
  world.regions.forEach((region, i) => {
    const s = logsState(account, region);
    if (i === 0) {
      // The trail's log group (builders.addTrail names it so), kept forever.
      s.logGroups.push(group(account, region, `aws-cloudtrail-logs-${account.id}-management-events`, ago(820), undefined, 48_000_000_000));
    }
    if (world.kind === 'demo') {
      if (i === 0) {
        s.logGroups.push(
          // Fails 12 months: 30 days.
          group(account, region, '/aws/lambda/checkout', ago(300), 30, 1_200_000_000),
          group(account, region, '/app/payments', ago(500), 400, 9_800_000_000),
        );
        // Streamed to a Firehose archive; kept 400 days itself, so logs.retention does not read its subscription.
        s.subscriptionFilters.push({
          filterName: 'payments-archive',
          logGroupName: '/app/payments',
          filterPattern: '',
          destinationArn: `arn:aws:firehose:${region}:${account.id}:deliverystream/payments-log-archive`,
          roleArn: `arn:aws:iam::${account.id}:role/cwl-to-firehose`,
          distribution: 'ByLogStream',
          creationTime: ago(480).getTime(),
        });
      } else {
        s.logGroups.push(group(account, region, '/aws/lambda/marketing-site', ago(200), 30, 85_000_000), group(account, region, '/app/evidence-archive', ago(400), 731, 12_000_000));
      }
    } else {
      s.logGroups.push(group(account, region, '/app/workload', ago(300), 400, 2_000_000_000));
    }
  });
}
