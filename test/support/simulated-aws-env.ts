import { afterAll, beforeAll } from 'vitest';
import { demoWorld, simulatorEnv, startSimulatedAws, type SimulatedAws } from '../../src/simulator/index.js';

/**
 * Starts the simulated demo AWS account for the enclosing suite and points the SDK's environment (AWS_ENDPOINT_URL_*,
 * credentials, region) at it; restores the environment and stops it afterwards. Returns a getter for the running
 * simulator (set once `beforeAll` ran).
 */
export function useSimulatedAwsEnv(now = new Date('2026-03-01T00:00:00Z')): () => SimulatedAws {
  let sim: SimulatedAws | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    sim = await startSimulatedAws({ world: demoWorld({ now }) });
    for (const [k, v] of Object.entries(simulatorEnv(sim))) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await sim?.close();
  });
  return () => {
    if (!sim) throw new Error('the simulated AWS is not running: call the getter inside a test');
    return sim;
  };
}
