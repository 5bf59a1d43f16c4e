import { defineQuery, isCapturedError } from '../types.js';
import { collectEnabledStandards, pciSubscriptions, type EnabledStandardsEvidence } from './standards.js';

export const pciStandard = defineQuery<EnabledStandardsEvidence>({
  id: 'securityhub.pci-standard',
  service: 'securityhub',
  title: 'Security Hub runs the PCI DSS standard’s automated checks',
  description:
    'The Security Hub standards enabled in the region, checked for a PCI DSS standard (v4.0.1, or v3.2.1) whose subscription is READY, so its controls are evaluated continuously.',
  remediation:
    'Enable Security Hub in the region (`aws securityhub enable-security-hub`) and the PCI DSS v4.0.1 standard (`aws securityhub batch-enable-standards --standards-subscription-requests StandardsArn=arn:aws:securityhub:<region>::standards/pci-dss/v/4.0.1`); with AWS Organizations, use central configuration.',
  scope: 'regional',
  apiCalls: ['securityhub:GetEnabledStandards'],
  collect: (ctx) => collectEnabledStandards(ctx),
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
      return [{ ...base, status: 'pass', reason: `the PCI DSS v${ready.version} standard is enabled and READY in ${ctx.region}${ready.version !== '4.0.1' ? ' (PCI DSS v4.0.1 is the current version of the standard)' : ''}` }];
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
