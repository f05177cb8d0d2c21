/**
 * Loopback ports for the sandbox and the tests: every server here listens on 127.0.0.1 only.
 */
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';

const LOOPBACK = '127.0.0.1';

/**
 * Starts `server` listening on 127.0.0.1 (`port` 0 picks a free one) and resolves its port.
 * @throws {Error} when the port cannot be bound.
 */
const listenOnLoopback = (server: Server, port = 0): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: LOOPBACK }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });

/** A port that was free a moment ago, for a process that must be told its port up front. */
const freePort = async (): Promise<number> => {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
};

/**
 * Resolves once something accepts TCP connections on the port.
 * @throws {Error} when nothing does within about `timeoutMs`.
 */
const waitForPort = async (port: number, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, LOOPBACK, () => {
        socket.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${LOOPBACK}:${port}`);
};

export { listenOnLoopback, freePort, waitForPort };
