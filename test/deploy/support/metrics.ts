import type { Template } from './package-service.js';

/** One metric as a dashboard row or an alarm names it: dimension values still unresolved. */
type MetricRef = { namespace: string; metricName: string; dimensions: Record<string, unknown> };

/** What a dimension value points at, once its CloudFormation syntax is read. */
type Target =
  | { kind: 'literal'; value: string }
  | { kind: 'ref'; id: string }
  | { kind: 'getAtt'; id: string; attribute: string }
  | { kind: 'stateMachineName'; name: string }
  | { kind: 'unknown'; value: unknown };

/** The metrics the function emits (from its real invocation lines) and from its log metric filters. */
type FunctionMetrics = {
  namespace: string;
  serviceName: string;
  /** `Outcome` values the function writes. */
  outcomes: readonly string[];
  /** Metric name -> the dimension sets it is emitted under (names sorted). */
  emitted: Map<string, string[][]>;
};

/**
 * The AWS metrics the dashboard and alarms may name, per namespace, with the dimension sets AWS
 * publishes them under, from the service documentation:
 * - AWS/Lambda: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 * - AWS/SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 * - AWS/States: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
 * - AWS/ApiGateway, HTTP APIs: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-metrics.html
 */
const AWS_METRICS: Readonly<Record<string, { metrics: readonly string[]; dimensionSets: readonly (readonly string[])[] }>> = {
  'AWS/Lambda': {
    metrics: ['Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions', 'DeadLetterErrors', 'DestinationDeliveryFailures', 'AsyncEventAge', 'AsyncEventsDropped'],
    dimensionSets: [['FunctionName']],
  },
  'AWS/SQS': {
    metrics: ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage', 'ApproximateNumberOfMessagesNotVisible', 'NumberOfMessagesSent', 'NumberOfMessagesReceived', 'NumberOfMessagesDeleted'],
    dimensionSets: [['QueueName']],
  },
  'AWS/States': {
    metrics: ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled', 'ExecutionTime'],
    dimensionSets: [['StateMachineArn']],
  },
  'AWS/ApiGateway': {
    metrics: ['4xx', '5xx', 'Count', 'Latency', 'IntegrationLatency', 'DataProcessed'],
    dimensionSets: [['ApiId'], ['ApiId', 'Stage']],
  },
};

/** The resource type (and attribute) each AWS dimension must point at. */
const DIMENSION_TARGETS: Readonly<Record<string, { type: string; attribute?: string }>> = {
  FunctionName: { type: 'AWS::Lambda::Function' },
  QueueName: { type: 'AWS::SQS::Queue', attribute: 'QueueName' },
  StateMachineArn: { type: 'AWS::StepFunctions::StateMachine' },
  ApiId: { type: 'AWS::ApiGatewayV2::Api' },
};

const STATE_MACHINE_ARN = /^arn:\$\{AWS::Partition\}:states:\$\{AWS::Region\}:\$\{AWS::AccountId\}:stateMachine:([A-Za-z0-9_-]+)$/;

/** Reads a dimension value written as a literal, `Ref`, `Fn::GetAtt`, `Fn::Sub` or a `${...}` placeholder of a Sub'd body. */
const targetOf = (value: unknown): Target => {
  if (typeof value === 'string') {
    const ref = /^\$\{([A-Za-z0-9]+)\}$/.exec(value);
    if (ref?.[1] !== undefined) return { kind: 'ref', id: ref[1] };
    const getAtt = /^\$\{([A-Za-z0-9]+)\.([A-Za-z0-9]+)\}$/.exec(value);
    if (getAtt?.[1] !== undefined && getAtt[2] !== undefined) return { kind: 'getAtt', id: getAtt[1], attribute: getAtt[2] };
    const machine = STATE_MACHINE_ARN.exec(value);
    if (machine?.[1] !== undefined) return { kind: 'stateMachineName', name: machine[1] };
    return value.includes('${') ? { kind: 'unknown', value } : { kind: 'literal', value };
  }
  const node = value as Record<string, unknown> | null;
  if (node !== null && typeof node === 'object') {
    if (typeof node.Ref === 'string') return { kind: 'ref', id: node.Ref };
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt.length === 2) return { kind: 'getAtt', id: String(getAtt[0]), attribute: String(getAtt[1]) };
    if (typeof node['Fn::Sub'] === 'string') return targetOf(node['Fn::Sub']);
  }
  return { kind: 'unknown', value };
};

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().every((name, i) => name === [...b].sort()[i]);

