/**
 * The WeChat Pay APIv2 protocol layer. Other areas import from here only; `xml.ts` stays private.
 */
export { createWechatPayClient } from './client.js';
export type { WechatPayCall, WechatPayClient, WechatPayClientDeps, WechatPayPath } from './client.js';
export { ERR_CODE_OUTCOMES, isAmbiguousRefusal, isCredentialRefusal, isRateLimited } from './outcomes.js';
export type { Outcome } from './outcomes.js';
export { SignType, canonicalize, createNonce, sign, verify } from './sign.js';
