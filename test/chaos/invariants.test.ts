import { describe, expect, it } from 'vitest';
import type { Invocation } from '../helpers/lambda-process.js';
import type { Order, OrderState } from '../sandbox/wechatpay-orders.js';
import { findViolations, isSettledAnswer } from './invariants.js';
import type { OrderRun } from './invariants.js';

const ORDER_NO = 'CHAOS-0001';
const ORDER_ID = '15646546545165650001';
const LIMITS = { invocationMs: 4000 };

const order = (state: OrderState, cancelCount = 0): Order => ({
  out_order_no: ORDER_NO,
  state,
  service_id: '2002000000000558128851361561536',
  appid: 'wxd678efh567hg6787',
  order_id: ORDER_ID,
  cancelCount,
});
const success = (result: Record<string, unknown> = {}, ms = 10): Invocation => ({
  ok: true,
  result: { out_order_no: ORDER_NO, order_id: ORDER_ID, state: 'REVOKED', already_cancelled: false, ...result },
  ms,
});
const failure = (name: string, ms = 10): Invocation => ({ ok: false, error: { name, message: `CODE: ${name}`, keys: [] }, ms });
const run = (initial: OrderState | undefined, ...invocations: Invocation[]): OrderRun => ({
  outOrderNo: ORDER_NO,
  initial,
  settled: { invocations, final: invocations[invocations.length - 1] as Invocation },
});

/** The chaos oracle: each broken invariant is reported, and truthful answers pass. */
describe('chaos/invariants', () => {
  it.each([
    { name: 'a fresh cancel', run: run('CREATED', success()), order: order('REVOKED', 1) },
    { name: 'a lost reply answered from the state', run: run('CREATED', failure('TransientError'), success({ already_cancelled: true })), order: order('REVOKED', 1) },
    { name: 'an expired order', run: run('EXPIRED', success({ state: 'EXPIRED', already_cancelled: true })), order: order('EXPIRED') },
    { name: 'a finished order', run: run('FINISHED', failure('OrderStateError')), order: order('FINISHED') },
    { name: 'an unknown order', run: run(undefined, failure('OrderNotFoundError')), order: undefined },
  ])('accepts the truth: $name', ({ run: given, order: final }) => {
    // Act
    const violations = findViolations(given, final, LIMITS);

    // Assess
    expect(violations).toEqual([]);
    expect(isSettledAnswer(given)).toBe(true);
  });

  it.each([
    { name: 'success for a cancellable order left CREATED', run: run('CREATED', success()), order: order('CREATED'), expected: 'the order is CREATED' },
    { name: 'success with another state', run: run('EXPIRED', success({ already_cancelled: true })), order: order('EXPIRED'), expected: 'success says REVOKED' },
    { name: 'success naming another order_id', run: run('CREATED', success({ order_id: '1' })), order: order('REVOKED', 1), expected: 'another order_id' },
    { name: 'a fresh cancel claimed for an order already revoked', run: run('REVOKED', success()), order: order('REVOKED'), expected: 'claims this call cancelled' },
    { name: 'OrderStateError for a revoked order', run: run('CREATED', failure('OrderStateError')), order: order('REVOKED', 1), expected: 'ends REVOKED' },
    { name: 'OrderNotFoundError for an existing order', run: run('CREATED', failure('OrderNotFoundError')), order: order('CREATED'), expected: 'the order exists' },
    { name: 'an error while the order ends revoked', run: run('CREATED', failure('WechatPayError')), order: order('REVOKED', 1), expected: 'ends REVOKED' },
    { name: 'a second cancel', run: run('CREATED', success()), order: order('REVOKED', 2), expected: 'cancelled 2 times' },
    { name: 'an invocation past the timeout', run: run('CREATED', failure('TransientError', 4500), success({ already_cancelled: true })), order: order('REVOKED', 1), expected: 'past the 4000 ms timeout' },
  ])('reports $name', ({ run: given, order: final, expected }) => {
    // Act
    const violations = findViolations(given, final, LIMITS);

    // Assess
    expect(violations.join('\n')).toContain(expected);
  });

  it('counts a final TransientError or WechatPayError as unsettled', () => {
    // Act / Assess
    expect(isSettledAnswer(run('CREATED', failure('TransientError')))).toBe(false);
    expect(isSettledAnswer(run('CREATED', failure('WechatPayError')))).toBe(false);
  });
});
