import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, startSandbox } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/index.js';
import { startHostileServer } from '../sandbox/hostile-server.js';
import type { HostileServer } from '../sandbox/hostile-server.js';
import { loadEvent } from '../fixtures/events/index.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startLambda } from '../helpers/lambda-process.js';
import type { Invocation, LambdaProcess } from '../helpers/lambda-process.js';
import { assertNoLeaks, requestSigns } from '../helpers/leaks.js';

/** A passphrase that only a leak could reveal (the sandbox's PKCS#12 files use mch_id). */
const WRONG_PASSPHRASE = 'Wrong-Passphrase-7f3a9c';
/** The key WeChat Pay switches to in the rotation scenario, never stored in the secret. */
const ROTATED_KEY = createApiKey();

type Envelope = 'api-gateway-v1' | 'api-gateway-v2' | 'direct';
type Via = 'sandbox' | 'hostile' | 'config';
type Scenario = { name: string; via: Via; envelope: Envelope; expected: string; prepare: (sandbox: Sandbox, hostile: HostileServer, orderNo: string) => void };

const secretWith = (sandbox: Sandbox, changes: Record<string, string>): string => JSON.stringify({ ...JSON.parse(sandbox.merchantSecret('pem')), ...changes });

/** One scenario per answer the function can give, on the surfaces callers and operators see. */
const SCENARIOS: Scenario[] = [
  { name: 'a success', via: 'sandbox', envelope: 'api-gateway-v2', expected: '200', prepare: (s, _h, o) => s.seedOrder(o) },
  { name: 'OrderNotFoundError', via: 'sandbox', envelope: 'api-gateway-v1', expected: '404', prepare: () => undefined },
  { name: 'OrderStateError', via: 'sandbox', envelope: 'api-gateway-v2', expected: '409', prepare: (s, _h, o) => s.seedOrder(o, 'FINISHED') },
  { name: 'TransientError after HTTP 500s', via: 'sandbox', envelope: 'api-gateway-v1', expected: '503', prepare: (s, _h, o) => { s.seedOrder(o); s.primary.faults.push('http500', { times: 2 }); } },
  { name: 'SignatureError', via: 'sandbox', envelope: 'api-gateway-v2', expected: '502', prepare: (s, _h, o) => { s.seedOrder(o); s.primary.faults.push('forgedSuccess', { endpoint: 'cancelbill', times: 2 }); } },
  { name: 'a refused client certificate', via: 'sandbox', envelope: 'api-gateway-v1', expected: '502', prepare: (s, _h, o) => { s.seedOrder(o); s.primary.faults.push('certError', { times: 2 }); } },
  { name: 'a key WeChat Pay changed but the secret lacks', via: 'sandbox', envelope: 'direct', expected: 'WechatPayError', prepare: (s, _h, o) => { s.seedOrder(o); s.setApiKey(ROTATED_KEY); } },
  { name: 'a hostile external entity', via: 'hostile', envelope: 'api-gateway-v2', expected: '503', prepare: (s, h, o) => { s.seedOrder(o); h.push({ body: ({ xml }) => `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>${xml}` }, 2); } },
  { name: 'a success through the hostile front', via: 'hostile', envelope: 'api-gateway-v1', expected: '200', prepare: (s, _h, o) => s.seedOrder(o) },
  { name: 'a secret that is not JSON', via: 'config', envelope: 'api-gateway-v2', expected: '500', prepare: (s) => { s.secrets.setSecret(s.secretId, `{"api_key":"${s.apiKey}", "key_pem": "${s.certs.clients.merchant.keyPem.slice(0, 200)}`); } },
  { name: 'a key that does not match the certificate', via: 'config', envelope: 'api-gateway-v1', expected: '500', prepare: (s) => void s.storeMerchantSecret('pem', { identity: 'mismatched' }) },
  { name: 'a PKCS#12 with a wrong passphrase', via: 'config', envelope: 'direct', expected: 'ConfigError', prepare: (s) => void s.storeMerchantSecret('pfx', { passphrase: WRONG_PASSPHRASE }) },
  { name: 'an api_key that is not 32 characters', via: 'config', envelope: 'direct', expected: 'ConfigError', prepare: (s) => void s.secrets.setSecret(s.secretId, secretWith(s, { api_key: `${s.apiKey}X` })) },
];

/** Planted leaks the scan must catch: proof that a clean scan means something. */
const PLANTED: { name: string; plant: (sandbox: Sandbox, hostile: HostileServer) => string }[] = [
  { name: 'the API key', plant: (s) => s.apiKey },
  { name: 'a former API key', plant: () => ROTATED_KEY },
  { name: 'a private key line', plant: (s) => s.certs.clients.merchant.keyPem.split('\n')[3] ?? '' },
  { name: 'a PKCS#12 excerpt', plant: (s) => s.certs.clients.merchant.pfx?.der.toString('base64').slice(100, 420) ?? '' },
  { name: 'a request signature fragment in lower case', plant: (s) => (requestSigns(s)[0] ?? '').slice(20, 40).toLowerCase() },
  { name: 'a reply signature fragment', plant: (_s, h) => (h.replySigns[0] ?? '').slice(30, 50) },
  { name: 'a PEM block', plant: () => '-----BEGIN PRIVATE KEY-----' },
  { name: 'an XML body', plant: () => '<xml><return_code>SUCCESS</return_code></xml>' },
  { name: 'a 64-hex signature', plant: () => 'ab'.repeat(32) },
];

