import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, startSandbox } from '../sandbox/index.js';
import type { MerchantSecretOptions, Sandbox } from '../sandbox/index.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startLambda } from '../helpers/lambda-process.js';
import type { LambdaProcess } from '../helpers/lambda-process.js';
import { assertNoSecrets } from '../helpers/leaks.js';

type Failure = { ok: false; error: { name: string; message: string } };

/** Both secret formats, every ConfigError path, through the built bundle and the real SDK client. */
describe('secrets and configuration', () => {
  let sandbox: Sandbox;
  const lambdas: LambdaProcess[] = [];
  let counter = 0;
  const nextOrderNo = (): string => `SEC${Date.now()}${(counter += 1)}`;

  /** A container reading its own secret id, so each test controls what Secrets Manager returns. */
  const lambdaWithSecret = async (secretString: string | undefined, env: Record<string, string> = {}): Promise<LambdaProcess> => {
    counter += 1;
    const secretId = `cancel-bill/test-${counter}`;
    if (secretString !== undefined) sandbox.secrets.setSecret(secretId, secretString);
    const lambda = await startLambda(sandbox.env({ WECHATPAY_SECRET_ID: secretId, ...env }));
    lambdas.push(lambda);
    return lambda;
  };
  const cancelFresh = async (lambda: LambdaProcess) => {
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    return { orderNo, outcome: await lambda.invoke({ out_order_no: orderNo, reason: 'secret test' }) };
  };

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterAll(async () => {
    const logs = lambdas.flatMap((lambda) => lambda.logs());
    await Promise.all(lambdas.map((lambda) => lambda.stop()));
    const started = ifAssigned(sandbox);
    if (started !== undefined) assertNoSecrets(logs.join('\n'), started);
    await started?.close();
  });

  it.each([
    { name: 'a PKCS#12 with the default passphrase (mch_id)', options: {} },
    { name: 'a PKCS#12 with an explicit passphrase', options: { passphrase: '1230000109' } },
  ])('cancels with $name', async ({ options }) => {
    // Prepare
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pfx', options));

    // Act
    const { orderNo, outcome } = await cancelFresh(lambda);

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { out_order_no: orderNo, state: 'REVOKED' } });
  });

  it('warns from 30 days before the certificate expires and reports the days as a metric', async () => {
    // Prepare
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem', { identity: 'expiringSoon' }));

    // Act
    const { outcome } = await cancelFresh(lambda);

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED' } });
    const lines = lambda.records();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'WARN', message: 'cancel-bill invocation', Outcome: 'Success', Invocations: 1 });
    expect(lines[0]?.cert_warning).toMatch(/^CERT_EXPIRES_SOON: /);
    expect(lines[0]?.CertDaysToExpiry).toBeGreaterThanOrEqual(9);
    expect(lines[0]?.CertDaysToExpiry).toBeLessThanOrEqual(10);
  });

  it('does not warn about a certificate valid for months', async () => {
    // Prepare
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem'));

    // Act
    await cancelFresh(lambda);

    // Assess
    expect(lambda.records()).toEqual([expect.objectContaining({ level: 'INFO', message: 'cancel-bill invocation' })]);
  });

  it.each<{ name: string; format: 'pem' | 'pfx'; options: MerchantSecretOptions; code: RegExp }>([
    { name: 'a key that does not match the certificate', format: 'pem', options: { identity: 'mismatched' }, code: /^SECRET_KEY_MISMATCH: / },
    { name: 'an expired certificate', format: 'pem', options: { identity: 'expired' }, code: /^CERT_EXPIRED: / },
    { name: 'a certificate not yet valid', format: 'pem', options: { identity: 'notYetValid' }, code: /^CERT_NOT_YET_VALID: / },
    { name: 'a wrong PKCS#12 passphrase', format: 'pfx', options: { passphrase: 'wrong' }, code: /^SECRET_PFX_PASSPHRASE: / },
    { name: 'an API key of the wrong length', format: 'pem', options: { apiKey: 'short' }, code: /^SECRET_INVALID: .*api_key/ },
  ])('refuses $name with ConfigError before calling WeChat Pay', async ({ format, options, code }) => {
    // Prepare
    const lambda = await lambdaWithSecret(sandbox.merchantSecret(format, options));
    const before = sandbox.primary.stats.httpRequests;

    // Act
    const { outcome } = await cancelFresh(lambda);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'ConfigError' } });
    expect((outcome as Failure).error.message).toMatch(code);
    expect(sandbox.primary.stats.httpRequests).toBe(before);
  });

  it.each([
    { identity: 'expired', code: 'CERT_EXPIRED', below: 0 },
    { identity: 'notYetValid', code: 'CERT_NOT_YET_VALID', below: 1 },
  ] as const)('still reports CertDaysToExpiry below $below for $code, so the expiry alarms fire', async ({ identity, code, below }) => {
    // Prepare
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem', { identity }));

    // Act
    await cancelFresh(lambda);

    // Assess
    const [line] = lambda.records();
    expect(line).toMatchObject({ level: 'ERROR', error_code: code, Outcome: 'ConfigError' });
    expect(line?.CertDaysToExpiry).toBeLessThan(below);
    expect(line?.cert_days_to_expiry).toBe(line?.CertDaysToExpiry);
  });

  it('refuses a legacy (RC2/3DES) PKCS#12 and says to re-export it', async () => {
    // Prepare
    if (sandbox.certs.legacyPfx === undefined) throw new Error('this openssl cannot write a legacy PKCS#12');
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pfx', { legacy: true }));

    // Act
    const { outcome } = await cancelFresh(lambda);

    // Assess
    expect((outcome as Failure).error.message).toMatch(/^SECRET_PFX_UNSUPPORTED: .*re-export/);
  });

  it.each([
    { name: 'not JSON', secret: 'mch_id=1230000109', code: /^SECRET_NOT_JSON: / },
    { name: 'missing the certificate', secret: JSON.stringify({ mch_id: '1230000109', api_key: 'k'.repeat(32) }), code: /^SECRET_INVALID: / },
  ])('refuses a secret that is $name without echoing it', async ({ secret, code }) => {
    // Prepare
    const lambda = await lambdaWithSecret(secret);

    // Act
    const { outcome } = await cancelFresh(lambda);

    // Assess
    expect((outcome as Failure).error.message).toMatch(code);
    expect((outcome as Failure).error.message).not.toContain('k'.repeat(32));
  });

  it('reports a missing secret as ConfigError', async () => {
    // Prepare
    const lambda = await lambdaWithSecret(undefined);

    // Act
    const { outcome } = await cancelFresh(lambda);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'ConfigError' } });
    expect((outcome as Failure).error.message).toMatch(/^SECRET_NOT_FOUND: /);
  });

  it.each([
    { name: 'access denied', fault: 'accessDenied', code: /^SECRET_ACCESS_DENIED: / },
    { name: 'a KMS decryption failure', fault: 'decryptionFailure', code: /^SECRET_DECRYPT_FAILED: / },
  ] as const)('reports $name as ConfigError', async ({ fault, code }) => {
    // Prepare
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem'));
    sandbox.secrets.faults.set(fault);

    // Act
    const { outcome } = await cancelFresh(lambda);
    sandbox.secrets.faults.clear();

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'ConfigError' } });
    expect((outcome as Failure).error.message).toMatch(code);
  });

  it('rides out Secrets Manager throttling (the SDK retries it)', async () => {
    // Prepare
    sandbox.secrets.faults.push('throttle', { times: 1 });
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem'));

    // Act
    const { outcome } = await cancelFresh(lambda);

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED' } });
  });

  it('reports TransientError when Secrets Manager stays unavailable', async () => {
    // Prepare
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem'));
    sandbox.secrets.faults.set('internalError');

    // Act
    const { outcome } = await cancelFresh(lambda);
    sandbox.secrets.faults.clear();

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'TransientError' } });
    expect((outcome as Failure).error.message).toMatch(/^SECRET_FETCH_FAILED: /);
  });

  /** The invocation line of the last invocation, if it was written. */
  const lastLine = (lambda: LambdaProcess): Record<string, unknown> | undefined =>
    lambda.records().filter((record) => record.message === 'cancel-bill invocation').at(-1);

  it('answers TransientError before the deadline, with its log line, when Secrets Manager accepts and never answers', { timeout: 20_000 }, async () => {
    // Prepare
    sandbox.secrets.faults.set('stall');
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem'));
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'stalled secret' }, { timeoutMs: 3000 });
    sandbox.secrets.faults.clear();

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'TransientError' } });
    expect((outcome as Failure).error.message).toMatch(/^(SECRET_FETCH_TIMEOUT|DEADLINE_EXCEEDED): /);
    expect(outcome.ms).toBeLessThan(3000);
    expect(lastLine(lambda)).toMatchObject({ out_order_no: orderNo, error_name: 'TransientError' });
    expect(sandbox.orders.get(orderNo)?.state).toBe('CREATED');
  });

  it('bounds the fresh fetch after a refusal by the deadline when Secrets Manager stalls', { timeout: 20_000 }, async () => {
    // Prepare: credentials cached, then WeChat Pay refuses the key and Secrets Manager stops answering.
    const lambda = await lambdaWithSecret(sandbox.merchantSecret('pem'));
    await cancelFresh(lambda);
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    const apiKey = sandbox.apiKey;
    sandbox.setApiKey(createApiKey());
    sandbox.secrets.faults.set('stall');

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'stalled refresh' }, { timeoutMs: 3000 });
    sandbox.secrets.faults.clear();
    sandbox.setApiKey(apiKey);

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'TransientError' } });
    expect(outcome.ms).toBeLessThan(3000);
    expect(lastLine(lambda)).toMatchObject({ out_order_no: orderNo, error_name: 'TransientError' });
  });

  it('fails every invocation with one ConfigError naming each bad variable, never at import', async () => {
    // Prepare
    const lambda = await startLambda({ ...sandbox.env({ WECHATPAY_TIMEOUT_MS: 'soon', WECHATPAY_BASE_URL: 'http://insecure.example' }), WECHATPAY_SECRET_ID: '' });
    lambdas.push(lambda);

    // Act
    const first = await lambda.invoke({ out_order_no: 'A1', reason: 'x' });
    const second = await lambda.invoke({ out_order_no: 'A2', reason: 'x' });

    // Assess
    for (const outcome of [first, second]) {
      expect(outcome).toMatchObject({ ok: false, error: { name: 'ConfigError' } });
      const { message } = (outcome as Failure).error;
      expect(message).toMatch(/^CONFIG_INVALID: /);
      for (const variable of ['WECHATPAY_SECRET_ID', 'WECHATPAY_TIMEOUT_MS', 'WECHATPAY_BASE_URL']) expect(message).toContain(variable);
    }
  });
});
