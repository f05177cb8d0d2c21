import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../lib/command.js';
import { ConfigError, ValidationError } from '../../lib/errors.js';

const VALID = {
  out_order_no: '1234323JKHDFE1243252',
  reason: '用户投诉',
  service_id: '2002000000000558128851361561536',
  appid: 'wxd678efh567hg6787',
};
const NO_DEFAULTS = {};

/** Runs `act` and returns what it threw; fails the test when it throws nothing. */
const thrownBy = (act: () => unknown): Error => {
  try {
    act();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error('a non-Error was thrown');
  }
  throw new Error('nothing was thrown');
};

describe('command', () => {
  describe('parseCommand', () => {
    it('returns exactly the four fields of a valid command, frozen', () => {
      // Prepare
      const raw = { ...VALID, mch_id: '1230000109', sign: 'ABC', nonce_str: 'x', extra: { nested: true } };

      // Act
      const command = parseCommand(raw, NO_DEFAULTS);

      // Assess
      expect(command).toStrictEqual(VALID);
      expect(Object.keys(command).sort()).toEqual(['appid', 'out_order_no', 'reason', 'service_id']);
      expect(Object.getPrototypeOf(command)).toBe(Object.prototype);
      expect(Object.isFrozen(command)).toBe(true);
    });

    it.each([
      { name: 'null', raw: null },
      { name: 'undefined', raw: undefined },
      { name: 'an array', raw: [VALID] },
      { name: 'a JSON string', raw: JSON.stringify(VALID) },
      { name: 'a number', raw: 42 },
      { name: 'a Date', raw: new Date(0) },
      { name: 'an object whose fields are inherited', raw: Object.create(VALID) as unknown },
    ])('rejects $name as INVALID_REQUEST', ({ raw }) => {
      // Act
      const error = thrownBy(() => parseCommand(raw, NO_DEFAULTS));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ name: 'ValidationError', code: 'INVALID_REQUEST' });
      expect(error.message).toMatch(/^INVALID_REQUEST: /);
    });

    it('accepts an object without a prototype', () => {
      // Prepare
      const raw = Object.assign(Object.create(null) as Record<string, unknown>, VALID);

      // Act
      const command = parseCommand(raw, NO_DEFAULTS);

      // Assess
      expect(command).toStrictEqual(VALID);
    });

    it('never reads __proto__ from parsed JSON and pollutes nothing', () => {
      // Prepare
      const raw: unknown = JSON.parse(
        '{"__proto__":{"reason":"polluted","appid":"wxpolluted"},"out_order_no":"A1","service_id":"1","appid":"wx1"}',
      );

      // Act
      const error = thrownBy(() => parseCommand(raw, NO_DEFAULTS));

      // Assess
      expect(error).toMatchObject({ name: 'ValidationError', code: 'MISSING_REASON' });
      expect(({} as Record<string, unknown>).reason).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('reason');
    });

    it('drops a parsed __proto__ key from the command', () => {
      // Prepare
      const raw: unknown = JSON.parse(`{"__proto__":{"mch_id":"1"},${JSON.stringify(VALID).slice(1)}`);

      // Act
      const command = parseCommand(raw, NO_DEFAULTS);

      // Assess
      expect(command).toStrictEqual(VALID);
      expect(Object.hasOwn(command, '__proto__')).toBe(false);
    });

    it.each([
      { name: 'reason', raw: { out_order_no: 'A1', service_id: '1', appid: 'wx1' }, code: 'MISSING_REASON' },
      { name: 'appid', raw: { out_order_no: 'A1', reason: 'r', service_id: '1' }, code: 'MISSING_APPID' },
    ])('ignores a $name polluted onto Object.prototype', ({ name, raw, code }) => {
      // Prepare
      Object.defineProperty(Object.prototype, name, { value: 'polluted', configurable: true, enumerable: false });

      // Act
      let error: Error;
      try {
        error = thrownBy(() => parseCommand(raw, NO_DEFAULTS));
      } finally {
        Reflect.deleteProperty(Object.prototype, name);
      }

      // Assess
      expect(error).toMatchObject({ name: 'ValidationError', code });
    });

    describe('out_order_no', () => {
      it.each([
        { name: 'one character', value: 'A' },
        { name: '32 characters', value: 'A'.repeat(32) },
        { name: 'every allowed symbol', value: 'az_AZ-09|*' },
      ])('accepts $name', ({ value }) => {
        // Act
        const command = parseCommand({ ...VALID, out_order_no: value }, NO_DEFAULTS);

        // Assess
        expect(command.out_order_no).toBe(value);
      });

      it.each([
        { name: 'absence', value: undefined, code: 'MISSING_OUT_ORDER_NO' },
        { name: 'the empty string', value: '', code: 'INVALID_OUT_ORDER_NO' },
        { name: '33 characters', value: 'A'.repeat(33), code: 'INVALID_OUT_ORDER_NO' },
        { name: 'a space', value: 'A 1', code: 'INVALID_OUT_ORDER_NO' },
        { name: 'a dot', value: 'A.1', code: 'INVALID_OUT_ORDER_NO' },
        { name: 'a slash', value: 'A/1', code: 'INVALID_OUT_ORDER_NO' },
        { name: 'a trailing newline', value: 'A1\n', code: 'INVALID_OUT_ORDER_NO' },
        { name: 'full-width digits', value: '１２３', code: 'INVALID_OUT_ORDER_NO' },
        { name: 'a number', value: 1234323, code: 'INVALID_OUT_ORDER_NO' },
        { name: 'null', value: null, code: 'INVALID_OUT_ORDER_NO' },
        { name: 'an array', value: ['A1'], code: 'INVALID_OUT_ORDER_NO' },
      ])('rejects $name as $code', ({ value, code }) => {
        // Prepare
        const raw: Record<string, unknown> = { ...VALID, out_order_no: value };
        if (value === undefined) delete raw.out_order_no;

        // Act
        const error = thrownBy(() => parseCommand(raw, NO_DEFAULTS));

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code });
        expect(error.message.startsWith(`${code}: `)).toBe(true);
      });

      it('says that a number must be a JSON string', () => {
        // Act
        const error = thrownBy(() => parseCommand({ ...VALID, out_order_no: 1234323 }, NO_DEFAULTS));

        // Assess
        expect(error.message).toBe('INVALID_OUT_ORDER_NO: out_order_no must be a JSON string');
      });
    });

    describe('reason', () => {
      it.each([
        { name: 'one character', value: 'x' },
        { name: '50 ASCII characters', value: 'x'.repeat(50) },
        { name: '50 CJK characters (150 UTF-8 bytes)', value: '退'.repeat(50) },
        { name: 'inner blanks', value: 'user changed\u3000their mind' },
        { name: 'XML-special characters', value: `<a href="x">&'</a>` },
        { name: 'the largest 3-byte character', value: '\uFFFD' },
        { name: 'a line feed and a tab inside (text in XML 1.0)', value: '第一行\n第二行\t完' },
      ])('accepts $name', ({ value }) => {
        // Act
        const command = parseCommand({ ...VALID, reason: value }, NO_DEFAULTS);

        // Assess
        expect(command.reason).toBe(value);
      });

      it.each([
        { name: 'absence', value: undefined, code: 'MISSING_REASON', rule: /required/ },
        { name: 'the empty string', value: '', code: 'INVALID_REASON', rule: /1-50 characters/ },
        { name: '51 ASCII characters', value: 'x'.repeat(51), code: 'INVALID_REASON', rule: /1-50 characters/ },
        { name: '51 CJK characters', value: '退'.repeat(51), code: 'INVALID_REASON', rule: /1-50 characters/ },
        { name: 'an emoji', value: 'ok 😀', code: 'INVALID_REASON', rule: /4-byte/ },
        { name: '49 characters and an emoji', value: `${'x'.repeat(49)}😀`, code: 'INVALID_REASON', rule: /4-byte/ },
        { name: 'a CJK extension B character', value: '𠀀', code: 'INVALID_REASON', rule: /4-byte/ },
        { name: 'a lone high surrogate', value: 'ok \uD83D', code: 'INVALID_REASON', rule: /well-formed/ },
        { name: 'a lone low surrogate', value: '\uDE00 ok', code: 'INVALID_REASON', rule: /well-formed/ },
        { name: 'a leading space', value: ' ok', code: 'INVALID_REASON', rule: /blank/ },
        { name: 'a trailing space', value: 'ok ', code: 'INVALID_REASON', rule: /blank/ },
        { name: 'a leading full-width space', value: '\u3000退款', code: 'INVALID_REASON', rule: /blank/ },
        { name: 'a trailing full-width space', value: '退款\u3000', code: 'INVALID_REASON', rule: /blank/ },
        { name: 'a leading no-break space', value: '\u00A0ok', code: 'INVALID_REASON', rule: /blank/ },
        { name: 'only blanks', value: '   ', code: 'INVALID_REASON', rule: /blank/ },
        { name: 'a trailing tab', value: 'ok\t', code: 'INVALID_REASON', rule: /blank/ },
        { name: 'a carriage return (XML reads it back as a line feed)', value: 'line\r\nbreak', code: 'INVALID_REASON', rule: /control/ },
        { name: 'a NUL', value: 'o\u0000k', code: 'INVALID_REASON', rule: /control/ },
        { name: 'a DEL', value: 'o\u007Fk', code: 'INVALID_REASON', rule: /control/ },
        { name: 'a C1 control', value: 'o\u0085k', code: 'INVALID_REASON', rule: /control/ },
        { name: 'the noncharacter U+FFFE', value: 'o\uFFFEk', code: 'INVALID_REASON', rule: /control/ },
        { name: 'a CDATA end', value: 'a]]>b', code: 'INVALID_REASON', rule: /\]\]>/ },
        { name: 'a number', value: 42, code: 'INVALID_REASON', rule: /JSON string/ },
        { name: 'null', value: null, code: 'INVALID_REASON', rule: /JSON string/ },
      ])('rejects $name as $code', ({ value, code, rule }) => {
        // Prepare
        const raw: Record<string, unknown> = { ...VALID, reason: value };
        if (value === undefined) delete raw.reason;

        // Act
        const error = thrownBy(() => parseCommand(raw, NO_DEFAULTS));

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code });
        expect(error.message.startsWith(`${code}: `)).toBe(true);
        expect(error.message).toMatch(rule);
      });
    });

    describe('service_id', () => {
      it.each([
        { name: 'one digit', value: '1' },
        { name: '32 digits', value: '9'.repeat(32) },
      ])('accepts $name', ({ value }) => {
        // Act
        const command = parseCommand({ ...VALID, service_id: value }, NO_DEFAULTS);

        // Assess
        expect(command.service_id).toBe(value);
      });

      it.each([
        { name: 'absence without a default', value: undefined, code: 'MISSING_SERVICE_ID' },
        { name: 'the empty string', value: '', code: 'INVALID_SERVICE_ID' },
        { name: '33 digits', value: '9'.repeat(33), code: 'INVALID_SERVICE_ID' },
        { name: 'a letter', value: '12a', code: 'INVALID_SERVICE_ID' },
        { name: 'a leading space', value: ' 12', code: 'INVALID_SERVICE_ID' },
        { name: 'a sign', value: '-12', code: 'INVALID_SERVICE_ID' },
        { name: 'full-width digits', value: '１２', code: 'INVALID_SERVICE_ID' },
        { name: 'a number', value: 2002000000, code: 'INVALID_SERVICE_ID' },
      ])('rejects $name as $code', ({ value, code }) => {
        // Prepare
        const raw: Record<string, unknown> = { ...VALID, service_id: value };
        if (value === undefined) delete raw.service_id;

        // Act
        const error = thrownBy(() => parseCommand(raw, NO_DEFAULTS));

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code });
        expect(error.message.startsWith(`${code}: `)).toBe(true);
      });
    });

    describe('appid', () => {
      it.each([
        { name: 'a real appid', value: 'wxd678efh567hg6787' },
        { name: 'one character', value: 'w' },
        { name: '32 characters', value: 'w'.repeat(32) },
      ])('accepts $name', ({ value }) => {
        // Act
        const command = parseCommand({ ...VALID, appid: value }, NO_DEFAULTS);

        // Assess
        expect(command.appid).toBe(value);
      });

      it.each([
        { name: 'absence without a default', value: undefined, code: 'MISSING_APPID' },
        { name: 'the empty string', value: '', code: 'INVALID_APPID' },
        { name: '33 characters', value: 'w'.repeat(33), code: 'INVALID_APPID' },
        { name: 'a space', value: 'wx 1', code: 'INVALID_APPID' },
        { name: 'a full-width space', value: 'wx\u30001', code: 'INVALID_APPID' },
        { name: 'a tab', value: 'wx\t1', code: 'INVALID_APPID' },
        { name: 'a control character', value: 'wx\u00011', code: 'INVALID_APPID' },
        { name: 'a less-than sign', value: 'wx<1', code: 'INVALID_APPID' },
        { name: 'a greater-than sign', value: 'wx>1', code: 'INVALID_APPID' },
        { name: 'an ampersand', value: 'wx&1', code: 'INVALID_APPID' },
        { name: 'an apostrophe', value: "wx'1", code: 'INVALID_APPID' },
        { name: 'a quotation mark', value: 'wx"1', code: 'INVALID_APPID' },
        { name: 'an emoji', value: 'wx😀', code: 'INVALID_APPID' },
        { name: 'a lone surrogate', value: 'wx\uD83D', code: 'INVALID_APPID' },
        { name: 'a number', value: 12345, code: 'INVALID_APPID' },
        { name: 'an object', value: { id: 'wx1' }, code: 'INVALID_APPID' },
      ])('rejects $name as $code', ({ value, code }) => {
        // Prepare
        const raw: Record<string, unknown> = { ...VALID, appid: value };
        if (value === undefined) delete raw.appid;

        // Act
        const error = thrownBy(() => parseCommand(raw, NO_DEFAULTS));

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code });
        expect(error.message.startsWith(`${code}: `)).toBe(true);
      });
    });

    describe('defaults', () => {
      const DEFAULTS = { appid: 'wxdefault0000000001', serviceId: '1000000000000000001' };
      const { service_id: _serviceId, appid: _appid, ...WITHOUT_DEFAULTED } = VALID;

      it.each([
        {
          name: 'applies both defaults when the request carries neither',
          raw: WITHOUT_DEFAULTED,
          expected: { service_id: DEFAULTS.serviceId, appid: DEFAULTS.appid },
        },
        {
          name: 'prefers the request values to the defaults',
          raw: VALID,
          expected: { service_id: VALID.service_id, appid: VALID.appid },
        },
        {
          name: 'mixes a request service_id with the default appid',
          raw: { ...WITHOUT_DEFAULTED, service_id: '77' },
          expected: { service_id: '77', appid: DEFAULTS.appid },
        },
        {
          name: 'mixes the default service_id with a request appid',
          raw: { ...WITHOUT_DEFAULTED, appid: 'wxrequest' },
          expected: { service_id: DEFAULTS.serviceId, appid: 'wxrequest' },
        },
      ])('$name', ({ raw, expected }) => {
        // Act
        const command = parseCommand(raw, DEFAULTS);

        // Assess
        expect(command).toStrictEqual({ out_order_no: VALID.out_order_no, reason: VALID.reason, ...expected });
      });

      it.each([
        { name: 'an empty service_id', field: 'service_id', code: 'INVALID_SERVICE_ID' },
        { name: 'an empty appid', field: 'appid', code: 'INVALID_APPID' },
      ])('rejects $name instead of falling back to the default', ({ field, code }) => {
        // Act
        const error = thrownBy(() => parseCommand({ ...VALID, [field]: '' }, DEFAULTS));

        // Assess
        expect(error).toMatchObject({ name: 'ValidationError', code });
      });

      it.each([
        {
          name: 'service_id',
          raw: { ...WITHOUT_DEFAULTED, appid: VALID.appid },
          defaults: { serviceId: 'abc' },
          variable: 'WECHATPAY_SERVICE_ID',
        },
        {
          name: 'appid',
          raw: { ...WITHOUT_DEFAULTED, service_id: VALID.service_id },
          defaults: { appid: 'wx<bad>' },
          variable: 'WECHATPAY_APPID',
        },
      ])('reports a malformed $name default that is needed as a ConfigError', ({ raw, defaults, variable }) => {
        // Act
        const error = thrownBy(() => parseCommand(raw, defaults));

        // Assess
        expect(error).toBeInstanceOf(ConfigError);
        expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
        expect(error.message).toContain(variable);
      });

      it('ignores a malformed default when the request carries the field', () => {
        // Act
        const command = parseCommand(VALID, { appid: 'wx<bad>', serviceId: 'abc' });

        // Assess
        expect(command).toStrictEqual(VALID);
      });
    });

    it.each([
      { name: 'a request that is no object', raw: [VALID], defaults: NO_DEFAULTS, message: 'INVALID_REQUEST: the request must be a JSON object' },
      { name: 'a missing out_order_no', raw: { reason: 'x' }, defaults: NO_DEFAULTS, message: 'MISSING_OUT_ORDER_NO: out_order_no is required' },
      { name: 'a malformed out_order_no', raw: { ...VALID, out_order_no: 'a b' }, defaults: NO_DEFAULTS, message: 'INVALID_OUT_ORDER_NO: out_order_no must be 1-32 characters of 0-9 A-Z a-z _ - | *' },
      { name: 'a missing reason', raw: { out_order_no: VALID.out_order_no }, defaults: NO_DEFAULTS, message: 'MISSING_REASON: reason is required' },
      {
        name: 'a missing service_id without a default',
        raw: { out_order_no: VALID.out_order_no, reason: 'x' },
        defaults: NO_DEFAULTS,
        message: 'MISSING_SERVICE_ID: service_id is required (the function has no WECHATPAY_SERVICE_ID default)',
      },
      {
        name: 'a missing appid without a default',
        raw: { out_order_no: VALID.out_order_no, reason: 'x', service_id: VALID.service_id },
        defaults: NO_DEFAULTS,
        message: 'MISSING_APPID: appid is required (the function has no WECHATPAY_APPID default)',
      },
    ])('states the broken rule for $name in the message', ({ raw, defaults, message }) => {
      // Act
      const error = thrownBy(() => parseCommand(raw, defaults));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toBe(message);
    });

    it.each([
      { name: 'out_order_no', value: 'LEAKMARKER'.repeat(4) },
      { name: 'reason', value: `LEAKMARKER ${'x'.repeat(60)}` },
      { name: 'service_id', value: `LEAKMARKER${'1'.repeat(40)}` },
      { name: 'appid', value: `LEAKMARKER<${'w'.repeat(40)}` },
    ])('never echoes a rejected $name in the message', ({ name, value }) => {
      // Act
      const error = thrownBy(() => parseCommand({ ...VALID, [name]: value }, NO_DEFAULTS));

      // Assess
      expect(error).toMatchObject({ name: 'ValidationError', code: `INVALID_${name.toUpperCase()}` });
      expect(error.message).not.toContain('LEAKMARKER');
    });
  });
});
