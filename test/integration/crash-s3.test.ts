import { S3EvidenceStore } from '../../src/store/s3.js';
import { DEMO_ACCOUNT_ID } from '../../src/simulator/worlds/demo.js';
import { defineCrashSuite } from '../crash/suite.js';
import { integrationEnv, storeConfig, uniquePrefix } from './env.js';

/**
 * kill -9 of collect and package with the evidence store on the Object Lock S3 server (10 trials each): every
 * sealed run verifies there (COMPLIANCE retention included), no manifest names a missing object, and the
 * bodies a killed run left behind (locked, so they stay) are reported as harmless orphans.
 */
const server = integrationEnv();
const prefixes = new Map<string, string>();
const prefixFor = (dir: string) => {
  if (!prefixes.has(dir)) prefixes.set(dir, uniquePrefix('crash'));
  return prefixes.get(dir)!;
};

defineCrashSuite({
  name: 's3',
  storeConfig: (dir) => ({ kind: 's3', bucket: server.bucket, prefix: prefixFor(dir), region: server.region, endpoint: server.endpoint, forcePathStyle: true, retention: { days: 1 } }),
  openStore: (dir) => new S3EvidenceStore(storeConfig(prefixFor(dir))),
  // The collector's one access key signs for the store (the Object Lock server checks it) and for the simulated AWS
  // (which only needs to know it), exactly as one task role would serve both in production.
  env: () => ({
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID!,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY!,
    ...(process.env.AWS_REQUEST_CHECKSUM_CALCULATION ? { AWS_REQUEST_CHECKSUM_CALCULATION: process.env.AWS_REQUEST_CHECKSUM_CALCULATION } : {}),
    ...(process.env.AWS_RESPONSE_CHECKSUM_VALIDATION ? { AWS_RESPONSE_CHECKSUM_VALIDATION: process.env.AWS_RESPONSE_CHECKSUM_VALIDATION } : {}),
  }),
  prepareWorld: (world) => {
    world.addUserCredentials(DEMO_ACCOUNT_ID, 'evidence-locker-task', { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! });
  },
  seed: 20261128,
});
