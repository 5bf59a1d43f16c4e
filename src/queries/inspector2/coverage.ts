import type { Reservation } from '@aws-sdk/client-ec2';
import type { Repository } from '@aws-sdk/client-ecr';
import type { CoveredResource } from '@aws-sdk/client-inspector2';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import { loadEc2Sdk, loadEcrSdk, loadInspector2Sdk, loadLambdaSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { judgeNotAtRisk, NOT_AT_RISK_PARAMETERS } from '../not-at-risk.js';
import { ownItems, othersLeftOut } from '../own-account.js';
import { defineQuery, isCapturedError, stripMetadata, toDate, type CapturedError, type QueryContext, type ResourceResult } from '../types.js';

/** Each listing is kept separately so one denied call leaves the others' results standing. */
export interface Inspector2CoverageEvidence {
  /** ec2:DescribeInstances, all pages. */
  reservations: Reservation[] | CapturedError;
  /** ecr:DescribeRepositories, all pages. */
  repositories: Repository[] | CapturedError;
  /** lambda:ListFunctions, all pages (environment variable values are redacted before storage). */
  functions: FunctionConfiguration[] | CapturedError;
  /** inspector2:ListCoverage, all pages. */
  coverage: CoveredResource[] | CapturedError;
}

const GONE = new Set(['terminated', 'shutting-down']);
const DAY = 86_400_000;

const SCAN_MODE: Record<string, string> = {
  EC2_SSM_AGENT_BASED: 'agent-based (package inventory read through the SSM Agent, i.e. from inside the host)',
  EC2_AGENTLESS: 'agentless (package inventory read from EBS snapshots of the volumes)',
};

/** Collects every page of one listing, keeping a failure as evidence of that listing only. */
export async function listAll<T>(pages: () => AsyncIterable<T[]>, signal?: AbortSignal): Promise<T[] | CapturedError> {
  return captureFailure(async () => {
    const out: T[] = [];
    for await (const items of pages()) {
      signal?.throwIfAborted();
      out.push(...items);
    }
    return out;
  }, signal);
}

export async function* mapPages<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): AsyncIterable<T[]> {
  for await (const page of pages) yield pick(stripMetadata(page)) ?? [];
}

/** The account's own EC2 instances, ECR repositories and Lambda functions (no administrator holds these lists). */
export async function listScannableResources(ctx: QueryContext): Promise<Omit<Inspector2CoverageEvidence, 'coverage'>> {
  const [{ EC2Client, paginateDescribeInstances }, { ECRClient, paginateDescribeRepositories }, { LambdaClient, paginateListFunctions }] = await Promise.all([loadEc2Sdk(), loadEcrSdk(), loadLambdaSdk()]);
  const reservations = await listAll(() => mapPages(paginateDescribeInstances({ client: ctx.clients.get(EC2Client), pageSize: 1000 }, {}), (p) => p.Reservations), ctx.signal);
  const repositories = await listAll(() => mapPages(paginateDescribeRepositories({ client: ctx.clients.get(ECRClient), pageSize: 1000 }, {}), (p) => p.repositories), ctx.signal);
  const functions = await listAll(() => mapPages(paginateListFunctions({ client: ctx.clients.get(LambdaClient), pageSize: 50 }, {}), (p) => p.Functions), ctx.signal);
  return { reservations, repositories, functions };
}

/** The account's own coverage: the Inspector delegated administrator's ListCoverage lists every member's resources too. */
export function ownCoverage(accountId: string) {
  return { accountId: [{ comparison: 'EQUALS' as const, value: accountId }] };
}

function gapResult(what: string, e: CapturedError, region: string): ResourceResult {
  return { resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: `${what} in ${region} could not be listed (${e.error.code}: ${e.error.message}), so their scan coverage is unknown` };
}

/** What an image's inactive scan status means, for the reasons Inspector gives most often. */
const IMAGE_INACTIVE: Record<string, string> = {
  SCAN_ELIGIBILITY_EXPIRED: 'no longer monitored: not pushed or in use within the Inspector ECR re-scan duration, and its findings are closed',
  UNSUPPORTED_OS: 'its operating system is not supported',
  PENDING_INITIAL_SCAN: 'not scanned yet',
};

/**
 * An ECR repository is scanned only as far as its images are: Inspector lists each image separately, and stops
 * monitoring an image (INACTIVE, SCAN_ELIGIBILITY_EXPIRED) once it falls outside the ECR re-scan duration, closing its
 * findings. The repository's own coverage entry says only that its scan frequency is set. An active repository entry
 * with no image actively scanned fails; with some images inactive, or no image listed at all, it needs review.
 */
