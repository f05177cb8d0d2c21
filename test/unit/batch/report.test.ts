import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../lib/batch/csv.js';
import { BatchResultsError } from '../../../lib/batch/errors.js';
import { parseBatchFile } from '../../../lib/batch/input-file.js';
import type { BatchItem } from '../../../lib/batch/input-file.js';
import { buildReport, describeCause, formatReport, formatRetry, reportBatch } from '../../../lib/batch/report.js';
import type { ChildResult } from '../../../lib/batch/report.js';
import type { ObjectStore } from '../../../lib/batch/store.js';
import { createMemoryStore } from '../../helpers/memory-store.js';

const lambdaCause = (errorType: string, errorMessage: string): string => JSON.stringify({ errorType, errorMessage });
const succeeded = (item: BatchItem, output: unknown): ChildResult => ({ Status: 'SUCCEEDED', Input: JSON.stringify(item), Output: JSON.stringify(output) });

const ITEMS: BatchItem[] = [
  { out_order_no: 'A1', reason: '用户投诉' },
  { out_order_no: 'A2', reason: 'late' },
  { out_order_no: 'A3', reason: 'late, again', service_id: '123' },
  { out_order_no: 'A4', reason: 'x' },
  { out_order_no: 'A5', reason: 'x', appid: 'wx9' },
  { out_order_no: 'A6', reason: 'y' },
];
const [A1, A2, A3, A4, A5, A6] = ITEMS as [BatchItem, BatchItem, BatchItem, BatchItem, BatchItem, BatchItem];
/** The outputs the item processor's end states write, in another order than the items. */
const RESULTS: ChildResult[] = [
  succeeded(A6, { outcome: 'failed', error: 'TransientError', cause: lambdaCause('TransientError', 'FREQUENCY_LIMITED: rate limited') }),
  succeeded(A1, { outcome: 'cancelled', order_id: '1001', state: 'REVOKED' }),
  succeeded(A2, { outcome: 'already_cancelled', order_id: '1002', state: 'EXPIRED' }),
  succeeded(A3, { outcome: 'not_cancellable', error: 'OrderStateError', cause: lambdaCause('OrderStateError', 'INVALID_ORDER_STATE: order A3 is FINISHED') }),
  succeeded(A4, { outcome: 'not_found', error: 'OrderNotFoundError', cause: lambdaCause('OrderNotFoundError', 'ORDERNOTEXIST: 订单不存在') }),
  succeeded(A5, { outcome: 'invalid', error: 'ValidationError', cause: lambdaCause('ValidationError', 'INVALID_APPID: appid must be ...') }),
];

