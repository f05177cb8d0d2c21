// The batch cancellation part of the packaged stack (docs/batch.md): the Distributed Map, the
// shared item processor, the batch function, the bucket, both hand-written roles and the alarm.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTCOMES } from '../../lib/batch/outcomes.js';
import { ifAssigned } from '../helpers/hooks.js';
import { checkTemplate, loadCfnSpec } from './support/cfn-spec.js';
import type { CfnTemplate } from './support/cfn-spec.js';
import { BATCH_STATE_MACHINE_ID, collectErrorEquals, isAllowedErrorName, stateMachineFromTemplate, validateAsl } from './support/asl.js';
import type { AslDefinition } from './support/asl.js';
import { packageService, TEST_STAGE_PARAMS } from './support/package-service.js';
import type { PackagedService, Resource, Template } from './support/package-service.js';
import { evaluateCondition, getAtt, resourcesOfType, roleStatements } from './support/template.js';
import type { Statement } from './support/template.js';
import { readZipEntries } from './support/zip-entries.js';

const BATCH_ASL_URL = new URL('../../infra/batch-state-machine.asl.yml', import.meta.url);
const EXISTING_BUCKET = 'ops-existing-batch-bucket';
const MACHINE_NAME = 'cancel-bill-dev-cancel-rental-orders-batch';
/** X-Ray's two write actions support no resource-level permissions: the only actions allowed on `*`. */
const ANY_RESOURCE_ALLOWED = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

type MapState = {
  Type: string;
  Label?: string;
  MaxConcurrency?: number;
  ToleratedFailureCount?: number;
  ItemReader?: { Resource: string; ReaderConfig?: Record<string, unknown>; Parameters?: Record<string, unknown> };
  ResultWriter?: { Resource: string; Parameters?: Record<string, unknown> };
  ItemProcessor: { ProcessorConfig: Record<string, unknown>; StartAt: string; States: Record<string, Record<string, unknown>> };
  ResultPath?: string;
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Next?: string;
};

/** Resolves every Fn::If of a value with the template's conditions. */
const resolveIfs = (template: Template, node: unknown): unknown => {
  if (Array.isArray(node)) return node.map((child) => resolveIfs(template, child));
  if (node === null || typeof node !== 'object') return node;
  const choice = (node as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
  if (choice !== undefined) return resolveIfs(template, evaluateCondition(template, choice[0]) ? choice[1] : choice[2]);
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolveIfs(template, value)]));
};

