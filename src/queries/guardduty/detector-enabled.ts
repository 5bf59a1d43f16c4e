import { defineQuery } from '../types.js';
import { collectDetectors, evaluateDetectors, type DetectorsEvidence } from './detectors.js';

const FREQUENCY: Record<string, string> = { FIFTEEN_MINUTES: '15 minutes', ONE_HOUR: '1 hour', SIX_HOURS: '6 hours' };

export const detectorEnabled = defineQuery<DetectorsEvidence>({
  id: 'guardduty.detector-enabled',
  service: 'guardduty',
  title: 'GuardDuty threat detection is enabled',
  description: 'Whether the region has a GuardDuty detector, whether it is enabled, and how often it publishes updated findings.',
  remediation: 'Enable GuardDuty in every region (`aws guardduty create-detector --enable`), preferably for all accounts from the delegated administrator account.',
  scope: 'regional',
  apiCalls: ['guardduty:ListDetectors', 'guardduty:GetDetector'],
  collect: (ctx) => collectDetectors(ctx),
  evaluate(data, _params, ctx) {
    return evaluateDetectors(data, ctx, (id, d) => {
      const freq = d.FindingPublishingFrequency ? `, publishing updated findings every ${FREQUENCY[d.FindingPublishingFrequency] ?? d.FindingPublishingFrequency}` : '';
      return d.Status === 'ENABLED'
        ? { status: 'pass', reason: `GuardDuty detector ${id} is enabled${freq}` }
        : { status: 'fail', reason: `GuardDuty detector ${id} is ${d.Status ?? 'in an unknown state'}: threat detection is suspended` };
    });
  },
});
