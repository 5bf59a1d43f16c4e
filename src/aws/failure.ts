import { scrubSecrets } from '../log/logger.js';

/** A failed SDK call described for an operator and an assessor: an error code, a readable message, what to do. */
export interface SdkFailure {
  code: string;
  message: string;
  httpStatus?: number;
  hint?: string;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** Whether an SDK error is AWS throttling the caller: the SDK's own mark, or the error names services use for it. */
export function isThrottling(err: unknown): boolean {
  const e = err as { $retryable?: { throttling?: boolean }; name?: string } | undefined;
  return e?.$retryable?.throttling === true || /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown/.test(e?.name ?? '');
}

/** HTTP statuses an endpoint answers with when it does not implement the operation at all. */
const NOT_IMPLEMENTED = new Set([404, 405, 501]);

/** The SDK appends this advice for developers to every response it could not parse; an operator cannot act on it. */
const SDK_PARSE_NOTE = /\s*Deserialization error: to see the raw response[^\n]*/;

/**
 * Describes a failed SDK call without SDK internals. An answer the SDK could not read as the service's own response
 * (HTML, plain text, an empty "Unknown" error) is reported by its HTTP status, and a 404, 405 or 501 as an operation
 * the endpoint does not support: the usual cause is a local emulator (LocalStack, moto) that implements only part of
 * an API.
 */
export function describeSdkFailure(err: unknown): SdkFailure {
  const e = (err ?? {}) as SdkErrorShape;
  const httpStatus = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const raw = scrubSecrets(String(e.message ?? err));
  const unreadable = SDK_PARSE_NOTE.test(raw) || e.name === 'SyntaxError' || ((e.name === 'Unknown' || e.name === 'UnknownError' || raw === 'Unknown') && httpStatus !== undefined);
  if (unreadable && httpStatus !== undefined) {
    if (NOT_IMPLEMENTED.has(httpStatus)) {
      return {
        code: 'UnsupportedOperation',
        httpStatus,
        message: `HTTP ${httpStatus}: operation not supported by this endpoint (its answer is not an AWS response for this API)`,
        hint: 'point AWS_ENDPOINT_URL_<SERVICE> for this service at an endpoint that implements the operation (local emulators implement only part of each API), or leave the query out with --queries',
      };
    }
    return {
      code: 'UnreadableResponse',
      httpStatus,
      message: `HTTP ${httpStatus}: the endpoint's answer is not an AWS response for this API`,
      hint: 'check that the endpoint for this service (AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL) is an AWS API endpoint or an emulator of it',
    };
  }
  const named = e.name && e.name !== 'Error' ? e.name : undefined;
  // Network errors carry their reason in `code` (ECONNREFUSED, ENOTFOUND), not in `name`.
  const code = named ?? e.Code ?? (typeof e.code === 'string' ? e.code : 'Error');
  const firstLine = raw.replace(SDK_PARSE_NOTE, '').split('\n')[0].trim();
  const message = httpStatus !== undefined && !firstLine.includes(`HTTP ${httpStatus}`) ? `${firstLine} (HTTP ${httpStatus})` : firstLine;
  return { code, message: message.slice(0, 500), ...(httpStatus !== undefined ? { httpStatus } : {}) };
}
