/**
 * A hostile WeChat Pay front for tests: it applies each request with the sandbox's own endpoint
 * rules and order store (a cancel really happens), then answers with bytes the test scripted from
 * the honest reply: invalid UTF-8, external entities, deep nesting, overlong fields... shapes the
 * fault kinds of wechatpay-faults.ts do not produce. It records every reply signature it computed.
 */
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './loopback.js';
import { ENDPOINT_BY_PATH, handleEndpoint } from './wechatpay-endpoints.js';
import type { EndpointContext } from './wechatpay-endpoints.js';
import { readBody } from './wechatpay-http.js';
import type { OrderStore } from './wechatpay-orders.js';
import { parseXml, toXml } from './wechatpay-protocol.js';
import type { Fields } from './wechatpay-protocol.js';
import { NginxPage, buildReplyFields } from './wechatpay-replies.js';

/** The reply the sandbox would have sent: its fields (with `sign`), their XML, and the key that signed them. */
type HonestReply = Readonly<{ fields: Readonly<Fields>; xml: string; apiKey: string }>;

/** A scripted answer: the body made from the honest reply (status 200 unless `status`), sent with Content-Length unless `chunked`. */
type HostileReply = Readonly<{ body: (honest: HonestReply) => string | Buffer; chunked?: boolean; status?: number }>;

type HostileServerOptions = Readonly<{
  /** Server certificate and key (PEM): the sandbox's, so the function trusts this host too. */
  tls: { cert: string; key: string };
  mchId: string;
  /** The sandbox's current APIv2 key. */
  apiKey: () => string;
  /** The sandbox's order store: cancels applied here are visible there. */
  orders: OrderStore;
}>;

type HostileServer = {
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** Answers the next `times` (default 1) requests with `reply`; requests beyond get the honest reply. */
  push(reply: HostileReply, times?: number): void;
  /** The `sign` of every honest reply built so far, for leak scans. */
  readonly replySigns: readonly string[];
  /** Requests received. */
  readonly requests: number;
  close(): Promise<void>;
};

const CHUNK_BYTES = 16 * 1024;

/** Resolves when `response` can take more data or is gone (the client hung up). */
const writable = (response: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });

/** Sends `body` in chunks, honouring back-pressure, and stops as soon as the client hangs up. */
const send = async (response: ServerResponse, status: number, body: string | Buffer, chunked: boolean): Promise<void> => {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, chunked ? { 'content-type': 'text/plain' } : { 'content-type': 'text/plain', 'content-length': bytes.length });
  for (let start = 0; start < bytes.length && !response.destroyed; start += CHUNK_BYTES) {
    if (!response.write(bytes.subarray(start, start + CHUNK_BYTES))) await writable(response);
  }
  if (!response.destroyed) response.end();
};

/**
 * Starts the hostile front on 127.0.0.1 (any free port).
 * @throws {Error} when the port cannot be bound.
 * @example
 * const hostile = await startHostileServer({ tls: { cert, key }, mchId, apiKey: () => sandbox.apiKey, orders: sandbox.orders });
 * hostile.push({ body: ({ xml }) => Buffer.concat([Buffer.from(xml), Buffer.from([0xff])]) });
 */
const startHostileServer = async (options: HostileServerOptions): Promise<HostileServer> => {
  const script: HostileReply[] = [];
  const replySigns: string[] = [];
  const sockets = new Set<Socket>();
  let requests = 0;
  const context = (): EndpointContext => ({
    mchId: options.mchId,
    apiKey: options.apiKey(),
    orders: options.orders,
    repeatCancelCode: 'INVALID_ORDER_STATE',
    signFailReplies: true,
    rejectReusedNonce: false,
    seenNonce: () => false,
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    requests += 1;
    const endpoint = ENDPOINT_BY_PATH.get(new URL(request.url ?? '/', 'https://hostile').pathname);
    const body = await readBody(request, 64 * 1024);
    const parsed = typeof body === 'string' ? parseXml(body) : undefined;
    if (endpoint === undefined || parsed?.ok !== true) return send(response, 404, NginxPage.NOT_FOUND.body, false);
    const endpointContext = context();
    const fields = buildReplyFields(handleEndpoint(endpoint, parsed.fields, endpointContext), parsed.fields, endpointContext.apiKey);
    if (fields.sign !== undefined) replySigns.push(fields.sign);
    const honest: HonestReply = { fields, xml: toXml(fields), apiKey: endpointContext.apiKey };
    const scripted = script.shift();
    if (scripted === undefined) return send(response, 200, honest.xml, false);
    return send(response, scripted.status ?? 200, scripted.body(honest), scripted.chunked === true);
  };

  const server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch(() => response.destroy());
  });
  const port = await listenOnLoopback(server);

  return {
    url: `https://127.0.0.1:${port}`,
    push: (reply, times = 1) => {
      for (let i = 0; i < times; i += 1) script.push(reply);
    },
    get replySigns() {
      return replySigns;
    },
    get requests() {
      return requests;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
};

export { startHostileServer };
export type { HostileServer, HostileServerOptions, HostileReply, HonestReply };
