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

    it.each<{ name: string; fields: Record<string, string>; message: string }>([
      { name: 'a value containing "]]>"', fields: { reason: 'a]]>b' }, message: 'XML_UNSAFE_FIELD: field reason cannot be written as XML' },
      { name: 'a name that is not an identifier', fields: { 'a b': 'x' }, message: 'XML_UNSAFE_FIELD: field (invalid name) cannot be written as XML' },
    ])('names the field only when its name is safe to quote: $name', ({ fields, message }) => {
      // Act / Assess
      expect(() => toXml(fields)).toThrow(message);
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

    it.each([
      { name: 'an empty body', body: '', message: 'INVALID_REPLY: the reply body is empty' },
      { name: 'a blank body', body: ' \r\n\t', message: 'INVALID_REPLY: the reply body is empty' },
      { name: 'a foreign root', body: '<html><p>1</p></html>', message: 'INVALID_REPLY: the reply root element is not <xml>' },
      { name: 'a DTD', body: '<!DOCTYPE xml><xml></xml>', message: 'XML_DOCTYPE_REFUSED: the reply declares a DTD or entities' },
      { name: 'a nested field', body: '<xml><a><b>1</b></a></xml>', message: 'XML_NESTED_FIELD: the reply nests element <b> inside a field' },
      { name: 'a forbidden field', body: '<xml><constructor>1</constructor></xml>', message: 'XML_FORBIDDEN_FIELD: the reply holds the forbidden element <constructor>' },
      { name: 'loose text', body: '<xml>loose<a>1</a></xml>', message: 'XML_UNEXPECTED_TEXT: the reply has text outside its fields' },
      { name: '65 fields', body: fieldsXml(65), message: 'XML_TOO_LARGE: the reply has more than 64 fields' },
      { name: 'an overlong field', body: `<xml><a>${'x'.repeat(8193)}</a></xml>`, message: 'XML_TOO_LARGE: field a is longer than 8192 characters' },
    ])('says what is wrong with $name, and a refused shape leaves the order state unknown', ({ body, message }) => {
      // Act
      const error = catchError(() => fromXml(body)) as WechatPayError | TransientError;

      // Assess: a refusal of the reply's shape came after the request was processed (ambiguous).
      expect(error.message).toBe(message);
      expect(error.ambiguous).toBe(error instanceof WechatPayError);
    });

    it('skips processing instructions inside the root, as it skips the declaration', () => {
      // Act
      const fields = fromXml('<?xml version="1.0"?><xml><?render fast?><a>1</a><?end?></xml>');

      // Assess
      expect(fields).toEqual({ a: '1' });
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

  describe('entity and character references (XML 1.0 §4.1)', () => {
    const valueOf = (text: string): string | undefined => fromXml(`<xml><a>${text}</a></xml>`).a;

    it.each([
      { name: 'the five predefined entities', text: '&lt;&gt;&amp;&apos;&quot;', value: `<>&'"` },
      { name: 'a decimal reference', text: '&#20013;', value: '中' },
      { name: 'a hexadecimal reference', text: '&#x4E2D;', value: '中' },
      { name: 'lower-case hexadecimal digits', text: '&#x4e2d;', value: '中' },
      { name: 'leading zeros', text: '&#0020013;&#x00004E2D;', value: '中中' },
      { name: 'references amid text', text: 'a&#20013;b&#x6587;c', value: 'a中b文c' },
      { name: 'a character outside the BMP', text: '&#x1F600;&#128512;', value: '😀😀' },
      { name: 'the allowed control characters tab, LF and CR', text: '&#9;&#xA;&#13;', value: '\t\n\r' },
      { name: 'the edges of the allowed ranges', text: '&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;', value: ' \uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}' },
      { name: 'references to markup characters', text: '&#60;&#x3E;&#38;&#39;&#34;', value: `<>&'"` },
    ])('decodes $name', ({ text, value }) => {
      // Act
      const decoded = valueOf(text);

      // Assess
      expect(decoded).toBe(value);
    });

    it.each([
      { name: 'an escaped decimal reference', text: '&amp;#20013;', value: '&#20013;' },
      { name: 'an escaped hexadecimal reference', text: '&amp;#x4E2D;', value: '&#x4E2D;' },
      { name: 'an escaped entity', text: '&amp;amp;', value: '&amp;' },
      { name: 'an ampersand written as a reference before an entity name', text: '&#38;lt;', value: '&lt;' },
      { name: 'an ampersand written as a reference before a reference', text: '&#x26;#20013;', value: '&#20013;' },
    ])('decodes in one pass, so $name stays literal text', ({ text, value }) => {
      // Act
      const decoded = valueOf(text);

      // Assess
      expect(decoded).toBe(value);
    });

    it.each([
      { name: 'a character reference', cdata: '&#20013;&#x4E2D;' },
      { name: 'a predefined entity', cdata: '&amp;&lt;' },
      { name: 'an HTML entity', cdata: '&nbsp;&copy;' },
      { name: 'a reference to a forbidden code point', cdata: '&#0;&#xFFFE;' },
    ])('leaves $name inside CDATA undecoded', ({ cdata }) => {
      // Act
      const decoded = valueOf(`<![CDATA[${cdata}]]>`);

      // Assess
      expect(decoded).toBe(cdata);
    });

    it('decodes the text around a CDATA section but not the section', () => {
      // Act
      const decoded = valueOf('&#20013;<![CDATA[&#20013;]]>&#x4E2D;');

      // Assess
      expect(decoded).toBe('中&#20013;中');
    });

    it.each([
      { name: 'U+0000 (decimal)', text: '&#0;' },
      { name: 'U+0000 (hexadecimal)', text: '&#x0;' },
      { name: 'a C0 control character', text: '&#1;' },
      { name: 'the last C0 control character', text: '&#x1F;' },
      { name: 'the first surrogate', text: '&#xD800;' },
      { name: 'the last surrogate (decimal)', text: '&#57343;' },
      { name: 'U+FFFE', text: '&#xFFFE;' },
      { name: 'U+FFFF', text: '&#65535;' },
      { name: 'a code point beyond U+10FFFF', text: '&#x110000;' },
      { name: 'a code point beyond U+10FFFF (decimal)', text: '&#1114112;' },
      { name: 'a huge decimal reference', text: '&#99999999999999999999999;' },
      { name: 'a hexadecimal reference with no digits', text: '&#x;' },
      { name: 'a decimal reference with no digits', text: '&#;' },
      { name: 'a decimal reference with a letter', text: '&#12a;' },
      { name: 'a hexadecimal reference with a non-hex digit', text: '&#x4E2G;' },
      { name: 'an upper-case X', text: '&#X4E2D;' },
      { name: 'a blank inside the reference', text: '&# 20013;' },
      { name: 'a reference without its semicolon', text: '&#20013' },
      { name: 'an entity without its semicolon', text: '&lt' },
      { name: 'the HTML entity &nbsp;', text: 'a&nbsp;b' },
      { name: 'the HTML entity &copy;', text: '&copy;' },
      { name: 'an undeclared entity', text: '&foo;' },
      { name: 'a predefined entity in the wrong case', text: '&AMP;' },
      { name: 'a bad reference after a good one', text: '&#20013;&#0;' },
    ])('treats $name as a reply that is not well-formed', ({ text }) => {
      // Act
      const error = catchError(() => valueOf(text));

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'INVALID_REPLY', phase: 'sent', message: 'INVALID_REPLY: the reply is not well-formed XML' });
    });

    it('still refuses a DTD that declares the entity a reference names', () => {
      // Prepare
      const body = '<!DOCTYPE xml [<!ENTITY nbsp "&#160;">]><xml><a>&nbsp;</a></xml>';

      // Act
      const error = catchError(() => fromXml(body));

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect((error as WechatPayError).code).toBe('XML_DOCTYPE_REFUSED');
    });

    it('applies the value length limit to the decoded text', () => {
      // Prepare: 8206 characters as written, 8192 once decoded.
      const text = `${'x'.repeat(8190)}&#20013;&#x4E2D;`;

      // Act
      const decoded = valueOf(text);

      // Assess
      expect(decoded).toHaveLength(8192);
    });

    it('refuses a value that is too long once decoded', () => {
      // Prepare: 8193 characters once decoded.
      const text = `${'x'.repeat(8191)}&#20013;&#x4E2D;`;

      // Act
      const error = catchError(() => valueOf(text));

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect((error as WechatPayError).code).toBe('XML_TOO_LARGE');
    });
  });
});
