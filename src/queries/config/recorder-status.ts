import type {
  ConfigurationRecorder,
  DescribeConfigurationRecorderStatusCommandOutput,
  DescribeConfigurationRecordersCommandOutput,
} from '@aws-sdk/client-config-service';
import { loadConfigServiceSdk } from '../../aws/sdk.js';
import { defineQuery, stripMetadata, toDate, type EvaluationContext, type ResourceResult } from '../types.js';

export interface RecorderStatusEvidence {
  recorders: Omit<DescribeConfigurationRecordersCommandOutput, '$metadata'>;
  statuses: Omit<DescribeConfigurationRecorderStatusCommandOutput, '$metadata'>;
}

/**
 * How often a recorder records: CONTINUOUS records each change as it happens; DAILY records at most one configuration
 * item a day per resource, so a change made and undone within the day leaves no record. Undefined: continuous.
 */
function frequency(r: ConfigurationRecorder): string | undefined {
  const mode = r.recordingMode;
  if (mode?.recordingFrequency === 'DAILY') return 'records daily, not continuously: a change made and undone within a day leaves no configuration item';
  const daily = (mode?.recordingModeOverrides ?? []).filter((o) => o.recordingFrequency === 'DAILY').flatMap((o) => o.resourceTypes ?? []);
  if (daily.length) return `records ${daily.slice(0, 5).join(', ')}${daily.length > 5 ? ` and ${daily.length - 5} more type(s)` : ''} only daily (a recording mode override): changes to them made and undone within a day leave no configuration item`;
  return undefined;
}

/** What a recorder records: everything, everything but some types, or only listed types; and how often. */
function coverage(r: ConfigurationRecorder, ctx: EvaluationContext): { status: 'pass' | 'needs-review' | 'fail'; text: string } {
  const what = recordedTypes(r, ctx);
  const daily = frequency(r);
  if (!daily) return what;
  return { status: what.status === 'fail' ? 'fail' : 'needs-review', text: `${what.text}; it ${daily}` };
}

/** The global IAM resource types: left out of allSupported unless includeGlobalResourceTypes is true. */
const GLOBAL_IAM_TYPES = ['AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::Role', 'AWS::IAM::Policy'];
const IAM_WORDS = 'the global IAM resource types (IAM users, groups, roles and customer managed policies)';

/**
 * Regions where AWS Config was available before February 2022, the only ones where it can record the global IAM
 * resource types (https://docs.aws.amazon.com/config/latest/APIReference/API_RecordingGroup.html).
 */
const IAM_RECORDING_REGIONS = new Set([
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'af-south-1', 'ap-east-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ca-central-1', 'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-south-1', 'eu-north-1',
  'me-south-1', 'sa-east-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-east-1', 'us-gov-west-1',
]);

/** The fact a region whose recorder records the global IAM types gives the account's other regions (`accountFact`). */
const RECORDS_IAM = 'records-global-iam-types';

/** Whether a recorder's settings record the global IAM types in this region. */
function recordsIamTypes(r: ConfigurationRecorder, region: string): boolean {
  const g = r.recordingGroup;
  const strategy = g?.recordingStrategy?.useOnly;
  if (!IAM_RECORDING_REGIONS.has(region)) return false;
  if (strategy === 'EXCLUSION_BY_RESOURCE_TYPES') return !GLOBAL_IAM_TYPES.some((t) => (g?.exclusionByResourceTypes?.resourceTypes as string[] | undefined)?.includes(t));
  return (g?.allSupported === true || strategy === 'ALL_SUPPORTED_RESOURCE_TYPES') && g?.includeGlobalResourceTypes === true;
}

/**
 * AWS Config records the global IAM types in the regions set to record them (AWS advises one). Where the account's
 * other regions of the same run show a recorder recording them, this region need not; otherwise the assessor confirms.
 */
function elsewhereText(ctx: EvaluationContext): { recordedIn: string[]; text: string } {
  const recordedIn = (ctx.accountFacts ?? []).filter((f) => f.fact === RECORDS_IAM).map((f) => f.region).sort();
  if (recordedIn.length) return { recordedIn, text: `they are recorded by this account's recorder in ${recordedIn.join(', ')} (evidence of the same run)` };
  if (ctx.accountFacts) return { recordedIn, text: 'no other region collected in this run records them: confirm that a recorder of a region not collected records them' };
  return { recordedIn, text: 'confirm that the recorder of another Region records them (this evaluation sees one Region only)' };
}

