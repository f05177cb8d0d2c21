/**
 * Checks a CloudFormation template against AWS's resource specification as data
 * (@aws-cdk/aws-service-spec, pinned in package.json): resource types, property names and required
 * properties (nested types included), primitive types roughly, `Fn::GetAtt` attributes, and the
 * targets of `Ref`, `Fn::GetAtt`, `Fn::Sub`, `DependsOn` and conditions. Offline; no AWS account.
 */
import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { Property, PropertyType, SpecDatabase } from '@aws-cdk/service-spec-types';
import { textOf } from '../../helpers/text.js';

/** The parts of a template the checker reads; anything else is reported as unknown. */
type CfnTemplate = {
  /** Required by CloudFormation; the checker still takes a template without it. */
  Resources?: Record<string, Record<string, unknown>>;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  Outputs?: Record<string, Record<string, unknown>>;
} & Record<string, unknown>;

/** One finding: where (a dotted path into the template) and what. */
type TemplateProblem = { path: string; message: string };

const TEMPLATE_SECTIONS = new Set([
  'AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters', 'Rules', 'Mappings', 'Conditions', 'Transform',
  'Resources', 'Outputs',
]);
const RESOURCE_KEYS = new Set([
  'Type', 'Properties', 'DependsOn', 'Condition', 'Metadata', 'DeletionPolicy', 'UpdateReplacePolicy', 'CreationPolicy',
  'UpdatePolicy',
]);
const OUTPUT_KEYS = new Set(['Value', 'Description', 'Export', 'Condition']);
const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);
const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId',
  'AWS::StackName', 'AWS::URLSuffix',
]);
/** Intrinsic functions that return a string, or a list: neither can stand where the other is expected. */
const STRING_FUNCTIONS = new Set(['Fn::Join', 'Fn::Sub', 'Fn::Base64']);
const LIST_FUNCTIONS = new Set(['Fn::GetAZs', 'Fn::Split', 'Fn::Cidr']);

let cached: Promise<SpecDatabase> | undefined;

/** AWS's resource specification, loaded once per process (about a second). */
const loadCfnSpec = (): Promise<SpecDatabase> => (cached ??= loadAwsServiceSpec());

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The function name of an intrinsic function call (`{"Ref": ...}`, `{"Fn::...": ...}`), if it is one. */
const intrinsicName = (value: unknown): string | undefined => {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const [key] = keys;
  return keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::')) ? key : undefined;
};

const isCustomType = (type: string): boolean => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/**
 * Checks `template` against `spec`. An empty list means every check passed.
 *
 * @example
 * expect(checkTemplate(packaged.template, await loadCfnSpec())).toEqual([]);
 */
