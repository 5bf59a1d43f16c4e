import { DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { awsQuery } from '../protocols/wire.js';
import { operation, SimError, type CallContext, type SimService } from '../types.js';
import type { SimAccount } from '../world.js';
import { paginate } from './paging.js';
import { seedRds } from '../worlds/seed-rds.js';

/** RDS in one account and region: its DB instances as DescribeDBInstances reports them. */
export interface RdsState {
  dbInstances: DBInstance[];
}

declare module '../world.js' {
  interface RegionalState {
    rds: RdsState;
  }
}

export function rdsState(account: SimAccount, region: string): RdsState {
  return account.regional(region, 'rds', () => ({ dbInstances: [] }));
}

const state = (ctx: CallContext) => rdsState(ctx.account, ctx.region);

export const rds: SimService = {
  name: 'rds',
  signingName: 'rds',
  protocol: awsQuery,
  xmlNamespace: 'http://rds.amazonaws.com/doc/2014-10-31/',
  seed: (account, world) => seedRds(account, world),
  operations: [
    operation(DescribeDBInstancesCommand, (input, ctx) => {
      let dbs = state(ctx).dbInstances;
      if (input.DBInstanceIdentifier) {
        const id = input.DBInstanceIdentifier;
        dbs = dbs.filter((d) => d.DBInstanceIdentifier === id || d.DBInstanceArn === id);
        if (dbs.length === 0) throw new SimError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
      }
      for (const f of input.Filters ?? []) {
        const values = f.Values ?? [];
        if (f.Name === 'engine') dbs = dbs.filter((d) => values.includes(d.Engine ?? ''));
        else if (f.Name === 'db-instance-id') dbs = dbs.filter((d) => values.includes(d.DBInstanceIdentifier ?? '') || values.includes(d.DBInstanceArn ?? ''));
        else if (f.Name === 'db-cluster-id') dbs = dbs.filter((d) => values.includes(d.DBClusterIdentifier ?? ''));
        else throw new SimError('InvalidParameterValue', `Unrecognized filter name: ${f.Name}.`);
      }
      const { page, nextToken } = paginate(dbs, {
        token: input.Marker,
        limit: input.MaxRecords,
        defaultLimit: 100,
        maxLimit: 100,
        scope: `DescribeDBInstances/${input.DBInstanceIdentifier ?? ''}/${JSON.stringify(input.Filters ?? [])}`,
        invalidToken: () => new SimError('InvalidParameterValue', 'The marker is not valid.'),
        invalidLimit: (n) => new SimError('InvalidParameterValue', `Invalid value ${n} for MaxRecords. Must be between 20 and 100`),
      });
      return { DBInstances: page, Marker: nextToken };
    }),
  ],
};
