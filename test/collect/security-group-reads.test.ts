/**
 * The two security-group rule queries (ec2.admin-ports-open, ec2.security-group-egress) judge one read per account and
 * region of a run: the listing, the prefix lists its rules name with their entries, and AWS's stale references. Counted
 * at the simulated AWS, in per-account and delegated-admin mode, with and without a failing part.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import { ConfigSchema } from '../../src/config/schema.js';
import { loadCatalogs } from '../../src/controls/load.js';
import { LocalEvidenceStore } from '../../src/store/local.js';
import { LocalEd25519Signer } from '../../src/seal/local-signer.js';
import { runCollection } from '../../src/collect/run.js';
import { EvidenceBodySchema, type EvidenceBody } from '../../src/evidence/record.js';
import { RunManifestSchema } from '../../src/evidence/manifest.js';
import { startSimulatedAws, simulatorEnv, organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, ORG_CONFIG_AGGREGATOR, type SimulatedAws } from '../../src/simulator/index.js';
import { ec2State } from '../../src/simulator/services/ec2.js';
import { isCapturedError } from '../../src/queries/types.js';
import type { SecurityGroupReferencesEvidence } from '../../src/queries/ec2/security-groups.js';
import { capturedLogger } from '../support/capture-log.js';

const catalogs = loadCatalogs([]);
const REGIONS = ['us-east-1', 'us-west-2'];
const BOTH = ['ec2.admin-ports-open', 'ec2.security-group-egress'];
const READS = ['ec2:DescribeSecurityGroups', 'ec2:DescribeManagedPrefixLists', 'ec2:GetManagedPrefixListEntries', 'ec2:DescribeStaleSecurityGroups'];
const PEER = '444455556666';
const LIST = 'pl-0c0c0c0c0c0c0c0c2';
const MODES = { 'per-account': {}, 'delegated-admin': { mode: 'delegated-admin', delegatedAdmin: { accountId: ORG_MANAGEMENT_ACCOUNT_ID, configAggregator: ORG_CONFIG_AGGREGATOR } } } as const;

let sim: SimulatedAws;
let dir: string;
let member: string;
let memberVpc: string;
let runs = 0;
const savedEnv = { ...process.env };

/** A member's rules naming a customer-managed list (inbound) and a peer group AWS reports stale (outbound). */
function addReferences(world: ReturnType<typeof organizationWorld>): { id: string; vpc: string } {
  const id = world.organization!.accountIds[1];
  const s = ec2State(world.account(id)!, REGIONS[0]);
  const vpc = s.securityGroups[0].VpcId!;
  s.managedPrefixLists = [...(s.managedPrefixLists ?? []), { PrefixListId: LIST, AddressFamily: 'IPv4', State: 'create-complete', PrefixListArn: `arn:aws:ec2:${REGIONS[0]}:${id}:prefix-list/${LIST}`, PrefixListName: 'contractors', MaxEntries: 5, Version: 1, OwnerId: id, Tags: [] }];
  s.prefixListEntries = { ...s.prefixListEntries, [LIST]: [{ Cidr: '192.0.2.0/24' }] };
  const rule = (port: number, extra: object) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [], ...extra });
  const pair = { GroupId: 'sg-0deadbeef0000000e', UserId: PEER, VpcId: 'vpc-0peer', VpcPeeringConnectionId: 'pcx-0a1b2c3d4e5f60718', PeeringStatus: 'deleted' };
  const group: SecurityGroup = {
    GroupId: 'sg-0a1111111111111d0',
    GroupName: 'replication',
    Description: 'replication',
    OwnerId: id,
    VpcId: vpc,
    SecurityGroupArn: `arn:aws:ec2:${REGIONS[0]}:${id}:security-group/sg-0a1111111111111d0`,
    IpPermissions: [rule(22, { PrefixListIds: [{ PrefixListId: LIST }] })],
    IpPermissionsEgress: [rule(5432, { UserIdGroupPairs: [pair] })],
    Tags: [],
  };
  s.securityGroups.push(group);
  s.staleSecurityGroups = { [vpc]: [{ GroupId: group.GroupId, GroupName: group.GroupName, Description: group.Description, VpcId: vpc, StaleIpPermissions: [], StaleIpPermissionsEgress: [rule(5432, { UserIdGroupPairs: [pair] })] }] };
  return { id, vpc };
}

