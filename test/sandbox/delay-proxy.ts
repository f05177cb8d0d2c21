/**
 * A TCP proxy on 127.0.0.1 that gives loopback a network's round-trip time: every chunk, FIN and
 * RST waits half the RTT in its direction, in order, and the first bytes of a connection wait one
 * RTT more, for the TCP handshake that the proxy's instant accept skipped. TLS passes through
 * untouched, so a full handshake costs its round trips and a resumed one its own.
 */
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './loopback.js';

type DelayProxy = { url: string; close(): Promise<void> };

/** Forwards `from` to `to`, in order, each event `delayMs` after it happened (the first `firstExtraMs` more). */
const forward = (from: Socket, to: Socket, delayMs: number, firstExtraMs: number): void => {
  const queue: { due: number; action: () => void }[] = [];
  let extraMs = firstExtraMs;
  let timer: NodeJS.Timeout | undefined;
  const wait = (): NodeJS.Timeout => setTimeout(drain, Math.max(1, Math.ceil((queue[0]?.due ?? 0) - performance.now())));
  function drain(): void {
    timer = undefined;
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= performance.now()) queue.shift()?.action();
    if (queue.length > 0) timer = wait();
  }
  const later = (action: () => void): void => {
    queue.push({ due: performance.now() + delayMs + extraMs, action });
    extraMs = 0;
    timer ??= wait();
  };
  from.on('data', (chunk: Buffer) => later(() => to.destroyed || to.write(chunk)));
  from.on('end', () => later(() => to.destroyed || to.end()));
  from.on('error', () => later(() => to.destroyed || to.resetAndDestroy()));
};

/**
 * Starts a proxy to `127.0.0.1:<targetPort>` adding `roundTripMs` to every round trip.
 * @throws {Error} when no port can be bound.
 */
const startDelayProxy = async (targetPort: number, roundTripMs: number): Promise<DelayProxy> => {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ port: targetPort, host: '127.0.0.1', allowHalfOpen: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    forward(client, upstream, roundTripMs / 2, roundTripMs);
    forward(upstream, client, roundTripMs / 2, 0);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `https://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

export { startDelayProxy };
export type { DelayProxy };
