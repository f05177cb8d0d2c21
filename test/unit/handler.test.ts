import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../lib/config.js';
import { createSetup, wireSetup } from '../../lib/deps.js';
import type { Deps } from '../../lib/deps.js';
import { ConfigError, TransientError } from '../../lib/errors.js';
import { createHostSelector } from '../../lib/host-selector.js';
import { createHandler } from '../../lib/handler.js';
import { parseMerchantSecret } from '../../lib/merchant-secret.js';
import type { HttpsRequest, HttpsResponse } from '../../lib/types.js';
import { createTelemetry } from '../../lib/telemetry.js';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { EVENT_FIXTURE_NAMES, loadEvent } from '../fixtures/events/index.js';
import { createFakeClock, fakeCredentials, fakeDeps } from '../helpers/fake-deps.js';
import { signedReplyXml } from '../helpers/reply-xml.js';
import { generateCerts } from '../sandbox/certs.js';

const ORDER = '1234323JKHDFE1243252';
const ENV = {
  WECHATPAY_SECRET_ID: 'wechatpay/1230000109',
  WECHATPAY_APPID: 'wxd678efh567hg6787',
  WECHATPAY_SERVICE_ID: '2002000000000558128851361561536',
};
const CONFIG = readConfig(ENV);
const CONTEXT = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 20_000 } as unknown as Context;

/** A transport that answers every cancel with a signed success for the order it was sent. */
const createSignedTransport = (requests: HttpsRequest[]) => ({
  request: async (request: HttpsRequest): Promise<HttpsResponse> => {
    requests.push(request);
    const orderNo = /<out_order_no>([^<]*)<\/out_order_no>/.exec(request.body)?.[1] ?? '';
    const fields = { return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: '1230000109', out_order_no: orderNo, order_id: '15646546545165651651' };
    return { status: 200, headers: {}, body: signedReplyXml(fields) };
  },
});

/** No appid or service_id defaults: both must come from the event. */
const CONFIG_WITHOUT_DEFAULTS = readConfig({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109' });

const setUp = (config = CONFIG, overrides: Partial<Deps> = {}) => {
  const requests: HttpsRequest[] = [];
  const lines: Record<string, unknown>[] = [];
  const record = (level: string) => (message: string, attributes: Record<string, unknown>) => lines.push({ level, message, ...attributes });
  const logger = { info: record('INFO'), warn: record('WARN'), error: record('ERROR') };
  const deps = fakeDeps({ transport: createSignedTransport(requests), ...overrides });
  const telemetry = createTelemetry({ logger, metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }) });
  const handler = createHandler(wireSetup({ telemetry, config, deps }));
  return { handler, requests, lines };
};

