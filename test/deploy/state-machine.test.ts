import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ERROR_NAMES } from '../../lib/errors.js';
import type { ErrorName } from '../../lib/errors.js';
import { collectErrorEquals, isAllowedErrorName, validateAsl } from './support/asl.js';
import type { AslDefinition, AslState } from './support/asl.js';
import { LAMBDA_SERVICE_ERRORS } from './support/lambda-stand-in.js';

const DEFINITION_URL = new URL('../../infra/state-machine.asl.yml', import.meta.url);

/** The state a Catch sends `errorName` to: the first rule naming it or States.ALL (ASL order). */
const catchTarget = (task: AslState, errorName: string): string | undefined =>
  task.Catch?.find((rule) => rule.ErrorEquals.includes(errorName) || rule.ErrorEquals.includes('States.ALL'))?.Next;

describe('infra/state-machine.asl.yml', () => {
  let text: string;
  let definition: AslDefinition;
  let task: AslState;

  beforeAll(async () => {
    text = await readFile(DEFINITION_URL, 'utf8');
    definition = parse(text) as AslDefinition;
    task = definition.States[definition.StartAt] as AslState;
  });

  it('is valid Amazon States Language', () => {
    // Act
    const result = validateAsl(definition);

    // Assess
    expect(result.errors).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('names only CONTRACT.md errors or States.*/Lambda.* errors in ErrorEquals', () => {
    // Act
    const names = collectErrorEquals(definition);

    // Assess
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !isAllowedErrorName(name))).toEqual([]);
  });

  it('invokes the cancelBill function with the whole execution input', () => {
    // Assess
    expect(task.Type).toBe('Task');
    expect(task.Resource).toBe('arn:aws:states:::lambda:invoke');
    expect(task.Parameters).toEqual({ 'FunctionName': { 'Fn::GetAtt': ['cancelBill', 'Arn'] }, 'Payload.$': '$' });
  });

  it.each([{ error: 'TransientError' }, ...LAMBDA_SERVICE_ERRORS.map((error) => ({ error }))])(
    'retries $error with exponential backoff and full jitter',
    ({ error }) => {
      // Act
      const retrier = task.Retry?.find((rule) => rule.ErrorEquals.includes(error));

      // Assess
      expect(retrier).toBeDefined();
      expect(retrier?.MaxAttempts).toBeGreaterThanOrEqual(2);
      expect(retrier?.BackoffRate).toBeGreaterThan(1);
      expect(retrier?.MaxDelaySeconds).toBeGreaterThan(0);
      expect(retrier?.JitterStrategy).toBe('FULL');
    },
  );

  it('retries nothing but TransientError and the Lambda service errors', () => {
    // Act
    const retried = (task.Retry ?? []).flatMap((rule) => rule.ErrorEquals);

    // Assess
    expect(new Set(retried)).toEqual(new Set(['TransientError', ...LAMBDA_SERVICE_ERRORS]));
  });

  it.each<{ error: ErrorName | 'States.Timeout'; state: string; type: string }>([
    { error: 'OrderNotFoundError', state: 'OrderNotCancellable', type: 'Succeed' },
    { error: 'OrderStateError', state: 'OrderNotCancellable', type: 'Succeed' },
    { error: 'ValidationError', state: 'CancellationFault', type: 'Fail' },
    { error: 'ConfigError', state: 'CancellationFault', type: 'Fail' },
    { error: 'WechatPayError', state: 'CancellationFault', type: 'Fail' },
    { error: 'SignatureError', state: 'CancellationFault', type: 'Fail' },
    { error: 'TransientError', state: 'UnexpectedFailure', type: 'Fail' },
    { error: 'States.Timeout', state: 'UnexpectedFailure', type: 'Fail' },
  ])('ends $error in the $type state $state', ({ error, state, type }) => {
    // Act
    const target = catchTarget(task, error);

    // Assess
    expect(target).toBe(state);
    expect(definition.States[state]?.Type).toBe(type);
  });

  it('routes every CONTRACT.md error to a named end state', () => {
    // Act
    const unrouted = ERROR_NAMES.filter((name) => catchTarget(task, name) === undefined);

    // Assess
    expect(unrouted).toEqual([]);
  });

  it('ends the Catch list with States.ALL', () => {
    // Assess
    expect(task.Catch?.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
  });

  it('keeps the input beside the error only on the way to a Succeed state, and hands a Fail state the bare error', () => {
    // Act: a Catch without ResultPath replaces the input ($), which works for any input.
    const paths = task.Catch?.map((rule) => ({ next: rule.Next, type: definition.States[rule.Next ?? '']?.Type, path: rule.ResultPath }));

    // Assess
    expect(paths).toEqual([
      { next: 'OrderNotCancellable', type: 'Succeed', path: '$.error' },
      { next: 'CancellationFault', type: 'Fail', path: undefined },
      { next: 'UnexpectedFailure', type: 'Fail', path: undefined },
    ]);
  });

  it.each([{ state: 'CancellationFault' }, { state: 'UnexpectedFailure' }])(
    'fails $state with the original error name and cause',
    ({ state }) => {
      // Assess
      expect(definition.States[state]).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
    },
  );

  it('bounds every execution with TimeoutSeconds, so the executions-timed-out alarm can fire', () => {
    // Assess: the value is checked against the longest possible run in state-machine-execution.test.ts.
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('names every end state with its type and output in the header comment', () => {
    // Prepare
    const header = text.slice(0, text.indexOf('\nStates:'));
    const documented = [...header.matchAll(/^# - (.+?) \((Succeed|Fail)\): (.+)$/gm)].flatMap(([, names = '', type, output]) =>
      names.split(', ').map((name) => ({ name, type, output: output ?? '' })),
    );
    const ends = Object.entries(definition.States).filter(([, state]) => ['Succeed', 'Fail'].includes(state.Type));

    // Assess
    expect(documented.map(({ name, type }) => ({ name, type }))).toEqual(ends.map(([name, state]) => ({ name, type: state.Type })));
    expect(documented.filter(({ type, output }) => type === 'Fail' && !output.startsWith('no output'))).toEqual([]);
  });

  it('ends a successful cancellation in the Succeed state Cancelled', () => {
    // Assess
    expect(task.Next).toBe('Cancelled');
    expect(definition.States.Cancelled?.Type).toBe('Succeed');
  });
});
