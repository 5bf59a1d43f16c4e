import type { ResourceTagMapping, Tag } from '@aws-sdk/client-resource-groups-tagging-api';
import { loadResourceGroupsTaggingSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, type ResourceResult } from '../types.js';

/** GetResources, every page: each resource of the region the Tagging API knows, with its tags. */
export interface TaggedResourcesEvidence {
  resourceTagMappings: ResourceTagMapping[];
}

/** CloudFormation types of the ARN forms the scope and the population meet most; others are derived from the ARN. */
const KNOWN_TYPES: Record<string, string> = {
  's3:': 'AWS::S3::Bucket',
  'sns:': 'AWS::SNS::Topic',
  'sqs:': 'AWS::SQS::Queue',
  'ec2:instance': 'AWS::EC2::Instance',
  'ec2:security-group': 'AWS::EC2::SecurityGroup',
  'ec2:volume': 'AWS::EC2::Volume',
  'ec2:vpc': 'AWS::EC2::VPC',
  'ec2:subnet': 'AWS::EC2::Subnet',
  'rds:db': 'AWS::RDS::DBInstance',
  'rds:cluster': 'AWS::RDS::DBCluster',
  'logs:log-group': 'AWS::Logs::LogGroup',
  'kms:key': 'AWS::KMS::Key',
  'lambda:function': 'AWS::Lambda::Function',
  'dynamodb:table': 'AWS::DynamoDB::Table',
  'cloudtrail:trail': 'AWS::CloudTrail::Trail',
  'ec2:network-interface': 'AWS::EC2::NetworkInterface',
  'ec2:snapshot': 'AWS::EC2::Snapshot',
  'ec2:network-acl': 'AWS::EC2::NetworkAcl',
  'ec2:route-table': 'AWS::EC2::RouteTable',
  'ec2:internet-gateway': 'AWS::EC2::InternetGateway',
  'ec2:natgateway': 'AWS::EC2::NatGateway',
  'ecr:repository': 'AWS::ECR::Repository',
  'secretsmanager:secret': 'AWS::SecretsManager::Secret',
  'acm:certificate': 'AWS::CertificateManager::Certificate',
  'cloudfront:distribution': 'AWS::CloudFront::Distribution',
  'elasticloadbalancing:listener': 'AWS::ElasticLoadBalancingV2::Listener',
  'elasticloadbalancing:targetgroup': 'AWS::ElasticLoadBalancingV2::TargetGroup',
  'elasticfilesystem:file-system': 'AWS::EFS::FileSystem',
  'eks:cluster': 'AWS::EKS::Cluster',
  'ecs:cluster': 'AWS::ECS::Cluster',
  'network-firewall:firewall': 'AWS::NetworkFirewall::Firewall',
  'backup:backup-vault': 'AWS::Backup::BackupVault',
  'backup:backup-plan': 'AWS::Backup::BackupPlan',
  'iam:role': 'AWS::IAM::Role',
  'iam:user': 'AWS::IAM::User',
};

const pascal = (s: string) => s.split(/[-_]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/** `arn:aws:ec2:us-east-1:111122223333:instance/i-0abc` -> `AWS::EC2::Instance`. */
export function resourceTypeOfArn(arn: string): string {
  const [, , service = '', , , ...rest] = arn.split(':');
  const kind = rest.join(':').split(/[/:]/)[0] ?? '';
  // S3, SNS and SQS ARNs carry the name alone, with no resource-type segment.
  const known = KNOWN_TYPES[`${service}:`] ?? KNOWN_TYPES[`${service}:${kind}`];
  if (known) return known;
  // Application and Network Load Balancers (loadbalancer/app/..., loadbalancer/net/...); a Classic one has neither.
  if (service === 'elasticloadbalancing' && kind === 'loadbalancer') return /^loadbalancer\/(app|net|gwy)\//.test(rest.join(':')) ? 'AWS::ElasticLoadBalancingV2::LoadBalancer' : 'AWS::ElasticLoadBalancing::LoadBalancer';
  if (service === 'wafv2' && /\/webacl\//.test(rest.join(':'))) return 'AWS::WAFv2::WebACL';
  return `AWS::${pascal(service)}::${pascal(kind || service)}`;
}

/** Tags as a map, in the evidence's own order (the Tagging API never repeats a key). */
export function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** Its records give every resource's tags to the scope evaluation (tag selectors). */
export const TAGGING_QUERY_ID = 'tagging.resources';

export const taggedResources = defineQuery<TaggedResourcesEvidence>({
  id: TAGGING_QUERY_ID,
  service: 'tagging',
  title: 'Resources of the region with their tags, as the Resource Groups Tagging API lists them',
  description:
    'Every resource of the region that the Resource Groups Tagging API lists (resources that carry or carried tags, of the services it supports), with its tags. Tag selectors of the declared scope are judged against these tags; a resource it does not list has no tags. It names no function or use of a component.',
  remediation:
    'Tag every system component with the keys the declared scope uses (for example data-classification), so the inventory and the scope can be read from the tags; enforce them with a tag policy.',
  scope: 'regional',
  apiCalls: ['tag:GetResources'],
  async collect(ctx) {
    const { ResourceGroupsTaggingAPIClient, paginateGetResources } = await loadResourceGroupsTaggingSdk();
    const resourceTagMappings: ResourceTagMapping[] = [];
    for await (const page of paginateGetResources({ client: ctx.clients.get(ResourceGroupsTaggingAPIClient), pageSize: 100 }, {})) {
      ctx.signal?.throwIfAborted();
      resourceTagMappings.push(...(stripMetadata(page).ResourceTagMappingList ?? []));
    }
    return { resourceTagMappings };
  },
  evaluate(data, _params, ctx) {
    const mappings = data?.resourceTagMappings;
    if (!mappings) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no GetResources response' }];
    const results: ResourceResult[] = mappings
      .filter((m) => m.ResourceARN)
      .map((m) => {
        const tags = Object.entries(tagMap(m.Tags));
        return {
          resource: m.ResourceARN!,
          resourceType: resourceTypeOfArn(m.ResourceARN!),
          // An inventory entry, not a check: nothing here can fail, so nothing passes either (never counted as a passed check).
          status: 'not-applicable' as const,
          reason: tags.length
            ? `inventory entry, not a check: listed by the Resource Groups Tagging API with tags ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}; its function and use are not shown`
            : 'inventory entry, not a check: listed by the Resource Groups Tagging API with no tags left (no classification); its function and use are not shown',
        };
      });
    if (results.length === 0) results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the Resource Groups Tagging API lists no tagged resource in ${ctx.region}` });
    return results;
  },
});
