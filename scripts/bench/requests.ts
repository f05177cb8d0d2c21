/**
 * The bench's requests: fixed-width order numbers (so every body has the same size), seeded as
 * CREATED orders, and the limit's pre-signed bodies, produced by lib/wechatpay's own client so they
 * are byte for byte what the handler sends (same fields, XML, headers; only nonce and sign differ).
 */
import { createSecretKey } from 'node:crypto';
import type { Sandbox } from '../../test/sandbox/index.js';
import { createNonce, createWechatPayClient } from '../../lib/wechatpay/index.js';
import type { HttpsRequest, MerchantCredentials } from '../../lib/types.js';

/** A realistic reason: UTF-8, no characters that need CDATA. */
const BENCH_REASON = '用户取消租借';
const ORDER_DIGITS = 9;

/** A captured request: what the client would have posted. */
type SignedRequest = { body: string; headers: Readonly<Record<string, string>> };

/** Hands out fresh order numbers `<tag><9 digits>`; every tag must have the same length. */
const createOrderNumbers = () => {
  let counter = 0;
  return (tag: string, count: number): string[] =>
    Array.from({ length: count }, () => `${tag}${String((counter += 1)).padStart(ORDER_DIGITS, '0')}`);
};

/** Seeds each number as a CREATED order and returns them. */
const seedOrders = (sandbox: Sandbox, numbers: string[]): string[] => {
  for (const number of numbers) sandbox.seedOrder(number);
  return numbers;
};

const CAPTURED = new Error('request captured');

/**
 * Returns a signer that builds the exact cancel request the function would send for an order.
 * @throws {Error} when the client fails for another reason than the capture (a bad field).
 */
const createRequestSigner = (sandbox: Sandbox) => {
  const identity = sandbox.certs.clients.merchant;
  const credentials: MerchantCredentials = {
    mchId: sandbox.mchId,
    apiKey: createSecretKey(Buffer.from(sandbox.apiKey, 'utf8')),
    tls: { kind: 'pem', cert: identity.certPem, key: identity.keyPem },
    version: 'bench',
    certNotBefore: new Date(0),
    certNotAfter: new Date(8.64e15),
  };
  let captured: HttpsRequest | undefined;
  const client = createWechatPayClient({
    nonce: createNonce,
    transport: {
      request: (request) => {
        captured = request;
        return Promise.reject(CAPTURED);
      },
    },
  });
  return async (outOrderNo: string): Promise<SignedRequest> => {
    const fields = { version: '1.0', appid: sandbox.appid, service_id: sandbox.serviceId, out_order_no: outOrderNo, reason: BENCH_REASON };
    captured = undefined;
    // The client reaches the transport synchronously, so the capture belongs to this call.
    const pending = client.call({ baseUrl: sandbox.primary.url, path: 'wxv/cancelbill', fields, credentials, timeoutMs: 1 });
    const request = captured as HttpsRequest | undefined;
    const outcome = await pending.catch((error: unknown) => error);
    if (outcome !== CAPTURED || request === undefined) throw new Error('the request signer did not capture a request');
    return { body: request.body, headers: request.headers };
  };
};

export { BENCH_REASON, createOrderNumbers, seedOrders, createRequestSigner };
export type { SignedRequest };
