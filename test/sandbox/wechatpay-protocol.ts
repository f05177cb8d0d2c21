/**
 * WeChat Pay APIv2 wire format, written independently of lib/ so the sandbox can serve as an
 * oracle: HMAC-SHA256 signatures (spec §7) and the flat `<xml>` body (spec §9), with node:crypto
 * and plain string handling only.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A flat XML body: element name -> text. Null-prototype objects, so `__proto__` is just a name. */
type Fields = Record<string, string>;

type ParseResult = { ok: true; fields: Fields } | { ok: false; reason: string };

const NAME = /[A-Za-z_][A-Za-z0-9_.-]*/y;
const ENTITY = /&(?:(lt|gt|amp|apos|quot)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';
const SIGN_PATTERN = /^[0-9A-F]{64}$/;

/** Spec §7 steps 2-4: drop `sign` and empty values, sort keys by code point, join `k=v` with `&`. */
const canonicalString = (fields: Readonly<Fields>): string =>
  Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== undefined && fields[name] !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `${name}=${fields[name]}`)
    .join('&');

/** Spec §7 steps 5-6: upper-case hex HMAC-SHA256 of `canonical&key=K`, keyed with K. */
const signFields = (fields: Readonly<Fields>, apiKey: string): string =>
  createHmac('sha256', apiKey).update(`${canonicalString(fields)}&key=${apiKey}`, 'utf8').digest('hex').toUpperCase();

/** True when `fields.sign` is the HMAC-SHA256 signature of the other fields under `apiKey`. */
const hasValidSignature = (fields: Readonly<Fields>, apiKey: string): boolean => {
  const received = fields.sign;
  if (received === undefined || !SIGN_PATTERN.test(received)) return false;
  return timingSafeEqual(Buffer.from(received), Buffer.from(signFields(fields, apiKey)));
};

/** A 32-character server nonce. */
const createNonce = (): string => randomBytes(16).toString('hex');

/** Wraps a value in CDATA, splitting any `]]>` it contains so the text survives intact. */
const cdata = (value: string): string => `${CDATA_OPEN}${value.replaceAll(CDATA_CLOSE, `]]${CDATA_CLOSE}${CDATA_OPEN}>`)}${CDATA_CLOSE}`;

/**
 * Builds `<xml>…</xml>` as the real server does: digit-only values bare, everything else in CDATA.
 * No XML declaration.
 */
const toXml = (fields: Readonly<Fields>): string =>
  `<xml>${Object.entries(fields)
    .map(([name, value]) => `<${name}>${/^[0-9]+$/.test(value) ? value : cdata(value)}</${name}>`)
    .join('')}</xml>`;

const decodeEntity = (match: RegExpExecArray): string | undefined => {
  const [, named, decimal, hex] = match;
  if (named !== undefined) return PREDEFINED[named];
  const codePoint = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? '', 16);
  const valid = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
  return valid ? String.fromCodePoint(codePoint) : undefined;
};

/** Reads the content of `<name>` from `pos` up to and including `</name>`. */
const readContent = (text: string, start: number, name: string): { value: string; end: number } | string => {
  const close = `</${name}>`;
  let value = '';
  let pos = start;
  for (;;) {
    if (text.startsWith(close, pos)) return { value, end: pos + close.length };
    if (text.startsWith(CDATA_OPEN, pos)) {
      const stop = text.indexOf(CDATA_CLOSE, pos + CDATA_OPEN.length);
      if (stop < 0) return 'unterminated CDATA section';
      value += text.slice(pos + CDATA_OPEN.length, stop);
      pos = stop + CDATA_CLOSE.length;
    } else if (text[pos] === '&') {
      ENTITY.lastIndex = pos;
      const match = ENTITY.exec(text);
      const decoded = match === null ? undefined : decodeEntity(match);
      if (decoded === undefined) return `unknown entity in <${name}>`;
      value += decoded;
      pos = ENTITY.lastIndex;
    } else if (text[pos] === '<' || pos >= text.length) {
      return `<${name}> is not a text element`;
    } else {
      const next = text.slice(pos).search(/[<&]/);
      const stop = next < 0 ? text.length : pos + next;
      value += text.slice(pos, stop);
      pos = stop;
    }
  }
};

/**
 * Strict parser for the flat body of spec §9: one `<xml>` root without declaration, DOCTYPE or
 * attributes, child elements holding text, CDATA, the 5 predefined entities and character
 * references; no nesting, no duplicate names.
 */
const parseXml = (body: string): ParseResult => {
  const text = body.trim();
  if (!text.startsWith('<xml>') || !text.endsWith('</xml>')) return { ok: false, reason: 'body is not a bare <xml> document' };
  const end = text.length - '</xml>'.length;
  const inner = text.slice(0, end);
  const fields: Fields = Object.create(null) as Fields;
  let pos = '<xml>'.length;
  for (;;) {
    while (pos < end && /\s/.test(inner[pos] ?? '')) pos += 1;
    if (pos >= end) return { ok: true, fields };
    if (inner[pos] !== '<') return { ok: false, reason: 'text outside elements' };
    NAME.lastIndex = pos + 1;
    const name = NAME.exec(inner)?.[0];
    if (name === undefined) return { ok: false, reason: 'not an element' };
    if (Object.hasOwn(fields, name)) return { ok: false, reason: `duplicate element <${name}>` };
    pos = NAME.lastIndex;
    if (inner.startsWith('/>', pos)) {
      fields[name] = '';
      pos += 2;
      continue;
    }
    if (inner[pos] !== '>') return { ok: false, reason: `<${name}> has attributes or is malformed` };
    const content = readContent(inner, pos + 1, name);
    if (typeof content === 'string') return { ok: false, reason: content };
    fields[name] = content.value;
    pos = content.end;
  }
};

export { canonicalString, signFields, hasValidSignature, createNonce, toXml, parseXml };
export type { Fields, ParseResult };
