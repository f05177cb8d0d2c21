import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageService, TEST_STAGE_PARAMS } from './support/package-service.js';
import type { PackagedService, Resource } from './support/package-service.js';
import { BATCH_STATE_MACHINE_ID } from './support/asl.js';
import { getAtt, resourcesOfType, roleStatements, stringsIn } from './support/template.js';
import type { Statement } from './support/template.js';
import { readZipEntries } from './support/zip-entries.js';
import { ifAssigned } from '../helpers/hooks.js';

/** The batch function's and the batch state machine's roles (batch-template.test.ts). */
const BATCH_ROLES = ['CancelBillBatchRole', 'CancelBillBatchStateMachineRole'];

/** CONTRACT.md "Configuration", then the standard variables the deployment sets. */
const CONTRACT_VARIABLES = [
  'WECHATPAY_SECRET_ID',
  'WECHATPAY_APPID',
  'WECHATPAY_SERVICE_ID',
  'WECHATPAY_BASE_URL',
  'WECHATPAY_BACKUP_BASE_URL',
  'WECHATPAY_TIMEOUT_MS',
  'WECHATPAY_MAX_ATTEMPTS',
  'WECHATPAY_SECRET_TTL_SECONDS',
];
const STANDARD_VARIABLES = ['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'];
const HTTP_API_TIMEOUT_SECONDS = 30;
const FUNCTION_ARN = getAtt('CancelBillLambdaFunction', 'Arn');
/** The only actions allowed on `*`: X-Ray supports no resource-level permissions for them. */
const XRAY_WRITE_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

