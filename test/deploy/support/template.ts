import type { Resource, Template } from './package-service.js';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Every resource of one CloudFormation type, keyed by logical id. */
const resourcesOfType = (template: Template, type: string): Record<string, Resource> =>
  Object.fromEntries(Object.entries(template.Resources).filter(([, resource]) => resource.Type === type));

/**
 * The one resource of a type.
 *
 * @throws {Error} when there is none, or more than one.
 */
const onlyResourceOfType = (template: Template, type: string): [string, Resource] => {
  const found = Object.entries(resourcesOfType(template, type));
  if (found.length !== 1 || found[0] === undefined) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
};

/**
 * Evaluates a template condition made of Fn::Not / Fn::Equals over literals (all osls leaves once
 * stage parameters are resolved).
 *
 * @throws {Error} for any other construct.
 */
const evaluateCondition = (template: Template, name: string): boolean => {
  const evaluate = (node: unknown): boolean => {
    const fn = node as Record<string, unknown[]>;
    if (fn['Fn::Not']) return !evaluate(fn['Fn::Not'][0]);
    if (fn['Fn::Equals']) {
      const [left, right] = fn['Fn::Equals'];
      if (typeof left !== 'string' || typeof right !== 'string') throw new Error('Fn::Equals over non-literals');
      return left === right;
    }
    throw new Error(`unsupported condition ${JSON.stringify(node)}`);
  };
  return evaluate(template.Conditions?.[name]);
};

/** The statements of a role's inline policies, with every `Fn::If` resolved from the template. */
const roleStatements = (template: Template, role: Resource): Statement[] => {
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[];
  return policies
    .flatMap((policy) => policy.PolicyDocument.Statement)
    .flatMap((entry) => {
      const choice = (entry as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
      if (!choice) return [entry as Statement];
      const chosen = evaluateCondition(template, choice[0]) ? choice[1] : choice[2];
      return (chosen as { Ref?: string }).Ref === 'AWS::NoValue' ? [] : [chosen as Statement];
    });
};

/** Every string anywhere inside a value (for wildcard hunting). */
const stringsIn = (node: unknown): string[] => {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(stringsIn);
  if (node !== null && typeof node === 'object') return Object.values(node).flatMap(stringsIn);
  return [];
};

/** The `Fn::GetAtt` of a logical id's attribute, as CloudFormation writes it. */
const getAtt = (logicalId: string, attribute: string): { 'Fn::GetAtt': [string, string] } => ({
  'Fn::GetAtt': [logicalId, attribute],
});

export { resourcesOfType, onlyResourceOfType, evaluateCondition, roleStatements, stringsIn, getAtt };
export type { Statement };
