/** Exit codes shared by every command (documented in README). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  gaps: 3,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error an operator can act on: what went wrong, where (file, field, account, API) and what to do.
 * The CLI prints `message` on one line (plus `hint`) and exits with `exitCode`.
 */
export class EvidenceLockerError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint?: string;
  constructor(message: string, opts: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EvidenceLockerError';
    this.exitCode = opts.exitCode ?? ExitCode.failure;
    this.hint = opts.hint;
  }
}

/** Configuration, catalog or usage problem: exit 2. */
export class ConfigError extends EvidenceLockerError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.usage, hint });
    this.name = 'ConfigError';
  }
}

/** A package or run that fails verification: exit 1. */
export class VerificationError extends EvidenceLockerError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.failure, hint });
    this.name = 'VerificationError';
  }
}

/**
 * A stored object longer than the size a sealed record states: it cannot be that body, so it was refused before it
 * was read (anyone with write access to a store could otherwise make readers hold gigabytes).
 */
export class BodyTooLong extends EvidenceLockerError {
  constructor(
    message: string,
    /** The stored object's size, or the bytes seen before reading stopped (`atLeast`). */
    readonly size: number,
    readonly atLeast: boolean,
    opts: { hint?: string } = {},
  ) {
    super(message, opts);
    this.name = 'BodyTooLong';
  }
}
