import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateMachineFromTemplate, validateAsl } from './support/asl.js';
import { packageService, TEST_STAGE_PARAMS } from './support/package-service.js';
import type { PackagedService, Resource } from './support/package-service.js';
import { getAtt, onlyResourceOfType, resourcesOfType } from './support/template.js';
import { ifAssigned } from '../helpers/hooks.js';

const FUNCTION_ARN = getAtt('CancelBillLambdaFunction', 'Arn');
const RULE_NAME = 'cancel-bill-dev-cancellation-requested';

type Target = { Arn: unknown; RetryPolicy?: Record<string, number>; DeadLetterConfig?: { Arn: unknown } };
type Alarm = Resource['Properties'] & { Namespace: string; MetricName: string; AlarmActions: unknown[] };

describe('serverless.yml', () => {
  let packaged: PackagedService;
  let alarms: Alarm[];

  beforeAll(async () => {
    packaged = await packageService(TEST_STAGE_PARAMS);
    alarms = Object.values(resourcesOfType(packaged.template, 'AWS::CloudWatch::Alarm')).map((r) => r.Properties as Alarm);
  });
  afterAll(() => ifAssigned(packaged)?.cleanup());

  describe('http api', () => {
    it('routes POST /rental-orders/{out_order_no}/cancel behind AWS_IAM authorization', () => {
      // Act
      const [, route] = onlyResourceOfType(packaged.template, 'AWS::ApiGatewayV2::Route');

      // Assess
      expect(route.Properties.RouteKey).toBe('POST /rental-orders/{out_order_no}/cancel');
      expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    });

    it('hands the request to the function with payload format 2.0', () => {
      // Act
      const [, integration] = onlyResourceOfType(packaged.template, 'AWS::ApiGatewayV2::Integration');

      // Assess
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain('CancelBillLambdaFunction');
    });
  });

  describe('eventbridge', () => {
    let rule: Resource;
    let target: Target;

    beforeAll(() => {
      rule = onlyResourceOfType(packaged.template, 'AWS::Events::Rule')[1];
      target = (rule.Properties.Targets as Target[])[0] as Target;
    });

    it('sends RentalOrderCancellationRequested events of the documented source to the function', () => {
      // Assess
      expect(rule.Properties).toMatchObject({ Name: RULE_NAME, State: 'ENABLED' });
      expect(rule.Properties.EventPattern).toEqual({
        'source': ['com.example.rentals'],
        'detail-type': ['RentalOrderCancellationRequested'],
      });
      expect(target.Arn).toEqual(FUNCTION_ARN);
    });

    it('retries delivery and keeps undeliverable events in a dead-letter queue', () => {
      // Assess
      expect(target.RetryPolicy?.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.RetryPolicy?.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(target.DeadLetterConfig?.Arn).toEqual(getAtt('EventDeliveryDeadLetterQueue', 'Arn'));
    });

    it('lets only the rule write to the dead-letter queue', () => {
      // Act
      const [, policy] = onlyResourceOfType(packaged.template, 'AWS::SQS::QueuePolicy');
      const document = policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] };

      // Assess
      expect(policy.Properties.Queues).toEqual([{ Ref: 'EventDeliveryDeadLetterQueue' }]);
      expect(document.Statement).toHaveLength(1);
      expect(document.Statement[0]).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: getAtt('EventDeliveryDeadLetterQueue', 'Arn'),
      });
      const sources = JSON.stringify(document.Statement[0]?.Condition);
      expect(sources).toContain(`:rule/${RULE_NAME}"`);
      expect(sources).toContain(`:rule/*/${RULE_NAME}"`);
    });

    it('sends asynchronous invocations that keep failing to the failed-invocations queue', () => {
      // Act
      const [, config] = onlyResourceOfType(packaged.template, 'AWS::Lambda::EventInvokeConfig');

      // Assess
      expect(config.Properties.DestinationConfig).toEqual({
        OnFailure: { Destination: getAtt('FailedInvocationsQueue', 'Arn') },
      });
      expect(config.Properties.MaximumRetryAttempts).toBeGreaterThan(0);
    });
  });

  describe('alarms', () => {
    it('alarms on function errors', () => {
      // Assess
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'CancelBillLambdaFunction' } }],
        }),
      );
    });

    it('counts SignatureError, ConfigError and credentials refused after the fresh fetch, and alarms on them', () => {
      // Act
      const [, filter] = onlyResourceOfType(packaged.template, 'AWS::Logs::MetricFilter');
      const [metric] = filter.Properties.MetricTransformations as { MetricNamespace: string; MetricName: string }[];

      // Assess
      expect(filter.Properties.LogGroupName).toEqual({ Ref: 'CancelBillLogGroup' });
      expect(filter.Properties.FilterPattern).toBe(
        '{ ($.message = "cancel-bill invocation") && (($.error_name = "SignatureError") || ($.error_name = "ConfigError") || ($.credentials_refused IS TRUE)) }',
      );
      expect(alarms).toContainEqual(
        expect.objectContaining({ Namespace: metric?.MetricNamespace, MetricName: metric?.MetricName }),
      );
    });

    it.each([{ queue: 'EventDeliveryDeadLetterQueue' }, { queue: 'FailedInvocationsQueue' }])(
      'alarms as soon as $queue holds a message',
      ({ queue }) => {
        // Assess
        expect(alarms).toContainEqual(
          expect.objectContaining({
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Dimensions: [{ Name: 'QueueName', Value: getAtt(queue, 'QueueName') }],
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          }),
        );
      },
    );

    it.each([{ metric: 'ExecutionsFailed' }, { metric: 'ExecutionsTimedOut' }])(
      'alarms on state machine $metric',
      ({ metric }) => {
        // Assess
        expect(alarms).toContainEqual(expect.objectContaining({ Namespace: 'AWS/States', MetricName: metric }));
      },
    );

    it('notifies the alarm topic from every alarm', () => {
      // Assess
      expect(alarms.length).toBeGreaterThanOrEqual(6);
      expect(alarms.filter((alarm) => JSON.stringify(alarm.AlarmActions) !== '[{"Ref":"AlarmTopic"}]')).toEqual([]);
    });
  });

  // The definition's ErrorEquals and routing are checked on infra/state-machine.asl.yml in
  // state-machine.test.ts; here what packaging makes of it (the plugin adds QueryLanguage and
  // the function reference), which is what deploys.
  describe('state machine', () => {
    it('stays valid Amazon States Language once packaged, every placeholder substituted and no raw intrinsic function left', () => {
      // Act
      const { definition, substitutions } = stateMachineFromTemplate(packaged.template);
      const text = JSON.stringify(definition);
      const placeholders = [...text.matchAll(/:function:placeholder-([^"]+)"/g)].map(([, name]) => name);

      // Assess
      expect(validateAsl(definition)).toEqual({ isValid: true, errors: '' });
      expect(placeholders.length).toBeGreaterThan(0);
      expect(new Set(placeholders)).toEqual(new Set(Object.keys(substitutions)));
      expect(text).not.toMatch(/"(Fn::[A-Za-z]+|Ref)":/);
    });

    it('invokes the packaged function', () => {
      // Act
      const { definition, substitutions } = stateMachineFromTemplate(packaged.template);
      const placeholder = Object.keys(substitutions)[0] ?? '';

      // Assess
      expect(Object.values(substitutions)).toEqual([FUNCTION_ARN]);
      expect(definition.States[definition.StartAt]?.Parameters?.FunctionName).toContain(`placeholder-${placeholder}`);
    });
  });
});
