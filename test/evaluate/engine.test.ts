import { describe, expect, it } from 'vitest';
import { combine, evaluateRun, type AttestationRef } from '../../src/evaluate/engine.js';
import type { Catalog } from '../../src/controls/schema.js';
import type { EntityConfig } from '../../src/config/schema.js';
import type { RunManifest } from '../../src/evidence/manifest.js';
import type { EvidenceBody } from '../../src/evidence/record.js';
import { entityCoverText, entityStatement } from '../../src/evaluate/applicability.js';
import { runManifest } from './run-manifest.js';
import { page as tagPage } from '../fixtures/tagging/resources.js';

const catalog: Catalog = {
  framework: 'test-fw',
  name: 'Test',
  version: '1',
  publisher: 'us',
  principals: [],
  requirements: [
    { id: '1.1', principal: '1', title: 'Manual thing', testingProcedures: ['1.1.a'], coverage: 'manual', rationale: 'Policies are documents.', assessorGuidance: 'Ask for the policy.', kind: 'requirement', parameters: {}, queries: [] },
    { id: '1.2', principal: '1', title: 'Not applicable thing', testingProcedures: ['1.2'], coverage: 'not-applicable', rationale: 'No such systems in scope.', kind: 'requirement', parameters: {}, queries: [] },
    { id: '1.3', principal: '1', title: 'Automated with unknown query', testingProcedures: ['1.3'], coverage: 'automated', rationale: 'Evidence from an API.', kind: 'requirement', parameters: {}, queries: ['nope.unknown'] },
  ],
};

function manifest(records: RunManifest['records'] = []): RunManifest {
  return runManifest({ accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['test-fw'], queries: [] }, records);
}

describe('combine', () => {
  it('ranks fail over needs-review over gaps over pass', () => {
    expect(combine(['pass', 'fail', 'needs-review'], true)).toBe('fail');
    expect(combine(['pass', 'needs-review'], true)).toBe('needs-review');
    expect(combine(['pass'], true)).toBe('not-collected');
    expect(combine(['pass', 'not-applicable'], false)).toBe('pass');
  });
  it('never passes without evidence', () => {
    expect(combine([], false)).toBe('not-collected');
    expect(combine(['error'], false)).toBe('not-collected');
    expect(combine(['pass', 'error'], false)).toBe('not-collected');
  });
  it('is not-applicable only when every judged resource is', () => {
    expect(combine(['not-applicable'], false)).toBe('not-applicable');
  });
});

