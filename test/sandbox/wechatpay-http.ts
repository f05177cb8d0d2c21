/**
 * HTTP plumbing of the WeChat Pay sandbox: the nginx-style client certificate check, a bounded
 * body reader, and delivery of replies (delayed, trickled, reset or never).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { NginxPage } from './wechatpay-replies.js';
import type { HttpReply } from './wechatpay-replies.js';
import type { Delivery } from './wechatpay-faults.js';

/** Starts a timer that the server can cancel when it closes. */
type Schedule = (callback: () => void, ms: number) => void;

/**
 * Like nginx with `ssl_verify_client optional`: no certificate -> "No required SSL certificate
 * was sent"; a certificate that did not verify against the merchant CA (unknown issuer, expired,
 * not yet valid) or that belongs to another merchant (CN != mch_id) -> "The SSL certificate error".
 */
const refuseClientCertificate = (socket: TLSSocket, mchId: string): HttpReply | undefined => {
  // Node answers `{}` when the client sent no certificate and `null` once the socket is destroyed;
  // its type promises a full certificate either way.
  const peer = socket.getPeerCertificate() as Partial<PeerCertificate> | null;
  if (peer === null || Object.keys(peer).length === 0) return NginxPage.NO_CLIENT_CERT;
  if (!socket.authorized || peer.subject?.CN !== mchId) return NginxPage.CERT_ERROR;
  return undefined;
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the request body. Resolves `undefined` when it exceeds `limit` bytes (the rest is
 * drained) and `null` when it is not UTF-8.
 * @throws {Error} when the client aborts the request.
 */
const readBody = (request: IncomingMessage, limit: number): Promise<string | null | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        resolve(undefined);
      } else chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        resolve(utf8.decode(Buffer.concat(chunks)));
      } catch {
        resolve(null);
      }
    });
    request.on('error', reject);
    request.on('close', () => reject(new Error('request aborted')));
  });

const trickle = (response: ServerResponse, body: Buffer, delayMs: number, schedule: Schedule): void => {
  response.flushHeaders();
  let index = 0;
  const step = (): void => {
    if (response.destroyed) return;
    if (index >= body.length) {
      response.end();
      return;
    }
    response.write(body.subarray(index, index + 1));
    index += 1;
    schedule(step, delayMs);
  };
  step();
};

/** Answers as `delivery` says; a reset destroys the connection, a hang leaves it open. */
const deliver = (response: ServerResponse, delivery: Delivery, schedule: Schedule): void => {
  if (delivery.kind === 'hang') return;
  if (delivery.kind === 'reset') {
    response.socket?.destroy();
    return;
  }
  const { reply } = delivery;
  const body = Buffer.from(reply.body, 'utf8');
  const headers: Record<string, string | number> = { server: 'nginx', 'content-type': reply.contentType };
  if (delivery.omitLength !== true) headers['content-length'] = body.length;
  // nginx drops the connection after certificate refusals and oversized bodies.
  if (reply.status === 400 || reply.status === 413) headers.connection = 'close';
  const write = (): void => {
    if (response.destroyed) return;
    response.writeHead(reply.status, headers);
    if (delivery.trickleMs === undefined) response.end(body);
    else trickle(response, body, delivery.trickleMs, schedule);
  };
  if (delivery.delayMs === undefined) write();
  else schedule(write, delivery.delayMs);
};

export { refuseClientCertificate, readBody, deliver };
export type { Schedule };
