import { FailurePhase, OrderNotFoundError, TransientError, WechatPayError, isAppError } from '../errors.js';
import type { AppError } from '../errors.js';

/** The classes a WeChat Pay reply can map to; retryability is the class (STYLE §4). */
type OutcomeErrorClass = typeof TransientError | typeof WechatPayError | typeof OrderNotFoundError;

type Outcome = Readonly<{
  errorClass: OutcomeErrorClass;
  /** True exactly when `errorClass` is TransientError. */
  retryable: boolean;
  /** The order's state is unknown: the use case asks `wxv/queryrentbill`. */
  ambiguous: boolean;
  /** The key or client certificate was refused: the use case fetches the secret afresh, once. */
  credentialRefusal: boolean;
  /** Back off for seconds, not milliseconds. */
  rateLimited: boolean;
}>;

type OutcomeFlags = Partial<Pick<Outcome, 'ambiguous' | 'credentialRefusal' | 'rateLimited'>>;

const outcome = (errorClass: OutcomeErrorClass, flags: OutcomeFlags = {}): Outcome =>
  Object.freeze({
    errorClass,
    retryable: errorClass === TransientError,
    ambiguous: false,
    credentialRefusal: false,
    rateLimited: false,
    ...flags,
  });

/** Business refusals (`result_code=FAIL`), keyed by `err_code`. Codes not listed: `WechatPayError`. */
const ERR_CODE_OUTCOMES: Readonly<Record<string, Outcome>> = Object.freeze({
  // §6: server busy; the cancel may or may not have been applied. Retry with the same fields.
  SYSTEMERROR: outcome(TransientError),
  // §6 (S25 generic v2 spelling of SYSTEMERROR).
  SYSTEM_ERROR: outcome(TransientError),
  // §6: rate limited; back off for seconds.
  FREQUENCY_LIMITED: outcome(TransientError, { rateLimited: true }),
  RATE_LIMITED: outcome(TransientError, { rateLimited: true }),
  // §6, §12: three spellings of "no such order" get the same handling.
  ORDERNOTEXIST: outcome(OrderNotFoundError),
  ORDER_NOT_EXIST: outcome(OrderNotFoundError),
  NOT_EXISTS: outcome(OrderNotFoundError),
  // §6: also seen on routine refusals (repeat cancel, wrong state): decide from queryrentbill.
  PARAM_ERROR: outcome(WechatPayError, { ambiguous: true }),
  INVALID_ORDER_STATE: outcome(WechatPayError, { ambiguous: true }),
  // §6, §11: signature refused; a rotated key is picked up by one fresh fetch of the secret.
  SIGNERROR: outcome(WechatPayError, { credentialRefusal: true }),
  // §6: permissions, service_id binding, business rules. Configuration, not retryable.
  NOAUTH: outcome(WechatPayError),
  NO_AUTH: outcome(WechatPayError),
  INVALID_REQUEST: outcome(WechatPayError),
});

/** Codes this module (and the transport) derive from `return_msg`, HTTP status and TLS alerts. */
const PROTOCOL_OUTCOMES: Readonly<Record<string, Outcome>> = Object.freeze({
  // §6, §11: return_msg 签名错误 / sign error.
  SIGNERROR: outcome(WechatPayError, { credentialRefusal: true }),
  // §6: return_msg XML格式错误.
  XML_FORMAT_ERROR: outcome(WechatPayError),
  // §6: return_msg System Error; seen for malformed requests too, so not retryable by default.
  SYSTEM_ERROR: outcome(WechatPayError),
  // §5: any other return_code=FAIL.
  RETURN_CODE_FAIL: outcome(WechatPayError),
  // §2, §5 (OBS S19): nginx 400 page "No required SSL certificate was sent".
  NO_CLIENT_CERT: outcome(WechatPayError, { credentialRefusal: true }),
  // §2, CONTRACT.md: nginx 400 "The SSL certificate error", or a TLS alert seen by the transport.
  SSL_CERT_ERROR: outcome(WechatPayError, { credentialRefusal: true }),
  // §5 [INF]: HTTP throttling.
  HTTP_429: outcome(TransientError, { rateLimited: true }),
});

/** `return_msg` (or `retmsg`) wording -> code, first match wins (spec §6); otherwise `RETURN_CODE_FAIL`. */
const RETURN_MSG_CODES: readonly (readonly [RegExp, string])[] = [
  [/签名错误|sign\s*error/i, 'SIGNERROR'],
  [/XML格式错误/, 'XML_FORMAT_ERROR'],
  [/system\s*error/i, 'SYSTEM_ERROR'],
];

const UNKNOWN_OUTCOME = outcome(WechatPayError);
/**
 * An `err_code` missing from the table (spec §12: the reply to a cancel in a terminal state is
 * undocumented) may only mean "already done", so it is answered from queryrentbill like PARAM_ERROR.
 */
const UNKNOWN_REFUSAL = outcome(WechatPayError, { ambiguous: true });
const ERR_CODE_TOKEN = /^[A-Z][A-Z0-9_]{0,63}$/;
const MAX_SERVER_TEXT = 120;
/** Control and format characters, a run of them made one blank by sanitize(). */
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cf}]+/gu;

