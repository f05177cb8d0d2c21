import { ConfigError } from './errors.js';
import { FIELD_RULES } from './fields.js';
import type { FieldRule } from './fields.js';

/** The validated, frozen configuration of CONTRACT.md ("Configuration"). */
type Config = Readonly<{
  secretId: string;
  appid: string | undefined;
  serviceId: string | undefined;
  baseUrl: string;
  /** `undefined` when `WECHATPAY_BACKUP_BASE_URL` is set to the empty string or equals the base URL. */
  backupBaseUrl: string | undefined;
  timeoutMs: number;
  maxAttempts: number;
  secretTtlMs: number;
}>;

const DEFAULT_BASE_URL = 'https://api.mch.weixin.qq.com';
const DEFAULT_BACKUP_BASE_URL = 'https://api2.mch.weixin.qq.com';
const DEFAULT_TIMEOUT_MS = 8000;
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_SECRET_TTL_SECONDS = 300;

type Env = Readonly<Record<string, string | undefined>>;

/** The variable's value, trimmed; `fallback` when it is unset or blank. */
const readTrimmed = (env: Env, name: string, fallback: string): string => {
  const value = env[name]?.trim() ?? '';
  return value === '' ? fallback : value;
};

const readInteger = (
  env: Env,
  name: string,
  fallback: number,
  limits: { min: number; max: number },
  problems: string[],
): number => {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < limits.min || value > limits.max) {
    problems.push(`${name} must be an integer from ${limits.min} to ${limits.max}`);
    return fallback;
  }
  return value;
};

const readBaseUrl = (env: Env, name: string, fallback: string, problems: string[]): string => {
  const value = readTrimmed(env, name, fallback);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name} is not a URL`);
    return fallback;
  }
  // A bare `?` or `#` leaves search and hash empty, yet would swallow the request path: refuse both outright.
  if (url.protocol !== 'https:' || url.username !== '' || url.password !== '' || /[?#]/.test(value)) {
    problems.push(`${name} must be a plain https:// URL`);
    return fallback;
  }
  return value.replace(/\/+$/, '');
};

/** A default for a command field: it follows the field's own rule (lib/fields.ts). */
const readOptionalId = (env: Env, name: string, fieldRule: FieldRule, problems: string[]): string | undefined => {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!fieldRule.pattern.test(raw)) {
    problems.push(`${name} must be ${fieldRule.rule}`);
    return undefined;
  }
  return raw;
};

/**
 * Reads and validates every variable of CONTRACT.md, gathering all problems into one error.
 * With readTelemetrySettings, the only reader of `process.env` in the code base; call it once, at init.
 *
 * @throws {ConfigError} `CONFIG_INVALID: ...` naming each missing or malformed variable.
 * @example
 * const config = readConfig(process.env);
 */
const readConfig = (env: Env = process.env): Config => {
  const problems: string[] = [];

  const secretId = env.WECHATPAY_SECRET_ID?.trim() ?? '';
  if (secretId === '') problems.push('WECHATPAY_SECRET_ID is required');
  else if (secretId.length > 2048) problems.push('WECHATPAY_SECRET_ID is too long');

  const appid = readOptionalId(env, 'WECHATPAY_APPID', FIELD_RULES.appid, problems);
  const serviceId = readOptionalId(env, 'WECHATPAY_SERVICE_ID', FIELD_RULES.service_id, problems);
  const baseUrl = readBaseUrl(env, 'WECHATPAY_BASE_URL', DEFAULT_BASE_URL, problems);
  const backupBaseUrl =
    // Empty (or blank) disables the backup; unset means the default host.
    env.WECHATPAY_BACKUP_BASE_URL?.trim() === ''
      ? undefined
      : readBaseUrl(env, 'WECHATPAY_BACKUP_BASE_URL', DEFAULT_BACKUP_BASE_URL, problems);
  const timeoutMs = readInteger(env, 'WECHATPAY_TIMEOUT_MS', DEFAULT_TIMEOUT_MS, { min: 100, max: 900_000 }, problems);
  const maxAttempts = readInteger(env, 'WECHATPAY_MAX_ATTEMPTS', DEFAULT_MAX_ATTEMPTS, { min: 1, max: 10 }, problems);
  const secretTtlSeconds = readInteger(
    env,
    'WECHATPAY_SECRET_TTL_SECONDS',
    DEFAULT_SECRET_TTL_SECONDS,
    { min: 0, max: 86_400 },
    problems,
  );

  if (problems.length > 0) {
    throw new ConfigError('CONFIG_INVALID', problems.join('; '));
  }
  return Object.freeze({
    secretId,
    appid,
    serviceId,
    baseUrl,
    backupBaseUrl: backupBaseUrl === baseUrl ? undefined : backupBaseUrl,
    timeoutMs,
    maxAttempts,
    secretTtlMs: secretTtlSeconds * 1000,
  });
};

/** Names for logs and metrics, with the Powertools variables keeping their standard meaning. */
type TelemetrySettings = Readonly<{ serviceName: string; metricsNamespace: string }>;

/**
 * Reads `POWERTOOLS_SERVICE_NAME` (default `cancel-bill`) and `POWERTOOLS_METRICS_NAMESPACE`
 * (default `CancelBill`). Separate from `readConfig` because logging must work even when the rest
 * of the configuration is broken.
 */
const readTelemetrySettings = (env: Env = process.env): TelemetrySettings =>
  Object.freeze({
    serviceName: readTrimmed(env, 'POWERTOOLS_SERVICE_NAME', 'cancel-bill'),
    metricsNamespace: readTrimmed(env, 'POWERTOOLS_METRICS_NAMESPACE', 'CancelBill'),
  });

export { readConfig, readTelemetrySettings, DEFAULT_BASE_URL, DEFAULT_BACKUP_BASE_URL };
export type { Config, Env, TelemetrySettings };
