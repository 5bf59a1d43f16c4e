/** The simulated AWS: a loopback server speaking the real wire protocols, for tests, benchmarks and `demo`. */
export { startSimulatedAws, type SimulatedAws, type StartOptions } from './server.js';
export { simulatorEnv, simulatorCredentials, simulatorClientConfig, defaultAccountId, endpointEnvName, SDK_SERVICE_IDS, type SimCredentials } from './env.js';
export { demoWorld, DEMO_ACCOUNT_ID, DEMO_ACCOUNT_NAME, DEMO_REGIONS, DEMO_ACCESS_KEY_ID, type DemoWorldOptions } from './worlds/demo.js';
export { organizationWorld, ORG_MANAGEMENT_ACCOUNT_ID, ORG_MANAGEMENT_ACCESS_KEY_ID, ORG_CONFIG_AGGREGATOR, ORG_ACCESS_ANALYZER, ORG_EVENT_DATA_STORE_ID, type OrganizationWorldOptions } from './worlds/organization.js';
export { SimWorld, SimAccount, type SimRole, type SimCredential, type SimOrganization, type RegionalState, type GlobalState } from './world.js';
export { type SimFaults, type FaultRule, type FaultScope, type RateLimit, type SimStats, type CallCounters, DEFAULT_RATE_LIMITS, seededRandom } from './faults.js';
export { SimError, operation, type SimService, type SimOperation, type CallContext, type WorldSeedContext } from './types.js';
export { SERVICES } from './services/registry.js';
