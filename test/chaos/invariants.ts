/**
 * The truth invariants of issue 4: what the function finally told its caller about an order must
 * match the order's final state in the sandbox, whatever faults happened on the way.
 */
import type { Order, OrderState } from '../sandbox/wechatpay-orders.js';
import { describeAnswer } from './driver.js';
import type { Settled } from './driver.js';

/** One order of a chaos run: its seeded state (undefined: never seeded) and every answer given for it. */
type OrderRun = Readonly<{ outOrderNo: string; initial: OrderState | undefined; settled: Settled }>;

type AnswerResult = { out_order_no?: unknown; order_id?: unknown; state?: unknown; already_cancelled?: unknown };

const CANCELLED = new Set<string>(['REVOKED', 'EXPIRED']);
const CANCELLABLE = new Set<string>(['CREATED', 'USER_ACCEPTED']);
const TOO_LATE = new Set<string>(['FINISHED', 'USER_PAID']);

const describeState = (order: Order | undefined): string => (order === undefined ? 'no order' : `${order.state} (cancelCount ${order.cancelCount})`);

const successViolations = (run: OrderRun, result: AnswerResult, order: Order | undefined): string[] => {
  if (order === undefined) return ['success answered for an order the sandbox does not know'];
  const found: string[] = [];
  if (!CANCELLED.has(order.state)) found.push(`success answered but the order is ${order.state}`);
  if (result.state !== order.state) found.push(`success says ${String(result.state)} but the order is ${order.state}`);
  if (result.order_id !== order.order_id) found.push('success names another order_id');
  if (result.out_order_no !== run.outOrderNo) found.push('success names another out_order_no');
  if (result.already_cancelled === false && !(run.initial !== undefined && CANCELLABLE.has(run.initial) && order.cancelCount === 1)) {
    found.push(`success claims this call cancelled an order seeded ${String(run.initial)}`);
  }
  return found;
};

const errorViolations = (name: string, order: Order | undefined): string[] => {
  const found: string[] = [];
  if (order?.state === 'REVOKED') found.push(`${name} answered but the order ends REVOKED`);
  if (name === 'OrderStateError' && !(order !== undefined && TOO_LATE.has(order.state))) {
    found.push(`OrderStateError answered but the order is ${describeState(order)}`);
  }
  if (name === 'OrderNotFoundError' && order !== undefined) found.push(`OrderNotFoundError answered but the order exists (${order.state})`);
  return found;
};

/**
 * Every broken invariant for one order, as sentences (empty when the function told the truth):
 * success => REVOKED/EXPIRED matching the answer; OrderStateError => FINISHED/USER_PAID;
 * OrderNotFoundError => no such order; an error never leaves the order REVOKED; cancelled at most
 * once; every invocation ended before the Lambda's own timeout.
 */
const findViolations = (run: OrderRun, order: Order | undefined, limits: { invocationMs: number }): string[] => {
  const { final, invocations } = run.settled;
  const found = final.ok ? successViolations(run, final.result as AnswerResult, order) : errorViolations(final.error.name, order);
  if (order !== undefined && order.cancelCount > 1) found.push(`cancelled ${order.cancelCount} times`);
  const slowest = Math.max(...invocations.map((invocation) => invocation.ms));
  if (slowest > limits.invocationMs) found.push(`an invocation ran ${Math.round(slowest)} ms, past the ${limits.invocationMs} ms timeout`);
  return found.map((violation) => `${run.outOrderNo} (seeded ${String(run.initial)}, answer ${describeAnswer(final)}): ${violation}`);
};

/** True when the final answer is definite: a success, OrderStateError or OrderNotFoundError. */
const isSettledAnswer = (run: OrderRun): boolean =>
  run.settled.final.ok || ['OrderStateError', 'OrderNotFoundError'].includes(run.settled.final.error.name);

export { findViolations, isSettledAnswer };
export type { OrderRun };
