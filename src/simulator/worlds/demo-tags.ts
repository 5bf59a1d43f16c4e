/**
 * The tags that classify the demo world's resources, and which resources carry them. The demo's declared scope
 * (demo-scope.ts) selects by these tags; a seed giving a demo resource a classification uses `demoScopeTags`.
 */
import type { Tag } from '@aws-sdk/client-resource-groups-tagging-api';

export type DemoClassification = 'cardholder-data' | 'ephi' | 'marketing' | 'sandbox';

/** Tag keys and values of each classification: data-classification for data, workload and environment for the rest. */
export const DEMO_SCOPE_TAGS: Readonly<Record<DemoClassification, readonly Tag[]>> = {
  'cardholder-data': [
    { Key: 'data-classification', Value: 'cardholder-data' },
    { Key: 'workload', Value: 'payments' },
  ],
  ephi: [
    { Key: 'data-classification', Value: 'ephi' },
    { Key: 'workload', Value: 'patient-records' },
  ],
  marketing: [
    { Key: 'data-classification', Value: 'public' },
    { Key: 'workload', Value: 'marketing' },
  ],
  sandbox: [{ Key: 'environment', Value: 'sandbox' }],
};

export function demoScopeTags(kind: DemoClassification): Tag[] {
  return DEMO_SCOPE_TAGS[kind].map((t) => ({ ...t }));
}

/** Demo resources by name pattern (glob on the ARN or bucket name) and the classification they carry. */
export const DEMO_CLASSIFIED: readonly { pattern: string; kind: DemoClassification }[] = [
  { pattern: '*cardholder-data*', kind: 'cardholder-data' },
  { pattern: '*:db:orders-db', kind: 'cardholder-data' },
  { pattern: '*:cluster:payments-ledger', kind: 'cardholder-data' },
  { pattern: '*:log-group:/app/payments', kind: 'cardholder-data' },
  { pattern: '*:log-group:/aws/lambda/checkout', kind: 'cardholder-data' },
  { pattern: '*:function:checkout', kind: 'cardholder-data' },
  { pattern: '*:repository/payments-*', kind: 'cardholder-data' },
  { pattern: '*:secret:payments/*', kind: 'cardholder-data' },
  { pattern: '*:secret:partners/*', kind: 'cardholder-data' },
  { pattern: '*:db:legacy-reporting', kind: 'ephi' },
  { pattern: '*:cluster:claims-history', kind: 'ephi' },
  { pattern: '*:function:legacy-report-export', kind: 'ephi' },
  { pattern: '*:secret:reporting/*', kind: 'ephi' },
  { pattern: '*evidence-archive*', kind: 'ephi' },
  { pattern: '*marketing-site*', kind: 'marketing' },
  { pattern: '*demo-production-legacy-uploads', kind: 'sandbox' },
];

export function demoClassificationOf(arn: string): DemoClassification | undefined {
  return DEMO_CLASSIFIED.find((c) => new RegExp(`^${c.pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(arn))?.kind;
}
