/**
 * The error classes of CONTRACT.md. Lambda reports `error.name` as the `errorType` that Step
 * Functions `Retry`/`Catch` match, so every `name` is a string literal that never changes, and the
 * machine code always leads the message (the message is all Step Functions keeps).
 */

/**
 * Options shared by every error: the wrapped cause, and what the class alone does not say about
 * the failure, set once where the error is created (retryability is the class, STYLE §4).
 */
type AppErrorOptions = {
  cause?: unknown;
  /** The order's state is unknown after this refusal or unreadable reply: the use case asks `wxv/queryrentbill`. */
  ambiguous?: boolean;
  /** The API key or client certificate was refused (or a reply did not verify with the key in hand). */
  credentialRefusal?: boolean;
  /** Throttling: back off for seconds, not milliseconds. */
  rateLimited?: boolean;
};

/** Where a transport failure happened: before the request left (safe to fail over) or after. */
const FailurePhase = {
  CONNECT: 'connect',
  SENT: 'sent',
} as const;
type FailurePhase = (typeof FailurePhase)[keyof typeof FailurePhase];

/**
 * The transport's code for a pooled keep-alive connection found dead with nothing of the reply
 * read: the request may or may not have reached the server, and the use case sends it again at
 * once, signed afresh (spec §9: every send carries a new `nonce_str` and `sign`).
 */
const STALE_CONNECTION = 'STALE_CONNECTION';

type TransientErrorOptions = AppErrorOptions & {
  /** `connect`: the request never reached the server; `sent`: it may have been processed. */
  phase?: FailurePhase;
};

/**
 * Base of every error the function throws on purpose. Never thrown itself.
 */
abstract class AppError extends Error {
  /** Machine code: the WeChat `err_code`, or the function's own (`INVALID_REASON`). */
  public readonly code: string;
  public readonly ambiguous: boolean;
  public readonly credentialRefusal: boolean;
  public readonly rateLimited: boolean;

  protected constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(`${code}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.ambiguous = options?.ambiguous === true;
    this.credentialRefusal = options?.credentialRefusal === true;
    this.rateLimited = options?.rateLimited === true;
  }
}

/** The request breaks a rule of CONTRACT.md. Not retryable; HTTP 400. */
class ValidationError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'ValidationError';
  }
}

/** Environment or secret missing or malformed. Not retryable; HTTP 500. */
class ConfigError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'ConfigError';
  }
}

/** WeChat Pay knows no such order for this merchant and service. HTTP 404. */
class OrderNotFoundError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'OrderNotFoundError';
  }
}

/** The order can no longer be cancelled (`FINISHED`, `USER_PAID`). HTTP 409. */
class OrderStateError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'OrderStateError';
  }
}

/** Any other refusal or unusable reply from WeChat Pay. Not retryable; HTTP 502. */
class WechatPayError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'WechatPayError';
  }
}

/** A reply that must be signed is unsigned or mis-signed. Not retryable; HTTP 502. */
class SignatureError extends AppError {
  public constructor(code: string, detail: string, options?: AppErrorOptions) {
    super(code, detail, options);
    this.name = 'SignatureError';
  }
}

/** Network, TLS, timeout, HTTP 5xx, SYSTEMERROR, rate limits. Retryable; HTTP 503. */
class TransientError extends AppError {
  /** `connect` failures may move to the backup host; `sent` failures have an unknown outcome. */
  public readonly phase: FailurePhase;

  public constructor(code: string, detail: string, options?: TransientErrorOptions) {
    super(code, detail, options);
    this.name = 'TransientError';
    this.phase = options?.phase ?? FailurePhase.SENT;
  }
}

/** The seven public names, in CONTRACT.md order. */
const ERROR_NAMES = [
  'ValidationError',
  'ConfigError',
  'OrderNotFoundError',
  'OrderStateError',
  'WechatPayError',
  'SignatureError',
  'TransientError',
] as const;
type ErrorName = (typeof ERROR_NAMES)[number];

/** True for the errors this code base throws on purpose. */
const isAppError = (error: unknown): error is AppError => error instanceof AppError;

export {
  AppError,
  ValidationError,
  ConfigError,
  OrderNotFoundError,
  OrderStateError,
  WechatPayError,
  SignatureError,
  TransientError,
  FailurePhase,
  STALE_CONNECTION,
  ERROR_NAMES,
  isAppError,
};
export type { AppErrorOptions, TransientErrorOptions, ErrorName };
