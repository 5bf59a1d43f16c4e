/** macie.discovery with findings read through the Macie administrator; the member's own session and jobs stay its own. */
import { describe, expect, it } from 'vitest';
import { macieDiscovery, type MacieDiscoveryEvidence } from '../../../src/queries/macie/discovery.js';
import { administratorDiscovery } from '../../../src/queries/macie/administrator-discovery.js';
import { macieState } from '../../../src/simulator/services/macie2.js';
import { ADMIN, outcome, useOrganization } from '../delegated/helpers.js';
import type { QueryParameters } from '../../../src/queries/types.js';

describe('Amazon Macie through its administrator', () => {
  const org = useOrganization((world) => {
    const [, holder, paused] = world.organization!.accountIds;
    const at = new Date(Date.now() - 3 * 86_400_000);
    macieState(world.account(holder)!, 'us-east-1').findings.push({
      id: 'aaaabbbbccccddddeeeeffff00001111',
      accountId: holder,
      region: 'us-east-1',
      type: 'SensitiveData:S3Object/Multiple',
      category: 'CLASSIFICATION',
      archived: false,
      createdAt: at,
      updatedAt: at,
      resourcesAffected: { s3Bucket: { name: `uploads-${holder}`, arn: `arn:aws:s3:::uploads-${holder}` }, s3Object: { key: 'a.csv' } },
      classificationDetails: {
        result: { sensitiveData: [{ category: 'FINANCIAL_INFORMATION', detections: [{ type: 'CREDIT_CARD_SECURITY_CODE', count: 2, occurrences: { lineRanges: [{ start: 1, end: 1, startColumn: 5 }] } }] }] },
      },
    });
    macieState(world.account(paused)!, 'us-east-1').session!.status = 'PAUSED';
    // The administrator does not run automated discovery for the holder, though the holder's own setting says ENABLED.
    macieState(world.account(holder)!, 'us-east-1').automatedDiscoveryAccountStatus = 'DISABLED';
    // Macie off in the audit account's second region: it administers nothing there.
    macieState(world.account(ADMIN)!, 'us-west-2').session = undefined;
  });

  it('routes each finding to its member and judges it as the member’s own listing would, without occurrence locations', async () => {
    const [holder] = org.members();
    for (const params of [{}, { judgeCardNumberLocations: false }] as QueryParameters[]) {
      const r = await org.bothWays(macieDiscovery, administratorDiscovery, holder, 'us-east-1', params);
      expect(r.perAccount.find((x) => x.resource === `arn:aws:s3:::uploads-${holder}`)?.status).toBe('fail');
      expect(outcome(r.delegated)).toEqual(outcome(r.perAccount));
      expect(r.data).toMatchObject({ administrator: { accountId: ADMIN }, member: { accountId: holder, relationshipStatus: 'Enabled' } });
      expect(JSON.stringify(r.data)).not.toContain('occurrences');
      expect((r.data as { findings: unknown[] }).findings).toEqual((r.own as { findings: unknown[] }).findings);
    }
    // Under a response requirement (12.10.7, A3.2.5.2) the same discovery needs review in both modes alike.
    const response = await org.bothWays(macieDiscovery, administratorDiscovery, holder, 'us-east-1', { discoveriesNeedResponseRecords: true } as QueryParameters);
    expect(response.perAccount.find((x) => x.resource === `arn:aws:s3:::uploads-${holder}`)).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('ask for the response record of each finding') });
    expect(outcome(response.delegated)).toEqual(outcome(response.perAccount));
    const clean = await org.bothWays(macieDiscovery, administratorDiscovery, org.members()[2], 'us-east-1');
    expect(outcome(clean.delegated)).toEqual(outcome(clean.perAccount));
    expect((clean.data as { findings: unknown[] }).findings).toEqual([]);
  });

  it('judges the administrator, in its own account, on its own findings only, as the administrator’s split does', async () => {
    const [holder] = org.members();
    const r = await org.bothWays(macieDiscovery, administratorDiscovery, ADMIN, 'us-east-1');
    expect(r.perAccount.find((x) => x.resource === `arn:aws:s3:::uploads-${holder}`)).toBeUndefined();
    for (const f of (r.own as MacieDiscoveryEvidence).findings ?? []) expect(f.accountId).toBe(ADMIN);
    expect(outcome(r.delegated)).toEqual(outcome(r.perAccount));
    // Evidence that still holds a member's finding (an unfiltered listing) never judges the member's bucket as the administrator's.
    const unfiltered = { ...(r.own as MacieDiscoveryEvidence), findings: [...((r.own as MacieDiscoveryEvidence).findings ?? []), ...((await org.bothWays(macieDiscovery, administratorDiscovery, holder, 'us-east-1')).own as MacieDiscoveryEvidence).findings!] };
    const judged = macieDiscovery.evaluate(unfiltered, {}, { accountId: ADMIN, region: 'us-east-1', collectedAt: new Date().toISOString() });
    expect(outcome(judged)).toEqual(outcome(r.perAccount));
    expect(judged[0].reason).toContain(`1 card-data findings of other accounts (${holder} (1)) in this listing were left out`);
  });

  it('reads and judges the member’s own classification scope, scheduled job definitions and suppression rules alike both ways', async () => {
    const clean = org.members()[2];
    const s = macieState(org.world().account(clean)!, 'us-east-1');
    const scopeId = s.automatedDiscovery.classificationScopeId!;
    s.classificationScopes[scopeId] = { ...s.classificationScopes[scopeId], s3: { excludes: { bucketNames: [`uploads-${clean}`] } } };
    s.jobs.push({ jobId: 'job-tagged', name: 'tagged-buckets', jobType: 'SCHEDULED', jobStatus: 'RUNNING', createdAt: new Date(), bucketCriteria: { includes: { and: [{ tagCriterion: { comparator: 'EQ', tagValues: [{ key: 'scan', value: 'yes' }] } }] } } });
    s.jobDetails['job-tagged'] = { samplingPercentage: 10 };
    s.findingsFilters.push(
      { id: 'ff-archive', name: 'hide-uploads', action: 'ARCHIVE', arn: 'arn:ff-archive', position: 1, findingCriteria: { criterion: { 'resourcesAffected.s3Bucket.name': { eq: [`uploads-${clean}`] } } } },
      { id: 'ff-view', name: 'saved-view', action: 'NOOP', arn: 'arn:ff-view', position: 2, findingCriteria: { criterion: { 'severity.description': { eq: ['High'] } } } },
    );
    const r = await org.bothWays(macieDiscovery, administratorDiscovery, clean, 'us-east-1');
    expect(r.perAccount[0]).toMatchObject({ status: 'needs-review' });
    expect(r.perAccount[0].reason).toContain(`its classification scope excludes 1 bucket from analysis: uploads-${clean}`);
    expect(r.perAccount[0].reason).toContain('scheduled job tagged-buckets (buckets matching include tag EQ scan=yes; every object; 10% sampling; managed data identifiers RECOMMENDED)');
    expect(r.perAccount[0].reason).toContain(`hide-uploads (resourcesAffected.s3Bucket.name eq uploads-${clean})`);
    expect(outcome(r.delegated)).toEqual(outcome(r.perAccount));
    expect(r.delegated![0].reason).toEqual(r.perAccount[0].reason);
    // Only the ARCHIVE filter is read in full; the saved view archives nothing.
    expect((r.own as MacieDiscoveryEvidence).suppressionRules).toEqual([expect.objectContaining({ id: 'ff-archive', action: 'ARCHIVE' })]);
  });

  it('a member\'s automated discovery uses its administrator\'s scope and template (GetAdministratorAccount names it): needs review both ways; the administrator itself has none', async () => {
    const member = org.members()[2];
    const r = await org.bothWays(macieDiscovery, administratorDiscovery, member, 'us-east-1');
    expect((r.own as MacieDiscoveryEvidence).administratorAccount).toMatchObject({ administrator: { accountId: ADMIN, relationshipStatus: 'Enabled' } });
    expect(r.perAccount[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining(`this account has the Macie administrator ${ADMIN} (relationship Enabled)`) });
    expect(outcome(r.delegated)).toEqual(outcome(r.perAccount));
    expect(r.delegated![0].reason).toEqual(r.perAccount[0].reason);
    const admin = await org.bothWays(macieDiscovery, administratorDiscovery, ADMIN, 'us-east-1');
    expect((admin.own as MacieDiscoveryEvidence).administratorAccount).toEqual({});
    expect(admin.perAccount[0].reason).not.toContain('has the Macie administrator');
    expect(outcome(admin.delegated)).toEqual(outcome(admin.perAccount));
  });

  it('does not count automated discovery the administrator does not run for a member: the same status both ways, read by the member or for it', async () => {
    const [holder] = org.members();
    const r = await org.bothWays(macieDiscovery, administratorDiscovery, holder, 'us-east-1');
    expect((r.own as MacieDiscoveryEvidence).automatedDiscoveryAccounts).toEqual([{ accountId: holder, status: 'DISABLED' }]);
    expect((r.data as MacieDiscoveryEvidence).automatedDiscoveryAccounts).toEqual((r.own as MacieDiscoveryEvidence).automatedDiscoveryAccounts);
    expect(r.perAccount[0]).toMatchObject({ status: 'fail', reason: expect.stringContaining(`its Macie administrator ${ADMIN} does not run automated discovery for this account ${holder} (ListAutomatedDiscoveryAccounts DISABLED)`) });
    expect(r.delegated![0]).toEqual(r.perAccount[0]);
    // An enabled one: the status is named, the administrator's scope and template still not read.
    const other = await org.bothWays(macieDiscovery, administratorDiscovery, org.members()[2], 'us-east-1');
    expect(other.perAccount[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('the administrator runs automated discovery for this account (ListAutomatedDiscoveryAccounts ENABLED)') });
    expect(other.delegated![0]).toEqual(other.perAccount[0]);
    // One administrator request answers for its enabled members; none is made for the administrator's own account.
    const admin = await org.bothWays(macieDiscovery, administratorDiscovery, ADMIN, 'us-east-1');
    expect(admin.data).not.toHaveProperty('automatedDiscoveryAccounts');
    expect(admin.own).not.toHaveProperty('automatedDiscoveryAccounts');
  });

  it('leaves a paused member to its own account', async () => {
    const paused = org.members()[1];
    const r = await org.bothWays(macieDiscovery, administratorDiscovery, paused, 'us-east-1');
    expect(r.data).toBeUndefined();
    expect(r.perAccount[0]).toMatchObject({ status: 'fail' });
  });

  it('fails the read, as Macie answers, where the audit account has Macie off (the run then collects in each member)', async () => {
    await expect(org.bothWays(macieDiscovery, administratorDiscovery, org.members()[0], 'us-west-2')).rejects.toMatchObject({ name: 'AccessDeniedException', message: 'Macie is not enabled.' });
  });
});
