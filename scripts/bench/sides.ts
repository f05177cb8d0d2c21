/**
 * The bench's three sides, each a Lambda handler module in a process of its own, run by the tests'
 * stand-in Lambda container (test/helpers/lambda-runner.mjs): the built function with a direct
 * envelope, the peer (naive-lambda.mjs) and the limit (limit.mjs). Every call cancels a freshly
 * seeded order, so each one does the whole work of a first cancel.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startLambda } from '../../test/helpers/lambda-process.js';
import type { BatchReport, LambdaProcess } from '../../test/helpers/lambda-process.js';
import { signFields, toXml } from '../../test/sandbox/index.js';
import type { Sandbox } from '../../test/sandbox/index.js';

type Side = 'function' | 'peer' | 'limit';
const SIDES: readonly Side[] = ['function', 'peer', 'limit'];
const LABELS: Record<Side, string> = { function: 'function', peer: 'peer (axios plugin)', limit: 'limit (bare https)' };
const REASON = '用户取消租借';

const local = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const MODULES: Record<Side, string> = {
  function: local('../../dist/cancel-bill/index.mjs'),
  peer: local('./naive-lambda.mjs'),
  limit: local('./limit.mjs'),
};

/** Each side with the Node flags it is deployed with: the function's serverless.yml sets --enable-source-maps. */
const startSide = (sandbox: Sandbox, side: Side, options: { execArgv?: string[]; env?: Record<string, string> } = {}): Promise<LambdaProcess> =>
  startLambda(sandbox.env({ CANCEL_BILL_BUNDLE: MODULES[side], ...options.env }), {
    logs: false,
    execArgv: [...(side === 'function' ? ['--enable-source-maps'] : []), ...(options.execArgv ?? [])],
  });

let orders = 0;

/** `count` events, each for a newly seeded order; the limit's are requests signed here (by the sandbox's own signer). */
const eventsFor = (sandbox: Sandbox, side: Side, count: number): unknown[] =>
  Array.from({ length: count }, () => {
    const outOrderNo = `BENCH${String((orders += 1)).padStart(10, '0')}`;
    sandbox.seedOrder(outOrderNo);
    if (side !== 'limit') return { out_order_no: outOrderNo, reason: REASON };
    const fields = {
      version: '1.0', appid: sandbox.appid, mch_id: sandbox.mchId, nonce_str: randomBytes(16).toString('hex'),
      sign_type: 'HMAC-SHA256', out_order_no: outOrderNo, reason: REASON, service_id: sandbox.serviceId,
    };
    return { body: toXml({ ...fields, sign: signFields(fields, sandbox.apiKey) }) };
  });

/**
 * Runs `count` calls with `concurrency` in flight in the side's process. `warmUp` calls only open
 * connections again and may fail: a client without idle retirement can lose the race with the
 * server's keep-alive timeout (a "socket hang up").
 * @throws {Error} unless every call cancelled its order: a benchmark of failures measures nothing.
 */
type BatchOptions = { collect?: boolean; warmUp?: boolean };
const runBatch = async (sandbox: Sandbox, side: Side, lambda: LambdaProcess, count: number, concurrency: number, options: BatchOptions = {}): Promise<BatchReport> => {
  const report = await lambda.batch(eventsFor(sandbox, side, count), concurrency, { collect: options.collect === true });
  const failed = count - (report.states.REVOKED ?? 0);
  if (failed > 0 && options.warmUp !== true) throw new Error(`${side}: ${failed} of ${count} calls failed, the first with ${report.firstFailure}`);
  return report;
};

const bySide = <T>(pick: (side: Side) => T): Record<Side, T> => ({ function: pick('function'), peer: pick('peer'), limit: pick('limit') });

/** A latency distribution in ms. */
type Summary = { mean: number; p50: number; p99: number };

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
const percentile = (sorted: readonly number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
const summarize = (values: readonly number[]): Summary => {
  const sorted = [...values].sort((a, b) => a - b);
  return { mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length), p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)) };
};
const median = (values: readonly number[]): number => round(percentile([...values].sort((a, b) => a - b), 0.5), 1);

export { SIDES, LABELS, REASON, startSide, eventsFor, runBatch, bySide, summarize, median, round };
export type { Side, Summary };
