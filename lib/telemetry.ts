import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { systemClock } from './clock.js';
import type { Clock } from './types.js';
import { ERROR_NAMES } from './errors.js';

/** The log methods the function uses; Powertools' Logger in production. */
interface Log {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
  /** The configured level (`POWERTOOLS_LOG_LEVEL`), as Powertools names it; absent: everything is written. */
  getLevelName?(): string;
}

/** The rank of each level the function writes its line at. */
const LINE_RANK = { info: 0, warn: 1, error: 2 } as const;
/**
 * Powertools' configured levels (`POWERTOOLS_LOG_LEVEL`) that hold back some of those lines: the
 * least rank they let through. TRACE, DEBUG and INFO (or none) let every line through.
 */
const LEAST_RANK_WRITTEN: Readonly<Record<string, number>> = { WARN: 1, ERROR: 2, CRITICAL: 3, SILENT: 3 };

/** True when a `level` line passes the logger's configured level. */
const isWritten = (logger: Log, level: keyof typeof LINE_RANK): boolean =>
  LINE_RANK[level] >= (LEAST_RANK_WRITTEN[String(logger.getLevelName?.()).toUpperCase()] ?? 0);

/** What one invocation did, for its single log line and its metrics. */
type InvocationSummary = Readonly<{
  envelope: string;
  outOrderNo: string | undefined;
  /** `success`, or the error's public name (`TransientError`, ...; `InternalError` for foreign errors). */
  outcome: string;
  attributes: Readonly<Record<string, unknown>>;
  attempts: number;
  host: string | undefined;
  hostRole: 'primary' | 'backup' | undefined;
  secretRefreshed: boolean;
  /** WeChat Pay refused the API key or certificate even after the fresh fetch of the secret. */
  credentialsRefused: boolean;
  latencyMs: number;
  requestId: string | undefined;
  certDaysToExpiry: number | undefined;
}>;

/** From this many days before the client certificate expires, the invocation line is a warning. */
const CERT_WARNING_DAYS = 30;
/** The embedded metrics; infra/dashboard.yml and infra/alarms.yml name them. */
const METRIC_NAMES = {
  INVOCATIONS: 'Invocations',
  ATTEMPTS: 'Attempts',
  LATENCY: 'Latency',
  BACKUP_HOST_CALLS: 'BackupHostCalls',
  CERT_DAYS_TO_EXPIRY: 'CertDaysToExpiry',
} as const;
/** The dimension that splits every metric by outcome; each is also emitted without it. */
const OUTCOME_DIMENSION = 'Outcome';
/** Every value of the `Outcome` dimension: a success, an error of CONTRACT.md, or a foreign error. */
const OUTCOMES = ['Success', ...ERROR_NAMES, 'InternalError'] as const;
/** Outcomes that need an operator (logged at ERROR); business outcomes are WARN, successes INFO. */
const FAULTS = new Set(['ConfigError', 'WechatPayError', 'SignatureError', 'TransientError', 'InternalError']);

/** A ConfigError line already says what is wrong with the certificate (CERT_EXPIRED, CERT_NOT_YET_VALID). */
const certExpiresSoon = (summary: InvocationSummary): boolean =>
  summary.outcome !== 'ConfigError' &&
  // Stryker disable next-line ConditionalExpression: `undefined < 30` is false as well; the check narrows the type
  summary.certDaysToExpiry !== undefined &&
  summary.certDaysToExpiry < CERT_WARNING_DAYS;

const certWarning = (days: number): string =>
  days < 0
    ? `CERT_EXPIRED: the merchant API certificate has expired (days to expiry: ${days})`
    : `CERT_EXPIRES_SOON: the merchant API certificate expires in ${days} days`;

/** The line's level follows the outcome, so POWERTOOLS_LOG_LEVEL=WARN still keeps every fault's line. */
const levelOf = (summary: InvocationSummary): 'info' | 'warn' | 'error' =>
  FAULTS.has(summary.outcome) ? 'error' : summary.outcome !== 'success' || certExpiresSoon(summary) ? 'warn' : 'info';

/** The invocation line's own keys (the metrics aside), in the order they are written. */
const lineAttributes = (summary: InvocationSummary): Record<string, unknown> => ({
  envelope: summary.envelope,
  out_order_no: summary.outOrderNo,
  outcome: summary.outcome === 'success' ? 'success' : 'error',
  ...summary.attributes,
  attempts: summary.attempts,
  host: summary.host,
  host_role: summary.hostRole,
  secret_refreshed: summary.secretRefreshed,
  ...(summary.credentialsRefused ? { credentials_refused: true } : {}),
  cert_days_to_expiry: summary.certDaysToExpiry,
  ...(certExpiresSoon(summary) ? { cert_warning: certWarning(summary.certDaysToExpiry as number) } : {}),
  latency_ms: summary.latencyMs,
  request_id: summary.requestId,
});

/** One metric of an invocation: name, unit, value. */
type MetricValue = [string, (typeof MetricUnit)[keyof typeof MetricUnit], number];

