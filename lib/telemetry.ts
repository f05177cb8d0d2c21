import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '@aws-lambda-powertools/metrics';

/** The log methods the function uses; Powertools' Logger in production. */
interface Log {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

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
  latencyMs: number;
  requestId: string | undefined;
  certDaysToExpiry: number | undefined;
}>;

/** From this many days before the client certificate expires, the invocation line is a warning. */
const CERT_WARNING_DAYS = 30;
/** Outcomes that need an operator (logged at ERROR); business outcomes are WARN, successes INFO. */
const FAULTS = new Set(['ConfigError', 'WechatPayError', 'SignatureError', 'TransientError', 'InternalError']);

const certExpiresSoon = (summary: InvocationSummary): boolean =>
  summary.certDaysToExpiry !== undefined && summary.certDaysToExpiry < CERT_WARNING_DAYS;

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
  cert_days_to_expiry: summary.certDaysToExpiry,
  ...(certExpiresSoon(summary) ? { cert_warning: `CERT_EXPIRES_SOON: the merchant API certificate expires in ${summary.certDaysToExpiry} days` } : {}),
  latency_ms: summary.latencyMs,
  request_id: summary.requestId,
});

interface Telemetry {
  /** Writes the invocation's one JSON line, with its CloudWatch EMF metrics embedded in the same line. */
  logInvocation(summary: InvocationSummary): void;
}

/**
 * Creates the telemetry of the function: one structured log line per invocation (Powertools
 * Logger) carrying CloudWatch embedded metrics (Powertools Metrics): `Invocations` by `Outcome`,
 * `Attempts`, `Latency`, `BackupHostCalls` and `CertDaysToExpiry`. Metrics and log share one line
 * so the contract's "one line per invocation" holds; that line is also the certificate-expiry
 * warning (level WARN, `cert_warning`) from 30 days before expiry.
 */
const createTelemetry = (options: { logger: Log; metrics: Metrics }): Telemetry => {
  const { logger, metrics } = options;

  const embeddedMetrics = (summary: InvocationSummary): Record<string, unknown> => {
    metrics.addDimension('Outcome', summary.outcome === 'success' ? 'Success' : summary.outcome);
    metrics.addMetric('Invocations', MetricUnit.Count, 1);
    metrics.addMetric('Attempts', MetricUnit.Count, summary.attempts);
    metrics.addMetric('Latency', MetricUnit.Milliseconds, summary.latencyMs);
    if (summary.hostRole !== undefined) metrics.addMetric('BackupHostCalls', MetricUnit.Count, summary.hostRole === 'backup' ? 1 : 0);
    if (summary.certDaysToExpiry !== undefined) metrics.addMetric('CertDaysToExpiry', MetricUnit.Count, summary.certDaysToExpiry);
    // The `service` dimension's value is already the logger's own `service` key (same name, same
    // value); passing it again would make the logger drop it with a warning line of its own.
    const { service: _service, ...emf } = metrics.serializeMetrics() as unknown as Record<string, unknown>;
    metrics.clearMetrics();
    metrics.clearDimensions();
    return emf;
  };

  const logInvocation = (summary: InvocationSummary): void => {
    logger[levelOf(summary)]('cancel-bill invocation', { ...embeddedMetrics(summary), ...lineAttributes(summary) });
  };

  return { logInvocation };
};

export { createTelemetry, lineAttributes, levelOf, CERT_WARNING_DAYS };
export type { Telemetry, InvocationSummary, Log };
