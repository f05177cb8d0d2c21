import { createHash, createSecretKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SignType, canonicalize, createNonce, sign, verify } from '../../../lib/wechatpay/sign.js';
import { fromXml, toXml } from '../../../lib/wechatpay/xml.js';

/**
 * Runs every vector of test/fixtures/peer-vectors.json (a verbatim copy of the vectors taken from
 * five public SDKs' test suites, each with its source) against lib/wechatpay. A vector is asserted
 * as the peers expect it, unless its `project` entry documents an intentional difference: then that
 * difference is what is asserted. Every vector is one named test; an unknown kind, class,
 * expectation, input or top-level key fails the test instead of being passed over.
 */

type Fields = Record<string, string | null>;
type Expectation = Record<string, unknown>;
type ProjectEntry = { class: string; expect?: Expectation; evidence: string };
type CrossCheck = Record<string, string | { sign?: string; error?: string }>;
type Vector = {
  id: string;
  kind: string;
  oracle: string;
  source: { repo: string; path: string; test: string; commit?: string };
  input?: Record<string, unknown>;
  expect?: Expectation;
  project?: ProjectEntry;
  reason?: string;
  note?: string;
  peerViews?: unknown;
  crossCheck?: CrossCheck;
  crossCheckDiffers?: string;
};
type PeerVectors = {
  description: string;
  oracles: Record<string, string>;
  classes: Record<string, string>;
  crossCheckProblems: unknown[];
  vectors: Vector[];
};

const FIXTURE = JSON.parse(readFileSync(new URL('../../fixtures/peer-vectors.json', import.meta.url), 'utf8')) as PeerVectors;

/** Context for the reader, never asserted: notes and what each peer returned. */
const INFORMATIONAL_KEYS = new Set(['id', 'kind', 'oracle', 'source', 'note', 'peerViews', 'reason']);
const ASSERTED_KEYS = new Set(['input', 'expect', 'project', 'crossCheck', 'crossCheckDiffers']);

/**
 * Vectors whose `project` entry described behaviour that has since been changed on purpose. The
 * peers' expectation is asserted instead, and the entry must still be in the fixture (so this list
 * cannot outlive it).
 */
const SUPERSEDED: Record<string, { class: string; why: string }> = {
  'DX-06': {
    class: 'intentional-difference',
    why: 'xml.ts now decodes numeric character references before verification (XML 1.0 §4.1, CONTRACT.md), as Java DOM does',
  },
};

const keyOf = (text: string): KeyObject => createSecretKey(Buffer.from(text, 'utf8'));
const HMAC_SIGN = /^[0-9A-F]{64}$/;

const catchError = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

/** Fails on any expectation key the runner does not know, so none is ever skipped unread. */
const assertOnlyKeys = (what: string, object: object, known: readonly string[]): void => {
  const unknown = Object.keys(object).filter((key) => !known.includes(key));
  expect(unknown, `${what} has keys this runner does not assert`).toEqual([]);
};

/** The expectation to assert, and whether it is the project's documented difference. */
const expectationOf = (vector: Vector): { expectation: Expectation; documentedDifference: boolean } => {
  const { project } = vector;
  if (project === undefined) return { expectation: vector.expect ?? {}, documentedDifference: false };
  expect(Object.keys(FIXTURE.classes), `${vector.id}: class ${project.class} is not declared`).toContain(project.class);
  expect(project.evidence, `${vector.id}: a project entry states its evidence`).not.toBe('');
  const superseded = SUPERSEDED[vector.id];
  if (superseded !== undefined) {
    expect(project.class, `${vector.id}: the superseded entry changed`).toBe(superseded.class);
    return { expectation: vector.expect ?? {}, documentedDifference: false };
  }
  // A defect is a deviation from the spec and the peers: the fix makes the peers' expectation hold.
  if (project.class === 'defect') return { expectation: vector.expect ?? {}, documentedDifference: false };
  expect(project.expect, `${vector.id}: a documented difference says what the project does`).toBeDefined();
  return { expectation: project.expect ?? {}, documentedDifference: true };
};

/** The fields a vector feeds to signing or verification: given directly, or parsed from its XML. */
const fieldsOf = (input: Record<string, unknown>): Fields => {
  if (input.xml !== undefined) return fromXml(input.xml as string);
  expect(input.fields, 'the input holds fields or xml').toBeDefined();
  return input.fields as Fields;
};

