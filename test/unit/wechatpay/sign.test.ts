import { createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize, createNonce, sign, verify } from '../../../lib/wechatpay/sign.js';
import { SPEC_API_KEY, V1_FIELDS as V1, V1_SIGN, V2_FIELDS as V2, V2_SIGN, V3_FIELDS as V3, V3_SIGN, V4_FIELDS as V4, V4_SIGN } from '../../fixtures/spec-vectors.js';

const API_KEY = createSecretKey(Buffer.from(SPEC_API_KEY));
const OTHER_KEY = createSecretKey(Buffer.from('00000000000000000000000000000000'));

describe('wechatpay/sign', () => {
  describe('canonicalize', () => {
    it.each([
      {
        name: 'V1 official example',
        fields: V1,
        expected: 'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA',
      },
      {
        name: 'V2 cancelbill request',
        fields: V2,
        expected:
          'appid=wxd678efh567hg6787&mch_id=1230000109&nonce_str=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&out_order_no=1234323JKHDFE1243252&reason=用户投诉&service_id=2002000000000558128851361561536&sign_type=HMAC-SHA256&version=1.0',
      },
      {
        name: 'V3 empty value and sign dropped',
        fields: V3,
        expected:
          'appid=wxd678efh567hg6787&mch_id=1230000109&nonce_str=5K8264ILTKCH16CQ2502SI8ZNMTM67VS&out_order_no=1234323JKHDFE1243252&reason=用户投诉&sign_type=HMAC-SHA256&version=1.0',
      },
    ])('builds stringA for $name', ({ fields, expected }) => {
      // Act
      const stringA = canonicalize(fields);

      // Assess
      expect(stringA).toBe(expected);
    });

    it('drops undefined values and keeps whitespace-only values', () => {
      // Prepare
      const fields = { b: ' ', a: undefined, c: 'x' };

      // Act
      const stringA = canonicalize(fields);

      // Assess
      expect(stringA).toBe('b= &c=x');
    });

    it.each([
      { name: 'a null value', fields: { a: '1', b: null, c: '2' }, expected: 'a=1&c=2' },
      { name: 'null, empty and sign together', fields: { bob: '1', alice: null, tom: '', sign: 'mock' }, expected: 'bob=1' },
    ])('drops $name like an empty one (spec §7 step 2)', ({ fields, expected }) => {
      // Act
      const stringA = canonicalize(fields);

      // Assess
      expect(stringA).toBe(expected);
    });

    it('signs a null value as absent, never as the text "null"', () => {
      // Act
      const signature = sign({ ...V2, coupon: null }, API_KEY);

      // Assess
      expect(signature).toBe(V2_SIGN);
    });

    it('sorts keys by code point, case-sensitively', () => {
      // Prepare
      const fields = { b: '1', a: '2', B: '3', _z: '4', a_b: '5', ab: '6' };

      // Act
      const stringA = canonicalize(fields);

      // Assess
      expect(stringA).toBe('B=3&_z=4&a=2&a_b=5&ab=6&b=1');
    });

    it.each([
      { name: 'a name outside the BMP after one just below the surrogates', fields: { '\u{10000}': '1', '\uFF61': '2' }, expected: '\uFF61=2&\u{10000}=1' },
      { name: 'two names outside the BMP', fields: { '\u{1F600}': '1', '\u{10000}': '2' }, expected: '\u{10000}=2&\u{1F600}=1' },
      { name: 'a name outside the BMP after an ASCII one', fields: { '\u{1F600}': '1', z: '2' }, expected: 'z=2&\u{1F600}=1' },
    ])('sorts field names outside the BMP by code point, not by UTF-16 unit: $name', ({ fields, expected }) => {
      // Act
      const stringA = canonicalize(fields);

      // Assess
      expect(stringA).toBe(expected);
    });

    it('uses values raw, without escaping or trimming', () => {
      // Prepare
      const fields = { reason: ' a&b <c> "d" ' };

      // Act
      const stringA = canonicalize(fields);

      // Assess
      expect(stringA).toBe('reason= a&b <c> "d" ');
    });
  });

  describe('sign', () => {
    it.each([
      { name: 'V1 official example (HMAC-SHA256)', fields: V1, expected: V1_SIGN },
      { name: 'V2 cancelbill request', fields: V2, expected: V2_SIGN },
      { name: 'V3 empty value and sign dropped', fields: V3, expected: V3_SIGN },
      { name: 'V4 success reply', fields: V4, expected: V4_SIGN },
    ])('computes the spec §10 signature for $name', ({ fields, expected }) => {
      // Act
      const signature = sign(fields, API_KEY);

      // Assess
      expect(signature).toBe(expected);
    });

    it('depends on the key', () => {
      // Act
      const signature = sign(V2, OTHER_KEY);

      // Assess
      expect(signature).toMatch(/^[0-9A-F]{64}$/);
      expect(signature).not.toBe(V2_SIGN);
    });
  });

  describe('verify', () => {
    it('accepts the V4 reply with its signature', () => {
      // Act
      const valid = verify({ ...V4, sign: V4_SIGN }, API_KEY);

      // Assess
      expect(valid).toBe(true);
    });

    it('accepts a lower-case hex signature', () => {
      // Act
      const valid = verify({ ...V4, sign: V4_SIGN.toLowerCase() }, API_KEY);

      // Assess
      expect(valid).toBe(true);
    });

    it('ignores an added empty field, which is not signed', () => {
      // Act
      const valid = verify({ ...V4, extra: '', sign: V4_SIGN }, API_KEY);

      // Assess
      expect(valid).toBe(true);
    });

    it.each([
      { name: 'one digit of order_id changed', fields: { ...V4, order_id: '15646546545165651652', sign: V4_SIGN } },
      { name: 'an unknown non-empty field added', fields: { ...V4, coupon: '1', sign: V4_SIGN } },
      { name: 'a field removed', fields: { ...V4, return_msg: undefined, sign: V4_SIGN } },
      { name: 'the signature altered', fields: { ...V4, sign: `${V4_SIGN.slice(0, 63)}9` } },
      { name: 'the signature missing', fields: { ...V4 } },
      { name: 'the signature empty', fields: { ...V4, sign: '' } },
      { name: 'the signature null', fields: { ...V4, sign: null } },
      { name: 'the signature truncated', fields: { ...V4, sign: V4_SIGN.slice(0, 62) } },
      { name: 'the signature too long', fields: { ...V4, sign: `${V4_SIGN}00` } },
      { name: 'the signature not hex', fields: { ...V4, sign: `${V4_SIGN.slice(0, 63)}G` } },
      { name: 'the signature an MD5 (32 hex)', fields: { ...V4, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' } },
    ])('rejects a reply with $name', ({ fields }) => {
      // Act
      const valid = verify(fields, API_KEY);

      // Assess
      expect(valid).toBe(false);
    });

    it('rejects a signature made with another key', () => {
      // Act
      const valid = verify({ ...V4, sign: V4_SIGN }, OTHER_KEY);

      // Assess
      expect(valid).toBe(false);
    });
  });

  describe('createNonce', () => {
    it('returns 32 base62 characters', () => {
      // Act
      const nonce = createNonce();

      // Assess
      expect(nonce).toMatch(/^[0-9A-Za-z]{32}$/);
    });

    it('returns a different value each time', () => {
      // Act
      const nonces = new Set(Array.from({ length: 100 }, () => createNonce()));

      // Assess
      expect(nonces.size).toBe(100);
    });

    it('draws fresh random bytes once its 4 KiB pool is used up', () => {
      // Act: 128 nonces of 32 bytes use up one pool, at the least.
      const nonces = Array.from({ length: 300 }, () => createNonce());

      // Assess
      expect(nonces.every((nonce) => /^[0-9A-Za-z]{32}$/.test(nonce))).toBe(true);
      expect(new Set(nonces).size).toBe(300);
    });

    it('maps bytes below 248 modulo 62 and redraws the rest', () => {
      // Prepare
      const draws = [
        Buffer.from([248, 255, 0, 61, 62, 247]),
        Buffer.alloc(32, 250),
        Buffer.from(Array.from({ length: 32 }, (_, i) => i + 1)),
      ];
      const sizes: number[] = [];
      const source = (size: number): Buffer => {
        sizes.push(size);
        return draws.shift() ?? Buffer.alloc(0);
      };

      // Act
      const nonce = createNonce(source);

      // Assess
      expect(nonce).toBe('0z0z123456789ABCDEFGHIJKLMNOPQRS');
      expect(sizes).toEqual([32, 32, 32]);
    });
  });
});
