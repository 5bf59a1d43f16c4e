/** Amazon Inspector state: activation, coverage of the seeded EC2/ECR/Lambda resources, and findings. */
import { Runtime, type CoveredResource, type Finding, type Runtime as LambdaRuntime, type Severity, type State } from '@aws-sdk/client-inspector2';
import type { WorldSeedContext } from '../types.js';
import type { SimAccount } from '../world.js';
import { ec2State } from '../services/ec2.js';
import { ecrState } from '../services/ecr.js';
import { inspector2State } from '../services/inspector2.js';
import { lambdaState } from '../services/lambda.js';
import { stableHex } from './builders.js';

const DAY = 86_400_000;
const ENABLED: State = { status: 'ENABLED', errorCode: undefined, errorMessage: undefined };
const DISABLED: State = { status: 'DISABLED', errorCode: undefined, errorMessage: undefined };

interface Vulnerability {
  cve: string;
  severity: Severity;
  score: number;
  pkg: string;
  version: string;
  fixed: string;
  daysOpen: number;
}

function finding(account: SimAccount, region: string, now: Date, resource: { type: 'AWS_EC2_INSTANCE' | 'AWS_ECR_CONTAINER_IMAGE'; id: string; tags?: Record<string, string> }, v: Vulnerability): Finding {
  const first = new Date(now.getTime() - v.daysOpen * DAY);
  return {
    findingArn: `arn:aws:inspector2:${region}:${account.id}:finding/${stableHex(`${account.id}/${resource.id}/${v.cve}`, 32)}`,
    awsAccountId: account.id,
    type: 'PACKAGE_VULNERABILITY',
    description: `${v.pkg} ${v.version} is affected by ${v.cve}.`,
    title: `${v.cve} - ${v.pkg}`,
    remediation: { recommendation: { text: `Upgrade ${v.pkg} to ${v.fixed} or later.` } },
    severity: v.severity,
    firstObservedAt: first,
    lastObservedAt: new Date(now.getTime() - DAY / 2),
    updatedAt: new Date(now.getTime() - DAY / 2),
    status: 'ACTIVE',
    resources: [{ type: resource.type, id: resource.id, partition: 'aws', region, ...(resource.tags ? { tags: resource.tags } : {}) }],
    inspectorScore: v.score,
    packageVulnerabilityDetails: {
      vulnerabilityId: v.cve,
      source: 'NVD',
      sourceUrl: `https://nvd.nist.gov/vuln/detail/${v.cve}`,
      vulnerablePackages: [{ name: v.pkg, version: v.version, fixedInVersion: v.fixed, packageManager: 'OS' }],
      cvss: [{ baseScore: v.score, scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', source: 'NVD', version: '3.1' }],
    },
    fixAvailable: 'YES',
    exploitAvailable: 'NO',
  };
}

/** Inspector names runtimes in its own enum (`nodejs22.x` is NODEJS_22_X); anything it does not know is UNSUPPORTED. */
function inspectorRuntime(runtime: string | undefined): LambdaRuntime {
  const name = (runtime ?? '').toUpperCase().replace(/\.X$/, '_X').replace(/[.]/g, '_').replace(/^(PYTHON|NODEJS|JAVA|RUBY|DOTNET)(\d)/, '$1_$2');
  return (Object.values(Runtime) as string[]).includes(name) ? (name as LambdaRuntime) : 'UNSUPPORTED';
}

/**
 * Demo home region: Inspector scans EC2, ECR and Lambda. Both instances are scanned agent-based; the legacy batch host
 * has a critical finding open 75 days (past the default 30-day window) and a recent high one; the API instance only a
 * medium one. payments-api's image has a recent high finding; batch-tools is set to manual scanning (inactive); the
 * legacy report exporter's runtime is unsupported. Second region: only ECR scanning is on, so its instance is not
 * covered. The home region's ECR re-scan duration is LIFETIME. Generated accounts: everything scanned, no findings.
 */
export function seedInspector2(account: SimAccount, world: WorldSeedContext): void {
  world.regions.forEach((region, i) => {
    const s = inspector2State(account, region);
    const demo = world.kind === 'demo';
    const home = demo && i === 0;
    const ago = (days: number) => new Date(world.now.getTime() - days * DAY);
    s.status = ENABLED;
    s.resourceState = demo && !home ? { ec2: DISABLED, ecr: ENABLED, lambda: DISABLED, lambdaCode: DISABLED } : { ec2: ENABLED, ecr: ENABLED, lambda: ENABLED, lambdaCode: DISABLED };
    if (demo && !home) return;
    // The demo home region keeps every ECR image rescanned for its lifetime; elsewhere Inspector's default (14 days).
    if (home) s.ecrRescan = { rescanDuration: 'LIFETIME', pullDateRescanDuration: 'DAYS_180', pullDateRescanMode: 'LAST_IN_USE_AT', status: 'SUCCESS', updatedAt: ago(300) };
    const instances = (account.regions.get(region)?.ec2 ? ec2State(account, region).reservations : []).flatMap((r) => r.Instances ?? []);
    for (const inst of instances) {
      const name = inst.Tags?.find((t) => t.Key === 'Name')?.Value;
      const tags: Record<string, string> = name ? { Name: name } : {};
      const meta = { ec2: { tags, amiId: inst.ImageId, platform: 'LINUX' as const } };
      const entry = (scanType: 'PACKAGE' | 'NETWORK'): CoveredResource => ({
        resourceType: 'AWS_EC2_INSTANCE',
        resourceId: inst.InstanceId,
        accountId: account.id,
        scanType,
        scanStatus: { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
        resourceMetadata: meta,
        lastScannedAt: ago(1),
        ...(scanType === 'PACKAGE' ? { scanMode: 'EC2_SSM_AGENT_BASED' as const } : {}),
      });
      s.coverage.push(entry('PACKAGE'), entry('NETWORK'));
      if (home && name === 'legacy-batch') {
        s.findings.push(
          finding(account, region, world.now, { type: 'AWS_EC2_INSTANCE', id: inst.InstanceId!, tags }, { cve: 'CVE-2023-38545', severity: 'CRITICAL', score: 9.8, pkg: 'curl', version: '7.76.1', fixed: '8.4.0', daysOpen: 75 }),
          finding(account, region, world.now, { type: 'AWS_EC2_INSTANCE', id: inst.InstanceId!, tags }, { cve: 'CVE-2024-2961', severity: 'HIGH', score: 8.8, pkg: 'glibc', version: '2.34', fixed: '2.34-100', daysOpen: 10 }),
        );
      } else if (home) {
        s.findings.push(finding(account, region, world.now, { type: 'AWS_EC2_INSTANCE', id: inst.InstanceId!, tags }, { cve: 'CVE-2023-48795', severity: 'MEDIUM', score: 5.9, pkg: 'openssh', version: '8.7p1', fixed: '9.6p1', daysOpen: 20 }));
      }
    }
    for (const repo of account.regions.get(region)?.ecr ? ecrState(account, region).repositories : []) {
      const manual = repo.repositoryName === 'batch-tools';
      s.coverage.push({
        resourceType: 'AWS_ECR_REPOSITORY',
        resourceId: repo.repositoryArn,
        accountId: account.id,
        scanType: 'PACKAGE',
        scanStatus: manual ? { statusCode: 'INACTIVE', reason: 'SCAN_FREQUENCY_MANUAL' } : { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
        resourceMetadata: { ecrRepository: { name: repo.repositoryName, scanFrequency: manual ? 'MANUAL' : 'CONTINUOUS_SCAN' } },
        ...(manual ? {} : { lastScannedAt: ago(2) }),
      });
      if (manual) continue;
      const image = `${repo.repositoryArn}/sha256:${stableHex(`${repo.repositoryArn}/image`, 64)}`;
      s.coverage.push({
        resourceType: 'AWS_ECR_CONTAINER_IMAGE',
        resourceId: image,
        accountId: account.id,
        scanType: 'PACKAGE',
        scanStatus: { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
        resourceMetadata: { ecrRepository: { name: repo.repositoryName, scanFrequency: 'CONTINUOUS_SCAN' }, ecrImage: { tags: ['release-2026.11'], imagePulledAt: ago(1) } },
        lastScannedAt: ago(2),
      });
      if (home) s.findings.push(finding(account, region, world.now, { type: 'AWS_ECR_CONTAINER_IMAGE', id: image }, { cve: 'CVE-2023-44487', severity: 'HIGH', score: 7.5, pkg: 'nghttp2-libs', version: '1.51.0', fixed: '1.57.0', daysOpen: 12 }));
    }
    for (const fn of account.regions.get(region)?.lambda ? lambdaState(account, region).functions : []) {
      const unsupported = fn.Runtime === 'python3.8';
      s.coverage.push({
        resourceType: 'AWS_LAMBDA_FUNCTION',
        resourceId: fn.FunctionArn,
        accountId: account.id,
        scanType: 'PACKAGE',
        scanStatus: unsupported ? { statusCode: 'INACTIVE', reason: 'UNSUPPORTED_RUNTIME' } : { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
        resourceMetadata: { lambdaFunction: { functionName: fn.FunctionName, runtime: inspectorRuntime(fn.Runtime), functionTags: {}, layers: [] } },
        ...(unsupported ? {} : { lastScannedAt: ago(3) }),
      });
    }
  });
}
