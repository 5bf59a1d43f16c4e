/** The simulated Security Hub's DescribeStandardsControls through the real SDK client (demo account). */
import { describe, expect, it } from 'vitest';
import { DescribeStandardsControlsCommand, SecurityHubClient, paginateDescribeStandardsControls, type StandardsControl } from '@aws-sdk/client-securityhub';
import { DEMO_ACCOUNT_ID, demoWorld } from '../../src/simulator/index.js';
import { securityHubState } from '../../src/simulator/services/securityhub.js';
import { clientConfig, useSimulator } from './helpers.js';

const PCI = `arn:aws:securityhub:us-east-1:${DEMO_ACCOUNT_ID}:subscription/pci-dss/v/4.0.1`;

describe('simulated Security Hub DescribeStandardsControls (restJson1, GET /standards/controls/{StandardsSubscriptionArn+})', () => {
  const sim = useSimulator(() => ({ world: demoWorld({ now: new Date() }), faults: { rateLimits: {} } }));
  const hub = () => new SecurityHubClient(clientConfig(sim()));

  it('pages the subscription’s controls (MaxResults 1-100) with each ControlStatus and the demo’s disabled control with its reason', async () => {
    const controls: StandardsControl[] = [];
    let pages = 0;
    for await (const page of paginateDescribeStandardsControls({ client: hub(), pageSize: 3 }, { StandardsSubscriptionArn: PCI })) {
      pages++;
      expect(page.Controls!.length).toBeLessThanOrEqual(3);
      controls.push(...page.Controls!);
    }
    expect(pages).toBe(3);
    expect(controls.map((c) => c.ControlId)).toEqual(['CloudTrail.2', 'EC2.13', 'EC2.2', 'EC2.8', 'IAM.6', 'KMS.4', 'RDS.2', 'RDS.3']);
    const disabled = controls.filter((c) => c.ControlStatus === 'DISABLED');
    expect(disabled).toEqual([
      expect.objectContaining({ ControlId: 'EC2.8', StandardsControlArn: `arn:aws:securityhub:us-east-1:${DEMO_ACCOUNT_ID}:control/pci-dss/v/4.0.1/EC2.8`, DisabledReason: expect.stringContaining('IMDSv1') }),
    ]);
    expect(controls[0].ControlStatusUpdatedAt).toBeInstanceOf(Date);
    await expect(hub().send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: PCI, MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(hub().send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: `${PCI}x` }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('returns an empty list while the subscription’s StandardsControlsUpdatable is NOT_READY_FOR_UPDATES', async () => {
    const sub = securityHubState(sim().world.account(DEMO_ACCOUNT_ID)!, 'us-east-1').subscriptions.find((s) => s.StandardsSubscriptionArn === PCI)!;
    sub.StandardsControlsUpdatable = 'NOT_READY_FOR_UPDATES';
    try {
      expect((await hub().send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: PCI }))).Controls).toEqual([]);
    } finally {
      sub.StandardsControlsUpdatable = 'READY_FOR_UPDATES';
    }
  });
});
