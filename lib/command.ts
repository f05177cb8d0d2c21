import { ConfigError, ValidationError } from './errors.js';

/** The cancel command of CONTRACT.md ("The request"), with the API's own field names. */
type CancelCommand = Readonly<{
  out_order_no: string;
  reason: string;
  service_id: string;
  appid: string;
}>;

/** Values from the configuration used when the request carries none (`WECHATPAY_APPID`, `WECHATPAY_SERVICE_ID`). */
type CommandDefaults = Readonly<{ appid?: string | undefined; serviceId?: string | undefined }>;

const OUT_ORDER_NO_PATTERN = /^[0-9A-Za-z_\-|*]{1,32}$/;
const SERVICE_ID_PATTERN = /^[0-9]{1,32}$/;
/** No blanks, control characters, XML-special characters, or characters outside the BMP (4-byte UTF-8, lone surrogates). */
const APPID_PATTERN = /^[^\s\p{Cc}<>&'"\uD800-\uDFFF\uFFFE\uFFFF\u{10000}-\u{10FFFF}]{1,32}$/u;
const REASON_MAX_CHARS = 50;
/** Any UTF-16 surrogate: a 4-byte UTF-8 character (a pair) or a lone half, which has no UTF-8 form at all. */
const SURROGATE = /[\uD800-\uDFFF]/;
const PAIRED_SURROGATES = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
/** Control characters, and the two noncharacters XML 1.0 forbids. */
const FORBIDDEN_IN_REASON = /[\p{Cc}\uFFFE\uFFFF]/u;
const EDGE_BLANK = /^\s|\s$/;

const APPID_RULE = `1-32 characters without blanks, control characters, 4-byte characters or <>&'"`;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

/** An own property only: inherited ones and `__proto__` are never read. */
const ownField = (raw: Record<string, unknown>, name: string): unknown =>
  Object.hasOwn(raw, name) ? raw[name] : undefined;

/** Returns the field as a string; a present non-string is `INVALID_<FIELD>`, an absent field `undefined`. */
const readString = (raw: Record<string, unknown>, name: string): string | undefined => {
  const value = ownField(raw, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new ValidationError(`INVALID_${name.toUpperCase()}`, `${name} must be a JSON string`);
  }
  return value;
};

/** The problem with a reason, or `undefined` when it follows CONTRACT.md and spec §9. */
const reasonProblem = (reason: string): string | undefined => {
  if (SURROGATE.test(reason)) {
    return reason.replace(PAIRED_SURROGATES, '').match(SURROGATE) === null
      ? 'reason must not contain emoji or other 4-byte UTF-8 characters'
      : 'reason must be well-formed Unicode text';
  }
  // No surrogates are left, so UTF-16 length equals the number of characters (code points).
  if (reason.length < 1 || reason.length > REASON_MAX_CHARS) return `reason must be 1-${REASON_MAX_CHARS} characters`;
  if (FORBIDDEN_IN_REASON.test(reason)) return 'reason must not contain control characters';
  if (EDGE_BLANK.test(reason)) return 'reason must not start or end with a blank';
  // A value holding "]]>" cannot be CDATA-wrapped as is (spec §9).
  if (reason.includes(']]>')) return 'reason must not contain "]]>"';
  return undefined;
};

/** The request's value wins; the configured default applies only when the field is absent. */
const withDefault = (options: {
  raw: Record<string, unknown>;
  field: 'service_id' | 'appid';
  fallback: string | undefined;
  variable: string;
  pattern: RegExp;
  rule: string;
}): string => {
  const { raw, field, fallback, variable, pattern, rule } = options;
  const code = field.toUpperCase();
  const value = readString(raw, field);
  if (value !== undefined) {
    if (!pattern.test(value)) throw new ValidationError(`INVALID_${code}`, `${field} must be ${rule}`);
    return value;
  }
  if (fallback === undefined) {
    throw new ValidationError(`MISSING_${code}`, `${field} is required (the function has no ${variable} default)`);
  }
  if (!pattern.test(fallback)) throw new ConfigError('CONFIG_INVALID', `${variable} must be ${rule}`);
  return fallback;
};

/**
 * Validates a raw request against the CONTRACT.md request table and returns the cancel command
 * with exactly its four fields. Every present field must be a JSON string; unknown fields are
 * ignored and never copied; `service_id` and `appid` fall back to the configured defaults only
 * when absent. Messages name the rule that was broken and never echo the value.
 *
 * @throws {ValidationError} `INVALID_REQUEST` (not a JSON object), `MISSING_<FIELD>` or `INVALID_<FIELD>`
 *   for `out_order_no`, `reason`, `service_id`, `appid`.
 * @throws {ConfigError} `CONFIG_INVALID` when a default that is needed breaks the field's rule.
 * @example
 * const command = parseCommand(JSON.parse(body), { appid: config.appid, serviceId: config.serviceId });
 */
const parseCommand = (raw: unknown, defaults: CommandDefaults): CancelCommand => {
  if (!isPlainObject(raw)) throw new ValidationError('INVALID_REQUEST', 'the request must be a JSON object');

  const outOrderNo = readString(raw, 'out_order_no');
  if (outOrderNo === undefined) throw new ValidationError('MISSING_OUT_ORDER_NO', 'out_order_no is required');
  if (!OUT_ORDER_NO_PATTERN.test(outOrderNo)) {
    throw new ValidationError('INVALID_OUT_ORDER_NO', 'out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *');
  }

  const reason = readString(raw, 'reason');
  if (reason === undefined) throw new ValidationError('MISSING_REASON', 'reason is required');
  const problem = reasonProblem(reason);
  if (problem !== undefined) throw new ValidationError('INVALID_REASON', problem);

  const serviceId = withDefault({
    raw,
    field: 'service_id',
    fallback: Object.hasOwn(defaults, 'serviceId') ? defaults.serviceId : undefined,
    variable: 'WECHATPAY_SERVICE_ID',
    pattern: SERVICE_ID_PATTERN,
    rule: '1-32 digits',
  });
  const appid = withDefault({
    raw,
    field: 'appid',
    fallback: Object.hasOwn(defaults, 'appid') ? defaults.appid : undefined,
    variable: 'WECHATPAY_APPID',
    pattern: APPID_PATTERN,
    rule: APPID_RULE,
  });

  return Object.freeze({ out_order_no: outOrderNo, reason, service_id: serviceId, appid });
};

export { parseCommand, isPlainObject, REASON_MAX_CHARS, APPID_PATTERN, SERVICE_ID_PATTERN };
export type { CancelCommand, CommandDefaults };
