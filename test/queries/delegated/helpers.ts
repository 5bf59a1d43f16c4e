/** One member's evidence collected both ways against the simulated organisation: in the member account, and split from the audit account's read. */
import { afterAll, beforeAll } from 'vitest';
import { AwsClientProvider } from '../../../src/aws/clients.js';
import { createLogger } from '../../../src/log/logger.js';
import { memberKey, type AuditContext, type DelegatedSource } from '../../../src/queries/delegated/types.js';
import { readOnce } from '../../../src/queries/delegated/read-once.js';
import type { EvidenceQuery, QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import { organizationWorld, simulatorCredentials, simulatorEnv, startSimulatedAws, ORG_CONFIG_AGGREGATOR, ORG_MANAGEMENT_ACCOUNT_ID, type SimulatedAws } from '../../../src/simulator/index.js';
import type { SimWorld } from '../../../src/simulator/world.js';

export const ADMIN = ORG_MANAGEMENT_ACCOUNT_ID;
export const REGIONS = ['us-east-1', 'us-west-2'];
const COLLECTED_AT = new Date();

/** Starts the simulated organisation (audit account = management account) after `prepare` changes its world. */
export function useOrganization(prepare: (world: SimWorld) => void = () => {}) {
  let sim: SimulatedAws | undefined;
  const providers: AwsClientProvider[] = [];
  const saved = { ...process.env };
  beforeAll(async () => {
    const world = organizationWorld({ accounts: 4, regions: REGIONS, seed: 3, delegatedAdministrator: true });
    prepare(world);
    sim = await startSimulatedAws({ world });
    // Endpoints come from AWS_ENDPOINT_URL_<SERVICE>, as in production; credentials are given per account.
    Object.assign(process.env, simulatorEnv(sim, ADMIN));
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await sim?.close();
  });
  const clients = (accountId: string, region: string) => {
    // Retries as the collector's clients do: a test reading one administrator both ways can pass a simulated quota (BatchGetAccountStatus 5/s).
    const p = new AwsClientProvider({ accountId, region, credentials: simulatorCredentials(sim!, accountId), maxAttempts: 4 });
    providers.push(p);
    return p;
  };
  const members = () => sim!.world.organization!.accountIds.filter((id) => id !== ADMIN);
  const world = () => sim!.world;

  /** The query collected in the member and evaluated, and the source's part for the member completed and evaluated (undefined: not covered). */
  async function bothWays<T>(query: EvidenceQuery<T>, source: DelegatedSource<unknown>, accountId: string, region: string, params: QueryParameters = {}) {
    const member = { accountId, region, clients: clients(accountId, region), params, now: COLLECTED_AT };
    const audit: AuditContext = { accountId: ADMIN, region, clients: clients(ADMIN, region), aggregator: ORG_CONFIG_AGGREGATOR, params, now: COLLECTED_AT, log: createLogger({ level: 'silent' }), once: readOnce() };
    const ctx = { accountId, region, collectedAt: COLLECTED_AT.toISOString() };
    // Evidence passes through JSON before evaluation, as stored records do.
    const roundTrip = (v: unknown) => JSON.parse(JSON.stringify(v)) as T;
    const own = roundTrip(await query.collect(member));
    const parts = await source.fetch(audit);
    const part = parts.get(memberKey(accountId, region));
    const data = part === undefined ? undefined : roundTrip(await source.complete(part, member, audit));
    const judged = (d: T): ResourceResult[] => query.evaluate(d, params, ctx);
    return { own, data, parts, perAccount: judged(own), delegated: data === undefined ? undefined : judged(data) };
  }
  return { world, members, bothWays };
}

/** Results without their wording: what is judged and how. */
export const outcome = (results: ResourceResult[] | undefined) => results?.map((r) => `${r.resourceType} ${r.resource} ${r.status}`).sort();
