/**
 * A strict local WeChat Pay APIv2 server for `wxv/cancelbill` and `wxv/queryrentbill` over mutual
 * TLS on 127.0.0.1, with injectable faults, key rotation and host outages.
 */
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { OrderStore } from './wechatpay-orders.js';
import { listenOnLoopback } from './loopback.js';
import { createWechatPayFaults } from './wechatpay-faults.js';
import type { WechatPayFaults } from './wechatpay-faults.js';
import { createRequestHandler, createStats } from './wechatpay-pipeline.js';
import type { PipelineOptions, RecordedRequest, WechatPayStats } from './wechatpay-pipeline.js';

type WechatPaySandboxOptions = PipelineOptions & {
  /** Server certificate and key (PEM), and the CA that issues merchant client certificates. */
  tls: { cert: string; key: string; clientCa: string };
  /** The 32-character APIv2 key; `setApiKey` rotates it. */
  apiKey: string;
  /** Label in `stats.requests` and fault predicates (default `primary`). */
  name?: string;
  /** Default 0: any free port. */
  port?: number;
  /**
   * How an idle keep-alive connection ends, after `idleMs` (default: Node's, a FIN after 5 s):
   * with a FIN (`fin`), or (`reset`) as if a NAT or middlebox had dropped it and the FIN were lost:
   * nothing is sent until the next request arrives on it, which gets an RST instead of an answer.
   */
  keepAlive?: { idleMs: number; close: 'fin' | 'reset' };
};

type WechatPaySandbox = {
  /** `https://127.0.0.1:<port>`; unchanged across `down()`/`up()`. */
  url: string;
  port: number;
  orders: OrderStore;
  faults: WechatPayFaults;
  /** Live counters; `resetStats()` zeroes them in place. */
  stats: WechatPayStats;
  /** Rotates the APIv2 key: requests signed with the old one get `签名错误`. */
  setApiKey(apiKey: string): void;
  resetStats(): void;
  /**
   * Closes the listening socket and every open connection: connects get ECONNREFUSED.
   * @throws nothing; a server already down stays down.
   */
  down(): Promise<void>;
  /**
   * Listens again on the same port.
   * @throws {Error} when another process took the port meanwhile.
   */
  up(): Promise<void>;
  /** Cancels pending delayed replies, clears faults and stops the server. */
  close(): Promise<void>;
};

/**
 * Starts a sandbox server on 127.0.0.1.
 * @throws {Error} when the port cannot be bound.
 * @example
 * const server = await startWechatPaySandbox({ tls, mchId: '1230000109', apiKey, orders });
 * server.faults.push('systemError', { endpoint: 'cancelbill' });
 */
const startWechatPaySandbox = async (options: WechatPaySandboxOptions): Promise<WechatPaySandbox> => {
  const faults = createWechatPayFaults();
  const stats = createStats();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let apiKey = options.apiKey;
  const schedule = (callback: () => void, ms: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
  };
  const handle = createRequestHandler({ name: options.name ?? 'primary', options, faults, stats, apiKey: () => apiKey, schedule });

  const server = createServer({
    cert: options.tls.cert,
    key: options.tls.key,
    ca: options.tls.clientCa,
    // Like nginx `ssl_verify_client optional`: the handshake always completes, the refusal is an HTTP page.
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: 'TLSv1.2',
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    stats.handshakes += 1;
    if (socket.isSessionReused()) stats.resumedHandshakes += 1;
  });
  const idle = options.keepAlive;
  if (idle !== undefined) server.keepAliveTimeout = idle.close === 'fin' ? idle.idleMs : 0;
  /** When each connection last finished a reply (`reset` mode). */
  const lastReply = new WeakMap<object, number>();
  const droppedWhileIdle = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (idle?.close !== 'reset') return false;
    const last = lastReply.get(request.socket);
    response.once('finish', () => lastReply.set(request.socket, Date.now()));
    if (last === undefined || Date.now() - last <= idle.idleMs) return false;
    stats.idleResets += 1;
    // The TCP socket under the TLS one: only it can send an RST.
    for (const socket of sockets) if (socket.remotePort === request.socket.remotePort) socket.resetAndDestroy();
    return true;
  };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (droppedWhileIdle(request, response)) return;
    handle(request, response).catch(() => response.destroy());
  });

  const listen = (port: number): Promise<number> => listenOnLoopback(server, port);
  const down = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  };

  const port = await listen(options.port ?? 0);
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    orders: options.orders,
    faults,
    stats,
    setApiKey: (next) => {
      apiKey = next;
    },
    resetStats: () => {
      Object.assign(stats, createStats());
    },
    down,
    up: async () => {
      if (!server.listening) await listen(port);
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      faults.clear();
      await down();
    },
  };
};

export { startWechatPaySandbox };
export type { WechatPaySandbox, WechatPaySandboxOptions, WechatPayStats, RecordedRequest };
