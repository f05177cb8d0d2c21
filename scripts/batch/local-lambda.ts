/**
 * A function of the packaged template run locally on its built bundle, as Lambda runs it: its
 * handler, environment and timeout from the template, one invocation at a time per container
 * (a child Node process, test/helpers/lambda-process.ts), as many containers as invocations run at
 * once. Answers `arn:aws:states:::lambda:invoke` Tasks as Step Functions' integration does. Only
 * for local runs: every URL of its environment must be on 127.0.0.1, and its credentials are fake.
 */
import { fileURLToPath } from 'node:url';
import { startLambda } from '../../test/helpers/lambda-process.js';
import type { LambdaProcess } from '../../test/helpers/lambda-process.js';
import type { Template } from '../../test/deploy/support/package-service.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGION = 'eu-west-1';
const ACCOUNT_ID = '123456789012';
const FAKE_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake',
  AWS_REGION: REGION,
  AWS_EC2_METADATA_DISABLED: 'true',
} as const;

type LocalFunction = {
  arn: string;
  name: string;
  /** One invocation; a thrown function error becomes an Error whose name is its errorType. */
  invoke(payload: unknown): Promise<unknown>;
  /** The `lambda:invoke` Task: `{FunctionName, Payload}` in, `{Payload, StatusCode, ...}` out. */
  invokeTask(input: unknown): Promise<unknown>;
  invocations(): number;
  logs(): string[];
  stop(): Promise<void>;
};

/** The ARN a function of the template gets locally (fake account and region). */
const localFunctionArn = (template: Template, logicalId: string): string => {
  const name = template.Resources[logicalId]?.Properties.FunctionName;
  if (typeof name !== 'string') throw new Error(`${logicalId} is not a function with a literal FunctionName`);
  return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;
};

/** Resolves `${...}` placeholders of a packaged definition that stand for a function's ARN. */
const resolveLocalFunctionArns =
  (template: Template) =>
  (value: unknown, placeholder: string): string => {
    const [logicalId, attribute] = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'] ?? [];
    if (logicalId === undefined || attribute !== 'Arn' || template.Resources[logicalId]?.Type !== 'AWS::Lambda::Function') {
      throw new Error(`cannot resolve \${${placeholder}} = ${JSON.stringify(value)}`);
    }
    return localFunctionArn(template, logicalId);
  };

/** An error as Step Functions reports a function's: `name` is the errorType, `message` the cause. */
const taskError = (name: string, cause: string): Error => Object.assign(new Error(cause), { name });

/**
 * The function's environment as Lambda builds it: the runtime's variables, the template's, the
 * overrides (which must replace every variable that is not a literal), and fake credentials.
 *
 * @throws {Error} for a variable left unresolved, or a URL outside 127.0.0.1.
 */
const localEnv = (properties: Record<string, unknown>, name: string, overrides: Readonly<Record<string, string>>): Record<string, string> => {
  const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const unresolved = Object.entries(variables).filter(([key, value]) => typeof value !== 'string' && overrides[key] === undefined);
  if (unresolved.length > 0) throw new Error(`override ${unresolved.map(([key]) => key).join(', ')}: not a literal in the template`);
  const env: Record<string, string> = {
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: typeof properties.MemorySize === 'number' || typeof properties.MemorySize === 'string' ? String(properties.MemorySize) : '128',
    LAMBDA_TASK_ROOT: ROOT,
    _HANDLER: typeof properties.Handler === 'string' ? properties.Handler : '',
    ...(Object.fromEntries(Object.entries(variables).filter(([, value]) => typeof value === 'string')) as Record<string, string>),
    ...overrides,
    ...FAKE_AWS_ENV,
  };
  const outside = Object.entries(env).filter(([, value]) => /^[a-z]+:\/\//i.test(value) && !['127.0.0.1', 'localhost'].includes(new URL(value).hostname));
  if (outside.length > 0) throw new Error(`local runs stay on 127.0.0.1: override ${outside.map(([key]) => key).join(', ')}`);
  return env;
};

/**
 * Runs the function `logicalId` of `template` locally.
 *
 * @throws {Error} when it is not a function of the template, or its environment would leave 127.0.0.1.
 * @example
 * const batch = createLocalFunction({ template, logicalId: 'CancelBillBatchLambdaFunction', env: { BATCH_BUCKET: 'local-batch', AWS_ENDPOINT_URL_S3: s3.url } });
 */
const createLocalFunction = (options: Readonly<{ template: Template; logicalId: string; env: Readonly<Record<string, string>> }>): LocalFunction => {
  const resource = options.template.Resources[options.logicalId];
  if (resource?.Type !== 'AWS::Lambda::Function') throw new Error(`${options.logicalId} is not an AWS::Lambda::Function`);
  const arn = localFunctionArn(options.template, options.logicalId);
  const name = String(resource.Properties.FunctionName);
  const timeoutMs = Number(resource.Properties.Timeout ?? 3) * 1000;
  const env = localEnv(resource.Properties, name, options.env);
  const idle: LambdaProcess[] = [];
  const all: LambdaProcess[] = [];
  let count = 0;

  const invoke = async (payload: unknown): Promise<unknown> => {
    count += 1;
    let container = idle.pop();
    if (container === undefined) {
      container = await startLambda(env);
      all.push(container);
    }
    const outcome = await container.invoke(payload, { timeoutMs });
    idle.push(container);
    if (outcome.ok) return outcome.result ?? null;
    const { name: errorType, message: errorMessage } = outcome.error;
    throw taskError(errorType, JSON.stringify({ errorType, errorMessage }));
  };

  return {
    arn,
    name,
    invoke,
    invokeTask: async (input) => {
      const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      if (FunctionName !== arn && FunctionName !== name) throw taskError('Lambda.ResourceNotFoundException', `Function not found: ${String(FunctionName)}`);
      return { ExecutedVersion: '$LATEST', Payload: await invoke(Payload), StatusCode: 200 };
    },
    invocations: () => count,
    logs: () => all.flatMap((container) => container.logs()),
    stop: async () => {
      await Promise.all(all.map((container) => container.stop()));
      all.length = 0;
      idle.length = 0;
    },
  };
};

export { createLocalFunction, localFunctionArn, resolveLocalFunctionArns, FAKE_AWS_ENV };
export type { LocalFunction };
