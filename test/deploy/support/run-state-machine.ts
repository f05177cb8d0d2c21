/**
 * Executes an Amazon States Language definition offline with aws-local-stepfunctions 3 (a real
 * ASL interpreter: Retry, Catch, jitter, Map, timeouts), every Task resolved by the caller, on a
 * virtual clock. docs/testing.md ("The state machine, executed") says what it does and does not model.
 */
import { isDeepStrictEqual } from 'node:util';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { vi } from 'vitest';
import { textOf } from '../../helpers/text.js';

/**
 * Thrown by a resolver that cannot stand in for a Task at all (a resource it does not serve, a
 * malformed call): the run then fails loudly instead of the execution taking a Catch.
 */
class ResolverFault extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ResolverFault';
  }
}

/** What a Task resolver may use besides the Task's input. */
type TaskContext = {
  /** The Task state's name and its `Resource`. */
  state: string;
  resource: string;
  /** The number of this call of this Task state in the execution, from 1 (retries count). */
  call: number;
  /**
   * Awaits a promise that settles in virtual time (a timer), so the clock may advance meanwhile.
   * Everything else a resolver awaits is taken as real work, during which the clock stands still.
   */
  idle<T>(promise: Promise<T>): Promise<T>;
  /** Waits `ms` of virtual time. */
  sleep(ms: number): Promise<void>;
};

/**
 * Stands in for every Task: gets the Task's effective input (after `InputPath` and `Parameters`)
 * and returns its result or throws; the thrown error's `name` is the ASL error name, its `message`
 * the cause.
 */
type TaskResolver = (input: unknown, context: TaskContext) => Promise<unknown>;

type RunOptions = {
  /** The definition to run (a copy is taken). */
  definition: object;
  input: unknown;
  resolveTask: TaskResolver;
  /**
   * The value Math.random returns while the execution runs, which pins the FULL jitter of every
   * Retry: a retrier's wait is floor(jitter x (ceiling + 1)) ms. 1 (the default) gives each
   * retrier's ceiling, min(IntervalSeconds x BackoffRate^n, MaxDelaySeconds).
   */
  jitter?: number;
};

type EventRecord = {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  Error?: string;
  Cause?: unknown;
  retry?: { retrier: { ErrorEquals: string[] }; attempt: number };
  catch?: { catcher: { ErrorEquals: string[]; Next: string } };
  index?: number;
};

type TaskCall = { state: string; call: number; input: unknown };
type RetryRecord = { state: string; error: string; retrier: number; attempt: number; waitMs: number };
type CatchRecord = { state: string; error: string; next: string };

/** One finished execution, as its history would show it. */
type Execution = {
  status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  /** The execution's output (SUCCEEDED). */
  output?: unknown;
  /** The execution's error and cause (FAILED; `States.Timeout` when TIMED_OUT). */
  error?: string;
  cause?: string;
  /** Top-level states entered, in order; the last one is `endState`. */
  path: string[];
  endState: string | undefined;
  taskCalls: TaskCall[];
  /** Every retry: which error, which retrier (index in `Retry`), its attempt number, its wait. */
  retries: RetryRecord[];
  caught: CatchRecord[];
  /** Virtual time from start to end: the retry waits and any timer a resolver waited on. */
  durationMs: number;
  events: EventRecord[];
};

type MutablePromiseConstructor = PromiseConstructor & { withResolvers?: unknown };

/**
 * The interpreter declares Node >= 22 and calls Promise.withResolvers, which Node 20 lacks: every
 * Task would then fail with a TypeError, and a States.ALL Catch would hide it. Shim it (tests only).
 */
const shimPromiseWithResolvers = (): boolean => {
  const promise = Promise as MutablePromiseConstructor;
  if (typeof promise.withResolvers === 'function') return false;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const created = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise: created, resolve, reject };
    },
  });
  return true;
};
/** True when this process needed the shim (Node 20). */
const PROMISE_WITH_RESOLVERS_SHIMMED = shimPromiseWithResolvers();

