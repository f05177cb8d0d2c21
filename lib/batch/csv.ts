/**
 * CSV as RFC 4180 writes it: cells separated by commas, records by CRLF (LF and a lone CR are
 * accepted too), a cell quoted when it holds a comma, a quote or a line break, and a quote inside a
 * quoted cell doubled. The parser is strict where a lenient one would guess: a quote inside an
 * unquoted cell, text after a closing quote and an unclosed quote are problems of their record.
 */

/** One record, with the line of the file it starts on (from 1) and its cells. */
type CsvRecord = Readonly<{
  line: number;
  cells: readonly string[];
  /** Why the record could not be read as RFC 4180; its cells are then unreliable. */
  problem?: string;
}>;

const QUOTE = '"';
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

type Scan = { line: number; cells: string[]; cell: string; quoted: boolean; problem: string | undefined };

/** Line breaks in `text`, a CRLF counting once. */
const countLineBreaks = (text: string): number => (text.match(/\r\n|\r|\n/g) ?? []).length;

/**
 * Splits decoded text (without a byte order mark) into records. Empty lines are skipped; they
 * still count for the line numbers. Line breaks inside quoted cells are kept as they are.
 *
 * @example
 * parseCsv('out_order_no,reason\r\nA1,"late, again"\r\n')
 * // [{ line: 1, cells: ['out_order_no', 'reason'] }, { line: 2, cells: ['A1', 'late, again'] }]
 */
const parseCsv = (text: string): CsvRecord[] => {
  const records: CsvRecord[] = [];
  let line = 1;
  let current: Scan | undefined;
  let i = 0;

  const start = (): Scan => ({ line, cells: [], cell: '', quoted: false, problem: undefined });
  const endCell = (scan: Scan): void => {
    scan.cells.push(scan.cell);
    scan.cell = '';
    scan.quoted = false;
  };
  const endRecord = (scan: Scan): void => {
    endCell(scan);
    const blank = scan.cells.length === 1 && scan.cells[0] === '' && scan.problem === undefined;
    if (!blank) records.push(scan.problem === undefined ? { line: scan.line, cells: scan.cells } : { line: scan.line, cells: scan.cells, problem: scan.problem });
  };
  const note = (scan: Scan, problem: string): void => {
    scan.problem ??= problem;
  };

  while (i < text.length) {
    const scan = (current ??= start());
    const char = text[i] as string;
    if (char === QUOTE && scan.cell === '' && !scan.quoted) {
      // A quoted cell: read to the closing quote; "" is one quote.
      scan.quoted = true;
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const next = text[j] as string;
        if (next === QUOTE) {
          if (text[j + 1] === QUOTE) {
            scan.cell += QUOTE;
            j += 2;
            continue;
          }
          closed = true;
          j += 1;
          break;
        }
        scan.cell += next;
        j += 1;
      }
      line += countLineBreaks(text.slice(i, j));
      i = j;
      if (!closed) {
        note(scan, 'a quoted cell is not closed');
        break;
      }
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\r' && after !== '\n') {
        note(scan, 'text after the closing quote of a cell');
      }
      continue;
    }
    if (char === ',') {
      endCell(scan);
      i += 1;
      continue;
    }
    if (char === '\r' || char === '\n') {
      endRecord(scan);
      current = undefined;
      i += char === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line += 1;
      continue;
    }
    if (char === QUOTE) note(scan, 'a quote inside a cell that does not start with one (quote the cell and double the quote)');
    scan.cell += char;
    i += 1;
  }
  if (current !== undefined) endRecord(current);
  return records;
};

/** A cell as RFC 4180 writes it: quoted when it holds a comma, quote or line break, or edge blanks. */
const formatCell = (value: string): string => (NEEDS_QUOTES.test(value) ? `${QUOTE}${value.replaceAll(QUOTE, '""')}${QUOTE}` : value);

/**
 * Writes rows as CSV with CRLF line ends, every line ended, quoting only where needed.
 *
 * @example
 * formatCsv([['out_order_no', 'reason'], ['A1', 'late, again']]) // 'out_order_no,reason\r\nA1,"late, again"\r\n'
 */
const formatCsv = (rows: readonly (readonly string[])[]): string => rows.map((row) => `${row.map(formatCell).join(',')}\r\n`).join('');

export { parseCsv, formatCsv, formatCell };
export type { CsvRecord };
