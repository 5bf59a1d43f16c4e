/**
 * Secrets never sealed: known secret-bearing fields of collected API responses are replaced, before the evidence
 * body is hashed and stored, by a marker naming the field and the rule. Evidence is kept for years under Object
 * Lock in COMPLIANCE mode, where nobody can delete a leaked password; so what could hold one is never written.
 * One rule table, applied once per evidence body in the collect path; deterministic (same input, same output).
 */

/** Why each rule exists, for the report, the README and the evidence record's readers. */
export const REDACTION_RULES = {
  'tag-key-secret': 'the value of a resource tag whose key names a password, secret, token, key or credential',
  'env-var-value': 'the value of an environment variable (Lambda, ECS container, CodeBuild project), wherever it appears, e.g. in Security Hub or GuardDuty finding details',
  'user-data': 'EC2 instance or launch-template user data (boot scripts often carry passwords and keys)',
  'cloudtrail-credential-api': 'requestParameters and responseElements of a CloudTrail event of an API that issues or reads credentials or secrets (AssumeRole, GetSessionToken, CreateAccessKey, GetSecretValue, UpdateLoginProfile ...)',
  'cloudtrail-secret-member': 'a string member of a CloudTrail event payload named like a password, secret key, session token or private key',
} as const;

export type RedactionRuleId = keyof typeof REDACTION_RULES;

/** One value taken out of an evidence body: where it was (a path from the body's root) and which rule took it. */
export interface Redaction {
  path: string;
  rule: RedactionRuleId;
}

/** CloudTrail event names whose parameters or responses carry credentials or secret material. */
export const CREDENTIAL_EVENT_NAMES: ReadonlySet<string> = new Set([
  // STS and identity federation: temporary credentials in responseElements.
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'AssumeRoot',
  'GetSessionToken',
  'GetFederationToken',
  'GetRoleCredentials',
  'GetCredentialsForIdentity',
  'GetOpenIdToken',
  'GetOpenIdTokenForDeveloperIdentity',
  'CreateToken',
  'CreateTokenWithIAM',
  // IAM: access keys, console passwords, service-specific credentials.
  'CreateAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'ChangePassword',
  'CreateServiceSpecificCredential',
  'ResetServiceSpecificCredential',
  'UploadSSHPublicKey',
  // Secrets Manager, SSM Parameter Store, KMS material.
  'GetSecretValue',
  'BatchGetSecretValue',
  'PutSecretValue',
  'CreateSecret',
  'UpdateSecret',
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'PutParameter',
  'ImportKeyMaterial',
  // Other services that hand out passwords, tokens or private keys.
  'GetPasswordData',
  'CreateKeyPair',
  'GetAuthorizationToken',
  'GetClusterCredentials',
  'GetClusterCredentialsWithIAM',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'ModifyDBInstance',
  'CreateDBInstance',
  'ModifyDBCluster',
  'CreateDBCluster',
]);

const SECRET_WORDS = /password|passwd|passphrase|secret|token|credential|apikey|privatekey|accesskey/;
const SECRET_SHORT_WORDS = new Set(['key', 'keys', 'pwd', 'pass', 'pin', 'creds', 'auth']);

/** Whether a tag key names a secret: `DB_PASSWORD`, `apiKey`, `github-token`, `Secret`, `ssh.key`. */
export function isSecretTagKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.some((w) => SECRET_SHORT_WORDS.has(w)) || SECRET_WORDS.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** CloudTrail payload member names whose string values are secrets (not `passwordResetRequired`, not `secretId`). */
const SECRET_MEMBER = /^(password|newpassword|oldpassword|masteruserpassword|secretaccesskey|sessiontoken|secretstring|secretbinary|privatekey|keymaterial|plaintext|clientsecret|authorizationtoken|accesstoken|refreshtoken|idtoken|token|passworddata|keymaterialbase64)$/i;

/** Members that hold tags: `Tags`, `TagList`, `TagSet`, `ResourceTags`, `tags`. */
const TAG_MEMBER = /tags?$|^taglist$|^tagset$/i;

const marker = (field: string, rule: RedactionRuleId) => `[REDACTED ${field} by rule ${rule}]`;

/** A path segment: `.Name` for plain member names, `["a b"]` otherwise. */
function member(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

type Json = unknown;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);

class Redactor {
  readonly redactions: Redaction[] = [];

  private take(path: string, field: string, rule: RedactionRuleId): string {
    this.redactions.push({ path, rule });
    return marker(field, rule);
  }