describe('handler', () => {
  it('returns the result to a direct invocation and logs one line without secrets', async () => {
    // Prepare
    const { handler, requests, lines } = setUp();

    // Act
    const result = await handler({ out_order_no: ORDER, reason: '用户投诉', extra: 'ignored' }, CONTEXT);

    // Assess
    expect(result).toEqual({ out_order_no: ORDER, order_id: '15646546545165651651', state: 'REVOKED', already_cancelled: false });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.body).not.toContain('extra');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'cancel-bill invocation', envelope: 'direct', out_order_no: ORDER, outcome: 'success', state: 'REVOKED', already_cancelled: false, attempts: 1, host: 'api.mch.weixin.qq.com', host_role: 'primary', request_id: 'req-1' }),
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/<xml>|192006250b4c09247ec02edce69f6a2d/);
    expect(lines[0]).toMatchObject({ Outcome: 'Success', Invocations: 1, Attempts: 1, BackupHostCalls: 0, CertDaysToExpiry: 36 });
    const emf = (lines[0] as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] } })._aws;
    expect(emf.CloudWatchMetrics[0]?.Namespace).toBe('CancelBill');
    expect(emf.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'Outcome'], ['service']]);
    expect(emf.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual(['Invocations', 'Attempts', 'Latency', 'BackupHostCalls', 'CertDaysToExpiry']);
  });

  it.each(EVENT_FIXTURE_NAMES.map((name) => ({ name })))('sends the same command for the $name sample event', async ({ name }) => {
    // Prepare
    const { handler, requests, lines } = setUp(CONFIG_WITHOUT_DEFAULTS);

    // Act
    const result = await handler(loadEvent(name), CONTEXT);

    // Assess
    const isHttp = name.startsWith('api-gateway');
    expect(isHttp ? (result as { statusCode: number }).statusCode : (result as { state: string }).state).toBe(isHttp ? 200 : 'REVOKED');
    expect(requests).toHaveLength(1);
    for (const field of [
      '<out_order_no>1234323JKHDFE1243252</out_order_no>',
      '<reason>用户投诉</reason>',
      '<service_id>2002000000000558128851361561536</service_id>',
      '<appid>wxd678efh567hg6787</appid>',
    ]) {
      expect(requests[0]?.body).toContain(field);
    }
    expect(lines).toEqual([expect.objectContaining({ envelope: name, outcome: 'success' })]);
  });

  it('reads the command from an EventBridge detail', async () => {
    // Prepare
    const { handler } = setUp();
    const event = { 'detail-type': 'RentalOrderCancellationRequested', source: 'com.example.rentals', detail: { out_order_no: ORDER, reason: 'lost' } };

    // Act
    const result = await handler(event, CONTEXT);

    // Assess
    expect(result).toMatchObject({ out_order_no: ORDER, state: 'REVOKED' });
  });

  it('answers API Gateway with 200 and the result as JSON', async () => {
    // Prepare
    const { handler } = setUp();
    const event = {
      version: '2.0',
      routeKey: 'POST /rental-orders/{out_order_no}/cancel',
      rawPath: `/rental-orders/${ORDER}/cancel`,
      requestContext: { http: { method: 'POST', path: `/rental-orders/${ORDER}/cancel` }, requestId: 'api-1' },
      pathParameters: { out_order_no: ORDER },
      body: JSON.stringify({ reason: 'returned broken' }),
      isBase64Encoded: false,
    };

    // Act
    const response = (await handler(event, CONTEXT)) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ out_order_no: ORDER, state: 'REVOKED' });
  });

  it('throws a ValidationError for a direct invocation with a bad command and sends nothing', async () => {
    // Prepare
    const { handler, requests, lines } = setUp();

    // Act
    const outcome = handler({ out_order_no: 12345, reason: 'x' }, CONTEXT);

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'ValidationError' });
    expect(requests).toHaveLength(0);
    expect(lines[0]).toMatchObject({ level: 'WARN', outcome: 'error', error_name: 'ValidationError', attempts: 0 });
  });

  it('reports a configuration error on every invocation, as a 500 behind API Gateway', async () => {
    // Prepare
    const lines: unknown[] = [];
    const logger = { info: (message: string) => lines.push(message), warn: (message: string) => lines.push(message), error: (message: string) => lines.push(message) };
    const telemetry = createTelemetry({ logger, metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }) });
    // Lambda init with no WECHATPAY_SECRET_ID: createSetup keeps the error instead of throwing.
    const handler = createHandler(createSetup(telemetry, {}));
    const apiEvent = { httpMethod: 'POST', resource: '/rental-orders/{out_order_no}/cancel', path: '/x', requestContext: { requestId: 'a' }, body: '{}' };

    // Act
    const direct = handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT);
    const http = (await handler(apiEvent, CONTEXT)) as { statusCode: number; body: string; headers: Record<string, string> };

    // Assess
    await expect(direct).rejects.toThrow(/^CONFIG_INVALID: WECHATPAY_SECRET_ID/);
    await expect(direct).rejects.toBeInstanceOf(ConfigError);
    expect(http.statusCode).toBe(500);
    expect(http.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(http.body)).toMatchObject({ error: 'ConfigError', code: 'CONFIG_INVALID', request_id: 'req-1' });
    expect(lines).toHaveLength(2);
  });

  it('flags a signature refused again after the fresh fetch of the secret', async () => {
    // Prepare
    const fetches: unknown[] = [];
    const refusing = { request: async (): Promise<HttpsResponse> => ({ status: 200, headers: {}, body: '<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>' }) };
    const { handler, lines } = setUp(CONFIG, { transport: refusing, secrets: { get: async (options) => (fetches.push(options), fakeCredentials()) } });

    // Act
    const outcome = handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT);

    // Assess
    await expect(outcome).rejects.toThrow(/^SIGNERROR: /);
    expect(fetches).toEqual([{ deadline: expect.any(Number) as number }, { refresh: true, unless: 'v1', deadline: expect.any(Number) as number }]);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', error_name: 'WechatPayError', error_code: 'SIGNERROR', secret_refreshed: true, credentials_refused: true }),
    ]);
  });

  it('does not flag a signature refusal when the fresh fetch itself failed', async () => {
    // Prepare
    const refusing = { request: async (): Promise<HttpsResponse> => ({ status: 200, headers: {}, body: '<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>' }) };
    const get = async (options?: { refresh?: boolean }) => {
      if (options?.refresh === true) throw new ConfigError('SECRET_ACCESS_DENIED', 'Secrets Manager refused GetSecretValue (AccessDeniedException)');
      return fakeCredentials();
    };
    const { handler, lines } = setUp(CONFIG, { transport: refusing, secrets: { get } });

    // Act
    const outcome = handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT);

    // Assess
    await expect(outcome).rejects.toThrow(/^SECRET_ACCESS_DENIED: /);
    expect(lines[0]).toMatchObject({ error_name: 'ConfigError', secret_refreshed: false });
    expect(lines[0]).not.toHaveProperty('credentials_refused');
  });

  it('fetches the secret afresh after a credential refusal once per invocation, not once per container', async () => {
    // Prepare: every reply refuses the signature, so each invocation refreshes once and then gives up.
    const fetches: (boolean | undefined)[] = [];
    const refusing = { request: async (): Promise<HttpsResponse> => ({ status: 200, headers: {}, body: '<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>' }) };
    const { handler, lines } = setUp(CONFIG, { transport: refusing, secrets: { get: async (options) => (fetches.push(options?.refresh), fakeCredentials()) } });

    // Act
    await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT).catch(() => undefined);
    await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT).catch(() => undefined);

    // Assess
    expect(fetches).toEqual([undefined, true, undefined, true]);
    expect(lines.map((line) => line.secret_refreshed)).toEqual([true, true]);
  });

  it('starts every invocation with a trace of its own', async () => {
    // Prepare
    const { handler, lines } = setUp();

    // Act
    await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT);
    await handler({ out_order_no: 12345, reason: 'x' }, CONTEXT).catch(() => undefined);

    // Assess
    expect(lines[1]).toMatchObject({ attempts: 0, secret_refreshed: false });
    expect(lines[1]?.host).toBeUndefined();
    expect(lines[1]?.host_role).toBeUndefined();
    expect(lines[1]?.cert_days_to_expiry).toBeUndefined();
  });

  it.each([
    { name: 'an Error', thrown: () => new TypeError('api_key=192006250b4c09247ec02edce69f6a2d in a foreign message'), errorName: 'TypeError' },
    { name: 'a thrown string', thrown: () => 'api_key=192006250b4c09247ec02edce69f6a2d in a foreign message', errorName: 'string' },
  ])('never logs the own message of a foreign (non-contract) error: $name', async ({ thrown, errorName }) => {
    // Prepare
    const failing = {
      request: async (): Promise<HttpsResponse> => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the rule under test: whatever a dependency throws, Error or not
        throw thrown();
      },
    };
    const { handler, lines } = setUp(CONFIG, { transport: failing });

    // Act
    const outcome = await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT).catch((error: unknown) => error);

    // Assess: the caller still gets the error itself (Lambda reports its name).
    expect(outcome).toEqual(thrown());
    expect(lines).toEqual([expect.objectContaining({ level: 'ERROR', outcome: 'error', Outcome: 'InternalError', error_name: errorName, error_code: 'INTERNAL_ERROR' })]);
    expect(lines[0]).not.toHaveProperty('error_message');
    expect(JSON.stringify(lines)).not.toContain('foreign message');
  });

  it('answers an API Gateway body that is not JSON with 400 INVALID_BODY, logged with its code, and sends nothing', async () => {
    // Prepare
    const { handler, lines, requests } = setUp();
    const event = { ...loadEvent('api-gateway-v1'), body: '{"out_order_no": ', isBase64Encoded: false };

    // Act
    const response = (await handler(event, CONTEXT)) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'ValidationError', code: 'INVALID_BODY' });
    expect(lines).toEqual([expect.objectContaining({ error_name: 'ValidationError', error_code: 'INVALID_BODY' })]);
    expect(requests).toEqual([]);
  });

  it('answers API Gateway with a generic 500 for a foreign error, never its message', async () => {
    // Prepare
    const failing = {
      request: async (): Promise<HttpsResponse> => {
        throw new RangeError('a foreign message');
      },
    };
    const { handler } = setUp(CONFIG, { transport: failing });
    const event = { ...loadEvent('api-gateway-v1'), body: JSON.stringify({ out_order_no: ORDER, reason: 'x' }), isBase64Encoded: false };

    // Act
    const response = (await handler(event, CONTEXT)) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'InternalError', code: 'INTERNAL_ERROR', request_id: 'req-1' });
    expect(response.body).not.toContain('foreign message');
  });

  it.each([
    { name: 'a line feed (log injection)', value: `${ORDER}\n{"level":"INFO"}` },
    { name: 'a number', value: 12345 },
    { name: 'too many characters', value: 'A'.repeat(33) },
    { name: 'a blank', value: 'ORDER 1' },
  ])('keeps an out_order_no that breaks its rule out of the log line: $name', async ({ value }) => {
    // Prepare
    const { handler, lines } = setUp();

    // Act
    await handler({ out_order_no: value, reason: 'x' }, CONTEXT).catch(() => undefined);

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ error_name: 'ValidationError' });
    expect(lines[0]?.out_order_no).toBeUndefined();
  });

  it.each([
    { name: 'null', event: null },
    { name: 'a string', event: 'out_order_no' },
  ])('logs no out_order_no for a command that is $name', async ({ event }) => {
    // Prepare
    const { handler, lines } = setUp();

    // Act
    await handler(event, CONTEXT).catch(() => undefined);

    // Assess
    expect(lines[0]).toMatchObject({ error_name: 'ValidationError' });
    expect(lines[0]?.out_order_no).toBeUndefined();
  });

  it('logs the host name of the backup after a failover, and the time the invocation took', async () => {
    // Prepare: the primary refuses connections; the backup answers after 42 ms.
    const clock = createFakeClock();
    const signed = createSignedTransport([]);
    const transport = {
      request: async (request: HttpsRequest): Promise<HttpsResponse> => {
        if (request.url.startsWith('https://api.mch.weixin.qq.com/')) throw new TransientError('CONNECTION_REFUSED', 'refused', { phase: 'connect' });
        clock.advance(42);
        return signed.request(request);
      },
    };
    const { handler, lines } = setUp(CONFIG, { clock, transport, hosts: createHostSelector({ primary: CONFIG.baseUrl, backup: CONFIG.backupBaseUrl, clock }) });

    // Act
    await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT);

    // Assess
    expect(lines[0]).toMatchObject({ outcome: 'success', attempts: 2, host: 'api2.mch.weixin.qq.com', host_role: 'backup', latency_ms: 42 });
  });

  it('works without a backup host configured', async () => {
    // Prepare
    const config = readConfig({ ...ENV, WECHATPAY_BACKUP_BASE_URL: '' });
    const { handler, lines } = setUp(config);

    // Act
    await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT);

    // Assess
    expect(lines[0]).toMatchObject({ outcome: 'success', host: 'api.mch.weixin.qq.com' });
  });

  it.each([
    { name: 'no context', context: undefined },
    { name: 'a context without getRemainingTimeInMillis', context: { awsRequestId: 'req-2' } as unknown as Context },
  ])('gives itself attempts x timeout + 10 s with $name', async ({ context }) => {
    // Prepare: every attempt runs until its own timeout.
    const clock = createFakeClock();
    const requests: HttpsRequest[] = [];
    const transport = {
      request: async (request: HttpsRequest): Promise<HttpsResponse> => {
        requests.push(request);
        clock.advance(request.timeoutMs);
        throw new TransientError('READ_TIMEOUT', 'no reply', { phase: 'sent' });
      },
    };
    const { handler } = setUp(CONFIG, { clock, transport, hosts: createHostSelector({ primary: CONFIG.baseUrl, backup: undefined, clock }) });

    // Act
    await handler({ out_order_no: ORDER, reason: 'x' }, context).catch(() => undefined);

    // Assess: 3 x 8 s + 10 s, less the 1 s margin (33 s): three full attempts with backoffs of 150
    // and 300 ms, then a full query, and its retry in the 400 ms left after a 150 ms backoff.
    expect(requests.map((request) => request.timeoutMs)).toEqual([8000, 8000, 8000, 8000, 400]);
  });

  it('does not flag the credentials when the invocation fails otherwise after the fresh fetch', async () => {
    // Prepare: a signature refusal, the fresh fetch, then server errors until the attempts run out.
    let count = 0;
    const transport = {
      request: async (): Promise<HttpsResponse> => {
        count += 1;
        const body =
          count === 1
            ? '<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>'
            : '<xml><return_code>SUCCESS</return_code><result_code>FAIL</result_code><err_code>SYSTEMERROR</err_code></xml>';
        return { status: 200, headers: {}, body };
      },
    };
    let version = 0;
    const secrets = { get: async () => fakeCredentials({ version: `v${(version += 1)}` }) };
    const { handler, lines } = setUp(CONFIG, { transport, secrets });

    // Act
    await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT).catch(() => undefined);

    // Assess
    expect(lines[0]).toMatchObject({ error_code: 'SYSTEMERROR', secret_refreshed: true });
    expect(lines[0]).not.toHaveProperty('credentials_refused');
  });

  describe('a certificate outside its validity period', () => {
    let dir: string;
    let secretOf: (identity: 'expired' | 'notYetValid') => string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'handler-unit-'));
      const { clients } = await generateCerts(dir);
      secretOf = (identity) =>
        JSON.stringify({ mch_id: '1230000109', api_key: '192006250b4c09247ec02edce69f6a2d', cert_pem: clients[identity].certPem, key_pem: clients[identity].keyPem });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it.each([
      // generateCerts: `expired` ended a day ago (so a whole day and a bit: -2), `notYetValid` starts later (0).
      { identity: 'expired', code: 'CERT_EXPIRED', days: -2 },
      { identity: 'notYetValid', code: 'CERT_NOT_YET_VALID', days: 0 },
    ] as const)('still reports days to expiry ($days) for $code', async ({ identity, code, days }) => {
      // Prepare
      const clock = createFakeClock(Date.now());
      const secrets = { get: async () => parseMerchantSecret(secretOf(identity), 'v1', clock.now()) };
      const { handler, requests, lines } = setUp(CONFIG, { clock, secrets });

      // Act
      const outcome = handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT);

      // Assess
      await expect(outcome).rejects.toThrow(new RegExp(`^${code}: `));
      expect(requests).toHaveLength(0);
      expect(lines).toEqual([expect.objectContaining({ error_code: code, cert_days_to_expiry: days, CertDaysToExpiry: days })]);
    });

    it('reports no days for a ConfigError about anything else', async () => {
      // Prepare
      const secrets = { get: async () => parseMerchantSecret('{}', 'v1', Date.now()) };
      const { handler, lines } = setUp(CONFIG, { secrets });

      // Act
      await handler({ out_order_no: ORDER, reason: 'x' }, CONTEXT).catch(() => undefined);

      // Assess
      expect(lines[0]).toMatchObject({ error_code: 'SECRET_INVALID' });
      expect(lines[0]).not.toHaveProperty('CertDaysToExpiry');
      expect(lines[0]?.cert_days_to_expiry).toBeUndefined();
    });
  });
});

