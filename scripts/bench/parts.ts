/**
 * `npx tsx scripts/bench/parts.ts [--calls N]` (after `npm run build`): the CPU cost of each part
 * of a warm call, one part at a time, in interleaved rounds, in a child process whose output is
 * discarded (the sandbox runs in this one, so its work is not counted). Parts: the invocation's
 * log line (as shipped, without its metrics, and the same keys by JSON.stringify), validation, the
 * request's signing and XML, the reply's XML and verification, the transport's request next to the
 * bench's limit (bare node:https), and the whole built handler. A tight loop keeps the CPU caches
 * warm, so each part costs less here than inside a real call (docs/performance.md).
 */
import { fork } from 'node:child_process';
import { createSecretKey } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { parseCommand } from '../../lib/command.js';
import { createHttpsTransport } from '../../lib/https-transport.js';
import { createTelemetry, lineAttributes } from '../../lib/telemetry.js';
import type { InvocationSummary } from '../../lib/telemetry.js';
import { createNonce, sign, verify } from '../../lib/wechatpay/index.js';
import { fromXml, toXml } from '../../lib/wechatpay/xml.js';
import { signFields, startSandbox, toXml as sandboxXml } from '../../test/sandbox/index.js';
import { REASON, eventsFor, round } from './sides.js';

const ROUNDS = 6;
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
type Handler = (event: unknown, context?: unknown) => Promise<unknown>;
/** Built in this process, used in the child: events for seeded orders, a signed reply. */
type Setup = { url: string; apiKey: string; mchId: string; cert: string; key: string; reply: string; orders: unknown[]; signed: { body: string }[] };

/** In the child: every part, `perRound` times per round; CPU µs per operation. */
const measure = async (setup: Setup, perRound: number): Promise<Record<string, number>> => {
  const apiKey = createSecretKey(Buffer.from(setup.apiKey));
  const logger = new Logger({ serviceName: 'cancel-bill' });
  const telemetry = createTelemetry({ logger, metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }) });
  const summary: InvocationSummary = {
    ...{ envelope: 'direct', outOrderNo: 'BENCH0000000001', outcome: 'success', attributes: { state: 'REVOKED', already_cancelled: false } },
    ...{ attempts: 1, host: '127.0.0.1', hostRole: 'primary', secretRefreshed: false, credentialsRefused: false, latencyMs: 31, requestId: 'req-1', certDaysToExpiry: 300 },
  };
  const command = { out_order_no: 'BENCH0000000001', reason: REASON };
  const defaults = { appid: 'wxd678efh567hg6787', serviceId: '2002000000000558128851361561536' };
  const reply = fromXml(setup.reply);
  const transport = createHttpsTransport({ clock: { now: () => performance.now() } });
  const credentials = { version: 'v1', tls: { kind: 'pem' as const, cert: setup.cert, key: setup.key } };
  const post = (body: string) => transport.request({ url: setup.url, body, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, timeoutMs: 8000, credentials });
  const limit = ((await import(pathToFileURL(here('./limit.mjs')).href)) as { handler: Handler }).handler;
  const bundle = ((await import(pathToFileURL(here('../../dist/cancel-bill/index.mjs')).href)) as { handler: Handler }).handler;
  const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 30_000 };
  const parts: Record<string, () => unknown> = {
    'log line: Powertools Logger + Metrics (as shipped)': () => telemetry.logInvocation(summary),
    'log line: Powertools Logger, without the metrics': () => logger.info('cancel-bill invocation', lineAttributes(summary)),
    'log line: the same keys by JSON.stringify': () => process.stdout.write(`${JSON.stringify({ level: 'INFO', ...lineAttributes(summary) })}\n`),
    'validation (parseCommand)': () => parseCommand(command, defaults),
    'request: nonce, sign, XML': () => {
      const unsigned = { version: '1.0', appid: defaults.appid, ...command, mch_id: setup.mchId, nonce_str: createNonce(), sign_type: 'HMAC-SHA256' };
      return toXml({ ...unsigned, sign: sign(unsigned, apiKey) });
    },
    'reply: XML (validate, parse)': () => fromXml(setup.reply),
    'reply: verify sign': () => verify(reply, apiKey),
    'transport: one request, kept-alive connection': () => post(setup.signed.pop()?.body ?? ''),
    'the limit (bare node:https): the same request': () => limit(setup.signed.pop()),
    'the whole built handler (one cancel)': () => bundle(setup.orders.pop(), context),
  };
  const names = Object.keys(parts);
  const cpuUs = Object.fromEntries(names.map((name) => [name, 0]));
  // Round -1 warms up (JIT, connections) and is not counted.
  for (let index = -1; index < ROUNDS; index += 1) {
    for (const name of index % 2 === 0 ? names : [...names].reverse()) {
      const before = process.cpuUsage();
      for (let call = 0; call < perRound; call += 1) await parts[name]?.();
      const used = process.cpuUsage(before);
      if (index >= 0) cpuUs[name] = (cpuUs[name] ?? 0) + used.user + used.system;
    }
  }
  transport.close();
  return Object.fromEntries(names.map((name) => [name, round((cpuUs[name] ?? 0) / (perRound * ROUNDS), 1)]));
};

if (process.argv.includes('--child')) {
  process.once('message', (message: { setup: Setup; perRound: number }) => {
    measure(message.setup, message.perRound).then((result) => process.send?.(result), (error: unknown) => process.send?.({ error: String(error) }));
  });
} else {
  const { values } = parseArgs({ options: { calls: { type: 'string', default: '3000' } } });
  const perRound = Math.ceil(Number(values.calls) / ROUNDS);
  const sandbox = await startSandbox();
  try {
    const count = perRound * (ROUNDS + 1);
    const replyFields = { return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: sandbox.mchId, out_order_no: 'BENCH0000000001', order_id: '15646546545165651651' };
    const reply = sandboxXml({ ...replyFields, nonce_str: createNonce(), sign: signFields({ ...replyFields }, sandbox.apiKey) });
    const identity = sandbox.certs.clients.merchant;
    const signed = eventsFor(sandbox, 'limit', count * 2) as { body: string }[];
    const setup: Setup = { url: `${sandbox.primary.url}/wxv/cancelbill`, apiKey: sandbox.apiKey, mchId: sandbox.mchId, cert: identity.certPem, key: identity.keyPem, reply, orders: eventsFor(sandbox, 'function', count), signed };
    const child = fork(fileURLToPath(import.meta.url), ['--child'], { env: { ...process.env, ...sandbox.env() }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const result = await new Promise<Record<string, number>>((resolve) => child.once('message', resolve).send({ setup, perRound }));
    child.kill();
    if ('error' in result) throw new Error(String(result.error));
    console.log(`CPU per operation, µs (${perRound * ROUNDS} operations each, ${ROUNDS} interleaved rounds; node ${process.version})`);
    for (const [name, us] of Object.entries(result)) console.log(`  ${name.padEnd(56)}${us.toFixed(1).padStart(8)}`);
  } finally {
    await sandbox.close();
  }
}