async function collect(mode: keyof typeof MODES, queries: string[]) {
  const base = join(dir, `run-${++runs}`);
  const config = ConfigSchema.parse({
    accounts: { source: 'organizations' },
    regions: { list: REGIONS, home: 'us-east-1' },
    store: { kind: 'local', path: join(base, 'store') },
    stateDir: join(base, 'state'),
    collect: { maxAttempts: 2, requestTimeoutMs: 20_000, ...MODES[mode] },
  });
  const store = new LocalEvidenceStore(join(base, 'store'));
  sim.resetStats();
  const outcome = await runCollection({ config, catalogs, store, signer: LocalEd25519Signer.open(join(base, 'keys')), log: capturedLogger('error').log, queries });
  const stats = sim.stats();
  const manifest = RunManifestSchema.parse(JSON.parse((await store.getRun(outcome.runId)).manifest.toString('utf8')));
  const body = async (queryId: string): Promise<EvidenceBody> => {
    const r = manifest.records.find((x) => x.queryId === queryId && x.accountId === member && x.region === REGIONS[0])!;
    return EvidenceBodySchema.parse(JSON.parse((await store.getObject(r.sha256)).toString('utf8')));
  };
  return { sent: (op: string) => stats.byOperation[op]?.calls ?? 0, body };
}

/** What the record's rules name: the query's own evidence, or (read through the aggregator) its member reads. */
const refsOf = (b: EvidenceBody) => {
  const data = b.data as SecurityGroupReferencesEvidence & { memberReads?: SecurityGroupReferencesEvidence };
  const refs = data.memberReads ?? data;
  return { prefixLists: refs.prefixLists, prefixListEntries: refs.prefixListEntries, staleSecurityGroups: refs.staleSecurityGroups };
};
const requestsOf = (b: EvidenceBody, op: string) => b.requests.filter((r) => r.operation === op);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'el-sg-reads-'));
  const world = organizationWorld({ accounts: 3, regions: REGIONS, seed: 5, delegatedAdministrator: true });
  ({ id: member, vpc: memberVpc } = addReferences(world));
  world.account(ORG_MANAGEMENT_ACCOUNT_ID)!.roles.set('EvidenceLockerReadOnly', { name: 'EvidenceLockerReadOnly', trustedAccounts: [ORG_MANAGEMENT_ACCOUNT_ID], maxSessionDurationSeconds: 3600 });
  sim = await startSimulatedAws({ world });
  Object.assign(process.env, simulatorEnv(sim, ORG_MANAGEMENT_ACCOUNT_ID), { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
});

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('security-group reads shared by the two rule queries', () => {
  for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) {
    it(`${mode}: both queries make the calls one of them makes alone, and judge the same answers`, async () => {
      sim.setFaults({});
      const alone = await collect(mode, [BOTH[0]]);
      const both = await collect(mode, BOTH);
      for (const op of READS) expect(both.sent(op), op).toBe(alone.sent(op));
      expect(alone.sent('ec2:GetManagedPrefixListEntries')).toBeGreaterThan(0);
      expect(alone.sent('ec2:DescribeStaleSecurityGroups')).toBeGreaterThan(0);
      const [admin, egress] = await Promise.all(BOTH.map((q) => both.body(q)));
      expect(refsOf(egress)).toEqual(refsOf(admin));
      // AWS's answer on the outbound rule's peer group is in both records: one read serves both directions.
      expect(refsOf(egress).staleSecurityGroups?.[memberVpc]).toEqual([expect.objectContaining({ GroupId: 'sg-0a1111111111111d0', StaleIpPermissionsEgress: [expect.objectContaining({ FromPort: 5432 })] })]);
      for (const op of READS.slice(1)) expect(requestsOf(egress, op), op).toEqual(requestsOf(admin, op));
    });

    it(`${mode}: a part that fails is read once and both records carry the same captured error`, async () => {
      sim.setFaults({ rules: [{ service: 'ec2', operation: 'GetManagedPrefixListEntries', accessDenied: true }, { service: 'ec2', operation: 'DescribeStaleSecurityGroups', accessDenied: true }] });
      try {
        const alone = await collect(mode, [BOTH[0]]);
        const both = await collect(mode, BOTH);
        for (const op of ['ec2:GetManagedPrefixListEntries', 'ec2:DescribeStaleSecurityGroups']) {
          expect(alone.sent(op), op).toBeGreaterThan(0);
          expect(both.sent(op), op).toBe(alone.sent(op));
        }
        const [admin, egress] = await Promise.all(BOTH.map((q) => both.body(q)));
        const entries = refsOf(admin).prefixListEntries?.[LIST];
        expect(isCapturedError(entries)).toBe(true);
        expect(refsOf(egress)).toEqual(refsOf(admin));
        expect(requestsOf(egress, 'ec2:GetManagedPrefixListEntries')).toEqual(requestsOf(admin, 'ec2:GetManagedPrefixListEntries'));
        expect(requestsOf(admin, 'ec2:GetManagedPrefixListEntries').some((r) => r.error)).toBe(true);
      } finally {
        sim.setFaults({});
      }
    });
  }
});
