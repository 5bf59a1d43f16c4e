import { defineQuery } from '../types.js';
import { collectDbInstances, dbLabel, evaluateDbInstances, type DbInstancesEvidence, DB_INSTANCE_ITEMS } from './instances.js';
import { acceptConfigItems, type AggregateConfigItemsEvidence } from '../config/aggregate-items.js';

export const publicAccess = defineQuery<DbInstancesEvidence | AggregateConfigItemsEvidence>({
  id: 'rds.public-access',
  service: 'rds',
  title: 'RDS databases are not publicly accessible',
  description:
    'Every RDS database instance in the region with its PubliclyAccessible setting: with it on, the instance has a public IP address its DNS name resolves to from outside the VPC, and RDS accepts the setting only in a VPC with an internet gateway. The setting fails: it is what permits public access. Whether the internet reaches the instance today also depends on its subnets routing to the internet gateway and on its security groups; the DB subnet group\'s route tables are not in this evidence.',
  remediation: 'Turn public accessibility off (`aws rds modify-db-instance --no-publicly-accessible --apply-immediately`) and reach the database through private networking.',
  scope: 'regional',
  apiCalls: ['rds:DescribeDBInstances'],
  collect: (ctx) => collectDbInstances(ctx),
  evaluate: acceptConfigItems(DB_INSTANCE_ITEMS, (data, _params, ctx) =>
    evaluateDbInstances(data, ctx, (db) =>
      db.PubliclyAccessible
        ? {
            status: 'fail',
            reason: `${dbLabel(db)} has PubliclyAccessible on: its endpoint${db.Endpoint?.Address ? ` ${db.Endpoint.Address}:${db.Endpoint.Port}` : ''} resolves to a public IP address outside the VPC (security groups ${(db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).join(', ') || 'none'}); whether the internet reaches it also depends on the subnets of ${db.DBSubnetGroup?.DBSubnetGroupName ? `DB subnet group ${db.DBSubnetGroup.DBSubnetGroupName}` : 'its DB subnet group'} routing to an internet gateway, which this evidence does not show`,
          }
        : { status: 'pass', reason: `${dbLabel(db)} is not publicly accessible` },
    ),
  ),
});