describe('handler: the order number on the line', () => {
  const linesOf = (setupEnv: Record<string, string>) => {
    const lines: Record<string, unknown>[] = [];
    const record = (level: string) => (message: string, attributes: Record<string, unknown>) => lines.push({ level, message, ...attributes });
    const telemetry = createTelemetry({ logger: { info: record('INFO'), warn: record('WARN'), error: record('ERROR') }, metrics: new Metrics({ namespace: 'CancelBill', serviceName: 'cancel-bill' }) });
    return { handler: createHandler(createSetup(telemetry, setupEnv)), lines };
  };

  it('names a well-formed order on the line of a configuration error', async () => {
    // Prepare
    const { handler, lines } = linesOf({});

    // Act
    await handler({ out_order_no: 'CFG1', reason: 'x' }, CONTEXT).catch(() => undefined);

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ error_name: 'ConfigError', out_order_no: 'CFG1' });
  });

  it.each([
    { name: 'a GET', change: (event: Record<string, unknown>) => ({ ...event, httpMethod: 'GET' }) },
    { name: 'a body that is not JSON', change: (event: Record<string, unknown>) => ({ ...event, body: '{not json' }) },
  ])('names the order of the path on the line of $name refused before its command was read', async ({ change }) => {
    // Prepare
    const { handler, lines } = linesOf({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109' });
    const event = change({ ...(loadEvent('api-gateway-v1') as unknown as Record<string, unknown>), pathParameters: { out_order_no: 'PATH-1' }, isBase64Encoded: false });

    // Act
    const response = (await handler(event, CONTEXT)) as { statusCode: number };

    // Assess
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ error_name: 'ValidationError', out_order_no: 'PATH-1' });
  });

  it('leaves a malformed order number of the path off the line', async () => {
    // Prepare
    const { handler, lines } = linesOf({ WECHATPAY_SECRET_ID: 'wechatpay/1230000109' });
    const event = { ...(loadEvent('api-gateway-v1') as unknown as Record<string, unknown>), httpMethod: 'GET', pathParameters: { out_order_no: 'bad\nline' } };

    // Act
    await handler(event, CONTEXT);

    // Assess
    expect(lines[0]).not.toHaveProperty('out_order_no', 'bad\nline');
    expect(lines[0]?.out_order_no).toBeUndefined();
  });
});
