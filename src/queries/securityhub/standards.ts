import type { StandardsControl, StandardsSubscription } from '@aws-sdk/client-securityhub';
import { loadSecurityHubSdk } from '../../aws/sdk.js';
import { captureFailure } from '../partial-evidence.js';
import { captureAbsence, isCapturedError, stripMetadata, type CapturedError, type QueryContext } from '../types.js';

/** GetEnabledStandards (all pages), or the "not subscribed to Security Hub" answer kept as evidence. */
export type EnabledStandardsEvidence = { StandardsSubscriptions: StandardsSubscription[] } | CapturedError;

/** What Security Hub answers when it is not enabled in the account and region. */
export const NOT_ENABLED_CODES = ['InvalidAccessException'];

/** PCI DSS standards Security Hub offers, newest first: `standards/pci-dss/v/<version>`. */
export const PCI_STANDARD = /(?:^|:|\/)standards\/pci-dss\/v\/(\d+(?:\.\d+)*)$/;
export const PCI_VERSIONS = ['4.0.1', '3.2.1'];

export async function collectEnabledStandards(ctx: QueryContext): Promise<EnabledStandardsEvidence> {
  const { SecurityHubClient, paginateGetEnabledStandards } = await loadSecurityHubSdk();
  return captureAbsence(async () => {
    const subs: StandardsSubscription[] = [];
    for await (const page of paginateGetEnabledStandards({ client: ctx.clients.get(SecurityHubClient), pageSize: 100 }, {})) {
      subs.push(...(stripMetadata(page).StandardsSubscriptions ?? []));
    }
    return { StandardsSubscriptions: subs };
  }, NOT_ENABLED_CODES);
}

/** The PCI DSS subscriptions among the enabled standards, newest version first. */
export function pciSubscriptions(data: EnabledStandardsEvidence | undefined): Array<StandardsSubscription & { version: string }> {
  if (!data || isCapturedError(data)) return [];
  return (data.StandardsSubscriptions ?? [])
    .map((s) => ({ ...s, version: PCI_STANDARD.exec(s.StandardsArn ?? '')?.[1] ?? '' }))
    .filter((s) => PCI_VERSIONS.includes(s.version))
    .sort((a, b) => PCI_VERSIONS.indexOf(a.version) - PCI_VERSIONS.indexOf(b.version));
}

/** `standards/pci-dss/v/4.0.1`: the resource part of a standard ARN, as the ComplianceAssociatedStandardsId filter takes it. */
export function standardsId(standardsArn: string): string {
  const i = standardsArn.indexOf('standards/');
  return i >= 0 ? standardsArn.slice(i) : standardsArn;
}

/**
 * DescribeStandardsControls (all pages) for one standard subscription: every control of the standard with its
 * ControlStatus (ENABLED or DISABLED) and DisabledReason. A disabled control is not evaluated and produces no
 * findings, so the findings alone cannot show it. A failed call is kept as AWS's answer.
 */
export type StandardsControlsEvidence = { Controls: StandardsControl[] } | CapturedError;

/** DescribeStandardsControls accepts at most 100 controls per page. */
export const STANDARDS_CONTROLS_PAGE = 100;

export async function collectStandardsControls(ctx: QueryContext, standardsSubscriptionArn: string): Promise<StandardsControlsEvidence> {
  const { SecurityHubClient, paginateDescribeStandardsControls } = await loadSecurityHubSdk();
  return captureFailure(async () => {
    const controls: StandardsControl[] = [];
    const pages = paginateDescribeStandardsControls({ client: ctx.clients.get(SecurityHubClient), pageSize: STANDARDS_CONTROLS_PAGE }, { StandardsSubscriptionArn: standardsSubscriptionArn });
    for await (const page of pages) {
      ctx.signal?.throwIfAborted();
      controls.push(...(stripMetadata(page).Controls ?? []));
    }
    return { Controls: controls };
  }, ctx.signal);
}

/**
 * Whether every control of an enabled standard runs: `pass` only when DescribeStandardsControls listed the
 * standard's controls and each is ENABLED. Disabled controls are listed with the reason recorded when they were
 * disabled; an unread, failed or empty listing leaves the question open.
 */
export function judgeStandardsControls(sub: StandardsSubscription, controls: StandardsControlsEvidence | undefined): { status: 'pass' | 'needs-review'; text: string } {
  if (controls === undefined) {
    return { status: 'needs-review', text: 'this evidence was sealed before the standard’s controls were read (DescribeStandardsControls), so whether any of its controls is disabled is not shown' };
  }
  if (isCapturedError(controls)) {
    return { status: 'needs-review', text: `the standard’s controls could not be read (DescribeStandardsControls: ${controls.error.code}: ${controls.error.message}), so whether any of its controls is disabled is not shown` };
  }
  const all = controls.Controls ?? [];
  if (all.length === 0) {
    const updatable = sub.StandardsControlsUpdatable ? `; this one’s is ${sub.StandardsControlsUpdatable}` : '';
    return {
      status: 'needs-review',
      text: `Security Hub listed no controls of the standard (DescribeStandardsControls returns none while a subscription’s StandardsControlsUpdatable is NOT_READY_FOR_UPDATES${updatable}), so whether any of its controls is disabled is not shown`,
    };
  }
  const disabled = all.filter((c) => c.ControlStatus !== 'ENABLED');
  if (disabled.length === 0) return { status: 'pass', text: `all ${all.length} controls of the standard are enabled` };
  const listed = disabled
    .map((c) => `${c.ControlId ?? c.StandardsControlArn ?? 'an unnamed control'} (${c.ControlStatus ?? 'no status'}: ${c.DisabledReason ? `“${c.DisabledReason}”` : 'no reason recorded'})`)
    .join(', ');
  return {
    status: 'needs-review',
    text: `${all.length - disabled.length} of ${all.length} controls of the standard are enabled; disabled in Security Hub (not evaluated, so no findings show their state; confirm each is justified): ${listed}`,
  };
}
