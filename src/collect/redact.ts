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
  'subscription-endpoint-url': 'the endpoint URL of an SNS subscription over HTTP or HTTPS (incident-tool and chat webhooks carry their integration key in the URL)',
  'target-http-parameter': 'a header or query-string value an EventBridge target sends (HttpParameters of API Gateway and API destination targets, which can carry API keys)',
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

type Json = unknown;
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array);

/** What a member name can mean to the rules; decided once per distinct name (evidence repeats the same names). */
type KeyKind = 'plain' | 'userData' | 'variables' | 'tags' | 'secretMember' | 'cloudTrailEvent' | 'payload';
const keyKinds = new Map<string, KeyKind>();
function kindOf(k: string): KeyKind {
  let kind = keyKinds.get(k);
  if (kind === undefined) {
    const lower = k.toLowerCase();
    kind =
      lower === 'userdata' ? 'userData'
      : lower === 'variables' ? 'variables'
      : TAG_MEMBER.test(k) ? 'tags'
      : k === 'CloudTrailEvent' ? 'cloudTrailEvent'
      : k === 'requestParameters' || k === 'responseElements' || k === 'additionalEventData' ? 'payload'
      : SECRET_MEMBER.test(k) ? 'secretMember'
      : 'plain';
    if (keyKinds.size < 10_000) keyKinds.set(k, kind);
  }
  return kind;
}
const ENV_LIST = /^environment(variables)?(override)?$/i;

