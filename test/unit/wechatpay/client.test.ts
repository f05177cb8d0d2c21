import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrderNotFoundError, SignatureError, TransientError, WechatPayError } from '../../../lib/errors.js';
import type { HttpsRequest, HttpsResponse, HttpsTransport } from '../../../lib/types.js';
import { createWechatPayClient, isAmbiguousRefusal, isCredentialRefusal } from '../../../lib/wechatpay/index.js';
import type { WechatPayCall } from '../../../lib/wechatpay/index.js';
import { V2_SIGN, V4_FIELDS as V4, V4_SIGN } from '../../fixtures/spec-vectors.js';
import { fakeCredentials } from '../../helpers/fake-deps.js';
import { replyXml, signedReplyXml } from '../../helpers/reply-xml.js';

const CREDENTIALS = fakeCredentials();
const BASE_URL = 'https://api.mch.weixin.qq.com';
const NONCE = '5K8264ILTKCH16CQ2502SI8ZNMTM67VS';


const CANCEL: WechatPayCall = {
  baseUrl: BASE_URL,
  path: 'wxv/cancelbill',
  fields: {
    version: '1.0',
    appid: 'wxd678efh567hg6787',
    service_id: '2002000000000558128851361561536',
    out_order_no: '1234323JKHDFE1243252',
    reason: '用户投诉',
  },
  credentials: CREDENTIALS,
  timeoutMs: 8000,
};

const fakeTransport = (response: Partial<HttpsResponse> | Error) => {
  const requests: HttpsRequest[] = [];
  const transport: HttpsTransport = {
    request: async (request) => {
      requests.push(request);
      if (response instanceof Error) throw response;
      return { status: 200, headers: { 'content-type': 'text/xml' }, body: '', ...response };
    },
  };
  return { transport, requests };
};

const callWith = (response: Partial<HttpsResponse> | Error, input: WechatPayCall = CANCEL) => {
  const { transport, requests } = fakeTransport(response);
  const client = createWechatPayClient({ transport, nonce: () => NONCE });
  return { result: client.call(input), requests };
};

const failureOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('wechatpay/client', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('request', () => {
    it('sends the spec §10 V2 body, signed, to baseUrl/path with the XML headers', async () => {
      // Prepare
      const { result, requests } = callWith({ body: signedReplyXml(V4) });

      // Act
      await result;

      // Assess
      const [request] = requests;
      expect(requests).toHaveLength(1);
      expect(request).toEqual({
        url: 'https://api.mch.weixin.qq.com/wxv/cancelbill',
        body:
          '<xml><version>1.0</version><appid>wxd678efh567hg6787</appid><service_id>2002000000000558128851361561536</service_id>' +
          '<out_order_no>1234323JKHDFE1243252</out_order_no><reason>用户投诉</reason><mch_id>1230000109</mch_id>' +
          '<nonce_str>5K8264ILTKCH16CQ2502SI8ZNMTM67VS</nonce_str><sign_type>HMAC-SHA256</sign_type>' +
          `<sign>${V2_SIGN}</sign></xml>`,
        headers: { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml, text/plain' },
        timeoutMs: 8000,
        credentials: CREDENTIALS,
      });
    });

    it('never lets the caller set mch_id, nonce_str, sign_type or sign', async () => {
      // Prepare
      const input = { ...CANCEL, fields: { ...CANCEL.fields, mch_id: '999', nonce_str: 'mine', sign_type: 'MD5', sign: 'FORGED' } };

      // Act
      const { result, requests } = callWith({ body: signedReplyXml(V4) }, input);
      await result;

      // Assess
      expect(requests[0]?.body).toContain('<mch_id>1230000109</mch_id>');
      expect(requests[0]?.body).toContain(`<nonce_str>${NONCE}</nonce_str>`);
      expect(requests[0]?.body).toContain(`<sign>${V2_SIGN}</sign>`);
      expect(requests[0]?.body).not.toMatch(/999|mine|MD5|FORGED/);
    });

    it('posts to the queryrentbill path', async () => {
      // Act
      const { result, requests } = callWith({ body: signedReplyXml(V4) }, { ...CANCEL, path: 'wxv/queryrentbill' });
      await result;

      // Assess
      expect(requests[0]?.url).toBe('https://api.mch.weixin.qq.com/wxv/queryrentbill');
    });
  });

  describe('reply', () => {
    it('returns the verified V4 fields without the sign', async () => {
      // Act
      const { result } = callWith({ body: replyXml({ ...V4, sign: V4_SIGN }) });

      // Assess
      await expect(result).resolves.toEqual(V4);
    });

    it('parses the reply whatever its Content-Type says', async () => {
      // Act
      const { result } = callWith({ headers: { 'content-type': 'text/plain' }, body: signedReplyXml(V4) });

      // Assess
      await expect(result).resolves.toMatchObject({ order_id: '15646546545165651651' });
    });

    it('takes an empty mch_id echo in a verified reply as absent, not as another merchant', async () => {
      // Prepare
      const emptyEcho = { ...V4, mch_id: '' };

      // Act
      const { result } = callWith({ body: signedReplyXml(emptyEcho) });

      // Assess
      await expect(result).resolves.toEqual(emptyEcho);
    });

    it('accepts a verified success that does not echo mch_id', async () => {
      // Prepare
      const { mch_id: _mchId, ...withoutMchId } = V4;

      // Act
      const { result } = callWith({ body: signedReplyXml(withoutMchId) });

      // Assess
      await expect(result).resolves.toEqual(withoutMchId);
    });

    it.each([
      { name: 'one digit of order_id changed', body: replyXml({ ...V4, order_id: '15646546545165651652', sign: V4_SIGN }) },
      { name: 'an unknown field added', body: replyXml({ ...V4, coupon_fee: '1', sign: V4_SIGN }) },
      { name: 'a failure reply with a forged sign', body: replyXml({ ...V4, result_code: 'FAIL', err_code: 'SYSTEMERROR', sign: V4_SIGN }) },
      { name: 'an empty sign', body: replyXml({ ...V4, sign: '' }) },
    ])('throws SIGN_MISMATCH for $name', async ({ body }) => {
      // Act
      const error = await failureOf(callWith({ body }).result);

      // Assess
      expect(error).toBeInstanceOf(SignatureError);
      expect(error.message).toBe('SIGN_MISMATCH: the reply signature does not verify with the key in hand');
      // A reply signed with a key not held yet (a rotation): the secret is fetched afresh once.
      expect(isCredentialRefusal(error)).toBe(true);
    });

    it('throws SIGN_MISSING for an unsigned success', async () => {
      // Act
      const error = await failureOf(callWith({ body: replyXml(V4) }).result);

      // Assess
      expect(error).toBeInstanceOf(SignatureError);
      expect(error.message).toBe('SIGN_MISSING: a success reply carries no sign');
      expect(isCredentialRefusal(error)).toBe(false);
    });

    it.each([
      { name: 'SYSTEMERROR', errorClass: TransientError },
      { name: 'ORDERNOTEXIST', errorClass: OrderNotFoundError },
      { name: 'NOAUTH', errorClass: WechatPayError },
    ])('classifies an unsigned $name failure by its err_code', async ({ name, errorClass }) => {
      // Prepare
      const body = replyXml({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: name, err_code_des: '系统错误' });

      // Act
      const error = await failureOf(callWith({ body }).result);

      // Assess
      expect(error).toBeInstanceOf(errorClass);
      expect(error.message).toBe(`${name}: 系统错误`);
    });

    it('throws a sent-phase TransientError for an unsigned SYSTEMERROR', async () => {
      // Prepare
      const body = replyXml({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: 'SYSTEMERROR' });

      // Act
      const error = await failureOf(callWith({ body }).result);

      // Assess
      expect(error).toMatchObject({ name: 'TransientError', code: 'SYSTEMERROR', phase: 'sent' });
    });

    it('classifies a signed PARAM_ERROR as an ambiguous refusal', async () => {
      // Prepare
      const body = signedReplyXml({ ...V4, result_code: 'FAIL', err_code: 'PARAM_ERROR', err_code_des: '撤销失败，请确认入参' });

      // Act
      const error = await failureOf(callWith({ body }).result);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe('PARAM_ERROR: 撤销失败，请确认入参');
      expect(isAmbiguousRefusal(error)).toBe(true);
    });

    it('classifies a signed reply with a garbage result_code by err_code', async () => {
      // Act
      const error = await failureOf(callWith({ body: signedReplyXml({ ...V4, result_code: 'MAYBE' }) }).result);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe('UNKNOWN_ERROR: result_code=MAYBE');
    });

    it('throws INVALID_REPLY for a signed reply without result_code', async () => {
      // Prepare
      const { result_code: _resultCode, ...withoutResult } = V4;

      // Act
      const error = await failureOf(callWith({ body: signedReplyXml(withoutResult) }).result);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe('INVALID_REPLY: the signed reply has no result_code');
      expect(isAmbiguousRefusal(error)).toBe(true);
    });

    it('throws MCH_ID_MISMATCH for a verified success naming another merchant', async () => {
      // Act
      const error = await failureOf(callWith({ body: signedReplyXml({ ...V4, mch_id: '1230000110' }) }).result);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe('MCH_ID_MISMATCH: the signed reply names another merchant');
      expect(isAmbiguousRefusal(error)).toBe(true);
    });

    it('classifies return_code FAIL 签名错误 as a SIGNERROR credential refusal without verifying', async () => {
      // Act
      const error = await failureOf(callWith({ body: replyXml({ return_code: 'FAIL', return_msg: '签名错误' }) }).result);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error.message).toBe('SIGNERROR: return_code=FAIL: 签名错误');
      expect(isCredentialRefusal(error)).toBe(true);
    });

    it('refuses a reply with two sign elements', async () => {
      // Prepare
      const body = signedReplyXml(V4).replace('</xml>', `<sign><![CDATA[${V4_SIGN}]]></sign></xml>`);

      // Act
      const error = await failureOf(callWith({ body }).result);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error).toMatchObject({ code: 'XML_DUPLICATE_FIELD' });
    });
  });

  describe('transport outcomes', () => {
    it('classifies the nginx 400 page as NO_CLIENT_CERT before parsing', async () => {
      // Prepare
      const body =
        '<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n' +
        '<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>';

      // Act
      const error = await failureOf(callWith({ status: 400, headers: { 'content-type': 'text/html' }, body }).result);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error).toMatchObject({ code: 'NO_CLIENT_CERT' });
      expect(isCredentialRefusal(error)).toBe(true);
    });

    it('throws a sent-phase TransientError for HTTP 503 even with an XML body', async () => {
      // Act
      const error = await failureOf(callWith({ status: 503, body: signedReplyXml(V4) }).result);

      // Assess
      expect(error).toMatchObject({ name: 'TransientError', code: 'HTTP_503', phase: 'sent' });
    });

    it.each([
      { name: 'an empty body', body: '' },
      { name: 'an HTML page', body: '<html><body><h1>502 Bad Gateway</h1><hr></body></html>' },
      { name: 'an XML reply without return_code', body: '<xml><result_code>SUCCESS</result_code></xml>' },
    ])('throws a transient INVALID_REPLY for HTTP 200 with $name', async ({ body }) => {
      // Act
      const error = await failureOf(callWith({ body }).result);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'INVALID_REPLY' });
    });

    it('passes a transport error through unchanged', async () => {
      // Prepare
      const failure = new TransientError('CONNECT_TIMEOUT', 'no connection', { phase: 'connect' });

      // Act
      const error = await failureOf(callWith(failure).result);

      // Assess
      expect(error).toBe(failure);
    });
  });

  it('never logs', async () => {
    // Prepare
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );

    // Act
    await callWith({ body: signedReplyXml(V4) }).result;
    await failureOf(callWith({ body: replyXml({ ...V4, sign: '0'.repeat(64) }) }).result);

    // Assess
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