describe('serverless.yml', () => {
  let packaged: PackagedService;
  let fn: Resource;
  let env: Record<string, string>;
  let roles: Record<string, Resource>;

  beforeAll(async () => {
    packaged = await packageService(TEST_STAGE_PARAMS);
    fn = packaged.template.Resources.CancelBillLambdaFunction as Resource;
    env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    roles = resourcesOfType(packaged.template, 'AWS::IAM::Role');
  });
  afterAll(() => ifAssigned(packaged)?.cleanup());

  describe('function', () => {
    it('runs the bundle on nodejs24.x on arm64', () => {
      // Assess
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'dist/cancel-bill/index.handler',
      });
    });

    it('sets exactly the CONTRACT.md variables and the standard ones', () => {
      // Assess
      expect(Object.keys(env).sort()).toEqual([...CONTRACT_VARIABLES, ...STANDARD_VARIABLES].sort());
      expect(env.WECHATPAY_SECRET_ID).toBe(TEST_STAGE_PARAMS.secretArn);
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toMatch(/^CancelBill\/.+/);
    });

    it('lets every attempt finish and still ends before the HTTP API gives up', () => {
      // Prepare
      const attemptsMs = Number(env.WECHATPAY_MAX_ATTEMPTS) * Number(env.WECHATPAY_TIMEOUT_MS);
      const timeoutSeconds = Number(fn.Properties.Timeout);

      // Assess
      expect(attemptsMs).toBeGreaterThan(0);
      expect(timeoutSeconds * 1000).toBeGreaterThan(attemptsMs);
      expect(timeoutSeconds).toBeLessThan(HTTP_API_TIMEOUT_SECONDS);
    });

    it('writes to its own log group, kept for a bounded time', () => {
      // Act
      const logGroup = packaged.template.Resources.CancelBillLogGroup;

      // Assess
      expect(logGroup?.Properties.LogGroupName).toBe(`/aws/lambda/${String(fn.Properties.FunctionName)}`);
      expect(logGroup?.Properties.RetentionInDays).toBeGreaterThan(0);
    });

    it('deploys a zip holding only the bundle the handler names and its source map', async () => {
      // Act
      const entries = await readZipEntries(packaged.zipPath);

      // Assess
      expect(entries.map((entry) => entry.name).sort()).toEqual([
        'dist/cancel-bill/index.mjs',
        'dist/cancel-bill/index.mjs.map',
      ]);
      expect(String(fn.Properties.Handler).replace(/\.handler$/, '.mjs')).toBe('dist/cancel-bill/index.mjs');
    });
  });

  describe('iam', () => {
    it('runs the function and the state machine under their own roles', () => {
      // Act
      const [[, machine] = []] = Object.entries(resourcesOfType(packaged.template, 'AWS::StepFunctions::StateMachine')).filter(([id]) => id !== BATCH_STATE_MACHINE_ID);

      // Assess
      expect(fn.Properties.Role).toEqual(getAtt('CancelBillRole', 'Arn'));
      expect(machine?.Properties.RoleArn).toEqual(getAtt('CancelRentalOrderRole', 'Arn'));
      expect(Object.keys(roles).sort()).toEqual(['CancelBillRole', 'CancelRentalOrderRole', ...BATCH_ROLES].sort());
    });

    it('grants the function its log group, the one secret, the failure queue, the secret key and trace writing', () => {
      // Act
      const statements = roleStatements(packaged.template, roles.CancelBillRole as Resource);

      // Assess
      expect(statements.map(({ Effect, Action, Resource }) => ({ Effect, Action, Resource }))).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getAtt('CancelBillLogGroup', 'Arn'),
        },
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: TEST_STAGE_PARAMS.secretArn },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt('FailedInvocationsQueue', 'Arn') },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: TEST_STAGE_PARAMS.secretKmsKeyArn },
        { Effect: 'Allow', Action: XRAY_WRITE_ACTIONS, Resource: '*' },
      ]);
    });

    it('lets the key decrypt only through Secrets Manager, and only when a key is configured', () => {
      // Act
      const statements = roleStatements(packaged.template, roles.CancelBillRole as Resource);
      const kms = statements.find((statement) => statement.Action === 'kms:Decrypt');

      // Assess
      expect(kms?.Condition).toEqual({
        StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } },
      });
      expect(packaged.template.Conditions?.HasSecretKmsKey).toEqual({
        'Fn::Not': [{ 'Fn::Equals': [TEST_STAGE_PARAMS.secretKmsKeyArn, ''] }],
      });
    });

    it.each([{ role: 'CancelBillRole' }, { role: 'CancelRentalOrderRole' }])(
      'has no wildcard in $role but the two X-Ray write actions on *, which support no resource-level permissions',
      ({ role }) => {
        // Act
        const statements = roleStatements(packaged.template, roles[role] as Resource);
        const onStar = statements.filter((statement) => stringsIn(statement.Resource).some((text) => text.includes('*')));
        const elsewhere = stringsIn(statements.filter((statement) => !onStar.includes(statement))).filter((text) => text.includes('*'));

        // Assess
        expect(onStar.map(({ Effect, Action, Resource, Condition }) => ({ Effect, Action, Resource, Condition }))).toEqual([
          { Effect: 'Allow', Action: XRAY_WRITE_ACTIONS, Resource: '*', Condition: undefined },
        ]);
        expect(elsewhere).toEqual([]);
        expect(stringsIn(roles[role]?.Properties.AssumeRolePolicyDocument).filter((text) => text.includes('*'))).toEqual([]);
      },
    );

    it('lets the state machine invoke the function, write traces, and nothing else', () => {
      // Act
      const statements = roleStatements(packaged.template, roles.CancelRentalOrderRole as Resource);

      // Assess
      expect(statements.map(({ Effect, Action, Resource }) => ({ Effect, Action, Resource }))).toEqual([
        { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FUNCTION_ARN },
        { Effect: 'Allow', Action: XRAY_WRITE_ACTIONS, Resource: '*' },
      ]);
    });

    it('lets only Step Functions of this account assume the state machine role', () => {
      // Act
      const trust = roles.CancelRentalOrderRole?.Properties.AssumeRolePolicyDocument as { Statement: Statement[] };

      // Assess
      expect(trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
    });
  });
});
