import { describe, expect, it } from 'vitest';
import { ResourceGroupsTaggingAPIClient, GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { canonicalJson } from '../../../src/seal/canonical.js';
import { queryById } from '../../../src/queries/index.js';
import { resourceTypeOfArn, taggedResources, type TaggedResourcesEvidence } from '../../../src/queries/tagging/resources.js';
import { tagResource } from '../../../src/simulator/services/tagging.js';
import { demoWorld, DEMO_ACCOUNT_ID } from '../../../src/simulator/worlds/demo.js';
import { simulatorCredentials } from '../../../src/simulator/env.js';
import { ACCOUNT, COLLECTED_AT, REGION, page } from '../../fixtures/tagging/resources.js';
import { demoSession } from '../s3/simulated-collect.js';

const ctx = { accountId: ACCOUNT, region: REGION, collectedAt: COLLECTED_AT };
const roundTrip = <T>(v: T): T => JSON.parse(canonicalJson(v)) as T;

describe('tagging.resources', () => {
  it('lists every resource with its tags and CloudFormation type as an inventory entry, never a passed check; evaluation is the same after sealing', () => {
    const data: TaggedResourcesEvidence = { resourceTagMappings: page.ResourceTagMappingList! };
    const results = taggedResources.evaluate(data, {}, ctx);
    expect(taggedResources.evaluate(roundTrip(data), {}, ctx)).toEqual(results);
    // An inventory judges nothing: an untagged resource (orders-db) is listed like the others, and none is a pass.
    expect(results.map((r) => [r.resourceType, r.status])).toEqual([
      ['AWS::S3::Bucket', 'not-applicable'],
      ['AWS::EC2::Instance', 'not-applicable'],
      ['AWS::RDS::DBInstance', 'not-applicable'],
      ['AWS::Logs::LogGroup', 'not-applicable'],
      ['AWS::SNS::Topic', 'not-applicable'],
    ]);
    for (const r of results) expect(r.reason).toMatch(/^inventory entry, not a check: /);
    expect(results[0].reason).toContain('tags data-classification=cardholder-data, workload=payments');
    expect(results[2].reason).toContain('no tags left');
    // It shows an inventory entry, never a function or use.
    for (const r of results) expect(r.reason).toMatch(/function and use are not shown/);
  });

  it('says when the region has no tagged resource, and when the evidence holds no response', () => {
    expect(taggedResources.evaluate({ resourceTagMappings: [] }, {}, ctx)).toEqual([expect.objectContaining({ resource: 'account', status: 'not-applicable' })]);
    expect(taggedResources.evaluate(undefined as unknown as TaggedResourcesEvidence, {}, ctx)).toEqual([expect.objectContaining({ status: 'error' })]);
  });

  it('derives resource types from ARNs', () => {
    expect(resourceTypeOfArn(`arn:aws:ec2:${REGION}:${ACCOUNT}:security-group/sg-1`)).toBe('AWS::EC2::SecurityGroup');
    expect(resourceTypeOfArn(`arn:aws:kms:${REGION}:${ACCOUNT}:key/1234`)).toBe('AWS::KMS::Key');
    expect(resourceTypeOfArn(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:checkout`)).toBe('AWS::Lambda::Function');
    // The CloudFormation names the queries use, so a scope selector by resource type matches what the population shows.
    expect(resourceTypeOfArn(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments-api`)).toBe('AWS::ECR::Repository');
    expect(resourceTypeOfArn(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf`)).toBe('AWS::SecretsManager::Secret');
    expect(resourceTypeOfArn(`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/checkout/50dc6c495c0c9188`)).toBe('AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(resourceTypeOfArn(`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/legacy-classic`)).toBe('AWS::ElasticLoadBalancing::LoadBalancer');
    expect(resourceTypeOfArn(`arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/checkout/50dc6c495c0c9188/f2f7dc8efc522ab2`)).toBe('AWS::ElasticLoadBalancingV2::Listener');
    expect(resourceTypeOfArn(`arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/edge/a1b2`)).toBe('AWS::WAFv2::WebACL');
    expect(resourceTypeOfArn(`arn:aws:acm:${REGION}:${ACCOUNT}:certificate/7c1a44d9`)).toBe('AWS::CertificateManager::Certificate');
  });
});

describe('tagging.resources against the simulated demo account', () => {
  const session = demoSession();
  const q = queryById('tagging.resources')!;

  it('home region: the demo classification tags of buckets, databases and log groups, and the EC2 Name tags', async () => {
    const { results, calls } = await session.run(q, 'us-east-1');
    const byArn = Object.fromEntries(results.map((r) => [r.resource, r.reason]));
    expect(byArn['arn:aws:s3:::demo-production-cardholder-data']).toContain('data-classification=cardholder-data');
    expect(byArn['arn:aws:s3:::demo-production-legacy-uploads']).toContain('environment=sandbox');
    expect(byArn[`arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:db:orders-db`]).toContain('data-classification=cardholder-data');
    expect(byArn[`arn:aws:rds:us-east-1:${DEMO_ACCOUNT_ID}:db:legacy-reporting`]).toContain('data-classification=ephi');
    expect(byArn[`arn:aws:logs:us-east-1:${DEMO_ACCOUNT_ID}:log-group:/app/payments`]).toContain('data-classification=cardholder-data');
    expect(results.filter((r) => r.resourceType === 'AWS::EC2::Instance').length).toBeGreaterThan(0);
    // Buckets of the other region are listed there, not here.
    expect(byArn['arn:aws:s3:::demo-production-marketing-site']).toBeUndefined();
    expect(calls.map((c) => c.operation)).toEqual(['tag:GetResources']);
    expect(calls[0].input).toMatchObject({ ResourcesPerPage: 100 });
  });

  it('second region: the marketing site and the ePHI archive carry their workload tags', async () => {
    const { results } = await session.run(q, 'us-west-2');
    const byArn = Object.fromEntries(results.map((r) => [r.resource, r.reason]));
    expect(byArn['arn:aws:s3:::demo-production-marketing-site']).toContain('workload=marketing');
    expect(byArn['arn:aws:s3:::demo-production-evidence-archive']).toContain('data-classification=ephi');
  });
});

describe('the simulated Resource Groups Tagging API', () => {
  const many = () => {
    const world = demoWorld();
    const acct = world.account(DEMO_ACCOUNT_ID)!;
    for (let i = 0; i < 230; i++) tagResource(acct, 'eu-west-1', `arn:aws:sns:eu-west-1:${DEMO_ACCOUNT_ID}:topic-${String(i).padStart(3, '0')}`, [{ Key: 'n', Value: String(i) }]);
    return world;
  };
  const session = demoSession(many);
  const client = () => {
    const creds = simulatorCredentials(session.sim);
    return new ResourceGroupsTaggingAPIClient({ region: 'eu-west-1', endpoint: session.sim.url, credentials: creds, maxAttempts: 1 });
  };

  it('pages with PaginationToken: the paginator gathers all 230 resources, and the last page has an empty token', async () => {
    const world = session.sim.world;
    world.account(DEMO_ACCOUNT_ID)!.enabledRegions.push('eu-west-1');
    const { results, calls } = await session.run(queryById('tagging.resources')!, 'eu-west-1');
    expect(results).toHaveLength(230);
    expect(calls).toHaveLength(3);
    const last = await client().send(new GetResourcesCommand({ ResourcesPerPage: 100, PaginationToken: undefined, TagFilters: [{ Key: 'n', Values: ['7'] }] }));
    expect(last.ResourceTagMappingList?.map((m) => m.ResourceARN)).toEqual([`arn:aws:sns:eu-west-1:${DEMO_ACCOUNT_ID}:topic-007`]);
    expect(last.PaginationToken).toBe('');
  });

  it('answers the published InvalidParameterException for a page size over 100 and for a foreign token', async () => {
    await expect(client().send(new GetResourcesCommand({ ResourcesPerPage: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(client().send(new GetResourcesCommand({ PaginationToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});
