import type { SimAccount } from '../world.js';
import type { WorldSeedContext } from '../types.js';
import { tagResource } from '../services/tagging.js';
import { demoClassificationOf, demoScopeTags } from './demo-tags.js';

/**
 * Classifies the demo account's resources with the demo scope tags: S3 buckets and log groups through the tagging
 * registry (their simulated APIs keep no tags), as are Lambda functions, ECR repositories, secrets and load balancers; RDS instances and DB clusters on
 * their own TagList. Runs after the other seeds.
 */
export function seedTagging(account: SimAccount, world: WorldSeedContext): void {
  if (world.kind !== 'demo') return;
  for (const b of account.global.s3?.buckets ?? []) {
    const kind = demoClassificationOf(`arn:aws:s3:::${b.name}`);
    if (kind) tagResource(account, b.region, `arn:aws:s3:::${b.name}`, demoScopeTags(kind));
  }
  for (const [region, state] of account.regions) {
    for (const g of state.logs?.logGroups ?? []) {
      const arn = (g.logGroupArn ?? g.arn ?? '').replace(/:\*$/, '');
      const kind = arn ? demoClassificationOf(arn) : undefined;
      if (kind) tagResource(account, region, arn, demoScopeTags(kind));
    }
    // Lambda functions, ECR repositories, secrets and load balancers: classified through the tagging registry like log groups.
    const arns = [
      ...(state.lambda?.functions ?? []).map((f) => f.FunctionArn),
      ...(state.elbv2?.loadBalancers ?? []).map((lb) => lb.LoadBalancerArn),
      ...(state.ecr?.repositories ?? []).map((r) => r.repositoryArn),
      ...(state.secretsmanager?.secrets ?? []).map((x) => x.ARN),
    ];
    for (const arn of arns) {
      const kind = arn ? demoClassificationOf(arn) : undefined;
      if (arn && kind) tagResource(account, region, arn, demoScopeTags(kind));
    }
    for (const d of [...(state.rds?.dbInstances ?? []).map((x) => ({ arn: x.DBInstanceArn, r: x })), ...(state.rds?.dbClusters ?? []).map((x) => ({ arn: x.DBClusterArn, r: x }))]) {
      const kind = d.arn ? demoClassificationOf(d.arn) : undefined;
      if (kind) d.r.TagList = [...(d.r.TagList ?? []).filter((t) => !demoScopeTags(kind).some((x) => x.Key === t.Key)), ...demoScopeTags(kind)];
    }
  }
}
