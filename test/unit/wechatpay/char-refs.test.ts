import { describe, expect, it } from 'vitest';
import { SignatureError, WechatPayError } from '../../../lib/errors.js';
import type { HttpsResponse, HttpsTransport } from '../../../lib/types.js';
import { createWechatPayClient, isCredentialRefusal } from '../../../lib/wechatpay/index.js';
import type { WechatPayCall } from '../../../lib/wechatpay/index.js';
import { V4_FIELDS as V4 } from '../../fixtures/spec-vectors.js';
import { fakeCredentials } from '../../helpers/fake-deps.js';
import { replyXml, signedReplyXml } from '../../helpers/reply-xml.js';

const CREDENTIALS = fakeCredentials();

const CANCEL: WechatPayCall = {
  baseUrl: 'https://api.mch.weixin.qq.com',
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

/** 签名错误 ("sign error") as decimal and hexadecimal character references. */
const SIGN_ERROR_AS_REFERENCES = '&#31614;&#x540D;&#38169;&#x8BEF;';

const callWith = (body: string): Promise<Record<string, string>> => {
  const transport: HttpsTransport = {
    request: async (): Promise<HttpsResponse> => ({ status: 200, headers: { 'content-type': 'text/xml' }, body }),
  };
  return createWechatPayClient({ transport, nonce: () => '5K8264ILTKCH16CQ2502SI8ZNMTM67VS' }).call(CANCEL);
};

const failureOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('wechatpay/client with character references', () => {
  it('verifies a signed reply whose field is written with character references', async () => {
    // Prepare: signed over the decoded text 中文, sent as &#20013;&#x6587;.
    const fields = { ...V4, state: '中文' };
    const body = signedReplyXml(fields, { written: { state: '&#20013;&#x6587;' } });

    // Act
    const reply = await callWith(body);

    // Assess
    expect(reply).toEqual(fields);
  });

  it('refuses a reply signed over the undecoded reference text', async () => {
    // Prepare: the signature covers the literal "&#20013;", which is not what the XML says (中).
    const fields = { ...V4, state: '&#20013;' };
    const body = signedReplyXml(fields, { written: { state: '&#20013;' } });

    // Act
    const error = await failureOf(callWith(body));

    // Assess
    expect(error).toBeInstanceOf(SignatureError);
    expect(error).toMatchObject({ code: 'SIGN_MISMATCH' });
  });

  it('classifies an unsigned return_msg 签名错误 written as character references as SIGNERROR', async () => {
    // Prepare
    const body = replyXml({ return_code: 'FAIL', return_msg: '签名错误' }, { return_msg: SIGN_ERROR_AS_REFERENCES });

    // Act
    const error = await failureOf(callWith(body));

    // Assess: the credential refusal is what triggers the one secret refresh.
    expect(error).toBeInstanceOf(WechatPayError);
    expect(error).toMatchObject({ code: 'SIGNERROR' });
    expect(isCredentialRefusal(error)).toBe(true);
  });
});