function judgeImages(r: ResourceResult, images: CoveredResource[]): ResourceResult {
  const active = images.filter((c) => c.scanStatus?.statusCode === 'ACTIVE').length;
  const inactive = images.filter((c) => c.scanStatus?.statusCode !== 'ACTIVE');
  const byReason = new Map<string, number>();
  for (const c of inactive) {
    const key = `${c.scanStatus?.statusCode ?? 'status unknown'} ${c.scanStatus?.reason ?? 'no reason given'}`;
    byReason.set(key, (byReason.get(key) ?? 0) + 1);
  }
  const reasons = [...byReason].map(([key, n]) => {
    const reason = key.split(' ').pop() ?? '';
    return `${n} ${key}${IMAGE_INACTIVE[reason] ? ` (${IMAGE_INACTIVE[reason]})` : ''}`;
  }).join(', ');
  const tally = `${active} of ${images.length} images actively scanned`;
  if (r.status === 'fail' || r.status === 'error') return images.length ? { ...r, reason: `${r.reason}; ${tally}` } : r;
  if (images.length === 0) {
    return { ...r, status: 'needs-review', reason: `${r.reason}; Inspector’s coverage lists no image in it, so no image is shown to be scanned: confirm the repository holds no images` };
  }
  if (active === 0) return { ...r, status: 'fail', reason: `${r.reason}, but ${tally}: ${reasons}; none of its images is scanned for vulnerabilities` };
  if (inactive.length) return { ...r, status: 'needs-review', reason: `${r.reason}; ${tally}, the others not: ${reasons}; confirm none of those is deployed` };
  return { ...r, reason: `${r.reason}; ${tally}` };
}

