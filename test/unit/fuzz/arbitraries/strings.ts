import fc from 'fast-check';

/** 4-byte UTF-8 characters (emoji, a flag, a ZWJ family, a CJK Extension B ideograph). */
const FOUR_BYTE = ['😀', '💩', '🇨🇳', '👨‍👩‍👧', '\u{20000}', '\u{10FFFF}'];
/** Halves of a surrogate pair: no UTF-8 form at all. */
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];
const CONTROL = ['\u0000', '\u0007', '\t', '\n', '\r', '\u000B', '\u001B', '\u007F', '\u0085', '\u009F'];
/** Blanks JavaScript's `\s` knows, plus look-alikes it does not (zero-width space, word joiner). */
const BLANKS = [' ', '\u00A0', '\u1680', '\u2000', '\u2028', '\u2029', '\u202F', '\u3000', '\uFEFF', '\u200B', '\u2060'];
const XML_TRICKS = [
  ']]>', '<![CDATA[', '<![CDATA[x]]>', ']]><sign>0</sign><![CDATA[', '</reason><mch_id>1</mch_id><reason>',
  '&amp;', '&lt;', '&#x1F600;', '&e;', '<!DOCTYPE x [<!ENTITY e "e">]>', '<', '>', '&', '"', "'", ']]', ']',
  '\uFFFE', '\uFFFF', '\uFDD0',
];
const WORDS = ['__proto__', 'constructor', 'prototype', 'toString', 'polluted', 'null', 'NaN', '-0', '1e3', 'POST', 'REVOKED', '用户投诉', 'é', 'e\u0301'];
const PIECES = [...FOUR_BYTE, ...LONE_SURROGATES, ...CONTROL, ...BLANKS, ...XML_TRICKS, ...WORDS];

const OUT_ORDER_NO = /^[0-9A-Za-z_\-|*]{1,32}$/;
const SERVICE_ID = /^[0-9]{1,32}$/;
const EDGE_BLANK = /^\s|\s$/;

/** A `reason` character by CONTRACT.md: BMP only, not a control character or an XML noncharacter. */
const reasonChar = fc.oneof(
  fc.constantFrom('<', '>', '&', "'", '"', ']', '[', '!', ' ', '\u3000', '用', '户', 'é', '\u200B', '|', '*'),
  fc.integer({ min: 0x20, max: 0xfffd }).filter((code) => (code < 0x7f || code > 0x9f) && (code < 0xd800 || code > 0xdfff)).map((code) => String.fromCharCode(code)),
);

/** Any `reason` the contract accepts: 1-50 characters, no 4-byte characters, no edge blanks, no `]]>`. */
const validReason = fc
  .array(reasonChar, { minLength: 1, maxLength: 50 })
  .map((chars) => chars.join(''))
  .filter((reason) => !EDGE_BLANK.test(reason) && !reason.includes(']]>'));

const validOutOrderNo = fc.stringMatching(OUT_ORDER_NO);
const validServiceId = fc.stringMatching(SERVICE_ID);
/** Real appids are `wx` + 16 hex digits; any printable non-blank text without `<>&'"` is accepted. */
const validAppid = fc.oneof(
  fc.stringMatching(/^wx[0-9a-f]{16}$/),
  fc.string({ unit: fc.constantFrom(...Array.from('abcXYZ019_-.:/+=é中')), minLength: 1, maxLength: 32 }),
);

/** A valid value with one small defect: an edge blank, an inserted hostile piece, or one character too many. */
const nearly = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(valid, fc.constantFrom(...PIECES), fc.nat(), fc.constantFrom('prefix', 'suffix', 'insert', 'overflow')).map(([value, piece, at, edit]) => {
    const position = at % (value.length + 1);
    if (edit === 'prefix') return piece + value;
    if (edit === 'suffix') return value + piece;
    if (edit === 'overflow') return value.padEnd(value.length + 51, value);
    return value.slice(0, position) + piece + value.slice(position);
  });

/** Huge strings, well past every limit (the API Gateway body cap is 16 KiB). */
const hugeString = fc
  .tuple(fc.constantFrom('a', '0', '中', '😀', ' ', ']]>', '\u0000'), fc.integer({ min: 33, max: 100_000 }))
  .map(([unit, count]) => unit.repeat(count));

/** Strings built to break validators, XML writers and signers. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
  fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 })), { maxLength: 8 }).map((parts) => parts.join('')),
  { arbitrary: hugeString, weight: 1 },
);

/** Mostly valid, often nearly valid, sometimes hostile: enough get through validation to exercise the wire. */
const fieldString = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: nearly(valid), weight: 2 }, { arbitrary: hostileString, weight: 2 });

export { fieldString, hostileString, nearly, validAppid, validOutOrderNo, validReason, validServiceId };
