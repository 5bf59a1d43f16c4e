import { defineQuery, type ResourceResult } from '../types.js';
import { functionResource, functionLabel, listFunctions, unlistedVersions, type LambdaFunctionsEvidence } from './functions.js';

/**
 * Words that, ending a variable name, say the value is itself a credential (`pass`, `pw`: a password; `sk`: a secret
 * key, as in STRIPE_SK; `pat`: a personal access token, as in GITHUB_PAT).
 */
const CREDENTIAL_WORDS = new Set(['password', 'passwd', 'passphrase', 'secret', 'token', 'credential', 'credentials', 'creds', 'pwd', 'pass', 'pw', 'sk', 'pat', 'apikey', 'privatekey', 'accesskey', 'secretkey', 'clientsecret']);
/** Words that appear in credential names but also in settings about them (TOKEN_TTL, PASSWORD_MIN_LENGTH, AUTH_MODE). */
const CREDENTIAL_HINTS = /password|passwd|passphrase|secret|token|credential|apikey|privatekey|accesskey|^(key|pwd|pass|pw|sk|pat|pin|auth|creds)$/;
/** A name ending like this holds where the secret is kept (an ARN, a parameter name), not the secret itself. */
const REFERENCE_SUFFIXES = new Set(['arn', 'name', 'path', 'param', 'parameter', 'id', 'ref', 'uri', 'url', 'file', 'location']);
/**
 * Names of connection strings, URLs and DSNs (DATABASE_URL, MONGODB_URI, SENTRY_DSN, SLACK_WEBHOOK_URL,
 * …_CONNECTION_STRING): the value may embed user:password@ or a token, so the name alone cannot clear it.
 */
const CONNECTION_ENDINGS = new Set(['url', 'uri', 'dsn', 'connectionstring', 'connstr', 'connstring']);

/** Splits `DB_PASSWORD`, `apiKey`, `stripe-secret-key` into lower-case words. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export type NameKind = 'credential' | 'possible-credential' | 'reference' | 'other';

/** What a variable's name alone suggests about its value (values are never collected). */
export function classifyVariableName(name: string): NameKind {
  const w = words(name);
  if (w.length === 0) return 'other';
  const last = w[w.length - 1];
  const joinedTail = w.slice(-2).join('');
  const hinted = w.some((x) => CREDENTIAL_HINTS.test(x)) || CREDENTIAL_HINTS.test(joinedTail);
  const connection = CONNECTION_ENDINGS.has(last) || CONNECTION_ENDINGS.has(joinedTail);
  if (!hinted) return connection ? 'possible-credential' : 'other';
  if (REFERENCE_SUFFIXES.has(last)) return connection && !w.includes('secret') ? 'possible-credential' : 'reference';
  if (CREDENTIAL_WORDS.has(last) || CREDENTIAL_WORDS.has(joinedTail)) return 'credential';
  return 'possible-credential';
}

export const environmentSecrets = defineQuery<LambdaFunctionsEvidence>({
  id: 'lambda.environment-secrets',
  service: 'lambda',
  title: 'Lambda functions keep no credentials in plaintext environment variables',
  description:
    'The names of the environment variables of every Lambda function in the region and of every published version of it (ListFunctions with FunctionVersion=ALL; the values are redacted before the evidence is stored and are never judged), classified by name: a name that ends like a credential (…_PASSWORD, …_TOKEN, …_API_KEY) suggests a secret stored in the function configuration, readable by anyone who can read it; a connection string, URL or DSN (DATABASE_URL, …_CONNECTION_STRING) may embed a password or token and is listed for review; a name that ends like a reference (…_SECRET_ARN, …_PARAMETER_NAME) points to a secret store; a function whose variables Lambda reports an error for (Environment.Error) is listed for review. A name cannot prove what its value is, and secrets in code, layers or container images are not seen.',
  remediation:
    'Move the value to AWS Secrets Manager (or SSM Parameter Store SecureString), pass the secret’s ARN or name in the variable instead, and read it at run time (the AWS Parameters and Secrets Lambda Extension caches it); then rotate the exposed credential.',
  scope: 'regional',
  apiCalls: ['lambda:ListFunctions'],
  collect: listFunctions,
  evaluate(data, _params, ctx) {
    if (!data?.functions) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'error', reason: 'the evidence holds no ListFunctions response' }];
    if (data.functions.length === 0) return [{ resource: 'account', resourceType: 'AWS::::Account', status: 'not-applicable', reason: `the account has no Lambda functions in ${ctx.region}` }];
    const results: ResourceResult[] = [];
    const gap = unlistedVersions(data);
    for (const fn of data.functions) {
      const base = functionResource(fn, ctx.region, ctx.accountId);
      const label = functionLabel(fn);
      const names = Object.keys(fn.Environment?.Variables ?? {}).sort();
      const by = (k: NameKind) => names.filter((n) => classifyVariableName(n) === k);
      const refs = by('reference');
      const refText = refs.length ? `; ${refs.length} name a secret store reference (${refs.join(', ')})` : '';
      const kms = fn.KMSKeyArn ? ' (encrypted at rest with a customer managed key, still readable by anyone who can read the configuration)' : '';
      // EnvironmentError: "environment variables that couldn't be applied"; the names returned may not be all of them.
      const envError = fn.Environment?.Error;
      const errorText = envError
        ? `Lambda reports an error for its environment variables (Environment.Error ${envError.ErrorCode ?? 'without a code'}${envError.Message ? `: ${envError.Message}` : ''})`
        : undefined;
      if (by('credential').length) {
        results.push({ ...base, status: 'fail', reason: `${label} has environment variables named like credentials: ${by('credential').join(', ')}${kms}; the values were not collected, so confirm what they hold${refText}${errorText ? `; ${errorText}` : ''}` });
      } else if (by('possible-credential').length) {
        results.push({ ...base, status: 'needs-review', reason: `${label} has environment variables whose names mention a credential or may hold a connection string, URL or DSN with embedded credentials: ${by('possible-credential').join(', ')}; the values were not collected, so confirm they are settings, not secrets${refText}${errorText ? `; ${errorText}` : ''}` });
      } else if (errorText) {
        results.push({ ...base, status: 'needs-review', reason: `${errorText}, so the evidence may not hold the names of all of ${label}’s variables (${names.length} listed${names.length ? `: ${names.join(', ')}` : ''}); confirm with someone who can read its configuration` });
      } else if (gap) {
        results.push({ ...base, status: 'needs-review', reason: `${label} has ${names.length} environment variables, none named like a credential${refText}; ${gap}` });
      } else {
        results.push({ ...base, status: 'pass', reason: `${label} has ${names.length} environment variables, none named like a credential${refText}; names only, the values were not collected` });
      }
    }
    return results;
  },
});