export const coverage = defineQuery<Inspector2CoverageEvidence>({
  id: 'inspector2.coverage',
  service: 'inspector2',
  title: 'Every EC2 instance, ECR repository and Lambda function in the region is actively scanned by Amazon Inspector',
  description:
    'The region’s EC2 instances, ECR repositories and Lambda functions beside Amazon Inspector’s coverage list of the account (its own entries only, also where it is the Inspector delegated administrator): whether Inspector scans each one, its scan status and reason, scan mode (agent-based or agentless for EC2) and when it last scanned; an ECR repository also by its images’ scan status (Inspector stops monitoring an image outside its ECR re-scan duration, so a repository whose images are all inactive is not scanned). A resource Inspector does not list is not scanned. It covers only these three resource types; anything else (on-premises hosts, containers outside ECR, managed databases, network devices) is outside what Inspector reaches. Under a requirement that sets notAtRiskEvaluation (PCI DSS 5.2.3) an unscanned component is compared with the entity’s list of components judged not at risk from malware (notAtRiskComponents) instead of failing.',
  remediation:
    'Enable Inspector scanning for the resource type; for EC2 make the instance an SSM managed node or turn on agentless scanning (hybrid mode); remove exclusion tags (InspectorEc2Exclusion) unless the exclusion is documented; for ECR set enhanced scanning with continuous rescans on the repository; move Lambda functions to a supported runtime.',
  scope: 'regional',
  apiCalls: ['ec2:DescribeInstances', 'ecr:DescribeRepositories', 'lambda:ListFunctions', 'inspector2:ListCoverage'],
  parameters: {
    maxScanAgeDays: {
      description: 'Organisation choice: an active scan whose last scan is older than this many days is listed for review as possibly stale (Inspector rescans on change and on new CVEs, so a long silence deserves a look).',
      default: 30,
    },
    ...NOT_AT_RISK_PARAMETERS,
  },
  async collect(ctx) {
    const { Inspector2Client, paginateListCoverage } = await loadInspector2Sdk();
    const resources = await listScannableResources(ctx);
    const covered = await listAll(() => mapPages(paginateListCoverage({ client: ctx.clients.get(Inspector2Client), pageSize: 200 }, { filterCriteria: ownCoverage(ctx.accountId) }), (p) => p.coveredResources), ctx.signal);
    return { ...resources, coverage: covered };
  },
  evaluate(data, params, ctx) {
    if (!data || !data.coverage || !data.reservations || !data.repositories || !data.functions) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence lacks the DescribeInstances, DescribeRepositories, ListFunctions or ListCoverage responses' }];
    }
    if (isCapturedError(data.coverage)) {
      return [gapResult('Amazon Inspector coverage', data.coverage, ctx.region)];
    }
    const maxAge = Number(params.maxScanAgeDays ?? 30);
    const now = toDate(ctx.collectedAt)?.getTime() ?? Date.now();
    // A member's repository or function of the same name must not count as this account's coverage.
    const { own: covered, others } = ownItems(data.coverage, (c) => c.accountId, ctx.accountId);
    const leftOut = othersLeftOut(others, 'coverage entries');
    const results: ResourceResult[] = [];

    const judge = (base: { resource: string; resourceType: string }, label: string, entries: CoveredResource[]): ResourceResult => {
      if (entries.length === 0) return { ...base, status: 'fail', reason: `${label} is not in Amazon Inspector’s coverage: it is not scanned for vulnerabilities` };
      const pkg = entries.find((e) => e.scanType === 'PACKAGE') ?? entries[0];
      const others = entries.filter((e) => e !== pkg).map((e) => `${e.scanType} scan ${e.scanStatus?.statusCode ?? 'status unknown'}`);
      const extra = others.length ? `; also ${others.join(', ')}` : '';
      const code = pkg.scanStatus?.statusCode;
      const why = pkg.scanStatus?.reason;
      const last = toDate(pkg.lastScannedAt);
      const ageDays = last ? Math.floor((now - last.getTime()) / DAY) : undefined;
      const when = last ? `last scanned ${last.toISOString().slice(0, 10)} (${ageDays} days before collection)` : 'never scanned';
      const mode = pkg.scanMode ? `, ${SCAN_MODE[pkg.scanMode] ?? pkg.scanMode}` : '';
      if (code !== 'ACTIVE') {
        const stopped = why === 'EC2_INSTANCE_STOPPED';
        return { ...base, status: stopped ? 'needs-review' : 'fail', reason: `${label}: Inspector ${pkg.scanType ?? ''} scanning is ${code ?? 'of unknown status'} (${why ?? 'no reason given'})${stopped ? ', paused while the instance is stopped' : ''}; ${when}${extra}` };
      }
      if (ageDays === undefined || ageDays > maxAge) {
        return { ...base, status: 'needs-review', reason: `${label}: Inspector ${pkg.scanType} scanning is active${mode} but ${when}, beyond ${maxAge} days${extra}` };
      }
      return { ...base, status: 'pass', reason: `${label}: Inspector ${pkg.scanType} scanning is active${mode}; ${when}${extra}` };
    };

    if (isCapturedError(data.reservations)) results.push(gapResult('EC2 instances', data.reservations, ctx.region));
    else {
      for (const r of data.reservations) {
        for (const i of r.Instances ?? []) {
          if (GONE.has(i.State?.Name ?? '')) continue;
          const name = i.Tags?.find((t) => t.Key === 'Name')?.Value;
          const entries = covered.filter((c) => c.resourceType === 'AWS_EC2_INSTANCE' && c.resourceId === i.InstanceId);
          results.push(judge({ resource: `arn:aws:ec2:${ctx.region}:${r.OwnerId ?? ctx.accountId}:instance/${i.InstanceId}`, resourceType: 'AWS::EC2::Instance' }, `instance ${i.InstanceId}${name ? ` (${name})` : ''}`, entries));
        }
      }
    }
    if (isCapturedError(data.repositories)) results.push(gapResult('ECR repositories', data.repositories, ctx.region));
    else {
      for (const repo of data.repositories) {
        const arn = repo.repositoryArn ?? `arn:aws:ecr:${ctx.region}:${ctx.accountId}:repository/${repo.repositoryName}`;
        const entries = covered.filter((c) => c.resourceType === 'AWS_ECR_REPOSITORY' && (c.resourceId === arn || c.resourceMetadata?.ecrRepository?.name === repo.repositoryName));
        const images = covered.filter((c) => c.resourceType === 'AWS_ECR_CONTAINER_IMAGE' && (c.resourceId?.startsWith(`${arn}/`) || c.resourceMetadata?.ecrRepository?.name === repo.repositoryName));
        results.push(judgeImages(judge({ resource: arn, resourceType: 'AWS::ECR::Repository' }, `repository ${repo.repositoryName}`, entries), images));
      }
    }
    if (isCapturedError(data.functions)) results.push(gapResult('Lambda functions', data.functions, ctx.region));
    else {
      for (const fn of data.functions) {
        const arn = fn.FunctionArn ?? `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${fn.FunctionName}`;
        const entries = covered.filter(
          (c) => c.resourceType === 'AWS_LAMBDA_FUNCTION' && (c.resourceId === arn || c.resourceId?.startsWith(`${arn}:`) || c.resourceMetadata?.lambdaFunction?.functionName === fn.FunctionName),
        );
        results.push(judge({ resource: arn, resourceType: 'AWS::Lambda::Function' }, `function ${fn.FunctionName}${fn.Runtime ? ` (${fn.Runtime})` : ''}`, entries));
      }
    }
    if (results.length === 0) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no EC2 instances, ECR repositories or Lambda functions in ${ctx.region}` });
    }
    // PCI DSS 5.2.3: the unscanned components are the population compared with the entity's not-at-risk list.
    const tags = new Map<string, readonly { Key?: string; Value?: string }[]>(
      isCapturedError(data.reservations) ? [] : data.reservations.flatMap((r) => (r.Instances ?? []).map((i) => [`arn:aws:ec2:${ctx.region}:${r.OwnerId ?? ctx.accountId}:instance/${i.InstanceId}`, i.Tags ?? []] as const)),
    );
    const judged = judgeNotAtRisk(results, params, ctx, 'Amazon Inspector scanning (vulnerable packages, not malware: it says nothing of anti-malware on the component)', (arn) => tags.get(arn));
    // Each resource was matched against this account's coverage entries only; the reason says so when others were present.
    return leftOut ? judged.map((r) => ({ ...r, reason: `${r.reason}${leftOut}` })) : judged;
  },
});
