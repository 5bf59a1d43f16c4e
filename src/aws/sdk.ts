/**
 * AWS SDK client packages, each loaded on its first use and shared after that.
 * A process that never calls a service (help, `controls`, `verify`, an idle daemon) never pays for its client:
 * @aws-sdk/client-ec2 alone is ~90 MB of resident memory and ~2 s of start-up. Modules keep `import type` for the
 * SDK's types, which the compiler erases, and load the client, command and paginator values through these.
 */
function onFirstUse<M>(load: () => Promise<M>): () => Promise<M> {
  let loaded: Promise<M> | undefined;
  return () => (loaded ??= load());
}

export const loadAccessAnalyzerSdk = onFirstUse(() => import('@aws-sdk/client-accessanalyzer'));
export const loadAccountSdk = onFirstUse(() => import('@aws-sdk/client-account'));
export const loadAcmSdk = onFirstUse(() => import('@aws-sdk/client-acm'));
export const loadCloudFrontSdk = onFirstUse(() => import('@aws-sdk/client-cloudfront'));
export const loadElbv2Sdk = onFirstUse(() => import('@aws-sdk/client-elastic-load-balancing-v2'));
export const loadWafv2Sdk = onFirstUse(() => import('@aws-sdk/client-wafv2'));
export const loadCloudTrailSdk = onFirstUse(() => import('@aws-sdk/client-cloudtrail'));
export const loadCloudWatchLogsSdk = onFirstUse(() => import('@aws-sdk/client-cloudwatch-logs'));
export const loadConfigServiceSdk = onFirstUse(() => import('@aws-sdk/client-config-service'));
export const loadEc2Sdk = onFirstUse(() => import('@aws-sdk/client-ec2'));
export const loadGuardDutySdk = onFirstUse(() => import('@aws-sdk/client-guardduty'));
export const loadIamSdk = onFirstUse(() => import('@aws-sdk/client-iam'));
export const loadKmsSdk = onFirstUse(() => import('@aws-sdk/client-kms'));
export const loadMacie2Sdk = onFirstUse(() => import('@aws-sdk/client-macie2'));
export const loadOrganizationsSdk = onFirstUse(() => import('@aws-sdk/client-organizations'));
export const loadRdsSdk = onFirstUse(() => import('@aws-sdk/client-rds'));
export const loadS3Sdk = onFirstUse(() => import('@aws-sdk/client-s3'));
export const loadS3ControlSdk = onFirstUse(() => import('@aws-sdk/client-s3-control'));
export const loadSecurityHubSdk = onFirstUse(() => import('@aws-sdk/client-securityhub'));
export const loadSsoAdminSdk = onFirstUse(() => import('@aws-sdk/client-sso-admin'));
export const loadSsmSdk = onFirstUse(() => import('@aws-sdk/client-ssm'));
export const loadCloudWatchSdk = onFirstUse(() => import('@aws-sdk/client-cloudwatch'));
export const loadSnsSdk = onFirstUse(() => import('@aws-sdk/client-sns'));
export const loadEventBridgeSdk = onFirstUse(() => import('@aws-sdk/client-eventbridge'));
export const loadBackupSdk = onFirstUse(() => import('@aws-sdk/client-backup'));
export const loadInspector2Sdk = onFirstUse(() => import('@aws-sdk/client-inspector2'));
export const loadEcrSdk = onFirstUse(() => import('@aws-sdk/client-ecr'));
export const loadLambdaSdk = onFirstUse(() => import('@aws-sdk/client-lambda'));
export const loadSecretsManagerSdk = onFirstUse(() => import('@aws-sdk/client-secrets-manager'));
export const loadResourceGroupsTaggingSdk = onFirstUse(() => import('@aws-sdk/client-resource-groups-tagging-api'));
export const loadStsSdk = onFirstUse(() => import('@aws-sdk/client-sts'));
export const loadNetworkFirewallSdk = onFirstUse(() => import('@aws-sdk/client-network-firewall'));
export const loadCredentialProviders = onFirstUse(() => import('@aws-sdk/credential-providers'));
