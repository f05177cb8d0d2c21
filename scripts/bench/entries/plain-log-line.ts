/**
 * The function with the same invocation line (same keys, same EMF block) written by
 * `JSON.stringify` and `process.stdout.write` instead of Powertools Logger and Metrics: what the
 * line itself costs, for scripts/bench/parts.ts. Never deployed: it honours no log level.
 */
import { createSetup } from '../../../lib/deps.js';
import { createHandler } from '../../../lib/handler.js';
import { levelOf, lineAttributes } from '../../../lib/telemetry.js';
import type { InvocationSummary, Telemetry } from '../../../lib/telemetry.js';

const METRICS = [
  { Name: 'Invocations', Unit: 'Count' },
  { Name: 'Attempts', Unit: 'Count' },
  { Name: 'Latency', Unit: 'Milliseconds' },
  { Name: 'BackupHostCalls', Unit: 'Count' },
  { Name: 'CertDaysToExpiry', Unit: 'Count' },
];

const logInvocation = (summary: InvocationSummary): void => {
  const line = {
    level: levelOf(summary).toUpperCase(),
    message: 'cancel-bill invocation',
    timestamp: new Date().toISOString(),
    service: 'cancel-bill',
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'CancelBill', Dimensions: [['service', 'Outcome']], Metrics: METRICS }] },
    Outcome: summary.outcome === 'success' ? 'Success' : summary.outcome,
    Invocations: 1,
    Attempts: summary.attempts,
    Latency: summary.latencyMs,
    BackupHostCalls: summary.hostRole === 'backup' ? 1 : 0,
    CertDaysToExpiry: summary.certDaysToExpiry,
    ...lineAttributes(summary),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

const telemetry: Telemetry = { logInvocation };
const handler = createHandler(createSetup(telemetry, process.env));

export { handler };