/** The MD5 variant of spec §7 step 6, computed here: the project itself has no MD5. */
const md5Sign = (fields: Fields, key: string): string =>
  createHash('md5').update(`${canonicalize(fields)}&key=${key}`, 'utf8').digest('hex').toUpperCase();

/** Peer implementations' outputs for the same input: equal to ours, or different as documented. */
const assertCrossCheck = (vector: Vector, computed: string): void => {
  for (const [peer, result] of Object.entries(vector.crossCheck ?? {})) {
    const peerSign = typeof result === 'string' ? result : result.sign;
    if (peerSign === undefined) {
      // The peer errs (javax.crypto refuses an empty key) where the project computes a value.
      expect(vector.crossCheckDiffers, `${vector.id}: ${peer} gives no value, which must be documented`).toBeDefined();
      expect(computed).toMatch(/^[0-9A-F]+$/);
    } else if (vector.crossCheckDiffers === undefined) {
      expect(computed, `${vector.id}: cross-check by ${peer}`).toBe(peerSign);
    } else {
      expect(computed, `${vector.id}: ${peer} differs as documented`).not.toBe(peerSign);
    }
  }
};

const checkCanonical = (vector: Vector, expectation: Expectation): void => {
  // Prepare
  const input = vector.input ?? {};
  assertOnlyKeys(`${vector.id} input`, input, ['fields']);
  assertOnlyKeys(`${vector.id} expect`, expectation, ['canonical']);

  // Act
  const stringA = canonicalize(input.fields as Fields);

  // Assess
  expect(stringA).toBe(expectation.canonical);
};

const checkNonce = (vector: Vector, expectation: Expectation): void => {
  // Prepare
  const { runs } = vector.input as { runs: number };
  assertOnlyKeys(`${vector.id} expect`, expectation, ['length', 'pattern', 'forbidden']);
  const pattern = new RegExp(expectation.pattern as string);
  const forbidden = expectation.forbidden === undefined ? undefined : new RegExp(expectation.forbidden as string);

  // Act
  const nonces = Array.from({ length: runs }, () => createNonce());

  // Assess
  for (const nonce of nonces) {
    expect(nonce).toHaveLength(expectation.length as number);
    expect(nonce).toMatch(pattern);
    if (forbidden !== undefined) expect(nonce).not.toMatch(forbidden);
  }
};

/** `signType` values of the vectors; the project signs HMAC-SHA256 whatever a peer would default to. */
const SIGN_TYPES = new Set([SignType.HMAC_SHA256, 'default (no sign_type)']);

const checkSign = (vector: Vector, expectation: Expectation, documentedDifference: boolean): void => {
  // Prepare
  const input = vector.input as { fields: Fields; key: string; signType: string };
  assertOnlyKeys(`${vector.id} input`, input, ['fields', 'key', 'signType']);
  assertOnlyKeys(`${vector.id} expect`, expectation, ['sign', 'canonical', 'length', 'pattern', 'notEqual']);
  expect(SIGN_TYPES, `${vector.id}: unknown signType`).toContain(input.signType);

  // Act
  const signature = sign(input.fields, keyOf(input.key));

  // Assess
  if (expectation.sign !== undefined) expect(signature).toBe(expectation.sign);
  if (expectation.canonical !== undefined) expect(canonicalize(input.fields)).toBe(expectation.canonical);
  if (expectation.length !== undefined) expect(signature).toHaveLength(expectation.length as number);
  if (expectation.pattern !== undefined) expect(signature).toMatch(new RegExp(expectation.pattern as string));
  for (const other of (expectation.notEqual as string[] | undefined) ?? []) expect(signature).not.toBe(other);
  // Whatever the peer's default, the project's signature is always HMAC-SHA256.
  if (documentedDifference) expect(signature).toMatch(HMAC_SIGN);
  assertCrossCheck(vector, signature);
};

const checkMd5OverCanonical = (vector: Vector, expectation: Expectation): void => {
  // Prepare
  const input = vector.input as { fields?: Fields; xml?: string; key: string };
  assertOnlyKeys(`${vector.id} input`, input, ['fields', 'xml', 'key']);
  assertOnlyKeys(`${vector.id} expect`, expectation, ['sign']);
  const fields = fieldsOf(input);

  // Act
  const md5 = md5Sign(fields, input.key);
  const acceptsMd5 = verify({ ...fields, sign: expectation.sign as string }, keyOf(input.key));

  // Assess: our stringA (and XML reading) reproduces the peer's MD5 sign; the project refuses MD5.
  expect(md5).toBe(expectation.sign);
  expect(acceptsMd5).toBe(false);
  assertCrossCheck(vector, md5);
};