describe('evaluateRun', () => {
  const loadBody = async (): Promise<EvidenceBody> => {
    throw new Error('no bodies in this test');
  };
  it('marks manual requirements manual, cites attestations, and keeps N/A as not-applicable', async () => {
    const results = await evaluateRun({
      manifest: manifest(),
      loadBody,
      catalogs: [catalog],
      frameworks: ['test-fw'],
      attestations: [{ framework: 'test-fw', requirement: '1.1', by: 'CISO', note: 'policy approved', runId: 'a1', collectedAt: '2026-11-01T10:00:00Z', sha256: 'a'.repeat(64) }],
    });
    const byId = Object.fromEntries(results.map((r) => [r.requirementId, r]));
    expect(byId['1.1'].status).toBe('manual');
    // Sealed before the sealer was recorded: the name is shown as stated, and the caller as not recorded.
    expect(byId['1.1'].reasons[0]).toBe('attestation of 2026-11-01 by CISO (stated) \u2014 caller identity not recorded: policy approved');
    expect(byId['1.1'].reasons[0]).not.toMatch(/attested by CISO/);
    expect(byId['1.1'].evidence).toHaveLength(1);
    expect(byId['1.2'].status).toBe('not-applicable');
  });

  it('never states the attester as established: a KMS seal names the caller and key, a local one says there is no AWS identity, and a caller of another account is called out', async () => {
    const keyId = 'arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const att = { framework: 'test-fw', requirement: '1.1', by: 'CISO', note: 'policy approved', runId: 'a1', collectedAt: '2026-11-01T10:00:00Z', sha256: 'a'.repeat(64) };
    const reasonWith = async (sealedBy: NonNullable<AttestationRef['sealedBy']>) =>
      (await evaluateRun({ manifest: manifest(), loadBody, catalogs: [catalog], frameworks: ['test-fw'], attestations: [{ ...att, sealedBy }] })).find((r) => r.requirementId === '1.1')!.reasons[0];
    const kms = (callerArn: string) => ({ signerKind: 'kms' as const, callerArn, keyId, keyFingerprint: 'f'.repeat(64) });
    // The key's account: nothing to call out.
    expect(await reasonWith(kms('arn:aws:sts::999999999999:assumed-role/attester/jdoe'))).toBe(
      `attestation of 2026-11-01 by CISO (stated) \u2014 sealed by arn:aws:sts::999999999999:assumed-role/attester/jdoe (its session name "jdoe" is chosen by whoever assumed the role: it does not identify a person) with key ${keyId}: policy approved`,
    );
    // Neither the run's account nor the key's: said, not made an error.
    expect(await reasonWith(kms('arn:aws:iam::555555555555:user/someone'))).toBe(
      `attestation of 2026-11-01 by CISO (stated) \u2014 sealed by arn:aws:iam::555555555555:user/someone with key ${keyId} (the sealing session's account 555555555555 is neither an account this evidence covers (111122223333) nor the signing key's account (999999999999): ask who in 555555555555 may sign with the key): policy approved`,
    );
    // A KMS record without a caller (the tool never writes one): not shown as a local key, nor as a known caller.
    expect(await reasonWith({ ...kms('x'), callerArn: null })).toBe(`attestation of 2026-11-01 by CISO (stated) \u2014 sealed with key ${keyId}, caller identity not recorded: policy approved`);
    expect(await reasonWith({ signerKind: 'local', callerArn: null, keyId: `local:${'e'.repeat(64)}`, keyFingerprint: 'e'.repeat(64) })).toBe(
      `attestation of 2026-11-01 by CISO (stated) \u2014 sealed with local key ${'e'.repeat(64)}, no AWS identity: policy approved`,
    );
  });
  it('reports an automated requirement whose query is unknown or missing as not-collected, never pass', async () => {
    const results = await evaluateRun({ manifest: manifest(), loadBody, catalogs: [catalog], frameworks: ['test-fw'] });
    const r = results.find((x) => x.requirementId === '1.3')!;
    expect(r.status).toBe('not-collected');
    expect(r.gaps[0].reason).toMatch(/not known/);
  });
  it('produces one result per requirement and account in the run scope', async () => {
    const m = manifest();
    m.scope.accounts = ['222233334444', '111122223333'];
    const results = await evaluateRun({ manifest: m, loadBody, catalogs: [catalog], frameworks: ['test-fw'] });
    expect(results.map((r) => `${r.requirementId}/${r.accountId}`)).toEqual([
      '1.1/111122223333', '1.1/222233334444', '1.2/111122223333', '1.2/222233334444', '1.3/111122223333', '1.3/222233334444',
    ]);
  });
  it('says of an inherited requirement that the provider\'s attestation covers only the provider\'s part, and the assessor tests the entity\'s', async () => {
    const inh: Catalog = { ...catalog, requirements: [{ id: '9.9', principal: '9', title: 'Facility entry', testingProcedures: ['9.9'], coverage: 'inherited', rationale: 'AWS data centres; entity sites are not shown.', assessorGuidance: 'Obtain the AWS AOC; test entity-operated facilities directly.', kind: 'requirement', parameters: {}, queries: [] }] };
    const [r] = await evaluateRun({ manifest: manifest(), loadBody, catalogs: [inh], frameworks: ['test-fw'] });
    expect(r.status).toBe('manual');
    expect(r.reasons).toEqual(['inherited only for what the cloud provider or service provider operates: the assessor reviews their attestation for that part and tests the part the entity operates itself (see the guidance)']);
  });
  it('rejects a framework that is not loaded', async () => {
    await expect(evaluateRun({ manifest: manifest(), loadBody, catalogs: [catalog], frameworks: ['other'] })).rejects.toThrow(/not among the loaded catalogs/);
  });
});

