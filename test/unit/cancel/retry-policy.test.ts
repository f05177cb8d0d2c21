import { describe, expect, it } from 'vitest';
import { backoffMs, callLimits, nextWait } from '../../../lib/cancel/retry-policy.js';

describe('cancel/retry-policy', () => {
  it('waits longer after a rate limit', () => {
    // Prepare / Act
    const normal = backoffMs(1, false, 0.5);
    const limited = backoffMs(1, true, 0.5);

    // Assess
    expect(limited).toBeGreaterThan(normal * 4);
  });

  it.each([
    { attempt: 1, rateLimited: false, jitter: 0, expected: 100 },
    { attempt: 1, rateLimited: false, jitter: 0.999_999, expected: 200 },
    { attempt: 2, rateLimited: false, jitter: 0, expected: 200 },
    { attempt: 3, rateLimited: false, jitter: 0.5, expected: 600 },
    { attempt: 6, rateLimited: false, jitter: 0, expected: 2500 },
    { attempt: 10, rateLimited: false, jitter: 0.999_999, expected: 5000 },
    { attempt: 1, rateLimited: true, jitter: 0.5, expected: 750 },
    { attempt: 3, rateLimited: true, jitter: 0, expected: 2000 },
    { attempt: 4, rateLimited: true, jitter: 0, expected: 2500 },
  ])('backs off $expected ms before attempt $attempt + 1 (rate limited: $rateLimited, jitter $jitter)', ({ attempt, rateLimited, jitter, expected }) => {
    // Prepare / Act
    const wait = backoffMs(attempt, rateLimited, jitter);

    // Assess: 200 ms (1 s after a rate limit) doubling per attempt, capped at 5 s; half of it fixed, half random.
    expect(wait).toBe(expected);
  });

  it.each([
    { deadline: 20_000, reserveMs: 0, expected: 150 },
    { deadline: 10_000 + 150 + 250 + 2000, reserveMs: 2000, expected: 150 },
    { deadline: 10_000 + 150 + 250 + 2000 - 1, reserveMs: 2000, expected: undefined },
    { deadline: 10_000 + 150 + 249, reserveMs: 0, expected: undefined },
  ])('waits $expected ms when the next attempt and $reserveMs ms of reserve must fit before $deadline (now 10000)', ({ deadline, reserveMs, expected }) => {
    // Act
    const wait = nextWait({ attempt: 1, rateLimited: false, jitter: 0.5, now: 10_000, deadline, minAttemptMs: 250, reserveMs });

    // Assess
    expect(wait).toBe(expected);
  });

  it('keeps the minimum attempt and the query reserve within a short configured timeout', () => {
    // Act
    const limits = callLimits({ timeoutMs: 100, maxAttempts: 3 });

    // Assess
    expect(limits).toEqual({ timeoutMs: 100, minAttemptMs: 100, queryReserveMs: 100, maxAttempts: 3 });
    expect(callLimits({ timeoutMs: 8000, maxAttempts: 2 })).toEqual({ timeoutMs: 8000, minAttemptMs: 250, queryReserveMs: 2000, maxAttempts: 2 });
  });
});
