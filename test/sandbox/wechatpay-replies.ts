/**
 * Reply bodies of the sandbox: the XML envelope of spec §4 and the nginx HTML pages the real
 * front end answers with when TLS or routing fails (spec §2).
 */
import { createNonce, signFields } from './wechatpay-protocol.js';
import type { Fields } from './wechatpay-protocol.js';
import type { Outcome } from './wechatpay-endpoints.js';

/** One HTTP answer. */
type HttpReply = { status: number; contentType: string; body: string };

const HTML = 'text/html';

const nginxPage = (status: number, heading: string, detail?: string): HttpReply => {
  const title = detail === undefined ? heading : `${status} ${detail}`;
  const lines = [
    '<html>',
    `<head><title>${title}</title></head>`,
    '<body>',
    `<center><h1>${heading}</h1></center>`,
    ...(detail === undefined ? [] : [`<center>${detail}</center>`]),
    '<hr><center>nginx</center>',
    '</body>',
    '</html>',
    '',
  ];
  return { status, contentType: HTML, body: lines.join('\r\n') };
};

/** The nginx pages the sandbox can answer with; the texts match what WeChat Pay's front end sends. */
const NginxPage = {
  NO_CLIENT_CERT: nginxPage(400, '400 Bad Request', 'No required SSL certificate was sent'),
  CERT_ERROR: nginxPage(400, '400 Bad Request', 'The SSL certificate error'),
  NOT_FOUND: nginxPage(404, '404 Not Found'),
  METHOD_NOT_ALLOWED: nginxPage(405, '405 Not Allowed'),
  TOO_LARGE: nginxPage(413, '413 Request Entity Too Large'),
  INTERNAL_ERROR: nginxPage(500, '500 Internal Server Error'),
  BAD_GATEWAY: nginxPage(502, '502 Bad Gateway'),
} as const;

/**
 * The reply fields for an outcome: `return_code=FAIL` replies carry only `return_code` and
 * `return_msg`; others get the envelope (echoed appid and mch_id, a server nonce) and, when the
 * outcome says so, a `sign` under `apiKey`.
 */
const buildReplyFields = (outcome: Outcome, request: Readonly<Fields>, apiKey: string): Fields => {
  if (outcome.kind === 'returnFail') return { return_code: 'FAIL', return_msg: outcome.msg };
  const fields: Fields = { return_code: 'SUCCESS', return_msg: 'OK' };
  if (request.appid !== undefined) fields.appid = request.appid;
  if (request.mch_id !== undefined) fields.mch_id = request.mch_id;
  Object.assign(fields, { nonce_str: createNonce() }, outcome.fields);
  if (outcome.signed) fields.sign = signFields(fields, apiKey);
  return fields;
};

export { NginxPage, buildReplyFields };
export type { HttpReply };
