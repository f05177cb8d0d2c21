import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCell, formatCsv, parseCsv } from '../../../lib/batch/csv.js';

describe('batch/csv', () => {
  describe('parseCsv', () => {
    it.each([
      { name: 'CRLF line ends', text: 'a,b\r\nc,d\r\n', records: [{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['c', 'd'] }] },
      { name: 'LF line ends', text: 'a,b\nc,d\n', records: [{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['c', 'd'] }] },
      { name: 'lone CR line ends', text: 'a,b\rc,d', records: [{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['c', 'd'] }] },
      { name: 'no final line end', text: 'a,b\r\nc,d', records: [{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['c', 'd'] }] },
      { name: 'a quoted comma', text: 'a,"b, c"\n', records: [{ line: 1, cells: ['a', 'b, c'] }] },
      { name: 'a doubled quote', text: '"say ""hi""",x\n', records: [{ line: 1, cells: ['say "hi"', 'x'] }] },
      { name: 'an empty quoted cell', text: 'a,"",c\n', records: [{ line: 1, cells: ['a', '', 'c'] }] },
      { name: 'empty cells', text: 'a,,\n', records: [{ line: 1, cells: ['a', '', ''] }] },
      { name: 'an empty first cell before others (no blank line)', text: ',x\r\n', records: [{ line: 1, cells: ['', 'x'] }] },
      { name: 'a lone quote, never closed (a problem, not a blank line)', text: '"', records: [{ line: 1, cells: [''], problem: 'a quoted cell is not closed' }] },
      {
        name: 'a line break inside quotes, which moves the next record\'s line',
        text: 'h1,h2\r\n"two\r\nlines",x\r\nnext,y\r\n',
        records: [{ line: 1, cells: ['h1', 'h2'] }, { line: 2, cells: ['two\r\nlines', 'x'] }, { line: 4, cells: ['next', 'y'] }],
      },
      { name: 'blank lines, skipped but counted', text: 'a,b\n\n\nc,d\n\n', records: [{ line: 1, cells: ['a', 'b'] }, { line: 4, cells: ['c', 'd'] }] },
      { name: 'Chinese text', text: 'out_order_no,reason\nA1,用户投诉\n', records: [{ line: 1, cells: ['out_order_no', 'reason'] }, { line: 2, cells: ['A1', '用户投诉'] }] },
      { name: 'nothing', text: '', records: [] },
    ])('reads $name', ({ text, records }) => {
      // Act
      const parsed = parseCsv(text);

      // Assess
      expect(parsed).toEqual(records);
    });

    it.each([
      { name: 'an unclosed quote', text: 'a,b\n"open,c\nd,e\n', line: 2, problem: 'a quoted cell is not closed' },
      { name: 'a quote inside an unquoted cell', text: 'a,b\nc"d,e\n', line: 2, problem: 'a quote inside a cell that does not start with one' },
      { name: 'text after a closing quote', text: 'a,b\n"c"d,e\n', line: 2, problem: 'text after the closing quote of a cell' },
    ])('marks $name as a problem of its record', ({ text, line, problem }) => {
      // Act
      const parsed = parseCsv(text);

      // Assess
      const bad = parsed.filter((record) => record.problem !== undefined);
      expect(bad).toHaveLength(1);
      expect(bad[0]?.line).toBe(line);
      expect(bad[0]?.problem).toContain(problem);
      expect(parsed[0]).toEqual({ line: 1, cells: ['a', 'b'] });
    });
  });

  describe('formatCsv', () => {
    it.each([
      { value: 'plain', cell: 'plain' },
      { value: 'a,b', cell: '"a,b"' },
      { value: 'say "hi"', cell: '"say ""hi"""' },
      { value: 'two\nlines', cell: '"two\nlines"' },
      { value: ' edge', cell: '" edge"' },
      { value: 'edge ', cell: '"edge "' },
      { value: 'the order is finished', cell: 'the order is finished' },
      { value: '', cell: '' },
      { value: '用户投诉', cell: '用户投诉' },
    ])('writes $value as $cell', ({ value, cell }) => {
      // Assess
      expect(formatCell(value)).toBe(cell);
    });

    it('ends every line with CRLF', () => {
      // Act
      const text = formatCsv([['a', 'b'], ['c', 'd']]);

      // Assess
      expect(text).toBe('a,b\r\nc,d\r\n');
    });

    it('reads back exactly what it wrote, for any cells', () => {
      // Prepare
      const cell = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ',', '"', '\r', '\n', ' ', '用', '|', '\u3000'), maxLength: 12 });
      const table = fc.integer({ min: 1, max: 4 }).chain((width) =>
        fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }),
      );

      // Act, Assess: a record of one empty cell is an empty line, which the reader skips.
      fc.assert(
        fc.property(table, (rows) => {
          const expected = rows.filter((row) => !(row.length === 1 && row[0] === ''));
          expect(parseCsv(formatCsv(rows)).map((record) => record.cells)).toEqual(expected);
        }),
        { seed: 20_261_128, numRuns: 300 },
      );
    });
  });
});