/** The metrics of one invocation; a host's and a certificate's only when known. */
const metricValues = (summary: InvocationSummary): MetricValue[] => [
  [METRIC_NAMES.INVOCATIONS, MetricUnit.Count, 1],
  [METRIC_NAMES.ATTEMPTS, MetricUnit.Count, summary.attempts],
  [METRIC_NAMES.LATENCY, MetricUnit.Milliseconds, summary.latencyMs],
  ...(summary.hostRole === undefined ? [] : [[METRIC_NAMES.BACKUP_HOST_CALLS, MetricUnit.Count, summary.hostRole === 'backup' ? 1 : 0] as MetricValue]),
  ...(summary.certDaysToExpiry === undefined ? [] : [[METRIC_NAMES.CERT_DAYS_TO_EXPIRY, MetricUnit.Count, summary.certDaysToExpiry] as MetricValue]),
];

interface Telemetry {
  /** Writes the invocation's one JSON line, with its CloudWatch EMF metrics embedded in the same line. */
  logInvocation(summary: InvocationSummary): void;
}

/**
 * Creates the telemetry of the function: one structured log line per invocation (Powertools
 * Logger) carrying CloudWatch embedded metrics (Powertools Metrics): `Invocations`, `Attempts`,
 * `Latency`, `BackupHostCalls` and `CertDaysToExpiry`, each by `service` and `Outcome` and again
 * by `service` alone (percentiles and minimums cannot be merged across the per-outcome series,
 * and an alarm needs one series). Metrics and log share one line so the contract's "one line per
 * invocation" holds; that line is also the certificate-expiry warning (level WARN, `cert_warning`)
 * from 30 days before expiry.
 */
const createTelemetry = (options: {
  logger: Log;
  metrics: Metrics;
  serviceName?: string;
  writeLine?: (line: string) => void;
  /** The metrics' `Timestamp` (STYLE §6). */
  clock?: Clock;
}): Telemetry => {
  const { logger, metrics } = options;
  const clock = options.clock ?? systemClock;
  const writeLine = options.writeLine ?? ((line: string) => process.stdout.write(`${line}\n`));
  /** Per set of metrics present: the EMF directives Powertools Metrics wrote for it, with the set without `Outcome`. */
  const directives = new Map<string, readonly unknown[]>();

  /**
   * The EMF directives (namespace, dimension sets, metric names and units) for a summary's set of
   * metrics. Powertools Metrics writes them the first time a set is seen (at most four sets:
   * with or without a host, with or without a certificate); every later line reuses them and sets
   * only the values, which saves its per-call bookkeeping (docs/performance.md).
   */
  const directivesFor = (values: readonly MetricValue[]): readonly unknown[] => {
    const names = values.map(([name]) => name).join();
    return directives.get(names) ?? writeDirectives(names, values);
  };

  /** Powertools Metrics' directives for a new set of metrics, kept for every later line with the same set. */
  const writeDirectives = (names: string, values: readonly MetricValue[]): readonly unknown[] => {
    metrics.addDimension(OUTCOME_DIMENSION, 'Success');
    for (const [name, unit, value] of values) metrics.addMetric(name, unit, value);
    const serialized = metrics.serializeMetrics() as unknown as { _aws: { CloudWatchMetrics: { Dimensions: string[][] }[] } };
    metrics.clearMetrics();
    metrics.clearDimensions();
    const written = serialized._aws.CloudWatchMetrics;
    // The same values again without `Outcome`: one more dimension set in the same directive (it
    // holds one set so far, with `Outcome`).
    for (const directive of written) directive.Dimensions.push(directive.Dimensions.flat().filter((name) => name !== OUTCOME_DIMENSION));
    directives.set(names, written);
    return written;
  };

  /**
   * The line's EMF block, as Powertools Metrics serializes it: `_aws`, then the `Outcome`
   * dimension's value, then each metric's value. The `service` dimension's value is already the
   * logger's own `service` key (same name, same value); written twice, the logger would drop it
   * with a warning line of its own.
   */
  const embeddedMetrics = (summary: InvocationSummary): Record<string, unknown> => {
    const values = metricValues(summary);
    const emf: Record<string, unknown> = {
      _aws: { Timestamp: clock.now(), CloudWatchMetrics: directivesFor(values) },
      [OUTCOME_DIMENSION]: summary.outcome === 'success' ? 'Success' : summary.outcome,
    };
    for (const [name, , value] of values) emf[name] = value;
    return emf;
  };

  const logInvocation = (summary: InvocationSummary): void => {
    const level = levelOf(summary);
    const emf = embeddedMetrics(summary);
    if (isWritten(logger, level)) {
      logger[level]('cancel-bill invocation', { ...emf, ...lineAttributes(summary) });
      return;
    }
    // POWERTOOLS_LOG_LEVEL filters this line out (a success under WARN, say): its metrics are
    // written all the same, alone, so the counts, latency and alarms never depend on the level.
    writeLine(JSON.stringify({ ...emf, service: options.serviceName ?? 'cancel-bill' }));
  };

  return { logInvocation };
};

export { createTelemetry, lineAttributes, levelOf, CERT_WARNING_DAYS, METRIC_NAMES, OUTCOME_DIMENSION, OUTCOMES };
export type { Telemetry, InvocationSummary, Log };
