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
};
type AslDefinition = { StartAt: string; States: Record<string, AslState> };

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
 * The state machine of a packaged template: its `Fn::Sub` placeholders replaced with fake ARNs,
 * parsed, together with what each placeholder stood for.
 *
 * @throws {Error} when the template holds no state machine, or not exactly one.
 */
const stateMachineFromTemplate = (
  template: Template,
): { definition: AslDefinition; substitutions: Record<string, unknown> } => {
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const [text, substitutions = {}] = (machines[0]?.Properties.DefinitionString as { 'Fn::Sub': [string, object?] })[
    'Fn::Sub'
  ];
  const fakeArn = (name: string): string => `arn:aws:lambda:eu-west-1:123456789012:function:placeholder-${name}`;
  const definition = JSON.parse(text.replace(/\$\{([^}]+)\}/g, (_, name: string) => fakeArn(name))) as AslDefinition;
  return { definition, substitutions: substitutions as Record<string, unknown> };
};

export { validateAsl, collectErrorEquals, isAllowedErrorName, stateMachineFromTemplate };
export type { AslDefinition, AslState, AslRetrier, AslRule };