  /** Returns the value with secrets replaced; unchanged subtrees are returned as they are (no copy). */
  walk(value: Json, path: string, parentKey: string | undefined, inCloudTrailPayload: boolean): Json {
    if (Array.isArray(value)) return this.array(value, path, parentKey, inCloudTrailPayload);
    if (!isPlainObject(value)) return value;
    let out: Record<string, unknown> | undefined;
    const set = (k: string, v: unknown) => {
      if (v === value[k]) return;
      out ??= { ...value };
      out[k] = v;
    };
    const credentialEvent = isCloudTrailRecord(value) && CREDENTIAL_EVENT_NAMES.has(String(value.eventName));
    for (const [k, v] of Object.entries(value)) {
      const p = member(path, k);
      const lower = k.toLowerCase();
      if (v === undefined || v === null) continue;
      if (credentialEvent && (k === 'requestParameters' || k === 'responseElements')) {
        set(k, this.take(p, k, 'cloudtrail-credential-api'));
      } else if (lower === 'userdata' && typeof v === 'string') {
        set(k, this.take(p, k, 'user-data'));
      } else if (lower === 'userdata' && isPlainObject(v) && typeof v.Value === 'string') {
        set(k, { ...v, Value: this.take(member(p, 'Value'), k, 'user-data') });
      } else if (lower === 'variables' && parentKey?.toLowerCase() === 'environment' && isPlainObject(v)) {
        set(k, this.mapValues(v, p, 'env', 'env-var-value'));
      } else if (TAG_MEMBER.test(k) && isPlainObject(v) && typeof v.Key === 'string' && typeof v.Value === 'string') {
        // One tag as a structure (an S3 lifecycle filter's Tag), not a map of tags.
        if (isSecretTagKey(v.Key)) set(k, { ...v, Value: this.take(member(p, 'Value'), `tag ${v.Key}`, 'tag-key-secret') });
      } else if (TAG_MEMBER.test(k) && isPlainObject(v)) {
        set(k, this.mapValues(v, p, 'tag', 'tag-key-secret', isSecretTagKey));
      } else if (inCloudTrailPayload && typeof v === 'string' && SECRET_MEMBER.test(k)) {
        set(k, this.take(p, k, 'cloudtrail-secret-member'));
      } else if (k === 'CloudTrailEvent' && typeof v === 'string') {
        set(k, this.embeddedEvent(v, p));
      } else {
        const payload = inCloudTrailPayload || (isCloudTrailRecord(value) && (k === 'requestParameters' || k === 'responseElements' || k === 'additionalEventData'));
        set(k, this.walk(v, p, k, payload));
      }
    }
    return out ?? value;
  }

  private array(items: Json[], path: string, parentKey: string | undefined, inCloudTrailPayload: boolean): Json {
    const key = parentKey?.toLowerCase() ?? '';
    const tagList = TAG_MEMBER.test(key);
    // ECS container definitions (`Environment`), CodeBuild projects and builds (`EnvironmentVariables`, `environmentVariablesOverride`).
    const envList = /^environment(variables)?(override)?$/.test(key);
    let out: Json[] | undefined;
    items.forEach((item, i) => {
      const p = `${path}[${i}]`;
      let next: Json = item;
      const tagKey = isPlainObject(item) ? (item.Key ?? item.key) : undefined;
      const tagValueKey = isPlainObject(item) && typeof item.Value === 'string' ? 'Value' : 'value';
      if (tagList && isPlainObject(item) && typeof tagKey === 'string' && typeof item[tagValueKey] === 'string' && isSecretTagKey(tagKey)) {
        // Tags as the service APIs return them (`Key`/`Value`) and as CloudTrail payloads log them (`key`/`value`).
        next = { ...item, [tagValueKey]: this.take(`${p}.${tagValueKey}`, `tag ${tagKey}`, 'tag-key-secret') };
      } else if (envList && isPlainObject(item) && typeof (item.Name ?? item.name) === 'string' && typeof (item.Value ?? item.value) === 'string') {
        const valueKey = typeof item.Value === 'string' ? 'Value' : 'value';
        next = { ...item, [valueKey]: this.take(`${p}.${valueKey}`, `env ${String(item.Name ?? item.name)}`, 'env-var-value') };
      } else {
        next = this.walk(item, p, parentKey, inCloudTrailPayload);
      }
      if (next !== item) {
        out ??= [...items];
        out[i] = next;
      }
    });
    return out ?? items;
  }

  /** A map of names to values (Lambda variables, Security Hub tag maps): each selected value is replaced. */
  private mapValues(map: Record<string, unknown>, path: string, kind: string, rule: RedactionRuleId, select: (k: string) => boolean = () => true): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(map)) {
      if (typeof v !== 'string' || !select(k)) continue;
      out ??= { ...map };
      out[k] = this.take(member(path, k), `${kind} ${k}`, rule);
    }
    return out ?? map;
  }

  /** LookupEvents returns each event's record as a JSON string; it is parsed, redacted and written back only if changed. */
  private embeddedEvent(text: string, path: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text;
    }
    const redacted = this.walk(parsed, `${path}<json>`, 'CloudTrailEvent', false);
    return redacted === parsed ? text : JSON.stringify(redacted);
  }
}

function isCloudTrailRecord(v: Record<string, unknown>): boolean {
  return typeof v.eventName === 'string' && typeof v.eventSource === 'string';
}

/**
 * The evidence with every secret-bearing field replaced, and the list of what was replaced (sorted by path).
 * The input is not changed; parts without secrets are shared with it.
 */
export function redactEvidence<T>(data: T, root = 'data'): { data: T; redactions: Redaction[] } {
  const r = new Redactor();
  const out = r.walk(data, root, undefined, false) as T;
  return { data: out, redactions: r.redactions.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}
