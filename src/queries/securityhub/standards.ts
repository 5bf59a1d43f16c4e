import type { StandardsSubscription } from '@aws-sdk/client-securityhub';
import { loadSecurityHubSdk } from '../../aws/sdk.js';
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
