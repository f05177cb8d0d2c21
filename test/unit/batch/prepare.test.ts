import { describe, expect, it } from 'vitest';
import type { BatchConfig } from '../../../lib/batch/config.js';
import { BatchFileError } from '../../../lib/batch/errors.js';
import { prepareBatch } from '../../../lib/batch/prepare.js';
import { createMemoryStore } from '../../helpers/memory-store.js';

const CONFIG: BatchConfig = { bucket: 'batch-bucket', maxRows: 100, defaults: { serviceId: '123', appid: 'wx1' } };
const GOOD = '\uFEFFout_order_no,reason,service_id,appid\r\nA1,"柜门未弹出, 退款",,\r\nA2,late,456,wx2\r\n';

/** Runs `act` and returns what it rejected with; fails the test when it resolves. */
const rejectionOf = async (act: Promise<unknown>): Promise<BatchFileError> => {
  const outcome = await act.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof BatchFileError)) throw new Error(`expected a BatchFileError, got ${String(outcome)}`);
  return outcome;
};

describe('batch/prepare', () => {
  it('writes the items as one JSON array under results/<execution>/ and says where', async () => {
    // Prepare
    const store = createMemoryStore('batch-bucket', { 'inputs/orders.csv': GOOD });

    // Act
    const prepared = await prepareBatch({ store, config: CONFIG }, { key: 'inputs/orders.csv', execution: 'venue-42' });

    // Assess
    expect(prepared).toEqual({ bucket: 'batch-bucket', itemsKey: 'results/venue-42/items.json', resultsPrefix: 'results/venue-42', rows: 2 });
    expect(JSON.parse(store.text('results/venue-42/items.json') ?? '')).toEqual([
      { out_order_no: 'A1', reason: '柜门未弹出, 退款' },
      { out_order_no: 'A2', reason: 'late', service_id: '456', appid: 'wx2' },
    ]);
    expect(store.writes).toEqual([{ key: 'results/venue-42/items.json', contentType: 'application/json' }]);
  });

  it('refuses a file, listing every problem with its line, and writes nothing', async () => {
    // Prepare
    const store = createMemoryStore('batch-bucket', { 'inputs/bad.csv': 'out_order_no,reason\nA 1,x\nA2,\nA3,ok\nA3,ok\n' });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: CONFIG }, { key: 'inputs/bad.csv', execution: 'e1' }));

    // Assess
    expect(error.code).toBe('FILE_REFUSED');
    expect(error.message).toBe(
      [
        'FILE_REFUSED: inputs/bad.csv has 3 problems; no order was touched:',
        'line 2: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
        'line 3: INVALID_REASON: reason must be 1-50 characters',
        'line 5: out_order_no A3 is also on line 4',
      ].join('\n'),
    );
    expect(store.writes).toEqual([]);
  });

  it('refuses more rows than batchMaxRows instead of cutting the file short', async () => {
    // Prepare
    const rows = Array.from({ length: 101 }, (_, i) => `A${i},x`).join('\n');
    const store = createMemoryStore('batch-bucket', { 'inputs/big.csv': `out_order_no,reason\n${rows}\n` });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: CONFIG }, { key: 'inputs/big.csv', execution: 'e1' }));

    // Assess
    expect(error.message).toContain('101 rows, more than the limit of 100 (batchMaxRows): split the file');
    expect(store.objects.has('results/e1/items.json')).toBe(false);
  });

  it('keeps a long refusal within a Step Functions cause and writes the whole list to refusal.txt', async () => {
    // Prepare
    const rows = Array.from({ length: 300 }, (_, i) => `A${i},`).join('\n');
    const store = createMemoryStore('batch-bucket', { 'inputs/bad.csv': `out_order_no,reason\n${rows}\n` });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: { ...CONFIG, maxRows: 1000 } }, { key: 'inputs/bad.csv', execution: 'e1' }));

    // Assess
    expect(error.message.length).toBeLessThan(32_768);
    expect(error.message).toContain('has 300 problems');
    expect(error.message).toContain('... and 100 more');
    expect(error.message).toMatch(/The full list: results\/e1\/refusal\.txt$/);
    const full = store.text('results/e1/refusal.txt') ?? '';
    expect(full.trim().split('\n')).toHaveLength(300);
    expect(full).toContain('line 301: INVALID_REASON');
  });

  it.each([
    { name: 'a key outside inputs/', key: 'results/e1/items.json', code: 'INVALID_KEY' },
    { name: 'the bare prefix', key: 'inputs/', code: 'INVALID_KEY' },
    { name: 'a key with ..', key: 'inputs/../results/x', code: 'INVALID_KEY' },
    { name: 'no key', key: undefined, code: 'INVALID_KEY' },
    { name: 'a key that is not a string', key: 42, code: 'INVALID_KEY' },
    { name: 'a missing object', key: 'inputs/missing.csv', code: 'INPUT_NOT_FOUND' },
  ])('refuses $name with $code', async ({ key, code }) => {
    // Prepare
    const store = createMemoryStore('batch-bucket', { 'inputs/orders.csv': GOOD });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: CONFIG }, { key, execution: 'e1' }));

    // Assess
    expect(error.code).toBe(code);
    expect(store.writes).toEqual([]);
  });

  it('refuses an execution name that cannot be part of a key', async () => {
    // Prepare
    const store = createMemoryStore('batch-bucket', { 'inputs/orders.csv': GOOD });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: CONFIG }, { key: 'inputs/orders.csv', execution: '../x' }));

    // Assess
    expect(error.code).toBe('INVALID_EXECUTION');
  });

  it('does not read an object larger than batchMaxRows rows can be', async () => {
    // Prepare
    const store = createMemoryStore('batch-bucket', { 'inputs/huge.csv': `out_order_no,reason\n${'x'.repeat(2 * 1024)}\n` });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: { ...CONFIG, maxRows: 1 } }, { key: 'inputs/huge.csv', execution: 'e1' }));

    // Assess
    expect(error.code).toBe('INPUT_TOO_LARGE');
    expect(error.message).toContain('more than 1024 for at most 1 rows');
  });

  it('names the missing object and the bucket it looked in', async () => {
    // Prepare
    const store = createMemoryStore('batch-bucket', {});

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: CONFIG }, { key: 'inputs/missing.csv', execution: 'e1' }));

    // Assess
    expect(error.message).toBe('INPUT_NOT_FOUND: no object inputs/missing.csv in bucket batch-bucket');
  });

  it('states the size of a refused object, the byte limit and the row limit it comes from', async () => {
    // Prepare
    const body = `out_order_no,reason\n${'x'.repeat(3000)}\n`;
    const store = createMemoryStore('batch-bucket', { 'inputs/huge.csv': body });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: { ...CONFIG, maxRows: 2 } }, { key: 'inputs/huge.csv', execution: 'e1' }));

    // Assess
    expect(error.message).toBe(`INPUT_TOO_LARGE: inputs/huge.csv is ${body.length} bytes, more than 2048 for at most 2 rows (batchMaxRows)`);
    expect(store.writes).toEqual([]);
  });

  it('reads an object of up to 1024 bytes per allowed row', async () => {
    // Prepare
    const head = 'out_order_no,reason\nA1,';
    const body = `${head}${'x'.repeat(1024 - head.length - 1)}\n`;
    const store = createMemoryStore('batch-bucket', { 'inputs/full.csv': body });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: { ...CONFIG, maxRows: 1 } }, { key: 'inputs/full.csv', execution: 'e1' }));

    // Assess
    expect(body).toHaveLength(1024);
    expect(error.message).toBe('FILE_REFUSED: inputs/full.csv has 1 problem; no order was touched:\nline 2: INVALID_REASON: reason must be 1-50 characters');
    expect(store.writes).toEqual([]);
  });

  it('lists up to 200 problems in the refusal itself and writes no refusal.txt', async () => {
    // Prepare
    const rows = Array.from({ length: 200 }, (_, i) => `A${i},`).join('\n');
    const store = createMemoryStore('batch-bucket', { 'inputs/bad.csv': `out_order_no,reason\n${rows}\n` });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: { ...CONFIG, maxRows: 1000 } }, { key: 'inputs/bad.csv', execution: 'e1' }));

    // Assess
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('FILE_REFUSED: inputs/bad.csv has 200 problems; no order was touched:');
    expect(lines).toHaveLength(201);
    expect(lines.at(-1)).toBe('line 201: INVALID_REASON: reason must be 1-50 characters');
    expect(store.writes).toEqual([]);
  });

  it('writes every problem of a refusal over 200 problems to refusal.txt as plain text, one per line', async () => {
    // Prepare
    const rows = Array.from({ length: 201 }, (_, i) => `A${i},`).join('\n');
    const store = createMemoryStore('batch-bucket', { 'inputs/bad.csv': `out_order_no,reason\n${rows}\n` });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: { ...CONFIG, maxRows: 1000 } }, { key: 'inputs/bad.csv', execution: 'e1' }));

    // Assess
    const expected = Array.from({ length: 201 }, (_, i) => `line ${i + 2}: INVALID_REASON: reason must be 1-50 characters`);
    expect(error.message).toBe(
      ['FILE_REFUSED: inputs/bad.csv has 201 problems; no order was touched:', ...expected.slice(0, 200), '... and 1 more', 'The full list: results/e1/refusal.txt'].join('\n'),
    );
    expect(store.writes).toEqual([{ key: 'results/e1/refusal.txt', contentType: 'text/plain; charset=utf-8' }]);
    expect(store.text('results/e1/refusal.txt')).toBe(`${expected.join('\n')}\n`);
  });

  it('cuts a refusal of fewer than 200 long problems after the last whole problem within 30,000 characters', async () => {
    // Prepare
    const field = 'z'.repeat(400);
    const rows = Array.from({ length: 100 }, (_, i) => JSON.stringify({ out_order_no: `A${i}`, reason: 'x', [field]: '1' })).join('\n');
    const store = createMemoryStore('batch-bucket', { 'inputs/bad.jsonl': `${rows}\n` });

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: CONFIG }, { key: 'inputs/bad.jsonl', execution: 'e1' }));

    // Assess
    const problem = (line: number): string => `line ${line}: unknown field ${field} (the fields are out_order_no, reason, service_id, appid)`;
    const all = ['inputs/bad.jsonl has 100 problems; no order was touched:', ...Array.from({ length: 100 }, (_, i) => problem(i + 1))];
    const fits = all.filter((_, count) => all.slice(0, count + 1).join('\n').length <= 30_000);
    expect(fits.length).toBeLessThan(all.length);
    expect(error.message).toBe(`FILE_REFUSED: ${[...fits, '...', 'The full list: results/e1/refusal.txt'].join('\n')}`);
    expect(store.text('results/e1/refusal.txt')).toBe(`${all.slice(1).join('\n')}\n`);
  });

  it('keeps a refusal of exactly 30,000 characters whole', async () => {
    // Prepare: 60 problems whose last unknown field is padded so that the refusal is 30,000 characters.
    const problem = (line: number, field: string): string => `line ${line}: unknown field ${field} (the fields are out_order_no, reason, service_id, appid)`;
    const field = 'z'.repeat(400);
    const head = 'inputs/bad.jsonl has 60 problems; no order was touched:';
    const shortText = [head, ...Array.from({ length: 60 }, (_, i) => problem(i + 1, field))].join('\n');
    const last = 'z'.repeat(400 + 30_000 - shortText.length);
    const fields = Array.from({ length: 60 }, (_, i) => (i === 59 ? last : field));
    const rows = fields.map((name, i) => JSON.stringify({ out_order_no: `A${i}`, reason: 'x', [name]: '1' })).join('\n');
    const store = createMemoryStore('batch-bucket', { 'inputs/bad.jsonl': `${rows}\n` });
    const text = [head, ...fields.map((name, i) => problem(i + 1, name))].join('\n');

    // Act
    const error = await rejectionOf(prepareBatch({ store, config: CONFIG }, { key: 'inputs/bad.jsonl', execution: 'e1' }));

    // Assess
    expect(text).toHaveLength(30_000);
    expect(error.message).toBe(`FILE_REFUSED: ${text}`);
    expect(store.writes).toEqual([]);
  });
});