/** A bucket ARN pattern as the roles write it: Fn::Sub of the partition and the bucket. */
const objectsArn = (prefix: string, bucket: unknown) => ({ 'Fn::Sub': [`arn:\${AWS::Partition}:s3:::\${Bucket}/${prefix}/*`, { Bucket: bucket }] });
const statesArn = (resource: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:${resource}` });

describe('serverless.yml: batch cancellation', () => {
  let packaged: PackagedService;
  let existing: PackagedService;
  let batch: AslDefinition;
  let single: AslDefinition;
  let map: MapState;

  beforeAll(async () => {
    [packaged, existing] = await Promise.all([
      packageService(TEST_STAGE_PARAMS),
      packageService({ ...TEST_STAGE_PARAMS, batchBucket: EXISTING_BUCKET, batchMaxConcurrency: '4' }),
    ]);
    batch = stateMachineFromTemplate(packaged.template, BATCH_STATE_MACHINE_ID).definition;
    single = stateMachineFromTemplate(packaged.template).definition;
    map = batch.States.CancelOrders as unknown as MapState;
  });
  afterAll(async () => {
    await ifAssigned(packaged)?.cleanup();
    await ifAssigned(existing)?.cleanup();
  });

  describe('the state machine', () => {
    it('is one per stage, named cancel-rental-orders-batch, and valid Amazon States Language', () => {
      // Act
      const machine = packaged.template.Resources[BATCH_STATE_MACHINE_ID];

      // Assess
      expect(machine?.Properties.StateMachineName).toBe(MACHINE_NAME);
      expect(validateAsl(batch)).toEqual({ isValid: true, errors: '' });
      expect(collectErrorEquals(batch).filter((name) => !isAllowedErrorName(name))).toEqual([]);
    });

    it('prepares, maps, then reports', () => {
      // Assess
      expect(batch.StartAt).toBe('Prepare');
      expect(batch.States.Prepare?.Next).toBe('CancelOrders');
      expect(map.Next).toBe('Report');
      expect(batch.States.Report?.End).toBe(true);
      expect(batch.States.Prepare?.Parameters).toMatchObject({ Payload: { 'step': 'prepare', 'key.$': '$.key', 'execution.$': '$$.Execution.Name' } });
      expect(batch.States.Report?.Parameters).toMatchObject({ Payload: { 'step': 'report', 'prepared.$': '$.prepared', 'results.$': '$.map.ResultWriterDetails' } });
    });

    it('is a Distributed Map of standard child executions, reading the prepared items and writing under results/<execution>/', () => {
      // Assess
      expect(map.Type).toBe('Map');
      expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
      expect(map.ItemReader).toEqual({
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.prepared.bucket', 'Key.$': '$.prepared.itemsKey' },
      });
      // No MaxItems: a file over the limit is refused by Prepare, never cut short.
      expect(JSON.stringify(map.ItemReader)).not.toContain('MaxItems');
      expect(map.ResultWriter).toEqual({
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { 'Bucket.$': '$.prepared.bucket', 'Prefix.$': '$.prepared.resultsPrefix' },
      });
      expect(batch.States.Prepare).toMatchObject({
        ResultPath: '$.prepared',
        ResultSelector: { 'bucket.$': '$.Payload.bucket', 'itemsKey.$': '$.Payload.itemsKey', 'resultsPrefix.$': '$.Payload.resultsPrefix', 'rows.$': '$.Payload.rows' },
      });
    });

    it('takes MaxConcurrency from the stage parameter batchMaxConcurrency, 10 by default', async () => {
      // Prepare
      const source = await readFile(BATCH_ASL_URL, 'utf8');
      const other = stateMachineFromTemplate(existing.template, BATCH_STATE_MACHINE_ID).definition.States.CancelOrders as unknown as MapState;

      // Assess
      expect(source).toContain('MaxConcurrency: ${file(infra/batch-concurrency.cjs)}');
      expect(map.MaxConcurrency).toBe(10);
      expect(other.MaxConcurrency).toBe(4);
    });

    it.each([{ value: '0' }, { value: 'ten' }, { value: '10001' }])('refuses batchMaxConcurrency=$value when packaging', async ({ value }) => {
      // Act
      const outcome = await packageService({ ...TEST_STAGE_PARAMS, batchMaxConcurrency: value }).then(
        async (result) => (await result.cleanup(), 'packaged'),
        (error: unknown) => String(error),
      );

      // Assess
      expect(outcome).toContain('batchMaxConcurrency must be an integer from 1 to 10000');
    });

    it('runs each order through the single-order Task itself: the same Retry and Catch, taken from its file, not copied', async () => {
      // Prepare
      const source = await readFile(BATCH_ASL_URL, 'utf8');

      // Assess
      expect(map.ItemProcessor.StartAt).toBe('CancelBill');
      expect(map.ItemProcessor.States.CancelBill).toEqual(single.States.CancelBill);
      expect(source).toContain('CancelBill: ${file(infra/state-machine.asl.yml):States.CancelBill}');
      expect(source).not.toMatch(/ErrorEquals: \[TransientError\]|- TransientError/);
    });

    it('ends every Catch of that Task, and its success, in the item processor', () => {
      // Act
      const task = single.States.CancelBill;
      const targets = [task?.Next, ...(task?.Catch ?? []).map((rule) => rule.Next)];

      // Assess
      expect(targets).toEqual(['Cancelled', 'OrderNotCancellable', 'CancellationFault', 'UnexpectedFailure']);
      for (const target of targets) expect(map.ItemProcessor.States[target ?? '']).toBeDefined();
    });

    it('records every outcome as a result, and fails a child only for ConfigError or SignatureError', () => {
      // Act
      const states = Object.values(map.ItemProcessor.States);
      const outcomes = states.flatMap((state) => (state.Type === 'Pass' ? [(state.Parameters as { outcome: string }).outcome] : []));
      const fails = Object.entries(map.ItemProcessor.States).filter(([, state]) => state.Type === 'Fail').map(([name]) => name);
      const toFail = (map.ItemProcessor.States.CancellationFault?.Choices as { StringEquals: string; Next: string }[])
        .filter((rule) => fails.includes(rule.Next))
        .map((rule) => rule.StringEquals);

      // Assess
      expect(new Set(outcomes)).toEqual(new Set(OUTCOMES));
      expect(fails).toEqual(['StopBatch']);
      expect(toFail).toEqual(['ConfigError', 'SignatureError']);
      expect(states.some((state) => state.Type === 'Succeed')).toBe(false);
    });

    it('stops the map run at its first failed child and fails the execution in BatchStopped', () => {
      // Assess
      expect(map.ToleratedFailureCount).toBe(0);
      expect(map.Catch).toEqual([{ ErrorEquals: ['States.ExceedToleratedFailureThreshold', 'ConfigError', 'SignatureError'], Next: 'BatchStopped' }]);
      expect(batch.States.BatchStopped).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
    });

    it('retries the Lambda service errors on Prepare and Report, and nothing else there', () => {
      // Act
      const retried = (state: string) => (batch.States[state]?.Retry ?? []).flatMap((rule) => rule.ErrorEquals);

      // Assess
      for (const state of ['Prepare', 'Report']) {
        expect(retried(state).every((name) => name.startsWith('Lambda.'))).toBe(true);
        expect(retried(state)).toContain('Lambda.ServiceException');
      }
    });

    it('runs under its hand-written role, not one the plugin generates', () => {
      // Act
      const machineRoles = Object.keys(resourcesOfType(packaged.template, 'AWS::IAM::Role')).filter((id) => id.startsWith(BATCH_STATE_MACHINE_ID));

      // Assess
      expect(packaged.template.Resources[BATCH_STATE_MACHINE_ID]?.Properties.RoleArn).toEqual(getAtt('CancelBillBatchStateMachineRole', 'Arn'));
      expect(machineRoles).toEqual([]);
    });
  });

  describe('the batch function', () => {
    let fn: Resource;

    beforeAll(() => {
      fn = packaged.template.Resources.CancelBillBatchLambdaFunction as Resource;
    });

    it('runs its own bundle, from its own zip, under its own role', async () => {
      // Act
      const artifact = (fn.Properties.Code as { S3Key: string }).S3Key.split('/').at(-1) ?? '';
      const entries = await readZipEntries(`${packaged.dir}/${artifact}`);

      // Assess
      expect(fn.Properties).toMatchObject({ Handler: 'dist/cancel-bill-batch/index.handler', Runtime: 'nodejs24.x', Timeout: 300 });
      expect(fn.Properties.Role).toEqual(getAtt('CancelBillBatchRole', 'Arn'));
      expect(entries.map((entry) => entry.name).sort()).toEqual(['dist/cancel-bill-batch/index.mjs', 'dist/cancel-bill-batch/index.mjs.map']);
    });

    it('gets the bucket, the row limit and the cancel function\'s defaults, and not its secret', () => {
      // Act
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

      // Assess
      expect(Object.keys(variables).sort()).toEqual(
        ['BATCH_BUCKET', 'BATCH_MAX_ROWS', 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME', 'WECHATPAY_APPID', 'WECHATPAY_SERVICE_ID'].sort(),
      );
      expect(variables.BATCH_MAX_ROWS).toBe('50000');
      expect(resolveIfs(packaged.template, variables.BATCH_BUCKET)).toEqual({ Ref: 'CancelBillBatchBucket' });
      const other = (existing.template.Resources.CancelBillBatchLambdaFunction?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(resolveIfs(existing.template, other.BATCH_BUCKET)).toBe(EXISTING_BUCKET);
    });
  });

  describe('the bucket', () => {
    it('is created, private and encrypted, unless an existing one is given', () => {
      // Act
      const bucket = packaged.template.Resources.CancelBillBatchBucket;

      // Assess
      expect(evaluateCondition(packaged.template, 'CreateBatchBucket')).toBe(true);
      expect(evaluateCondition(existing.template, 'CreateBatchBucket')).toBe(false);
      expect(bucket?.Condition).toBe('CreateBatchBucket');
      expect(bucket?.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket?.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
      expect((bucket as Record<string, unknown> | undefined)?.DeletionPolicy).toBe('Retain');
      expect(resolveIfs(existing.template, existing.template.Outputs?.BatchBucketName)).toEqual({ Value: EXISTING_BUCKET });
    });
  });

  describe('iam', () => {
    const statementsOf = (template: Template, roleId: string): Statement[] =>
      roleStatements(template, template.Resources[roleId] as Resource).map((statement) => resolveIfs(template, statement) as Statement);
    const shape = (statements: Statement[]) => statements.map(({ Sid, Effect, Action, Resource }) => ({ Sid, Effect, Action, Resource }));

    it.each([
      { name: 'a bucket of the stack', bucket: () => ({ Ref: 'CancelBillBatchBucket' }), template: () => packaged.template },
      { name: 'an existing bucket', bucket: () => EXISTING_BUCKET, template: () => existing.template },
    ])('lets the batch function read inputs/ and results/ and write results/ only ($name)', ({ bucket, template }) => {
      // Act
      const statements = statementsOf(template(), 'CancelBillBatchRole');

      // Assess
      expect(shape(statements)).toEqual([
        { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt('CancelBillBatchLogGroup', 'Arn') },
        { Sid: 'ReadInputsAndResults', Effect: 'Allow', Action: 's3:GetObject', Resource: [objectsArn('inputs', bucket()), objectsArn('results', bucket())] },
        { Sid: 'WriteResults', Effect: 'Allow', Action: 's3:PutObject', Resource: objectsArn('results', bucket()) },
        { Sid: 'WriteTraces', Effect: 'Allow', Action: ANY_RESOURCE_ALLOWED, Resource: '*' },
      ]);
    });

    it('lets the batch state machine invoke the two functions, run its own children, and use results/ only', () => {
      // Act
      const statements = statementsOf(packaged.template, 'CancelBillBatchStateMachineRole');
      const bucket = { Ref: 'CancelBillBatchBucket' };

      // Assess
      expect(shape(statements)).toEqual([
        {
          Sid: 'InvokeFunctions',
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: [
            getAtt('CancelBillLambdaFunction', 'Arn'),
            { 'Fn::Sub': '${CancelBillLambdaFunction.Arn}:*' },
            getAtt('CancelBillBatchLambdaFunction', 'Arn'),
            { 'Fn::Sub': '${CancelBillBatchLambdaFunction.Arn}:*' },
          ],
        },
        { Sid: 'StartMapChildren', Effect: 'Allow', Action: 'states:StartExecution', Resource: statesArn(`stateMachine:${MACHINE_NAME}`) },
        {
          Sid: 'ManageMapChildren',
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:StopExecution'],
          Resource: [statesArn(`execution:${MACHINE_NAME}/*`), statesArn(`execution:${MACHINE_NAME}:*`)],
        },
        { Sid: 'ReadPreparedItems', Effect: 'Allow', Action: 's3:GetObject', Resource: objectsArn('results', bucket) },
        {
          Sid: 'WriteMapResults',
          Effect: 'Allow',
          Action: ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
          Resource: objectsArn('results', bucket),
        },
        { Sid: 'WriteTraces', Effect: 'Allow', Action: ANY_RESOURCE_ALLOWED, Resource: '*' },
      ]);
    });

    it('lets only this account\'s batch state machine assume its role', () => {
      // Act
      const trust = (packaged.template.Resources.CancelBillBatchStateMachineRole?.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

      // Assess
      expect(trust).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': statesArn(`stateMachine:${MACHINE_NAME}`) },
          },
        },
      ]);
    });

    it('allows nothing on a `*` resource, and no wildcard action, in any role of the stack', () => {
      // Act
      const allows = Object.keys(resourcesOfType(packaged.template, 'AWS::IAM::Role'))
        .flatMap((id) => statementsOf(packaged.template, id).map((statement) => ({ id, ...statement })))
        .filter((statement) => statement.Effect === 'Allow');
      const actions = (statement: Statement): string[] => [statement.Action].flat();
      const onAnything = allows.filter((statement) => [statement.Resource].flat().includes('*') && !actions(statement).every((action) => ANY_RESOURCE_ALLOWED.includes(action)));
      const wildcardActions = allows.filter((statement) => actions(statement).some((action) => action.includes('*')));

      // Assess
      expect(allows.length).toBeGreaterThan(8);
      expect(onAnything).toEqual([]);
      expect(wildcardActions).toEqual([]);
    });
  });

  describe('operations', () => {
    it('raises an alarm on failed batch executions and on timed-out ones, to the alarm topic', () => {
      // Act
      const alarms = Object.values(resourcesOfType(packaged.template, 'AWS::CloudWatch::Alarm')).filter(
        (alarm) => JSON.stringify(alarm.Properties.Dimensions) === JSON.stringify([{ Name: 'StateMachineArn', Value: statesArn(`stateMachine:${MACHINE_NAME}`) }]),
      );

      // Assess
      expect(alarms.map((alarm) => [alarm.Properties.Namespace, alarm.Properties.MetricName, alarm.Properties.AlarmName])).toEqual([
        ['AWS/States', 'ExecutionsFailed', 'cancel-bill-dev-cancel-rental-orders-batch-executions-failed'],
        ['AWS/States', 'ExecutionsTimedOut', 'cancel-bill-dev-cancel-rental-orders-batch-executions-timed-out'],
      ]);
      for (const alarm of alarms) {
        expect(alarm.Properties).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: 'AlarmTopic' }] });
      }
    });

    it('traces the batch function and the batch state machine, as the single-order ones', () => {
      // Assess
      expect(packaged.template.Resources.CancelBillBatchLambdaFunction?.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(packaged.template.Resources[BATCH_STATE_MACHINE_ID]?.Properties.TracingConfiguration).toEqual({ Enabled: true });
    });

    it('outputs the bucket and the state machine for `npm run batch`', () => {
      // Assess
      expect(packaged.template.Outputs?.BatchStateMachineArn).toEqual({ Value: { Ref: BATCH_STATE_MACHINE_ID } });
      expect(resolveIfs(packaged.template, packaged.template.Outputs?.BatchBucketName)).toEqual({ Value: { Ref: 'CancelBillBatchBucket' } });
    });

    it('holds every batch resource to AWS\'s resource specification, with either bucket', async () => {
      // Prepare
      const spec = await loadCfnSpec();
      const batchIds = ['CancelBillBatchBucket', 'CancelBillBatchBucketPolicy', 'CancelBillBatchRole', 'CancelBillBatchStateMachineRole', 'CancelBillBatchLambdaFunction', BATCH_STATE_MACHINE_ID];

      // Act
      const problems = [packaged, existing].flatMap((p) => checkTemplate(p.template as unknown as CfnTemplate, spec));

      // Assess
      for (const id of batchIds) expect(packaged.template.Resources[id]).toBeDefined();
      expect(problems).toEqual([]);
    });
  });
});