describe('batch/report', () => {
  describe('buildReport', () => {
    it('writes one row per item in the file order, with the outcome, order_id, state, error and code', () => {
      // Act
      const report = buildReport(ITEMS, RESULTS);

      // Assess
      expect(report.rows.map(({ out_order_no, outcome, order_id, state, error, code }) => [out_order_no, outcome, order_id, state, error, code])).toEqual([
        ['A1', 'cancelled', '1001', 'REVOKED', '', ''],
        ['A2', 'already_cancelled', '1002', 'EXPIRED', '', ''],
        ['A3', 'not_cancellable', '', '', 'OrderStateError', 'INVALID_ORDER_STATE'],
        ['A4', 'not_found', '', '', 'OrderNotFoundError', 'ORDERNOTEXIST'],
        ['A5', 'invalid', '', '', 'ValidationError', 'INVALID_APPID'],
        ['A6', 'failed', '', '', 'TransientError', 'FREQUENCY_LIMITED'],
      ]);
      expect(report.counts).toEqual({ cancelled: 1, already_cancelled: 1, not_cancellable: 1, not_found: 1, invalid: 1, failed: 1 });
      expect(report.retry).toEqual([A6]);
    });

    it.each([
      { name: 'no result', results: [], error: 'NoResult' },
      { name: 'a failed child execution', results: [{ Status: 'FAILED', Input: JSON.stringify(A1), Error: 'ConfigError', Cause: lambdaCause('ConfigError', 'CONFIG_INVALID: x') }], error: 'ConfigError' },
      { name: 'a timed-out child execution', results: [{ Status: 'TIMED_OUT', Input: JSON.stringify(A1) }], error: 'TIMED_OUT' },
      { name: 'an output without an outcome', results: [succeeded(A1, { state: 'REVOKED' })], error: 'UnknownOutcome' },
      { name: 'an output that is not JSON', results: [{ Status: 'SUCCEEDED', Input: JSON.stringify(A1), Output: '{' }], error: 'UnknownOutcome' },
    ])('counts an order with $name as failed, for retry', ({ results, error }) => {
      // Act
      const report = buildReport([A1], results);

      // Assess
      expect(report.rows[0]).toMatchObject({ out_order_no: 'A1', outcome: 'failed', error });
      expect(report.retry).toEqual([A1]);
    });

    it('prefers a succeeded result over a failed one for the same order (a redriven child)', () => {
      // Act
      const report = buildReport([A1], [succeeded(A1, { outcome: 'cancelled', order_id: '1', state: 'REVOKED' }), { Status: 'FAILED', Input: JSON.stringify(A1), Error: 'X' }]);

      // Assess
      expect(report.rows[0]?.outcome).toBe('cancelled');
    });

    it.each([
      { name: 'no result', results: [], row: { error: 'NoResult', code: '', message: 'the map run has no result for this order' } },
      { name: 'an output without an outcome', results: [succeeded(A1, { order_id: '1001', state: 'REVOKED' })], row: { error: 'UnknownOutcome', code: '', message: 'the order ended without an outcome' } },
      { name: 'a result with neither status nor error', results: [{ Input: JSON.stringify(A1) }], row: { error: 'Unknown', code: '', message: '' } },
      {
        name: 'a failed child execution',
        results: [{ Status: 'FAILED', Input: JSON.stringify(A1), Error: 'ConfigError', Cause: lambdaCause('ConfigError', 'CONFIG_INVALID: x') }],
        row: { error: 'ConfigError', code: 'CONFIG_INVALID', message: 'CONFIG_INVALID: x' },
      },
    ])('writes the row of an order with $name as failed, with no order_id or state', ({ results, row }) => {
      // Act
      const report = buildReport([A1], results);

      // Assess
      expect(report.rows).toEqual([{ out_order_no: 'A1', outcome: 'failed', order_id: '', state: '', ...row }]);
    });

    it.each([
      { name: 'an input that is not JSON', result: { Status: 'SUCCEEDED', Input: '{', Output: JSON.stringify({ outcome: 'cancelled' }) } },
      { name: 'no input', result: { Status: 'SUCCEEDED', Output: JSON.stringify({ outcome: 'cancelled' }) } },
      { name: 'an out_order_no that is not a string', result: { Status: 'SUCCEEDED', Input: JSON.stringify({ out_order_no: 1 }), Output: JSON.stringify({ outcome: 'cancelled' }) } },
    ])('ignores a result with $name, which names no order', ({ result }) => {
      // Act
      const report = buildReport([A1], [result, succeeded(A1, { outcome: 'not_found', error: 'OrderNotFoundError' })]);

      // Assess
      expect(report.rows.map((row) => [row.out_order_no, row.outcome])).toEqual([['A1', 'not_found']]);
    });
  });

  describe('describeCause', () => {
    it.each([
      { cause: lambdaCause('TransientError', 'SYSTEMERROR: 系统超时'), code: 'SYSTEMERROR', message: 'SYSTEMERROR: 系统超时' },
      { cause: 'Lambda.ServiceException (Service: AWSLambda; Status Code: 500)', code: '', message: 'Lambda.ServiceException (Service: AWSLambda; Status Code: 500)' },
      { cause: lambdaCause('Sandbox.Timedout', 'RequestId: 1 Error: Task timed out after 29.00 seconds'), code: '', message: 'RequestId: 1 Error: Task timed out after 29.00 seconds' },
      { cause: lambdaCause('Error', 'upstream said SYSTEMERROR: busy'), code: '', message: 'upstream said SYSTEMERROR: busy' },
      { cause: undefined, code: '', message: '' },
    ])('reads code $code from a cause', ({ cause, code, message }) => {
      // Assess
      expect(describeCause(cause)).toEqual({ code, message });
    });

    it('keeps the first 500 characters of a long message', () => {
      // Prepare
      const message = `SYSTEMERROR: ${'系'.repeat(600)}`;

      // Act
      const described = describeCause(lambdaCause('TransientError', message));

      // Assess
      expect(described).toEqual({ code: 'SYSTEMERROR', message: message.slice(0, 500) });
    });
  });

  describe('report.csv and retry.csv', () => {
    it('writes report.csv with a BOM, a header and one row per order', () => {
      // Act
      const text = formatReport(buildReport(ITEMS, RESULTS).rows);

      // Assess
      expect(text.startsWith('\uFEFF')).toBe(true);
      const records = parseCsv(text.slice(1));
      expect(records[0]?.cells).toEqual(['out_order_no', 'outcome', 'order_id', 'state', 'error', 'code', 'message']);
      expect(records.slice(1).map((record) => record.cells[0])).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
      expect(records[4]?.cells.at(-1)).toBe('ORDERNOTEXIST: 订单不存在');
    });

    it('writes retry.csv in the input format, which the parser accepts as it was submitted', () => {
      // Act
      const text = formatRetry([A1, A3, A5]);
      const parsed = parseBatchFile(new TextEncoder().encode(text), { name: 'retry.csv', defaults: { serviceId: '1', appid: 'wx1' }, maxRows: 10 });

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows.map((row) => row.item)).toEqual([A1, A3, A5]);
    });
  });

  describe('reportBatch', () => {
    const manifest = (keys: string[]): string =>
      JSON.stringify({ DestinationBucket: 'batch-bucket', MapRunArn: 'arn:aws:states:eu-west-1:1:mapRun:m/CancelOrders:r', ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: keys.map((Key) => ({ Key, Size: 1 })) } });
    const input = { execution: 'e1', prepared: { bucket: 'batch-bucket', itemsKey: 'results/e1/items.json' }, results: { Bucket: 'batch-bucket', Key: 'results/e1/r/manifest.json' } };

    it('reads every result file, writes report.csv and retry.csv, and returns the counts and locations', async () => {
      // Prepare
      const store = createMemoryStore('batch-bucket', {
        'results/e1/items.json': JSON.stringify(ITEMS),
        'results/e1/r/manifest.json': manifest(['results/e1/r/SUCCEEDED_0.json', 'results/e1/r/SUCCEEDED_1.json']),
        'results/e1/r/SUCCEEDED_0.json': JSON.stringify(RESULTS.slice(0, 3)),
        'results/e1/r/SUCCEEDED_1.json': JSON.stringify(RESULTS.slice(3)),
      });

      // Act
      const summary = await reportBatch({ store }, input);

      // Assess
      expect(summary).toEqual({
        total: 6,
        counts: { cancelled: 1, already_cancelled: 1, not_cancellable: 1, not_found: 1, invalid: 1, failed: 1 },
        report: 's3://batch-bucket/results/e1/report.csv',
        retry: 's3://batch-bucket/results/e1/retry.csv',
      });
      expect(store.text('results/e1/report.csv')).toBe(formatReport(buildReport(ITEMS, RESULTS).rows));
      expect(store.text('results/e1/retry.csv')).toBe(formatRetry([A6]));
    });

    it('writes no retry.csv when no order failed', async () => {
      // Prepare
      const store = createMemoryStore('batch-bucket', {
        'results/e1/items.json': JSON.stringify([A1]),
        'results/e1/r/manifest.json': manifest(['results/e1/r/SUCCEEDED_0.json']),
        'results/e1/r/SUCCEEDED_0.json': JSON.stringify([RESULTS[1]]),
      });

      // Act
      const summary = await reportBatch({ store }, input);

      // Assess
      expect(summary.retry).toBeNull();
      expect(store.objects.has('results/e1/retry.csv')).toBe(false);
    });

    it.each([
      { name: 'a missing manifest', objects: { 'results/e1/items.json': '[]' }, code: 'RESULTS_UNREADABLE' },
      { name: 'a manifest that is not JSON', objects: { 'results/e1/items.json': '[]', 'results/e1/r/manifest.json': 'x' }, code: 'RESULTS_UNREADABLE' },
      { name: 'items that are not an array', objects: { 'results/e1/items.json': '{}', 'results/e1/r/manifest.json': manifest([]) }, code: 'RESULTS_UNREADABLE' },
    ])('fails with $code on $name', async ({ objects, code }) => {
      // Prepare
      const store = createMemoryStore('batch-bucket', objects as Record<string, string>);

      // Act
      const error = await reportBatch({ store }, input).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(BatchResultsError);
      expect(error).toMatchObject({ name: 'BatchResultsError', code });
    });

    it('refuses results in another bucket', async () => {
      // Prepare
      const store = createMemoryStore('batch-bucket', {});

      // Act
      const error = await reportBatch({ store }, { ...input, results: { Bucket: 'elsewhere', Key: 'x' } }).catch((caught: unknown) => caught);

      // Assess
      expect(error).toMatchObject({ name: 'BatchResultsError', code: 'WRONG_BUCKET' });
      expect(store.reads).toEqual([]);
    });
    it('writes report.csv and retry.csv as UTF-8 CSV', async () => {
      // Prepare
      const store = createMemoryStore('batch-bucket', {
        'results/e1/items.json': JSON.stringify([A1]),
        'results/e1/r/manifest.json': manifest([]),
      });

      // Act
      await reportBatch({ store }, input);

      // Assess
      expect(store.writes).toEqual([
        { key: 'results/e1/report.csv', contentType: 'text/csv; charset=utf-8' },
        { key: 'results/e1/retry.csv', contentType: 'text/csv; charset=utf-8' },
      ]);
    });

    it('reads the result files of failed children too', async () => {
      // Prepare
      const store = createMemoryStore('batch-bucket', {
        'results/e1/items.json': JSON.stringify([A1, A2]),
        'results/e1/r/manifest.json': JSON.stringify({ ResultFiles: { SUCCEEDED: [{ Key: 'results/e1/r/SUCCEEDED_0.json' }], FAILED: [{ Key: 'results/e1/r/FAILED_0.json' }] } }),
        'results/e1/r/SUCCEEDED_0.json': JSON.stringify([RESULTS[1]]),
        'results/e1/r/FAILED_0.json': JSON.stringify([{ Status: 'FAILED', Input: JSON.stringify(A2), Error: 'ConfigError', Cause: lambdaCause('ConfigError', 'CONFIG_INVALID: x') }]),
      });

      // Act
      const summary = await reportBatch({ store }, input);

      // Assess
      expect(summary.counts).toMatchObject({ cancelled: 1, failed: 1 });
      expect(parseCsv((store.text('results/e1/report.csv') ?? '').slice(1))[2]?.cells).toEqual(['A2', 'failed', '', '', 'ConfigError', 'CONFIG_INVALID', 'CONFIG_INVALID: x']);
    });

    it.each([
      { name: 'no ResultFiles', manifest: {} },
      { name: 'only failed files', manifest: { ResultFiles: { FAILED: [] } } },
      { name: 'only succeeded files', manifest: { ResultFiles: { SUCCEEDED: [] } } },
    ])('reads a manifest with $name as no results, every order failed', async ({ manifest: listed }) => {
      // Prepare
      const store = createMemoryStore('batch-bucket', { 'results/e1/items.json': JSON.stringify([A1]), 'results/e1/r/manifest.json': JSON.stringify(listed) });

      // Act
      const summary = await reportBatch({ store }, input);

      // Assess
      expect(summary.counts).toMatchObject({ failed: 1 });
      expect(store.text('results/e1/retry.csv')).toBe(formatRetry([A1]));
    });

    it.each([
      { name: 'the items are missing', objects: {}, message: 'results/e1/items.json is missing' },
      { name: 'the manifest is not JSON', objects: { 'results/e1/items.json': '[]', 'results/e1/r/manifest.json': 'x' }, message: 'results/e1/r/manifest.json is not JSON' },
      { name: 'the items are not an array', objects: { 'results/e1/items.json': '{}', 'results/e1/r/manifest.json': manifest([]) }, message: 'results/e1/items.json is not a JSON array' },
      {
        name: 'the manifest lists a file without a key',
        objects: { 'results/e1/items.json': '[]', 'results/e1/r/manifest.json': JSON.stringify({ ResultFiles: { SUCCEEDED: [{ Size: 1 }] } }) },
        message: 'results/e1/r/manifest.json lists a file without a key',
      },
      {
        name: 'a result file is not an array',
        objects: { 'results/e1/items.json': '[]', 'results/e1/r/manifest.json': manifest(['results/e1/r/SUCCEEDED_0.json']), 'results/e1/r/SUCCEEDED_0.json': '{}' },
        message: 'results/e1/r/SUCCEEDED_0.json is not a JSON array',
      },
    ])('names what it could not read when $name', async ({ objects, message }) => {
      // Prepare
      const store = createMemoryStore('batch-bucket', objects as Record<string, string>);

      // Act
      const error = await reportBatch({ store }, input).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(BatchResultsError);
      expect(error).toMatchObject({ code: 'RESULTS_UNREADABLE', message: `RESULTS_UNREADABLE: ${message}` });
      expect(store.writes).toEqual([]);
    });

    it('reads the items up to 256 MiB, the manifest up to 16 MiB and each result file up to 1 GiB', async () => {
      // Prepare
      const memory = createMemoryStore('batch-bucket', {
        'results/e1/items.json': JSON.stringify([A1]),
        'results/e1/r/manifest.json': manifest(['results/e1/r/SUCCEEDED_0.json']),
        'results/e1/r/SUCCEEDED_0.json': JSON.stringify([RESULTS[1]]),
      });
      const limits: [string, number][] = [];
      const store: ObjectStore = {
        ...memory,
        get: async (key, maxBytes) => {
          limits.push([key, maxBytes]);
          return memory.get(key, maxBytes);
        },
      };

      // Act
      await reportBatch({ store }, input);

      // Assess
      expect(limits).toEqual([
        ['results/e1/items.json', 256 * 2 ** 20],
        ['results/e1/r/manifest.json', 16 * 2 ** 20],
        ['results/e1/r/SUCCEEDED_0.json', 2 ** 30],
      ]);
    });

    it('refuses to read a result file larger than the limit', async () => {
      // Prepare
      const memory = createMemoryStore('batch-bucket', { 'results/e1/items.json': '[]', 'results/e1/r/manifest.json': manifest(['results/e1/r/SUCCEEDED_0.json']) });
      const store: ObjectStore = {
        ...memory,
        get: async (key, maxBytes) => (key === 'results/e1/r/SUCCEEDED_0.json' ? { kind: 'tooLarge', bytes: maxBytes + 1 } : memory.get(key, maxBytes)),
      };

      // Act
      const error = await reportBatch({ store }, input).catch((caught: unknown) => caught);

      // Assess
      expect(error).toMatchObject({ name: 'BatchResultsError', code: 'RESULTS_UNREADABLE', message: 'RESULTS_UNREADABLE: results/e1/r/SUCCEEDED_0.json is too large' });
      expect(memory.writes).toEqual([]);
    });

    it.each([
      { name: 'the prepared items', change: { prepared: { bucket: 'elsewhere', itemsKey: 'results/e1/items.json' } } },
      { name: 'the results', change: { results: { Bucket: 'elsewhere', Key: 'results/e1/r/manifest.json' } } },
    ])('refuses $name in another bucket, naming its own', async ({ change }) => {
      // Prepare
      const store = createMemoryStore('batch-bucket', {});

      // Act
      const error = await reportBatch({ store }, { ...input, ...change }).catch((caught: unknown) => caught);

      // Assess
      expect(error).toMatchObject({ name: 'BatchResultsError', code: 'WRONG_BUCKET', message: 'WRONG_BUCKET: the results must be in batch-bucket' });
      expect(store.reads).toEqual([]);
    });
  });
});