const checkTemplate = (template: CfnTemplate, spec: SpecDatabase): TemplateProblem[] => {
  const problems: TemplateProblem[] = [];
  const report = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const resources = template.Resources ?? {};
  const conditions = template.Conditions ?? {};
  const specOf = (type: string) => spec.lookup('resource', 'cloudFormationType', 'equals', type)[0];

  const checkRefTarget = (path: string, target: unknown): void => {
    if (typeof target !== 'string') return;
    if (target in resources || target in (template.Parameters ?? {}) || PSEUDO_PARAMETERS.has(target)) return;
    report(path, `Ref to ${target}, which is no resource, parameter or pseudo parameter of the template`);
  };

  const checkGetAttTarget = (path: string, logicalId: unknown, attribute: unknown): void => {
    if (typeof logicalId !== 'string') return;
    const type = resources[logicalId]?.Type;
    if (type === undefined) {
      report(path, `Fn::GetAtt of ${logicalId}, which is no resource of the template`);
      return;
    }
    if (typeof type !== 'string' || typeof attribute !== 'string' || isCustomType(type)) return;
    if (type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
    const resourceSpec = specOf(type);
    if (resourceSpec !== undefined && !(attribute in resourceSpec.attributes)) {
      const known = Object.keys(resourceSpec.attributes).join(', ') || 'none';
      report(path, `Fn::GetAtt ${logicalId}.${attribute}: ${type} has no attribute ${attribute} (it has: ${known})`);
    }
  };

  const checkCondition = (path: string, name: unknown): void => {
    if (typeof name === 'string' && !(name in conditions)) report(path, `condition ${name} is not in Conditions`);
  };

  /** Checks every reference inside `node`: Ref, Fn::GetAtt, Fn::Sub variables, conditions, mappings. */
  const checkReferences = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => checkReferences(item, `${path}.${index}`));
      return;
    }
    if (!isObject(node)) return;
    const fn = intrinsicName(node);
    const argument = fn === undefined ? undefined : node[fn];
    const at = `${path}.${fn}`;
    if (fn === 'Ref') checkRefTarget(at, argument);
    if (fn === 'Fn::GetAtt') {
      const [logicalId, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/s) : (argument as unknown[]);
      checkGetAttTarget(at, logicalId, attribute);
    }
    if (fn === 'Fn::Sub') {
      const [text, variables = {}] = (typeof argument === 'string' ? [argument] : argument) as [unknown, Record<string, unknown>?];
      for (const [, name = ''] of String(text).matchAll(/\$\{([^}!][^}]*)\}/g)) {
        if (name in variables) continue;
        const dot = name.indexOf('.');
        if (dot < 0) checkRefTarget(at, name);
        else checkGetAttTarget(at, name.slice(0, dot), name.slice(dot + 1));
      }
    }
    if (fn === 'Fn::If') checkCondition(at, (argument as unknown[])[0]);
    if (fn === 'Fn::FindInMap') {
      const [map] = argument as unknown[];
      if (typeof map === 'string' && !(map in (template.Mappings ?? {}))) report(at, `mapping ${map} is not in Mappings`);
    }
    if (fn === undefined && Object.keys(node).length === 1 && typeof node.Condition === 'string') {
      checkCondition(path, node.Condition);
    }
    for (const [key, value] of Object.entries(node)) checkReferences(value, `${path}.${key}`);
  };

  /** Checks a value against a property type; references are checked separately. */
  const checkValue = (value: unknown, type: PropertyType, path: string): void => {
    const fn = intrinsicName(value);
    if (fn !== undefined) {
      if (fn === 'Fn::If') {
        const [, whenTrue, whenFalse] = (value as Record<string, unknown[]>)[fn] ?? [];
        for (const branch of [whenTrue, whenFalse]) {
          if ((branch as { Ref?: unknown } | undefined)?.Ref !== 'AWS::NoValue') checkValue(branch, type, path);
        }
        return;
      }
      const wantsList = type.type === 'array';
      const wantsScalar = ['string', 'integer', 'number', 'boolean', 'date-time'].includes(type.type);
      if (STRING_FUNCTIONS.has(fn) && (wantsList || type.type === 'map' || type.type === 'ref' || type.type === 'tag')) {
        report(path, `${fn} gives a string where ${describe(type)} is expected`);
      }
      if (LIST_FUNCTIONS.has(fn) && wantsScalar) report(path, `${fn} gives a list where ${describe(type)} is expected`);
      return;
    }
    switch (type.type) {
      case 'string':
      case 'date-time':
        // CloudFormation turns numbers and booleans into strings.
        if (!['string', 'number', 'boolean'].includes(typeof value)) report(path, `expected ${describe(type)}, got ${kindOf(value)}`);
        return;
      case 'integer':
      case 'number':
        if (!(typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())))) {
          report(path, `expected ${describe(type)}, got ${kindOf(value)}`);
        } else if (type.type === 'integer' && !Number.isInteger(Number(value))) {
          report(path, `expected ${describe(type)}, got ${String(value)}`);
        }
        return;
      case 'boolean':
        if (!(typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value)))) {
          report(path, `expected ${describe(type)}, got ${kindOf(value)}`);
        }
        return;
      case 'json':
        return;
      case 'null':
        if (value !== null) report(path, `expected null, got ${kindOf(value)}`);
        return;
      case 'tag':
        if (!isObject(value)) report(path, `expected a tag {Key, Value}, got ${kindOf(value)}`);
        else checkProperties(value, { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } }, path);
        return;
      case 'array':
        if (!Array.isArray(value)) report(path, `expected ${describe(type)}, got ${kindOf(value)}`);
        else value.forEach((element, index) => checkValue(element, type.element, `${path}.${index}`));
        return;
      case 'map':
        if (!isObject(value)) report(path, `expected ${describe(type)}, got ${kindOf(value)}`);
        else for (const [key, element] of Object.entries(value)) checkValue(element, type.element, `${path}.${key}`);
        return;
      case 'ref': {
        const definition = spec.get('typeDefinition', type.reference);
        if (!isObject(value)) report(path, `expected ${describe(type)}, got ${kindOf(value)}`);
        else checkProperties(value, definition.properties, path);
        return;
      }
      case 'union': {
        // The value fits if one alternative fits; otherwise report the closest alternative.
        const attempts = type.types.map((alternative) => {
          const before = problems.length;
          checkValue(value, alternative, path);
          return problems.splice(before);
        });
        if (attempts.some((found) => found.length === 0)) return;
        problems.push(...attempts.reduce((best, found) => (found.length < best.length ? found : best)));
        return;
      }
      default:
        return;
    }
  };

  /** Property names against the type's, required ones present, each value against its type. */
  const checkProperties = (value: Record<string, unknown>, properties: Record<string, Property>, path: string): void => {
    for (const [name, property] of Object.entries(value)) {
      const known = properties[name];
      if (known === undefined) report(`${path}.${name}`, `unknown property ${name}`);
      else checkValue(property, known.type, `${path}.${name}`);
    }
    for (const [name, property] of Object.entries(properties)) {
      if (property.required === true && !(name in value)) report(path, `missing required property ${name}`);
    }
  };

  /** `a string`, `an integer`, `a list of string`, `an Environment object`... for messages. */
  const describe = (type: PropertyType, article = true): string => {
    const name = ((): string => {
      switch (type.type) {
        case 'array':
          return `list of ${describe(type.element, false)}`;
        case 'map':
          return `map of ${describe(type.element, false)}`;
        case 'ref':
          return `${spec.get('typeDefinition', type.reference).name} object`;
        case 'union':
          return type.types.map((alternative) => describe(alternative, false)).join(' or ');
        default:
          return type.type;
      }
    })();
    if (!article) return name;
    return `${/^[AEIOU]/i.test(name) ? 'an' : 'a'} ${name}`;
  };

  for (const key of Object.keys(template)) if (!TEMPLATE_SECTIONS.has(key)) report(key, `unknown template section ${key}`);

  for (const [logicalId, resource] of Object.entries(resources)) {
    const path = `Resources.${logicalId}`;
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) report(`${path}.${key}`, `unknown resource attribute ${key}`);
    const type = resource.Type;
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const target of dependsOn) {
      if (typeof target !== 'string' || !(target in resources)) report(`${path}.DependsOn`, `DependsOn ${textOf(target)}, which is no resource of the template`);
    }
    if (resource.Condition !== undefined) checkCondition(`${path}.Condition`, resource.Condition);
    for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      const chosen = resource[policy];
      if (typeof chosen === 'string' && !DELETION_POLICIES.has(chosen)) report(`${path}.${policy}`, `unknown ${policy} ${chosen}`);
    }
    checkReferences(resource.Properties, `${path}.Properties`);
    if (typeof type !== 'string') {
      report(`${path}.Type`, 'missing resource Type');
      continue;
    }
    if (isCustomType(type)) continue;
    const resourceSpec = specOf(type);
    if (resourceSpec === undefined) {
      report(`${path}.Type`, `unknown resource type ${type}`);
      continue;
    }
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) report(`${path}.Properties`, `expected an object, got ${kindOf(properties)}`);
    else checkProperties(properties, resourceSpec.properties, `${path}.Properties`);
  }

  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    const path = `Outputs.${name}`;
    for (const key of Object.keys(output)) if (!OUTPUT_KEYS.has(key)) report(`${path}.${key}`, `unknown output attribute ${key}`);
    if (!('Value' in output)) report(path, 'missing Value');
    if (output.Condition !== undefined) checkCondition(`${path}.Condition`, output.Condition);
    checkReferences(output.Value, `${path}.Value`);
    checkReferences(output.Export, `${path}.Export`);
  }
  for (const [name, condition] of Object.entries(conditions)) checkReferences(condition, `Conditions.${name}`);
  return problems;
};

/** A short description of a JSON value's kind, for messages. */
const kindOf = (value: unknown): string => {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'string' ? 'the string' : `the ${typeof value}`} ${JSON.stringify(value)}`;
};

export { loadCfnSpec, checkTemplate };
export type { CfnTemplate, TemplateProblem };
