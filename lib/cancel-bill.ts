import type { CancelCommand } from './command.js';
import { OrderStateError, TransientError, WechatPayError } from './errors.js';
import type { HostRole, HostSelector } from './host-selector.js';
import type { Clock, SecretsLoader } from './types.js';
import { isAmbiguousRefusal, isCredentialRefusal, isRateLimited } from './wechatpay/index.js';
import type { WechatPayClient } from './wechatpay/index.js';

/** The result of CONTRACT.md ("The result"). */
type CancelResult = Readonly<{
  out_order_no: string;
  order_id: string;
  state: 'REVOKED' | 'EXPIRED';
  already_cancelled: boolean;
}>;

/** Filled in while a cancel runs, for the invocation's log line and metrics. */
type CancelTrace = {
  attempts: number;
  host: HostRole | undefined;
  secretRefreshed: boolean;
  /** Expiry of the client certificate in use, for the days-to-expiry metric. */
  certNotAfter: Date | undefined;
};

type CancellerDeps = Readonly<{
  client: WechatPayClient;
  secrets: SecretsLoader;
  hosts: HostSelector;
  clock: Clock;
  /** Uniform in [0, 1): backoff jitter. */
  random: () => number;
}>;

type CancellerOptions = Readonly<{ timeoutMs: number; maxAttempts: number }>;

const BACKOFF_BASE_MS = 200;
const RATE_LIMITED_BASE_MS = 1000;
const BACKOFF_CAP_MS = 5000;
/** An attempt with less time than this (or than the configured timeout, if shorter) is not started. */
const MIN_ATTEMPT_MS = 250;
const QUERY_ATTEMPTS = 2;
/** Time a cancel attempt leaves for the query that may follow it. */
const QUERY_RESERVE_MS = 2000;

const WECHAT_VERSION = '1.0';

