import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES, OUTCOMES } from '../../lib/telemetry.js';
import { ifAssigned } from '../helpers/hooks.js';
import { dashboardOf, drawDashboard, GRID_WIDTH, metricRowsOf } from './support/dashboard.js';
import type { DashboardBody, MetricRow, Widget } from './support/dashboard.js';
import { directivesOf, fieldsOf, writeInvocationLines } from './support/invocation-line.js';
import { parseQuery, unknownFields } from './support/logs-insights.js';
import { metricProblems } from './support/metrics.js';
import type { FunctionMetrics, MetricRef } from './support/metrics.js';
import { packageService, ROOT, TEST_STAGE_PARAMS } from './support/package-service.js';
import type { PackagedService, Resource } from './support/package-service.js';
import { onlyResourceOfType, resourcesOfType, roleStatements, stringsIn } from './support/template.js';
import type { Statement } from './support/template.js';

type Dimension = { Name: string; Value: unknown };
type MetricStat = { Metric: { Namespace: string; MetricName: string; Dimensions?: Dimension[] }; Stat: string; Period: number };
type Alarm = {
  AlarmName: string;
  AlarmDescription: string;
  Namespace?: string;
  MetricName?: string;
  Dimensions?: Dimension[];
  Statistic?: string;
  Period?: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  Metrics?: { Id: string; Expression?: string; MetricStat?: MetricStat; ReturnData?: boolean }[];
};

const PSEUDO_PARAMETERS = new Set(['AWS::Region', 'AWS::Partition', 'AWS::AccountId', 'AWS::StackName', 'AWS::URLSuffix']);
const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const DOCS_URL = new URL('../../docs/operations.md', import.meta.url);
const STAGE_PREFIX = 'cancel-bill-dev-';

const dimensionsOf = (dimensions: Dimension[] | undefined): Record<string, unknown> =>
  Object.fromEntries((dimensions ?? []).map(({ Name, Value }) => [Name, Value]));

/** Every metric an alarm reads: its single metric, or each MetricStat of its math. */
const alarmMetrics = (alarm: Alarm): MetricRef[] =>
  alarm.Metrics === undefined
    ? [{ namespace: alarm.Namespace ?? '', metricName: alarm.MetricName ?? '', dimensions: dimensionsOf(alarm.Dimensions) }]
    : alarm.Metrics.flatMap(({ MetricStat: stat }) =>
        stat === undefined ? [] : [{ namespace: stat.Metric.Namespace, metricName: stat.Metric.MetricName, dimensions: dimensionsOf(stat.Metric.Dimensions) }],
      );

/** The fenced blocks of a markdown text whose info string starts with `logs-insights`. */
const queryBlocksOf = (markdown: string): { logGroup: string; query: string }[] =>
  [...markdown.matchAll(/^```logs-insights( [a-z-]+)?\n([\s\S]*?)^```$/gm)].map(([, tag, query]) => ({
    logGroup: tag?.trim() ?? 'function',
    query: query ?? '',
  }));

/** The text of the runbook entry under `### <heading>`, up to the next heading. */
const entryOf = (markdown: string, heading: string): string | undefined =>
  new RegExp(`^### ${heading}\\n([\\s\\S]*?)(?=^##)`, 'm').exec(markdown)?.[1];

