import { describe, expect, it } from 'vitest';
import { AccessAnalyzerClient, GetFindingV2Command, ListFindingsV2Command, paginateListFindingsV2 } from '@aws-sdk/client-accessanalyzer';
import { GetMacieSessionCommand, GetFindingsCommand, ListFindingsCommand, Macie2Client } from '@aws-sdk/client-macie2';
import { DescribePermissionSetCommand, ListAccountAssignmentsCommand, ListInstancesCommand, SSOAdminClient } from '@aws-sdk/client-sso-admin';
import { GetLoginProfileCommand, IAMClient, ListMFADevicesCommand } from '@aws-sdk/client-iam';
import { demoWorld } from '../../src/simulator/index.js';
import { macieState } from '../../src/simulator/services/macie2.js';
import { clientConfig, useSimulator } from './helpers.js';

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('simulated identity and data-discovery services: published errors and paging', () => {
  const sim = useSimulator(() => {
    const world = demoWorld();
    // Macie switched off in the second region: every call is refused as Macie refuses it.
    delete macieState(world.account('111122223333')!, 'us-west-2').session;
    return { world, faults: { rateLimits: {} } };
  });
  const analyzerArn = 'arn:aws:access-analyzer:us-east-1:111122223333:analyzer/account-unused-access';

  it('Macie: "Macie is not enabled" is an AccessDeniedException; GetFindings refuses more than 50 ids; unknown criteria are refused', async () => {
    const west = new Macie2Client(clientConfig(sim(), { region: 'us-west-2' }));
    await expect(west.send(new GetMacieSessionCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException', message: 'Macie is not enabled.' });
    const east = new Macie2Client(clientConfig(sim()));
    await expect(east.send(new GetFindingsCommand({ findingIds: Array.from({ length: 51 }, (_, i) => `f${i}`) }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(east.send(new ListFindingsCommand({ findingCriteria: { criterion: { 'resourcesAffected.s3Object.key': { eq: ['x'] } } } }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('Access Analyzer: ListFindingsV2 pages with nextToken; an unknown analyzer or finding is ResourceNotFoundException', async () => {
    const client = new AccessAnalyzerClient(clientConfig(sim()));
    const pages = await collect(paginateListFindingsV2({ client, pageSize: 1 }, { analyzerArn }));
    expect(pages.map((p) => p.findings?.length)).toEqual([1, 1]);
    await expect(client.send(new ListFindingsV2Command({ analyzerArn: `${analyzerArn}-missing` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new GetFindingV2Command({ analyzerArn, id: 'no-such-finding' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new ListFindingsV2Command({ analyzerArn, filter: { principal: { eq: ['x'] } } }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('SSO Admin: an unknown permission set is ResourceNotFoundException; a malformed account id is ValidationException', async () => {
    const client = new SSOAdminClient(clientConfig(sim()));
    const [instance] = (await client.send(new ListInstancesCommand({}))).Instances!;
    await expect(client.send(new DescribePermissionSetCommand({ InstanceArn: instance.InstanceArn, PermissionSetArn: `${instance.InstanceArn}/ps-none` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(client.send(new ListAccountAssignmentsCommand({ InstanceArn: instance.InstanceArn, AccountId: 'abc', PermissionSetArn: 'x' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('IAM: GetLoginProfile of a user without a password, and ListMFADevices of an unknown user, are NoSuchEntity', async () => {
    const iam = new IAMClient(clientConfig(sim()));
    await expect(iam.send(new GetLoginProfileCommand({ UserName: 'ci-deployer' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    await expect(iam.send(new ListMFADevicesCommand({ UserName: 'nobody' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect((await iam.send(new GetLoginProfileCommand({ UserName: 'bob.dev' }))).LoginProfile).toMatchObject({ UserName: 'bob.dev', PasswordResetRequired: false });
  });
});
