import fc from 'fast-check';
import { loadEvent } from '../../../fixtures/events/index.js';
import { isJsonObject, objectOf, toEvent, toJsonText } from '../support/json-text.js';
import type { JsonTree } from '../support/json-text.js';
import { jsonTree, rawCommand } from './commands.js';
import { hostileString, nearly, validOutOrderNo } from './strings.js';

type HttpBody = { body: unknown; isBase64Encoded: unknown };
type ApiGatewayVersion = 'api-gateway-v1' | 'api-gateway-v2';

const METHODS = ['POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post', ' POST', 'POST ', 'P\u041EST', ''];
const BASE64_STYLES = ['canonical', 'unpadded', 'url-safe', 'line-broken', 'mislabelled'] as const;
type Base64Style = (typeof BASE64_STYLES)[number];

/** Base64 as API Gateway sends it (`canonical`), and as a careless client might. */
const encode = (text: string | Uint8Array, style: Base64Style): HttpBody => {
  const canonical = Buffer.from(text).toString('base64');
  if (style === 'unpadded') return { body: canonical.replace(/=+$/, ''), isBase64Encoded: true };
  if (style === 'url-safe') return { body: Buffer.from(text).toString('base64url'), isBase64Encoded: true };
  if (style === 'line-broken') return { body: canonical.replace(/(.{8})/g, '$1\n'), isBase64Encoded: true };
  if (style === 'mislabelled') return { body: canonical, isBase64Encoded: false };
  return { body: canonical, isBase64Encoded: true };
};

const base64Style = fc.oneof({ arbitrary: fc.constant<Base64Style>('canonical'), weight: 20 }, fc.constantFrom(...BASE64_STYLES));
/** Mostly nothing; sometimes blanks, a BOM or trailing garbage around the JSON text. */
const decoration = fc.oneof(
  { arbitrary: fc.constant(['', ''] as const), weight: 12 },
  fc.tuple(fc.constantFrom('', ' \n\t', '\uFEFF', '\u00A0'), fc.constantFrom('', '\n', ' ', ',', '}')),
);

/** A body and path parameters that agree, or disagree on purpose, about the order number. */
const PATH_MODES = ['moved-to-path', 'in-both', 'body-only', 'fuzzed'] as const;

/** `pathParameters` on its own: another value, another JSON type, or an inherited `out_order_no`. */
const fuzzedPathParameters: fc.Arbitrary<unknown> = fc.oneof(
  fc.oneof(validOutOrderNo, nearly(validOutOrderNo)).map((value) => ({ out_order_no: value })),
  jsonTree.map((value) => toEvent(objectOf([['out_order_no', value]]))),
  fc.constant(toEvent(objectOf([['__proto__', objectOf([['out_order_no', 'INHERITED']])]]))),
);

const splitOrderNo = (tree: JsonTree): { body: JsonTree; orderNo: JsonTree | undefined } => {
  if (!isJsonObject(tree)) return { body: tree, orderNo: undefined };
  const found = tree.entries.filter(([name]) => name === 'out_order_no').at(-1);
  return { body: objectOf(tree.entries.filter(([name]) => name !== 'out_order_no')), orderNo: found?.[1] };
};

const request = fc
  .record({
    tree: fc.oneof({ arbitrary: rawCommand, weight: 8 }, jsonTree),
    pathMode: fc.constantFrom(...PATH_MODES),
    fuzzedPath: fuzzedPathParameters,
    decoration,
    encoding: fc.oneof({ arbitrary: fc.constant<Base64Style | 'plain'>('plain'), weight: 3 }, base64Style),
    oddBody: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 8 },
      fc.tuple(fc.uint8Array({ maxLength: 64 }), base64Style).map(([bytes, style]) => encode(bytes, style)),
      fc.record({ body: fc.oneof(hostileString, fc.constantFrom(null, '', 42, '{}', '[]', 'null')), isBase64Encoded: fc.oneof(fc.boolean(), fc.constant('true')) }),
    ),
  })
  .map(({ tree, pathMode, fuzzedPath, decoration: [before, after], encoding, oddBody }) => {
    const { body, orderNo } = splitOrderNo(tree);
    const moved = pathMode === 'moved-to-path';
    const text = `${before}${toJsonText(moved ? body : tree)}${after}`;
    const path = pathMode === 'fuzzed' ? fuzzedPath : pathMode === 'body-only' || orderNo === undefined ? null : toEvent(objectOf([['out_order_no', orderNo]]));
    const http = oddBody ?? (encoding === 'plain' ? { body: text, isBase64Encoded: false } : encode(text, encoding));
    return { pathParameters: path, ...http };
  });

const method = fc.oneof({ arbitrary: fc.constant('POST'), weight: 16 }, fc.constantFrom(...METHODS), hostileString);

/** An API Gateway REST (payload 1.0) or HTTP API (payload 2.0) event built on the sample fixtures. */
const apiGatewayEvent = (version: ApiGatewayVersion): fc.Arbitrary<unknown> =>
  fc.tuple(method, request).map(([httpMethod, parts]) => {
    if (version === 'api-gateway-v1') return { ...loadEvent('api-gateway-v1'), httpMethod, ...parts };
    const base = loadEvent('api-gateway-v2');
    return { ...base, requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method: httpMethod } }, ...parts };
  });

export { apiGatewayEvent, encode };
export type { ApiGatewayVersion };
