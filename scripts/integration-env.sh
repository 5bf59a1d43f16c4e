#!/usr/bin/env bash
# Starts the Object Lock S3 server used by the integration tests (Ceph RADOS Gateway on 127.0.0.1, from the
# shared/ folder beside this repository), creates the test bucket with Object Lock if it is missing, and prints
# `export` lines on stdout (progress goes to stderr):
#
#   eval "$(bash scripts/integration-env.sh)"
#   npx vitest run --config vitest.integration.config.ts
#   bash scripts/integration-env-down.sh
#
# Environment: INTEGRATION_S3_BUCKET (default evidence-locker-it; not EVIDENCE_LOCKER_*, which the config loader reads as overrides), plus the WORM_S3_* options of worm-s3-up.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
UP="$HERE/../../shared/scripts/worm-s3-up.sh"
BUCKET=${INTEGRATION_S3_BUCKET:-evidence-locker-it}

if [ ! -f "$UP" ]; then
  echo "integration-env: ERROR: $UP not found; the shared/ folder (with scripts/worm-s3-up.sh) must sit beside the repository" >&2
  exit 1
fi

EXPORTS=$(bash "$UP")
eval "$EXPORTS"

# Test bucket: Object Lock on, versioning on, default retention COMPLIANCE 1 day, public access blocked except
# BlockPublicAcls, with which Ceph 16 refuses every PutObject (AccessDenied); the store pre-flight reports it as advisory.
(cd "$REPO" && INTEGRATION_S3_BUCKET="$BUCKET" node --input-type=module -e '
import {
  S3Client, CreateBucketCommand, HeadBucketCommand, PutObjectLockConfigurationCommand, PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
const Bucket = process.env.INTEGRATION_S3_BUCKET;
const s3 = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true, region: process.env.AWS_REGION });
let exists = true;
try { await s3.send(new HeadBucketCommand({ Bucket })); } catch (e) {
  if (e?.$metadata?.httpStatusCode !== 404) throw e;
  exists = false;
}
if (!exists) {
  await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
  process.stderr.write(`integration-env: created bucket ${Bucket} with Object Lock\n`);
}
await s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: {
  ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } } } }));
try {
  await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: {
    BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
} catch (e) {
  process.stderr.write(`integration-env: PutPublicAccessBlock on ${Bucket} failed (${e?.name}); the pre-flight will report it\n`);
}
s3.destroy();
') >&2

printf '%s\n' "$EXPORTS"
printf 'export INTEGRATION_S3_BUCKET=%s\n' "$BUCKET"
printf 'export INTEGRATION_S3_ENDPOINT=%s\n' "$AWS_ENDPOINT_URL_S3"
