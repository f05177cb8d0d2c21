/**
 * Reconciliation: the order's truth from `wxv/queryrentbill` after an ambiguous outcome
 * (spec §6 "Idempotency"), and the checks that keep a reply about another order out of it.
 */
import type { CancelCommand } from '../command.js';
import { OrderNotFoundError, OrderStateError, SignatureError, TransientError, WechatPayError, isAppError } from '../errors.js';
import type { AppError } from '../errors.js';
import { isCredentialRefusal, isRateLimited } from '../wechatpay/index.js';
import { callWechat } from './call.js';
import type { Session } from './call.js';
import { QUERY_ATTEMPTS, nextWait } from './retry-policy.js';

/** The result of CONTRACT.md ("The result"). */
type CancelResult = Readonly<{
  out_order_no: string;
  order_id: string;
  state: 'REVOKED' | 'EXPIRED';
  already_cancelled: boolean;
}>;

const WECHAT_VERSION = '1.0';

/** An empty element is an absent value. */
const present = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

/** A signed reply about another order is never taken as this order's truth; an empty echo names none. */
const assertSameOrder = (command: CancelCommand, reply: Record<string, string>): Record<string, string> => {
  const named = present(reply.out_order_no);
  if (named !== undefined && named !== command.out_order_no) {
    throw new WechatPayError('OUT_ORDER_NO_MISMATCH', 'the signed reply names another order', { ambiguous: true });
  }
  return reply;
};

/** Asks `wxv/queryrentbill`, retrying once (with backoff) on a transient failure. */
const queryOrder = async (session: Session, command: CancelCommand, jitter: () => number): Promise<Record<string, string>> => {
  const fields = { version: WECHAT_VERSION, appid: command.appid, service_id: command.service_id, out_order_no: command.out_order_no };
  for (let attempt = 1; ; attempt += 1) {
    try {
      return assertSameOrder(command, await callWechat(session, 'wxv/queryrentbill', fields, 0));
    } catch (error) {
      if (!(error instanceof TransientError) || attempt >= QUERY_ATTEMPTS) throw error;
      const wait = nextWait({
        attempt,
        rateLimited: isRateLimited(error),
        jitter: jitter(),
        now: session.deps.clock.now(),
        deadline: session.deadline,
        minAttemptMs: session.limits.minAttemptMs,
        reserveMs: 0,
      });
      if (wait === undefined) throw error;
      await session.deps.clock.sleep(wait);
    }
  }
};

/**
 * The answer a query reply gives: the result when the order is REVOKED or EXPIRED, `undefined`
 * when it is still cancellable (CREATED, USER_ACCEPTED).
 * @throws {OrderStateError} the order is FINISHED or USER_PAID.
 * @throws {TransientError} `UNKNOWN_ORDER_STATE`: no state, or one this function does not know (the truth is unknown).
 */
const answerFromState = (command: CancelCommand, reply: Record<string, string>): CancelResult | undefined => {
  // Stryker disable next-line StringLiteral: any stand-in for a missing state is as unknown as the empty one
  const state = reply.state ?? '';
  if (state === 'REVOKED' || state === 'EXPIRED') {
    return { out_order_no: command.out_order_no, order_id: present(reply.order_id) ?? '', state, already_cancelled: true };
  }
  if (state === 'FINISHED' || state === 'USER_PAID') {
    throw new OrderStateError('INVALID_ORDER_STATE', `order ${command.out_order_no} is ${state} and can no longer be cancelled`);
  }
  if (state === 'CREATED' || state === 'USER_ACCEPTED') return undefined;
  throw new TransientError('UNKNOWN_ORDER_STATE', `queryrentbill gave no known state for ${command.out_order_no}`);
};

/** The `order_id` of a cancelled order whose cancel reply lacked it; '' when the query cannot tell. */
const orderIdFromQuery = async (session: Session, command: CancelCommand, jitter: () => number): Promise<string> => {
  try {
    return present((await queryOrder(session, command, jitter)).order_id) ?? '';
  } catch {
    return '';
  }
};

/**
 * The answer from the order's state after an ambiguous outcome; `undefined` while it is still
 * cancellable. A query that cannot tell the state keeps the answer retryable.
 * @throws {OrderStateError} / {OrderNotFoundError} the order's true state.
 * @throws {TransientError} the query failed: the truth is unknown.
 */
const reconcile = async (session: Session, command: CancelCommand, random: () => number, after: AppError): Promise<CancelResult | undefined> => {
  try {
    return answerFromState(command, await queryOrder(session, command, random));
  } catch (error) {
    if (error instanceof TransientError || error instanceof OrderStateError || error instanceof OrderNotFoundError) throw error;
    // The key or certificate is refused even after the fresh fetch of the secret: a person must
    // act, and retrying cannot help, so that refusal is the answer (SignatureError, SIGNERROR, ...).
    if (isCredentialRefusal(error) && session.trace.secretRefreshed) throw error;
    const code = isAppError(error) ? error.code : 'INTERNAL_ERROR';
    throw new TransientError('ORDER_STATE_UNKNOWN', `queryrentbill could not tell the order's state after ${after.code} (${code})`, { cause: error });
  }
};

/** A refusal, or a reply that did not verify: after a send whose reply was not seen, only the query tells. */
const isRefusal = (error: unknown): error is AppError => error instanceof WechatPayError || error instanceof SignatureError;

export { assertSameOrder, queryOrder, answerFromState, reconcile, isRefusal, orderIdFromQuery, present, WECHAT_VERSION };
export type { CancelResult };
