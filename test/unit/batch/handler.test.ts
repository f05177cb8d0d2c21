import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../lib/batch/handler.js';
import type { BatchLog } from '../../../lib/batch/handler.js';
import { ConfigError } from '../../../lib/errors.js';
import { createMemoryStore } from '../../helpers/memory-store.js';

const CONFIG = { bucket: 'batch-bucket', maxRows: 10, defaults: { serviceId: '1', appid: 'wx1' } };

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
});
