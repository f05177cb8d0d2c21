import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { createConnection, createServer as createTcpServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.js';
import { STALE_CONNECTION, TransientError, WechatPayError } from '../../lib/errors.js';
import { SOCKET_RETIREMENT_MS, createHttpsTransport, toTransportError } from '../../lib/https-transport.js';
import type { TransportOptions } from '../../lib/https-transport.js';
import type { HttpsRequest, HttpsResponse } from '../../lib/types.js';
import { createFakeClock } from '../helpers/fake-deps.js';
import { freePort, listenOnLoopback, waitForPort } from '../sandbox/loopback.js';
import { createOpenssl } from '../sandbox/openssl.js';

const HOST = '127.0.0.1:8443';

/** A Node-style socket error. */
const socketError = (code: string | undefined, message = `${code ?? 'no code'} from the socket`): Error =>
  Object.assign(new Error(message), code === undefined ? {} : { code });

/** The error a promise rejects with; fails the test when it resolves. */
const rejectionOf = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the request succeeded');
};

describe('https-transport', () => {
  describe('toTransportError', () => {
    it.each<{ name: string; error: Error }>([
      { name: 'a TransientError', error: new TransientError('READ_TIMEOUT', 'slow', { phase: 'sent' }) },
      { name: 'a WechatPayError', error: new WechatPayError('REPLY_TOO_LARGE', 'big') },
    ])('passes $name through unchanged', ({ error }) => {
      // Act / Assess
      expect(toTransportError(error, 'connect', HOST)).toBe(error);
    });

    it.each([
      // TLS 1.3: the alert is in the code.
      { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', message: 'x' },
      { code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', message: 'x' },
      { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', message: 'x' },
      { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', message: 'x' },
      { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', message: 'x' },
      { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED', message: 'x' },
      { code: 'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED', message: 'x' },
      // TLS 1.2: only the message names the alert.
      { code: 'EPROTO', message: 'ssl3_read_bytes:sslv3 alert bad certificate:SSL alert number 42' },
      { code: 'EPROTO', message: 'tlsv13 alert certificate required' },
      { code: 'EPROTO', message: 'tlsv1 alert unknown ca' },
      { code: 'EPROTO', message: 'sslv3 alert certificate expired' },
      { code: 'EPROTO', message: 'sslv3 alert certificate unknown' },
      { code: 'EPROTO', message: 'sslv3 alert certificate revoked' },
      { code: 'EPROTO', message: 'TLSV1 ALERT ACCESS DENIED' },
    ])('maps the client-certificate alert $code "$message" to SSL_CERT_ERROR, a credential refusal', ({ code, message }) => {
      // Prepare
      const cause = socketError(code, message);

      // Act
      const error = toTransportError(cause, 'connect', HOST);

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error).toMatchObject({
        code: 'SSL_CERT_ERROR',
        credentialRefusal: true,
        ambiguous: false,
        message: `SSL_CERT_ERROR: ${HOST} refused the client certificate during the TLS handshake (${code})`,
        cause,
      });
    });

    it.each([
      { name: 'DNS', code: 'ENOTFOUND', expected: 'DNS_FAILED', message: `cannot resolve ${HOST} (ENOTFOUND)` },
      { name: 'DNS', code: 'EAI_AGAIN', expected: 'DNS_FAILED', message: `cannot resolve ${HOST} (EAI_AGAIN)` },
      { name: 'connect', code: 'ECONNREFUSED', expected: 'CONNECTION_REFUSED', message: `cannot connect to ${HOST} (ECONNREFUSED)` },
      { name: 'connect', code: 'EHOSTUNREACH', expected: 'CONNECTION_REFUSED', message: `cannot connect to ${HOST} (EHOSTUNREACH)` },
      { name: 'connect', code: 'ENETUNREACH', expected: 'CONNECTION_REFUSED', message: `cannot connect to ${HOST} (ENETUNREACH)` },
    ])('maps the $name failure $code to $expected before anything was sent, whatever the phase', ({ code, expected, message }) => {
      // Prepare
      const cause = socketError(code);

      // Act
      const error = toTransportError(cause, 'sent', HOST);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: expected, phase: 'connect', message: `${expected}: ${message}`, cause });
    });

    it.each([
      'ERR_TLS_HANDSHAKE_TIMEOUT',
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'CERT_HAS_EXPIRED',
      'CERT_SIGNATURE_FAILURE',
      'ERR_SSL_BAD_SIGNATURE',
    ])('maps %s during the handshake to TLS_HANDSHAKE_FAILED, never a credential refusal', (code) => {
      // Prepare
      const cause = socketError(code);

      // Act
      const error = toTransportError(cause, 'connect', HOST);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({
        code: 'TLS_HANDSHAKE_FAILED',
        phase: 'connect',
        credentialRefusal: false,
        message: `TLS_HANDSHAKE_FAILED: TLS handshake with ${HOST} failed (${code})`,
        cause,
      });
    });

    it.each([
      { name: 'a TLS error after the request was sent', code: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC', phase: 'sent', label: 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC' },
      { name: 'a reset before the request was sent', code: 'ECONNRESET', phase: 'connect', label: 'ECONNRESET' },
      { name: 'a reset after the request was sent', code: 'ECONNRESET', phase: 'sent', label: 'ECONNRESET' },
      { name: 'a broken pipe', code: 'EPIPE', phase: 'sent', label: 'EPIPE' },
      { name: 'an error without a code', code: undefined, phase: 'sent', label: 'socket error' },
      { name: 'a code containing CERT after the request was sent', code: 'SOME_CERT_THING', phase: 'sent', label: 'SOME_CERT_THING' },
    ] as const)('maps $name to CONNECTION_RESET in its phase', ({ code, phase, label }) => {
      // Prepare
      const cause = socketError(code);

      // Act
      const error = toTransportError(cause, phase, HOST);

      // Assess
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code: 'CONNECTION_RESET', phase, message: `CONNECTION_RESET: connection to ${HOST} failed (${label})`, cause });
    });

    it.each([
      { name: 'a thrown string', error: 'ECONNREFUSED' },
      { name: 'null', error: null },
      { name: 'undefined', error: undefined },
      { name: 'an object whose code is a number', error: { code: 104 } },
      { name: 'a plain object naming an alert only in its message', error: { code: 'EPROTO', message: 'sslv3 alert bad certificate' } },
    ])('reads only the string code of an object and the message of an Error: $name', ({ error }) => {
      // Act
      const mapped = toTransportError(error, 'sent', HOST);

      // Assess
      const label = typeof error === 'object' && error !== null && typeof error.code === 'string' ? error.code : 'socket error';
      expect(mapped).toMatchObject({ code: 'CONNECTION_RESET', message: `CONNECTION_RESET: connection to ${HOST} failed (${label})` });
    });
  });

  describe('request, against a local TLS server', () => {
    let dir: string;
    let caPem: string;
    let server: { cert: string; key: string };
    let clientCaPem: string;
    /** Client identities: two signed by the CA the server trusts for clients, one by a CA it does not trust. */
    let clients: Record<'merchant' | 'rotated' | 'foreign', { cert: string; key: string }>;
    /** A server certificate from a CA the transport does not trust. */
    let rogue: { cert: string; key: string };
    /** The `rotated` identity as PKCS#12, protected by 'pfx passphrase'. */
    let rotatedPfx: Buffer;
    /** Files for `openssl s_server`. */
    let files: { serverCert: string; serverKey: string; clientCa: string };
    let restoreTrust: () => void;

    type Handler = (request: IncomingMessage, response: ServerResponse) => void;
    let handler: Handler;
    let servers: { close(): Promise<void> }[] = [];
    let transport: ReturnType<typeof createHttpsTransport> | undefined;

    /** An mTLS server on 127.0.0.1 that runs the current `handler`; `url` ends without a slash. */
    const startServer = async (options: { identity?: { cert: string; key: string }; maxVersion?: tls.SecureVersion } = {}) => {
      const https: HttpsServer = createHttpsServer(
        { ...(options.identity ?? server), ca: clientCaPem, requestCert: true, rejectUnauthorized: true, maxVersion: options.maxVersion },
        (request, response) => handler(request, response),
      );
      const port = await listenOnLoopback(https);
      const handle = {
        url: `https://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            https.closeAllConnections();
            https.close(() => resolve());
          }),
      };
      servers.push(handle);
      return handle;
    };

    /** A TCP server that accepts connections and then does `onSocket` (nothing: a handshake that never ends). */
    const startTcpServer = async (onSocket: (socket: Socket) => void = () => undefined) => {
      const sockets = new Set<Socket>();
      const tcp = createTcpServer((socket) => {
        sockets.add(socket);
        onSocket(socket);
      });
      const port = await listenOnLoopback(tcp);
      const handle = {
        url: `https://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            for (const socket of sockets) socket.destroy();
            tcp.close(() => resolve());
          }),
      };
      servers.push(handle);
      return handle;
    };

    /**
     * An OpenSSL front that refuses client certificates its CA did not sign with a TLS alert, as
     * nginx with `ssl_verify_client on` does (a Node server drops the connection without one).
     */
    const startOpensslServer = async (version: '-tls1_2' | '-tls1_3') => {
      const port = await freePort();
      const front = spawn('openssl', ['s_server', '-quiet', version, '-accept', String(port), '-cert', files.serverCert, '-key', files.serverKey,
        '-CAfile', files.clientCa, '-Verify', '1', '-verify_return_error', '-www'], { stdio: 'ignore' });
      const handle = {
        url: `https://127.0.0.1:${port}`,
        close: async () => {
          front.kill();
        },
      };
      servers.push(handle);
      await waitForPort(port);
      return handle;
    };

    /** A TCP relay to `port` on 127.0.0.1 whose `resetAll()` resets every client connection (RST). */
    const startResetRelay = async (port: number) => {
      const clientSockets = new Set<Socket>();
      const relay = createTcpServer((client) => {
        clientSockets.add(client);
        const upstream = createConnection({ port, host: '127.0.0.1' });
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
      const relayPort = await listenOnLoopback(relay);
      const handle = {
        url: `https://127.0.0.1:${relayPort}`,
        resetAll: () => {
          for (const socket of clientSockets) socket.resetAndDestroy();
        },
        close: () =>
          new Promise<void>((resolve) => {
            for (const socket of clientSockets) socket.destroy();
            relay.close(() => resolve());
          }),
      };
      servers.push(handle);
      return handle;
    };

    const credentials = (version: string, identity = clients.merchant): HttpsRequest['credentials'] => ({
      version,
      tls: { kind: 'pem', cert: identity.cert, key: identity.key },
    });

    const send = (url: string, options: { version?: string; identity?: { cert: string; key: string }; body?: string; timeoutMs?: number; transportOptions?: Omit<TransportOptions, 'clock'> } = {}): Promise<HttpsResponse> => {
      transport ??= createHttpsTransport({ clock: systemClock, ...options.transportOptions });
      return transport.request({
        url: `${url}/wxv/cancelbill`,
        body: options.body ?? '<xml><out_order_no>1234323JKHDFE1243252</out_order_no></xml>',
        headers: { 'Content-Type': 'text/xml; charset=utf-8' },
        timeoutMs: options.timeoutMs ?? 5000,
        credentials: credentials(options.version ?? 'v1', options.identity),
      });
    };

    /** The client certificate's CN and the client port of a request. */
    const peerOf = (request: IncomingMessage) => {
      // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- an https server's request socket is its TLSSocket
      const socket = request.socket as TLSSocket;
      return { cn: String(socket.getPeerCertificate().subject.CN), port: socket.remotePort };
    };

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'https-transport-unit-'));
      const openssl = await createOpenssl(dir);
      const [ca, merchantCa, rogueCa] = await Promise.all([
        openssl.selfSigned('ca', 'Transport Test Server CA'),
        openssl.selfSigned('merchant-ca', 'Transport Test Merchant CA'),
        openssl.selfSigned('rogue-ca', 'Transport Test Untrusted CA'),
      ]);
      const issued = await Promise.all([
        openssl.issue('server', { cn: 'localhost', issuer: ca, profile: 'server_ext', keyType: 'ec' }),
        openssl.issue('merchant', { cn: 'merchant', issuer: merchantCa, profile: 'client_ext', keyType: 'ec' }),
        openssl.issue('rotated', { cn: 'rotated', issuer: merchantCa, profile: 'client_ext', keyType: 'ec' }),
        openssl.issue('foreign', { cn: 'foreign', issuer: ca, profile: 'client_ext', keyType: 'ec' }),
        openssl.issue('rogue', { cn: 'localhost', issuer: rogueCa, profile: 'server_ext', keyType: 'ec' }),
      ]);
      const load = async (files: { certPath: string; keyPath: string }) => ({ cert: await readFile(files.certPath, 'utf8'), key: await readFile(files.keyPath, 'utf8') });
      const [serverFiles, merchant, rotated, foreign, rogueFiles] = await Promise.all(issued.map(load));
      const need = <T,>(value: T | undefined): T => {
        if (value === undefined) throw new Error('a certificate was not issued');
        return value;
      };
      server = need(serverFiles);
      clients = { merchant: need(merchant), rotated: need(rotated), foreign: need(foreign) };
      rogue = need(rogueFiles);
      const serverIssued = need(issued[0]);
      files = { serverCert: serverIssued.certPath, serverKey: serverIssued.keyPath, clientCa: merchantCa.certPath };
      rotatedPfx = await readFile(await openssl.pkcs12('rotated', { identity: need(issued[2]), passphrase: 'pfx passphrase', legacy: false }));
      caPem = await readFile(ca.certPath, 'utf8');
      clientCaPem = await readFile(merchantCa.certPath, 'utf8');
      // The transport trusts Node's store plus NODE_EXTRA_CA_CERTS, which Node reads only when it
      // starts; this stands in for it: every TLS context built without its own `ca` also trusts the
      // test CA. The server contexts (which pass `ca`) keep theirs.
      const original = tls.createSecureContext;
      tls.createSecureContext = (options) => original(options?.ca === undefined ? { ...options, ca: [...tls.rootCertificates, caPem] } : options);
      syncBuiltinESMExports();
      restoreTrust = () => {
        tls.createSecureContext = original;
        syncBuiltinESMExports();
      };
    }, 60_000);

    afterEach(async () => {
      transport?.close();
      transport = undefined;
      await Promise.all(servers.map((handle) => handle.close()));
      servers = [];
    });

    afterAll(async () => {
      restoreTrust();
      await rm(dir, { recursive: true, force: true });
    });

    it('posts the body once, with its length in bytes, and returns the status, headers and body', async () => {
      // Prepare
      const received: { method?: string; url?: string; length?: string; type?: string; body: string; cn?: string }[] = [];
      handler = (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push({ method: request.method, url: request.url, length: request.headers['content-length'], type: request.headers['content-type'], body: Buffer.concat(chunks).toString('utf8'), cn: peerOf(request).cn });
          // A character split across two writes: the body is decoded as a whole.
          const reply = Buffer.from('<xml>用户投诉</xml>', 'utf8');
          response.writeHead(200, { 'content-type': 'text/plain', 'x-answer': 'yes' });
          response.write(reply.subarray(0, 6));
          response.end(reply.subarray(6));
        });
      };
      const { url } = await startServer();
      const body = '<xml><reason>用户投诉</reason></xml>';

      // Act
      const response = await send(url, { body });

      // Assess
      expect(received).toEqual([{ method: 'POST', url: '/wxv/cancelbill', length: String(Buffer.byteLength(body)), type: 'text/xml; charset=utf-8', body, cn: 'merchant' }]);
      expect(response.status).toBe(200);
      expect(response.headers['x-answer']).toBe('yes');
      expect(response.body).toBe('<xml>用户投诉</xml>');
    });

    it('keeps one kept-alive connection per credential version, and the agents of two versions at most', async () => {
      // Prepare
      const peers: { cn: string; port: number | undefined }[] = [];
      handler = (request, response) => {
        peers.push(peerOf(request));
        request.resume();
        request.on('end', () => response.end('<xml></xml>'));
      };
      const { url } = await startServer();

      // Act
      await send(url, { version: 'v1' });
      await send(url, { version: 'v2', identity: clients.rotated });
      await send(url, { version: 'v1' });
      await send(url, { version: 'v3' });
      await send(url, { version: 'v2', identity: clients.rotated });
      await send(url, { version: 'v1' });

      // Assess
      const [v1, v2, v1Again, v3, v2Again, v1Later] = peers;
      expect(peers.map((peer) => peer.cn)).toEqual(['merchant', 'rotated', 'merchant', 'merchant', 'rotated', 'merchant']);
      expect(v1Again?.port).toBe(v1?.port);
      expect(v2?.port).not.toBe(v1?.port);
      expect(v2Again?.port).toBe(v2?.port);
      // v3 retired the oldest version's agent (v1): its connection is gone.
      expect(new Set([v1?.port, v2?.port, v3?.port, v1Later?.port]).size).toBe(4);
    });

    it('refuses a 2xx reply that is not UTF-8, as an ambiguous WechatPayError', async () => {
      // Prepare
      handler = (request, response) => {
        request.resume();
        response.end(Buffer.from([0x3c, 0x78, 0xff, 0x3e]));
      };
      const { url } = await startServer();

      // Act
      const error = await rejectionOf(send(url));

      // Assess
      expect(error).toBeInstanceOf(WechatPayError);
      expect(error).toMatchObject({ code: 'REPLY_NOT_UTF8', ambiguous: true });
      expect(error.message).toMatch(/^REPLY_NOT_UTF8: 127\.0\.0\.1:\d+ sent a reply that is not valid UTF-8$/);
    });

    it.each([300, 400, 500, 302])('reads a %i reply that is not UTF-8 leniently: its status classifies it', async (status) => {
      // Prepare
      handler = (request, response) => {
        request.resume();
        response.writeHead(status);
        response.end(Buffer.from([0x3c, 0x78, 0xff, 0x3e]));
      };
      const { url } = await startServer();

      // Act
      const response = await send(url);

      // Assess
      expect(response).toMatchObject({ status, body: '<x\uFFFD>' });
    });

    describe('the size cap', () => {
      const CAP = 1024;
      /** Answers `bytes` bytes of `a` with `status`, announced by Content-Length or chunked. */
      const answerBytes = (status: number, bytes: number, chunked: boolean): Handler => (request, response) => {
        request.resume();
        response.writeHead(status, chunked ? {} : { 'content-length': bytes });
        // Several writes, so a chunked reply arrives in several pieces.
        for (let sent = 0; sent < bytes; sent += 300) response.write('a'.repeat(Math.min(300, bytes - sent)));
        response.end();
      };

      it.each([
        { name: 'announced', chunked: false },
        { name: 'chunked', chunked: true },
      ])('accepts a 2xx reply of exactly the cap ($name)', async ({ chunked }) => {
        // Prepare
        handler = answerBytes(200, CAP, chunked);
        const { url } = await startServer();

        // Act
        const response = await send(url, { transportOptions: { maxReplyBytes: CAP } });

        // Assess
        expect(response.body).toBe('a'.repeat(CAP));
      });

      it('refuses a 2xx reply announced one byte over the cap before reading it', async () => {
        // Prepare
        handler = answerBytes(200, CAP + 1, false);
        const { url } = await startServer();

        // Act
        const error = await rejectionOf(send(url, { transportOptions: { maxReplyBytes: CAP } }));

        // Assess
        expect(error).toBeInstanceOf(WechatPayError);
        expect(error).toMatchObject({ code: 'REPLY_TOO_LARGE', ambiguous: true });
        expect(error.message).toMatch(/^REPLY_TOO_LARGE: 127\.0\.0\.1:\d+ announced a reply of 1025 bytes \(limit 1024\)$/);
      });

      it('refuses a 2xx reply that grows one byte over the cap while it is read', async () => {
        // Prepare
        handler = answerBytes(200, CAP + 1, true);
        const { url } = await startServer();

        // Act
        const error = await rejectionOf(send(url, { transportOptions: { maxReplyBytes: CAP } }));

        // Assess
        expect(error).toBeInstanceOf(WechatPayError);
        expect(error).toMatchObject({ code: 'REPLY_TOO_LARGE', ambiguous: true });
        expect(error.message).toMatch(/^REPLY_TOO_LARGE: 127\.0\.0\.1:\d+ sent a reply over 1024 bytes$/);
      });

      it.each([
        { name: 'announced', chunked: false },
        { name: 'chunked', chunked: true },
      ])('keeps only the first bytes, up to the cap, of a large error reply ($name)', async ({ chunked }) => {
        // Prepare
        handler = answerBytes(502, 3 * CAP, chunked);
        const { url } = await startServer();

        // Act
        const response = await send(url, { transportOptions: { maxReplyBytes: CAP } });

        // Assess
        expect(response).toMatchObject({ status: 502, body: 'a'.repeat(CAP) });
      });

      it('caps replies at 64 KiB by default', async () => {
        // Prepare
        handler = answerBytes(200, 64 * 1024 + 1, false);
        const { url } = await startServer();

        // Act
        const error = await rejectionOf(send(url));

        // Assess
        expect(error.message).toMatch(/announced a reply of 65537 bytes \(limit 65536\)$/);
      });
    });

    describe('timeouts', () => {
      it('gives up on a handshake that never ends: CONNECT_TIMEOUT, nothing sent', async () => {
        // Prepare
        const { url } = await startTcpServer();
        const started = Date.now();

        // Act
        const error = await rejectionOf(send(url, { timeoutMs: 5000, transportOptions: { connectTimeoutMs: 150 } }));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT', phase: 'connect' });
        expect(error.message).toMatch(/^CONNECT_TIMEOUT: cannot connect to 127\.0\.0\.1:\d+ within 150 ms$/);
        expect(Date.now() - started).toBeLessThan(4000);
      });

      it('ends an attempt whose reply never comes: READ_TIMEOUT, the request sent', async () => {
        // Prepare
        handler = (request) => request.resume();
        const { url } = await startServer();
        const started = Date.now();

        // Act
        const error = await rejectionOf(send(url, { timeoutMs: 300, transportOptions: { connectTimeoutMs: 100 } }));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'READ_TIMEOUT', phase: 'sent' });
        expect(error.message).toMatch(/^READ_TIMEOUT: no reply from 127\.0\.0\.1:\d+ within 300 ms$/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      });

      it('counts an attempt that runs out during the handshake as CONNECT_TIMEOUT, nothing sent', async () => {
        // Prepare: the attempt's limit comes before the default 6 s connect limit.
        const { url } = await startTcpServer();

        // Act
        const error = await rejectionOf(send(url, { timeoutMs: 150 }));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'CONNECT_TIMEOUT', phase: 'connect' });
        expect(error.message).toMatch(/^CONNECT_TIMEOUT: no reply from 127\.0\.0\.1:\d+ within 150 ms$/);
      });

      it('counts a timeout on a kept-alive connection as READ_TIMEOUT, the request sent', async () => {
        // Prepare: the first request is answered; the second, on the same connection, never is.
        let count = 0;
        handler = (request, response) => {
          count += 1;
          request.resume();
          if (count === 1) response.end('<xml></xml>');
        };
        const { url } = await startServer();
        await send(url);

        // Act
        const error = await rejectionOf(send(url, { timeoutMs: 300 }));

        // Assess
        expect(count).toBe(2);
        expect(error).toMatchObject({ code: 'READ_TIMEOUT', phase: 'sent' });
      });

      it('leaves no timer running once the reply is read', async () => {
        // Prepare
        handler = (request, response) => {
          request.resume();
          response.end('<xml></xml>');
        };
        const { url } = await startServer();
        const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
        const before = timers();

        // Act: each attempt starts its own limit (and the first one the connect limit).
        for (let request = 0; request < 10; request += 1) await send(url, { timeoutMs: 60_000 });
        await new Promise((resolve) => setImmediate(resolve));

        // Assess: a timer or two of the test runner may come and go, never the ten of the attempts.
        expect(timers() - before).toBeLessThan(3);
      });

      it('connects within the default 6 s when the attempt allows more', async () => {
        // Prepare
        handler = (request, response) => {
          request.resume();
          response.end('<xml></xml>');
        };
        const { url } = await startServer();

        // Act
        const response = await send(url, { timeoutMs: 10_000 });

        // Assess
        expect(response.status).toBe(200);
      });
    });

    describe('dead connections', () => {
      /** Answers the first request; closes the connection under the second, before any reply. */
      const closeUnderSecondRequest = (): Handler => {
        let count = 0;
        return (request, response) => {
          count += 1;
          request.resume();
          if (count === 1) {
            response.end('<xml></xml>');
            return;
          }
          request.socket.destroy();
        };
      };

      it('reports a kept-alive connection closed under the request as STALE_CONNECTION, phase sent', async () => {
        // Prepare
        handler = closeUnderSecondRequest();
        const { url } = await startServer();
        await send(url);

        // Act
        const error = await rejectionOf(send(url));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: STALE_CONNECTION, phase: 'sent' });
        expect(error.message).toMatch(/^STALE_CONNECTION: the kept-alive connection to 127\.0\.0\.1:\d+ was closed \((ECONNRESET|EPIPE|ECONNABORTED)\)$/);
        expect((error.cause as { code?: string }).code).toMatch(/^(ECONNRESET|EPIPE|ECONNABORTED)$/);
      });

      it('reports a new connection closed under the request as CONNECTION_RESET, phase sent', async () => {
        // Prepare
        handler = (request) => {
          request.resume();
          request.socket.destroy();
        };
        const { url } = await startServer();

        // Act
        const error = await rejectionOf(send(url));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'CONNECTION_RESET', phase: 'sent' });
      });

      it('reports a reply cut short on a kept-alive connection as CONNECTION_RESET, never STALE_CONNECTION', async () => {
        // Prepare
        let count = 0;
        handler = (request, response) => {
          count += 1;
          request.resume();
          if (count === 1) {
            response.end('<xml></xml>');
            return;
          }
          response.writeHead(200, { 'content-length': 100 });
          response.write('<xml>', () => setTimeout(() => request.socket.destroy(), 50));
        };
        const { url } = await startServer();
        await send(url);

        // Act
        const error = await rejectionOf(send(url));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'CONNECTION_RESET', phase: 'sent' });
        expect(error.message).toMatch(/^CONNECTION_RESET: 127\.0\.0\.1:\d+ closed the reply early$/);
      });

      it('reports a reply cut short by a reset on a kept-alive connection as CONNECTION_RESET, never STALE_CONNECTION', async () => {
        // Prepare: a TCP relay in front of the server resets the client's connection (RST, so the
        // client sees ECONNRESET) once part of the second reply has gone through.
        let count = 0;
        const relayed: { relay?: Awaited<ReturnType<typeof startResetRelay>> } = {};
        handler = (request, response) => {
          count += 1;
          request.resume();
          if (count === 1) {
            response.end('<xml></xml>');
            return;
          }
          response.writeHead(200, { 'content-length': 100 });
          response.write('<xml>', () => setTimeout(() => relayed.relay?.resetAll(), 100));
        };
        const { url } = await startServer();
        const relay = await startResetRelay(Number(new URL(url).port));
        relayed.relay = relay;
        await send(relay.url);

        // Act
        const error = await rejectionOf(send(relay.url));

        // Assess
        expect(count).toBe(2);
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'CONNECTION_RESET', phase: 'sent' });
        expect(error.message).toMatch(/^CONNECTION_RESET: connection to 127\.0\.0\.1:\d+ failed \(ECONNRESET\)$/);
      });

      it('reports a connection closed during the handshake as CONNECTION_RESET, nothing sent', async () => {
        // Prepare
        const { url } = await startTcpServer((socket) => socket.destroy());

        // Act
        const error = await rejectionOf(send(url));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'CONNECTION_RESET', phase: 'connect' });
      });

      it('reports CONNECTION_REFUSED when nothing listens', async () => {
        // Prepare
        const port = await freePort();

        // Act
        const error = await rejectionOf(send(`https://127.0.0.1:${port}`));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'CONNECTION_REFUSED', phase: 'connect' });
      });
    });

    describe('TLS', () => {
      it.each([
        { name: 'TLS 1.3 (the alert in the error code)', version: '-tls1_3', code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' },
        { name: 'TLS 1.2 (the alert in the message only)', version: '-tls1_2', code: 'EPROTO' },
      ] as const)('turns a TLS alert refusing the client certificate into SSL_CERT_ERROR, a credential refusal, under $name', async ({ version, code }) => {
        // Prepare
        const { url } = await startOpensslServer(version);

        // Act
        const error = await rejectionOf(send(url, { identity: clients.foreign }));

        // Assess
        expect(error).toBeInstanceOf(WechatPayError);
        expect(error).toMatchObject({ code: 'SSL_CERT_ERROR', credentialRefusal: true });
        expect(error.message).toMatch(new RegExp(`refused the client certificate during the TLS handshake \\(${code}\\)$`));
      });

      it('refuses a server certificate it does not trust: TLS_HANDSHAKE_FAILED, nothing sent', async () => {
        // Prepare
        let requests = 0;
        handler = (request, response) => {
          requests += 1;
          request.resume();
          response.end('<xml></xml>');
        };
        const { url } = await startServer({ identity: rogue });

        // Act
        const error = await rejectionOf(send(url));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'TLS_HANDSHAKE_FAILED', phase: 'connect', credentialRefusal: false });
        expect(requests).toBe(0);
      });

      it('refuses a server that offers nothing newer than TLS 1.1', async () => {
        // Prepare
        handler = (request, response) => {
          request.resume();
          response.end('<xml></xml>');
        };
        const { url } = await startServer({ maxVersion: 'TLSv1.1' });

        // Act
        const error = await rejectionOf(send(url));

        // Assess
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ phase: 'connect' });
      });
    });

    it('reuses a kept-alive connection idle for no longer than the retirement age', async () => {
      // Prepare
      const ports: (number | undefined)[] = [];
      handler = (request, response) => {
        ports.push(peerOf(request).port);
        request.resume();
        response.end('<xml></xml>');
      };
      const { url } = await startServer();
      const clock = createFakeClock();
      transport = createHttpsTransport({ clock });

      // Act
      await send(url);
      clock.advance(SOCKET_RETIREMENT_MS);
      await send(url);

      // Assess
      expect(ports).toHaveLength(2);
      expect(ports[1]).toBe(ports[0]);
    });

    it('retires a kept-alive connection idle for longer than the retirement age before reuse, by the clock and no timer', async () => {
      // Prepare
      const ports: (number | undefined)[] = [];
      handler = (request, response) => {
        ports.push(peerOf(request).port);
        request.resume();
        response.end('<xml></xml>');
      };
      const { url } = await startServer();
      const clock = createFakeClock();
      transport = createHttpsTransport({ clock });

      // Act
      await send(url);
      clock.advance(SOCKET_RETIREMENT_MS + 1);
      await send(url);

      // Assess
      expect(ports).toHaveLength(2);
      expect(ports[1]).not.toBe(ports[0]);
    });

    it('presents a PKCS#12 client identity', async () => {
      // Prepare
      const names: string[] = [];
      handler = (request, response) => {
        names.push(peerOf(request).cn);
        request.resume();
        response.end('<xml></xml>');
      };
      const { url } = await startServer();
      transport = createHttpsTransport({ clock: systemClock });

      // Act
      const response = await transport.request({
        url: `${url}/wxv/cancelbill`,
        body: '<xml></xml>',
        headers: {},
        timeoutMs: 5000,
        credentials: { version: 'pfx-1', tls: { kind: 'pfx', pfx: rotatedPfx, passphrase: 'pfx passphrase' } },
      });

      // Assess
      expect(response.status).toBe(200);
      expect(names).toEqual(['rotated']);
    });

    it('closes every kept-alive connection on close()', async () => {
      // Prepare
      const closed: number[] = [];
      handler = (request, response) => {
        request.socket.once('close', () => closed.push(1));
        request.resume();
        response.end('<xml></xml>');
      };
      const { url } = await startServer();
      await send(url, { version: 'v1' });
      await send(url, { version: 'v2', identity: clients.rotated });

      // Act
      transport?.close();
      await new Promise((resolve) => setTimeout(resolve, 200));

      // Assess
      expect(closed).toHaveLength(2);
    });
  });
});