/** One path segment: a member name or an array index; the path string is only built for a value that is redacted. */
type Segment = string | number;
function pathOf(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (s === '<json>') out += s;
    else out += /^[A-Za-z_$][\w$]*$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`;
  }
  return out;
}

class Redactor {
  readonly redactions: Redaction[] = [];
  private readonly path: Segment[];

  constructor(root: string) {
    this.path = [root];
  }

  /** Records the redaction of the member or element `last` under the current path and returns its marker. */
  private take(last: Segment[], field: string, rule: RedactionRuleId): string {
    this.redactions.push({ path: pathOf([...this.path, ...last]), rule });
    return marker(field, rule);
  }

  /** Returns the value with secrets replaced; unchanged subtrees are returned as they are (no copy). */
  walk(value: Json, parentKey: string | undefined, inCloudTrailPayload: boolean): Json {
    if (Array.isArray(value)) return this.array(value, parentKey, inCloudTrailPayload);
    if (!isPlainObject(value)) return value;
    let out: Record<string, unknown> | undefined;
    const set = (k: string, v: unknown) => {
      if (v === value[k]) return;
      out ??= { ...value };
      out[k] = v;
    };
    const cloudTrailRecord = isCloudTrailRecord(value);
    const credentialEvent = cloudTrailRecord && CREDENTIAL_EVENT_NAMES.has(String(value.eventName));
    const underEnvironment = parentKey !== undefined && parentKey.toLowerCase() === 'environment';
    const webhookSubscription = typeof value.SubscriptionArn === 'string' && (value.Protocol === 'http' || value.Protocol === 'https');
    for (const k in value) {
      const v = value[k];
      if (v === undefined || v === null || (typeof v !== 'object' && typeof v !== 'string')) continue;
      const kind = kindOf(k);
      if (k === 'Endpoint' && webhookSubscription && typeof v === 'string') {
        set(k, this.take([k], k, 'subscription-endpoint-url'));
      } else if (k === 'HttpParameters' && isPlainObject(v)) {
        this.path.push(k);
        let params: Record<string, unknown> = v;
        for (const m of ['HeaderParameters', 'QueryStringParameters']) {
          const map = v[m];
          if (isPlainObject(map)) {
            const redacted = this.mapValues(map, m, m === 'HeaderParameters' ? 'header' : 'query parameter', 'target-http-parameter');
            if (redacted !== map) params = { ...params, [m]: redacted };
          }
        }
        this.path.pop();
        set(k, params);
      } else if (kind === 'payload' && credentialEvent && k !== 'additionalEventData') {
        set(k, this.take([k], k, 'cloudtrail-credential-api'));
      } else if (kind === 'userData' && typeof v === 'string') {
        set(k, this.take([k], k, 'user-data'));
      } else if (kind === 'userData' && isPlainObject(v) && typeof v.Value === 'string') {
        set(k, { ...v, Value: this.take([k, 'Value'], k, 'user-data') });
      } else if (kind === 'variables' && underEnvironment && isPlainObject(v)) {
        set(k, this.mapValues(v, k, 'env', 'env-var-value'));
      } else if (kind === 'tags' && isPlainObject(v) && typeof v.Key === 'string' && typeof v.Value === 'string') {
        // One tag as a structure (an S3 lifecycle filter's Tag), not a map of tags.
        if (isSecretTagKey(v.Key)) set(k, { ...v, Value: this.take([k, 'Value'], `tag ${v.Key}`, 'tag-key-secret') });
      } else if (kind === 'tags' && isPlainObject(v)) {
        set(k, this.mapValues(v, k, 'tag', 'tag-key-secret', isSecretTagKey));
      } else if (kind === 'secretMember' && inCloudTrailPayload && typeof v === 'string') {
        set(k, this.take([k], k, 'cloudtrail-secret-member'));
      } else if (kind === 'cloudTrailEvent' && typeof v === 'string') {
        set(k, this.embeddedEvent(v, k));
      } else if (typeof v === 'object') {
        this.path.push(k);
        set(k, this.walk(v, k, inCloudTrailPayload || (cloudTrailRecord && kind === 'payload')));
        this.path.pop();
      }
    }
    return out ?? value;
  }

  private array(items: Json[], parentKey: string | undefined, inCloudTrailPayload: boolean): Json {
    const tagList = parentKey !== undefined && TAG_MEMBER.test(parentKey);
    // ECS container definitions (`Environment`), CodeBuild projects and builds (`EnvironmentVariables`, `environmentVariablesOverride`).
    const envList = parentKey !== undefined && ENV_LIST.test(parentKey);
    let out: Json[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === null || typeof item !== 'object') continue;
      let next: Json = item;
      if ((tagList || envList) && isPlainObject(item)) {
        const name = tagList ? (item.Key ?? item.key) : (item.Name ?? item.name);
        const valueKey = typeof item.Value === 'string' ? 'Value' : 'value';
        // Tags and variables as the service APIs return them (`Key`/`Value`) and as CloudTrail logs them (`key`/`value`).
        if (typeof name === 'string' && typeof item[valueKey] === 'string') {
          if (envList) next = { ...item, [valueKey]: this.take([i, valueKey], `env ${name}`, 'env-var-value') };
          else if (isSecretTagKey(name)) next = { ...item, [valueKey]: this.take([i, valueKey], `tag ${name}`, 'tag-key-secret') };
        }
      }
      if (next === item) {
        this.path.push(i);
        next = this.walk(item, parentKey, inCloudTrailPayload);
        this.path.pop();
      }
      if (next !== item) {
        out ??= [...items];
        out[i] = next;
      }
    }
    return out ?? items;
  }

  /** A map of names to values (Lambda variables, Security Hub tag maps): each selected value is replaced. */
  private mapValues(map: Record<string, unknown>, key: string, kind: string, rule: RedactionRuleId, select: (k: string) => boolean = () => true): Record<string, unknown> {
    let out: Record<string, unknown> | undefined;
    for (const k in map) {
      if (typeof map[k] !== 'string' || !select(k)) continue;
      out ??= { ...map };
      out[k] = this.take([key, k], `${kind} ${k}`, rule);
    }
    return out ?? map;
  }

  /** LookupEvents returns each event's record as a JSON string; it is parsed, redacted and written back only if changed. */
  private embeddedEvent(text: string, key: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text;
    }
    this.path.push(key, '<json>');
    const redacted = this.walk(parsed, 'CloudTrailEvent', false);
    this.path.pop();
    this.path.pop();
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
  const r = new Redactor(root);
  const out = r.walk(data, undefined, false) as T;
  return { data: out, redactions: r.redactions.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}
