import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { urlToHttpOptions } from 'node:url';
import { STALE_CONNECTION, TransientError, WechatPayError } from './errors.js';
import type { FailurePhase } from './errors.js';
import type { Clock, HttpsRequest, HttpsResponse, HttpsTransport, MerchantCredentials } from './types.js';

/** Replies of `wxv/*` are a few hundred bytes; anything near this is hostile or broken. */
const MAX_REPLY_BYTES = 64 * 1024;
/** The official v2 SDK's connect timeout. */
const CONNECT_TIMEOUT_MS = 6000;
/** Errors of a pooled keep-alive socket that the server closed before our request reached it. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Agents kept at once: the current credential version and the one before (requests in flight). */
const MAX_AGENTS = 2;
/**
 * A pooled connection idle for longer than this is closed instead of reused. WeChat Pay publishes
 * no keep-alive timeout; the maintainers of its official Java SDK state 8 s for its servers and keep
 * connections 7 s (wechatpay-java pull request 187); nginx's default is 75 s. Half of 8 s leaves room
 * for a round trip, and is undici's default too. Retiring a connection the server still held costs
 * one new handshake (a resumed TLS session); reusing one it has dropped without a FIN that reached
 * us costs a request written into a dead connection, a round trip to the RST, and a resend.
 * Judged by the idle age at reuse, not by a timer: a frozen Lambda container runs no timers.
 */
const SOCKET_RETIREMENT_MS = 4000;

/**
 * TLS alerts by which a server refuses our client certificate: in the error code under TLS 1.3
 * (`ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE`), only in the message under TLS 1.2 (`EPROTO`, "sslv3 alert
 * bad certificate"). A bare handshake failure is left out: it also means a cipher mismatch.
 */
const CLIENT_CERT_ALERTS = /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_EXPIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_REVOKED|ACCESS_DENIED)/;
const CLIENT_CERT_ALERT_TEXT = /alert (bad certificate|certificate required|unknown ca|certificate expired|certificate unknown|certificate revoked|access denied)/i;

type TransportOptions = {
  /** Measures how long a pooled connection has been idle (STYLE §6). */
  clock: Pick<Clock, 'now'>;
  maxReplyBytes?: number;
  connectTimeoutMs?: number;
  /** A pooled connection idle for longer than this is not reused (default {@link SOCKET_RETIREMENT_MS}). */
  socketRetirementMs?: number;
};

/**
 * The Agent of one credential version. The client identity goes in a secure context built once
 * here, not as `cert`/`key`/`pfx` options: the Agent would otherwise concatenate that PEM or PFX
 * into its pool key and hash it again on every request.
 */
const createAgent = (credentials: Pick<MerchantCredentials, 'tls'>): Agent => {
  const identity =
    credentials.tls.kind === 'pem'
      ? { cert: credentials.tls.cert, key: credentials.tls.key }
      : { pfx: credentials.tls.pfx, passphrase: credentials.tls.passphrase };
  // No idle `timeout`: that is a timer, and a frozen container runs none (see SOCKET_RETIREMENT_MS).
  return new Agent({
    keepAlive: true,
    // The most recently used connection first: the one least likely to be past its retirement age.
    // Stryker disable next-line StringLiteral: Node's Agent takes an empty scheduling as its default, which is 'lifo'
    scheduling: 'lifo',
    // No `ca`: trust comes from Node's default store plus NODE_EXTRA_CA_CERTS only. The context
    // sets the minimum version: Node ignores the TLS options beside a `secureContext`.
    secureContext: createSecureContext({ minVersion: 'TLSv1.2', ...identity }),
    // Explicit, so NODE_TLS_REJECT_UNAUTHORIZED cannot weaken it.
    rejectUnauthorized: true,
  });
};

/**
 * Records when each socket of `agent` went back to its pool, and returns the function that closes
 * the pooled sockets idle for longer than `maxIdleMs`; call it before every request. A clean
 * `destroy()` keeps the Agent's cached TLS session (only a close with an error evicts it), so the
 * next connection resumes it. Each pool lists its sockets in the order they were released, so the
 * retired ones are its oldest, at its head, where the Agent skips destroyed sockets when it picks one.
 */
const retireIdleSockets = (agent: Agent, clock: Pick<Clock, 'now'>, maxIdleMs: number): (() => void) => {
  const releasedAt = new WeakMap<Socket, number>();
  agent.on('free', (socket: Socket) => releasedAt.set(socket, clock.now()));
  return () => {
    const now = clock.now();
    for (const name in agent.freeSockets) {
      // Stryker disable next-line ArrayDeclaration: the Agent lists only the names that have a pool
      for (const socket of agent.freeSockets[name] ?? []) {
        if (now - (releasedAt.get(socket) ?? now) > maxIdleMs) socket.destroy();
      }
    }
  };
};

