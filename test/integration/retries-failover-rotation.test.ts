import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, startSandbox } from '../sandbox/index.js';
import { freePort, waitForPort } from '../sandbox/loopback.js';
import type { Sandbox } from '../sandbox/index.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startLambda } from '../helpers/lambda-process.js';
import type { LambdaProcess } from '../helpers/lambda-process.js';
import { assertNoSecrets } from '../helpers/leaks.js';

type Failure = { ok: false; error: { name: string; message: string } };

/** Retries, failover to the backup host and secret rotation, through the built bundle over real mTLS. */
describe('retries, failover and rotation', () => {
  let sandbox: Sandbox;
  const lambdas: LambdaProcess[] = [];
  let counter = 0;
  const nextOrderNo = (): string => `RFR${Date.now()}${(counter += 1)}`;

  /** A fresh container, so host stickiness and the secret cache start clean. */
  const freshLambda = async (overrides: Record<string, string> = {}): Promise<LambdaProcess> => {
    const lambda = await startLambda(sandbox.env({ WECHATPAY_TIMEOUT_MS: '1000', ...overrides }));
    lambdas.push(lambda);
    return lambda;
  };
  const cancelsOf = (orderNo: string, server: 'primary' | 'backup' = 'primary') =>
    sandbox[server].stats.requests.filter((r) => r.endpoint === 'cancelbill' && r.fields.out_order_no === orderNo);

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    sandbox.primary.faults.clear();
    sandbox.backup.faults.clear();
    await sandbox.primary.up();
  });

  afterAll(async () => {
    const logs = lambdas.flatMap((lambda) => lambda.logs());
    await Promise.all(lambdas.map((lambda) => lambda.stop()));
    const started = ifAssigned(sandbox);
    if (started !== undefined) assertNoSecrets(logs.join('\n'), started);
    await started?.close();
  });

  it.each([
    { name: 'SYSTEMERROR', fault: 'systemError' },
    { name: 'HTTP 500', fault: 'http500' },
    { name: 'HTTP 502', fault: 'http502' },
    { name: 'a reset before processing', fault: 'resetBeforeProcessing' },
    { name: 'FREQUENCY_LIMITED', fault: 'frequencyLimited' },
  ] as const)('retries after $name and cancels', async ({ fault }) => {
    // Prepare
    const lambda = await freshLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.push(fault, { endpoint: 'cancelbill' });

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'retry' });

    // Assess: the primary saw the faulted cancel, then the retry that went through.
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: false } });
    expect(cancelsOf(orderNo)).toHaveLength(2);
    expect(cancelsOf(orderNo).map((recorded) => recorded.fault)).toEqual([fault, undefined]);
    expect(sandbox.primary.faults.pending()).toBe(0);
    expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  /** A container whose next request goes out on a kept-alive connection. */
  const warmLambda = async (): Promise<LambdaProcess> => {
    const lambda = await freshLambda();
    const warmup = nextOrderNo();
    sandbox.seedOrder(warmup, 'CREATED');
    await lambda.invoke({ out_order_no: warmup, reason: 'open a connection' });
    return lambda;
  };
  const noncesOf = (orderNo: string): (string | undefined)[] => cancelsOf(orderNo).map((recorded) => recorded.fields.nonce_str);

  it('sends a new request at once, signed afresh, when a pooled keep-alive connection turns out dead', async () => {
    // Prepare
    const lambda = await warmLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.push('resetBeforeProcessing', { endpoint: 'cancelbill' });

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'stale socket' });

    // Assess: two sends, each with its own nonce_str, and no backoff spent on the dead connection.
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: false } });
    const line = lambda.records().filter((r) => r.message === 'cancel-bill invocation').at(-1);
    expect(line).toMatchObject({ attempts: 2 });
    expect(cancelsOf(orderNo)).toHaveLength(2);
    expect(new Set(noncesOf(orderNo)).size).toBe(2);
  });

  it('answers from the order state when a kept-alive connection dies after the server applied the cancel, under a server that refuses repeated nonces', async () => {
    // Prepare
    const lambda = await warmLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    const reusedBefore = sandbox.primary.stats.reusedNonces;
    sandbox.primary.faults.push('resetAfterProcessing', { endpoint: 'cancelbill' });

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'stale after apply' });

    // Assess: the resend is a new request; its refusal (the order is already revoked) is reconciled.
    expect(outcome).toMatchObject({ ok: true, result: { out_order_no: orderNo, state: 'REVOKED', already_cancelled: true } });
    expect(new Set(noncesOf(orderNo)).size).toBe(cancelsOf(orderNo).length);
    expect(sandbox.primary.stats.reusedNonces).toBe(reusedBefore);
    expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  it('tells the truth when the reply was lost after the order was revoked', async () => {
    // Prepare
    const lambda = await freshLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.push('resetAfterProcessing', { endpoint: 'cancelbill' });

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'lost reply' });

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  it('times out a hanging attempt, keeps the host, and answers from the order state', async () => {
    // Prepare
    const lambda = await freshLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.push('hang', { endpoint: 'cancelbill' });

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'hang' });

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED' } });
    expect(outcome.ms).toBeLessThan(10_000);
    expect(cancelsOf(orderNo, 'backup')).toHaveLength(0);
  });

  it('gives up with TransientError within the deadline when WeChat Pay stays busy', async () => {
    // Prepare
    const lambda = await freshLambda({ WECHATPAY_MAX_ATTEMPTS: '2' });
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.set('http500');

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'busy' }, { timeoutMs: 5000 });

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'TransientError' } });
    expect((outcome as Failure).error.message).toMatch(/^HTTP_500: /);
    expect(outcome.ms).toBeLessThan(5000);
    expect(sandbox.orders.get(orderNo)?.state).toBe('CREATED');
  });

  it('fails over to the backup host when the primary refuses connections, and stays there', async () => {
    // Prepare
    const lambda = await freshLambda();
    const first = nextOrderNo();
    const second = nextOrderNo();
    sandbox.seedOrder(first, 'CREATED');
    sandbox.seedOrder(second, 'CREATED');
    await sandbox.primary.down();

    // Act
    const during = await lambda.invoke({ out_order_no: first, reason: 'primary down' });
    await sandbox.primary.up();
    const after = await lambda.invoke({ out_order_no: second, reason: 'primary back' });

    // Assess
    expect(during).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: false } });
    expect(after).toMatchObject({ ok: true, result: { state: 'REVOKED' } });
    expect(cancelsOf(first, 'backup')).toHaveLength(1);
    expect(cancelsOf(second, 'backup')).toHaveLength(1);
    expect(cancelsOf(second, 'primary')).toHaveLength(0);
    const lines = lambda.records().filter((r) => r.message === 'cancel-bill invocation');
    expect(lines.at(-1)).toMatchObject({ host: new URL(sandbox.backup.url).host, host_role: 'backup' });
  });

  it('does not fail over when the backup is disabled', async () => {
    // Prepare
    const lambda = await freshLambda({ WECHATPAY_BACKUP_BASE_URL: '', WECHATPAY_MAX_ATTEMPTS: '2' });
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    await sandbox.primary.down();

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'no backup' });

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'TransientError' } });
    expect(cancelsOf(orderNo, 'backup')).toHaveLength(0);
    // Every attempt stayed on the primary: no default backup host (which is not on loopback) was tried.
    const line = lambda.records().filter((r) => r.message === 'cancel-bill invocation').at(-1);
    expect(line).toMatchObject({ attempts: 2, host_role: 'primary', host: new URL(sandbox.primary.url).host });
  });

  it('picks up a rotated API key at once after 签名错误', async () => {
    // Prepare
    const lambda = await freshLambda();
    const warmup = nextOrderNo();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(warmup, 'CREATED');
    sandbox.seedOrder(orderNo, 'CREATED');
    await lambda.invoke({ out_order_no: warmup, reason: 'before rotation' });
    const fetchesBefore = sandbox.secrets.stats.getSecretValue;
    const newKey = createApiKey();
    sandbox.setApiKey(newKey);
    sandbox.storeMerchantSecret('pem', { apiKey: newKey });

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'after rotation' });

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: false } });
    expect(sandbox.secrets.stats.getSecretValue - fetchesBefore).toBe(1);
    const lines = lambda.records().filter((r) => r.message === 'cancel-bill invocation');
    expect(lines.at(-1)).toMatchObject({ secret_refreshed: true, outcome: 'success' });
  });

  it('picks up a rotated client certificate after a certificate refusal', async () => {
    // Prepare
    sandbox.storeMerchantSecret('pem', { identity: 'foreign' });
    try {
      const lambda = await freshLambda();
      const refusedOrder = nextOrderNo();
      const orderNo = nextOrderNo();
      sandbox.seedOrder(refusedOrder, 'CREATED');
      sandbox.seedOrder(orderNo, 'CREATED');
      const refused = await lambda.invoke({ out_order_no: refusedOrder, reason: 'old certificate' });
      sandbox.storeMerchantSecret('pem');
      const fetchesBefore = sandbox.secrets.stats.getSecretValue;

      // Act
      const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'new certificate' });

      // Assess
      expect(refused).toMatchObject({ ok: false, error: { name: 'WechatPayError' } });
      expect((refused as Failure).error.message).toMatch(/^(SSL_CERT_ERROR|NO_CLIENT_CERT): /);
      const lines = lambda.records().filter((r) => r.message === 'cancel-bill invocation');
      expect(lines.at(-2)).toMatchObject({ out_order_no: refusedOrder, secret_refreshed: true, credentials_refused: true });
      expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: false } });
      expect(lines.at(-1)).not.toHaveProperty('credentials_refused');
      expect(sandbox.secrets.stats.getSecretValue - fetchesBefore).toBe(1);
    } finally {
      // Never leave the foreign certificate in the secret, even when a step above threw.
      sandbox.storeMerchantSecret('pem');
    }
  });

  it('counts a TLS 1.2 handshake alert on the client certificate as a certificate refusal', async () => {
    // Prepare: an OpenSSL front that refuses untrusted client certificates in the TLS 1.2 handshake
    // with an alert, as nginx with ssl_verify_client on does.
    const port = await freePort();
    const { certs } = sandbox;
    const front = spawn('openssl', ['s_server', '-quiet', '-tls1_2', '-accept', String(port), '-cert', certs.server.certPath, '-key', certs.server.keyPath,
      '-CAfile', certs.merchantCa.certPath, '-Verify', '1', '-verify_return_error', '-www'], { stdio: 'ignore' });
    try {
      await waitForPort(port);
      sandbox.storeMerchantSecret('pem', { identity: 'foreign' });
      const fetchesBefore = sandbox.secrets.stats.getSecretValue;
      const lambda = await freshLambda({ WECHATPAY_BASE_URL: `https://127.0.0.1:${port}`, WECHATPAY_BACKUP_BASE_URL: '' });

      // Act
      const outcome = await lambda.invoke({ out_order_no: nextOrderNo(), reason: 'tls 1.2' });

      // Assess
      expect(outcome).toMatchObject({ ok: false, error: { name: 'WechatPayError' } });
      expect((outcome as Failure).error.message).toMatch(/^SSL_CERT_ERROR: /);
      // The first fetch (started at init) and exactly one fresh fetch after the refusal.
      expect(sandbox.secrets.stats.getSecretValue - fetchesBefore).toBe(2);
    } finally {
      front.kill();
      sandbox.storeMerchantSecret('pem');
    }
  });

  it('fetches the secret afresh once when a reply does not verify with the key in hand, and answers the order state', async () => {
    // Prepare: the merchant rotated its key; WeChat Pay already signs with the new one.
    const lambda = await warmLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.push('misSigned', { endpoint: 'cancelbill' });
    const fetchesBefore = sandbox.secrets.stats.getSecretValue;
    sandbox.storeMerchantSecret('pem');

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'rotated reply key' });

    // Assess: the unverifiable reply was for an applied cancel; the retry with the fresh secret finds it revoked.
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    expect(sandbox.secrets.stats.getSecretValue - fetchesBefore).toBe(1);
    expect(lambda.records().filter((r) => r.message === 'cancel-bill invocation').at(-1)).toMatchObject({ secret_refreshed: true });
    expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  it('reports SignatureError when forged replies still do not verify after the one fresh fetch, and the order is still open', async () => {
    // Prepare
    const lambda = await warmLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.set('forgedSuccess', { endpoint: 'cancelbill' });
    sandbox.storeMerchantSecret('pem');

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'tampered' });

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'SignatureError' } });
    expect((outcome as Failure).error.message).toMatch(/^SIGN_MISMATCH: /);
    expect(cancelsOf(orderNo)).toHaveLength(2);
  });

  it('reports WechatPayError NO_CLIENT_CERT when WeChat Pay keeps refusing the certificate', async () => {
    // Prepare
    const lambda = await freshLambda();
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    sandbox.primary.faults.set('certError');

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'cert' });

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'WechatPayError' } });
    expect((outcome as Failure).error.message).toMatch(/^(NO_CLIENT_CERT|SSL_CERT_ERROR): /);
  });
});
