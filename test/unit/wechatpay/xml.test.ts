import { describe, expect, it } from 'vitest';
import { TransientError, WechatPayError } from '../../../lib/errors.js';
import { fromXml, toXml } from '../../../lib/wechatpay/xml.js';

const catchError = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

const fieldsXml = (count: number): string =>
  `<xml>${Array.from({ length: count }, (_, i) => `<f${i}>${i}</f${i}>`).join('')}</xml>`;

describe('wechatpay/xml', () => {
  describe('toXml', () => {
    it('writes a root <xml> with plain text children and no declaration', () => {
      // Prepare
      const fields = { version: '1.0', reason: '用户投诉', empty: '' };

      // Act
      const xml = toXml(fields);

      // Assess
      expect(xml).toBe('<xml><version>1.0</version><reason>用户投诉</reason><empty></empty></xml>');
    });

    it.each([
      { name: 'less-than', value: 'a<b' },
      { name: 'greater-than', value: 'a>b' },
      { name: 'ampersand', value: 'a&b' },
      { name: 'apostrophe', value: "a'b" },
      { name: 'quotation mark', value: 'a"b' },
    ])('wraps a value with a $name in CDATA', ({ value }) => {
      // Act
      const xml = toXml({ reason: value });

      // Assess
      expect(xml).toBe(`<xml><reason><![CDATA[${value}]]></reason></xml>`);
    });

    it.each<{ name: string; fields: Record<string, string> }>([
      { name: 'a value containing "]]>"', fields: { reason: 'LEAK]]>b' } },
      { name: 'a name that is not an identifier', fields: { 'LEAK b': 'LEAK' } },
      { name: 'a name the builder reserves', fields: { '#text': 'LEAK' } },
      { name: 'an attribute-like name', fields: { '@_LEAK': 'LEAK' } },
    ])('refuses $name without quoting it', ({ fields }) => {
      // Act
      const error = catchError(() => toXml(fields));

      // Assess: neither the value nor the bad name reaches the message.
      expect(error).toBeInstanceOf(WechatPayError);
      expect((error as WechatPayError).code).toBe('XML_UNSAFE_FIELD');
      expect((error as WechatPayError).message).not.toContain('LEAK');
    });
  });

  describe('round trip', () => {
    it.each([
      { name: 'Chinese text', value: '用户投诉，撤销订单' },
      { name: 'all five special characters', value: `<a href='x'>"Q" & A</a>` },
      { name: 'Chinese text with special characters', value: '撤销 <原因> & "引号"' },
      { name: 'a long digit string', value: '15646546545165651651' },
      { name: 'a number-like string', value: '0012' },
      { name: 'a decimal-like string', value: '1.0' },
      { name: 'surrounding blanks', value: '  spaced  ' },
      { name: 'an empty string', value: '' },
      { name: 'a value that looks like an entity', value: '&amp;' },
    ])('returns $name unchanged', ({ value }) => {
      // Prepare
      const fields = { out_order_no: 'A1', reason: value };

      // Act
      const parsed = fromXml(toXml(fields));

      // Assess
      expect(parsed).toEqual(fields);
    });
  });

  describe('fromXml', () => {
    it('reads a WeChat-style CDATA reply into strings and ignores the declaration', () => {
      // Prepare
      const body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <return_code><![CDATA[SUCCESS]]></return_code>\n' +
        '  <order_id>15646546545165651651</order_id>\n  <version>1.0</version>\n  <err_code_des><![CDATA[ 撤销失败 ]]></err_code_des>\n</xml>\n';

      // Act
      const fields = fromXml(body);

      // Assess
      expect(fields).toEqual({ return_code: 'SUCCESS', order_id: '15646546545165651651', version: '1.0', err_code_des: ' 撤销失败 ' });
    });

    it('decodes the five predefined entities and nothing else', () => {
      // Prepare
      const body = '<xml><a>&lt;&gt;&amp;&apos;&quot;</a><b>&copy;&#20013;</b></xml>';

      // Act
      const fields = fromXml(body);

      // Assess
      expect(fields).toEqual({ a: `<>&'"`, b: '&copy;&#20013;' });
    });

    it('reads empty and self-closing elements as empty strings and ignores attributes', () => {
      // Prepare
      const body = '<xml a="1"><empty></empty><closed/><sign_type type="x">HMAC-SHA256</sign_type></xml>';

      // Act
      const fields = fromXml(body);

      // Assess
      expect(fields).toEqual({ empty: '', closed: '', sign_type: 'HMAC-SHA256' });
    });

    it.each([
      { name: 'an empty root', body: '<xml></xml>' },
      { name: 'a self-closing root', body: '<xml/>' },
      { name: 'a root with only blanks', body: '<xml>\n  </xml>' },
    ])('returns no fields for $name', ({ body }) => {
      // Act
      const fields = fromXml(body);

      // Assess
      expect(fields).toEqual({});
    });

    it.each([
      { name: '64 fields', body: fieldsXml(64), count: 64 },
      { name: 'a value of 8192 characters', body: `<xml><a>${'x'.repeat(8192)}</a></xml>`, count: 1 },
    ])('accepts $name', ({ body, count }) => {
      // Act
      const fields = fromXml(body);

      // Assess
      expect(Object.keys(fields)).toHaveLength(count);
    });

    it.each([
      { name: 'an empty body', body: '' },
      { name: 'a blank body', body: ' \n ' },
      { name: 'plain text', body: 'Service Unavailable' },
      { name: 'JSON', body: '{"return_code":"SUCCESS"}' },
      { name: 'an unclosed element', body: '<xml><return_code>SUCCESS</return_code>' },
      { name: 'mismatched tags', body: '<xml><a>1</b></xml>' },
      { name: 'a bare ampersand', body: '<xml><a>a & b</a></xml>' },
      { name: 'two roots', body: '<xml><a>1</a></xml><xml><a>2</a></xml>' },
      { name: 'a declaration only', body: '<?xml version="1.0"?>' },
      {
        name: 'an nginx HTML page',
        body: '<html>\r\n<head><title>400 Bad Request</title></head>\r\n<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>',
      },
      { name: 'a well-formed foreign root', body: '<html><body><p>hello</p></body></html>' },
    ])('treats $name as a transient invalid reply', ({ body }) => {
      // Act
      const error = catchError(() => fromXml(body));

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'INVALID_REPLY', phase: 'sent' });
    });

    it.each([
      {
        name: 'a billion-laughs DTD',
        body: '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><xml><a>&lol2;</a></xml>',
        code: 'XML_DOCTYPE_REFUSED',
      },
      {
        name: 'an external entity',
        body: '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><return_msg>&xxe;</return_msg></xml>',
        code: 'XML_DOCTYPE_REFUSED',
      },
      { name: 'a lower-case doctype', body: '<!doctype xml><xml><a>1</a></xml>', code: 'XML_DOCTYPE_REFUSED' },
      { name: 'an entity declaration without doctype', body: '<xml><a><!ENTITY x "y"></a></xml>', code: 'XML_DOCTYPE_REFUSED' },
      { name: 'a __proto__ field', body: '<xml><__proto__><polluted>1</polluted></__proto__></xml>', code: 'XML_FORBIDDEN_FIELD' },
      { name: 'a constructor field', body: '<xml><constructor>1</constructor></xml>', code: 'XML_FORBIDDEN_FIELD' },
      { name: 'a prototype field', body: '<xml><prototype>1</prototype></xml>', code: 'XML_FORBIDDEN_FIELD' },
      { name: 'a toString field', body: '<xml><toString>1</toString></xml>', code: 'XML_FORBIDDEN_FIELD' },
      { name: 'two result_code fields', body: '<xml><result_code>FAIL</result_code><result_code>SUCCESS</result_code></xml>', code: 'XML_DUPLICATE_FIELD' },
      { name: 'two sign fields', body: '<xml><sign>A</sign><a>1</a><sign>B</sign></xml>', code: 'XML_DUPLICATE_FIELD' },
      { name: 'a nested field', body: '<xml><a><b>1</b></a></xml>', code: 'XML_NESTED_FIELD' },
      { name: 'mixed content in a field', body: '<xml><a>x<b>1</b>y</a></xml>', code: 'XML_NESTED_FIELD' },
      { name: 'text beside the fields', body: '<xml>loose<a>1</a></xml>', code: 'XML_UNEXPECTED_TEXT' },
      { name: 'text as the whole root', body: '<xml>SUCCESS</xml>', code: 'XML_UNEXPECTED_TEXT' },
      { name: '65 fields', body: fieldsXml(65), code: 'XML_TOO_LARGE' },
      { name: 'a value of 8193 characters', body: `<xml><a>${'x'.repeat(8193)}</a></xml>`, code: 'XML_TOO_LARGE' },
    ])('refuses $name', ({ body, code }) => {
      // Act
      const error = catchError(() => fromXml(body));

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect((error as WechatPayError).code).toBe(code);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('names the field but never quotes the body', () => {
      // Prepare
      const body = '<xml><sign>TOPSECRETSIGNATURE</sign><sign>TOPSECRETSIGNATURE</sign></xml>';

      // Act
      const error = catchError(() => fromXml(body));

      // Assess
      expect((error as Error).message).toBe('XML_DUPLICATE_FIELD: the reply repeats field sign');
    });
  });
});
