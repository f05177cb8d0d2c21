import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../lib/clock.js';

describe('clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('systemClock', () => {
    it('reads the wall clock in epoch milliseconds', () => {
      // Prepare
      vi.useFakeTimers({ now: Date.UTC(2026, 10, 26, 8, 30) });

      // Act
      const now = systemClock.now();

      // Assess
      expect(now).toBe(Date.UTC(2026, 10, 26, 8, 30));
    });

    it('sleeps until the time has passed, and no longer', async () => {
      // Prepare
      vi.useFakeTimers();
      let woke = false;

      // Act
      void systemClock.sleep(250).then(() => {
        woke = true;
      });
      await vi.advanceTimersByTimeAsync(249);
      const early = woke;
      await vi.advanceTimersByTimeAsync(1);

      // Assess
      expect(early).toBe(false);
      expect(woke).toBe(true);
    });

    it('cannot be changed', () => {
      // Assess
      expect(Object.isFrozen(systemClock)).toBe(true);
    });
  });
});
