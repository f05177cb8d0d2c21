/**
 * WeChat Pay reply bodies for unit tests, written as the real server writes them, and signed
 * with the key of `fakeCredentials` (or another).
 */
import type { KeyObject } from 'node:crypto';
import { sign } from '../../lib/wechatpay/index.js';
import { fakeCredentials } from './fake-deps.js';

type Fields = Readonly<Record<string, string>>;

/**
 * A reply body, `<xml>…</xml>`, in the server's usual shape: every value in CDATA. A field named
 * in `written` is written as that raw text instead, outside CDATA (character references, say).
 */
const replyXml = (fields: Fields, written: Fields = {}): string => {
  const children = Object.entries(fields).map(([name, value]) => {
    const text = Object.hasOwn(written, name) ? written[name] : `<![CDATA[${value}]]>`;
    return `<${name}>${text}</${name}>`;
  });
  return `<xml>${children.join('')}</xml>`;
};

/**
 * The same body with a `sign` field: the HMAC-SHA256 signature of lib/wechatpay over `fields`
 * (the values as they decode, not as `written`), by `key`, by default the APIv2 key of
 * `fakeCredentials()`.
 *
 * @example
 * const body = signedReplyXml({ return_code: 'SUCCESS', result_code: 'SUCCESS', order_id: '1' });
 */
const signedReplyXml = (fields: Fields, options: { key?: KeyObject; written?: Fields } = {}): string =>
  replyXml({ ...fields, sign: sign(fields, options.key ?? fakeCredentials().apiKey) }, options.written);

export { replyXml, signedReplyXml };
