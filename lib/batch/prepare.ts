/**
 * The prepare step of cancel-rental-orders-batch: reads the operator's file, checks every row,
 * and writes the orders for the Distributed Map's ItemReader. Nothing is cancelled before it has
 * accepted the whole file.
 */
import type { BatchConfig } from './config.js';
import { BatchFileError } from './errors.js';
import { describeProblems, parseBatchFile } from './input-file.js';
import { assertInputKey, resultKeys } from './keys.js';
import type { ObjectStore } from './store.js';

type PrepareInput = Readonly<{ key: unknown; execution: string }>;

/** What the map reads: the bucket and the items' key (a JSON array), and where results go. */
type Prepared = Readonly<{ bucket: string; itemsKey: string; resultsPrefix: string; rows: number }>;

/** A row of the contract's longest fields is under 600 bytes of UTF-8, quoted or JSON-escaped. */
const MAX_BYTES_PER_ROW = 1024;
/** A Step Functions cause holds at most 32,768 characters; the full list goes to refusal.txt. */
const MAX_CAUSE_CHARS = 30_000;
const MAX_CAUSE_PROBLEMS = 200;

/**
 * Reads `key` from the bucket, checks it (lib/batch/input-file.ts) and writes the items as one
 * JSON array to `results/<execution>/items.json`.
 *
 * @throws {BatchFileError} `INVALID_KEY`, `INVALID_EXECUTION`, `INPUT_NOT_FOUND`, `INPUT_TOO_LARGE`,
 *   or `FILE_REFUSED` with every problem and its line (the whole list also in `refusal.txt`).
 * @example
 * const prepared = await prepareBatch({ store, config }, { key: 'inputs/orders.csv', execution: 'venue-42' });
 */
const prepareBatch = async (deps: Readonly<{ store: ObjectStore; config: BatchConfig }>, input: PrepareInput): Promise<Prepared> => {
  const { store, config } = deps;
  const key = assertInputKey(input.key);
  const keys = resultKeys(input.execution);
  const maxBytes = config.maxRows * MAX_BYTES_PER_ROW;
  const read = await store.get(key, maxBytes);
  if (read.kind === 'missing') throw new BatchFileError('INPUT_NOT_FOUND', `no object ${key} in bucket ${store.bucket}`);
  if (read.kind === 'tooLarge') {
    throw new BatchFileError('INPUT_TOO_LARGE', `${key} is ${read.bytes} bytes, more than ${maxBytes} for at most ${config.maxRows} rows (batchMaxRows)`);
  }

  const parsed = parseBatchFile(read.body, { name: key, defaults: config.defaults, maxRows: config.maxRows });
  if (parsed.problems.length > 0) {
    const full = describeProblems(parsed.problems);
    const count = parsed.problems.length;
    let text = `${key} has ${count} problem${count === 1 ? '' : 's'}; no order was touched:\n${describeProblems(parsed.problems, MAX_CAUSE_PROBLEMS)}`;
    let cut = parsed.problems.length > MAX_CAUSE_PROBLEMS;
    if (text.length > MAX_CAUSE_CHARS) {
      text = `${text.slice(0, text.lastIndexOf('\n', MAX_CAUSE_CHARS))}\n...`;
      cut = true;
    }
    if (cut) {
      await store.put(keys.refusal, `${full}\n`, 'text/plain; charset=utf-8');
      text += `\nThe full list: ${keys.refusal}`;
    }
    throw new BatchFileError('FILE_REFUSED', text);
  }

  await store.put(keys.items, JSON.stringify(parsed.rows.map((row) => row.item)), 'application/json');
  return { bucket: store.bucket, itemsKey: keys.items, resultsPrefix: keys.prefix, rows: parsed.rows.length };
};

export { prepareBatch };
export type { Prepared, PrepareInput };