describe('serverless.yml, operations', () => {
  let packaged: PackagedService;
  let body: DashboardBody;
  let metricWidgets: Widget[];
  let alarms: Alarm[];
  let fn: FunctionMetrics;
  let lineFields: Set<string>;
  let docs: string;

  /** Metric widgets whose rows include `metricName` of the function, by `service` alone. */
  const widgetsByService = (metricName: string): { widget: Widget; rows: MetricRow[] }[] =>
    metricWidgets
      .map((widget) => ({ widget, rows: metricRowsOf(widget).filter((row) => row.namespace === fn.namespace && row.metricName === metricName) }))
      .filter(({ rows }) => rows.length > 0 && rows.every((row) => Object.keys(row.dimensions).join() === 'service'));

  beforeAll(async () => {
    packaged = await packageService(TEST_STAGE_PARAMS);
    body = dashboardOf(packaged.template).body;
    metricWidgets = body.widgets.filter((widget) => widget.type === 'metric');
    alarms = Object.values(resourcesOfType(packaged.template, 'AWS::CloudWatch::Alarm')).map((r) => r.Properties as Alarm);
    // The cancel function's metrics (the batch function emits none of its own).
    const lambda = packaged.template.Resources.CancelBillLambdaFunction as Resource;
    const env = (lambda.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const namespace = env.POWERTOOLS_METRICS_NAMESPACE ?? '';
    const serviceName = env.POWERTOOLS_SERVICE_NAME ?? '';
    const lines = await writeInvocationLines({ namespace, serviceName });
    lineFields = fieldsOf(lines);
    const emitted = new Map<string, string[][]>();
    for (const directive of directivesOf(lines)) {
      for (const { Name } of directive.Metrics) emitted.set(Name, [...(emitted.get(Name) ?? []), ...directive.Dimensions]);
    }
    // Metrics counted from the line by the stack's metric filters (no dimensions).
    for (const filter of Object.values(resourcesOfType(packaged.template, 'AWS::Logs::MetricFilter'))) {
      for (const t of filter.Properties.MetricTransformations as { MetricNamespace: string; MetricName: string }[]) {
        if (t.MetricNamespace === namespace) emitted.set(t.MetricName, [[]]);
      }
    }
    fn = { namespace, serviceName, outcomes: OUTCOMES, emitted };
    docs = await readFile(DOCS_URL, 'utf8');
  });
  afterAll(() => ifAssigned(packaged)?.cleanup());

  describe('the checks themselves', () => {
    it('derive the function metrics from its real invocation lines', () => {
      // Assess
      expect([...fn.emitted.keys()].sort()).toEqual([...Object.values(METRIC_NAMES), 'HumanActionRequired'].sort());
      expect(fn.emitted.get(METRIC_NAMES.LATENCY)).toContainEqual(['service']);
      expect(fn.emitted.get(METRIC_NAMES.INVOCATIONS)).toContainEqual(['service', 'Outcome']);
      expect(lineFields).toEqual(expect.objectContaining({ size: expect.any(Number) as number }));
      expect([...lineFields]).toEqual(expect.arrayContaining(['message', 'out_order_no', 'error_code', 'credentials_refused', 'cert_warning', 'xray_trace_id']));
    });

    it.each<{ name: string; ref: MetricRef; problem: RegExp }>([
      { name: 'a metric the function does not emit', ref: { namespace: 'CancelBill/dev', metricName: 'Retries', dimensions: { service: 'cancel-bill' } }, problem: /emits no Retries/ },
      { name: 'latency by outcome without service', ref: { namespace: 'CancelBill/dev', metricName: 'Latency', dimensions: { Outcome: 'Success' } }, problem: /is emitted by/ },
      { name: 'an outcome the function never writes', ref: { namespace: 'CancelBill/dev', metricName: 'Invocations', dimensions: { service: 'cancel-bill', Outcome: 'Timeout' } }, problem: /no such Outcome/ },
      { name: 'another service', ref: { namespace: 'CancelBill/dev', metricName: 'Latency', dimensions: { service: 'cancel-bills' } }, problem: /service must be/ },
      { name: 'the REST API name of 5xx', ref: { namespace: 'AWS/ApiGateway', metricName: '5XXError', dimensions: { ApiId: '${HttpApi}' } }, problem: /has no 5XXError/ },
      { name: 'a queue that is not in the stack', ref: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'other-queue' } }, problem: /points at no resource/ },
      { name: 'a queue URL instead of its name', ref: { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: { Ref: 'FailedInvocationsQueue' } } }, problem: /expected QueueName/ },
      { name: 'a state machine of another name', ref: { namespace: 'AWS/States', metricName: 'ExecutionsFailed', dimensions: { StateMachineArn: 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:other' } }, problem: /no state machine named other/ },
    ])('report $name', ({ ref, problem }) => {
      // Act
      const problems = metricProblems(packaged.template, fn, ref);

      // Assess
      expect(problems).toEqual([expect.stringMatching(problem)]);
    });

    it.each([
      { name: 'a field the line does not have', query: 'filter message = "cancel-bill invocation" and order_no = "x"', error: undefined, unknown: ['order_no'] },
      { name: 'an unknown command', query: 'fields @timestamp | where outcome = "error"', error: /unknown command where/, unknown: [] },
      { name: 'an unknown function', query: 'stats median(latency_ms)', error: /unknown function median/, unknown: [] },
      { name: 'an unclosed string', query: 'filter outcome = "error', error: /unclosed "/, unknown: [] },
      { name: 'an unbalanced parenthesis', query: 'stats count(* by error_code', error: /unbalanced/, unknown: [] },
      { name: 'an empty stage', query: 'fields @timestamp || sort @timestamp', error: /empty stage/, unknown: [] },
    ])('reject a query with $name', ({ query, error, unknown }) => {
      // Act
      const read = () => unknownFields(query, lineFields);

      // Assess
      if (error === undefined) expect(read()).toEqual(unknown);
      else expect(read).toThrow(error);
    });
  });

  describe('dashboard', () => {
    it('is one dashboard named after the stack, with a JSON body of widgets', () => {
      // Act
      const { name, text } = dashboardOf(packaged.template);

      // Assess
      expect(name).toEqual({ Ref: 'AWS::StackName' });
      expect((): unknown => JSON.parse(text)).not.toThrow();
      expect(body.widgets.length).toBeGreaterThanOrEqual(10);
    });

    it('places every widget inside the 24-column grid, none overlapping another', () => {
      // Act
      const cells = body.widgets.flatMap((w, i) =>
        Array.from({ length: w.width * w.height }, (_, k) => ({ i, cell: `${w.x + (k % w.width)},${w.y + Math.floor(k / w.width)}` })),
      );

      // Assess
      expect(body.widgets.filter((w) => w.x < 0 || w.y < 0 || w.width < 1 || w.height < 1 || w.x + w.width > GRID_WIDTH)).toEqual([]);
      expect(new Set(cells.map((c) => c.cell)).size).toBe(cells.length);
    });

    it('names only resources of this stack and pseudo parameters in its placeholders', () => {
      // Act
      const { text } = dashboardOf(packaged.template);
      const unknown = [...text.matchAll(/\$\{([^}]*)\}/g)]
        .map(([, name]) => name ?? '')
        .filter((name) => !PSEUDO_PARAMETERS.has(name) && packaged.template.Resources[name.split('.')[0] ?? ''] === undefined);

      // Assess
      expect(unknown).toEqual([]);
    });

    it('names only metrics the function or AWS emits, with the namespace and dimensions the function uses', () => {
      // Act
      const rows = metricWidgets.flatMap(metricRowsOf);
      const problems = rows.flatMap((row) => metricProblems(packaged.template, fn, row));

      // Assess
      expect(rows.length).toBeGreaterThan(20);
      expect(problems).toEqual([]);
      expect(metricWidgets.filter((w) => w.properties.region !== '${AWS::Region}').map((w) => w.properties.title)).toEqual([]);
    });

    it('stacks invocations by each outcome the function writes: success and every error name', () => {
      // Act
      const stacked = metricWidgets.filter((w) => w.properties.stacked === true);
      const rows = stacked.flatMap(metricRowsOf).filter((row) => row.metricName === METRIC_NAMES.INVOCATIONS);

      // Assess
      expect(stacked).toHaveLength(1);
      expect(rows.map((row) => row.dimensions.Outcome)).toEqual([...OUTCOMES]);
      expect(stacked[0]?.properties.stat).toBe('Sum');
    });

    it('shows latency p50, p90 and p99 over all outcomes', () => {
      // Act
      const [latency] = widgetsByService(METRIC_NAMES.LATENCY);

      // Assess
      expect(latency?.rows.map((row) => row.options.stat)).toEqual(['p50', 'p90', 'p99']);
    });

    it.each([
      { metric: METRIC_NAMES.ATTEMPTS, stats: ['Average', 'Maximum'] },
      { metric: METRIC_NAMES.BACKUP_HOST_CALLS, stats: ['Sum'] },
      { metric: METRIC_NAMES.CERT_DAYS_TO_EXPIRY, stats: ['Minimum'] },
    ])('shows $metric ($stats) over all outcomes', ({ metric, stats }) => {
      // Act
      const [found] = widgetsByService(metric);

      // Assess
      expect(found?.rows.map((row) => row.options.stat ?? found.widget.properties.stat)).toEqual(stats);
    });

    it('shows the depth of both queues', () => {
      // Act
      const queues = metricWidgets
        .flatMap(metricRowsOf)
        .filter((row) => row.metricName === 'ApproximateNumberOfMessagesVisible')
        .map((row) => row.dimensions.QueueName);

      // Assess
      expect(queues.sort()).toEqual(Object.keys(resourcesOfType(packaged.template, 'AWS::SQS::Queue')).map((id) => `\${${id}.QueueName}`).sort());
    });

    it('shows started, succeeded, failed and timed-out executions of every state machine', () => {
      // Prepare
      const machines = Object.values(resourcesOfType(packaged.template, 'AWS::StepFunctions::StateMachine')).map((r) => String(r.Properties.StateMachineName));
      const rows = metricWidgets.flatMap(metricRowsOf).filter((row) => row.namespace === 'AWS/States');

      // Act
      const shown = machines.map((name) => ({
        name,
        metrics: rows.filter((row) => String(row.dimensions.StateMachineArn).endsWith(`:stateMachine:${name}`)).map((row) => row.metricName),
      }));

      // Assess
      expect(machines.length).toBeGreaterThanOrEqual(1);
      expect(shown).toEqual(machines.map((name) => ({ name, metrics: ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut'] })));
    });

    it("shows the HTTP API's requests, 4xx, 5xx and latency", () => {
      // Act
      const api = metricWidgets.flatMap(metricRowsOf).filter((row) => row.namespace === 'AWS/ApiGateway');

      // Assess
      expect(api.map((row) => row.metricName)).toEqual(expect.arrayContaining(['Count', '4xx', '5xx', 'Latency']));
      expect(new Set(api.map((row) => row.dimensions.ApiId))).toEqual(new Set(['${HttpApi}']));
    });

    it('lists every alarm of the stack in its alarm widget', () => {
      // Act
      const listed = body.widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms as string[]);

      // Assess
      expect(listed.sort()).toEqual(Object.keys(resourcesOfType(packaged.template, 'AWS::CloudWatch::Alarm')).map((id) => `\${${id}.Arn}`).sort());
    });

    it('is drawn in docs/operations.md as it is deployed', () => {
      // Act
      const picture = /<!-- dashboard-layout:start -->\n```\n([\s\S]*?)\n```\n<!-- dashboard-layout:end -->/.exec(docs)?.[1];

      // Assess
      expect(picture).toBe(drawDashboard(body));
    });
  });

  describe('alarms', () => {
    it('read only metrics the function, its metric filters or AWS emit', () => {
      // Act
      const problems = alarms.flatMap((alarm) => alarmMetrics(alarm).flatMap((ref) => metricProblems(packaged.template, fn, ref)));

      // Assess
      expect(alarms.flatMap(alarmMetrics).length).toBeGreaterThanOrEqual(alarms.length);
      expect(problems).toEqual([]);
    });

    it('each say what they mean and point to a runbook entry that says what it means, how to confirm it and what to do', () => {
      // Act
      const entries = alarms.map((alarm) => {
        const heading = alarm.AlarmName.replace(STAGE_PREFIX, '');
        const entry = entryOf(docs, heading) ?? '';
        return {
          alarm: alarm.AlarmName,
          points: alarm.AlarmDescription.endsWith(`Runbook: docs/operations.md#${heading}`),
          explains: alarm.AlarmDescription.length > `Runbook: docs/operations.md#${heading}`.length + 40,
          sections: ['**What it means.**', '**Confirm.**', '**What to do.**'].filter((label) => entry.includes(label)).length,
        };
      });

      // Assess
      expect(alarms.every((alarm) => alarm.AlarmName.startsWith(STAGE_PREFIX))).toBe(true);
      expect(entries).toEqual(alarms.map((alarm) => ({ alarm: alarm.AlarmName, points: true, explains: true, sections: 3 })));
    });

    it.each([
      { days: 30, period: 3600 },
      { days: 7, period: 300 },
    ])('fire when the minimum days to certificate expiry falls below $days, over all outcomes', ({ days, period }) => {
      // Act
      const alarm = alarms.find((a) => a.MetricName === METRIC_NAMES.CERT_DAYS_TO_EXPIRY && a.Threshold === days);

      // Assess
      expect(alarm).toMatchObject({
        Namespace: fn.namespace,
        Dimensions: [{ Name: 'service', Value: fn.serviceName }],
        Statistic: 'Minimum',
        ComparisonOperator: 'LessThanThreshold',
        Period: period,
      });
    });

    it('fire on backup-host calls in each of three consecutive 5-minute periods', () => {
      // Act
      const alarm = alarms.find((a) => a.MetricName === METRIC_NAMES.BACKUP_HOST_CALLS);

      // Assess
      expect(alarm).toMatchObject({
        Namespace: fn.namespace,
        Dimensions: [{ Name: 'service', Value: fn.serviceName }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    it("fire on the HTTP API's 5xx responses as a share of its requests", () => {
      // Act
      const alarm = alarms.find((a) => a.Metrics?.some((m) => m.MetricStat?.Metric.MetricName === '5xx'));
      const ids = Object.fromEntries((alarm?.Metrics ?? []).map((m) => [m.MetricStat?.Metric.MetricName ?? 'expression', m]));
      const expression = alarm?.Metrics?.find((m) => m.ReturnData === true);

      // Assess
      expect(Object.keys(ids).sort()).toEqual(['5xx', 'Count', 'expression']);
      expect(expression?.Expression).toBe(`IF(${ids.Count?.Id} >= 10, 100 * ${ids['5xx']?.Id} / ${ids.Count?.Id}, 0)`);
      expect(alarm).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 2 });
    });

    it('count a key or certificate refused after the fresh fetch as human action required, on fields the line has', () => {
      // Act
      const [, filter] = onlyResourceOfType(packaged.template, 'AWS::Logs::MetricFilter');
      const pattern = String(filter.Properties.FilterPattern);
      const fields = [...pattern.matchAll(/\$\.([A-Za-z_]+)/g)].map(([, field]) => field ?? '');

      // Assess
      expect(pattern).toContain('($.credentials_refused IS TRUE)');
      expect(fields.filter((field) => !lineFields.has(field))).toEqual([]);
    });

    it('fire on failed and on timed-out executions of every state machine', () => {
      // Prepare
      const machines = Object.values(resourcesOfType(packaged.template, 'AWS::StepFunctions::StateMachine')).map((r) => String(r.Properties.StateMachineName));

      // Act
      const watched = machines.flatMap((name) =>
        alarms
          .filter((a) => a.Namespace === 'AWS/States' && JSON.stringify(a.Dimensions).endsWith(`:stateMachine:${name}"}}]`))
          .map((a) => `${name} ${a.MetricName}`),
      );

      // Assess
      expect(watched.sort()).toEqual(machines.flatMap((name) => [`${name} ExecutionsFailed`, `${name} ExecutionsTimedOut`]).sort());
    });
  });

  describe('saved queries', () => {
    let definitions: Resource['Properties'][];

    beforeAll(() => {
      definitions = Object.values(resourcesOfType(packaged.template, 'AWS::Logs::QueryDefinition')).map((r) => r.Properties);
    });

    it("saves the runbook's four questions on the function's log group", () => {
      // Prepare
      // The cancel function's metrics (the batch function emits none of its own).
    const lambda = packaged.template.Resources.CancelBillLambdaFunction as Resource;
      const logGroup = packaged.template.Resources.CancelBillLogGroup;

      // Assess
      expect(definitions.map((d) => d.Name).sort()).toEqual(
        ['backup-host-invocations', 'failures-by-error-code', 'one-order-history', 'slowest-invocations'].map((name) => `cancel-bill-dev/${name}`),
      );
      expect(definitions.every((d) => JSON.stringify(d.LogGroupNames) === '[{"Ref":"CancelBillLogGroup"}]')).toBe(true);
      expect(logGroup?.Properties.LogGroupName).toBe(`/aws/lambda/${String(lambda.Properties.FunctionName)}`);
    });

    it('parse, and read only fields the invocation line has', () => {
      // Act
      const read = definitions.map((d) => ({ name: d.Name, commands: parseQuery(String(d.QueryString)).commands, unknown: unknownFields(String(d.QueryString), lineFields) }));

      // Assess
      expect(read.map(({ name, unknown }) => ({ name, unknown }))).toEqual(definitions.map((d) => ({ name: d.Name, unknown: [] })));
      expect(read.every(({ commands }) => commands.includes('filter'))).toBe(true);
    });

    it('are quoted in the runbook as saved', () => {
      // Act
      const quoted = new Set(queryBlocksOf(docs).map(({ query }) => query));

      // Assess
      expect(definitions.filter((d) => !quoted.has(String(d.QueryString))).map((d) => d.Name)).toEqual([]);
    });
  });

  describe('runbook queries', () => {
    it("parse, and read only fields of their log group: the invocation line, or the HTTP API's access log", () => {
      // Prepare
      const stage = onlyResourceOfType(packaged.template, 'AWS::ApiGatewayV2::Stage')[1];
      const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
      const available: Record<string, Set<string>> = { 'function': lineFields, 'http-api-access-log': new Set(Object.keys(JSON.parse(format) as object)) };

      // Act
      const blocks = queryBlocksOf(docs);
      const unknown = blocks.map(({ logGroup, query }) => ({ query: query.split('\n')[0], unknown: unknownFields(query, available[logGroup] ?? new Set()) }));

      // Assess
      expect(blocks.length).toBeGreaterThanOrEqual(12);
      expect(unknown.filter((u) => u.unknown.length > 0)).toEqual([]);
    });
  });

  describe('tracing', () => {
    it('traces the function and every state machine actively', () => {
      // Act
      const functions = Object.values(resourcesOfType(packaged.template, 'AWS::Lambda::Function'));
      const machines = Object.values(resourcesOfType(packaged.template, 'AWS::StepFunctions::StateMachine'));

      // Assess
      expect(functions.map((f) => f.Properties.TracingConfig)).toEqual(functions.map(() => ({ Mode: 'Active' })));
      expect(machines.map((m) => m.Properties.TracingConfiguration)).toEqual(machines.map(() => ({ Enabled: true })));
    });

    it('lets every role write traces: exactly the two X-Ray write actions on *, and nothing else on *', () => {
      // Prepare
      const roles = resourcesOfType(packaged.template, 'AWS::IAM::Role');
      const runners = [
        ...Object.values(resourcesOfType(packaged.template, 'AWS::Lambda::Function')).map((r) => r.Properties.Role),
        ...Object.values(resourcesOfType(packaged.template, 'AWS::StepFunctions::StateMachine')).map((r) => r.Properties.RoleArn),
      ];

      // Act: a trailing wildcard after a named prefix (the batch roles' `…/results/*`, a function's
      // `…:*` versions) scopes a resource; `*` alone, or a wildcard before the end, reaches anything.
      const anyResource = (text: string): boolean => text === '*' || text.slice(0, -2).includes('*') || (text.includes('*') && !/[/:]\*$/.test(text));
      const wildcards = Object.entries(roles).map(([id, role]) => ({
        id,
        onStar: roleStatements(packaged.template, role).filter((s: Statement) => stringsIn(s.Resource).some(anyResource)),
      }));

      // Assess
      expect(runners.map((arn) => (arn as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0]).sort()).toEqual(Object.keys(roles).sort());
      expect(wildcards).toEqual(
        Object.keys(roles).map((id) => ({ id, onStar: [expect.objectContaining({ Effect: 'Allow', Action: XRAY_WRITE_ACTIONS, Resource: '*' })] })),
      );
      expect(wildcards.flatMap((w) => w.onStar).every((s) => s.Condition === undefined)).toBe(true);
    });

    it('adds no tracing SDK to the bundle', async () => {
      // Act
      const manifest = JSON.parse(await readFile(new URL('package.json', `file://${ROOT}/`), 'utf8')) as { dependencies: Record<string, string> };

      // Assess
      expect(Object.keys(manifest.dependencies).filter((name) => /xray|tracer|opentelemetry/i.test(name))).toEqual([]);
    });
  });
});