const httpEvent = (envelope: 'api-gateway-v1' | 'api-gateway-v2', orderNo: string): unknown => {
  const event = loadEvent(envelope);
  event.pathParameters = { out_order_no: orderNo };
  event.body = JSON.stringify({ reason: '用户投诉' });
  event.isBase64Encoded = false;
  if ('rawPath' in event) event.rawPath = `/rental-orders/${orderNo}/cancel`;
  return event;
};

/** Every surface a secret could escape through, scanned: logs, thrown errors, API Gateway responses. */
describe('no leaks', () => {
  let sandbox: Sandbox;
  let hostile: HostileServer;
  const lambdas = new Map<Via, LambdaProcess>();
  const surfaces: string[] = [];
  const apiKeys: string[] = [];
  let counter = 0;

  beforeAll(async () => {
    sandbox = await startSandbox();
    apiKeys.push(sandbox.apiKey, ROTATED_KEY);
    hostile = await startHostileServer({
      tls: { cert: sandbox.certs.server.certPem, key: sandbox.certs.server.keyPem },
      mchId: sandbox.mchId,
      apiKey: () => sandbox.apiKey,
      orders: sandbox.orders,
    });
    const base = { WECHATPAY_TIMEOUT_MS: '1000', WECHATPAY_MAX_ATTEMPTS: '2' };
    const [direct, fronted] = await Promise.all([
      startLambda(sandbox.env(base)),
      startLambda(sandbox.env({ ...base, WECHATPAY_BASE_URL: hostile.url, WECHATPAY_BACKUP_BASE_URL: '' })),
    ]);
    lambdas.set('sandbox', direct).set('hostile', fronted);
  });

  /** The container for `via`; the config one starts at first use, as it fetches the (bad) secret at init. */
  const lambdaFor = async (via: Via): Promise<LambdaProcess> => {
    const existing = lambdas.get(via);
    if (existing !== undefined) return existing;
    const started = await startLambda(sandbox.env({ WECHATPAY_TIMEOUT_MS: '1000' }));
    lambdas.set(via, started);
    return started;
  };

  afterAll(async () => {
    await Promise.all([...lambdas.values()].map((lambda) => lambda.stop()));
    await ifAssigned(hostile)?.close();
    await ifAssigned(sandbox)?.close();
  });

  it.each(SCENARIOS)('answers $name ($envelope) with no secret in the answer', async ({ via, envelope, expected, prepare }) => {
    // Prepare
    const orderNo = `LEAK-${(counter += 1)}`;
    const good = sandbox.merchantSecret('pem');
    prepare(sandbox, hostile, orderNo);
    const lambda = await lambdaFor(via);
    const event = envelope === 'direct' ? { out_order_no: orderNo, reason: '用户投诉' } : httpEvent(envelope, orderNo);

    // Act
    const outcome: Invocation = await lambda.invoke(event, { timeoutMs: 5000 });
    sandbox.secrets.setSecret(sandbox.secretId, good);
    sandbox.setApiKey(apiKeys[0] as string);
    sandbox.primary.faults.clear();

    // Assess
    const answer = JSON.stringify(outcome);
    surfaces.push(answer);
    const kind = outcome.ok ? String((outcome.result as { statusCode?: number }).statusCode ?? 'result') : outcome.error.name;
    expect(kind).toBe(expected);
    assertNoLeaks(answer, sandbox, { apiKeys, signs: hostile.replySigns });
    expect(answer).not.toContain(WRONG_PASSPHRASE);
  });

  it('writes no secret into any log line', () => {
    // Prepare: invoke() resolved only once each invocation's log lines had arrived.
    const lines = [...lambdas.values()].flatMap((lambda) => lambda.logs());

    // Act
    const text = [...lines, ...surfaces].join('\n');

    // Assess
    expect(lines.filter((line) => line.includes('cancel-bill invocation'))).toHaveLength(SCENARIOS.length);
    expect(hostile.replySigns.length).toBeGreaterThan(0);
    expect(requestSigns(sandbox).length).toBeGreaterThan(0);
    assertNoLeaks(text, sandbox, { apiKeys, signs: hostile.replySigns });
    expect(text).not.toContain(WRONG_PASSPHRASE);
  });

  it('passes the same log line with nothing planted', () => {
    // Prepare
    const line = '{"level":"INFO","message":"cancel-bill invocation","detail":"order 15646546545165650001 REVOKED"}';

    // Act
    const scan = (): void => assertNoLeaks(line, sandbox, { apiKeys, signs: hostile.replySigns });

    // Assess
    expect(scan).not.toThrow();
  });

  it.each(PLANTED)('catches $name planted in a log line', ({ plant }) => {
    // Prepare
    const planted = plant(sandbox, hostile);
    const line = `{"level":"INFO","message":"cancel-bill invocation","detail":"${planted}"}`;

    // Act
    const scan = (): void => assertNoLeaks(line, sandbox, { apiKeys, signs: hostile.replySigns });

    // Assess
    expect(planted.length).toBeGreaterThanOrEqual(16);
    expect(scan).toThrow();
  });
});