/** Credentials the interpreter's own Lambda client would get: never real, never the default chain. */
const FAKE_AWS_CONFIG = {
  region: 'eu-west-1',
  credentials: { accessKeys: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' } },
} as const;

type StateNode = { Type?: string; Resource?: string; Retry?: unknown[] } & Record<string, unknown>;
type MachineNode = { States?: Record<string, StateNode> };

/** Every state of a definition, nested Map (Iterator / ItemProcessor) and Parallel ones included. */
const allStates = (machine: MachineNode): [string, StateNode][] =>
  Object.entries(machine.States ?? {}).flatMap(([name, state]) => [
    [name, state] as [string, StateNode],
    ...[state.Iterator, state.ItemProcessor, ...((state.Branches as unknown[] | undefined) ?? [])]
      .filter((nested): nested is MachineNode => typeof nested === 'object' && nested !== null)
      .flatMap(allStates),
  ]);

/**
 * The Task states to override, by name.
 *
 * @throws {Error} when two Task states share a name (the interpreter overrides by name).
 */
const taskStates = (definition: MachineNode): Map<string, StateNode> => {
  const tasks = new Map<string, StateNode>();
  for (const [name, state] of allStates(definition).filter(([, s]) => s.Type === 'Task')) {
    if (tasks.has(name)) throw new Error(`two Task states are named ${name}: cannot override each on its own`);
    tasks.set(name, state);
  }
  return tasks;
};

/**
 * A clock that moves only when nothing real is in progress: then it jumps to the next timer (a
 * Retry's wait, a timeout). Resolvers are real work unless they wait through `idle`.
 */
const createVirtualClock = () => {
  let busy = 0;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    busy -= 1;
    if (busy === 0) wake?.();
  };
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    busy += 1;
    try {
      return await work();
    } finally {
      settle();
    }
  };
  const idle = async <T>(promise: Promise<T>): Promise<T> => {
    settle();
    try {
      return await promise;
    } finally {
      busy += 1;
    }
  };
  /** Resolves once no real work is in progress and every callback that was ready has run. */
  const quiet = async (): Promise<void> => {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (busy === 0) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };
  return { track, idle, quiet };
};

const MAX_CLOCK_JUMPS = 10_000;

/** The `Retry` index of a retrier the interpreter reports. */
const retrierIndex = (definitionStates: Map<string, StateNode>, state: string, retrier: unknown): number =>
  (definitionStates.get(state)?.Retry ?? []).findIndex((candidate) => isDeepStrictEqual(candidate, retrier));

/** The last failure of `state` before `index` (Array#findLast is not in this project's ES2022 lib). */
const lastFailureBefore = (events: EventRecord[], index: number, state: string): EventRecord | undefined =>
  events
    .slice(0, index)
    .reverse()
    .find((event) => event.type === 'StateFailed' && event.state?.name === state);

/** Retries, with the virtual time between each failure and the retry that followed it. */
const retriesOf = (events: EventRecord[], states: Map<string, StateNode>): RetryRecord[] =>
  events.flatMap((event, index) => {
    if (event.type !== 'StateRetried' || event.state === undefined || event.retry === undefined) return [];
    const name = event.state.name;
    const failed = lastFailureBefore(events, index, name);
    return [
      {
        state: name,
        error: failed?.Error ?? '',
        retrier: retrierIndex(states, name, event.retry.retrier),
        attempt: event.retry.attempt,
        waitMs: event.timestamp - (failed?.timestamp ?? event.timestamp),
      },
    ];
  });

/** Caught errors: each StateCaught with the failure it caught. */
const caughtOf = (events: EventRecord[]): CatchRecord[] =>
  events.flatMap((event, index) => {
    if (event.type !== 'StateCaught' || event.state === undefined || event.catch === undefined) return [];
    const name = event.state.name;
    const failed = lastFailureBefore(events, index, name);
    return [{ state: name, error: failed?.Error ?? '', next: event.catch.catcher.Next }];
  });

/**
 * An interpreter or shim fault looks like an ordinary failure once a States.ALL Catch takes it:
 * refuse any execution in which a TypeError failed a state, a Map iteration or the execution.
 *
 * @throws {Error} naming where the TypeError appeared.
 */
const assertNoTypeError = (events: EventRecord[]): void => {
  const typeErrors = events.filter((event) => event.Error === 'TypeError');
  if (typeErrors.length === 0) return;
  const where = typeErrors.map((event) => `${event.type}${event.state ? ` ${event.state.name}` : ''}: ${String(event.Cause)}`);
  throw new Error(`a TypeError reached the state machine (an interpreter or shim fault, or a bug):\n${where.join('\n')}`);
};

