import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Log } from './deps.js';

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

interface Telemetry {
  /** Writes the invocation's one JSON line, with its CloudWatch EMF metrics embedded in the same line. */
  logInvocation(summary: InvocationSummary): void;
}

/**
 * Creates the telemetry of the function: one structured log line per invocation (Powertools
 * Logger) carrying CloudWatch embedded metrics (Powertools Metrics): `Invocations` by `Outcome`,
 * `Attempts`, `Latency`, `BackupHostCalls` and `CertDaysToExpiry`. Metrics and log share one line
 * so the contract's "one line per invocation" holds.
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
    logger.info('cancel-bill invocation', {
      ...embeddedMetrics(summary),
      envelope: summary.envelope,
      out_order_no: summary.outOrderNo,
      outcome: summary.outcome === 'success' ? 'success' : 'error',
      ...summary.attributes,
      attempts: summary.attempts,
      host: summary.host,
      host_role: summary.hostRole,
      secret_refreshed: summary.secretRefreshed,
      cert_days_to_expiry: summary.certDaysToExpiry,
      latency_ms: summary.latencyMs,
      request_id: summary.requestId,
    });
  };

  return { logInvocation };
};

export { createTelemetry };
export type { Telemetry, InvocationSummary };
