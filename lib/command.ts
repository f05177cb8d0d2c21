import { ConfigError, ValidationError } from './errors.js';
import { FIELD_RULES, reasonProblem } from './fields.js';

/** The cancel command of CONTRACT.md ("The request"), with the API's own field names. */
type CancelCommand = Readonly<{
  out_order_no: string;
  reason: string;
  service_id: string;
  appid: string;
}>;

/** Values from the configuration used when the request carries none (`WECHATPAY_APPID`, `WECHATPAY_SERVICE_ID`). */
type CommandDefaults = Readonly<{ appid?: string | undefined; serviceId?: string | undefined }>;

/** A JSON object as `JSON.parse` makes one: not an array, a class instance, or an object with a borrowed prototype. */
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

/** The request's value wins; the configured default applies only when the field is absent. */
const withDefault = (options: {
  raw: Record<string, unknown>;
  field: 'service_id' | 'appid';
  fallback: string | undefined;
  variable: string;
}): string => {
  const { raw, field, fallback, variable } = options;
  const { pattern, rule } = FIELD_RULES[field];
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
  if (!FIELD_RULES.out_order_no.pattern.test(outOrderNo)) {
    throw new ValidationError('INVALID_OUT_ORDER_NO', `out_order_no must be ${FIELD_RULES.out_order_no.rule}`);
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
  });
  const appid = withDefault({
    raw,
    field: 'appid',
    fallback: Object.hasOwn(defaults, 'appid') ? defaults.appid : undefined,
    variable: 'WECHATPAY_APPID',
  });

  return Object.freeze({ out_order_no: outOrderNo, reason, service_id: serviceId, appid });
};

export { parseCommand, isPlainObject };
export type { CancelCommand, CommandDefaults };
