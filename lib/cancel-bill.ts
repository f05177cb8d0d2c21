import { WECHAT_VERSION, assertSameOrder, isRefusal, orderIdFromQuery, present, reconcile } from './cancel/reconcile.js';
import type { CancelResult } from './cancel/reconcile.js';
import { callWechat, openSession } from './cancel/call.js';
import type { CallDeps, CancelTrace } from './cancel/call.js';
import { callLimits, nextWait } from './cancel/retry-policy.js';
import type { CancelCommand } from './command.js';
import { TransientError } from './errors.js';
import { isAmbiguousRefusal, isRateLimited } from './wechatpay/index.js';

type CancellerDeps = CallDeps & Readonly<{ /** Uniform in [0, 1): backoff jitter. */ random: () => number }>;
type CancellerOptions = Readonly<{ timeoutMs: number; maxAttempts: number }>;

/**
 * Creates the use case: cancel one order, retrying transient failures with backoff within the
 * deadline, failing over between hosts, and answering every ambiguous outcome from
 * `wxv/queryrentbill`, so that the answer is always the order's truth (CONTRACT.md "The result").
 *
 * @throws {OrderNotFoundError} WeChat Pay knows no such order.
 * @throws {OrderStateError} the order is FINISHED or USER_PAID.
 * @throws {WechatPayError} any other refusal.
 * @throws {SignatureError} a reply that must be signed is unsigned or mis-signed, also with a freshly fetched secret.
 * @throws {TransientError} network, timeouts, SYSTEMERROR, rate limits, an unknown order state, after the retries.
 * @throws {ConfigError} the secret is missing or malformed.
 */
const createCanceller = (deps: CancellerDeps, options: CancellerOptions) => {
  const limits = callLimits(options);
  const { clock, hosts, random } = deps;

  const cancel = async (command: CancelCommand, deadline: number, trace: CancelTrace): Promise<CancelResult> => {
    const session = await openSession(deps, limits, deadline, trace);
    const fields = { version: WECHAT_VERSION, appid: command.appid, service_id: command.service_id, out_order_no: command.out_order_no, reason: command.reason };
    for (let attempt = 1; ; attempt += 1) {
      try {
        const reply = assertSameOrder(command, await callWechat(session, 'wxv/cancelbill', fields, limits.queryReserveMs));
        const orderId = present(reply.order_id) ?? (await orderIdFromQuery(session, command, random));
        return { out_order_no: command.out_order_no, order_id: orderId, state: 'REVOKED', already_cancelled: false };
      } catch (error) {
        // A refusal that may only mean "already done": one known to be ambiguous, or any refusal
        // after a send whose reply was never seen (a repeated cancel, a refused resend).
        if ((isAmbiguousRefusal(error) || session.unseenSend) && isRefusal(error)) {
          const answer = await reconcile(session, command, random, error);
          if (answer !== undefined) return answer;
          throw error;
        }
        if (!(error instanceof TransientError)) throw error;
        if (attempt < limits.maxAttempts) {
          // A connection failure that moved us to the backup host is retried there at once.
          if (
            error.phase === 'connect' &&
            // Stryker disable next-line ConditionalExpression: no attempt yet, no host to move from: failsOverAtOnce is false for it anyway
            trace.host !== undefined &&
            hosts.failsOverAtOnce(trace.host)
          ) {
            continue;
          }
          const wait = nextWait({
            attempt,
            rateLimited: isRateLimited(error),
            jitter: random(),
            now: clock.now(),
            deadline,
            minAttemptMs: limits.minAttemptMs,
            reserveMs: limits.queryReserveMs,
          });
          if (wait !== undefined) {
            await clock.sleep(wait);
            continue;
          }
        }
        // Out of attempts or time: if the cancel may have gone through, the query tells (its own
        // time check decides whether it still fits). Its failures leave this error standing.
        if (session.unseenSend) {
          const answer = await reconcile(session, command, random, error).catch((queryError: unknown) => {
            if (queryError instanceof TransientError) return undefined;
            throw queryError;
          });
          if (answer !== undefined) return answer;
        }
        throw error;
      }
    }
  };

  return { cancel };
};

type Canceller = ReturnType<typeof createCanceller>;

export { createCanceller };
export type { CancelResult, CancelTrace, CancellerDeps, CancellerOptions, Canceller };
