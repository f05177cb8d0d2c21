/**
 * Drives a warm Lambda process the way its callers do: many invocations at a bounded concurrency,
 * and re-invocations while the answer is `TransientError`, as a Step Functions `Retry` would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Invocation, LambdaProcess } from '../helpers/lambda-process.js';

/** Step Functions `Retry` on `TransientError`: at most `maxRetries` re-invocations, `intervalMs` apart. */
type RetryPolicy = Readonly<{ maxRetries: number; intervalMs: number; timeoutMs: number }>;

/** Every invocation made for one event; the last one is the caller's final answer. */
type Settled = Readonly<{ invocations: readonly Invocation[]; final: Invocation }>;

/**
 * Runs `task` over `items` with at most `concurrency` in flight; results keep the items' order.
 * @throws whatever `task` throws (the remaining items are still started by the other workers).
 */
const mapConcurrent = async <T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
};

const isTransient = (invocation: Invocation): boolean => !invocation.ok && invocation.error.name === 'TransientError';

/**
 * Invokes until the answer is not `TransientError` or the retries are used up.
 * @example
 * const { final } = await invokeUntilSettled(lambda, { out_order_no: 'A1', reason: 'x' }, { maxRetries: 8, intervalMs: 50, timeoutMs: 4000 });
 */
const invokeUntilSettled = async (lambda: LambdaProcess, event: unknown, policy: RetryPolicy): Promise<Settled> => {
  const invocations: Invocation[] = [];
  for (;;) {
    const invocation = await lambda.invoke(event, { timeoutMs: policy.timeoutMs });
    invocations.push(invocation);
    if (!isTransient(invocation) || invocations.length > policy.maxRetries) return { invocations, final: invocation };
    await sleep(policy.intervalMs);
  }
};

/** The `q` quantile (0..1) of `values` by the nearest-rank method; NaN when empty. */
const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
};

/** `success` for a result, otherwise the error name: the key answers are counted by. */
const answerKind = (invocation: Invocation): string => (invocation.ok ? 'success' : invocation.error.name);

/** The answer kind, with the error's message (its code first) for an error. */
const describeAnswer = (invocation: Invocation): string =>
  invocation.ok ? 'success' : `${invocation.error.name} (${invocation.error.message})`;

export { mapConcurrent, invokeUntilSettled, quantile, answerKind, describeAnswer };
export type { RetryPolicy, Settled };
