/**
 * The cancel command's fields and their rules: CONTRACT.md ("The request") and spec §9. The one
 * place the patterns and their wording live; the command, the configuration, the handler's log
 * line and the API Gateway envelope all read them from here.
 */

/** The command's fields, with the API's own names; no other field is read from a request. */
const COMMAND_FIELDS = ['out_order_no', 'reason', 'service_id', 'appid'] as const;
type CommandField = (typeof COMMAND_FIELDS)[number];

/** A rule as a pattern, and the words that state it in messages (which never echo the value). */
type FieldRule = Readonly<{ pattern: RegExp; rule: string }>;

/**
 * The rules of the fields that are checked by a pattern (`reason` is checked by `reasonProblem`).
 * `service_id` and `appid` also hold for their configured defaults, `WECHATPAY_SERVICE_ID` and
 * `WECHATPAY_APPID`.
 */
const FIELD_RULES: Readonly<Record<Exclude<CommandField, 'reason'>, FieldRule>> = Object.freeze({
  out_order_no: { pattern: /^[0-9A-Za-z_\-|*]{1,32}$/, rule: '1-32 characters of 0-9 A-Z a-z _ - | *' },
  service_id: { pattern: /^[0-9]{1,32}$/, rule: '1-32 digits' },
  // No blanks, control characters, XML-special characters, or characters outside the BMP
  // (4-byte UTF-8, lone surrogates): an appid is an identifier, sent as is inside the XML.
  appid: {
    pattern: /^[^\s\p{Cc}<>&'"\uD800-\uDFFF\uFFFE\uFFFF\u{10000}-\u{10FFFF}]{1,32}$/u,
    rule: `1-32 characters without blanks, control characters, 4-byte characters or <>&'"`,
  },
});

const REASON_MAX_CHARS = 50;
/** Any UTF-16 surrogate: a 4-byte UTF-8 character (a pair) or a lone half, which has no UTF-8 form at all. */
const SURROGATE = /[\uD800-\uDFFF]/;
const PAIRED_SURROGATES = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
/**
 * Control characters other than TAB and LF, which are text, and the two noncharacters XML 1.0
 * forbids. CR stays out: an XML parser reads it back as LF, so the signed value would change.
 */
const FORBIDDEN_IN_REASON = /(?![\t\n])[\p{Cc}\uFFFE\uFFFF]/u;
const EDGE_BLANK = /^\s|\s$/;

/**
 * The problem with a reason, or `undefined` when it follows CONTRACT.md and spec §9: 1-50
 * characters, no 4-byte UTF-8 characters (nor lone surrogates), no control characters but tab and
 * line feed, no blank at either end, no `]]>`. The problem is worded without the value.
 *
 * @example
 * reasonProblem('ok 😀'); // 'reason must not contain emoji or other 4-byte UTF-8 characters'
 */
const reasonProblem = (reason: string): string | undefined => {
  if (SURROGATE.test(reason)) {
    // Stryker disable next-line StringLiteral: whatever replaces the pairs, it holds no lone surrogate
    return SURROGATE.exec(reason.replace(PAIRED_SURROGATES, '')) === null
      ? 'reason must not contain emoji or other 4-byte UTF-8 characters'
      : 'reason must be well-formed Unicode text';
  }
  // No surrogates are left, so UTF-16 length equals the number of characters (code points).
  if (reason.length < 1 || reason.length > REASON_MAX_CHARS) return `reason must be 1-${REASON_MAX_CHARS} characters`;
  if (FORBIDDEN_IN_REASON.test(reason)) return 'reason must not contain control characters other than tab and line feed';
  if (EDGE_BLANK.test(reason)) return 'reason must not start or end with a blank';
  // A value holding "]]>" cannot be CDATA-wrapped as is (spec §9).
  if (reason.includes(']]>')) return 'reason must not contain "]]>"';
  return undefined;
};

export { COMMAND_FIELDS, FIELD_RULES, REASON_MAX_CHARS, reasonProblem };
export type { CommandField, FieldRule };