/** Where a request goes, parsed once per URL: the host for messages, Node's own request options. */
type Target = Readonly<{ host: string; options: ReturnType<typeof urlToHttpOptions> }>;
/** Only the primary and backup hosts' few paths are ever called; the cap is a safety net. */
const MAX_TARGETS = 16;

const parseTarget = (url: string): Target => {
  const parsed = new URL(url);
  return { host: parsed.host, options: urlToHttpOptions(parsed) };
};

/** Decoders are stateless between non-streaming `decode()` calls, so two serve every reply. */
// Stryker disable next-line StringLiteral: an unknown label throws as the module loads, failing every test file that imports it, which the vitest runner does not count as a kill
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
// Stryker disable next-line StringLiteral: as above, a load failure the vitest runner does not count
const LENIENT_UTF8 = new TextDecoder('utf-8');

const codeOf = (error: unknown): string =>
  typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    ? (error as { code: string }).code
    : '';

/** Turns a socket-level failure into the contract's error, keeping the phase for failover decisions. */
const toTransportError = (error: unknown, phase: FailurePhase, host: string): Error => {
  if (error instanceof TransientError || error instanceof WechatPayError) return error;
  const code = codeOf(error);
  // Stryker disable next-line StringLiteral: a text without an alert's name, whatever it is, matches no alert
  const message = error instanceof Error ? error.message : '';
  if (CLIENT_CERT_ALERTS.test(code) || CLIENT_CERT_ALERT_TEXT.test(message)) {
    return new WechatPayError('SSL_CERT_ERROR', `${host} refused the client certificate during the TLS handshake (${code})`, {
      cause: error,
      credentialRefusal: true,
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new TransientError('DNS_FAILED', `cannot resolve ${host} (${code})`, { cause: error, phase: 'connect' });
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new TransientError('CONNECTION_REFUSED', `cannot connect to ${host} (${code})`, { cause: error, phase: 'connect' });
  }
  if (phase === 'connect' && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT|SIGNATURE/.test(code))) {
    return new TransientError('TLS_HANDSHAKE_FAILED', `TLS handshake with ${host} failed (${code})`, { cause: error, phase });
  }
  const label = code === '' ? 'socket error' : code;
  return new TransientError('CONNECTION_RESET', `connection to ${host} failed (${label})`, { cause: error, phase });
};

/**
 * Reads a reply body, enforcing the size cap while reading. A 2xx body over the cap or not valid
 * UTF-8 is refused; any other status is classified by its status, so its body is only kept up to
 * the cap (then the connection is dropped) and decoded leniently.
 */
const readBody = (response: IncomingMessage, maxBytes: number, host: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const status = response.statusCode ?? 0;
    const strict =
      status < 300 &&
      // Stryker disable next-line ConditionalExpression: a final status is never below 200 (Node reads 1xx as interim)
      status >= 200;
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => {
      const bytes = Buffer.concat(chunks, Math.min(size, maxBytes));
      try {
        resolve((strict ? STRICT_UTF8 : LENIENT_UTF8).decode(bytes));
      } catch {
        reject(new WechatPayError('REPLY_NOT_UTF8', `${host} sent a reply that is not valid UTF-8`, { ambiguous: true }));
      }
    };
    const declared = Number(response.headers['content-length']);
    if (strict && Number.isFinite(declared) && declared > maxBytes) {
      response.destroy();
      reject(new WechatPayError('REPLY_TOO_LARGE', `${host} announced a reply of ${declared} bytes (limit ${maxBytes})`, { ambiguous: true }));
      return;
    }
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      if (strict) {
        response.destroy(new WechatPayError('REPLY_TOO_LARGE', `${host} sent a reply over ${maxBytes} bytes`, { ambiguous: true }));
        return;
      }
      // finish() cuts the body to the cap.
      chunks.push(chunk);
      // Settle first: destroying emits 'aborted' at once, and this reply is classified by its status.
      finish();
      response.destroy();
    });
    // Stryker disable next-line StringLiteral: 'aborted' or the request's own 'error' settles before any error of the reply stream
    response.on('error', reject);
    response.on('aborted', () => reject(new TransientError('CONNECTION_RESET', `${host} closed the reply early`)));
    response.on('end', finish);
  });

/**
 * Creates the HTTPS transport: one keep-alive Agent per credential version (built on first use,
 * replaced when the secret's version changes), TLS 1.2 minimum, server certificate verified,
 * a connect timeout and an overall per-attempt timeout, a reply size cap enforced while reading,
 * and pooled connections idle past {@link SOCKET_RETIREMENT_MS} closed before a request, never reused.
 *
 * @throws {TransientError} from `request()`: DNS, refused, TLS handshake, reset, timeouts (`phase` says whether the request was sent).
 * @throws {WechatPayError} from `request()`: `SSL_CERT_ERROR`, `REPLY_TOO_LARGE`, `REPLY_NOT_UTF8`.
 */
