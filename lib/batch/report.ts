/**
 * The report step of cancel-rental-orders-batch: one row per order from the map run's results,
 * `report.csv` and `retry.csv`, and the counts by outcome as the execution's output.
 */
import { formatCsv } from './csv.js';
import { BatchResultsError } from './errors.js';
import { FIELDS } from './input-file.js';
import type { BatchItem } from './input-file.js';
import { resultKeys } from './keys.js';
import { emptyCounts, isOutcome, RETRYABLE_OUTCOMES } from './outcomes.js';
import type { Outcome, OutcomeCounts } from './outcomes.js';
import type { ObjectStore } from './store.js';

/**
 * One child execution as ResultWriter writes it (Transformation NONE): its input and output as
 * JSON text, or its error and cause when it failed.
 */
type ChildResult = Readonly<{ Status?: string; Input?: string; Output?: string; Error?: string; Cause?: string }>;

/** What the item processor's end states output for one order (infra/batch-state-machine.asl.yml). */
type ItemOutcome = Readonly<{ outcome: Outcome; order_id?: string; state?: string; error?: string; cause?: string }>;

type ReportRow = Readonly<{
  out_order_no: string;
  outcome: Outcome;
  order_id: string;
  state: string;
  error: string;
  code: string;
  message: string;
}>;

type Report = Readonly<{ rows: readonly ReportRow[]; retry: readonly BatchItem[]; counts: OutcomeCounts }>;

/** The execution's output. */
type BatchSummary = Readonly<{
  total: number;
  counts: OutcomeCounts;
  report: string;
  /** `null` when no order ended `failed`. */
  retry: string | null;
}>;

type ReportInput = Readonly<{
  execution: string;
  prepared: Readonly<{ bucket: string; itemsKey: string }>;
  /** ResultWriterDetails of the Distributed Map's output: where its manifest is. */
  results: Readonly<{ Bucket: string; Key: string }>;
}>;

const REPORT_COLUMNS = ['out_order_no', 'outcome', 'order_id', 'state', 'error', 'code', 'message'] as const;
const ERROR_CODE = /^([A-Z][A-Z0-9_]*): /;
const MAX_MESSAGE_CHARS = 500;
/** Bounds on what the report reads back: the items and every result file. */
const MAX_ITEMS_BYTES = 256 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const MAX_RESULT_FILE_BYTES = 1024 * 1024 * 1024;
/** A UTF-8 byte order mark, so spreadsheet programs read Chinese reasons correctly. */
const BOM = '\uFEFF';

const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * The code and message of a cause: the Lambda error payload `{"errorType","errorMessage"}` whose
 * message starts with the code (CONTRACT.md "Errors"), or any other text as it is.
 */
const describeCause = (cause: string | undefined): { code: string; message: string } => {
  if (cause === undefined || cause === '') return { code: '', message: '' };
  const payload = parseJson(cause) as { errorMessage?: unknown } | undefined;
  const message = typeof payload?.errorMessage === 'string' ? payload.errorMessage : cause;
  return { code: ERROR_CODE.exec(message)?.[1] ?? '', message: message.slice(0, MAX_MESSAGE_CHARS) };
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The report row of one order from its child execution's result; no result is `failed`. */
const rowOf = (item: BatchItem, result: ChildResult | undefined): ReportRow => {
  const base = { out_order_no: item.out_order_no, order_id: '', state: '' };
  if (result === undefined) {
    return { ...base, outcome: 'failed', error: 'NoResult', code: '', message: 'the map run has no result for this order' };
  }
  if (result.Status !== 'SUCCEEDED') {
    return { ...base, outcome: 'failed', error: text(result.Error) || text(result.Status) || 'Unknown', ...describeCause(result.Cause) };
  }
  const output = parseJson(result.Output) as Partial<ItemOutcome> | undefined;
  if (!isOutcome(output?.outcome)) {
    return { ...base, outcome: 'failed', error: 'UnknownOutcome', code: '', message: 'the order ended without an outcome' };
  }
  return {
    ...base,
    outcome: output.outcome,
    order_id: text(output.order_id),
    state: text(output.state),
    error: text(output.error),
    ...describeCause(text(output.cause) || undefined),
  };
};

/** The out_order_no a child execution worked on, from its input. */
const orderOf = (result: ChildResult): string | undefined => {
  const input = parseJson(result.Input) as { out_order_no?: unknown } | undefined;
  return typeof input?.out_order_no === 'string' ? input.out_order_no : undefined;
};

/**
 * One row per item, in the file's order, from the map run's results (a succeeded result wins over
 * a failed one for the same order); counts by outcome; the items that ended `failed`, as they were
 * submitted, for retry.csv.
 */
const buildReport = (items: readonly BatchItem[], results: readonly ChildResult[]): Report => {
  const byOrder = new Map<string, ChildResult>();
  for (const result of results) {
    const order = orderOf(result);
    if (order === undefined) continue;
    if (byOrder.get(order)?.Status !== 'SUCCEEDED') byOrder.set(order, result);
  }
  const counts = emptyCounts();
  const rows = items.map((item) => rowOf(item, byOrder.get(item.out_order_no)));
  for (const row of rows) counts[row.outcome] += 1;
  const retry = items.filter((_, index) => RETRYABLE_OUTCOMES.includes((rows[index] as ReportRow).outcome));
  return { rows, retry, counts };
};

/** report.csv: a header and one row per order. */
const formatReport = (rows: readonly ReportRow[]): string =>
  BOM + formatCsv([[...REPORT_COLUMNS], ...rows.map((row) => REPORT_COLUMNS.map((column) => row[column]))]);

/** retry.csv: the input format, blank where a row had no service_id or appid. */
const formatRetry = (items: readonly BatchItem[]): string =>
  BOM + formatCsv([[...FIELDS], ...items.map((item) => FIELDS.map((field) => (item as Record<string, string | undefined>)[field] ?? ''))]);

/** Reads a JSON object of the bucket; a missing or malformed one is a BatchResultsError. */
const readJson = async (store: ObjectStore, key: string, maxBytes: number): Promise<unknown> => {
  const read = await store.get(key, maxBytes);
  if (read.kind !== 'ok') throw new BatchResultsError('RESULTS_UNREADABLE', `${key} is ${read.kind === 'missing' ? 'missing' : 'too large'}`);
  const value = parseJson(new TextDecoder().decode(read.body));
  if (value === undefined) throw new BatchResultsError('RESULTS_UNREADABLE', `${key} is not JSON`);
  return value;
};

type Manifest = { ResultFiles?: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key?: unknown }[]>> };

