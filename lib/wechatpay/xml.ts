import XMLBuilder from 'fast-xml-builder';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { MatcherView } from 'fast-xml-parser';
import { FailurePhase, TransientError, WechatPayError } from '../errors.js';

const ROOT = 'xml';
const TEXT_NODE = '#text';
/** Not a valid XML name, so it can never collide with a field name. */
// Stryker disable next-line StringLiteral: any name that is no field name serves, the empty one too: toXml and the builder share it
const CDATA_NODE = '#cdata';
const MAX_FIELDS = 64;
const MAX_VALUE_CHARS = 8192;

/** Field names we send: plain identifiers (also keeps builder-reserved keys out). */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Values holding any of these go in CDATA (spec §9). */
const NEEDS_CDATA = /[<>&'"]/;
/** A DTD can declare entities (billion laughs, external entities): refuse before parsing (spec §9). */
const DTD_MARKUP = /<!(?:DOCTYPE|ENTITY)/i;
/** Names that would reach an object's prototype machinery. */
const FORBIDDEN_NAMES = new Set([
  // Stryker disable next-line StringLiteral: Object.prototype's own names below hold these two as well
  '__proto__', 'constructor',
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype),
]);

/**
 * A reply refused for its shape. It arrived after the request was processed, so the order's state
 * is unknown (`ambiguous`): the use case asks queryrentbill rather than fail a cancelled order.
 */
const hostileReply = (code: string, detail: string): WechatPayError => new WechatPayError(code, detail, { ambiguous: true });

const invalidReply = (detail: string): TransientError =>
  // Stryker disable next-line ObjectLiteral: `sent` is also TransientError's default phase; said here because it matters
  new TransientError('INVALID_REPLY', detail, { phase: FailurePhase.SENT });

/** Called on every opening tag: refuse a foreign root and nested fields before any object is built. */
const checkTag = (name: string, matcher: MatcherView | string): string => {
  // With `jPath: false` the parser passes its matcher, never a path string.
  const depth = (matcher as MatcherView).getDepth();
  if (depth === 1 && name !== ROOT) throw invalidReply('the reply root element is not <xml>');
  if (depth > 2) throw hostileReply('XML_NESTED_FIELD', `the reply nests element <${name}> inside a field`);
  return name;
};

const refuseForbiddenName = (name: string): string => {
  if (FORBIDDEN_NAMES.has(name)) throw hostileReply('XML_FORBIDDEN_FIELD', `the reply holds the forbidden element <${name}>`);
  return name;
};

/** The five entities XML 1.0 predefines (§4.6), with their `;`; without a DTD no other name is declared. */
const PREDEFINED_ENTITIES = new Map([
  ['lt;', '<'],
  ['gt;', '>'],
  ['amp;', '&'],
  ['apos;', "'"],
  ['quot;', '"'],
]);
/** An `&` and what follows it up to and including the next `;`, or up to the next `&` if none comes first. */
const REFERENCE = /&([^&;]*;?)/g;
/** `&#` [0-9]+ `;` or `&#x` [0-9a-fA-F]+ `;` (XML 1.0 §4.1 CharRef; the `x` is lower case). */
const DECIMAL_REFERENCE = /^#([0-9]+);$/;
const HEX_REFERENCE = /^#x([0-9A-Fa-f]+);$/;

const notWellFormed = (): TransientError => invalidReply('the reply is not well-formed XML');

/** XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
const isXmlChar = (codePoint: number): boolean =>
  codePoint === 0x9 ||
  codePoint === 0xa ||
  codePoint === 0xd ||
  (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
  (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
  (codePoint >= 0x10000 && codePoint <= 0x10ffff);

/** The character a numeric reference names, or `NaN` (no character) when `name` (with its `;`) is not one. */
const codePointOf = (name: string): number => {
  const decimal = DECIMAL_REFERENCE.exec(name)?.[1];
  if (decimal !== undefined) return Number.parseInt(decimal, 10);
  // Not a hex reference either: `0xundefined`, which is NaN.
  return Number(`0x${String(HEX_REFERENCE.exec(name)?.[1])}`);
};

/**
 * Resolves one reference (`name` is what follows the `&`, with its `;`). Anything but a predefined
 * entity or a reference to a legal character, including a reference without its `;`, is a fatal error.
 */
const resolveReference = (_reference: string, name: string): string => {
  const entity = PREDEFINED_ENTITIES.get(name);
  if (entity !== undefined) return entity;
  const codePoint = codePointOf(name);
  if (!isXmlChar(codePoint)) throw notWellFormed();
  return String.fromCodePoint(codePoint);
};

/**
 * Decodes the parsed text of one run of character data (never CDATA, which the parser passes by) in
 * a single pass, so `&amp;#20013;` yields the text `&#20013;`. Named entities other than the five
 * (`&nbsp;`) are undeclared, which XML 1.0 makes a well-formedness error, not text (§4.1 WFC: Entity Declared).
 */
