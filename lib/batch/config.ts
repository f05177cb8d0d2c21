import type { CommandDefaults } from '../command.js';
import type { Env } from '../config.js';
import { ConfigError } from '../errors.js';
import { FIELD_RULES } from '../fields.js';

/** The batch function's configuration; docs/batch.md ("The bucket, the function and permissions"). */
type BatchConfig = Readonly<{
  /** The batch bucket: input files under `inputs/`, everything written under `results/`. */
  bucket: string;
  /** Files with more rows are refused. */
  maxRows: number;
  /** The cancel function's defaults (`WECHATPAY_APPID`, `WECHATPAY_SERVICE_ID`), so rows are checked as it will. */
  defaults: CommandDefaults;
}>;

const DEFAULT_MAX_ROWS = 50_000;
const MAX_ROWS_LIMIT = 1_000_000;
/** S3's rule for bucket names (without the rarely used dotted-IP and prefix/suffix exceptions). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads the batch function's variables, gathering every problem into one error: `BATCH_BUCKET`
 * (required), `BATCH_MAX_ROWS` (default 50,000), and the cancel function's `WECHATPAY_APPID` and
 * `WECHATPAY_SERVICE_ID`, which the stage sets on both functions. The batch function's only
 * reader of `process.env`; call it once, at init.
 *
 * @throws {ConfigError} `CONFIG_INVALID: ...` naming each missing or malformed variable.
 * @example
 * const config = readBatchConfig(process.env);
 */
const readBatchConfig = (env: Env = process.env): BatchConfig => {
  const problems: string[] = [];
  // Stryker disable next-line StringLiteral: the fallback for an unset BATCH_BUCKET only has to fail BUCKET_NAME, and '' and the mutant's text both do, giving the same problem
  const bucket = env.BATCH_BUCKET?.trim() ?? '';
  if (!BUCKET_NAME.test(bucket)) problems.push('BATCH_BUCKET must be an S3 bucket name');

  const rawMaxRows = env.BATCH_MAX_ROWS?.trim() ?? '';
  const maxRows = rawMaxRows === '' ? DEFAULT_MAX_ROWS : /^\d+$/.test(rawMaxRows) ? Number(rawMaxRows) : Number.NaN;
  if (!Number.isSafeInteger(maxRows) || maxRows < 1 || maxRows > MAX_ROWS_LIMIT) {
    problems.push(`BATCH_MAX_ROWS must be an integer from 1 to ${MAX_ROWS_LIMIT}`);
  }

  const optional = (name: string, field: 'appid' | 'service_id'): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if (!FIELD_RULES[field].pattern.test(raw)) problems.push(`${name} must be ${FIELD_RULES[field].rule}`);
    return raw;
  };
  const appid = optional('WECHATPAY_APPID', 'appid');
  const serviceId = optional('WECHATPAY_SERVICE_ID', 'service_id');

  if (problems.length > 0) throw new ConfigError('CONFIG_INVALID', problems.join('; '));
  return Object.freeze({ bucket, maxRows, defaults: Object.freeze({ appid, serviceId }) });
};

export { readBatchConfig, DEFAULT_MAX_ROWS };
export type { BatchConfig };
