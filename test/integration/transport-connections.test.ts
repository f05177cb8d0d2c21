import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SOCKET_RETIREMENT_MS } from '../../lib/https-transport.js';
import { startSandbox } from '../sandbox/index.js';
import { listenOnLoopback } from '../sandbox/loopback.js';
import type { Sandbox, SandboxOptions } from '../sandbox/index.js';

const RUNNER = fileURLToPath(new URL('../helpers/transport-runner.ts', import.meta.url));

type Outcome = { status?: number; error?: string };

let sandbox: Sandbox | undefined;
let child: ChildProcess | undefined;

/**
 * The transport in its own process, trusting the sandbox; `send(advanceMs, url)` moves its clock,
 * then posts once (to the sandbox's primary unless `url` is given).
 */
const start = async (options: SandboxOptions = {}, connectTimeoutMs?: number) => {
  const started = await startSandbox(options);
  sandbox = started;
  const runner = fork(RUNNER, connectTimeoutMs === undefined ? [] : [String(connectTimeoutMs)], {
    // CI sets CANCEL_BILL_NODE to the Lambda runtime's Node binary for the runtime-parity run.
    execPath: process.env.CANCEL_BILL_NODE ?? process.execPath,
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: started.certs.ca.certPath },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child = runner;
  const replies = new Map<number, (outcome: Outcome) => void>();
  await new Promise<void>((resolve, reject) => {
    runner.once('exit', (code) => reject(new Error(`transport runner exited with ${code}`)));
    runner.on('message', ({ id, ...outcome }: Outcome & { id: number }) => (id === 0 ? resolve() : replies.get(id)?.(outcome)));
  });
  const identity = started.certs.clients.merchant;
  const credentials = { version: 'v1', tls: { kind: 'pem', cert: identity.certPem, key: identity.keyPem } };
  let nextId = 1;
  const send = (advanceMs = 0, url = `${started.primary.url}/wxv/cancelbill`): Promise<Outcome> =>
    new Promise((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      runner.send({ id, advanceMs, url, credentials, timeoutMs: 5000 });
    });
  return { sandbox: started, send };
};

afterEach(async () => {
  child?.kill();
  child = undefined;
  await sandbox?.close();
  sandbox = undefined;
});

describe('https-transport', () => {
  describe('timeouts', () => {
    it('gives up on a connection whose TLS handshake never completes after the connect timeout', async () => {
      // Prepare: a TCP server that accepts and never answers.
      const silent = createServer();
      const accepted: Socket[] = [];
      silent.on('connection', (socket) => accepted.push(socket));
      const port = await listenOnLoopback(silent);
      const { send } = await start({}, 300);

      try {
        // Act
        const started = performance.now();
        const outcome = await send(0, `https://127.0.0.1:${port}/wxv/cancelbill`);

        // Assess
        expect(outcome).toEqual({ error: 'CONNECT_TIMEOUT' });
        expect(performance.now() - started).toBeLessThan(4000);
        expect(accepted).toHaveLength(1);
      } finally {
        for (const socket of accepted) socket.destroy();
        silent.close();
      }
    });
  });


  describe('idle connection retirement', () => {
    it('reuses a pooled connection idle for exactly the retirement age', async () => {
      // Prepare
      const { sandbox: server, send } = await start();
      await send();

      // Act
      const outcome = await send(SOCKET_RETIREMENT_MS);

      // Assess
      expect(outcome).toEqual({ status: 200 });
      expect(server.primary.stats.handshakes).toBe(1);
    });

    it('opens a new connection, resuming the TLS session, once a pooled one is idle past the retirement age', async () => {
      // Prepare
      const { sandbox: server, send } = await start();
      await send();

      // Act
      const outcome = await send(SOCKET_RETIREMENT_MS + 1);

      // Assess
      expect(outcome).toEqual({ status: 200 });
      expect(server.primary.stats.handshakes).toBe(2);
      expect(server.primary.stats.resumedHandshakes).toBe(1);
      expect(server.primary.stats.httpRequests).toBe(2);
    });

    it('writes no request into a connection the server dropped without a FIN', async () => {
      // Prepare: the server forgets idle connections after 50 ms and answers the next request with an RST.
      const { sandbox: server, send } = await start({ wechatpay: { keepAlive: { idleMs: 50, close: 'reset' } } });
      await send();
      await sleep(100);

      // Act
      const outcome = await send(SOCKET_RETIREMENT_MS + 1);

      // Assess
      expect(outcome).toEqual({ status: 200 });
      expect(server.primary.stats.idleResets).toBe(0);
      expect(server.primary.stats.handshakes).toBe(2);
      expect(server.primary.stats.resumedHandshakes).toBe(1);
    });
  });
});