function recordedTypes(r: ConfigurationRecorder, ctx: EvaluationContext): { status: 'pass' | 'needs-review' | 'fail'; text: string } {
  const region = ctx.region;
  const g = r.recordingGroup;
  const strategy = g?.recordingStrategy?.useOnly;
  const iamHere = IAM_RECORDING_REGIONS.has(region);
  const elsewhere = elsewhereText(ctx);
  const confirmElsewhere = elsewhere.text;
  const notHere = `AWS Config cannot record them in ${region}, which is not among the Regions it supported before February 2022`;
  if (strategy === 'EXCLUSION_BY_RESOURCE_TYPES') {
    // The exclusion strategy records the global IAM types unless they are listed as exclusions, whatever includeGlobalResourceTypes says.
    const excluded = g?.exclusionByResourceTypes?.resourceTypes ?? [];
    const iamExcluded = GLOBAL_IAM_TYPES.filter((t) => (excluded as string[]).includes(t));
    const iam = !iamHere ? `; ${IAM_WORDS} are not recorded: ${notHere}` : iamExcluded.length ? `; ${iamExcluded.join(', ')} not recorded: ${confirmElsewhere}` : '';
    return { status: 'needs-review', text: `records all supported resource types except ${excluded.length ? excluded.join(', ') : '(none listed)'}${iam}` };
  }
  if (g?.allSupported === true || strategy === 'ALL_SUPPORTED_RESOURCE_TYPES') {
    const status = elsewhere.recordedIn.length ? 'pass' : 'needs-review';
    if (g?.includeGlobalResourceTypes !== true) {
      return { status, text: `records all supported resource types except ${IAM_WORDS}, which includeGlobalResourceTypes false leaves out in this Region: ${confirmElsewhere}` };
    }
    if (!iamHere) {
      return { status, text: `records all supported resource types; includeGlobalResourceTypes is true, but ${IAM_WORDS} are not recorded: ${notHere}; ${confirmElsewhere}` };
    }
    return { status: 'pass', text: `records all resource types AWS Config supports in ${region}, including ${IAM_WORDS}` };
  }
  const types = g?.resourceTypes ?? [];
  return { status: 'fail', text: `records only ${types.length} selected resource types${types.length ? ` (${types.slice(0, 5).join(', ')}${types.length > 5 ? ', ...' : ''})` : ''}` };
}

export const recorderStatus = defineQuery<RecorderStatusEvidence>({
  id: 'config.recorder-status',
  service: 'config',
  title: 'AWS Config records configuration changes of all resources',
  description:
    'The region’s AWS Config configuration recorders, what they record (all supported resource types, and whether the global IAM resource types are among them in this region: if not, a recorder of the same account in another region of the same run must record them, or it needs review), how often (continuously, or daily for all or some types: needs review) and whether recording is on with its last status successful.',
  remediation:
    'Configure a recorder for all supported resource types (`aws configservice put-configuration-recorder --recording-group allSupported=true,includeGlobalResourceTypes=true` in one region) and start it (`aws configservice start-configuration-recorder`); fix the recorder role if the last status is a failure.',
  scope: 'regional',
  apiCalls: ['config:DescribeConfigurationRecorders', 'config:DescribeConfigurationRecorderStatus'],
  async collect(ctx) {
    const { ConfigServiceClient, DescribeConfigurationRecordersCommand, DescribeConfigurationRecorderStatusCommand } = await loadConfigServiceSdk();
    const cfg = ctx.clients.get(ConfigServiceClient);
    return {
      recorders: stripMetadata(await cfg.send(new DescribeConfigurationRecordersCommand({}))),
      statuses: stripMetadata(await cfg.send(new DescribeConfigurationRecorderStatusCommand({}))),
    };
  },
  accountFact(data, ctx) {
    const statuses = data?.statuses?.ConfigurationRecordersStatus ?? [];
    const recording = (data?.recorders?.ConfigurationRecorders ?? []).some((r) => {
      if (r.servicePrincipal || !recordsIamTypes(r, ctx.region)) return false;
      const s = statuses.find((x) => x.name === r.name);
      return s?.recording === true && s.lastStatus === 'Success' && !frequency(r);
    });
    return recording ? RECORDS_IAM : undefined;
  },
  evaluate(data, _params, ctx) {
    const recorders = data?.recorders?.ConfigurationRecorders;
    if (!recorders || !data.statuses) {
      return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no configuration recorder responses' }];
    }
    const results: ResourceResult[] = [];
    const own = recorders.filter((r) => !r.servicePrincipal);
    for (const r of recorders.filter((x) => x.servicePrincipal)) {
      results.push({
        resource: r.arn ?? r.name ?? '',
        resourceType: 'AWS::Config::ConfigurationRecorder',
        status: 'not-applicable',
        reason: `recorder ${r.name} is service-linked to ${r.servicePrincipal} and records only what that service needs`,
      });
    }
    if (own.length === 0) {
      results.push({ resource: 'account', resourceType: 'AWS::::Account', status: 'fail', reason: `no AWS Config configuration recorder in ${ctx.region}: configuration changes are not recorded` });
      return results;
    }
    for (const r of own) {
      const resource = { resource: r.arn ?? r.name ?? '', resourceType: 'AWS::Config::ConfigurationRecorder' };
      const s = data.statuses.ConfigurationRecordersStatus?.find((x) => x.name === r.name);
      if (!s) {
        results.push({ ...resource, status: 'error', reason: `recorder ${r.name}: the evidence holds no status for it` });
        continue;
      }
      const cov = coverage(r, ctx);
      if (s.recording !== true) {
        const since = toDate(s.lastStopTime);
        results.push({ ...resource, status: 'fail', reason: `recorder ${r.name} is not recording${since ? ` (stopped ${since.toISOString()})` : ''}; it ${cov.text}` });
      } else if (s.lastStatus === 'Failure') {
        results.push({ ...resource, status: 'fail', reason: `recorder ${r.name} is on but its last recording failed: ${s.lastErrorCode ?? ''} ${s.lastErrorMessage ?? ''}`.trim() });
      } else if (s.lastStatus !== 'Success') {
        results.push({ ...resource, status: cov.status === 'fail' ? 'fail' : 'needs-review', reason: `recorder ${r.name} is on with last status ${s.lastStatus ?? 'unknown'} (not yet Success); it ${cov.text}` });
      } else {
        results.push({ ...resource, status: cov.status, reason: `recorder ${r.name} is recording, last status Success; it ${cov.text}` });
      }
    }
    return results;
  },
});
