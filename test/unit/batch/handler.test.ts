import { describe, expect, it } from 'vitest';
import { BatchFileError } from '../../../lib/batch/errors.js';
import { createBatchHandler } from '../../../lib/batch/handler.js';
import type { BatchLog } from '../../../lib/batch/handler.js';
import { ConfigError } from '../../../lib/errors.js';
import type { ObjectStore } from '../../../lib/batch/store.js';
import { createMemoryStore } from '../../helpers/memory-store.js';

const CONFIG = { bucket: 'batch-bucket', maxRows: 10, defaults: { serviceId: '1', appid: 'wx1' } };

const REPORT_MANIFEST = JSON.stringify({ ResultFiles: { SUCCEEDED: [{ Key: 'results/e1/r/SUCCEEDED_0.json' }], FAILED: [] } });
const REPORT_RESULTS = JSON.stringify([
  { Status: 'SUCCEEDED', Input: JSON.stringify({ out_order_no: 'A1', reason: 'x' }), Output: JSON.stringify({ outcome: 'cancelled', order_id: '1001', state: 'REVOKED' }) },
  { Status: 'FAILED', Input: JSON.stringify({ out_order_no: 'A2', reason: 'x' }), Error: 'TransientError' },
]);

/** A store whose reads and writes fail with `reason`, as an SDK or network failure would (not always with an Error). */
const failingStore = (reason: unknown): ObjectStore => {
  const fail = (): never => {
    throw reason;
  };
  return { bucket: 'batch-bucket', get: async () => fail(), put: async () => fail() };
};

const createLog = () => {
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const log: BatchLog = {
    info: (message, attributes) => void lines.push({ level: 'info', message, attributes }),
    error: (message, attributes) => void lines.push({ level: 'error', message, attributes }),
  };
  return { log, lines };
};

describe('batch/handler', () => {
  it('runs the prepare step and logs one line with the row count, never a row', async () => {
    // Prepare
    const { log, lines } = createLog();
    const store = createMemoryStore('batch-bucket', { 'inputs/a.csv': 'out_order_no,reason\nA1,秘密的理由\n' });
    const handler = createBatchHandler({ log, config: CONFIG, store });

    // Act
    const result = await handler({ step: 'prepare', key: 'inputs/a.csv', execution: 'e1' });

    // Assess
    expect(result).toMatchObject({ rows: 1, itemsKey: 'results/e1/items.json' });
    expect(lines).toEqual([{ level: 'info', message: 'cancel-bill-batch step', attributes: { step: 'prepare', execution: 'e1', outcome: 'success', rows: 1 } }]);
    expect(JSON.stringify(lines)).not.toContain('秘密');
  });

  it('logs a refusal with its name and code, then throws it', async () => {
    // Prepare
    const { log, lines } = createLog();
    const handler = createBatchHandler({ log, config: CONFIG, store: createMemoryStore() });

    // Act
    const error = await handler({ step: 'prepare', key: 'inputs/none.csv', execution: 'e1' }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'BatchFileError', code: 'INPUT_NOT_FOUND' });
    expect(lines.map((line) => line.attributes)).toEqual([{ step: 'prepare', execution: 'e1', outcome: 'error', error_name: 'BatchFileError', error_code: 'INPUT_NOT_FOUND' }]);
  });

  it.each([{ event: { step: 'cancel' } }, { event: {} }, { event: null }])('refuses an event without a known step: $event', async ({ event }) => {
    // Prepare
    const { log } = createLog();
    const handler = createBatchHandler({ log, config: CONFIG, store: createMemoryStore() });

    // Act
    const error = await handler(event as never).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'BatchFileError', code: 'INVALID_STEP' });
  });

  it('reports a bad configuration on every invocation', async () => {
    // Prepare
    const { log, lines } = createLog();
    const handler = createBatchHandler({ log, error: new ConfigError('CONFIG_INVALID', 'BATCH_BUCKET must be an S3 bucket name') });

    // Act
    const error = await handler({ step: 'prepare', key: 'inputs/a.csv', execution: 'e1' }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(lines[0]?.attributes).toMatchObject({ outcome: 'error', error_name: 'ConfigError', error_code: 'CONFIG_INVALID' });
  });

  it('runs the report step and logs one line with the total and the counts by outcome', async () => {
    // Prepare
    const { log, lines } = createLog();
    const store = createMemoryStore('batch-bucket', {
      'results/e1/items.json': JSON.stringify([
        { out_order_no: 'A1', reason: 'x' },
        { out_order_no: 'A2', reason: 'x' },
      ]),
      'results/e1/r/manifest.json': REPORT_MANIFEST,
      'results/e1/r/SUCCEEDED_0.json': REPORT_RESULTS,
    });
    const handler = createBatchHandler({ log, config: CONFIG, store });
    const counts = { cancelled: 1, already_cancelled: 0, not_cancellable: 0, not_found: 0, invalid: 0, failed: 1 };

    // Act
    const result = await handler({
      step: 'report',
      execution: 'e1',
      prepared: { bucket: 'batch-bucket', itemsKey: 'results/e1/items.json' },
      results: { Bucket: 'batch-bucket', Key: 'results/e1/r/manifest.json' },
    });

    // Assess
    expect(result).toEqual({ total: 2, counts, report: 's3://batch-bucket/results/e1/report.csv', retry: 's3://batch-bucket/results/e1/retry.csv' });
    expect(lines).toEqual([{ level: 'info', message: 'cancel-bill-batch step', attributes: { step: 'report', execution: 'e1', outcome: 'success', total: 2, counts } }]);
  });

  it.each([
    { name: 'an unknown step', event: { step: 'cancel', execution: 'e1' }, step: 'cancel', execution: 'e1' },
    { name: 'a step that is not a string', event: { step: 42, execution: 'e1' }, step: undefined, execution: 'e1' },
    { name: 'an execution that is not a string', event: { step: 'cancel', execution: 7 }, step: 'cancel', execution: undefined },
    { name: 'a null event', event: null, step: undefined, execution: undefined },
    { name: 'no event at all', event: undefined, step: undefined, execution: undefined },
    { name: 'an event that is a string', event: 'prepare', step: undefined, execution: undefined },
  ])('logs the refusal of $name with only a string step and execution', async ({ event, step, execution }) => {
    // Prepare
    const { log, lines } = createLog();
    const handler = createBatchHandler({ log, config: CONFIG, store: createMemoryStore() });

    // Act
    const error = await handler(event as never).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(BatchFileError);
    expect((error as BatchFileError).message).toBe('INVALID_STEP: the event must name a step: prepare or report');
    expect(lines).toEqual([{ level: 'error', message: 'cancel-bill-batch step', attributes: { step, execution, outcome: 'error', error_name: 'BatchFileError', error_code: 'INVALID_STEP' } }]);
  });

  it.each([
    { name: 'an Error that is not the function\'s own', reason: new TypeError('socket hang up'), errorName: 'TypeError' },
    { name: 'a value that is not an Error', reason: 'boom', errorName: 'string' },
  ])('logs $name as INTERNAL_ERROR and throws it unchanged', async ({ reason, errorName }) => {
    // Prepare
    const { log, lines } = createLog();
    const handler = createBatchHandler({ log, config: CONFIG, store: failingStore(reason) });

    // Act
    const error = await handler({ step: 'prepare', key: 'inputs/a.csv', execution: 'e1' }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBe(reason);
    expect(lines).toEqual([{ level: 'error', message: 'cancel-bill-batch step', attributes: { step: 'prepare', execution: 'e1', outcome: 'error', error_name: errorName, error_code: 'INTERNAL_ERROR' } }]);
  });
});