/**
 * Runs one execution of `definition` to its end. Every Task state, nested ones included, is
 * resolved by `resolveTask`; the interpreter is also given fake credentials, so nothing can reach
 * AWS. Timers run on a virtual clock (vitest fake timers for setTimeout and Date, during this call
 * only), so Retry waits and timeouts cost no real time and are measured exactly; jitter is pinned.
 *
 * @throws {ResolverFault} the first one a resolver threw.
 * @throws {Error} when the definition is invalid, a TypeError reached the state machine, the
 *   execution stalls (nothing running, no timer pending), or fake timers are already installed.
 * @example
 * const execution = await runStateMachine({ definition, input: { out_order_no: 'A1' }, resolveTask });
 * expect(execution.endState).toBe('Cancelled');
 */
const runStateMachine = async (options: RunOptions): Promise<Execution> => {
  if (vi.isFakeTimers()) throw new Error('runStateMachine installs its own fake timers: none may be installed');
  const definition = structuredClone(options.definition) as MachineNode;
  const tasks = taskStates(definition);
  const states = new Map(allStates(definition));
  const machine = new StateMachine(definition as unknown as StateMachineDefinition, { awsConfig: FAKE_AWS_CONFIG });
  const clock = createVirtualClock();
  const taskCalls: TaskCall[] = [];
  const resolverFaults: ResolverFault[] = [];
  const handlers = Object.fromEntries(
    [...tasks].map(([state, task]) => [
      state,
      (input: unknown) =>
        clock.track(async () => {
          const call = taskCalls.filter((c) => c.state === state).length + 1;
          taskCalls.push({ state, call, input: structuredClone(input) });
          const context: TaskContext = {
            state,
            resource: String(task.Resource),
            call,
            idle: clock.idle,
            sleep: (ms) => clock.idle(new Promise((resolve) => setTimeout(resolve, ms))),
          };
          try {
            return await options.resolveTask(input, context);
          } catch (error) {
            if (error instanceof ResolverFault) resolverFaults.push(error);
            throw error;
          }
        }),
    ]),
  );

  const jitter = options.jitter ?? 1;
  // floor(x * (ceiling + 1)) with x just below 1 is the ceiling itself.
  const random = vi.spyOn(Math, 'random').mockImplementation(() => Math.min(jitter, 1 - Number.EPSILON));
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const events: EventRecord[] = [];
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  try {
    const execution = machine.run(options.input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
    });
    const logging = (async () => {
      for await (const event of execution.eventLogs) events.push(event);
    })();
    void execution.result.then(
      (value) => (outcome = { ok: true, value }),
      (error: unknown) => (outcome = { ok: false, error }),
    );
    for (let jumps = 0; ; jumps += 1) {
      await clock.quiet();
      if (outcome !== undefined) break;
      if (vi.getTimerCount() === 0) throw new Error('the execution stalled: nothing is running and no timer is pending');
      if (jumps >= MAX_CLOCK_JUMPS) throw new Error(`the execution did not end within ${MAX_CLOCK_JUMPS} timers`);
      vi.advanceTimersToNextTimer();
    }
    await logging;
  } finally {
    vi.useRealTimers();
    random.mockRestore();
  }

  if (resolverFaults[0] !== undefined) throw resolverFaults[0];
  assertNoTypeError(events);
  const top = events.filter((event) => event.type === 'StateEntered').map((event) => event.state?.name ?? '');
  const record = {
    path: top,
    endState: top.at(-1),
    taskCalls,
    retries: retriesOf(events, states),
    caught: caughtOf(events),
    durationMs: (events.at(-1)?.timestamp ?? 0) - (events[0]?.timestamp ?? 0),
    events,
  };
  if (outcome.ok) return { status: 'SUCCEEDED', output: outcome.value, ...record };
  const { error } = outcome;
  if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout', ...record };
  if (!(error instanceof ExecutionError)) throw error;
  const failed = events.find((event) => event.type === 'ExecutionFailed');
  return { status: 'FAILED', error: failed?.Error, cause: textOf(failed?.Cause ?? ''), ...record };
};

export { runStateMachine, ResolverFault, PROMISE_WITH_RESOLVERS_SHIMMED };
export type { Execution, RunOptions, TaskContext, TaskResolver, RetryRecord, CatchRecord, TaskCall };
