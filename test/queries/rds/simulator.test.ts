import { describe, expect, it } from 'vitest';
import { queryById } from '../../../src/queries/index.js';
import { demoSession } from '../s3/simulated-collect.js';

const session = demoSession();

const q = (id: string) => queryById(id)!;
const byDb = (results: { resource: string; status: string }[]) => Object.fromEntries(results.map((r) => [r.resource.split(':').pop(), r.status]));

describe('RDS queries against the simulated demo account', () => {
  it('the legacy reporting database fails encryption, public access and backups; the orders database passes', async () => {
    // The demo account also keeps the unencrypted snapshot the migration of orders-db to encrypted storage left behind.
    // And the unencrypted automated backups a deleted reporting database left (retained for seven days); the live
    // instances' own (active) automated backups are encrypted as they are and not judged again.
    const encryption = (await session.run(q('rds.storage-encrypted'), 'us-east-1')).results;
    // AWS Backup's recovery point of orders-db is a DB snapshot of type awsbackup, read and judged like a manual one.
    const recoveryPoint = encryption.find((r) => r.resource.includes(':snapshot:awsbackup:job-'))!;
    expect(recoveryPoint).toMatchObject({ status: 'pass', reason: expect.stringMatching(/^AWS Backup recovery point awsbackup:job-[0-9a-f-]+ \(a DB snapshot\) of database orders-db, taken .*, is encrypted \(key arn:aws:kms:/) });
    expect(byDb(encryption)).toEqual({
      'orders-db': 'pass',
      'legacy-reporting': 'fail',
      'orders-db-before-upgrade': 'pass',
      'orders-db-unencrypted-source': 'fail',
      [recoveryPoint.resource.split(':').pop()!]: 'pass',
      [encryption.at(-1)!.resource.split(':').pop()!]: 'fail',
    });
    expect(encryption.at(-1)).toMatchObject({ resourceType: 'AWS::RDS::DBInstanceAutomatedBackup', reason: expect.stringMatching(/^retained automated backups of deleted database reporting-2019 \(mysql, kept 7 days, restorable to any time from .* to .*\) are not encrypted/) });
    expect(byDb((await session.run(q('rds.public-access'), 'us-east-1')).results)).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail' });
    const backups = await session.run(q('rds.backup-retention'), 'us-east-1');
    expect(byDb(backups.results)).toEqual({ 'orders-db': 'pass', 'legacy-reporting': 'fail' });
    expect(backups.results[1].reason).toContain('only 1 day');
  });

  it('a region without databases is not applicable', async () => {
    expect((await session.run(q('rds.storage-encrypted'), 'us-west-2')).results).toEqual([expect.objectContaining({ resource: 'account', status: 'not-applicable' })]);
  });
});
