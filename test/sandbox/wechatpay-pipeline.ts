/**
 * The request pipeline of the WeChat Pay sandbox, in the order the real front end and API apply
 * it: client certificate, route, method, body size, XML, injected fault, then the endpoint.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import { parseXml } from './wechatpay-protocol.js';
import type { Fields } from './wechatpay-protocol.js';
import { ENDPOINT_BY_PATH, handleEndpoint } from './wechatpay-endpoints.js';
import type { Endpoint, EndpointContext, Outcome, RepeatCancelCode } from './wechatpay-endpoints.js';
import type { OrderStore } from './wechatpay-orders.js';
import { NginxPage, buildReplyFields } from './wechatpay-replies.js';
import type { HttpReply } from './wechatpay-replies.js';
import { deliverAfterProcessing, deliverBeforeProcessing } from './wechatpay-faults.js';
import type { Delivery, WechatPayFaults } from './wechatpay-faults.js';
import { deliver, readBody, refuseClientCertificate } from './wechatpay-http.js';
import type { Schedule } from './wechatpay-http.js';

/** Behaviour switches of one server. */
type PipelineOptions = {
  mchId: string;
  /** Pass the same store to a primary and a backup server. */
  orders: OrderStore;
  /** The refusal for a cancel in a terminal state (default `INVALID_ORDER_STATE`). */
  repeatCancelCode?: RepeatCancelCode;
  /** Content-Type of XML replies (default `text/plain`, as the real server sometimes sends). */
  replyContentType?: string;
  /** Sign `result_code=FAIL` replies (default true; `systemError` faults are never signed). */
  signFailReplies?: boolean;
  /** Refuse a reused `nonce_str` with `INVALID_REQUEST`, as spec §9 allows a real server to (default true; reuse is always counted). */
  rejectReusedNonce?: boolean;
  /** Request body limit (default 64 KiB; larger bodies get nginx's 413 page). */
  maxBodyBytes?: number;
};

/** A request whose XML parsed, as received (minus `sign`), with what the sandbox answered. */
type RecordedRequest = {
  server: string;
  endpoint: Endpoint;
  fields: Fields;
  /** `SUCCESS`, the `err_code`, `FAIL:<return_msg>`, or `FAULT` for a fault that pre-empted processing. */
  outcome: string;
  fault: string | undefined;
  at: number;
};

type WechatPayStats = {
  /** TLS connections established ('secureConnection' events, resumed sessions included). */
  handshakes: number;
  /** Of those, the abbreviated handshakes that resumed a TLS session. */
  resumedHandshakes: number;
  /** Requests that arrived on a connection the `reset` keep-alive mode had dropped: each got an RST. */
  idleResets: number;
  /** Every HTTP request, including refused ones. */
  httpRequests: number;
  certRefusals: number;
  reusedNonces: number;
  requests: RecordedRequest[];
};

type PipelineSetup = {
  name: string;
  options: PipelineOptions;
  faults: WechatPayFaults;
  stats: WechatPayStats;
  /** The current APIv2 key (it can rotate between requests). */
  apiKey: () => string;
  schedule: Schedule;
};

/** Fresh, zeroed statistics. */
const createStats = (): WechatPayStats => ({
  handshakes: 0,
  resumedHandshakes: 0,
  idleResets: 0,
  httpRequests: 0,
  certRefusals: 0,
  reusedNonces: 0,
  requests: [],
});

const outcomeLabel = (outcome: Outcome): string =>
  outcome.kind === 'returnFail'
    ? `FAIL:${outcome.msg}`
    : outcome.fields.result_code === 'SUCCESS' ? 'SUCCESS' : (outcome.fields.err_code ?? 'FAIL');

/**
 * Builds the `request` listener of a sandbox server.
 * @throws nothing itself; a rejected handler promise means the client aborted (the caller destroys the response).
 */
const createRequestHandler = ({ name, options, faults, stats, apiKey, schedule }: PipelineSetup) => {
  const nonces = new Set<string>();
  const endpointContext = (): EndpointContext => ({
    mchId: options.mchId,
    apiKey: apiKey(),
    orders: options.orders,
    repeatCancelCode: options.repeatCancelCode ?? 'INVALID_ORDER_STATE',
    signFailReplies: options.signFailReplies ?? true,
    rejectReusedNonce: options.rejectReusedNonce ?? true,
    seenNonce: (nonce) => {
      const seen = nonces.has(nonce);
      if (seen) stats.reusedNonces += 1;
      nonces.add(nonce);
      return seen;
    },
  });

  /** What to do with one request: a reply, or a fault's way of not giving one. */
  const deliveryFor = async (request: IncomingMessage): Promise<Delivery> => {
    const send = (reply: HttpReply): Delivery => ({ kind: 'send', reply });
    const { socket } = request;
    if (!(socket instanceof TLSSocket)) throw new Error('the WeChat Pay sandbox serves HTTPS only');
    const refusal = refuseClientCertificate(socket, options.mchId);
    if (refusal !== undefined) {
      stats.certRefusals += 1;
      return send(refusal);
    }
    const endpoint = ENDPOINT_BY_PATH.get(new URL(request.url ?? '/', 'https://sandbox').pathname);
    if (endpoint === undefined) return send(NginxPage.NOT_FOUND);
    if (request.method !== 'POST') return send(NginxPage.METHOD_NOT_ALLOWED);
    const body = await readBody(request, options.maxBodyBytes ?? 64 * 1024);
    if (body === undefined) return send(NginxPage.TOO_LARGE);
    const parsed = body === null ? undefined : parseXml(body);
    const fields = parsed?.ok === true ? parsed.fields : undefined;
    const fault = faults.take({ server: name, endpoint, fields });
    const key = apiKey();
    const replyContext = { apiKey: key, signFailReplies: options.signFailReplies ?? true, contentType: options.replyContentType ?? 'text/plain' };
    const record: RecordedRequest | undefined = fields && {
      server: name,
      endpoint,
      fields: Object.fromEntries(Object.entries(fields).filter(([field]) => field !== 'sign')),
      outcome: 'FAULT',
      fault: fault?.kind,
      at: Date.now(),
    };
    if (record !== undefined) stats.requests.push(record);
    const preempted = fault && deliverBeforeProcessing(fault, fields ?? {}, replyContext);
    if (preempted !== undefined) return preempted;
    const outcome: Outcome = fields === undefined ? { kind: 'returnFail', msg: 'XML格式错误' } : handleEndpoint(endpoint, fields, endpointContext());
    if (record !== undefined) record.outcome = outcomeLabel(outcome);
    return deliverAfterProcessing(fault, buildReplyFields(outcome, fields ?? {}, key), replyContext);
  };

  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    stats.httpRequests += 1;
    deliver(response, await deliveryFor(request), schedule);
  };
};

export { createRequestHandler, createStats };
export type { PipelineOptions, RecordedRequest, WechatPayStats };
