import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Field paths whose values are never logged. Credentials reach the SDK through its own chain and are never
 * passed to the logger on purpose; this is the second line of defence.
 */
export const REDACTED_PATHS = [
  'credentials',
  '*.credentials',
  'accessKeyId',
  '*.accessKeyId',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'SecretAccessKey',
  '*.SecretAccessKey',
  'SessionToken',
  '*.SessionToken',
  'Credentials',
  '*.Credentials',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'externalId',
  '*.externalId',
];

const SECRET_PATTERNS: RegExp[] = [
  /\b(A3T[A-Z0-9]|AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b/g, // access key ids
  /(aws_secret_access_key|secretAccessKey|SecretAccessKey)(["'\s:=]+)[A-Za-z0-9/+=]{30,}/g,
  /(x-amz-security-token|sessionToken|SessionToken)(["'\s:=]+)[A-Za-z0-9/+=%]{20,}/gi,
  /Signature=[0-9a-f]{64}/g,
];

/** Masks credential-shaped substrings in free text (error messages from SDKs can echo them). */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (m, a?: string, sep?: string) => (sep !== undefined && a !== undefined && !/^[A-Z0-9]{4}$/.test(a) ? `${a}${sep}[REDACTED]` : '[REDACTED]'));
  }
  return out;
}

/** Request members that carry a secret: an evidence body records every request's input, never these values. */
export const SECRET_INPUT_MEMBERS: ReadonlySet<string> = new Set([
  'ExternalId',
  'SecretAccessKey',
  'SessionToken',
  'Password',
  'OldPassword',
  'NewPassword',
  'TokenCode',
  'SAMLAssertion',
  'WebIdentityToken',
  'SecretString',
  'SecretBinary',
  'Plaintext',
  'PrivateKey',
]);

/** A copy of an SDK request input with the values of secret members replaced by `[REDACTED]`, at any depth. */
export function redactSecretInputs(input: unknown): unknown {
  if (Array.isArray(input)) return input.map(redactSecretInputs);
  if (input === null || typeof input !== 'object' || input instanceof Uint8Array || input instanceof Date) return input;
  // Every SDK call's input passes here: a loop costs half of mapping entries into a new object.
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(input)) {
    const v = (input as Record<string, unknown>)[k];
    const member = SECRET_INPUT_MEMBERS.has(k) && v !== undefined ? '[REDACTED]' : redactSecretInputs(v);
    // A member named `__proto__` stays a member (as Object.fromEntries keeps it), never a prototype.
    if (k === '__proto__') Object.defineProperty(out, k, { value: member, writable: true, enumerable: true, configurable: true });
    else out[k] = member;
  }
  return out;
}

/** The structured JSON logger (pino) every command and the daemon use; run ids go in as bindings. */
export function createLogger(opts: { level?: string; destination?: DestinationStream; bindings?: Record<string, unknown> } = {}): Logger {
  const logger = pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { app: 'evidence-locker', ...(opts.bindings ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      serializers: {
        err: (e: unknown) => {
          const s = pino.stdSerializers.err(e as Error);
          return { ...s, message: scrubSecrets(s.message ?? ''), stack: s.stack ? scrubSecrets(s.stack) : undefined };
        },
      },
    },
    opts.destination ?? pino.destination({ dest: 2, sync: true }),
  );
  return logger;
}
