/**
 * Runs an evidence query's collect through the real SDK clients (built by AwsClientProvider) against the
 * simulated AWS, then evaluates what it collected after a canonical-JSON round trip, as the pipeline does.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { AwsClientProvider, withCallLog, type LoggedCall } from '../../../src/aws/clients.js';
import { RateLimiterRegistry } from '../../../src/aws/rate-limit.js';
import { canonicalJson } from '../../../src/seal/canonical.js';
import type { EvidenceQuery, QueryParameters, ResourceResult } from '../../../src/queries/types.js';
import { DEMO_ACCOUNT_ID, demoWorld, simulatorCredentials, simulatorEnv, startSimulatedAws, type SimulatedAws } from '../../../src/simulator/index.js';
import type { SimWorld } from '../../../src/simulator/world.js';

export interface SimulatedRun {
  results: ResourceResult[];
  calls: LoggedCall[];
  data: unknown;
}

export interface SimulatedSession {
  sim: SimulatedAws;
  now: Date;
  run(query: EvidenceQuery<unknown>, region: string, params?: QueryParameters): Promise<SimulatedRun>;
  close(): Promise<void>;
}

/** Starts the simulator with the demo world and points the SDK's endpoint variables at it until `close()`. */
export async function startSession(world?: SimWorld): Promise<SimulatedSession> {
  const now = world ? world.now() : new Date();
  const sim = await startSimulatedAws({ world: world ?? demoWorld({ now }) });
  const env = simulatorEnv(sim, DEMO_ACCOUNT_ID);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const credentials = simulatorCredentials(sim, DEMO_ACCOUNT_ID);
  // The published limits (LookupEvents 2/s), as in production: the simulator enforces them too.
  const rateLimits = new RateLimiterRegistry();
  return {
    sim,
    now,
    async run(query, region, params = {}) {
      const merged: QueryParameters = { ...Object.fromEntries(Object.entries(query.parameters ?? {}).map(([k, v]) => [k, v.default])), ...params };
      const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region, credentials, maxAttempts: 3, rateLimits });
      try {
        const out = await withCallLog(() => query.collect({ accountId: DEMO_ACCOUNT_ID, region, clients, params: merged, now }));
        if ('error' in out) throw out.error;
        const data = JSON.parse(canonicalJson(out.result)) as unknown;
        const results = query.evaluate(data, merged, { accountId: DEMO_ACCOUNT_ID, region, collectedAt: now.toISOString() });
        // Every operation the client middleware logged is one the query declares (the deploy policy comes from apiCalls).
        expect([...new Set(out.calls.map((c) => c.operation))].filter((op) => !query.apiCalls.includes(op))).toEqual([]);
        // The only failed calls are "absence" answers (no policy, no lock ...), which are kept as evidence.
        expect(out.calls.filter((c) => c.error && !/NotFound|^NoSuch|^WAFNonexistentItem/.test(c.error))).toEqual([]);
        return { results, calls: out.calls, data };
      } finally {
        clients.destroy();
      }
    },
    async close() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await sim.close();
    },
  };
}

/**
 * One simulated demo session for the test file that calls this at its top level: started in beforeAll, closed in
 * afterAll. The returned object forwards to it.
 */
export function demoSession(world?: () => SimWorld): SimulatedSession {
  let started: SimulatedSession | undefined;
  beforeAll(async () => {
    started = await startSession(world?.());
  });
  afterAll(async () => {
    await started?.close();
  });
  const get = () => {
    if (!started) throw new Error('the simulated session starts in beforeAll');
    return started;
  };
  return {
    get sim() {
      return get().sim;
    },
    get now() {
      return get().now;
    },
    run: (query, region, params) => get().run(query, region, params),
    close: () => get().close(),
  };
}

export const statusOf = (results: ResourceResult[]) => Object.fromEntries(results.map((r) => [r.resource, r.status]));

/**
 * Collects with `operation` (e.g. `backup:ListCopyJobs`) denied by the simulator (its AccessDenied error, no retries)
 * and evaluates what was collected after a canonical-JSON round trip; the faults are cleared afterwards.
 */
export async function runDenied(session: SimulatedSession, query: EvidenceQuery<unknown>, region: string, operation: string): Promise<ResourceResult[]> {
  session.sim.setFaults({ rateLimits: {}, rules: [{ operation, accessDenied: true }] });
  const params: QueryParameters = Object.fromEntries(Object.entries(query.parameters ?? {}).map(([k, v]) => [k, v.default]));
  const clients = new AwsClientProvider({ accountId: DEMO_ACCOUNT_ID, region, credentials: simulatorCredentials(session.sim, DEMO_ACCOUNT_ID), maxAttempts: 1 });
  try {
    const data = JSON.parse(canonicalJson(await query.collect({ accountId: DEMO_ACCOUNT_ID, region, clients, params, now: session.now }))) as unknown;
    return query.evaluate(data, params, { accountId: DEMO_ACCOUNT_ID, region, collectedAt: session.now.toISOString() });
  } finally {
    clients.destroy();
    session.sim.setFaults({});
  }
}
