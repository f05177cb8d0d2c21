import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTemplate, loadCfnSpec } from './support/cfn-spec.js';
import type { CfnTemplate, TemplateProblem } from './support/cfn-spec.js';
import { packageService, TEST_STAGE_PARAMS } from './support/package-service.js';
import type { PackagedService } from './support/package-service.js';
import { ifAssigned } from '../helpers/hooks.js';

type Resource = { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>;
/** The packaged template's resources, with the ones the plants below change named: they are there. */
type Resources = Record<'AlarmEmailSubscription' | 'AlarmTopic' | 'CancelBillLambdaFunction' | 'CancelBillRole' | 'FunctionErrorsAlarm', Resource> &
  Record<string, Resource>;

const FUNCTION = 'Resources.CancelBillLambdaFunction';

/** Mistakes planted in a copy of the packaged template, each with the problem it must raise. */
const PLANTED: { name: string; plant: (resources: Resources) => void; expected: TemplateProblem }[] = [
  {
    name: 'an unknown resource type',
    plant: (r) => void ((r.AlarmTopic as { Type: string }).Type = 'AWS::SNS::Topik'),
    expected: { path: 'Resources.AlarmTopic.Type', message: 'unknown resource type AWS::SNS::Topik' },
  },
  {
    name: 'an unknown property',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Timout = 29),
    expected: { path: `${FUNCTION}.Properties.Timout`, message: 'unknown property Timout' },
  },
  {
    name: 'an unknown property of a nested type',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Environment = { Varibles: { A: 'b' } }),
    expected: { path: `${FUNCTION}.Properties.Environment.Varibles`, message: 'unknown property Varibles' },
  },
  {
    name: 'a missing required property',
    plant: (r) => {
      delete r.CancelBillLambdaFunction.Properties.Role;
    },
    expected: { path: `${FUNCTION}.Properties`, message: 'missing required property Role' },
  },
  {
    name: 'a missing required property of a nested type',
    plant: (r) => {
      delete (r.CancelBillRole.Properties.Policies as [Record<string, unknown>])[0].PolicyName;
    },
    expected: { path: 'Resources.CancelBillRole.Properties.Policies.0', message: 'missing required property PolicyName' },
  },
  {
    name: 'an attribute the resource type does not have',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Role = { 'Fn::GetAtt': ['CancelBillRole', 'Name'] }),
    expected: {
      path: `${FUNCTION}.Properties.Role.Fn::GetAtt`,
      message: 'Fn::GetAtt CancelBillRole.Name: AWS::IAM::Role has no attribute Name (it has: Arn, RoleId)',
    },
  },
  {
    name: 'an attribute of a resource that does not exist',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Role = { 'Fn::GetAtt': ['CancelBillRoel', 'Arn'] }),
    expected: { path: `${FUNCTION}.Properties.Role.Fn::GetAtt`, message: 'Fn::GetAtt of CancelBillRoel, which is no resource of the template' },
  },
  {
    name: 'a dangling Ref',
    plant: (r) => void (r.FunctionErrorsAlarm.Properties.AlarmActions = [{ Ref: 'AlarmTopik' }]),
    expected: {
      path: 'Resources.FunctionErrorsAlarm.Properties.AlarmActions.0.Ref',
      message: 'Ref to AlarmTopik, which is no resource, parameter or pseudo parameter of the template',
    },
  },
  {
    name: 'a dangling Fn::Sub variable',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Description = { 'Fn::Sub': '${AWS::Region} ${DeploymentBucket}' }),
    expected: {
      path: `${FUNCTION}.Properties.Description.Fn::Sub`,
      message: 'Ref to DeploymentBucket, which is no resource, parameter or pseudo parameter of the template',
    },
  },
  {
    name: 'an unknown attribute in Fn::Sub',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Description = { 'Fn::Sub': '${FailedInvocationsQueue.Url}' }),
    expected: {
      path: `${FUNCTION}.Properties.Description.Fn::Sub`,
      message: 'Fn::GetAtt FailedInvocationsQueue.Url: AWS::SQS::Queue has no attribute Url (it has: Arn, QueueName, QueueUrl)',
    },
  },
  {
    name: 'a dangling DependsOn',
    plant: (r) => void (r.CancelBillLambdaFunction.DependsOn = ['CancelBillLogGroup', 'CancelBillLogGroupp']),
    expected: { path: `${FUNCTION}.DependsOn`, message: 'DependsOn CancelBillLogGroupp, which is no resource of the template' },
  },
  {
    name: 'an unknown condition',
    plant: (r) => void (r.AlarmEmailSubscription.Condition = 'HasAlarmMail'),
    expected: { path: 'Resources.AlarmEmailSubscription.Condition', message: 'condition HasAlarmMail is not in Conditions' },
  },
  {
    name: 'a string where an integer is expected',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Timeout = 'twenty-nine'),
    expected: { path: `${FUNCTION}.Properties.Timeout`, message: 'expected an integer, got the string "twenty-nine"' },
  },
  {
    name: 'a fraction where an integer is expected',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.MemorySize = 256.5),
    expected: { path: `${FUNCTION}.Properties.MemorySize`, message: 'expected an integer, got 256.5' },
  },
  {
    name: 'a string where a list is expected',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Architectures = 'arm64'),
    expected: { path: `${FUNCTION}.Properties.Architectures`, message: 'expected a list of string, got the string "arm64"' },
  },
  {
    name: 'a string where an object is expected',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Environment = 'A=b'),
    expected: { path: `${FUNCTION}.Properties.Environment`, message: 'expected an Environment object, got the string "A=b"' },
  },
  {
    name: 'Fn::Join where a list is expected',
    plant: (r) => void (r.CancelBillLambdaFunction.Properties.Architectures = { 'Fn::Join': ['', ['arm64']] }),
    expected: { path: `${FUNCTION}.Properties.Architectures`, message: 'Fn::Join gives a string where a list of string is expected' },
  },
  {
    name: 'a misspelt resource attribute',
    plant: (r) => void (r.FunctionErrorsAlarm.DependOn = 'AlarmTopic'),
    expected: { path: 'Resources.FunctionErrorsAlarm.DependOn', message: 'unknown resource attribute DependOn' },
  },
];