/** Server text is not secret, but it is untrusted: no control characters, bounded length. */
const sanitize = (text: string | undefined): string =>
  Array.from((text ?? '').replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim())
    .slice(0, MAX_SERVER_TEXT)
    .join('');

const lookup = (table: Readonly<Record<string, Outcome>>, code: string): Outcome | undefined =>
  Object.hasOwn(table, code) ? table[code] : undefined;

/** The error of a table row, carrying the row's flags (STYLE §4: retryability is the class). */
const create = (entry: Outcome, code: string, detail: string): AppError =>
  new entry.errorClass(code, detail, {
    phase: FailurePhase.SENT,
    ambiguous: entry.ambiguous,
    credentialRefusal: entry.credentialRefusal,
    rateLimited: entry.rateLimited,
  });

const protocolError = (code: string, detail: string): AppError =>
  create(lookup(PROTOCOL_OUTCOMES, code) ?? UNKNOWN_OUTCOME, code, detail);

/**
 * Maps a non-2xx HTTP status to its error (spec §2, §5); `undefined` for 2xx. The body is only
 * searched for nginx's client-certificate wording and never copied into the message.
 */
const classifyHttpStatus = (status: number, body: string): AppError | undefined => {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 500 && status < 600) {
    // Stryker disable next-line ObjectLiteral: `sent` is also TransientError's default phase; said here because it matters
    return new TransientError(`HTTP_${status}`, `WeChat Pay answered HTTP ${status}`, { phase: FailurePhase.SENT });
  }
  if (
    status >= 400 &&
    status < 500 &&
    /SSL certificate/i.test(body)
  ) {
    return /No required SSL certificate was sent/i.test(body)
      ? protocolError('NO_CLIENT_CERT', `WeChat Pay received no client certificate (HTTP ${status})`)
      : protocolError('SSL_CERT_ERROR', `WeChat Pay refused the client certificate (HTTP ${status})`);
  }
  return protocolError(`HTTP_${status}`, `WeChat Pay answered HTTP ${status}`);
};

/**
 * Maps a `return_code` other than SUCCESS to its error (spec §5, §6). These replies are unsigned,
 * so only the code is derived from them; the server's text is quoted, sanitized and truncated.
 * A reply with neither `return_code` nor `retcode` is not a WeChat Pay reply: `INVALID_REPLY`.
 */
const classifyReturnFail = (fields: Readonly<Record<string, string>>): AppError => {
  if (fields.return_code === undefined && fields.retcode === undefined) {
    // Stryker disable next-line ObjectLiteral: as above
    return new TransientError('INVALID_REPLY', 'the reply has no return_code', { phase: FailurePhase.SENT });
  }
  const message = fields.return_msg ?? fields.retmsg ?? '';
  const code = RETURN_MSG_CODES.find(([pattern]) => pattern.test(message))?.[1] ?? 'RETURN_CODE_FAIL';
  const origin = fields.return_code === undefined ? `retcode=${sanitize(fields.retcode)}` : `return_code=${sanitize(fields.return_code)}`;
  return protocolError(code, `${origin}: ${sanitize(message)}`);
};

/**
 * Maps a `result_code` other than SUCCESS to its error by `err_code` (spec §6). An `err_code`
 * that is not an upper-case token becomes `UNKNOWN_ERROR`; unknown codes are `WechatPayError`.
 */
const classifyResultFail = (fields: Readonly<Record<string, string>>): AppError => {
  // Stryker disable next-line StringLiteral: any stand-in that is no upper-case token gives UNKNOWN_ERROR as well
  const errCode = fields.err_code ?? '';
  const code = ERR_CODE_TOKEN.test(errCode) ? errCode : 'UNKNOWN_ERROR';
  const detail = sanitize(fields.err_code_des) || `result_code=${sanitize(fields.result_code) || '(missing)'}`;
  const known = lookup(ERR_CODE_OUTCOMES, code);
  return create(known ?? UNKNOWN_REFUSAL, code, detail);
};

/** True for refusals after which only `wxv/queryrentbill` tells the order's state (PARAM_ERROR, INVALID_ORDER_STATE, unknown codes). */
const isAmbiguousRefusal = (error: unknown): boolean => isAppError(error) && error.ambiguous;

/**
 * True when WeChat Pay refused the API key or the client certificate (SIGNERROR, NO_CLIENT_CERT,
 * SSL_CERT_ERROR), or sent a reply that does not verify with the key in hand (SIGN_MISMATCH).
 */
const isCredentialRefusal = (error: unknown): boolean => isAppError(error) && error.credentialRefusal;

/** True for throttling (FREQUENCY_LIMITED, RATE_LIMITED, HTTP 429): back off longer. */
const isRateLimited = (error: unknown): boolean => isAppError(error) && error.rateLimited;

export {
  ERR_CODE_OUTCOMES,
  PROTOCOL_OUTCOMES,
  classifyHttpStatus,
  classifyReturnFail,
  classifyResultFail,
  isAmbiguousRefusal,
  isCredentialRefusal,
  isRateLimited,
};
export type { Outcome, OutcomeErrorClass };
