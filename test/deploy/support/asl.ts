import { createRequire } from 'node:module';
import { ERROR_NAMES } from '../../../lib/errors.js';
import type { Template } from './package-service.js';

/** The subset of an Amazon States Language document the tests read. */
type AslRule = { ErrorEquals: string[]; Next?: string; ResultPath?: string };
type AslRetrier = AslRule & {
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
};
type AslState = {
  Type: string;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Next?: string;
  End?: boolean;
  Retry?: AslRetrier[];
  Catch?: AslRule[];
  ErrorPath?: string;
  CausePath?: string;
  TimeoutSeconds?: number;
  OutputPath?: string;
};
type AslDefinition = { StartAt: string; States: Record<string, AslState>; TimeoutSeconds?: number; Comment?: string };

type AslValidator = (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** Validates a definition with asl-validator; the text lists every problem found. */
const validateAsl = (definition: unknown): { isValid: boolean; errors: string } => {
  // The validator annotates states in place (QueryLanguage): give it a copy.
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return { isValid: result.isValid, errors: result.errorsText('\n') };
};

/** True for CONTRACT.md's error names and the States.* / Lambda.* names Step Functions raises. */
const isAllowedErrorName = (name: string): boolean =>
  (ERROR_NAMES as readonly string[]).includes(name) || /^(States|Lambda)\.[A-Za-z]+$/.test(name);

/** Every ErrorEquals value of every Retry and Catch, nested states included. */
const collectErrorEquals = (node: unknown): string[] => {
  if (Array.isArray(node)) return node.flatMap(collectErrorEquals);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'ErrorEquals' && Array.isArray(value) ? (value as string[]) : collectErrorEquals(value),
  );
};

/**
 * A packaged state machine's `Fn::Sub` text and its substitutions: the one of the template, or the
 * one with logical id `logicalId`.
 *
 * @throws {Error} when there is no such state machine (or, without `logicalId`, not exactly one).
 */
const definitionSub = (template: Template, logicalId?: string): [string, Record<string, unknown>] => {
  const machines = Object.entries(template.Resources).filter(
    ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && (logicalId === undefined || id === logicalId),
  );
  if (machines.length !== 1) throw new Error(`expected one state machine${logicalId ? ` ${logicalId}` : ''}, found ${machines.length}`);
  const [text, substitutions = {}] = (machines[0]?.[1].Properties.DefinitionString as { 'Fn::Sub': [string, object?] })[
    'Fn::Sub'
  ];
  return [text, substitutions as Record<string, unknown>];
};

/**
 * The state machine of a packaged template: its `Fn::Sub` placeholders replaced with fake ARNs,
 * parsed, together with what each placeholder stood for.
 *
 * @throws {Error} when the template holds no state machine, or not exactly one.
 */
const stateMachineFromTemplate = (
  template: Template,
): { definition: AslDefinition; substitutions: Record<string, unknown> } => {
  const [text, substitutions] = definitionSub(template);
  const fakeArn = (name: string): string => `arn:aws:lambda:eu-west-1:123456789012:function:placeholder-${name}`;
  const definition = JSON.parse(text.replace(/\$\{([^}]+)\}/g, (_, name: string) => fakeArn(name))) as AslDefinition;
  return { definition, substitutions };
};

/**
 * The definition of a packaged state machine as it would run once deployed: every `Fn::Sub`
 * placeholder replaced with what `resolve` makes of its value (a function's ARN, say).
 *
 * @throws {Error} when there is no such state machine, or `resolve` throws for a placeholder.
 */
const packagedDefinition = (
  template: Template,
  resolve: (value: unknown, placeholder: string) => string,
  logicalId?: string,
): AslDefinition => {
  const [text, substitutions] = definitionSub(template, logicalId);
  return JSON.parse(text.replace(/\$\{([^}]+)\}/g, (_, name: string) => resolve(substitutions[name], name))) as AslDefinition;
};

export { validateAsl, collectErrorEquals, isAllowedErrorName, stateMachineFromTemplate, packagedDefinition };
export type { AslDefinition, AslState, AslRetrier, AslRule };
