import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/** The only sign type this client sends and accepts (spec §2, §3). */
const SignType = {
  HMAC_SHA256: 'HMAC-SHA256',
} as const;
type SignType = (typeof SignType)[keyof typeof SignType];

/** A well-formed HMAC-SHA256 `sign`: 64 hex digits (spec §8 step 3). */
const HEX_SIGN = /^[0-9A-Fa-f]{64}$/;

const NONCE_LENGTH = 32;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Bytes at or above this value are rejected so that `byte % 62` stays uniform (4 * 62 = 248). */
const NONCE_BYTE_LIMIT = 248;

// Stryker disable next-line Regex: negated, it sends nearly every pair to the byte comparison, which orders by code point too
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Orders keys by Unicode code point, which is the order of their UTF-8 bytes (spec §7 step 3).
 * Without surrogate pairs, UTF-16 code-unit order is code-point order, so plain comparison serves
 * (field names are ASCII); otherwise the UTF-8 bytes are compared.
 */
const compareCodePoints = (a: string, b: string): number => {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  // The names of one object's fields are never equal.
  return a < b ? -1 : 1;
};

/** The key's bytes, exported once per KeyObject and kept out of any object a log could print. */
const keyBytes = new WeakMap<KeyObject, Buffer>();
const exportBytes = (apiKey: KeyObject): Buffer => {
  const bytes = apiKey.export();
  keyBytes.set(apiKey, bytes);
  return bytes;
};
const bytesOf = (apiKey: KeyObject): Buffer => keyBytes.get(apiKey) ?? exportBytes(apiKey);

/** A field set as signed: a `null` or `undefined` value counts as empty (spec §7 step 2). */
type SignableFields = Readonly<Record<string, string | null | undefined>>;

/** True for a field that takes part in the signature: not `sign`, and not empty, null or undefined. */
const isSigned = (entry: [string, string | null | undefined]): entry is [string, string] =>
  entry[0] !== 'sign' && entry[1] !== undefined && entry[1] !== null && entry[1] !== '';

/**
 * Builds `stringA` (spec §7 steps 2–4): drops `sign` and empty, null or undefined values, sorts the
 * keys by code point and joins `k=v` pairs with `&`. Values are used raw: no escaping, no trimming.
 *
 * @example canonicalize({ b: '2', a: '1', c: '', d: null }) // 'a=1&b=2'
 */
const canonicalize = (fields: SignableFields): string =>
  Object.entries(fields)
    .filter(isSigned)
    .sort(([a], [b]) => compareCodePoints(a, b))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');

/**
 * Computes the HMAC-SHA256 `sign` of a field set (spec §7 steps 5–6): upper-case hex of
 * HMAC-SHA256(`stringA&key=<apiKey>`), keyed with the same APIv2 key.
 *
 * The key bytes are fed to the HMAC straight from the KeyObject, never turned into a string.
 * @throws {TypeError} `apiKey` is not a secret KeyObject.
 */
const sign = (fields: SignableFields, apiKey: KeyObject): string => {
  const hmac = createHmac('sha256', apiKey);
  // Stryker disable next-line StringLiteral: Hmac#update reads a string as UTF-8 by default (the vectors pin the text itself)
  hmac.update(`${canonicalize(fields)}&key=`, 'utf8');
  return hmac.update(bytesOf(apiKey)).digest('hex').toUpperCase();
};

/**
 * Checks the `sign` of a received field set over every other non-empty field, known or not
 * (spec §8 step 3). Only a 64-hex-digit `sign` can verify; hex case is not significant. The
 * comparison runs in constant time on equal-length buffers.
 */
const verify = (fields: SignableFields, apiKey: KeyObject): boolean => {
  // A missing sign reads as "undefined" or "null", which the pattern refuses.
  const received = String(fields.sign);
  if (!HEX_SIGN.test(received)) return false;
  return timingSafeEqual(Buffer.from(sign(fields, apiKey), 'hex'), Buffer.from(received, 'hex'));
};

/** CSPRNG bytes drawn 4 KiB at a time: one `randomBytes` call per ~128 nonces instead of per nonce. */
const NONCE_POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;
const pooledRandomBytes = (size: number): Buffer => {
  if (poolOffset + size > pool.length) {
    pool = randomBytes(NONCE_POOL_BYTES);
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.subarray(poolOffset - size, poolOffset);
};

/**
 * Returns a `nonce_str` of 32 base62 characters from a CSPRNG (spec §3, §7). Bytes that would
 * bias the modulo are rejected and redrawn.
 *
 * @param source random byte source; only tests pass one.
 */
const createNonce = (source: (size: number) => Buffer = pooledRandomBytes): string => {
  let nonce = '';
  while (nonce.length < NONCE_LENGTH) {
    for (const byte of source(NONCE_LENGTH)) {
      if (byte < NONCE_BYTE_LIMIT && nonce.length < NONCE_LENGTH) nonce += BASE62.charAt(byte % BASE62.length);
    }
  }
  return nonce;
};

export { SignType, canonicalize, sign, verify, createNonce };
