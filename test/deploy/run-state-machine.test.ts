import { describe, expect, it } from 'vitest';
import { PROMISE_WITH_RESOLVERS_SHIMMED, ResolverFault, runStateMachine } from './support/run-state-machine.js';
import type { TaskResolver } from './support/run-state-machine.js';

const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:worker';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** One Task that any error sends, through States.ALL, to a Fail state: the shape that hides faults. */
const CATCH_ALL = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: FUNCTION,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
      End: true,
    },
    Failed: { Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' },
  },
};

/** A Distributed Map over inline items, each handled by a lambda:invoke Task. */
const DISTRIBUTED_MAP = {
  StartAt: 'EachOrder',
  States: {
    EachOrder: {
      Type: 'Map',
      ItemsPath: '$.orders',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'CancelOne',
        States: {
          CancelOne: {
            Type: 'Task',
            Resource: LAMBDA_INVOKE,
            Parameters: { 'FunctionName': FUNCTION, 'Payload.$': '$' },
            OutputPath: '$.Payload',
            Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 2, MaxAttempts: 1 }],
            End: true,
          },
        },
      },
      End: true,
    },
  },
};

const echo: TaskResolver = async (input) => ({ Payload: (input as { Payload: unknown }).Payload });

describe('support/run-state-machine', () => {
  it('installs the Promise.withResolvers shim exactly when Node lacks it (before Node 22)', () => {
    // Assess
    expect(PROMISE_WITH_RESOLVERS_SHIMMED).toBe(Number(process.versions.node.split('.')[0]) < 22);
    expect(typeof (Promise as { withResolvers?: unknown }).withResolvers).toBe('function');
  });

  it('resolves every Task of a Distributed Map over inline items, retries included', async () => {
    // Prepare
    let failedOnce = false;
    const resolveTask: TaskResolver = async (input, context) => {
      const payload = (input as { Payload: { id: string } }).Payload;
      if (payload.id === 'b' && !failedOnce) {
        failedOnce = true;
        throw Object.assign(new Error('SYSTEMERROR: busy'), { name: 'TransientError' });
      }
      return echo(input, context);
    };

    // Act
    const execution = await runStateMachine({
      definition: DISTRIBUTED_MAP,
      input: { orders: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
      resolveTask,
    });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(execution.taskCalls.map(({ state, input }) => [state, (input as { Payload: { id: string } }).Payload.id]).sort()).toEqual([
      ['CancelOne', 'a'],
      ['CancelOne', 'b'],
      ['CancelOne', 'b'],
      ['CancelOne', 'c'],
    ]);
    expect(execution.durationMs).toBe(2000);
  });

  it('refuses an execution in which a TypeError reached a Catch', async () => {
    // Prepare
    const resolveTask: TaskResolver = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'promise')");
    };

    // Act
    const run = runStateMachine({ definition: CATCH_ALL, input: {}, resolveTask });

    // Assess
    await expect(run).rejects.toThrow(/a TypeError reached the state machine[\s\S]*StateFailed Work/);
  });

  it('reports the TypeError every Task meets on a Node without Promise.withResolvers', async () => {
    // Prepare
    const saved = Object.getOwnPropertyDescriptor(Promise, 'withResolvers');
    Reflect.deleteProperty(Promise, 'withResolvers');

    // Act
    let outcome: unknown;
    try {
      outcome = await runStateMachine({ definition: CATCH_ALL, input: {}, resolveTask: echo }).catch((error: unknown) => error);
    } finally {
      if (saved !== undefined) Object.defineProperty(Promise, 'withResolvers', saved);
    }

    // Assess
    expect(String(outcome)).toMatch(/a TypeError reached the state machine/);
  });

  it('ends an execution that outlives its TimeoutSeconds as TIMED_OUT, on the virtual clock', async () => {
    // Prepare
    const definition = { TimeoutSeconds: 30, StartAt: 'Wait', States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } } };

    // Act
    const started = performance.now();
    const execution = await runStateMachine({ definition, input: {}, resolveTask: echo });

    // Assess
    expect({ status: execution.status, error: execution.error, durationMs: execution.durationMs }).toEqual({
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      durationMs: 30_000,
    });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('fails the run, not the execution, when a resolver cannot stand in for a Task', async () => {
    // Prepare
    const resolveTask: TaskResolver = async (_input, context) => {
      throw new ResolverFault(`cannot serve ${context.resource}`);
    };

    // Act
    const run = runStateMachine({ definition: CATCH_ALL, input: {}, resolveTask });

    // Assess
    await expect(run).rejects.toThrow(`cannot serve ${FUNCTION}`);
  });

  it('refuses two Task states of one name, which the interpreter could not override apart', async () => {
    // Prepare
    const definition = {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [0, 1].map(() => ({ StartAt: 'Work', States: { Work: { Type: 'Task', Resource: FUNCTION, End: true } } })),
          End: true,
        },
      },
    };

    // Act
    const run = runStateMachine({ definition, input: {}, resolveTask: echo });

    // Assess
    await expect(run).rejects.toThrow('two Task states are named Work');
  });
});
