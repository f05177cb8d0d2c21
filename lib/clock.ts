import type { Clock } from './types.js';

/**
 * The real clock: wall time and timers. The only reader of `Date.now()` in lib/ (STYLE §6);
 * everything else gets time through an injected `Clock`, so tests run on a fake one.
 */
const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
  sleep: (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      setTimeout(resolve, ms);
    }),
});

export { systemClock };
