import { S3Client } from '@aws-sdk/client-s3';
import { S3StoreSchema, type S3StoreConfig } from '../../src/config/schema.js';

/**
 * The Object Lock S3 server the integration tests run against. Missing variables fail the suite loudly:
 * nothing here is skipped silently.
 */
export function integrationEnv(): { endpoint: string; bucket: string; region: string; kmsKeyId?: string } {
  const endpoint = process.env.INTEGRATION_S3_ENDPOINT;
  const bucket = process.env.INTEGRATION_S3_BUCKET;
  if (!endpoint || !bucket || !process.env.AWS_ACCESS_KEY_ID) {
    throw new Error(
      'integration tests need the Object Lock S3 server: run `eval "$(bash scripts/integration-env.sh)"` in this shell, then ' +
        '`npx vitest run --config vitest.integration.config.ts` (INTEGRATION_S3_ENDPOINT, INTEGRATION_S3_BUCKET and AWS credentials are missing)',
    );
  }
  return { endpoint, bucket, region: process.env.AWS_REGION ?? 'us-east-1', ...(process.env.WORM_S3_KMS_KEY_ID ? { kmsKeyId: process.env.WORM_S3_KMS_KEY_ID } : {}) };
}

/** Store config for the test bucket under a fresh prefix; the bucket's default retention is COMPLIANCE 1 day. */
export function storeConfig(prefix: string, overrides: Partial<S3StoreConfig> = {}): S3StoreConfig {
  const env = integrationEnv();
  return S3StoreSchema.parse({ kind: 's3', bucket: env.bucket, prefix, region: env.region, endpoint: env.endpoint, forcePathStyle: true, retention: { days: 1 }, ...overrides });
}

/** A plain SDK client on the same server, playing the attacker or the admin. */
export function rawClient(): S3Client {
  const env = integrationEnv();
  return new S3Client({ endpoint: env.endpoint, forcePathStyle: true, region: env.region });
}

export function uniquePrefix(name: string): string {
  return `it-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}/`;
}
