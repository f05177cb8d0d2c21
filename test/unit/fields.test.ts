import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../lib/command.js';
import { readConfig } from '../../lib/config.js';
import { COMMAND_FIELDS, FIELD_RULES, REASON_MAX_CHARS, reasonProblem } from '../../lib/fields.js';

const VALID = {
  out_order_no: '1234323JKHDFE1243252',
  reason: '用户投诉',
  service_id: '2002000000000558128851361561536',
  appid: 'wxd678efh567hg6787',
};

/** The rule column of CONTRACT.md's request table, per field. */
const contractRules = (): Map<string, string> => {
  const text = readFileSync(new URL('../../docs/CONTRACT.md', import.meta.url), 'utf8');
  const rows = [...text.matchAll(/^\| `([a-z_]+)` \| [^|\n]+ \| (.+) \|$/gm)];
  return new Map(rows.map(([, field, rule]) => [field ?? '', rule ?? '']));
};

/** A CONTRACT.md rule in the words of the code: `chars` spelled out, no backticks or table escapes. */
const spelledOut = (rule: string): string => rule.replaceAll('`', '').replaceAll('\\|', '|').replace(/\bchars\b/, 'characters');

/** What a call threw; fails the test when it throws nothing. */
const messageThrownBy = (act: () => unknown): string => {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
};

describe('fields', () => {
  describe('COMMAND_FIELDS', () => {
    it('names the four fields of the command, as CONTRACT.md does', () => {
      // Assess
      expect([...COMMAND_FIELDS].sort()).toEqual([...contractRules().keys()].sort());
    });
  });

  describe('FIELD_RULES', () => {
    it.each([
      { field: 'out_order_no', name: 'the spec example', value: '1234323JKHDFE1243252', accepted: true },
      { field: 'out_order_no', name: 'every allowed kind of character', value: 'Az09_-|*', accepted: true },
      { field: 'out_order_no', name: '32 characters', value: 'x'.repeat(32), accepted: true },
      { field: 'out_order_no', name: '33 characters', value: 'x'.repeat(33), accepted: false },
      { field: 'out_order_no', name: 'the empty string', value: '', accepted: false },
      { field: 'out_order_no', name: 'a dot', value: 'A.1', accepted: false },
      { field: 'out_order_no', name: 'a percent sign', value: 'A%7C1', accepted: false },
      { field: 'out_order_no', name: 'a line break (log injection)', value: 'A\n1', accepted: false },
      { field: 'service_id', name: 'the spec example', value: '2002000000000558128851361561536', accepted: true },
      { field: 'service_id', name: '33 digits', value: '9'.repeat(33), accepted: false },
      { field: 'service_id', name: 'a letter', value: '12a', accepted: false },
      { field: 'service_id', name: 'full-width digits', value: '\uFF11\uFF12', accepted: false },
      { field: 'appid', name: 'the spec example', value: 'wxd678efh567hg6787', accepted: true },
      { field: 'appid', name: '32 characters', value: 'w'.repeat(32), accepted: true },
      { field: 'appid', name: '33 characters', value: 'w'.repeat(33), accepted: false },
      { field: 'appid', name: 'a space', value: 'wx 1', accepted: false },
      { field: 'appid', name: 'a less-than sign', value: 'wx<1', accepted: false },
      { field: 'appid', name: 'an emoji', value: 'wx\u{1F600}', accepted: false },
      { field: 'appid', name: 'a lone surrogate', value: 'wx\uD83D', accepted: false },
    ] as const)('tells whether $field may be $name: $accepted', ({ field, value, accepted }) => {
      // Act
      const matches = FIELD_RULES[field].pattern.test(value);

      // Assess
      expect(matches).toBe(accepted);
    });

    it.each(Object.keys(FIELD_RULES) as (keyof typeof FIELD_RULES)[])('states the %s rule as CONTRACT.md does, further limits after it', (field) => {
      // Prepare
      const contractRule = contractRules().get(field);

      // Assess
      expect(contractRule).toBeDefined();
      expect(FIELD_RULES[field].rule.startsWith(spelledOut(contractRule ?? ''))).toBe(true);
    });

    it.each([
      { field: 'appid', variable: 'WECHATPAY_APPID', bad: 'wx 1' },
      { field: 'service_id', variable: 'WECHATPAY_SERVICE_ID', bad: '12a' },
    ] as const)('is worded the same for the $variable default as for a request $field', ({ field, variable, bad }) => {
      // Act
      const fromConfig = messageThrownBy(() => readConfig({ WECHATPAY_SECRET_ID: 'id', [variable]: bad }));
      const fromRequest = messageThrownBy(() => parseCommand({ ...VALID, [field]: bad }, {}));

      // Assess
      expect(fromConfig).toBe(`CONFIG_INVALID: ${variable} must be ${FIELD_RULES[field].rule}`);
      expect(fromRequest).toBe(`INVALID_${field.toUpperCase()}: ${field} must be ${FIELD_RULES[field].rule}`);
    });
  });

  describe('reasonProblem', () => {
    it.each([
      { name: 'a Chinese reason', reason: '用户投诉', problem: undefined },
      { name: `${REASON_MAX_CHARS} characters`, reason: '退'.repeat(REASON_MAX_CHARS), problem: undefined },
      { name: 'one character too many', reason: '退'.repeat(REASON_MAX_CHARS + 1), problem: 'reason must be 1-50 characters' },
      { name: 'the empty string', reason: '', problem: 'reason must be 1-50 characters' },
      { name: 'an emoji', reason: 'ok 😀', problem: 'reason must not contain emoji or other 4-byte UTF-8 characters' },
      { name: 'a lone surrogate', reason: 'ok \uD83D', problem: 'reason must be well-formed Unicode text' },
      { name: 'a control character', reason: 'o\u0000k', problem: 'reason must not contain control characters other than tab and line feed' },
      { name: 'a line feed and a tab inside (text, per CONTRACT.md)', reason: '第一行\n第二行\t完', problem: undefined },
      { name: 'a trailing blank', reason: 'ok ', problem: 'reason must not start or end with a blank' },
      { name: 'a CDATA end', reason: 'a]]>b', problem: 'reason must not contain "]]>"' },
    ])('finds $name: $problem', ({ reason, problem }) => {
      // Act
      const found = reasonProblem(reason);

      // Assess
      expect(found).toBe(problem);
    });
  });
});
