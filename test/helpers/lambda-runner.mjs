// A stand-in Lambda container: loads the built bundle once and runs invocations sent over IPC.
// Logs go to this process's stdout/stderr, which the parent captures.
import { pathToFileURL } from 'node:url';

/**
 * Written to stdout and stderr after each invocation, before its IPC reply. IPC and the two pipes
 * are separate channels, so the parent waits for both marks: then every line the invocation
 * logged has arrived too. Must match END_MARK in lambda-process.ts.
 */
const END_MARK = '#lambda-runner invocation done ';

const bundle = process.env.CANCEL_BILL_BUNDLE;
const { handler } = await import(pathToFileURL(bundle).href);
let sequence = 0;

process.on('message', async (message) => {
  const { id, event, timeoutMs } = message;
  sequence += 1;
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: `req-${process.pid}-${sequence}`,
    functionName: 'cancel-bill-test-cancelBill',
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const started = performance.now();
  let reply;
  try {
    const result = await handler(event, context);
    reply = { id, ok: true, result, ms: performance.now() - started };
  } catch (error) {
    reply = {
      id,
      ok: false,
      error: { name: error?.name, message: error?.message, keys: Object.keys(error ?? {}) },
      ms: performance.now() - started,
    };
  }
  process.stdout.write(`${END_MARK}${id}\n`);
  process.stderr.write(`${END_MARK}${id}\n`);
  process.send(reply);
});
process.on('unhandledRejection', (reason) => {
  process.send({ id: -1, ok: false, error: { name: 'UnhandledRejection', message: String(reason) } });
});
process.send({ id: 0, ready: true });
