import { afterAll, beforeAll } from 'vitest';
import { startSimulatedAws, simulatorCredentials, type SimulatedAws, type StartOptions } from '../../src/simulator/index.js';

/** Starts one simulator for the enclosing describe block; `sim()` is valid inside tests. */
export function useSimulator(opts: StartOptions | (() => StartOptions) = {}): () => SimulatedAws {
  let sim: SimulatedAws | undefined;
  beforeAll(async () => {
    sim = await startSimulatedAws(typeof opts === 'function' ? opts() : opts);
  });
  afterAll(async () => {
    await sim?.close();
  });
  return () => {
    if (!sim) throw new Error('simulator not started');
    return sim;
  };
}

/** Explicit client config for an account of the simulated world (no environment involved). */
export function clientConfig(sim: SimulatedAws, opts: { region?: string; accountId?: string; maxAttempts?: number } = {}) {
  return {
    endpoint: sim.url,
    region: opts.region ?? 'us-east-1',
    credentials: simulatorCredentials(sim, opts.accountId),
    maxAttempts: opts.maxAttempts ?? 1,
  };
}