const checkVerify = (vector: Vector, expectation: Expectation): void => {
  // Prepare
  const input = vector.input as { fields?: Fields; xml?: string; key: string; mutate?: Record<string, string[]> };
  assertOnlyKeys(`${vector.id} input`, input, ['fields', 'xml', 'key', 'mutate']);
  assertOnlyKeys(`${vector.id} expect`, expectation, ['valid', 'map']);
  assertOnlyKeys(`${vector.id} mutate`, input.mutate ?? {}, ['delete']);
  const fields = { ...fieldsOf(input) };
  if (expectation.map !== undefined) expect(fields).toEqual(expectation.map);
  for (const name of input.mutate?.delete ?? []) Reflect.deleteProperty(fields, name);

  // Act
  const valid = verify(fields, keyOf(input.key));

  // Assess
  expect(valid).toBe(expectation.valid);
  if (fields.sign !== undefined && fields.sign !== null) assertCrossCheck(vector, fields.sign);
};

const checkToXml = (vector: Vector, expectation: Expectation): void => {
  // Prepare
  const input = vector.input as { fields: Record<string, string> };
  assertOnlyKeys(`${vector.id} input`, input, ['fields']);
  assertOnlyKeys(`${vector.id} expect`, expectation, ['xml', 'xmlOneOf', 'roundTrip', 'noDeclaration', 'noNewline', 'rootPattern', 'contains']);

  // Act
  const xml = toXml(input.fields);

  // Assess
  if (expectation.xml !== undefined) expect(xml).toBe(expectation.xml);
  if (expectation.xmlOneOf !== undefined) expect(expectation.xmlOneOf).toContain(xml);
  if (expectation.noDeclaration === true) expect(xml).not.toContain('<?xml');
  if (expectation.noNewline === true) expect(xml).not.toMatch(/[\r\n]/);
  if (expectation.rootPattern !== undefined) expect(xml).toMatch(new RegExp(expectation.rootPattern as string, 's'));
  for (const part of (expectation.contains as string[] | undefined) ?? []) expect(xml).toContain(part);
  if (expectation.roundTrip === true) expect(fromXml(xml)).toEqual(input.fields);
};

const checkFromXml = (vector: Vector, expectation: Expectation): void => {
  // Prepare
  const input = vector.input as { xml: string };
  assertOnlyKeys(`${vector.id} input`, input, ['xml']);
  // Not among these: `value` and `nonEmpty`, which describe peers returning a root's text or a
  // non-flat array. The project never does, so they can only stand beside a documented difference,
  // which is asserted instead; anywhere else they fail here.
  assertOnlyKeys(`${vector.id} expect`, expectation, ['map', 'exactKeys', 'keys', 'valuesAreStrings', 'noCdataMarkers', 'refuse', 'throws']);

  if (expectation.throws !== undefined || expectation.refuse === true) {
    // Act
    const error = catchError(() => fromXml(input.xml));

    // Assess: a refusal carries one of the project's codes; `throws` names which.
    expect(error).toHaveProperty('code');
    if (expectation.throws !== undefined) expect((error as { code: string }).code).toBe(expectation.throws);
    return;
  }

  // Act
  const fields = fromXml(input.xml);

  // Assess
  if (expectation.map !== undefined) expect(fields).toEqual(expectation.map);
  if (expectation.exactKeys !== undefined) expect(Object.keys(fields).sort()).toEqual([...(expectation.exactKeys as string[])].sort());
  for (const key of (expectation.keys as string[] | undefined) ?? []) expect(fields).toHaveProperty([key]);
  if (expectation.valuesAreStrings === true) for (const value of Object.values(fields)) expect(typeof value).toBe('string');
  if (expectation.noCdataMarkers === true) {
    for (const value of Object.values(fields)) expect(value).not.toMatch(/<!\[CDATA\[|\]\]>/);
  }
};

/**
 * `skip` vectors are peer features the project does not offer; each reason is a claim about the
 * project, checked here, so no skip is silent. A new skip vector without a check fails.
 */