/** Exponential backoff with equal jitter (half fixed, half random), longer for rate limits (spec §6, §9). */
const backoffMs = (attempt: number, rateLimited: boolean, random: () => number): number => {
  const base = rateLimited ? RATE_LIMITED_BASE_MS : BACKOFF_BASE_MS;
  const ceiling = Math.min(BACKOFF_CAP_MS, base * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
};

/**
 * Creates the use case: cancel one order, retrying transient failures with backoff within the
 * deadline, failing over between hosts, refreshing the secret once after a credential refusal, and
 * answering ambiguous outcomes from `wxv/queryrentbill` so the answer is always the order's truth.
 *
 * @throws {OrderNotFoundError} WeChat Pay knows no such order.
 * @throws {OrderStateError} the order is FINISHED or USER_PAID.
 * @throws {WechatPayError} any other refusal.
 * @throws {SignatureError} a reply that must be signed is unsigned or mis-signed.
 * @throws {TransientError} network, timeouts, SYSTEMERROR, rate limits, after the retries.
 * @throws {ConfigError} the secret is missing or malformed.
 */
const createCanceller = (deps: CancellerDeps, options: CancellerOptions) => {
  const { client, secrets, hosts, clock, random } = deps;

  const queryReserve = Math.min(QUERY_RESERVE_MS, options.timeoutMs);
  const minAttemptMs = Math.min(MIN_ATTEMPT_MS, options.timeoutMs);

  const cancel = async (command: CancelCommand, deadline: number, trace: CancelTrace): Promise<CancelResult> => {
    let credentials = await secrets.get();
    trace.certNotAfter = credentials.certNotAfter;

    const callOnce = async (
      path: 'wxv/cancelbill' | 'wxv/queryrentbill',
      fields: Record<string, string>,
    ): Promise<Record<string, string>> => {
      // A cancel leaves time for the query that may have to follow it (the truth after a timeout).
      const timeoutMs = Math.min(options.timeoutMs, deadline - (path === 'wxv/cancelbill' ? queryReserve : 0) - clock.now());
      if (timeoutMs < minAttemptMs) {
        throw new TransientError('DEADLINE_EXCEEDED', `no time left for another call to ${path}`, { phase: 'connect' });
      }
      const host = hosts.pick();
      trace.attempts += 1;
      trace.host = host.role;
      try {
        return await client.call({ baseUrl: host.baseUrl, path, fields, credentials, timeoutMs });
      } catch (error) {
        if (error instanceof TransientError && error.phase === 'connect') hosts.reportConnectFailure(host.role);
        if (!isCredentialRefusal(error) || trace.secretRefreshed) throw error;
        // A rotated key or certificate: fetch the secret afresh, once per invocation, and repeat
        // this same call (cancel or query) without spending a retry on it.
        credentials = await secrets.get({ refresh: true, unless: credentials.version });
        trace.secretRefreshed = true;
        trace.certNotAfter = credentials.certNotAfter;
        return callOnce(path, fields);
      }
    };

    /** Waits before the next attempt; false when that attempt (and `reserveMs` after it) would not fit. */
    const sleepBefore = async (attempt: number, error: unknown, reserveMs = 0): Promise<boolean> => {
      const wait = backoffMs(attempt, isRateLimited(error), random);
      if (clock.now() + wait + minAttemptMs + reserveMs > deadline) return false;
      await clock.sleep(wait);
      return true;
    };

    /** A signed reply about another order is never taken as this order's truth. */
    const assertSameOrder = (reply: Record<string, string>): Record<string, string> => {
      if (reply.out_order_no !== undefined && reply.out_order_no !== command.out_order_no) {
        throw new WechatPayError('OUT_ORDER_NO_MISMATCH', 'the signed reply names another order');
      }
      return reply;
    };

    const query = async (): Promise<Record<string, string>> => {
      const fields = {
        version: WECHAT_VERSION,
        appid: command.appid,
        service_id: command.service_id,
        out_order_no: command.out_order_no,
      };
      for (let attempt = 1; ; attempt += 1) {
        try {
          return assertSameOrder(await callOnce('wxv/queryrentbill', fields));
        } catch (error) {
          if (!(error instanceof TransientError) || attempt >= QUERY_ATTEMPTS || !(await sleepBefore(attempt, error))) {
            throw error;
          }
        }
      }
    };

    /** Answers from the order's state; `undefined` when the order is still cancellable. */
    const answerFromState = (reply: Record<string, string>): CancelResult | undefined => {
      const state = reply.state ?? '';
      if (state === 'REVOKED' || state === 'EXPIRED') {
        return { out_order_no: command.out_order_no, order_id: reply.order_id ?? '', state, already_cancelled: true };
      }
      if (state === 'FINISHED' || state === 'USER_PAID') {
        throw new OrderStateError('INVALID_ORDER_STATE', `order ${command.out_order_no} is ${state} and can no longer be cancelled`);
      }
      if (state === 'CREATED' || state === 'USER_ACCEPTED') return undefined;
      throw new WechatPayError('UNKNOWN_ORDER_STATE', `queryrentbill returned an unknown state for ${command.out_order_no}`);
    };

    const cancelFields = {
      version: WECHAT_VERSION,
      appid: command.appid,
      service_id: command.service_id,
      out_order_no: command.out_order_no,
      reason: command.reason,
    };
    let outcomeUnknown = false;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const reply = assertSameOrder(await callOnce('wxv/cancelbill', cancelFields));
        const orderId = reply.order_id ?? (await query().then((r) => r.order_id, () => undefined)) ?? '';
        return { out_order_no: command.out_order_no, order_id: orderId, state: 'REVOKED', already_cancelled: false };
      } catch (error) {
        // A refusal that may only mean "already done": either one known to be ambiguous, or any
        // refusal after an earlier attempt whose outcome we never saw.
        if (isAmbiguousRefusal(error) || (outcomeUnknown && error instanceof WechatPayError)) {
          const answer = answerFromState(await query());
          if (answer !== undefined) return answer;
          throw error;
        }
        if (!(error instanceof TransientError)) throw error;
        if (error.phase === 'sent') outcomeUnknown = true;
        // A connection failure that moved us to the backup host is retried there at once.
        const failedOver = error.phase === 'connect' && trace.host === 'primary' && hosts.pick().role === 'backup';
        if (attempt < options.maxAttempts && (failedOver || (await sleepBefore(attempt, error, queryReserve)))) continue;
        if (outcomeUnknown && error.code !== 'DEADLINE_EXCEEDED') {
          // The cancel may have gone through without us seeing the reply: ask before failing.
          const answer = await query().then(answerFromState, () => undefined);
          if (answer !== undefined) return answer;
        }
        throw error;
      }
    }
  };

  return { cancel };
};

type Canceller = ReturnType<typeof createCanceller>;

export { createCanceller, backoffMs };
export type { CancelResult, CancelTrace, CancellerDeps, CancellerOptions, Canceller };
