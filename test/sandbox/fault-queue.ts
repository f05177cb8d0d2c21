/**
 * A queue of injected faults shared by the sandbox servers: one-shot faults are consumed in the
 * order they were pushed, standing faults apply to every matching request until cleared.
 */

type FaultEntry<F, C> = {
  fault: F;
  match: (context: C) => boolean;
  /** Requests left to hit; `Infinity` for a standing fault. */
  remaining: number;
};

/** Where a fault applies: a predicate over the request context (default: every request). */
type FaultMatch<C> = { match?: (context: C) => boolean };

/**
 * Injected faults of one server. `F` is the fault type, `C` what a request exposes to predicates.
 * Plain functions, not methods: the servers hand them on unbound.
 */
interface FaultQueue<F, C> {
  /** Queues `fault` for the next `times` (default 1) matching requests. */
  push: (fault: F, options?: FaultMatch<C> & { times?: number }) => void;
  /** Applies `fault` to every matching request until `clear()`; one-shot faults win over it. */
  set: (fault: F, options?: FaultMatch<C>) => void;
  /** Removes every queued and standing fault. */
  clear: () => void;
  /** Number of one-shot faults still queued (a fault pushed with `times: 3` counts 3). */
  pending: () => number;
  /** Consumes and returns the fault for this request, if any. Used by the servers. */
  take: (context: C) => F | undefined;
}

const always = (): boolean => true;

/**
 * Creates an empty fault queue.
 * @throws {RangeError} from `push` when `times` is not a positive integer.
 */
const createFaultQueue = <F, C>(): FaultQueue<F, C> => {
  const oneShots: FaultEntry<F, C>[] = [];
  const standing: FaultEntry<F, C>[] = [];
  return {
    push: (fault, options = {}) => {
      const times = options.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new RangeError('times must be a positive integer');
      oneShots.push({ fault, match: options.match ?? always, remaining: times });
    },
    set: (fault, options = {}) => {
      standing.push({ fault, match: options.match ?? always, remaining: Infinity });
    },
    clear: () => {
      oneShots.length = 0;
      standing.length = 0;
    },
    pending: () => oneShots.reduce((sum, entry) => sum + entry.remaining, 0),
    take: (context) => {
      const index = oneShots.findIndex((entry) => entry.match(context));
      const entry = index >= 0 ? oneShots[index] : undefined;
      if (entry !== undefined) {
        entry.remaining -= 1;
        if (entry.remaining === 0) oneShots.splice(index, 1);
        return entry.fault;
      }
      return standing.find((candidate) => candidate.match(context))?.fault;
    },
  };
};

export { createFaultQueue };
export type { FaultQueue, FaultMatch };