describe('serverless.yml against the AWS resource specification (@aws-cdk/aws-service-spec)', () => {
  let packaged: PackagedService;
  let spec: SpecDatabase;

  beforeAll(async () => {
    [packaged, spec] = await Promise.all([packageService(TEST_STAGE_PARAMS), loadCfnSpec()]);
  });
  afterAll(() => ifAssigned(packaged)?.cleanup());

  const template = (): CfnTemplate => packaged.template as unknown as CfnTemplate;

  it('knows every resource type of the packaged template', () => {
    // Act
    const types = Object.values(packaged.template.Resources).map((resource) => resource.Type);
    const unknown = types.filter((type) => spec.lookup('resource', 'cloudFormationType', 'equals', type).length !== 1);

    // Assess
    expect(types.length).toBeGreaterThan(20);
    expect(unknown).toEqual([]);
  });

  it('finds no problem in the packaged template: properties, required ones, types, attributes, references', () => {
    // Act
    const problems = checkTemplate(template(), spec);

    // Assess
    expect(problems).toEqual([]);
  });

  it.each(PLANTED)('reports $name', ({ plant, expected }) => {
    // Prepare
    const planted = structuredClone(template());
    plant(planted.Resources as Resources);

    // Act
    const problems = checkTemplate(planted, spec);

    // Assess
    expect(problems).toEqual([expected]);
  });

  it('reports a resource whose properties are misspelt, and the required ones it then lacks', () => {
    // Prepare
    const planted = structuredClone(template());
    const queue: Record<string, unknown> = (planted.Resources as Resources).CancelBillRole;
    queue.Propertes = queue.Properties;
    delete queue.Properties;

    // Act
    const problems = checkTemplate(planted, spec);

    // Assess
    expect(problems).toEqual([
      { path: 'Resources.CancelBillRole.Propertes', message: 'unknown resource attribute Propertes' },
      { path: 'Resources.CancelBillRole.Properties', message: 'missing required property AssumeRolePolicyDocument' },
    ]);
  });
});
