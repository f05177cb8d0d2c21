// A batch of 540 orders through cancel-rental-orders-batch, run locally as `npm run batch --
// --local` runs it (scripts/batch/local-run.ts): the packaged definition under
// aws-local-stepfunctions, both bundles, the sandbox, rate limits, SYSTEMERROR, lost replies, refusals
// and orders that never stop failing. Every order must end in its true state and its true outcome.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../lib/batch/csv.js';
import { OUTCOMES, emptyCounts } from '../../lib/batch/outcomes.js';
import type { Outcome, OutcomeCounts } from '../../lib/batch/outcomes.js';
import { createLocalBatch } from '../../scripts/batch/local-run.js';
import type { LocalBatch, LocalRunResult, Progress } from '../../scripts/batch/local-run.js';
import { packageService, TEST_STAGE_PARAMS } from '../deploy/support/package-service.js';
import type { PackagedService } from '../deploy/support/package-service.js';
import { OrderState, startSandbox } from '../sandbox/index.js';
import type { Sandbox, WechatPayFault } from '../sandbox/index.js';
import { startS3Sandbox } from '../sandbox/s3-server.js';
import type { S3Sandbox } from '../sandbox/s3-server.js';
import { ifAssigned } from '../helpers/hooks.js';
import { createRandom } from './random.js';

const SEED = process.env.CHAOS_SEED ?? 'bulk/batch-truth';
const ORDERS = 540;

/** What each order is, and so the outcome it must end in. */
type Kind = 'cancellable' | 'lostReply' | 'revoked' | 'expired' | 'finished' | 'paid' | 'unknown' | 'alwaysBusy' | 'refused' | 'noAppid';
const KINDS: readonly { kind: Kind; weight: number }[] = [
  { kind: 'cancellable', weight: 50 },
  { kind: 'lostReply', weight: 5 },
  { kind: 'revoked', weight: 8 },
  { kind: 'expired', weight: 6 },
  { kind: 'finished', weight: 6 },
  { kind: 'paid', weight: 5 },
  { kind: 'unknown', weight: 8 },
  { kind: 'alwaysBusy', weight: 2 },
  { kind: 'refused', weight: 2 },
  { kind: 'noAppid', weight: 4 },
];
const SEEDED: Record<Kind, OrderState | undefined> = {
  cancellable: OrderState.CREATED,
  lostReply: OrderState.USER_ACCEPTED,
  revoked: OrderState.REVOKED,
  expired: OrderState.EXPIRED,
  finished: OrderState.FINISHED,
  paid: OrderState.USER_PAID,
  unknown: undefined,
  alwaysBusy: OrderState.CREATED,
  refused: OrderState.CREATED,
  noAppid: OrderState.CREATED,
};
/** The state WeChat Pay must hold at the end, and the outcome the report must give. */
const TRUTH: Record<Kind, { state: OrderState | undefined; outcome: Outcome; cancels: number }> = {
  cancellable: { state: OrderState.REVOKED, outcome: 'cancelled', cancels: 1 },
  // The cancel went through, its reply was lost: the function finds the order REVOKED.
  lostReply: { state: OrderState.REVOKED, outcome: 'already_cancelled', cancels: 1 },
  revoked: { state: OrderState.REVOKED, outcome: 'already_cancelled', cancels: 0 },
  expired: { state: OrderState.EXPIRED, outcome: 'already_cancelled', cancels: 0 },
  finished: { state: OrderState.FINISHED, outcome: 'not_cancellable', cancels: 0 },
  paid: { state: OrderState.USER_PAID, outcome: 'not_cancellable', cancels: 0 },
  unknown: { state: undefined, outcome: 'not_found', cancels: 0 },
  alwaysBusy: { state: OrderState.CREATED, outcome: 'failed', cancels: 0 },
  refused: { state: OrderState.CREATED, outcome: 'failed', cancels: 0 },
  // The row has no appid; the batch function has a default, this stage's cancel function none.
  noAppid: { state: OrderState.CREATED, outcome: 'invalid', cancels: 0 },
};
const REASONS = ['柜门未弹出', 'venue closed, refund', '价格配置错误 "promo"', 'device faulty'] as const;