/** Every child result the manifest lists (succeeded and failed files; pending ones never ran). */
const readResults = async (store: ObjectStore, manifestKey: string): Promise<ChildResult[]> => {
  const manifest = (await readJson(store, manifestKey, MAX_MANIFEST_BYTES)) as Manifest;
  const files = [...(manifest.ResultFiles?.SUCCEEDED ?? []), ...(manifest.ResultFiles?.FAILED ?? [])];
  // Stryker disable next-line ArrayDeclaration: a string in the list has no Input, so buildReport skips it as naming no order
  const results: ChildResult[] = [];
  for (const file of files) {
    if (typeof file.Key !== 'string') throw new BatchResultsError('RESULTS_UNREADABLE', `${manifestKey} lists a file without a key`);
    const entries = await readJson(store, file.Key, MAX_RESULT_FILE_BYTES);
    if (!Array.isArray(entries)) throw new BatchResultsError('RESULTS_UNREADABLE', `${file.Key} is not a JSON array`);
    results.push(...(entries as ChildResult[]));
  }
  return results;
};

/**
 * Reads the prepared items and the map run's results, writes `results/<execution>/report.csv`
 * (and `retry.csv` when an order ended `failed`), and returns the summary.
 *
 * @throws {BatchResultsError} `RESULTS_UNREADABLE` for a missing or malformed object, `WRONG_BUCKET`
 *   when the results are not in this function's bucket.
 * @example
 * const summary = await reportBatch({ store }, { execution, prepared, results: mapOutput.ResultWriterDetails });
 */
const reportBatch = async (deps: Readonly<{ store: ObjectStore }>, input: ReportInput): Promise<BatchSummary> => {
  const { store } = deps;
  const keys = resultKeys(input.execution);
  for (const bucket of [input.prepared.bucket, input.results.Bucket]) {
    if (bucket !== store.bucket) throw new BatchResultsError('WRONG_BUCKET', `the results must be in ${store.bucket}`);
  }
  const items = (await readJson(store, input.prepared.itemsKey, MAX_ITEMS_BYTES)) as BatchItem[];
  if (!Array.isArray(items)) throw new BatchResultsError('RESULTS_UNREADABLE', `${input.prepared.itemsKey} is not a JSON array`);
  const report = buildReport(items, await readResults(store, input.results.Key));

  await store.put(keys.report, formatReport(report.rows), 'text/csv; charset=utf-8');
  if (report.retry.length > 0) await store.put(keys.retry, formatRetry(report.retry), 'text/csv; charset=utf-8');
  const location = (key: string): string => `s3://${store.bucket}/${key}`;
  return {
    total: items.length,
    counts: report.counts,
    report: location(keys.report),
    retry: report.retry.length > 0 ? location(keys.retry) : null,
  };
};

export { reportBatch, buildReport, formatReport, formatRetry, describeCause, REPORT_COLUMNS };
export type { BatchSummary, ChildResult, ItemOutcome, Report, ReportRow, ReportInput };
