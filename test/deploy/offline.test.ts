import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderState, startSandbox } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/index.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startOffline } from './support/offline-server.js';
import type { OfflineServer } from './support/offline-server.js';

const FUNCTION_NAME = 'cancel-bill-dev-cancelBill';
const REASON = 'Item returned early';

const waitFor = async (condition: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
};

describe('serverless-offline/cancel-bill', () => {
  let sandbox: Sandbox;
  let server: OfflineServer;

  beforeAll(async () => {
    sandbox = await startSandbox();
    server = await startOffline(sandbox.env());
  });
  afterAll(async () => {
    await ifAssigned(server)?.stop();
    await ifAssigned(sandbox)?.close();
  });

  const seedOrder = (outOrderNo: string) => {
    const order = sandbox.orders.seed(outOrderNo, OrderState.USER_ACCEPTED);
    return { order, command: { reason: REASON, service_id: order.service_id, appid: order.appid } };
  };

  it('revokes an order through the HTTP API route', async () => {
    // Prepare
    const { order, command } = seedOrder('OFFLINE-HTTP-0001');

    // Act
    const response = await fetch(`${server.httpUrl}/rental-orders/${order.out_order_no}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(command),
    });

    // Assess
    expect(response.status, server.output()).toBe(200);
    expect(await response.json()).toEqual({
      out_order_no: order.out_order_no,
      order_id: order.order_id,
      state: 'REVOKED',
      already_cancelled: false,
    });
    expect(sandbox.orders.get(order.out_order_no)?.state).toBe(OrderState.REVOKED);
  });

  it('answers an unknown order with 404 and the contract error body', async () => {
    // Act
    const response = await fetch(`${server.httpUrl}/rental-orders/OFFLINE-MISSING-0001/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: REASON, service_id: seedOrder('OFFLINE-OTHER-0001').order.service_id }),
    });

    // Assess
    expect(response.status, server.output()).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ error: 'OrderNotFoundError' });
  });

  it('revokes an order through the Lambda invoke endpoint, as Step Functions calls it', async () => {
    // Prepare
    const { order, command } = seedOrder('OFFLINE-INVOKE-0001');

    // Act
    const response = await fetch(server.invokeUrl(FUNCTION_NAME), {
      method: 'POST',
      body: JSON.stringify({ out_order_no: order.out_order_no, ...command }),
    });

    // Assess
    expect(response.status, server.output()).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBeNull();
    expect(await response.json()).toEqual({
      out_order_no: order.out_order_no,
      order_id: order.order_id,
      state: 'REVOKED',
      already_cancelled: false,
    });
    expect(sandbox.orders.get(order.out_order_no)?.state).toBe(OrderState.REVOKED);
  });

  it('reports an unknown order on the invoke endpoint as a function error led by ORDERNOTEXIST', async () => {
    // Prepare
    const { command } = seedOrder('OFFLINE-OTHER-0002');

    // Act
    const response = await fetch(server.invokeUrl(FUNCTION_NAME), {
      method: 'POST',
      body: JSON.stringify({ out_order_no: 'OFFLINE-MISSING-0002', ...command }),
    });

    // Assess: serverless-offline reports every errorType as "Error"; Lambda reports error.name.
    expect(response.status, server.output()).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(await response.json()).toMatchObject({ errorMessage: expect.stringMatching(/^ORDERNOTEXIST: /) as string });
  });

  it('revokes an order from an EventBridge event invoked asynchronously, as the rule does', async () => {
    // Prepare
    const { order, command } = seedOrder('OFFLINE-EVENT-0001');
    const event = {
      'version': '0',
      'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'RentalOrderCancellationRequested',
      'source': 'com.example.rentals',
      'account': '123456789012',
      'time': '2026-11-26T12:00:00Z',
      'region': 'eu-west-1',
      'resources': [],
      'detail': { out_order_no: order.out_order_no, ...command },
    };

    // Act
    const response = await fetch(server.invokeUrl(FUNCTION_NAME), {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify(event),
    });

    // Assess
    expect(response.status, server.output()).toBe(202);
    expect(await waitFor(() => sandbox.orders.get(order.out_order_no)?.state === OrderState.REVOKED, 15_000)).toBe(true);
  });
});
