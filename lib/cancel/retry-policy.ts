/**
 * The retry policy of a cancel: every timing constant, the backoff, and the decision whether
 * another attempt still fits before the deadline (spec §6, §9). Pure: time and jitter come in.
 */

/** First backoff step; doubles per attempt (spec §9: "about 3 attempts ... starting around 200-500 ms"). */
const BACKOFF_BASE_MS = 200;
/** First backoff step after a rate limit (spec §6: "back off for seconds, not milliseconds"). */
const RATE_LIMITED_BASE_MS = 1000;
const BACKOFF_CAP_MS = 5000;
/** An attempt with less time than this (or than the configured timeout, if shorter) is not started. */
const MIN_ATTEMPT_MS = 250;
/** Tries of `wxv/queryrentbill` when the truth is asked for: one retry on a transient failure. */
const QUERY_ATTEMPTS = 2;
/** Time a cancel attempt leaves for the query that may follow it (the truth after a timeout). */
const QUERY_RESERVE_MS = 2000;

/** The limits of one invocation's calls, derived once from the configured per-attempt timeout. */
type CallLimits = Readonly<{ timeoutMs: number; minAttemptMs: number; queryReserveMs: number; maxAttempts: number }>;

const callLimits = (options: Readonly<{ timeoutMs: number; maxAttempts: number }>): CallLimits => ({
  timeoutMs: options.timeoutMs,
  minAttemptMs: Math.min(MIN_ATTEMPT_MS, options.timeoutMs),
  queryReserveMs: Math.min(QUERY_RESERVE_MS, options.timeoutMs),
  maxAttempts: options.maxAttempts,
});

/**
 * Exponential backoff with equal jitter (half fixed, half random), longer for rate limits.
 * @param attempt the attempt that just failed, from 1.
 * @param jitter uniform in [0, 1).
 * @example backoffMs(1, false, 0.5) // 150
 */
const backoffMs = (attempt: number, rateLimited: boolean, jitter: number): number => {
  const base = rateLimited ? RATE_LIMITED_BASE_MS : BACKOFF_BASE_MS;
  const ceiling = Math.min(BACKOFF_CAP_MS, base * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (jitter * ceiling) / 2);
};

type WaitInput = Readonly<{
  attempt: number;
  rateLimited: boolean;
  jitter: number;
  now: number;
  deadline: number;
  minAttemptMs: number;
  /** Time that must still be left after the next attempt (the query's reserve). */
  reserveMs: number;
}>;

/**
 * The wait before the next attempt, or `undefined` when that attempt (and `reserveMs` after it)
 * would no longer fit before the deadline.
 */
const nextWait = (input: WaitInput): number | undefined => {
  const wait = backoffMs(input.attempt, input.rateLimited, input.jitter);
  return input.now + wait + input.minAttemptMs + input.reserveMs > input.deadline ? undefined : wait;
};

export { backoffMs, nextWait, callLimits, BACKOFF_BASE_MS, RATE_LIMITED_BASE_MS, BACKOFF_CAP_MS, MIN_ATTEMPT_MS, QUERY_ATTEMPTS, QUERY_RESERVE_MS };
export type { CallLimits, WaitInput };
