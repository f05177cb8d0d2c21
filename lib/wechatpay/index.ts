/**
 * The WeChat Pay APIv2 protocol layer. Other areas import from here only; `xml.ts` stays private.
 */
import { createWechatPayClient } from './client.js';
import type { WechatPayCall, WechatPayClient, WechatPayClientDeps, WechatPayPath } from './client.js';
import { ERR_CODE_OUTCOMES, isAmbiguousRefusal, isCredentialRefusal, isRateLimited } from './outcomes.js';
import type { Outcome } from './outcomes.js';
import { SignType, canonicalize, createNonce, sign, verify } from './sign.js';

export {
  createWechatPayClient,
  createNonce,
  SignType,
  canonicalize,
  sign,
  verify,
  ERR_CODE_OUTCOMES,
  isAmbiguousRefusal,
  isCredentialRefusal,
  isRateLimited,
};
export type { WechatPayCall, WechatPayClient, WechatPayClientDeps, WechatPayPath, Outcome };