describe('an inventory beside a check (tagging.resources)', () => {
  it('counts only the check\'s results as passed checks; the inventory entries stay among the findings (population)', async () => {
    const rec = (queryId: string, sha256: string) => ({ recordId: `${queryId}/111122223333/us-east-1`, queryId, accountId: '111122223333', region: 'us-east-1', status: 'ok' as const, collectedAt: '2026-11-01T00:00:30.000Z', sha256, size: 1 });
    const bodies: Record<string, EvidenceBody> = {
      ['a'.repeat(64)]: { schema: 'evidence-locker/evidence@1', queryId: 'config.recorder-status', accountId: '111122223333', region: 'us-east-1', status: 'ok', operations: [], requests: [], data: { recorders: { ConfigurationRecorders: [{ name: 'default', roleARN: 'arn:aws:iam::111122223333:role/config', recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } }] }, statuses: { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success' }] } }, sdkVersion: 'x' },
      ['b'.repeat(64)]: { schema: 'evidence-locker/evidence@1', queryId: 'tagging.resources', accountId: '111122223333', region: 'us-east-1', status: 'ok', operations: [], requests: [], data: { resourceTagMappings: tagPage.ResourceTagMappingList }, sdkVersion: 'x' },
    };
    const invCatalog: Catalog = {
      ...catalog,
      requirements: [{ id: '3.1', principal: '3', title: 'Inventory kept', testingProcedures: ['3.1'], coverage: 'partial', rationale: 'Inventory.', kind: 'requirement', parameters: {}, queries: ['config.recorder-status', 'tagging.resources'] }],
    };
    const [r] = await evaluateRun({
      manifest: runManifest({ accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['config.recorder-status', 'tagging.resources'] }, [rec('config.recorder-status', 'a'.repeat(64)), rec('tagging.resources', 'b'.repeat(64))]),
      loadBody: async (sha) => bodies[sha],
      catalogs: [invCatalog],
      frameworks: ['test-fw'],
    });
    expect(r.status).toBe('aws-portion-satisfied');
    expect(r.reasons).toContain('1 resource check passed');
    expect(r.findings.filter((f) => f.queryId === 'tagging.resources')).toHaveLength(tagPage.ResourceTagMappingList!.length);
    expect(r.findings.filter((f) => f.queryId === 'tagging.resources' && f.status === 'pass')).toEqual([]);
  });
});

describe('facts an account\'s other regions give (accountFact)', () => {
  // One account, two regions of one run: us-east-1's recorder records the global IAM types, us-west-2's does not.
  const recorder = (includeGlobal: boolean) => ({
    recorders: { ConfigurationRecorders: [{ name: 'default', roleARN: 'arn:aws:iam::111122223333:role/config', recordingGroup: { allSupported: true, includeGlobalResourceTypes: includeGlobal } }] },
    statuses: { ConfigurationRecordersStatus: [{ name: 'default', recording: true, lastStatus: 'Success' }] },
  });
  const bodies: Record<string, EvidenceBody> = {
    ['e'.repeat(64)]: { schema: 'evidence-locker/evidence@1', queryId: 'config.recorder-status', accountId: '111122223333', region: 'us-east-1', status: 'ok', operations: [], requests: [], data: recorder(true), sdkVersion: 'x' },
    ['f'.repeat(64)]: { schema: 'evidence-locker/evidence@1', queryId: 'config.recorder-status', accountId: '111122223333', region: 'us-west-2', status: 'ok', operations: [], requests: [], data: recorder(false), sdkVersion: 'x' },
  };
  const record = (region: string, sha256: string) => ({ recordId: `config.recorder-status/111122223333/${region}`, queryId: 'config.recorder-status', accountId: '111122223333', region, status: 'ok' as const, collectedAt: '2026-11-01T00:00:30.000Z', sha256, size: 1 });
  const recCatalog: Catalog = {
    ...catalog,
    requirements: [{ id: '2.1', principal: '2', title: 'Config records changes', testingProcedures: ['2.1'], coverage: 'automated', rationale: 'Config.', kind: 'requirement', parameters: {}, queries: ['config.recorder-status'] }],
  };
  const run = (records: RunManifest['records']) =>
    evaluateRun({
      manifest: runManifest({ accounts: ['111122223333'], regions: ['us-east-1', 'us-west-2'], frameworks: ['test-fw'], queries: ['config.recorder-status'] }, records),
      loadBody: async (sha) => bodies[sha],
      catalogs: [recCatalog],
      frameworks: ['test-fw'],
    });

  it('a region whose recorder leaves out the global IAM types passes when another region of the same run records them', async () => {
    const [r] = await run([record('us-east-1', 'e'.repeat(64)), record('us-west-2', 'f'.repeat(64))]);
    const west = r.findings.find((f) => f.region === 'us-west-2')!;
    expect(west).toMatchObject({ status: 'pass', reason: expect.stringContaining("recorded by this account's recorder in us-east-1 (evidence of the same run)") });
  });
  it('evidence a fact cannot be read from gives none, and the run is still evaluated', async () => {
    bodies['a'.repeat(64)] = { ...bodies['e'.repeat(64)], data: { recorders: { ConfigurationRecorders: 'not a list' }, statuses: {} } };
    const [r] = await run([record('us-east-1', 'a'.repeat(64)), record('us-west-2', 'f'.repeat(64))]);
    expect(r.findings.find((f) => f.region === 'us-west-2')).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no other region collected in this run records them') });
  });
  it('without that region in the run it needs review, saying no collected region records them', async () => {
    const [r] = await run([record('us-west-2', 'f'.repeat(64))]);
    expect(r.findings[0]).toMatchObject({ status: 'needs-review', reason: expect.stringContaining('no other region collected in this run records them') });
  });
});

describe('checks with nothing in scope to judge', () => {
  // One region whose account has no RDS instance: the check's only result is not applicable.
  const sha = 'd'.repeat(64);
  const bodies: Record<string, EvidenceBody> = {
    [sha]: { schema: 'evidence-locker/evidence@1', queryId: 'rds.public-access', accountId: '111122223333', region: 'us-east-1', status: 'ok', operations: [], requests: [], data: { dbInstances: [] }, sdkVersion: 'x' },
  };
  const record = { recordId: 'rds.public-access/111122223333/us-east-1', queryId: 'rds.public-access', accountId: '111122223333', region: 'us-east-1', status: 'ok' as const, collectedAt: '2026-11-01T00:00:30.000Z', sha256: sha, size: 1 };
  const judge = (coverage: 'automated' | 'partial') =>
    evaluateRun({
      manifest: runManifest({ accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['rds.public-access'] }, [record]),
      loadBody: async (s) => bodies[s],
      catalogs: [{ ...catalog, requirements: [{ id: '1.4', principal: '1', title: 'Databases are not public', testingProcedures: ['1.4'], coverage, rationale: 'RDS settings.', assessorGuidance: 'Ask for the other databases.', kind: 'requirement', parameters: {}, queries: ['rds.public-access'] }] }],
      frameworks: ['test-fw'],
    });

  it('an automated requirement is proposed not applicable (assessor to confirm)', async () => {
    const [r] = await judge('automated');
    expect(r.status).toBe('not-applicable');
  });

  it('a partial requirement is not: it asks more than its checks see, so it is the assessor\'s (manual), saying why', async () => {
    const [r] = await judge('partial');
    expect(r.status).toBe('manual');
    expect(r.reasons[0]).toBe('its AWS checks found no in-scope resource to judge (1 resource check, every one out of scope or not applicable): not proposed as not applicable, since the requirement asks more than these checks see; the assessor tests it, or confirms it does not apply');
    expect(r.reasons.join(' ')).not.toMatch(/proposed not applicable, assessor to confirm/);
  });
});

describe('requirements limited to an entity type (catalog appliesTo, config entity)', () => {
  // A recorder that is stopped fails config.recorder-status; one recording everything passes.
  const recorder = (recording: boolean) => ({
    recorders: { ConfigurationRecorders: [{ name: 'default', roleARN: 'arn:aws:iam::111122223333:role/config', recordingGroup: { allSupported: true, includeGlobalResourceTypes: true } }] },
    statuses: { ConfigurationRecordersStatus: [{ name: 'default', recording, lastStatus: 'Success' }] },
  });
  const bodies: Record<string, EvidenceBody> = {
    ['c'.repeat(64)]: { schema: 'evidence-locker/evidence@1', queryId: 'config.recorder-status', accountId: '111122223333', region: 'us-east-1', status: 'ok', operations: [], requests: [], data: recorder(false), sdkVersion: 'x' },
    ['d'.repeat(64)]: { schema: 'evidence-locker/evidence@1', queryId: 'config.recorder-status', accountId: '111122223333', region: 'us-east-1', status: 'ok', operations: [], requests: [], data: recorder(true), sdkVersion: 'x' },
  };
  const spCatalog: Catalog = {
    ...catalog,
    requirements: [
      { id: '10.7.1', principal: '10', title: 'Service providers catch control failures', testingProcedures: ['10.7.1'], coverage: 'automated', rationale: 'Config.', kind: 'requirement', parameters: {}, queries: ['config.recorder-status'], appliesTo: 'service-provider' },
      { id: 'A3.1.1', principal: 'A3', title: 'Designated entity responsibility', testingProcedures: ['A3.1.1'], coverage: 'manual', rationale: 'A charter is a document.', assessorGuidance: 'Ask for the charter.', kind: 'requirement', parameters: {}, queries: [], appliesTo: 'designated-entity' },
      { id: '10.2.1', principal: '10', title: 'Every entity', testingProcedures: ['10.2.1'], coverage: 'automated', rationale: 'Config.', kind: 'requirement', parameters: {}, queries: ['config.recorder-status'] },
      { id: '3.3.3', principal: '3', title: 'Issuers limit stored SAD', testingProcedures: ['3.3.3.a'], coverage: 'manual', rationale: 'Business need is a document.', assessorGuidance: 'Ask for the documented business need.', kind: 'requirement', parameters: {}, queries: [], appliesTo: 'issuer' },
      // An automated requirement for entities with POS POI terminals on SSL/early TLS (none is in the catalogs): never counted unless declared.
      { id: 'A2.9.9', principal: 'A2', title: 'POS POI terminals', testingProcedures: ['A2.9.9'], coverage: 'automated', rationale: 'Config.', kind: 'requirement', parameters: {}, queries: ['config.recorder-status'], appliesTo: 'pos-poi-ssl-early-tls' },
      // Two facts, both of which must hold (as A2.1.2: a service provider with connection points to such terminals).
      { id: 'A2.8.8', principal: 'A2', title: 'POS POI connections', testingProcedures: ['A2.8.8'], coverage: 'automated', rationale: 'Config.', kind: 'requirement', parameters: {}, queries: ['config.recorder-status'], appliesTo: ['service-provider', 'pos-poi-ssl-early-tls-connection-points'] },
      // As A2.1.3: a service provider that provides connections into POS POI terminals, whatever protocol they use.
      { id: 'A2.7.7', principal: 'A2', title: 'POS POI connection service', testingProcedures: ['A2.7.7'], coverage: 'automated', rationale: 'Config.', kind: 'requirement', parameters: {}, queries: ['config.recorder-status'], appliesTo: ['service-provider', 'pos-poi-terminal-connections'] },
    ],
  };
  const run = (sha: string, entity?: Record<string, EntityConfig>) =>
    evaluateRun({
      manifest: runManifest({ accounts: ['111122223333'], regions: ['us-east-1'], frameworks: ['test-fw'], queries: ['config.recorder-status'] }, [
        { recordId: 'config.recorder-status/111122223333/us-east-1', queryId: 'config.recorder-status', accountId: '111122223333', region: 'us-east-1', status: 'ok', collectedAt: '2026-11-01T00:00:30.000Z', sha256: sha, size: 1 },
      ]),
      loadBody: async (s) => bodies[s],
      catalogs: [spCatalog],
      frameworks: ['test-fw'],
      ...(entity ? { entity } : {}),
    }).then((rs) => Object.fromEntries(rs.map((r) => [r.requirementId, r])));
  const merchant = { 'test-fw': { serviceProvider: false, multiTenantServiceProvider: false, designatedEntity: false } };
  const provider = { 'test-fw': { serviceProvider: true, multiTenantServiceProvider: false, designatedEntity: false } };

  it('entity type not declared: a failing service-provider requirement is not counted as a fail; it needs review and keeps what the checks found', async () => {
    const r = await run('c'.repeat(64));
    expect(r['10.7.1'].status).toBe('needs-review');
    expect(r['10.7.1'].reasons[0]).toBe('REVIEW: applies only to service providers; the entity type is not declared (config entity.test-fw): the assessor confirms applicability; the checks found: FAIL (1 reason below)');
    expect(r['10.7.1'].reasons[1]).toMatch(/^FAIL default \(us-east-1\): /);
    // A requirement of every entity is judged as before.
    expect(r['10.2.1'].status).toBe('fail');
  });

  it('entity type not declared: a passing service-provider requirement is not counted as a pass either', async () => {
    const r = await run('d'.repeat(64));
    expect(r['10.7.1'].status).toBe('needs-review');
    expect(r['10.7.1'].reasons[0]).toMatch(/the entity type is not declared .*the checks found: PASS/);
    expect(r['10.7.1'].reasons).toContain('1 resource check passed');
    expect(r['10.2.1'].status).toBe('pass');
  });

  it('an entity declared not a service provider: proposed not applicable, the checks\' result kept for information, nothing counted as a fail', async () => {
    const r = await run('c'.repeat(64), merchant);
    expect(r['10.7.1'].status).toBe('not-applicable');
    expect(r['10.7.1'].reasons[0]).toBe('applies only to service providers; the entity declared it is not one (config entity.test-fw.serviceProvider: false): proposed not applicable, assessor to confirm');
    expect(r['10.7.1'].reasons[1]).toBe('the checks found, for information only (not counted, no finding raised): FAIL (1 reason below)');
    // The evidence and the judged resources are kept (population), the requirement of every entity still fails.
    expect(r['10.7.1'].findings.map((f) => f.status)).toEqual(['fail']);
    expect(r['10.2.1'].status).toBe('fail');
  });

  it('an entity declared a service provider: judged as before, the reasons say why it applies', async () => {
    const r = await run('c'.repeat(64), provider);
    expect(r['10.7.1'].status).toBe('fail');
    expect(r['10.7.1'].reasons.at(-1)).toBe('applies only to service providers; the entity declared it is a service provider (config entity.test-fw.serviceProvider: true)');
  });

  it('a manual requirement stays manual with the applicability note, and is proposed not applicable when the entity declared it is not of the type', async () => {
    const undeclared = await run('c'.repeat(64));
    expect(undeclared['A3.1.1'].status).toBe('manual');
    expect(undeclared['A3.1.1'].reasons[0]).toMatch(/^applies only to designated entities .*; the entity type is not declared \(config entity.test-fw\): the assessor confirms applicability$/);
    const declared = await run('c'.repeat(64), merchant);
    // Declared not a designated entity: proposed not applicable, a manual requirement too.
    expect(declared['A3.1.1'].status).toBe('not-applicable');
    expect(declared['A3.1.1'].reasons[0]).toMatch(/the entity declared it is not one \(config entity.test-fw.designatedEntity: false\): proposed not applicable, assessor to confirm$/);
  });

  // QSA: 3.3.3 (issuers only) was listed as a manual requirement for every entity, A2.1.1 (entities whose POS POI
  // terminals use SSL or early TLS) too: nothing said they depend on the entity type, nor let the entity say so.
  describe('issuers (3.3.3) and POS POI terminals on SSL/early TLS (A2.1.1)', () => {
    it('declared not an issuer / no such terminals: proposed not applicable, naming the declaration; a failing check is not counted', async () => {
      const r = await run('c'.repeat(64), { 'test-fw': { ...merchant['test-fw'], issuer: false, posPoiSslEarlyTls: false } });
      expect(r['3.3.3']).toMatchObject({ status: 'not-applicable', notApplicableToEntity: true });
      expect(r['3.3.3'].reasons[0]).toBe('applies only to issuers and companies that support issuing services; the entity declared it is not one (config entity.test-fw.issuer: false): proposed not applicable, assessor to confirm');
      expect(r['A2.9.9']).toMatchObject({ status: 'not-applicable', notApplicableToEntity: true });
      expect(r['A2.9.9'].reasons[0]).toBe('applies only to entities whose card-present POS POI terminals use SSL or early TLS; the entity declared it is not one (config entity.test-fw.posPoiSslEarlyTls: false): proposed not applicable, assessor to confirm');
      expect(r['A2.9.9'].reasons[1]).toBe('the checks found, for information only (not counted, no finding raised): FAIL (1 reason below)');
    });

    it('declared an issuer / with such terminals: applies, judged as any other requirement', async () => {
      const r = await run('c'.repeat(64), { 'test-fw': { ...merchant['test-fw'], issuer: true, posPoiSslEarlyTls: true } });
      expect(r['3.3.3'].status).toBe('manual');
      expect(r['3.3.3'].reasons.at(-1)).toBe('applies only to issuers and companies that support issuing services; the entity declared it is an issuer or a company that supports issuing services (config entity.test-fw.issuer: true)');
      expect(r['A2.9.9'].status).toBe('fail');
    });

    it('not declared (no entity, or a declaration without the field): "applies if the entity is an issuer", never a pass or fail', async () => {
      for (const [entity, said] of [
        [undefined, /^applies only to issuers and companies that support issuing services; the entity type is not declared \(config entity.test-fw\), so it applies if the entity is an issuer or a company that supports issuing services \(config entity.test-fw.issuer\): the assessor confirms applicability$/],
        [merchant, /^applies only to issuers and companies that support issuing services; it applies if the entity is an issuer or a company that supports issuing services, which the entity's declaration does not say \(config entity.test-fw.issuer not set\): the assessor confirms applicability$/],
      ] as const) {
        const failing = await run('c'.repeat(64), entity);
        expect(failing['3.3.3'].status).toBe('manual');
        expect(failing['3.3.3'].reasons[0]).toMatch(said);
        expect(failing['A2.9.9'].status).toBe('needs-review');
        expect(failing['A2.9.9'].reasons[0]).toMatch(/^REVIEW: applies only to entities whose card-present POS POI terminals use SSL or early TLS; .*applies if the entity is one with card-present POS POI terminals that use SSL or early TLS.*; the checks found: FAIL/);
        expect((await run('d'.repeat(64), entity))['A2.9.9'].status).toBe('needs-review');
      }
    });

    it('the report\'s entity statement says what was declared, and which of these two was not where the catalog has such a requirement', () => {
      const both = { 'test-fw': { ...merchant['test-fw'], issuer: false, posPoiSslEarlyTls: true } };
      expect(entityStatement('test-fw', both)).toBe('declared by the entity (config entity.test-fw): not a service provider; not a designated entity; not an issuer; card-present POS POI terminals that use SSL or early TLS. Requirements only for other entity types: proposed not applicable, assessor to confirm');
      expect(entityStatement('test-fw', merchant, ['service-provider', 'issuer'])).toBe('declared by the entity (config entity.test-fw): not a service provider; not a designated entity; config entity.test-fw.issuer not set: 3.3.3 applies if the entity is an issuer or a company that supports issuing services. Requirements only for other entity types: proposed not applicable, assessor to confirm');
      expect(entityStatement('test-fw', merchant, ['service-provider', 'designated-entity'])).toBe('declared by the entity (config entity.test-fw): not a service provider; not a designated entity. Requirements only for other entity types: proposed not applicable, assessor to confirm');
      expect(entityStatement('test-fw', undefined)).toMatch(/issuers \(3\.3\.3\), entities whose POS POI terminals use SSL or early TLS \(A2\.1\.1\), service providers with connection points to such terminals \(A2\.1\.2\) or providing connections into POS POI terminals \(A2\.1\.3\) need review/);
    });
  });

  // QSA: A2.1.2 is for service providers with existing connection points to POS POI terminals on SSL/early TLS, but
  // appliesTo took one fact, so every service provider was asked for a risk mitigation and migration plan.
  describe('appliesTo a list of facts (A2.1.2: a service provider with connection points to POS POI terminals on SSL/early TLS)', () => {
    const WHO = 'applies only to an entity that is a service provider and one with existing connection points to POS POI terminals that use SSL or early TLS (all must hold)';
    const sp = (more: Partial<EntityConfig> = {}) => ({ 'test-fw': { ...provider['test-fw'], ...more } });

    it('every fact declared true: applies, judged as any other requirement, naming both fields', async () => {
      const r = await run('c'.repeat(64), sp({ posPoiSslEarlyTlsConnectionPoints: true }));
      expect(r['A2.8.8'].status).toBe('fail');
      expect(r['A2.8.8'].reasons.at(-1)).toBe(`${WHO}; the entity declared it is a service provider (config entity.test-fw.serviceProvider: true) and one with existing connection points to POS POI terminals that use SSL or early TLS (config entity.test-fw.posPoiSslEarlyTlsConnectionPoints: true)`);
      expect((await run('d'.repeat(64), sp({ posPoiSslEarlyTlsConnectionPoints: true })))['A2.8.8'].status).toBe('pass');
    });

    it('one fact declared false: proposed not applicable, naming the field that rules it out, whatever the other says', async () => {
      for (const [entity, field] of [
        [sp({ posPoiSslEarlyTlsConnectionPoints: false }), 'posPoiSslEarlyTlsConnectionPoints'],
        [{ 'test-fw': { ...merchant['test-fw'], posPoiSslEarlyTlsConnectionPoints: true } }, 'serviceProvider'],
        [merchant, 'serviceProvider'],
      ] as const) {
        const r = await run('c'.repeat(64), entity);
        expect(r['A2.8.8'], field).toMatchObject({ status: 'not-applicable', notApplicableToEntity: true });
        expect(r['A2.8.8'].reasons[0], field).toMatch(new RegExp(`^applies only to an entity that is .*\\(all must hold\\); the entity declared it is not .*\\(config entity\\.test-fw\\.${field}: false\\): proposed not applicable, assessor to confirm$`));
        expect(r['A2.8.8'].reasons[1]).toBe('the checks found, for information only (not counted, no finding raised): FAIL (1 reason below)');
      }
    });

    it('a fact not declared (or no declaration): never a pass or fail, naming what is not said', async () => {
      const partly = await run('c'.repeat(64), provider);
      expect(partly['A2.8.8'].status).toBe('needs-review');
      expect(partly['A2.8.8'].reasons[0]).toBe(
        `REVIEW: ${WHO}; the entity declared it is a service provider (config entity.test-fw.serviceProvider: true), but whether it is one with existing connection points to POS POI terminals that use SSL or early TLS the entity's declaration does not say (config entity.test-fw.posPoiSslEarlyTlsConnectionPoints not set): the assessor confirms applicability; the checks found: FAIL (1 reason below)`,
      );
      expect((await run('d'.repeat(64), provider))['A2.8.8'].status).toBe('needs-review');
      const none = await run('c'.repeat(64));
      expect(none['A2.8.8'].status).toBe('needs-review');
      expect(none['A2.8.8'].reasons[0]).toBe(`REVIEW: ${WHO}; the entity type is not declared (config entity.test-fw): the assessor confirms applicability; the checks found: FAIL (1 reason below)`);
    });

    it('the entity statement names the connection-points fact for a service provider, and leaves it out for an entity declared none', () => {
      expect(entityStatement('test-fw', provider)).toContain('config entity.test-fw.posPoiSslEarlyTlsConnectionPoints not set: A2.1.2 (for a service provider) applies if the entity is one with existing connection points to POS POI terminals that use SSL or early TLS');
      expect(entityStatement('test-fw', sp({ posPoiSslEarlyTlsConnectionPoints: false }))).toContain('; no connection points to POS POI terminals that use SSL or early TLS');
      expect(entityStatement('test-fw', merchant)).not.toContain('posPoiSslEarlyTlsConnectionPoints');
      expect(entityCoverText(sp({ posPoiSslEarlyTlsConnectionPoints: true })['test-fw'])).toBe('a service provider, not designated, POS POI connections on SSL/early TLS');
    });
  });

  // QSA: A2.1.3 ("all service providers provide a secure service offering") sits in Appendix A2, which reaches service
  // providers through the connections they provide into POS POI terminals; marked for every service provider, it asked a
  // hosting provider with no POS POI business for a secure POS POI offering, and the entity could not say it has none.
  describe('a third POS POI fact (A2.1.3: a service provider providing connections into POS POI terminals)', () => {
    const WHO = 'applies only to an entity that is a service provider and one that provides connections into card-present POS POI terminals (all must hold)';
    const sp = (more: Partial<EntityConfig> = {}) => ({ 'test-fw': { ...provider['test-fw'], ...more } });

    it('declared: applies, naming the field; connection points on SSL or early TLS imply it, and the reason says so', async () => {
      const own = await run('c'.repeat(64), sp({ posPoiTerminalConnections: true }));
      expect(own['A2.7.7'].status).toBe('fail');
      expect(own['A2.7.7'].reasons.at(-1)).toBe(`${WHO}; the entity declared it is a service provider (config entity.test-fw.serviceProvider: true) and one that provides connections into card-present POS POI terminals (config entity.test-fw.posPoiTerminalConnections: true)`);
      const implied = await run('c'.repeat(64), sp({ posPoiSslEarlyTlsConnectionPoints: true }));
      expect(implied['A2.7.7'].status).toBe('fail');
      expect(implied['A2.7.7'].reasons.at(-1)).toBe(`${WHO}; the entity declared it is a service provider (config entity.test-fw.serviceProvider: true) and one that provides connections into card-present POS POI terminals (config entity.test-fw.posPoiSslEarlyTlsConnectionPoints: true, connections into POS POI terminals)`);
    });

    it('declared none, or not a service provider: proposed not applicable; not said: never a pass or fail', async () => {
      const none = await run('c'.repeat(64), sp({ posPoiTerminalConnections: false, posPoiSslEarlyTlsConnectionPoints: false }));
      expect(none['A2.7.7']).toMatchObject({ status: 'not-applicable', notApplicableToEntity: true });
      expect(none['A2.7.7'].reasons[0]).toBe(`${WHO}; the entity declared it is not one that provides connections into card-present POS POI terminals (config entity.test-fw.posPoiTerminalConnections: false): proposed not applicable, assessor to confirm`);
      // Connection points on SSL or early TLS declared absent say nothing of connections on TLS 1.2: still open.
      const open = await run('d'.repeat(64), sp({ posPoiSslEarlyTlsConnectionPoints: false }));
      expect(open['A2.7.7'].status).toBe('needs-review');
      expect(open['A2.7.7'].reasons[0]).toMatch(/the entity's declaration does not say \(config entity\.test-fw\.posPoiTerminalConnections not set\): the assessor confirms applicability; the checks found: PASS/);
      expect((await run('c'.repeat(64), merchant))['A2.7.7'].status).toBe('not-applicable');
    });

    it('the entity statement and the cover name it for a service provider', () => {
      expect(entityStatement('test-fw', provider)).toContain('; config entity.test-fw.posPoiTerminalConnections not set: A2.1.3 (for a service provider) applies if the entity is one that provides connections into card-present POS POI terminals');
      expect(entityStatement('test-fw', sp({ posPoiTerminalConnections: false }))).toContain('; provides no connections into POS POI terminals');
      expect(entityStatement('test-fw', sp({ posPoiSslEarlyTlsConnectionPoints: true }))).toContain('; existing connection points to POS POI terminals that use SSL or early TLS; provides connections into POS POI terminals');
      expect(entityStatement('test-fw', merchant)).not.toContain('posPoiTerminalConnections');
      expect(entityCoverText(sp({ posPoiTerminalConnections: true })['test-fw'])).toBe('a service provider, not designated, POS POI connections');
    });
  });
});