/** Problems with an AWS dimension's value: it must point at a resource of the right type in this template. */
const awsDimensionProblems = (template: Template, name: string, value: unknown): string[] => {
  const expected = DIMENSION_TARGETS[name];
  if (expected === undefined) return name === 'Stage' ? [] : [`no rule for dimension ${name}`];
  const target = targetOf(value);
  if (target.kind === 'stateMachineName' && expected.type === 'AWS::StepFunctions::StateMachine') {
    const names = Object.values(template.Resources).filter((r) => r.Type === expected.type).map((r) => r.Properties.StateMachineName);
    return names.includes(target.name) ? [] : [`${name}: no state machine named ${target.name}`];
  }
  if (target.kind !== 'ref' && target.kind !== 'getAtt') return [`${name}: ${JSON.stringify(value)} points at no resource`];
  const resource = template.Resources[target.id];
  if (resource?.Type !== expected.type) return [`${name}: ${target.id} is not a ${expected.type}`];
  const attribute = target.kind === 'getAtt' ? target.attribute : undefined;
  return attribute === expected.attribute ? [] : [`${name}: expected ${expected.attribute ?? 'a Ref'} of ${target.id}, got ${attribute ?? 'a Ref'}`];
};

/**
 * Why a metric is not one the function or AWS emits with these dimensions (empty when it is). The
 * function's own metrics must use its namespace, `service` = its service name, and an `Outcome`
 * it writes; AWS metrics must be documented for their namespace and point at this stack's resources.
 */
const metricProblems = (template: Template, fn: FunctionMetrics, ref: MetricRef): string[] => {
  const label = `${ref.namespace} ${ref.metricName} ${JSON.stringify(ref.dimensions)}`;
  const names = Object.keys(ref.dimensions);
  if (ref.namespace === fn.namespace) {
    const sets = fn.emitted.get(ref.metricName);
    if (sets === undefined) return [`${label}: the function emits no ${ref.metricName}`];
    if (!sets.some((set) => sameSet(set, names))) return [`${label}: ${ref.metricName} is emitted by ${JSON.stringify(sets)}, not ${JSON.stringify(names)}`];
    return names.flatMap((name) => {
      const target = targetOf(ref.dimensions[name]);
      const value = target.kind === 'literal' ? target.value : undefined;
      if (name === 'service') return value === fn.serviceName ? [] : [`${label}: service must be ${fn.serviceName}`];
      if (name === 'Outcome') return value !== undefined && fn.outcomes.includes(value) ? [] : [`${label}: no such Outcome`];
      return [`${label}: unexpected dimension ${name}`];
    });
  }
  const known = AWS_METRICS[ref.namespace];
  if (known === undefined) return [`${label}: unknown namespace`];
  if (!known.metrics.includes(ref.metricName)) return [`${label}: ${ref.namespace} has no ${ref.metricName}`];
  if (!known.dimensionSets.some((set) => sameSet(set, names))) return [`${label}: not a dimension set of ${ref.namespace}`];
  return names.flatMap((name) => awsDimensionProblems(template, name, ref.dimensions[name]).map((problem) => `${label}: ${problem}`));
};

export { metricProblems, targetOf, AWS_METRICS };
export type { MetricRef, FunctionMetrics, Target };
