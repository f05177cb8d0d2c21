import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/index.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startLambda } from '../helpers/lambda-process.js';
import type { Invocation, LambdaProcess } from '../helpers/lambda-process.js';
import { assertNoLeaks } from '../helpers/leaks.js';
import { answerKind, mapConcurrent, quantile } from './driver.js';

const INVOCATIONS = 2000;
const CONCURRENCY = 50;

/** Load: one warm container, many concurrent cancels, one secret fetch, pooled TLS connections. */
describe('chaos/load', () => {
  let sandbox: Sandbox;
  let lambda: LambdaProcess;
  const errorMessages: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    lambda = await startLambda(sandbox.env());
  });

  afterAll(async () => {
    const logs = ifAssigned(lambda)?.logs() ?? [];
    await ifAssigned(lambda)?.stop();
    const started = ifAssigned(sandbox);
    if (started !== undefined) assertNoLeaks([...logs, ...errorMessages].join('\n'), started);
    await started?.close();
  });

  it(`cancels ${INVOCATIONS} orders at concurrency ${CONCURRENCY} exactly once each`, { timeout: 120_000 }, async () => {
    // Prepare
    const orderNos = Array.from({ length: INVOCATIONS }, (_, index) => `LOAD-${String(index).padStart(5, '0')}`);
    for (const orderNo of orderNos) sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.resetStats();
    const started = performance.now();

    // Act
    const outcomes: Invocation[] = await mapConcurrent(orderNos, CONCURRENCY, (orderNo) =>
      lambda.invoke({ out_order_no: orderNo, reason: '压力测试' }, { timeoutMs: 30_000 }),
    );
    const wallMs = performance.now() - started;

    // Assess
    for (const outcome of outcomes) if (!outcome.ok) errorMessages.push(outcome.error.message);
    const latencies = outcomes.map((outcome) => outcome.ms);
    const kinds: Record<string, number> = {};
    for (const outcome of outcomes) kinds[answerKind(outcome)] = (kinds[answerKind(outcome)] ?? 0) + 1;
    const cancelCounts = orderNos.map((orderNo) => sandbox.orders.get(orderNo)?.cancelCount);
    console.log(
      `load invocations=${INVOCATIONS} concurrency=${CONCURRENCY} answers=${JSON.stringify(kinds)} ` +
        `p50=${quantile(latencies, 0.5).toFixed(1)}ms p99=${quantile(latencies, 0.99).toFixed(1)}ms max=${Math.max(...latencies).toFixed(1)}ms ` +
        `handshakes=${sandbox.primary.stats.handshakes} secret_fetches=${sandbox.secrets.stats.getSecretValue} ` +
        `throughput=${((INVOCATIONS / wallMs) * 1000).toFixed(0)}/s wall=${(wallMs / 1000).toFixed(1)}s`,
    );
    expect(kinds).toEqual({ success: INVOCATIONS });
    expect(outcomes.every((outcome) => outcome.ok && (outcome.result as { already_cancelled?: unknown }).already_cancelled === false)).toBe(true);
    expect(cancelCounts.filter((count) => count !== 1)).toEqual([]);
    expect(sandbox.primary.stats.requests.filter((request) => request.endpoint === 'cancelbill')).toHaveLength(INVOCATIONS);
    expect(sandbox.secrets.stats.getSecretValue).toBe(1);
    expect(sandbox.primary.stats.handshakes).toBeGreaterThan(0);
    expect(sandbox.primary.stats.handshakes).toBeLessThanOrEqual(CONCURRENCY);
    expect(sandbox.backup.stats.httpRequests).toBe(0);
    expect(lambda.unhandled()).toEqual([]);
  });
});
