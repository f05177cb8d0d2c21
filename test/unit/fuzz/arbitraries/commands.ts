import fc from 'fast-check';
import { objectOf } from '../support/json-text.js';
import type { JsonObject, JsonTree } from '../support/json-text.js';
import { fieldString, hostileString, nearly, validAppid, validOutOrderNo, validReason, validServiceId } from './strings.js';

const COMMAND_FIELDS = ['out_order_no', 'reason', 'service_id', 'appid'] as const;
type CommandField = (typeof COMMAND_FIELDS)[number];
type ValidCommand = Record<CommandField, string>;

/** Keys that reach prototype machinery, shadow the function's own wire fields, or nearly name a command field. */
const TRICKY_KEYS = [
  '__proto__', 'constructor', 'prototype', 'polluted', 'toString', 'hasOwnProperty', 'valueOf',
  'mch_id', 'sign', 'sign_type', 'nonce_str', 'version', 'order_id', 'state',
  'reason ', 'REASON', 'out_order_no\u0000', 'detail', 'body', '',
];

const numbers = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e21, 12345678901234567890, Number.MAX_SAFE_INTEGER + 2));
const scalar: fc.Arbitrary<JsonTree> = fc.oneof(hostileString, numbers, fc.boolean(), fc.constant(null));
const key = fc.oneof(fc.constantFrom(...TRICKY_KEYS, ...COMMAND_FIELDS), fc.string({ maxLength: 8 }));

/** Any JSON value, nested, with tricky keys and `__proto__` entries that hold `{"polluted": ...}`. */
const { tree: jsonTree } = fc.letrec<{ tree: JsonTree; object: JsonObject }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('tree'), { maxLength: 4 }), tie('object')),
  object: fc
    .array(
      fc.oneof(
        fc.tuple(key, tie('tree')),
        fc.constant(['__proto__', objectOf([['polluted', 'yes']])] as const),
        fc.constant(['constructor', objectOf([['prototype', objectOf([['polluted', 'yes']])]])] as const),
      ),
      { maxLength: 5 },
    )
    .map(objectOf),
}));

const VALID_FIELD: Record<CommandField, fc.Arbitrary<string>> = {
  out_order_no: validOutOrderNo,
  reason: validReason,
  service_id: validServiceId,
  appid: validAppid,
};

/** A command field's value that is probably wrong: nearly valid, hostile, or another JSON type. */
const defectiveValue = (field: CommandField): fc.Arbitrary<JsonTree> =>
  fc.oneof(nearly(VALID_FIELD[field]), hostileString, jsonTree);

/** A command every rule of CONTRACT.md accepts. */
const validCommand: fc.Arbitrary<ValidCommand> = fc.record(VALID_FIELD);

/** Extra entries: tricky keys, `__proto__`, and repeats of a command field (the last one wins in `JSON.parse`). */
const extraEntries = fc.array(fc.tuple(key, jsonTree), { maxLength: 3 });

/** A valid command with zero to two fields dropped or replaced by a defective value, plus extra entries. */
const damagedCommand: fc.Arbitrary<JsonObject> = fc
  .tuple(
    validCommand,
    fc.oneof({ arbitrary: fc.constant<CommandField[]>([]), weight: 3 }, fc.uniqueArray(fc.constantFrom(...COMMAND_FIELDS), { minLength: 1, maxLength: 2 })),
    fc.record({ out_order_no: defectiveValue('out_order_no'), reason: defectiveValue('reason'), service_id: defectiveValue('service_id'), appid: defectiveValue('appid') }),
    fc.boolean(),
    extraEntries,
    fc.boolean(),
  )
  .map(([command, damaged, defects, dropInstead, extras, extrasFirst]) => {
    const own = COMMAND_FIELDS.flatMap((field): [string, JsonTree][] => {
      if (!damaged.includes(field)) return [[field, command[field]]];
      return dropInstead ? [] : [[field, defects[field]]];
    });
    return objectOf(extrasFirst ? [...extras, ...own] : [...own, ...extras]);
  });

/** Each command field present or absent, each value anywhere from valid to hostile, plus extra entries. */
const scrambledCommand: fc.Arbitrary<JsonObject> = fc
  .tuple(
    fc.record(
      {
        out_order_no: fieldString(validOutOrderNo),
        reason: fieldString(validReason),
        service_id: fieldString(validServiceId),
        appid: fc.oneof(fieldString(validAppid), jsonTree),
      },
      { requiredKeys: [] },
    ),
    extraEntries,
  )
  .map(([fields, extras]) => objectOf([...Object.entries<JsonTree>(fields), ...extras]));

/** A raw command object as a JSON tree: mostly a valid command with a few defects, sometimes anything. */
const rawCommand: fc.Arbitrary<JsonObject> = fc.oneof({ arbitrary: damagedCommand, weight: 3 }, scrambledCommand);

/** Small JSON values for ignored fields: a valid command must stay well under the 16 KiB body cap. */
const smallTree: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.constant(objectOf([['polluted', 'yes']])),
);

/** Extra entries a valid command may carry: ignored, never sent (CONTRACT.md). */
const ignoredExtras = fc.array(
  fc.tuple(fc.constantFrom(...TRICKY_KEYS), smallTree),
  { maxLength: 3 },
);

export { COMMAND_FIELDS, ignoredExtras, jsonTree, rawCommand, validCommand };
export type { CommandField, ValidCommand };
