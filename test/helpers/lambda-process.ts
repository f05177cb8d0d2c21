import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one invocation of the bundle returned or threw. */
type Invocation =
  | { ok: true; result: unknown; ms: number }
  | { ok: false; error: { name: string; message: string; keys: string[] }; ms: number };

/** A warm "container" running the built bundle in a fresh Node process. */
type LambdaProcess = {
  invoke(event: unknown, options?: { timeoutMs?: number }): Promise<Invocation>;
  /** Every line the process wrote to stdout and stderr so far. */
  logs(): string[];
  /** Parsed JSON log lines. */
  records(): Record<string, unknown>[];
  unhandled(): string[];
  /** Suspends the process (SIGSTOP): it answers nothing until killed, as a hung function. */
  freeze(): void;
  /** Kills the process at once (SIGKILL, which also ends a frozen one), as Lambda ends a timed-out sandbox. */
  kill(): Promise<void>;
  stop(): Promise<void>;
};

const RUNNER = fileURLToPath(new URL('./lambda-runner.mjs', import.meta.url));
/** The runner's end-of-invocation line (see lambda-runner.mjs); never part of `logs()`. */
const END_MARK = '#lambda-runner invocation done ';
const BUNDLE = fileURLToPath(new URL('../../dist/cancel-bill/index.mjs', import.meta.url));

/**
 * Starts the built bundle in a child process with exactly `env` (plus PATH), as Lambda would:
 * NODE_EXTRA_CA_CERTS is read at process start, so it must come through here.
 */
const startLambda = async (env: Record<string, string>, options: { execPath?: string } = {}): Promise<LambdaProcess> => {
  const child: ChildProcess = fork(RUNNER, [], {
    env: { PATH: process.env.PATH ?? '', CANCEL_BILL_BUNDLE: BUNDLE, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // CI sets CANCEL_BILL_NODE to the Lambda runtime's Node binary for the runtime-parity run.
    execPath: options.execPath ?? process.env.CANCEL_BILL_NODE ?? process.execPath,
    execArgv: ['--enable-source-maps'],
  });
  const lines: string[] = [];
  const unhandled: string[] = [];
  /** Per invocation id: the IPC reply and how many of the two end marks have arrived. */
  const pending = new Map<number, { resolve: (invocation: Invocation) => void; reply?: Invocation; marks: number }>();
  const settle = (id: number): void => {
    const entry = pending.get(id);
    if (entry?.reply === undefined || entry.marks < 2) return;
    pending.delete(id);
    entry.resolve(entry.reply);
  };
  const collect = (stream: NodeJS.ReadableStream | null): void => {
    let buffer = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        if (line.startsWith(END_MARK)) {
          const id = Number(line.slice(END_MARK.length));
          const entry = pending.get(id);
          if (entry !== undefined) entry.marks += 1;
          settle(id);
        } else if (line !== '') {
          lines.push(line);
        }
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lambda process exited with ${code}: ${lines.join('\n')}`)));
    child.on('message', (message: { id: number; ready?: boolean } & Invocation) => {
      if (message.ready === true) {
        resolve();
        return;
      }
      if (message.id === -1 && !message.ok) {
        unhandled.push(message.error.message);
        return;
      }
      const { id, ...invocation } = message;
      const entry = pending.get(id);
      if (entry === undefined) return;
      entry.reply = invocation;
      settle(id);
    });
  });
  return {
    // Resolves once the reply and everything the invocation logged have arrived.
    invoke: (event, invokeOptions) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, { resolve, marks: 0 });
        child.send({ id, event, timeoutMs: invokeOptions?.timeoutMs ?? 30_000 });
      }),
    logs: () => [...lines],
    records: () =>
      lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    unhandled: () => [...unhandled],
    freeze: () => {
      child.kill('SIGSTOP');
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
};

export { startLambda };
export type { Invocation, LambdaProcess };