const SKIP_CHECKS: Record<string, () => void> = {
  // Root-text serialisation of a bare string: the project builds from a field map only, and root text is no field.
  'AX-12': () => {
    expect(toXml({})).toBe('<xml></xml>');
    expect(catchError(() => fromXml('<xml>test</xml>'))).toMatchObject({ code: 'XML_UNEXPECTED_TEXT' });
  },
  // One fixed sign type, no MD5 or pluggable algorithm.
  'PHP-15': () => {
    expect(Object.values(SignType)).toEqual(['HMAC-SHA256']);
    expect(sign({ a: '1' }, keyOf('k'))).toMatch(HMAC_SIGN);
  },
  // No declaration or indentation, no nested values, no other root.
  'PHP-26': () => {
    const xml = toXml({ appid: 'wx2421b1c4370ec43b', mch_id: '10000100' });
    expect(xml).toBe('<xml><appid>wx2421b1c4370ec43b</appid><mch_id>10000100</mch_id></xml>');
    expect(catchError(() => fromXml('<xml><a><b>1</b></a></xml>'))).toMatchObject({ code: 'XML_NESTED_FIELD' });
    expect(catchError(() => fromXml('<qqpay><a>1</a></qqpay>'))).toMatchObject({ code: 'INVALID_REPLY' });
  },
  // EasyWeChat CDATA-wraps every string; the project wraps only values that need it, and reads either.
  'EW-03': () => {
    expect(toXml({ a: 'plain', b: 'x<y' })).toBe('<xml><a>plain</a><b><![CDATA[x<y]]></b></xml>');
    expect(fromXml('<xml><a><![CDATA[plain]]></a><b><![CDATA[x<y]]></b></xml>')).toEqual({ a: 'plain', b: 'x<y' });
  },
};

const checkSkip = (vector: Vector): void => {
  expect(vector.reason, `${vector.id}: a skip states its reason`).toBeTruthy();
  const check = SKIP_CHECKS[vector.id];
  expect(check, `${vector.id}: no check of its skip reason`).toBeDefined();
  check?.();
};

const RUNNERS: Record<string, (vector: Vector, expectation: Expectation, documentedDifference: boolean) => void> = {
  canonical: checkCanonical,
  nonce: checkNonce,
  sign: checkSign,
  'md5-over-canonical': checkMd5OverCanonical,
  verify: checkVerify,
  toXml: checkToXml,
  fromXml: checkFromXml,
  skip: checkSkip,
};

const runVector = (vector: Vector): void => {
  assertOnlyKeys(vector.id, vector, [...INFORMATIONAL_KEYS, ...ASSERTED_KEYS]);
  const runner = RUNNERS[vector.kind];
  expect(runner, `${vector.id}: unknown vector kind ${vector.kind}`).toBeDefined();
  if (vector.kind !== 'skip') expect(vector.input, `${vector.id}: no input`).toBeDefined();
  if (vector.crossCheckDiffers !== undefined) expect(vector.crossCheck, `${vector.id}: differs from what`).toBeDefined();
  const { expectation, documentedDifference } = expectationOf(vector);
  if (vector.kind !== 'skip') expect(Object.keys(expectation), `${vector.id}: nothing to assert`).not.toEqual([]);
  runner?.(vector, expectation, documentedDifference);
};

const classLabel = ({ id, project }: Vector): string => {
  if (project === undefined) return '';
  return SUPERSEDED[id] === undefined ? ` (${project.class})` : ` (${project.class}, superseded)`;
};

/** [test name, vector]: the name carries the id, the kind, any project class and the source. */
const ROWS = FIXTURE.vectors.map((vector): [string, Vector] => [
  `${vector.id} ${vector.kind}${classLabel(vector)}: ${vector.source.repo} ${vector.source.path}`,
  vector,
]);

describe('wechatpay peer vectors', () => {
  it('holds 73 vectors with unique ids, each with its source', () => {
    // Act
    const ids = FIXTURE.vectors.map((vector) => vector.id);

    // Assess
    expect(ids).toHaveLength(73);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { source } of FIXTURE.vectors) expect(source.repo && source.path && source.test).toBeTruthy();
    expect(FIXTURE.crossCheckProblems).toEqual([]);
  });

  it('keeps no superseded entry for a vector that is gone', () => {
    // Act
    const missing = Object.keys(SUPERSEDED).filter((id) => !FIXTURE.vectors.some((vector) => vector.id === id));

    // Assess
    expect(missing).toEqual([]);
  });

  it.each(ROWS)('%s', (_name, vector) => {
    runVector(vector);
  });
});
