import type { StandardsSubscription } from '@aws-sdk/client-securityhub';
import { defineQuery, isCapturedError, type CapturedError } from '../types.js';
import { collectEnabledStandards, collectStandardsControls, judgeStandardsControls, pciSubscriptions, type StandardsControlsEvidence } from './standards.js';

/**
 * GetEnabledStandards, and DescribeStandardsControls for each enabled PCI DSS subscription (`standardsControls` is
 * absent from evidence sealed before the controls were read).
 */
export type PciStandardEvidence =
  | CapturedError
  | { StandardsSubscriptions: StandardsSubscription[]; standardsControls?: { standardsSubscriptionArn: string; controls: StandardsControlsEvidence }[] };

export const pciStandard = defineQuery<PciStandardEvidence>({
  id: 'securityhub.pci-standard',
  service: 'securityhub',
  title: 'Security Hub runs the PCI DSS standard’s automated checks',
  description:
    'The Security Hub standards enabled in the region, checked for a PCI DSS standard (v4.0.1, or v3.2.1) whose subscription is READY, so its controls are evaluated continuously, and that standard’s controls (DescribeStandardsControls): any control disabled in it is not evaluated, so it needs review with the reason recorded for it.',
  remediation:
    'Enable Security Hub in the region (`aws securityhub enable-security-hub`) and the PCI DSS v4.0.1 standard (`aws securityhub batch-enable-standards --standards-subscription-requests StandardsArn=arn:aws:securityhub:<region>::standards/pci-dss/v/4.0.1`); with AWS Organizations, use central configuration.',
  scope: 'regional',
  apiCalls: ['securityhub:GetEnabledStandards', 'securityhub:DescribeStandardsControls'],
  async collect(ctx) {
    const enabled = await collectEnabledStandards(ctx);
    if (isCapturedError(enabled)) return enabled;
    const standardsControls: { standardsSubscriptionArn: string; controls: StandardsControlsEvidence }[] = [];
    for (const s of pciSubscriptions(enabled)) {
      const standardsSubscriptionArn = s.StandardsSubscriptionArn ?? '';
      standardsControls.push({ standardsSubscriptionArn, controls: await collectStandardsControls(ctx, standardsSubscriptionArn) });
    }
    return { ...enabled, standardsControls };
  },
  evaluate(data, _params, ctx) {
    const base = { resource: `arn:aws:securityhub:${ctx.region}:${ctx.accountId}:hub/default`, resourceType: 'AWS::SecurityHub::Hub' };
    if (isCapturedError(data)) return [{ ...base, status: 'fail', reason: `Security Hub is not enabled in ${ctx.region} (${data.error.code}: ${data.error.message})` }];
    if (!data?.StandardsSubscriptions) return [{ ...base, status: 'error', reason: 'the evidence holds no GetEnabledStandards response' }];
    const pci = pciSubscriptions(data);
    if (pci.length === 0) {
      const others = data.StandardsSubscriptions.map((s) => s.StandardsArn?.split('standards/')[1]).filter(Boolean);
      return [{ ...base, status: 'fail', reason: `Security Hub is enabled in ${ctx.region} but no PCI DSS standard is (enabled: ${others.join(', ') || 'none'})` }];
    }
    const ready = pci.find((s) => s.StandardsStatus === 'READY');
    if (ready) {
      const controls = judgeStandardsControls(ready, data.standardsControls?.find((c) => c.standardsSubscriptionArn === ready.StandardsSubscriptionArn)?.controls);
      return [
        {
          ...base,
          status: controls.status,
          reason: `the PCI DSS v${ready.version} standard is enabled and READY in ${ctx.region}${ready.version !== '4.0.1' ? ' (PCI DSS v4.0.1 is the current version of the standard)' : ''}; ${controls.text}`,
        },
      ];
    }
    const s = pci[0];
    const why = s.StandardsStatusReason?.StatusReasonCode ? ` (${s.StandardsStatusReason.StatusReasonCode})` : '';
    return [
      {
        ...base,
        status: s.StandardsStatus === 'PENDING' || s.StandardsStatus === 'INCOMPLETE' ? 'needs-review' : 'fail',
        reason: `the PCI DSS v${s.version} standard subscription in ${ctx.region} is ${s.StandardsStatus}${why}, not READY`,
      },
    ];
  },
});