const createHttpsTransport = (options: TransportOptions): HttpsTransport & { close(): void } => {
  const maxReplyBytes = options.maxReplyBytes ?? MAX_REPLY_BYTES;
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const socketRetirementMs = options.socketRetirementMs ?? SOCKET_RETIREMENT_MS;
  /** Per credential version: its Agent and the function that retires its idle sockets. */
  const agents = new Map<string, { agent: Agent; retire: () => void }>();
  const targets = new Map<string, Target>();

  const parseAndKeep = (url: string): Target => {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the cap only bounds a cache of parsed URLs; clearing it sooner or never only parses again
    if (targets.size >= MAX_TARGETS) targets.clear();
    const target = parseTarget(url);
    targets.set(url, target);
    return target;
  };
  const targetOf = (url: string): Target => targets.get(url) ?? parseAndKeep(url);

  /** The Agent of this credential version, its pooled sockets past the retirement age closed. */
  const agentFor = (credentials: HttpsRequest['credentials']): Agent => {
    const existing = agents.get(credentials.version);
    if (existing !== undefined) {
      existing.retire();
      return existing.agent;
    }
    const agent = createAgent(credentials);
    agents.set(credentials.version, { agent, retire: retireIdleSockets(agent, options.clock, socketRetirementMs) });
    for (const [version, old] of agents) {
      if (agents.size <= MAX_AGENTS) break;
      old.agent.destroy();
      agents.delete(version);
    }
    return agent;
  };

  /** One exchange: the body goes out exactly once; a dead pooled connection is reported, never resent here. */
  const request = (input: HttpsRequest): Promise<HttpsResponse> =>
    new Promise<HttpsResponse>((resolve, reject) => {
      const target = targetOf(input.url);
      const host = target.host;
      let phase: FailurePhase = 'connect';
      let answered = false;
      // A timeout destroys the request; the stream errors it causes must not hide it.
      let timeoutError: TransientError | undefined;
      const fail = (error: unknown): void => {
        // A keep-alive connection the server had already closed (idle timeout, or a Lambda thaw),
        // and nothing of the reply arrived. The same bytes are never sent twice (a server may
        // refuse a repeated nonce_str): the caller signs a new request and sends that instead.
        if (
          req.reusedSocket &&
          !answered &&
          // Stryker disable next-line ConditionalExpression: a timeout destroys the request with its own error, whose code is no stale-socket code
          timeoutError === undefined &&
          STALE_SOCKET_CODES.has(codeOf(error))
        ) {
          reject(new TransientError(STALE_CONNECTION, `the kept-alive connection to ${host} was closed (${codeOf(error)})`, { cause: error, phase: 'sent' }));
          return;
        }
        reject(toTransportError(timeoutError ?? error, phase, host));
      };
      const req = httpsRequest({
        ...target.options,
        method: 'POST',
        agent: agentFor(input.credentials),
        headers: { ...input.headers, 'Content-Length': Buffer.byteLength(input.body) },
      });
      const overall = setTimeout(() => {
        const code = phase === 'connect' ? 'CONNECT_TIMEOUT' : 'READ_TIMEOUT';
        timeoutError = new TransientError(code, `no reply from ${host} within ${input.timeoutMs} ms`, { phase });
        req.destroy(timeoutError);
      }, input.timeoutMs);
      // The connect limit only runs while a new connection opens: a kept-alive one needs no timer.
      let connectTimer: NodeJS.Timeout | undefined;
      req.on('socket', (socket) => {
        if (req.reusedSocket) {
          phase = 'sent';
          return;
        }
        // Cleared once the TLS handshake is done, or when the request closes.
        connectTimer = setTimeout(() => {
          timeoutError = new TransientError('CONNECT_TIMEOUT', `cannot connect to ${host} within ${connectTimeoutMs} ms`, { phase });
          req.destroy(timeoutError);
        }, Math.min(connectTimeoutMs, input.timeoutMs));
        socket.once('secureConnect', () => {
          phase = 'sent';
          clearTimeout(connectTimer);
        });
      });
      req.on('error', fail);
      req.on('close', () => {
        clearTimeout(overall);
        clearTimeout(connectTimer);
      });
      req.on('response', (response) => {
        answered = true;
        readBody(response, maxReplyBytes, host).then(
          (body) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
          (error: unknown) => {
            req.destroy();
            fail(error);
          },
        );
      });
      req.end(input.body);
    });

  const close = (): void => {
    for (const { agent } of agents.values()) agent.destroy();
    agents.clear();
  };

  return { request, close };
};

export { createHttpsTransport, toTransportError, MAX_REPLY_BYTES, SOCKET_RETIREMENT_MS };
export type { TransportOptions };
