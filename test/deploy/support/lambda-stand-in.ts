/**
 * A Lambda stand-in for Step Functions Tasks: runs a function of the packaged template (its
 * handler, environment and timeout) on the built bundle in child processes, and answers as the
 * Lambda service and the `arn:aws:states:::lambda:invoke` integration do.
 */
import { startLambda } from '../../helpers/lambda-process.js';
import type { LambdaProcess } from '../../helpers/lambda-process.js';
import { textOf } from '../../helpers/text.js';
import { OFFLINE_AWS_ENV, ROOT } from './package-service.js';
import type { Template } from './package-service.js';
import { ResolverFault } from './run-state-machine.js';
import type { TaskContext } from './run-state-machine.js';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const ACCOUNT_ID = '123456789012';
/** Lambda's default when a function sets no Timeout. */
const DEFAULT_TIMEOUT_SECONDS = 3;
/** Errors the Lambda service itself raises to Step Functions ("Handle Lambda service exceptions"). */
const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;
type LambdaServiceError = (typeof LAMBDA_SERVICE_ERRORS)[number];

/** What the next invocation meets instead of a normal run. */
type InvocationFault = { kind: 'serviceError'; errorType: LambdaServiceError } | { kind: 'hang' };

type StandInStats = {
  /** Invocations received (each Task attempt). */
  invocations: number;
  /** Invocations that reached the function. */
  runs: number;
  /** Containers started: the first run, and the first after a timeout killed one. */
  coldStarts: number;
  timeouts: number;
};

type LambdaStandIn = {
  /** The function's ARN, as the packaged definition names it. */
  arn: string;
  timeoutSeconds: number;
  /** The Task resolver for runStateMachine. */
  resolveTask: (input: unknown, context: TaskContext) => Promise<unknown>;
  /** The next `times` invocations fail in the Lambda service, before reaching the function. */
  failNext(errorType: LambdaServiceError, times?: number): void;
  /** The next invocation reaches the function, which then never answers (a function timeout). */
  hangNext(): void;
  /** Runs before each invocation reaches the function, with its run number (from 1). */
  beforeRun(hook: ((run: number) => void) | undefined): void;
  stats(): StandInStats;
  /** Clears queued faults, the hook and the statistics; containers stay warm. */
  reset(): void;
  /** Every line the function logged, from every container. */
  logs(): string[];
  /** Ends every container: the next invocation is a cold start (as after a deployment). */
  recycle(): Promise<void>;
  stop(): Promise<void>;
};

type StandInOptions = {
  template: Template;
  /** Logical id of the AWS::Lambda::Function to run. */
  logicalId: string;
  /**
   * Replaces template variables that would reach the outside (endpoints, the secret's id) and adds
   * the standard ones (AWS_ENDPOINT_URL_*, NODE_EXTRA_CA_CERTS). Every URL must be on 127.0.0.1.
   */
  env: Readonly<Record<string, string>>;
};

/** The ARN a function of the template gets in the test stage's region and account. */
const functionArn = (template: Template, logicalId: string): string => {
  const name = template.Resources[logicalId]?.Properties.FunctionName;
  if (typeof name !== 'string') throw new Error(`${logicalId} is not a function with a literal FunctionName`);
  return `arn:aws:lambda:${OFFLINE_AWS_ENV.AWS_REGION}:${ACCOUNT_ID}:function:${name}`;
};

/**
 * Resolves the `Fn::Sub` values of a packaged definition that name a function's ARN
 * (`Fn::GetAtt [<function>, Arn]`), for `packagedDefinition`.
 *
 * @throws {Error} for any other value.
 */
const resolveFunctionArns =
  (template: Template) =>
  (value: unknown, placeholder: string): string => {
    const [logicalId, attribute] = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'] ?? [];
    if (logicalId === undefined || attribute !== 'Arn' || template.Resources[logicalId]?.Type !== 'AWS::Lambda::Function') {
      throw new Error(`cannot resolve \${${placeholder}} = ${JSON.stringify(value)}`);
    }
    return functionArn(template, logicalId);
  };

/** An error as Step Functions reports it: `name` is the ASL error, `message` the cause. */
const taskError = (name: string, cause: string): Error => Object.assign(new Error(cause), { name });