// Stryker disable next-line StringLiteral: a shortcut: looking for the empty string instead, every text is searched for references
const decodeReferences = (text: string): string => (text.includes('&') ? text.replace(REFERENCE, resolveReference) : text);

/**
 * fast-xml-parser's decoder hook, reduced to {@link decodeReferences}. It holds no entity table, so
 * nothing a DTD could declare is ever expanded (and fromXml refuses DTDs before parsing). Only XML
 * 1.0 is read: a 1.1 declaration does not widen the legal characters.
 */
const entityDecoder = {
  decode: decodeReferences,
  reset: (): void => undefined,
  setXmlVersion: (): void => undefined,
  addInputEntities: (): void => undefined,
  setExternalEntities: (): void => undefined,
};

// Built once. Entity and character references are decoded by `entityDecoder` alone (no HTML
// entities); DTDs are refused before parsing, so no entity can be declared.
const parser = new XMLParser({
  ignoreAttributes: true,
  // Stryker disable next-line BooleanLiteral: read or not, the declaration stays outside the root, which fromXml takes alone
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  entityDecoder,
  jPath: false,
  isArray: () => true,
  transformTagName: refuseForbiddenName,
  updateTag: checkTag,
});

const builder = new XMLBuilder({ cdataPropName: CDATA_NODE, suppressEmptyNode: false, format: false });

/**
 * Builds the request body: root `<xml>`, no declaration, one child per field; values holding any of
 * `< > & ' "` are CDATA-wrapped, others are plain text (spec §9).
 *
 * @throws {WechatPayError} `XML_UNSAFE_FIELD` when a name is not a plain identifier or a value
 *   contains `]]>` (validation rejects such input earlier; this guards the invariant).
 */
const toXml = (fields: Readonly<Record<string, string>>): string => {
  const children: Record<string, string | Record<string, string>> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!FIELD_NAME.test(name) || value.includes(']]>')) {
      throw new WechatPayError('XML_UNSAFE_FIELD', `field ${FIELD_NAME.test(name) ? name : '(invalid name)'} cannot be written as XML`);
    }
    children[name] = NEEDS_CDATA.test(value) ? { [CDATA_NODE]: value } : value;
  }
  return builder.build({ [ROOT]: children });
};

/**
 * Parses a reply into a flat map of the `<xml>` root's children, every value a string exactly as
 * sent (CDATA unwrapped, nothing trimmed or coerced). The XML declaration is ignored. Outside CDATA
 * the five predefined entities and numeric character references (`&#20013;`, `&#x4E2D;`) are
 * decoded, as XML 1.0 requires, so a signature is checked over the decoded text.
 *
 * @throws {TransientError} `INVALID_REPLY` (phase `sent`): empty, not well-formed (including an
 *   undeclared entity such as `&nbsp;`, or a reference to a character XML 1.0 forbids, such as
 *   `&#0;`), or not rooted at `<xml>` (spec §5).
 * @throws {WechatPayError} a hostile shape: `XML_DOCTYPE_REFUSED`, `XML_FORBIDDEN_FIELD`,
 *   `XML_NESTED_FIELD`, `XML_DUPLICATE_FIELD`, `XML_UNEXPECTED_TEXT`, `XML_TOO_LARGE`.
 */
const fromXml = (text: string): Record<string, string> => {
  if (text.trim() === '') throw invalidReply('the reply body is empty');
  if (DTD_MARKUP.test(text)) throw hostileReply('XML_DOCTYPE_REFUSED', 'the reply declares a DTD or entities');
  // The parser itself is lenient (it accepts unclosed tags); the validator is not.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- its suggested replacement, fast-xml-validator, is other code: a change of parser behaviour, not of style
  if (XMLValidator.validate(text) !== true) throw invalidReply('the reply is not well-formed XML');

  const document = parser.parse(text) as { [ROOT]: [string | Record<string, string | string[]>] };
  const [root] = document[ROOT];
  const children = typeof root === 'string' ? { [TEXT_NODE]: root } : root;

  const { [TEXT_NODE]: looseText = '', ...elements } = children;
  // Whitespace between fields is layout; any other text directly under the root is not a field.
  if (String(looseText).trim() !== '') throw hostileReply('XML_UNEXPECTED_TEXT', 'the reply has text outside its fields');
  const entries = Object.entries(elements) as [string, [string, ...string[]]][];
  if (entries.length > MAX_FIELDS) throw hostileReply('XML_TOO_LARGE', `the reply has more than ${MAX_FIELDS} fields`);

  const fields: [string, string][] = [];
  // Every element is parsed as an array, so a repeated field is seen instead of "last one wins".
  for (const [name, [value, ...duplicates]] of entries) {
    if (duplicates.length > 0) throw hostileReply('XML_DUPLICATE_FIELD', `the reply repeats field ${name}`);
    if (value.length > MAX_VALUE_CHARS) {
      throw hostileReply('XML_TOO_LARGE', `field ${name} is longer than ${MAX_VALUE_CHARS} characters`);
    }
    fields.push([name, value]);
  }
  return Object.fromEntries(fields);
};

export { toXml, fromXml };
