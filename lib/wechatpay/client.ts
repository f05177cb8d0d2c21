import { SignatureError, WechatPayError } from '../errors.js';
import type { HttpsTransport, MerchantCredentials } from '../types.js';
import { classifyHttpStatus, classifyResultFail, classifyReturnFail } from './outcomes.js';
import { SignType, sign, verify } from './sign.js';
import { fromXml, toXml } from './xml.js';

/** The APIv2 paths this client calls. */
type WechatPayPath = 'wxv/cancelbill' | 'wxv/queryrentbill';

type WechatPayCall = Readonly<{
  /** `https://api.mch.weixin.qq.com` or the backup host, without a trailing slash. */
  baseUrl: string;
  path: WechatPayPath;
  /** Business fields (`version`, `appid`, `service_id`, `out_order_no`, `reason`, ...). */
  fields: Readonly<Record<string, string>>;
  credentials: MerchantCredentials;
  timeoutMs: number;
}>;

type WechatPayClientDeps = Readonly<{
  transport: HttpsTransport;
  /** `createNonce` in production; a fixed sequence in tests. */
  nonce: () => string;
}>;

interface WechatPayClient {
  /**
   * Signs and sends one request and returns the verified reply fields (without `sign`).
   * @throws {TransientError} network, timeout, HTTP 5xx/429, a non-XML reply, SYSTEMERROR, rate limits.
   * @throws {WechatPayError} any other refusal, a hostile reply, or a reply for another merchant.
   * @throws {OrderNotFoundError} `err_code` says the order does not exist.
   * @throws {SignatureError} a reply that must be signed is unsigned or mis-signed.
   */
  call(input: WechatPayCall): Promise<Record<string, string>>;
}

const REQUEST_HEADERS = Object.freeze({
  'Content-Type': 'text/xml; charset=utf-8',
  Accept: 'text/xml, text/plain',
});

/** Spec §8: return_code, then signature, then result_code. Returns the verified fields. */
const checkReply = (reply: Readonly<Record<string, string>>, credentials: MerchantCredentials): Record<string, string> => {
  // Protocol failures are unsigned (spec §8 step 2): classify, trust nothing.
  if (reply.return_code !== 'SUCCESS') throw classifyReturnFail(reply);
  if (reply.sign === undefined) {
    // Unsigned SYSTEMERROR replies exist (spec §8 step 4); an unsigned success never counts (step 5).
    if (reply.result_code === 'SUCCESS') throw new SignatureError('SIGN_MISSING', 'a success reply carries no sign');
    throw classifyResultFail(reply);
  }
  // A reply signed with a key we do not hold yet (a rotation) looks exactly like this: the use case
  // fetches the secret afresh once before it answers SignatureError.
  if (!verify(reply, credentials.apiKey)) {
    throw new SignatureError('SIGN_MISMATCH', 'the reply signature does not verify with the key in hand', { credentialRefusal: true });
  }
  if (reply.result_code === undefined) throw new WechatPayError('INVALID_REPLY', 'the signed reply has no result_code', { ambiguous: true });
  if (reply.result_code !== 'SUCCESS') throw classifyResultFail(reply);
  // An empty element is an absent value (an empty echo names no merchant).
  if (reply.mch_id !== undefined && reply.mch_id !== '' && reply.mch_id !== credentials.mchId) {
    throw new WechatPayError('MCH_ID_MISMATCH', 'the signed reply names another merchant', { ambiguous: true });
  }
  const { sign: _signature, ...verified } = reply;
  return verified;
};

/**
 * Creates the APIv2 XML client: adds `mch_id`, `nonce_str` and `sign_type`, signs (spec §7),
 * posts the XML over the injected transport, and checks the reply (spec §5, §8). Never logs.
 *
 * @example
 * const client = createWechatPayClient({ transport, nonce: createNonce });
 * const reply = await client.call({ baseUrl, path: 'wxv/cancelbill', fields, credentials, timeoutMs: 8000 });
 */
const createWechatPayClient = (deps: WechatPayClientDeps): WechatPayClient => ({
  call: async ({ baseUrl, path, fields, credentials, timeoutMs }) => {
    // Our own fields come last so a caller can never override them.
    const unsigned = { ...fields, mch_id: credentials.mchId, nonce_str: deps.nonce(), sign_type: SignType.HMAC_SHA256 };
    const body = toXml({ ...unsigned, sign: sign(unsigned, credentials.apiKey) });
    const response = await deps.transport.request({
      url: `${baseUrl}/${path}`,
      body,
      headers: REQUEST_HEADERS,
      timeoutMs,
      credentials,
    });
    const httpError = classifyHttpStatus(response.status, response.body);
    if (httpError !== undefined) throw httpError;
    // The Content-Type may be text/plain (spec §2): parse whatever it says.
    return checkReply(fromXml(response.body), credentials);
  },
});

export { createWechatPayClient };
export type { WechatPayClient, WechatPayClientDeps, WechatPayCall, WechatPayPath };
