/**
 * The batch input file, docs/batch.md ("The input file"): a CSV with a header row
 * (`out_order_no,reason[,service_id,appid]`) or JSON Lines, UTF-8 with or without a byte order
 * mark. Every row is checked with the contract's own field rules (`parseCommand`), so a file this
 * accepts holds only commands the cancel function accepts. Used by the prepare step and by
 * `npm run batch` before it uploads anything.
 */
import { parseCommand } from '../command.js';
import type { CommandDefaults } from '../command.js';
import { isAppError } from '../errors.js';
import { COMMAND_FIELDS, FIELD_RULES } from '../fields.js';
import { parseCsv } from './csv.js';

/** One order to cancel: the command's fields, optional ones only when the row has them. */
type BatchItem = Readonly<{ out_order_no: string; reason: string; service_id?: string; appid?: string }>;
type BatchRow = Readonly<{ line: number; item: BatchItem }>;
/** `line` is absent for a problem of the whole file. */
type FileProblem = Readonly<{ line?: number; message: string }>;
type FileFormat = 'csv' | 'jsonl';
type ParsedFile = Readonly<{ format: FileFormat; rows: readonly BatchRow[]; problems: readonly FileProblem[] }>;

type ParseOptions = Readonly<{
  /** The file's name or key: `.csv`, `.jsonl` or `.ndjson` decide the format; otherwise the content does. */
  name: string;
  /** The configured `WECHATPAY_APPID` / `WECHATPAY_SERVICE_ID`, applied by the function to rows without them. */
  defaults: CommandDefaults;
  /** More rows than this refuses the file. */
  maxRows: number;
}>;

const REQUIRED_FIELDS = ['out_order_no', 'reason'] as const;
const OPTIONAL_FIELDS = ['service_id', 'appid'] as const;
/** The command's fields (lib/fields.ts), in its order: the columns a file may have. */
const FIELDS: readonly string[] = COMMAND_FIELDS;
const BYTE_ORDER_MARK = '\uFEFF';
/** The contract's out_order_no rule: a number that follows it is safe to echo in a refusal. */
const SAFE_ORDER_NO = FIELD_RULES.out_order_no.pattern;

/** The out_order_no of every row seen, valid or not, for the duplicate check. */
type SeenOrder = Readonly<{ line: number; orderNo: unknown }>;
/** What the readers gather. */
type Found = { rows: BatchRow[]; problems: FileProblem[]; orders: SeenOrder[] };

/** A blank optional cell (empty or only blanks) means absent: the function's default applies. */
const isBlank = (value: unknown): boolean => value === null || (typeof value === 'string' && value.trim() === '');

/** Decodes UTF-8 strictly; on failure, names every line that is not UTF-8. */
const decodeUtf8 = (bytes: Uint8Array): { text: string } | { problems: FileProblem[] } => {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const problems: FileProblem[] = [];
    let start = 0;
    for (let line = 1; start <= bytes.length; line += 1) {
      const end = bytes.indexOf(0x0a, start);
      const stop = end === -1 ? bytes.length : end;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, stop));
      } catch {
        problems.push({ line, message: 'not valid UTF-8 (save the file as UTF-8)' });
      }
      if (end === -1) break;
      start = end + 1;
    }
    return { problems };
  }
};

/** The format the name says, else the content: a first character `{` is JSON Lines. */
const detectFormat = (name: string, text: string): FileFormat => {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
};

/** Checks one row with the contract's rules; returns the item, or the rule broken. */
const checkRow = (raw: Record<string, unknown>, defaults: CommandDefaults): BatchItem | string => {
  const present = Object.fromEntries(Object.entries(raw).filter(([name, value]) => !(OPTIONAL_FIELDS.includes(name as never) && isBlank(value))));
  try {
    parseCommand(present, defaults);
  } catch (error) {
    if (isAppError(error)) return error.message;
    throw error;
  }
  const item: Record<string, string> = {};
  for (const field of FIELDS) if (typeof present[field] === 'string') item[field] = present[field];
  return item as BatchItem;
};

/** CSV: the header names the columns; every record must have as many cells. Returns the rows seen. */
const readCsv = (text: string, defaults: CommandDefaults, found: Found): number => {
  const { rows, problems, orders } = found;
  const [header, ...records] = parseCsv(text);
  if (header === undefined) return 0;
  if (header.problem !== undefined) {
    problems.push({ line: header.line, message: `header: ${header.problem}` });
    return records.length;
  }
  const columns = header.cells.map((cell) => cell.trim());
  const headerProblems: string[] = [
    ...columns.filter((column, index) => columns.indexOf(column) !== index).map((column) => `column ${column || '(empty)'} appears twice`),
    ...columns.filter((column) => !FIELDS.includes(column)).map((column) => `unknown column ${column || '(empty)'} (the columns are ${FIELDS.join(', ')})`),
    ...REQUIRED_FIELDS.filter((field) => !columns.includes(field)).map((field) => `missing column ${field}`),
  ];
  for (const message of headerProblems) problems.push({ line: header.line, message: `header: ${message}` });
  if (headerProblems.length > 0) return records.length;
  for (const record of records) {
    if (record.problem !== undefined) {
      problems.push({ line: record.line, message: record.problem });
      continue;
    }
    if (record.cells.length !== columns.length) {
      problems.push({ line: record.line, message: `${record.cells.length} cells where the header has ${columns.length}` });
      continue;
    }
    const raw = Object.fromEntries(columns.map((column, index) => [column, record.cells[index]]));
    orders.push({ line: record.line, orderNo: raw.out_order_no });
    const checked = checkRow(raw, defaults);
    if (typeof checked === 'string') problems.push({ line: record.line, message: checked });
    else rows.push({ line: record.line, item: checked });
  }
  return records.length;
};

