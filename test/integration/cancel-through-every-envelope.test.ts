import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/index.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startLambda } from '../helpers/lambda-process.js';
import type { LambdaProcess } from '../helpers/lambda-process.js';
import { assertNoSecrets } from '../helpers/leaks.js';

/** The built bundle, a PEM secret, and every envelope of CONTRACT.md against the strict sandbox. */
describe('cancel through every envelope', () => {
  let sandbox: Sandbox;
  let lambda: LambdaProcess;
  let counter = 0;
  const nextOrderNo = (): string => `ENV${Date.now()}${(counter += 1)}`;

  beforeAll(async () => {
    sandbox = await startSandbox();
    lambda = await startLambda(sandbox.env());
  });

  afterAll(async () => {
    const logs = ifAssigned(lambda)?.logs() ?? [];
    await ifAssigned(lambda)?.stop();
    const started = ifAssigned(sandbox);
    if (started !== undefined) assertNoSecrets(logs.join('\n'), started);
    await started?.close();
  });

  beforeEach(() => {
    sandbox.primary.faults.clear();
  });

  it('cancels through a direct (Step Functions) invocation', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    const order = sandbox.seedOrder(orderNo, 'CREATED');

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: '用户投诉', unknown_field: 'dropped' });

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { out_order_no: orderNo, order_id: order.order_id, state: 'REVOKED', already_cancelled: false } });
    expect(sandbox.orders.get(orderNo)?.state).toBe('REVOKED');
    const sent = sandbox.primary.stats.requests.filter((r) => r.fields.out_order_no === orderNo);
    expect(sent).toHaveLength(1);
    expect(Object.keys(sent[0]?.fields ?? {}).sort()).toEqual(
      ['appid', 'mch_id', 'nonce_str', 'out_order_no', 'reason', 'service_id', 'sign_type', 'version'].sort(),
    );
  });

  it('sends a reason holding a line feed and a tab exactly as signed', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    const reason = '柜门故障\n已退还\t充电宝';

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason });

    // Assess: the sandbox parsed the same text back and its signature check passed.
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: false } });
    expect(sandbox.primary.stats.requests.find((r) => r.fields.out_order_no === orderNo)?.fields.reason).toBe(reason);
  });

  it('cancels a USER_ACCEPTED order from an EventBridge event', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'USER_ACCEPTED');
    const event = {
      version: '0',
      id: 'd1b7c1a0-0000-4000-8000-000000000001',
      'detail-type': 'RentalOrderCancellationRequested',
      source: 'com.example.rentals',
      account: '123456789012',
      time: '2026-11-26T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      detail: { out_order_no: orderNo, reason: 'device faulty' },
    };

    // Act
    const outcome = await lambda.invoke(event);

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: false } });
    expect(sandbox.orders.get(orderNo)?.state).toBe('REVOKED');
  });

  it('answers an HTTP API (payload 2.0) request with a base64 body', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');
    const event = {
      version: '2.0',
      routeKey: 'POST /rental-orders/{out_order_no}/cancel',
      rawPath: `/rental-orders/${orderNo}/cancel`,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: `/rental-orders/${orderNo}/cancel`, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' }, requestId: 'abc', routeKey: 'POST /rental-orders/{out_order_no}/cancel', stage: '$default' },
      pathParameters: { out_order_no: orderNo },
      body: Buffer.from(JSON.stringify({ reason: '归还后撤销' })).toString('base64'),
      isBase64Encoded: true,
    };

    // Act
    const outcome = await lambda.invoke(event);

    // Assess
    expect(outcome.ok).toBe(true);
    const response = (outcome as { result: { statusCode: number; headers: Record<string, string>; body: string } }).result;
    expect(response.statusCode).toBe(200);
    expect(response.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(response.body)).toMatchObject({ out_order_no: orderNo, state: 'REVOKED', already_cancelled: false });
  });

  it('maps errors to HTTP behind a REST API (payload 1.0) with the body carrying out_order_no', async () => {
    // Prepare
    const event = {
      resource: '/rental-orders/cancel',
      path: '/rental-orders/cancel',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json' },
      requestContext: { requestId: 'rest-1', stage: 'dev', httpMethod: 'POST', resourcePath: '/rental-orders/cancel' },
      pathParameters: null,
      body: JSON.stringify({ out_order_no: 'NO-SUCH-ORDER-1', reason: 'lost' }),
      isBase64Encoded: false,
    };

    // Act
    const outcome = await lambda.invoke(event);

    // Assess
    const response = (outcome as { result: { statusCode: number; body: string } }).result;
    expect(response.statusCode).toBe(404);
    const body = JSON.parse(response.body) as Record<string, string>;
    expect(body).toMatchObject({ error: 'OrderNotFoundError', code: 'ORDERNOTEXIST' });
    expect(body.message).toMatch(/^ORDERNOTEXIST: /);
    expect(body.request_id).toMatch(/^req-/);
  });

  it.each([
    { name: 'a repeated cancel', state: 'REVOKED', expected: 'REVOKED' },
    { name: 'an order the user never confirmed', state: 'EXPIRED', expected: 'EXPIRED' },
  ] as const)('reports $name as already cancelled', async ({ state, expected }) => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, state);

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'again' });

    // Assess
    expect(outcome).toMatchObject({ ok: true, result: { state: expected, already_cancelled: true } });
    expect(sandbox.orders.get(orderNo)?.state).toBe(state);
  });

  it('is idempotent: the second cancel of the same order succeeds as already cancelled', async () => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, 'CREATED');

    // Act
    const first = await lambda.invoke({ out_order_no: orderNo, reason: 'once' });
    const second = await lambda.invoke({ out_order_no: orderNo, reason: 'twice' });

    // Assess
    expect(first).toMatchObject({ ok: true, result: { already_cancelled: false } });
    expect(second).toMatchObject({ ok: true, result: { state: 'REVOKED', already_cancelled: true } });
    expect(sandbox.orders.get(orderNo)?.cancelCount).toBe(1);
  });

  it.each(['FINISHED', 'USER_PAID'] as const)('refuses to cancel a %s order with OrderStateError', async (state) => {
    // Prepare
    const orderNo = nextOrderNo();
    sandbox.seedOrder(orderNo, state);

    // Act
    const outcome = await lambda.invoke({ out_order_no: orderNo, reason: 'too late' });

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'OrderStateError' } });
    expect(sandbox.orders.get(orderNo)?.state).toBe(state);
  });

  it('throws OrderNotFoundError for an unknown order', async () => {
    // Prepare / Act
    const outcome = await lambda.invoke({ out_order_no: 'UNKNOWN-ORDER-42', reason: 'x' });

    // Assess
    expect(outcome).toMatchObject({ ok: false, error: { name: 'OrderNotFoundError' } });
    expect((outcome as { error: { message: string } }).error.message).toMatch(/^ORDERNOTEXIST: /);
  });

  it('throws ValidationError for a bad command and sends nothing to WeChat Pay', async () => {
    // Prepare
    const before = sandbox.primary.stats.httpRequests;

    // Act
    const outcomes = await Promise.all([
      lambda.invoke({ out_order_no: 1234, reason: 'number' }),
      lambda.invoke({ out_order_no: 'OK1', reason: 'emoji 🚲' }),
      lambda.invoke({ out_order_no: 'OK1', reason: ' padded' }),
      lambda.invoke({ out_order_no: 'x'.repeat(33), reason: 'long' }),
    ]);

    // Assess
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ ok: false, error: { name: 'ValidationError' } });
      expect((outcome as { error: { message: string } }).error.message).toMatch(/^[A-Z_]+: /);
    }
    expect(sandbox.primary.stats.httpRequests).toBe(before);
  });

  it('fetches the secret once for many warm invocations and logs one line per invocation', async () => {
    // Prepare
    const orders = Array.from({ length: 5 }, () => nextOrderNo());
    for (const orderNo of orders) sandbox.seedOrder(orderNo, 'CREATED');
    const linesBefore = lambda.records().filter((r) => r.message === 'cancel-bill invocation').length;

    // Act
    await Promise.all(orders.map((orderNo) => lambda.invoke({ out_order_no: orderNo, reason: 'batch' })));

    // Assess
    expect(sandbox.secrets.stats.getSecretValue).toBe(1);
    const lines = lambda.records().filter((r) => r.message === 'cancel-bill invocation');
    expect(lines.length - linesBefore).toBe(5);
    expect(lines.at(-1)).toMatchObject({ outcome: 'success', attempts: 1, host: new URL(sandbox.primary.url).host });
    expect(typeof lines.at(-1)?.latency_ms).toBe('number');
    expect(lines.at(-1)).toMatchObject({ service: 'cancel-bill', Outcome: 'Success', Invocations: 1 });
    // Exactly one line per invocation: nothing else on stdout, no logger warnings.
    const stdoutJson = lambda.records();
    expect(stdoutJson.filter((r) => r.message !== 'cancel-bill invocation')).toEqual([]);
  });
});