/** Any URL outside the loopback interface (the stand-in must never reach WeChat Pay or AWS). */
const outsideUrls = (env: Readonly<Record<string, string>>): string[] =>
  Object.entries(env)
    .filter(([, value]) => /^[a-z]+:\/\//i.test(value))
    .filter(([, value]) => !['127.0.0.1', 'localhost'].includes(new URL(value).hostname))
    .map(([name, value]) => `${name}=${value}`);

/**
 * The function's environment as Lambda builds it: the runtime's own variables, the template's,
 * then the local overrides, with fake credentials whatever the overrides say.
 *
 * @throws {Error} when a template variable is not a literal string, or a URL leaves 127.0.0.1.
 */
const functionEnv = (properties: Record<string, unknown>, arnName: string, overrides: Readonly<Record<string, string>>) => {
  const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const unresolved = Object.entries(variables).filter(([, value]) => typeof value !== 'string');
  if (unresolved.length > 0) throw new Error(`cannot resolve ${unresolved.map(([name]) => name).join(', ')}`);
  const env: Record<string, string> = {
    AWS_LAMBDA_FUNCTION_NAME: arnName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: textOf(properties.MemorySize ?? 128),
    LAMBDA_TASK_ROOT: ROOT,
    _HANDLER: String(properties.Handler),
    ...(variables as Record<string, string>),
    ...overrides,
    ...OFFLINE_AWS_ENV,
  };
  const outside = outsideUrls(env);
  if (outside.length > 0) throw new Error(`the stand-in only runs against 127.0.0.1: override ${outside.join(', ')}`);
  return env;
};

/**
 * Creates the stand-in; containers start at the first invocation (a cold start), as many as run at
 * once, and stay warm until a timeout kills one or `stop()`.
 *
 * @throws {Error} when `logicalId` is not a function of the template, or its environment would
 *   reach past 127.0.0.1.
 */
const createLambdaStandIn = (options: StandInOptions): LambdaStandIn => {
  const resource = options.template.Resources[options.logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') throw new Error(`${options.logicalId} is not an AWS::Lambda::Function`);
  const arn = functionArn(options.template, options.logicalId);
  const name = String(resource.Properties.FunctionName);
  const timeoutSeconds = Number(resource.Properties.Timeout ?? DEFAULT_TIMEOUT_SECONDS);
  const env = functionEnv(resource.Properties, name, options.env);
  const warm: LambdaProcess[] = [];
  const all = new Set<LambdaProcess>();
  /** Every container ever started, killed ones included, for their logs. */
  const started: LambdaProcess[] = [];
  let faults: InvocationFault[] = [];
  let hook: ((run: number) => void) | undefined;
  let stats: StandInStats = { invocations: 0, runs: 0, coldStarts: 0, timeouts: 0 };
  let requestSequence = 0;

  const takeContainer = async (): Promise<LambdaProcess> => {
    const reused = warm.pop();
    if (reused !== undefined) return reused;
    stats.coldStarts += 1;
    const container = await startLambda(env);
    all.add(container);
    started.push(container);
    return container;
  };

  /** One invocation of the function, as the Lambda service runs it. */
  const invoke = async (payload: unknown, context: TaskContext): Promise<unknown> => {
    stats.invocations += 1;
    const requestId = `00000000-0000-4000-8000-${String((requestSequence += 1)).padStart(12, '0')}`;
    const fault = faults.shift();
    if (fault?.kind === 'serviceError') {
      const code = fault.errorType.replace(/^Lambda\./, '');
      throw taskError(fault.errorType, `${code} (Service: AWSLambda; Status Code: 500; Error Code: ${code}; Request ID: ${requestId})`);
    }
    stats.runs += 1;
    hook?.(stats.runs);
    const container = await takeContainer();
    const timeoutMs = timeoutSeconds * 1000;
    if (fault?.kind === 'hang') {
      container.freeze();
      void container.invoke(payload, { timeoutMs });
      // The function's timeout runs on the execution's clock; Lambda then discards the sandbox.
      await context.idle(new Promise((resolve) => setTimeout(resolve, timeoutMs)));
      all.delete(container);
      await container.kill();
      stats.timeouts += 1;
      const errorMessage = `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
      throw taskError('Sandbox.Timedout', JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage }));
    }
    const outcome = await container.invoke(payload, { timeoutMs });
    warm.push(container);
    // Lambda serializes the result as JSON: undefined becomes null.
    if (outcome.ok) return outcome.result ?? null;
    const { name: errorType, message: errorMessage } = outcome.error;
    throw taskError(errorType, JSON.stringify({ errorType, errorMessage }));
  };

  return {
    arn,
    timeoutSeconds,
    resolveTask: async (input, context) => {
      if (context.resource === arn) return invoke(input, context);
      if (context.resource !== LAMBDA_INVOKE) {
        throw new ResolverFault(`${context.state}: the Lambda stand-in does not serve ${context.resource}`);
      }
      const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      if (FunctionName !== arn && FunctionName !== name && FunctionName !== `${arn}:$LATEST`) {
        const message = `Function not found: ${String(FunctionName)} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)`;
        throw taskError('Lambda.ResourceNotFoundException', message);
      }
      const result = await invoke(Payload, context);
      return {
        ExecutedVersion: '$LATEST',
        Payload: result,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: `00000000-0000-4000-8000-${String(requestSequence).padStart(12, '0')}` },
        StatusCode: 200,
      };
    },
    failNext: (errorType, times = 1) => {
      for (let i = 0; i < times; i += 1) faults.push({ kind: 'serviceError', errorType });
    },
    hangNext: () => {
      faults.push({ kind: 'hang' });
    },
    beforeRun: (next) => {
      hook = next;
    },
    stats: () => ({ ...stats }),
    reset: () => {
      faults = [];
      hook = undefined;
      stats = { invocations: 0, runs: 0, coldStarts: 0, timeouts: 0 };
    },
    logs: () => started.flatMap((container) => container.logs()),
    recycle: async () => {
      await Promise.all([...all].map((container) => container.kill()));
      all.clear();
      warm.length = 0;
    },
    stop: async () => {
      await Promise.all([...all].map((container) => container.kill()));
      all.clear();
      warm.length = 0;
    },
  };
};

export { createLambdaStandIn, functionArn, resolveFunctionArns, LAMBDA_SERVICE_ERRORS };
export type { LambdaStandIn, LambdaServiceError, StandInStats };