/** JSON Lines: one JSON object per line, with string values; blank lines are skipped. Returns the rows seen. */
const readJsonLines = (text: string, defaults: CommandDefaults, found: Found): number => {
  const { rows, problems, orders } = found;
  let seen = 0;
  text.split(/\r\n|\r|\n/).forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    seen += 1;
    let raw: unknown;
    try {
      raw = JSON.parse(content);
    } catch {
      problems.push({ line, message: 'not valid JSON' });
      return;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push({ line, message: 'not a JSON object' });
      return;
    }
    const unknown = Object.keys(raw).filter((name) => !FIELDS.includes(name));
    if (unknown.length > 0) {
      problems.push({ line, message: `unknown field ${unknown.join(', ')} (the fields are ${FIELDS.join(', ')})` });
      return;
    }
    orders.push({ line, orderNo: (raw as Record<string, unknown>).out_order_no });
    const checked = checkRow(raw as Record<string, unknown>, defaults);
    if (typeof checked === 'string') problems.push({ line, message: checked });
    else rows.push({ line, item: checked });
  });
  return seen;
};

/**
 * Every row whose out_order_no an earlier row already has, whether or not either row is otherwise
 * valid (so fixing one problem does not reveal another). The number is named when it is well-formed.
 */
const duplicateProblems = (orders: readonly SeenOrder[]): FileProblem[] => {
  const first = new Map<string, number>();
  const problems: FileProblem[] = [];
  for (const { line, orderNo } of orders) {
    if (typeof orderNo !== 'string' || orderNo === '') continue;
    const earlier = first.get(orderNo);
    if (earlier === undefined) first.set(orderNo, line);
    else problems.push({ line, message: `out_order_no ${SAFE_ORDER_NO.test(orderNo) ? `${orderNo} ` : ''}is also on line ${earlier}` });
  }
  return problems;
};

/**
 * Reads and checks a whole batch file. The file is accepted only when `problems` is empty; then
 * `rows` holds every order, in file order. Otherwise `problems` lists every problem found, each with
 * its line (the line a CSV record starts on; the header is line 1): missing, unknown or repeated
 * columns, a cell count that differs from the header, a field that breaks a rule of CONTRACT.md
 * (the message of the ValidationError the function would throw), an out_order_no given twice, no
 * rows at all, more rows than `maxRows`, text that is not UTF-8. A blank optional cell (or a JSON
 * `null` or `""`) is absent, so the configured default applies.
 *
 * @example
 * const parsed = parseBatchFile(bytes, { name: 'orders.csv', defaults: { serviceId: '1234' }, maxRows: 50_000 });
 * if (parsed.problems.length > 0) throw new BatchFileError('FILE_REFUSED', describeProblems(parsed.problems));
 */
const parseBatchFile = (bytes: Uint8Array, options: ParseOptions): ParsedFile => {
  const decoded = decodeUtf8(bytes);
  const format = detectFormat(options.name, 'text' in decoded ? decoded.text : '');
  if ('problems' in decoded) return { format, rows: [], problems: decoded.problems };
  const text = decoded.text.startsWith(BYTE_ORDER_MARK) ? decoded.text.slice(1) : decoded.text;

  const found: Found = { rows: [], problems: [], orders: [] };
  const seen = format === 'csv' ? readCsv(text, options.defaults, found) : readJsonLines(text, options.defaults, found);
  const { rows, problems } = found;
  problems.push(...duplicateProblems(found.orders));
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  // Problems of the whole file come first: they stay visible when a long list is cut short.
  const whole: FileProblem[] = [];
  // Stryker disable next-line StringLiteral: with no row seen, every problem found is a header problem, so any prefix gives the same answer as 'header:'
  if (seen === 0 && !problems.some((problem) => problem.message.startsWith('header:'))) {
    whole.push({ message: text.trim() === '' ? 'the file is empty' : 'the file has no rows' });
  }
  if (seen > options.maxRows) {
    whole.push({ message: `${seen} rows, more than the limit of ${options.maxRows} (batchMaxRows): split the file` });
  }
  return { format, rows, problems: [...whole, ...problems] };
};

/**
 * The problems as the refusal states them, one per line (`line 3: INVALID_REASON: ...`), at most
 * `limit` lines; the rest are counted.
 */
const describeProblems = (problems: readonly FileProblem[], limit = Number.POSITIVE_INFINITY): string => {
  const shown = problems.slice(0, limit).map((problem) => (problem.line === undefined ? problem.message : `line ${problem.line}: ${problem.message}`));
  const more = problems.length - shown.length;
  return [...shown, ...(more > 0 ? [`... and ${more} more`] : [])].join('\n');
};

export { parseBatchFile, describeProblems, detectFormat, FIELDS, REQUIRED_FIELDS, OPTIONAL_FIELDS };
export type { BatchItem, BatchRow, FileProblem, FileFormat, ParsedFile, ParseOptions };
