/**
 * A seeded, per-request random fault schedule for the WeChat Pay sandbox servers. The fault of a
 * request depends only on the seed, the order, the endpoint and how many requests that order made
 * to that endpoint before: the schedule stays the same whatever order concurrent requests arrive in.
 */
import type { FaultRequest, WechatPayFault } from '../sandbox/wechatpay-faults.js';
import type { WechatPaySandbox } from '../sandbox/wechatpay-server.js';
import { createRandom } from './random.js';

/** One fault with its share of requests (a probability in [0, 1]). */
type ScheduledFault = Readonly<{ label: string; fault: WechatPayFault; probability: number }>;

type FaultSchedule = {
  /** Faults injected so far, by label. */
  injected(): Record<string, number>;
  /** Requests the schedule decided on (faulted or not). */
  decided(): number;
  /** Removes the schedule's standing faults from the servers. */
  uninstall(): void;
};

const NO_FAULT = -1;

/**
 * Installs the schedule on `servers` as standing faults (one per row) whose predicates share one
 * decision per request.
 * @throws {RangeError} when the probabilities add up to more than 1.
 * @example
 * const schedule = installFaultSchedule([sandbox.primary, sandbox.backup], { seed: 'chaos:1', faults });
 */
const installFaultSchedule = (
  servers: readonly WechatPaySandbox[],
  options: { seed: string; faults: readonly ScheduledFault[] },
): FaultSchedule => {
  const total = options.faults.reduce((sum, row) => sum + row.probability, 0);
  if (total > 1) throw new RangeError(`fault probabilities add up to ${total}, more than 1`);
  // The fault queue offers one request object to every standing predicate in turn: decide once per object.
  const decisions = new WeakMap<FaultRequest, number>();
  const requestsSoFar = new Map<string, number>();
  const injected: Record<string, number> = Object.fromEntries(options.faults.map((row) => [row.label, 0]));
  let decided = 0;

  const decide = (request: FaultRequest): number => {
    const known = decisions.get(request);
    if (known !== undefined) return known;
    const key = `${request.endpoint}:${request.fields?.out_order_no ?? '(unparsed)'}`;
    const nth = (requestsSoFar.get(key) ?? 0) + 1;
    requestsSoFar.set(key, nth);
    let point = createRandom(`${options.seed}:${key}:${nth}`).next();
    const index = options.faults.findIndex((row) => (point -= row.probability) < 0);
    const decision = index < 0 ? NO_FAULT : index;
    decisions.set(request, decision);
    decided += 1;
    const row = options.faults[decision];
    if (row !== undefined) injected[row.label] = (injected[row.label] ?? 0) + 1;
    return decision;
  };

  for (const server of servers) {
    options.faults.forEach((row, index) => server.faults.set(row.fault, { match: (request) => decide(request) === index }));
  }
  return {
    injected: () => ({ ...injected }),
    decided: () => decided,
    uninstall: () => {
      for (const server of servers) server.faults.clear();
    },
  };
};

export { installFaultSchedule };
export type { ScheduledFault, FaultSchedule };
