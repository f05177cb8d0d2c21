import { createHmac } from 'node:crypto';
import type { HttpsRequest } from '../../../../lib/types.js';

const CANCEL_FIELDS = ['version', 'appid', 'mch_id', 'nonce_str', 'sign_type', 'out_order_no', 'reason', 'service_id', 'sign'];
const QUERY_FIELDS = CANCEL_FIELDS.filter((name) => name !== 'reason');
const EXPECTED_FIELDS: Readonly<Record<string, readonly string[]>> = { 'wxv/cancelbill': CANCEL_FIELDS, 'wxv/queryrentbill': QUERY_FIELDS };

/** One `<name>value</name>` or `<name><![CDATA[value]]></name>` child; plain text may hold no `<` or `&`. */
const CHILD = /<([A-Za-z_][A-Za-z0-9_]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<&]*))<\/\1>/y;
/** Characters XML 1.0 cannot carry, and halves of surrogate pairs (no UTF-8 form). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const FOUR_BYTE = /[\u{10000}-\u{10FFFF}]/u;

/** Reads the flat `<xml>` body the function sends; `undefined` when it is anything else. */
const parseWireBody = (body: string): [string, string][] | undefined => {
  if (!body.startsWith('<xml>') || !body.endsWith('</xml>')) return undefined;
  const inner = body.slice('<xml>'.length, -'</xml>'.length);
  const fields: [string, string][] = [];
  CHILD.lastIndex = 0;
  while (CHILD.lastIndex < inner.length) {
    const match = CHILD.exec(inner);
    if (match === null) return undefined;
    fields.push([match[1] ?? '', match[2] ?? match[3] ?? '']);
  }
  return fields;
};

/** spec §7, computed here independently of lib/: HMAC-SHA256 over the sorted non-empty fields plus `&key=`. */
const expectedSign = (fields: Record<string, string>, apiKey: Buffer): string => {
  const stringA = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
  return createHmac('sha256', apiKey).update(`${stringA}&key=${apiKey.toString('utf8')}`, 'utf8').digest('hex').toUpperCase();
};

/** The rules of CONTRACT.md ("The request") and spec §3, one per field: true when the value follows it. */
const VALUE_RULES: Readonly<Record<string, (value: string) => boolean>> = {
  version: (value) => value === '1.0',
  sign_type: (value) => value === 'HMAC-SHA256',
  mch_id: (value) => /^[0-9]{1,32}$/.test(value),
  nonce_str: (value) => /^[0-9A-Za-z]{1,32}$/.test(value),
  sign: (value) => /^[0-9A-F]{64}$/.test(value),
  out_order_no: (value) => /^[0-9A-Za-z_\-|*]{1,32}$/.test(value),
  service_id: (value) => /^[0-9]{1,32}$/.test(value),
  appid: (value) => [...value].length >= 1 && [...value].length <= 32 && !FOUR_BYTE.test(value),
  reason: (value) =>
    [...value].length >= 1 && [...value].length <= 50 && !FOUR_BYTE.test(value) && !/^\s|\s$/.test(value) && !/(?![\t\n])\p{Cc}/u.test(value) && !value.includes(']]>'),
};

/**
 * Checks one request the transport received against the contract: the URL, a flat `<xml>` body
 * holding exactly the expected field names once each, every value by its rule, and a `sign` that
 * verifies. Returns the problems found (empty when the request is valid); never echoes a value.
 */
const wireProblems = (request: Pick<HttpsRequest, 'url' | 'body'>, options: { baseUrls: readonly string[]; apiKey: Buffer }): string[] => {
  const base = options.baseUrls.find((url) => request.url.startsWith(`${url}/`));
  const path = base === undefined ? undefined : request.url.slice(base.length + 1);
  const expected = path !== undefined && Object.hasOwn(EXPECTED_FIELDS, path) ? EXPECTED_FIELDS[path] : undefined;
  if (expected === undefined) return ['unexpected URL'];
  const entries = parseWireBody(request.body);
  if (entries === undefined) return ['the body is not a flat <xml> document'];
  const problems: string[] = [];
  const names = entries.map(([name]) => name);
  if (new Set(names).size !== names.length) problems.push('a field is repeated');
  if ([...names].sort().join() !== [...expected].sort().join()) problems.push(`fields are [${[...names].sort().join()}]`);
  const fields = Object.fromEntries(entries);
  for (const [name, value] of entries) {
    if (NOT_XML.test(value)) problems.push(`${name} holds a character XML cannot carry`);
    const rule = Object.hasOwn(VALUE_RULES, name) ? VALUE_RULES[name] : undefined;
    if (rule !== undefined && !rule(value)) problems.push(`${name} breaks its rule`);
  }
  if (fields.sign !== expectedSign(fields, options.apiKey)) problems.push('sign does not verify');
  return problems;
};

export { parseWireBody, wireProblems, expectedSign };