/** One row of a CSV the report step wrote, as an object. */
const csvRows = (text: string): Record<string, string>[] => {
  const [header, ...records] = parseCsv(text.replace(/^\uFEFF/, ''));
  return records.map((record) => Object.fromEntries((header?.cells ?? []).map((column, index) => [column, record.cells[index] ?? ''])));
};

describe('chaos/a batch of 540 orders, run locally', () => {
  let packaged: PackagedService;
  let sandbox: Sandbox;
  let s3: S3Sandbox;
  let local: LocalBatch;
  let result: LocalRunResult;
  let elapsedMs: number;
  const progress: Progress[] = [];
  const kinds = new Map<string, Kind>();
  const cancelRequests = new Map<string, number>();

  beforeAll(async () => {
    [packaged, sandbox, s3] = await Promise.all([packageService(TEST_STAGE_PARAMS), startSandbox(), startS3Sandbox()]);
    // Short waits, so 540 orders fit in a test: the interpreter's retry waits, one attempt's limit.
    local = createLocalBatch({ template: packaged.template, sandbox, s3, retryWaitMs: 20, cancelEnv: { WECHATPAY_APPID: '', WECHATPAY_TIMEOUT_MS: '2000' } });
    // Counts every cancel request that reached WeChat Pay, per order: a one-shot fault that never
    // matches, queued first, so its predicate sees every request.
    sandbox.primary.faults.push({ kind: 'slow', ms: 0 }, {
      endpoint: 'cancelbill',
      match: (request) => {
        const orderNo = request.fields?.out_order_no ?? '';
        cancelRequests.set(orderNo, (cancelRequests.get(orderNo) ?? 0) + 1);
        return false;
      },
    });
    const random = createRandom(SEED);
    const rows = ['out_order_no,reason,service_id,appid'];
    for (let i = 0; i < ORDERS; i += 1) {
      const { kind } = random.weighted(KINDS);
      const orderNo = `BULK-${String(i).padStart(4, '0')}`;
      kinds.set(orderNo, kind);
      const state = SEEDED[kind];
      if (state !== undefined) sandbox.seedOrder(orderNo, state);
      const reason = REASONS[random.int(REASONS.length)] ?? '';
      rows.push(`${orderNo},"${reason.replaceAll('"', '""')}",${random.int(2) === 0 ? '' : sandbox.serviceId},${kind === 'noAppid' ? '' : sandbox.appid}`);
      const only = (request: { fields?: Readonly<Record<string, string>> | undefined }) => request.fields?.out_order_no === orderNo;
      // Faults that leave the order untouched: rate limits and SYSTEMERROR, once or twice.
      if (random.int(8) === 0) sandbox.primary.faults.push('frequencyLimited', { endpoint: 'cancelbill', match: only, times: 1 + random.int(2) });
      if (random.int(8) === 0) sandbox.primary.faults.push('systemError', { endpoint: 'cancelbill', match: only, times: 1 + random.int(2) });
      if (kind === 'lostReply') sandbox.primary.faults.push('resetAfterProcessing', { endpoint: 'cancelbill', match: only });
      if (kind === 'alwaysBusy') sandbox.primary.faults.set('systemError', { endpoint: 'cancelbill', match: only });
      if (kind === 'refused') sandbox.primary.faults.set({ kind: 'returnFail', msg: 'NOAUTH' } satisfies WechatPayFault, { endpoint: 'cancelbill', match: only });
    }
    const started = performance.now();
    result = await local.run({ file: Buffer.from(`\uFEFF${rows.join('\r\n')}\r\n`), fileName: 'bulk.csv', execution: 'bulk-540', onProgress: (p) => void progress.push(p) });
    elapsedMs = performance.now() - started;
  }, 120_000);
  afterAll(async () => {
    await ifAssigned(local)?.stop();
    await ifAssigned(sandbox)?.close();
    await ifAssigned(s3)?.close();
    await ifAssigned(packaged)?.cleanup();
  });

  const expectedCounts = (): OutcomeCounts => {
    const counts = emptyCounts();
    for (const kind of kinds.values()) counts[TRUTH[kind].outcome] += 1;
    return counts;
  };

  it('completes, with every outcome present', () => {
    // Assess
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    expect(result.summary.total).toBe(ORDERS);
    for (const outcome of OUTCOMES) expect(result.summary.counts[outcome]).toBeGreaterThan(0);
    expect(elapsedMs).toBeLessThan(60_000);
  });

  it('leaves every order in its true state, and cancels each cancellable order exactly once', () => {
    // Act
    const wrong = [...kinds].flatMap(([orderNo, kind]) => {
      const order = sandbox.orders.get(orderNo);
      const actual = { state: order?.state, cancels: order?.cancelCount ?? 0 };
      const { state, cancels } = TRUTH[kind];
      return actual.state === state && actual.cancels === cancels ? [] : [{ orderNo, kind, actual }];
    });

    // Assess
    expect(wrong).toEqual([]);
    expect([...kinds.values()].filter((kind) => TRUTH[kind].cancels === 1).length).toBeGreaterThan(250);
  });

  it('reports each order with its true outcome, order_id and state', () => {
    // Act
    const rows = result.status === 'completed' ? csvRows(result.report) : [];
    const wrong = rows.filter((row) => {
      const kind = kinds.get(row.out_order_no ?? '') as Kind;
      const order = sandbox.orders.get(row.out_order_no ?? '');
      const cancelled = row.outcome === 'cancelled' || row.outcome === 'already_cancelled';
      return row.outcome !== TRUTH[kind].outcome || (cancelled && (row.order_id !== order?.order_id || row.state !== order?.state));
    });

    // Assess
    expect(rows.map((row) => row.out_order_no)).toEqual([...kinds.keys()]);
    expect(wrong).toEqual([]);
  });

  it('counts the outcomes as they are: the summary equals the report, the truth and the last progress line', () => {
    // Act
    const fromReport = emptyCounts();
    for (const row of result.status === 'completed' ? csvRows(result.report) : []) fromReport[row.outcome as Outcome] += 1;

    // Assess
    expect(result.status === 'completed' && result.summary.counts).toEqual(fromReport);
    expect(fromReport).toEqual(expectedCounts());
    expect(progress.at(-1)).toEqual({ total: ORDERS, done: ORDERS, counts: fromReport });
    expect(progress.map((p) => p.done)).toEqual([...progress.map((p) => p.done)].sort((a, b) => a - b));
  });

  it('writes retry.csv with exactly the failed rows, ready to resubmit', () => {
    // Act
    const retry = result.status === 'completed' ? csvRows(result.retry ?? '') : [];

    // Assess
    expect(retry.map((row) => row.out_order_no)).toEqual([...kinds].filter(([, kind]) => TRUTH[kind].outcome === 'failed').map(([orderNo]) => orderNo));
    expect(retry.every((row) => row.appid === sandbox.appid)).toBe(true);
  });

  it('retried the orders WeChat Pay rate-limited or failed, through the function and the state machine', () => {
    // Act: an order that always answers SYSTEMERROR is sent by every attempt of every invocation.
    const busy = [...kinds].filter(([, kind]) => kind === 'alwaysBusy').map(([orderNo]) => cancelRequests.get(orderNo) ?? 0);

    // Assess: 4 invocations (the first and 3 retries of the shared Task) x 3 attempts of the function.
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((requests) => requests === 12)).toBe(true);
  });
});
