import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCell } from '../../../lib/batch/csv.js';
import { describeProblems, detectFormat, parseBatchFile } from '../../../lib/batch/input-file.js';
import type { BatchItem, ParseOptions } from '../../../lib/batch/input-file.js';
import { validAppid, validOutOrderNo, validReason, validServiceId } from '../fuzz/arbitraries/strings.js';

const SERVICE_ID = '2002000000000558128851361561536';
const APPID = 'wxd678efh567hg6787';
const WITH_DEFAULTS: ParseOptions = { name: 'orders.csv', defaults: { serviceId: SERVICE_ID, appid: APPID }, maxRows: 100 };
const NO_DEFAULTS: ParseOptions = { ...WITH_DEFAULTS, defaults: {} };

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const parse = (text: string, options: Partial<ParseOptions> = {}) => parseBatchFile(bytes(text), { ...WITH_DEFAULTS, ...options });
/** The problems as `line: message` strings. */
const problemsOf = (text: string, options: Partial<ParseOptions> = {}) =>
  parse(text, options).problems.map((problem) => `${problem.line ?? '-'}: ${problem.message}`);

describe('batch/input-file', () => {
  describe('parseBatchFile: accepted files', () => {
    it.each([
      { name: 'CSV with CRLF', text: 'out_order_no,reason\r\nA1,late\r\nA2,早退\r\n' },
      { name: 'CSV with LF and no final line end', text: 'out_order_no,reason\nA1,late\nA2,早退' },
      { name: 'CSV with a byte order mark', text: '\uFEFFout_order_no,reason\r\nA1,late\r\nA2,早退\r\n' },
      { name: 'CSV with the columns in another order', text: 'reason,out_order_no\r\nlate,A1\r\n早退,A2\r\n' },
      { name: 'CSV with quoted cells', text: '"out_order_no","reason"\r\n"A1","late"\r\nA2,"早退"\r\n' },
      { name: 'JSON Lines', text: '{"out_order_no":"A1","reason":"late"}\n{"out_order_no":"A2","reason":"早退"}\n', file: 'orders.jsonl' },
      { name: 'JSON Lines with a BOM and CRLF', text: '\uFEFF{"out_order_no":"A1","reason":"late"}\r\n\r\n{"out_order_no":"A2","reason":"早退"}', file: 'orders.ndjson' },
      { name: 'JSON Lines told apart by content', text: '{"out_order_no":"A1","reason":"late"}\n{"out_order_no":"A2","reason":"早退"}\n', file: 'orders.txt' },
    ])('reads $name', ({ text, file }) => {
      // Act
      const parsed = parse(text, { name: file ?? 'orders.csv' });

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows.map((row) => row.item)).toEqual([
        { out_order_no: 'A1', reason: 'late' },
        { out_order_no: 'A2', reason: '早退' },
      ]);
    });

    it('reads a reason holding a line feed, quoted, and moves the next row\'s line', () => {
      // Act
      const parsed = parse('out_order_no,reason\nA1,"cabinet 12\ndid not eject"\nA2,x\n');

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows).toEqual([
        { line: 2, item: { out_order_no: 'A1', reason: 'cabinet 12\ndid not eject' } },
        { line: 4, item: { out_order_no: 'A2', reason: 'x' } },
      ]);
    });

    it('keeps the lines of the rows, header included, blank lines counted', () => {
      // Act
      const parsed = parse('out_order_no,reason\r\nA1,"two, parts"\r\n\r\nA2,x\r\n');

      // Assess
      expect(parsed.rows.map((row) => row.line)).toEqual([2, 4]);
    });

    it('treats a blank optional cell as absent, so the configured default applies', () => {
      // Act
      const parsed = parse(`out_order_no,reason,service_id,appid\r\nA1,late,,\r\nA2,late,  ,\r\nA3,late,123,wx1\r\n`);

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows.map((row) => row.item)).toEqual([
        { out_order_no: 'A1', reason: 'late' },
        { out_order_no: 'A2', reason: 'late' },
        { out_order_no: 'A3', reason: 'late', service_id: '123', appid: 'wx1' },
      ]);
    });

    it('treats a JSON null or empty optional field as absent', () => {
      // Act
      const parsed = parse('{"out_order_no":"A1","reason":"late","service_id":null,"appid":""}\n', { name: 'a.jsonl' });

      // Assess
      expect(parsed.rows.map((row) => row.item)).toEqual([{ out_order_no: 'A1', reason: 'late' }]);
    });

    it('accepts exactly maxRows rows', () => {
      // Act
      const parsed = parse('out_order_no,reason\nA1,x\nA2,x\nA3,x\n', { maxRows: 3 });

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows).toHaveLength(3);
    });
  });

  describe('parseBatchFile: refused files', () => {
    it.each([
      { name: 'an empty file', text: '', problems: ['-: the file is empty'] },
      { name: 'a header without rows', text: 'out_order_no,reason\r\n', problems: ['-: the file has no rows'] },
      { name: 'a missing column', text: 'out_order_no\nA1\n', problems: ['1: header: missing column reason'] },
      {
        name: 'a file without a header',
        text: 'A1,late\n',
        problems: [
          '1: header: unknown column A1 (the columns are out_order_no, reason, service_id, appid)',
          '1: header: unknown column late (the columns are out_order_no, reason, service_id, appid)',
          '1: header: missing column out_order_no',
          '1: header: missing column reason',
        ],
      },
      { name: 'a column given twice', text: 'out_order_no,reason,reason\nA1,x,y\n', problems: ['1: header: column reason appears twice'] },
      { name: 'a row with a cell too many', text: 'out_order_no,reason\nA1,x,extra\n', problems: ['2: 3 cells where the header has 2'] },
      { name: 'a row with a cell too few', text: 'out_order_no,reason\nA1\n', problems: ['2: 1 cells where the header has 2'] },
      { name: 'an unclosed quote', text: 'out_order_no,reason\nA1,"late\n', problems: ['2: a quoted cell is not closed'] },
      { name: 'an invalid out_order_no', text: 'out_order_no,reason\nA 1,x\n', problems: ['2: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *'] },
      { name: 'an empty out_order_no', text: 'out_order_no,reason\n,x\n', problems: ['2: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *'] },
      { name: 'an empty reason', text: 'out_order_no,reason\nA1,\n', problems: ['2: INVALID_REASON: reason must be 1-50 characters'] },
      { name: 'a reason with an emoji', text: 'out_order_no,reason\nA1,ok 🚲\n', problems: ['2: INVALID_REASON: reason must not contain emoji or other 4-byte UTF-8 characters'] },
      { name: 'a reason of 51 characters', text: `out_order_no,reason\nA1,${'退'.repeat(51)}\n`, problems: ['2: INVALID_REASON: reason must be 1-50 characters'] },
      { name: 'a reason with an edge blank', text: 'out_order_no,reason\nA1," late"\n', problems: ['2: INVALID_REASON: reason must not start or end with a blank'] },
      {
        name: 'a reason with a carriage return (a line feed is text, a CR is not)',
        text: 'out_order_no,reason\r\nA1,"two\r\nlines"\r\n',
        problems: ['2: INVALID_REASON: reason must not contain control characters other than tab and line feed'],
      },
      { name: 'a service_id that is not digits', text: 'out_order_no,reason,service_id\nA1,x,12a\n', problems: ['2: INVALID_SERVICE_ID: service_id must be 1-32 digits'] },
      {
        name: 'the same out_order_no twice',
        text: 'out_order_no,reason\nA1,x\nA2,x\nA1,y\n',
        problems: ['4: out_order_no A1 is also on line 2'],
      },
      {
        name: 'the same out_order_no twice, one row otherwise invalid',
        text: 'out_order_no,reason\nA1,\nA1,y\n',
        problems: ['2: INVALID_REASON: reason must be 1-50 characters', '3: out_order_no A1 is also on line 2'],
      },
      {
        name: 'more rows than maxRows',
        text: 'out_order_no,reason\nA1,x\nA2,x\nA3,x\nA4,x\n',
        maxRows: 3,
        problems: ['-: 4 rows, more than the limit of 3 (batchMaxRows): split the file'],
      },
      { name: 'JSON Lines with a line that is not JSON', text: '{"out_order_no":"A1","reason":"x"}\n{oops\n', file: 'a.jsonl', problems: ['2: not valid JSON'] },
      { name: 'JSON Lines with an array', text: '["A1","x"]\n', file: 'a.jsonl', problems: ['1: not a JSON object'] },
      {
        name: 'JSON Lines with an unknown field',
        text: '{"out_order_no":"A1","reason":"x","mch_id":"1"}\n',
        file: 'a.jsonl',
        problems: ['1: unknown field mch_id (the fields are out_order_no, reason, service_id, appid)'],
      },
      { name: 'JSON Lines with a number', text: '{"out_order_no":12,"reason":"x"}\n', file: 'a.jsonl', problems: ['1: INVALID_OUT_ORDER_NO: out_order_no must be a JSON string'] },
    ])('refuses $name', ({ text, file, maxRows, problems }) => {
      // Act
      const found = problemsOf(text, { name: file ?? 'orders.csv', maxRows: maxRows ?? 100 });

      // Assess
      expect(found).toEqual(problems);
    });

    it('refuses a row without service_id when no default is configured, and accepts it when one is', () => {
      // Prepare
      const text = 'out_order_no,reason,service_id,appid\nA1,x,,wx1\nA2,x,123,wx1\n';

      // Act
      const without = problemsOf(text, { defaults: {} });
      const withDefault = problemsOf(text, { defaults: { serviceId: '1', appid: 'wx1' } });

      // Assess
      expect(without).toEqual(['2: MISSING_SERVICE_ID: service_id is required (the function has no WECHATPAY_SERVICE_ID default)']);
      expect(withDefault).toEqual([]);
      expect(parse(text, NO_DEFAULTS).rows.map((r) => r.line)).toEqual([3]);
    });

    it('names every line that is not UTF-8', () => {
      // Prepare
      const good = bytes('out_order_no,reason\nA1,x\n');
      const file = new Uint8Array([...good, 0x41, 0x32, 0x2c, 0xff, 0x0a, ...bytes('A3,y\n'), 0xc3, 0x28, 0x0a]);

      // Act
      const parsed = parseBatchFile(file, WITH_DEFAULTS);

      // Assess
      expect(parsed.problems).toEqual([
        { line: 3, message: 'not valid UTF-8 (save the file as UTF-8)' },
        { line: 5, message: 'not valid UTF-8 (save the file as UTF-8)' },
      ]);
      expect(parsed.rows).toEqual([]);
    });

    it('lists every bad row, in line order, problems of the whole file first', () => {
      // Act
      const found = problemsOf('out_order_no,reason\nA 1,x\nA2,\nA3,ok\nA3,ok\n', { maxRows: 2 });

      // Assess
      expect(found).toEqual([
        '-: 4 rows, more than the limit of 2 (batchMaxRows): split the file',
        '2: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
        '3: INVALID_REASON: reason must be 1-50 characters',
        '5: out_order_no A3 is also on line 4',
      ]);
    });
  });

  describe('describeProblems', () => {
    it('writes one line per problem, cut at the limit with the rest counted', () => {
      // Prepare
      const problems = [{ message: 'the file has no rows' }, { line: 2, message: 'a' }, { line: 3, message: 'b' }];

      // Act, Assess
      expect(describeProblems(problems)).toBe('the file has no rows\nline 2: a\nline 3: b');
      expect(describeProblems(problems, 2)).toBe('the file has no rows\nline 2: a\n... and 1 more');
    });
  });

  describe('parseBatchFile: properties', () => {
    /** A reason the contract accepts, now and then with a line feed or a tab inside (CONTRACT.md allows both). */
    const reason = fc.oneof(
      { weight: 3, arbitrary: validReason },
      { weight: 1, arbitrary: fc.tuple(validReason, fc.constantFrom('\n', '\t', '\n\n'), validReason).map(([a, inner, b]) => `${a}${inner}${b}`).filter((r) => [...r].length <= 50) },
    );
    /** A valid row, each optional field present or blank (empty or blanks). */
    const row = fc.record({
      out_order_no: validOutOrderNo,
      reason,
      service_id: fc.option(validServiceId, { nil: undefined }),
      appid: fc.option(validAppid, { nil: undefined }),
      blank: fc.constantFrom('', ' ', '  '),
    });
    const rows = fc.uniqueArray(row, { minLength: 1, maxLength: 25, selector: (r) => r.out_order_no });
    const layout = fc.record({
      bom: fc.boolean(),
      eol: fc.constantFrom('\r\n', '\n'),
      quoteAll: fc.boolean(),
      finalEol: fc.boolean(),
      order: fc.shuffledSubarray(['out_order_no', 'reason', 'service_id', 'appid'] as const, { minLength: 4, maxLength: 4 }),
    });
    const expected = (r: { out_order_no: string; reason: string; service_id?: string | undefined; appid?: string | undefined }): BatchItem => ({
      out_order_no: r.out_order_no,
      reason: r.reason,
      ...(r.service_id === undefined ? {} : { service_id: r.service_id }),
      ...(r.appid === undefined ? {} : { appid: r.appid }),
    });
    type Row = { out_order_no: string; reason: string; service_id?: string | undefined; appid?: string | undefined; blank: string };
    type Layout = { bom: boolean; eol: string; quoteAll: boolean; finalEol: boolean; order: ('out_order_no' | 'reason' | 'service_id' | 'appid')[] };
    /** The line each row starts on: after the header, moved by the line feeds of the rows before it. */
    const linesOf = (items: Row[]): number[] =>
      items.map((_, index) => 2 + index + items.slice(0, index).reduce((sum, r) => sum + (r.reason.match(/\n/g) ?? []).length, 0));
    const csvOf = (items: Row[], l: Layout): string => {
      const cell = (value: string): string => (l.quoteAll ? `"${value.replaceAll('"', '""')}"` : formatCell(value));
      const lines = [l.order.join(','), ...items.map((r) => l.order.map((column) => cell(r[column] ?? r.blank)).join(','))];
      return `${l.bom ? '\uFEFF' : ''}${lines.join(l.eol)}${l.finalEol ? l.eol : ''}`;
    };

    it('reads back every valid row of any CSV layout: BOM, CRLF or LF, quoting, column order, blank optional cells', () => {
      // Act, Assess
      fc.assert(
        fc.property(rows, layout, (items, l) => {
          const parsed = parse(csvOf(items, l));
          expect(parsed.problems).toEqual([]);
          expect(parsed.rows.map((r) => r.item)).toEqual(items.map(expected));
          expect(parsed.rows.map((r) => r.line)).toEqual(linesOf(items));
        }),
        { seed: 4_180, numRuns: 200 },
      );
    });

    it('reads back every valid row as JSON Lines', () => {
      // Act, Assess
      fc.assert(
        fc.property(rows, fc.boolean(), (items, bom) => {
          const text = `${bom ? '\uFEFF' : ''}${items.map((r) => JSON.stringify({ ...expected(r), ...(r.service_id === undefined ? { service_id: null } : {}) })).join('\n')}\n`;
          const parsed = parse(text, { name: 'orders.jsonl' });
          expect(parsed.problems).toEqual([]);
          expect(parsed.rows.map((r) => r.item)).toEqual(items.map(expected));
        }),
        { seed: 7_464, numRuns: 200 },
      );
    });

    it('refuses a file with one bad row, naming that row\'s line and only it', () => {
      // Prepare: a reason with an emoji, an edge blank, or 51 characters, in one random row.
      const bad = fc.constantFrom('坏了🚲', ' 坏了', '退'.repeat(51));

      // Act, Assess
      fc.assert(
        fc.property(rows, layout, fc.nat(), bad, (items, l, pick, reason) => {
          const index = pick % items.length;
          const broken = items.map((r, i) => (i === index ? { ...r, reason } : r));
          const parsed = parse(csvOf(broken, l));
          expect(parsed.problems.map((problem) => problem.line)).toEqual([linesOf(broken)[index]]);
          expect(parsed.problems[0]?.message).toMatch(/^INVALID_REASON: /);
        }),
        { seed: 1_128, numRuns: 200 },
      );
    });
  });

  describe('detectFormat', () => {
    it.each([
      { name: 'orders.csv', text: '{"out_order_no":"A1"}', format: 'csv' },
      { name: 'ORDERS.CSV', text: '{"out_order_no":"A1"}', format: 'csv' },
      { name: 'orders.jsonl', text: 'out_order_no,reason', format: 'jsonl' },
      { name: 'orders.ndjson', text: 'out_order_no,reason', format: 'jsonl' },
      { name: 'Orders.NDJSON', text: 'out_order_no,reason', format: 'jsonl' },
      { name: 'orders.txt', text: 'out_order_no,reason', format: 'csv' },
      { name: 'orders', text: '{"out_order_no":"A1"}', format: 'jsonl' },
      { name: 'orders', text: ' \r\n\t{"out_order_no":"A1"}', format: 'jsonl' },
      { name: 'orders', text: 'reason,{', format: 'csv' },
      { name: 'orders', text: '', format: 'csv' },
    ])('takes $name with $text as $format: the extension decides, else a leading {', ({ name, text, format }) => {
      // Act
      const detected = detectFormat(name, text);

      // Assess
      expect(detected).toBe(format);
    });
  });

  describe('parseBatchFile: edge rules', () => {
    it('reads a CSV file whose name has no known extension as CSV', () => {
      // Act
      const parsed = parse('out_order_no,reason\nA1,x\n', { name: 'inputs/orders' });

      // Assess
      expect(parsed.format).toBe('csv');
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows).toEqual([{ line: 2, item: { out_order_no: 'A1', reason: 'x' } }]);
    });

    it('reads a file that starts with a byte order mark written twice', () => {
      // Prepare
      const text = '\uFEFF\uFEFF{"out_order_no":"A1","reason":"x"}\n';

      // Act
      const parsed = parse(text, { name: 'orders.jsonl' });

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows).toEqual([{ line: 1, item: { out_order_no: 'A1', reason: 'x' } }]);
    });

    it('names the last line as not UTF-8 when the bad byte ends a file without a final line feed', () => {
      // Prepare
      const file = new Uint8Array([...bytes('out_order_no,reason\nA1,x\n'), 0x41, 0x32, 0x2c, 0xff]);

      // Act
      const parsed = parseBatchFile(file, WITH_DEFAULTS);

      // Assess
      expect(parsed).toEqual({ format: 'csv', rows: [], problems: [{ line: 3, message: 'not valid UTF-8 (save the file as UTF-8)' }] });
    });

    it('gives an item only the fields its row has, blank optional cells left out', () => {
      // Act
      const parsed = parse('out_order_no,reason,service_id,appid\nA1,x,,\nA2,x,123,\n');

      // Assess
      expect(parsed.rows.map((row) => Object.keys(row.item))).toEqual([
        ['out_order_no', 'reason'],
        ['out_order_no', 'reason', 'service_id'],
      ]);
    });

    it('ignores blanks around the header\'s column names', () => {
      // Act
      const parsed = parse(' out_order_no , reason\nA1,x\n');

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows).toEqual([{ line: 2, item: { out_order_no: 'A1', reason: 'x' } }]);
    });

    it.each([
      { name: 'a header with an unclosed quote', text: '"out_order_no,reason\nA1,x\n', problems: ['1: header: a quoted cell is not closed'] },
      {
        name: 'a header with an empty column',
        text: 'out_order_no,reason,\nA1,x,\n',
        problems: ['1: header: unknown column (empty) (the columns are out_order_no, reason, service_id, appid)'],
      },
      {
        name: 'a header with two empty columns',
        text: 'out_order_no,reason,,\nA1,x,,\n',
        problems: [
          '1: header: column (empty) appears twice',
          '1: header: unknown column (empty) (the columns are out_order_no, reason, service_id, appid)',
          '1: header: unknown column (empty) (the columns are out_order_no, reason, service_id, appid)',
        ],
      },
      {
        name: 'a malformed out_order_no twice, without echoing it',
        text: 'out_order_no,reason\nA 1,x\nA 1,y\n',
        problems: [
          '2: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
          '3: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
          '3: out_order_no is also on line 2',
        ],
      },
      {
        name: 'an empty out_order_no twice, without calling it a duplicate',
        text: 'out_order_no,reason\n,x\n,y\n',
        problems: [
          '2: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
          '3: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
        ],
      },
      {
        name: 'a duplicate before other bad rows, in line order',
        text: 'out_order_no,reason\nA1,x\nA1,y\nB 1,z\nB2,\n',
        problems: [
          '3: out_order_no A1 is also on line 2',
          '4: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *',
          '5: INVALID_REASON: reason must be 1-50 characters',
        ],
      },
      { name: 'JSON Lines of only blank lines, as empty', text: '\n  \n\t\n', file: 'a.jsonl', problems: ['-: the file is empty'] },
      {
        name: 'JSON Lines with values that are not objects',
        text: '42\nnull\n"A1"\ntrue\n',
        file: 'a.jsonl',
        problems: ['1: not a JSON object', '2: not a JSON object', '3: not a JSON object', '4: not a JSON object'],
      },
      {
        name: 'JSON Lines with two unknown fields, naming both',
        text: '{"out_order_no":"A1","reason":"x","mch_id":"1","sub_mchid":"2"}\n',
        file: 'a.jsonl',
        problems: ['1: unknown field mch_id, sub_mchid (the fields are out_order_no, reason, service_id, appid)'],
      },
      {
        name: 'JSON Lines with an optional field that is a number, not blank',
        text: '{"out_order_no":"A1","reason":"x","service_id":123}\n',
        file: 'a.jsonl',
        problems: ['1: INVALID_SERVICE_ID: service_id must be a JSON string'],
      },
      {
        name: 'JSON Lines with the same out_order_no twice, in line order',
        text: '{"out_order_no":"A1","reason":"x"}\n{"out_order_no":"A1","reason":"y"}\n{"out_order_no":"B 1","reason":"z"}\n',
        file: 'a.jsonl',
        problems: ['2: out_order_no A1 is also on line 1', '3: INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *'],
      },
      {
        name: 'JSON Lines with the same number or no out_order_no twice, without calling them duplicates',
        text: '{"reason":"x"}\n{"reason":"y"}\n{"out_order_no":12,"reason":"x"}\n{"out_order_no":12,"reason":"x"}\n',
        file: 'a.jsonl',
        problems: [
          '1: MISSING_OUT_ORDER_NO: out_order_no is required',
          '2: MISSING_OUT_ORDER_NO: out_order_no is required',
          '3: INVALID_OUT_ORDER_NO: out_order_no must be a JSON string',
          '4: INVALID_OUT_ORDER_NO: out_order_no must be a JSON string',
        ],
      },
      {
        name: 'JSON Lines with more rows than maxRows, blank lines not counted',
        text: '{"out_order_no":"A1","reason":"x"}\n  \n{"out_order_no":"A2","reason":"x"}\n{"out_order_no":"A3","reason":"x"}\n',
        file: 'a.jsonl',
        maxRows: 2,
        problems: ['-: 3 rows, more than the limit of 2 (batchMaxRows): split the file'],
      },
    ])('refuses $name', ({ text, file, maxRows, problems }) => {
      // Act
      const found = problemsOf(text, { name: file ?? 'orders.csv', maxRows: maxRows ?? 100 });

      // Assess
      expect(found).toEqual(problems);
    });

    it('accepts JSON Lines with blank lines, as many rows as maxRows', () => {
      // Act
      const parsed = parse('{"out_order_no":"A1","reason":"x"}\n \t \n{"out_order_no":"A2","reason":"x"}\n', { name: 'a.jsonl', maxRows: 2 });

      // Assess
      expect(parsed.problems).toEqual([]);
      expect(parsed.rows.map((row) => row.line)).toEqual([1, 3]);
    });
  });
});
