import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { parseMerchantSecret, refusedCertificateExpiry } from '../../lib/merchant-secret.js';
import { createOpenssl } from '../sandbox/openssl.js';

const MCH_ID = '1230000109';
const API_KEY = '192006250b4c09247ec02edce69f6a2d';

/** The certificates of these tests: one identity, a key of another, and that identity as PKCS#12 files. */
type Material = {
  certPem: string;
  keyPem: string;
  otherKeyPem: string;
  notBefore: number;
  notAfter: number;
  /** base64 of a PKCS#12 protected by the passphrase of its name. */
  pfx: { mchId: string; custom: string; empty: string; keyOnly: string; legacy: string };
};

/** Generated once per file (EC keys, so it stays quick): none is committed, none can expire in the repository. */
const createMaterial = async (dir: string): Promise<Material> => {
  const openssl = await createOpenssl(dir);
  const [identity, otherKeyPath] = await Promise.all([openssl.selfSigned('merchant', MCH_ID), openssl.key('other', 'ec')]);
  const pkcs12 = async (name: string, passphrase: string, legacy = false): Promise<string> =>
    (await readFile(await openssl.pkcs12(name, { identity, passphrase, legacy }))).toString('base64');
  const keyOnlyPath = join(dir, 'key-only.p12');
  const [mchId, custom, empty, legacy] = await Promise.all([
    pkcs12('mch-id', MCH_ID),
    pkcs12('custom', 'a passphrase of its own'),
    pkcs12('empty', ''),
    pkcs12('legacy', MCH_ID, true),
    // A PKCS#12 that holds the key alone.
    promisify(execFile)('openssl', ['pkcs12', '-export', '-nocerts', '-inkey', identity.keyPath, '-out', keyOnlyPath, '-passout', `pass:${MCH_ID}`,
      '-certpbe', 'AES-256-CBC', '-keypbe', 'AES-256-CBC', '-macalg', 'sha256']),
  ]);
  const keyOnly = (await readFile(keyOnlyPath)).toString('base64');
  const certPem = await readFile(identity.certPath, 'utf8');
  const certificate = new X509Certificate(certPem);
  return {
    certPem,
    keyPem: await readFile(identity.keyPath, 'utf8'),
    otherKeyPem: await readFile(otherKeyPath, 'utf8'),
    notBefore: new Date(certificate.validFrom).getTime(),
    notAfter: new Date(certificate.validTo).getTime(),
    pfx: { mchId, custom, empty, keyOnly, legacy },
  };
};

/** The error `act` throws; fails the test when it throws none. */
const thrownBy = (act: () => unknown): ConfigError => {
  try {
    act();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('nothing was thrown');
};

describe('merchant-secret', () => {
  let dir: string;
  let material: Material;
  /** A moment inside the certificate's validity. */
  let now: number;
  /** The valid PEM secret, with `changes` applied (an `undefined` value removes the field). */
  let pemSecret: (changes?: Record<string, unknown>) => string;
  let pfxSecret: (changes?: Record<string, unknown>) => string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'merchant-secret-unit-'));
    material = await createMaterial(dir);
    now = material.notBefore + 60_000;
    pemSecret = (changes = {}) => JSON.stringify({ mch_id: MCH_ID, api_key: API_KEY, cert_pem: material.certPem, key_pem: material.keyPem, ...changes });
    pfxSecret = (changes = {}) => JSON.stringify({ mch_id: MCH_ID, api_key: API_KEY, pfx_base64: material.pfx.mchId, ...changes });
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('parseMerchantSecret', () => {
    it('turns a PEM secret into frozen credentials holding the API key as a secret KeyObject', () => {
      // Act
      const credentials = parseMerchantSecret(pemSecret(), 'version-1', now);

      // Assess
      expect(credentials).toMatchObject({
        mchId: MCH_ID,
        tls: { kind: 'pem', cert: material.certPem, key: material.keyPem },
        version: 'version-1',
        certNotBefore: new Date(material.notBefore),
        certNotAfter: new Date(material.notAfter),
      });
      expect(credentials.apiKey.type).toBe('secret');
      expect(credentials.apiKey.export().toString('utf8')).toBe(API_KEY);
      expect(Object.isFrozen(credentials)).toBe(true);
      expect(JSON.stringify(credentials)).not.toContain(API_KEY);
    });

    it('opens a PKCS#12 secret with mch_id as the default passphrase', () => {
      // Act
      const credentials = parseMerchantSecret(pfxSecret(), 'version-1', now);

      // Assess
      expect(credentials.tls).toEqual({ kind: 'pfx', pfx: Buffer.from(material.pfx.mchId, 'base64'), passphrase: MCH_ID });
      expect(credentials.certNotAfter).toEqual(new Date(material.notAfter));
      expect(credentials.certNotBefore).toEqual(new Date(material.notBefore));
    });

    it.each([
      { name: 'its own pfx_passphrase', file: 'custom', passphrase: 'a passphrase of its own' },
      { name: 'an empty pfx_passphrase, a real (empty) passphrase', file: 'empty', passphrase: '' },
    ] as const)('opens a PKCS#12 with $name', ({ file, passphrase }) => {
      // Act
      const credentials = parseMerchantSecret(pfxSecret({ pfx_base64: material.pfx[file], pfx_passphrase: passphrase }), 'v1', now);

      // Assess
      expect(credentials.tls).toMatchObject({ kind: 'pfx', passphrase });
    });

    it('opens a PKCS#12 with mch_id when pfx_passphrase is null', () => {
      // Act
      const credentials = parseMerchantSecret(pfxSecret({ pfx_passphrase: null }), 'v1', now);

      // Assess
      expect(credentials.tls).toMatchObject({ kind: 'pfx', passphrase: MCH_ID });
    });

    it('closes the socket it opens to read a PKCS#12', async () => {
      // Prepare
      const sockets = () => process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;
      const before = sockets();

      // Act
      for (let read = 0; read < 3; read += 1) parseMerchantSecret(pfxSecret(), 'v1', now);
      await new Promise((resolve) => setTimeout(resolve, 100));

      // Assess: a socket of the test runner may come and go, never the three of the reads.
      expect(sockets() - before).toBeLessThan(2);
    });

    it('reads base64 wrapped over several lines, as a PEM body is', () => {
      // Prepare
      const wrapped = `${material.pfx.mchId.replace(/(.{64})/g, '$1\n')}\n`;

      // Act
      const credentials = parseMerchantSecret(pfxSecret({ pfx_base64: wrapped }), 'v1', now);

      // Assess
      expect(credentials.tls.kind).toBe('pfx');
    });

    it('takes the PEM pair when the secret holds both formats', () => {
      // Act
      const credentials = parseMerchantSecret(pemSecret({ pfx_base64: material.pfx.mchId }), 'v1', now);

      // Assess
      expect(credentials.tls.kind).toBe('pem');
    });

    it.each([
      { name: 'cert_pem without key_pem', changes: { key_pem: undefined } },
      { name: 'empty cert_pem and key_pem', changes: { cert_pem: '', key_pem: '' } },
      { name: 'null cert_pem and key_pem', changes: { cert_pem: null, key_pem: null } },
      { name: 'key_pem without cert_pem', changes: { cert_pem: undefined } },
    ])('takes pfx_base64 when the PEM pair is incomplete: $name', ({ changes }) => {
      // Act
      const credentials = parseMerchantSecret(pemSecret({ pfx_base64: material.pfx.mchId, ...changes }), 'v1', now);

      // Assess
      expect(credentials.tls.kind).toBe('pfx');
    });

    it('never reads a field inherited from the prototype', () => {
      // Prepare: prototype pollution elsewhere in the process must not supply a secret field.
      const secret = JSON.stringify({ mch_id: MCH_ID, api_key: API_KEY, cert_pem: material.certPem });
      Object.defineProperty(Object.prototype, 'key_pem', { value: material.keyPem, configurable: true });

      // Act
      let error: ConfigError;
      try {
        error = thrownBy(() => parseMerchantSecret(secret, 'v1', now));
      } finally {
        delete (Object.prototype as Record<string, unknown>).key_pem;
      }

      // Assess
      expect(error.message).toBe('SECRET_INVALID: cert_pem and key_pem (or pfx_base64) are required');
    });

    it('accepts the certificate from the first to the last millisecond of its validity', () => {
      // Act
      const first = parseMerchantSecret(pemSecret(), 'v1', material.notBefore);
      const last = parseMerchantSecret(pemSecret(), 'v1', material.notAfter);

      // Assess
      expect([first.version, last.version]).toEqual(['v1', 'v1']);
    });

    it.each([
      { name: 'an expired certificate', at: (m: Material) => m.notAfter + 1, expected: /^CERT_EXPIRED: the merchant API certificate expired on (\S+)$/, date: (m: Material) => m.notAfter },
      { name: 'a certificate not valid yet', at: (m: Material) => m.notBefore - 1, expected: /^CERT_NOT_YET_VALID: the merchant API certificate is valid from (\S+)$/, date: (m: Material) => m.notBefore },
    ])('refuses $name, and keeps its expiry for the days-to-expiry metric', ({ at, expected, date }) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pemSecret(), 'v1', at(material)));

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(expected);
      expect(expected.exec(error.message)?.[1]).toBe(new Date(date(material)).toISOString());
      expect(refusedCertificateExpiry(error)).toEqual(new Date(material.notAfter));
    });

    it.each([
      { name: 'not JSON', secret: '{mch_id:', expected: 'SECRET_NOT_JSON: the secret string is not JSON' },
      { name: 'a JSON array', secret: '[]', expected: 'SECRET_NOT_JSON: the secret string is not a JSON object' },
      { name: 'JSON null', secret: 'null', expected: 'SECRET_NOT_JSON: the secret string is not a JSON object' },
      { name: 'a JSON string', secret: '"x"', expected: 'SECRET_NOT_JSON: the secret string is not a JSON object' },
      {
        name: 'an empty object',
        secret: '{}',
        expected: 'SECRET_INVALID: mch_id must be 1-32 digits; api_key must be the 32-character APIv2 key; cert_pem and key_pem (or pfx_base64) are required',
      },
    ])('refuses a secret that is $name', ({ secret, expected }) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(secret, 'v1', now));

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(expected);
    });

    it.each([
      { name: 'letters', value: '12300001O9' },
      { name: '33 digits', value: '1'.repeat(33) },
      { name: 'a leading blank', value: ` ${MCH_ID}` },
      { name: 'a trailing line feed', value: `${MCH_ID}\n` },
      { name: 'an empty string', value: '' },
    ])('refuses a malformed mch_id: $name', ({ value }) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pemSecret({ mch_id: value }), 'v1', now));

      // Assess
      expect(error.message).toBe('SECRET_INVALID: mch_id must be 1-32 digits');
    });

    it.each([
      { name: '31 characters', value: API_KEY.slice(1) },
      { name: '33 characters', value: `${API_KEY}0` },
      { name: 'a blank inside', value: `${API_KEY.slice(0, 31)} ` },
      { name: 'a blank in front', value: ` ${API_KEY.slice(1)}` },
      { name: 'a character outside ASCII', value: `${API_KEY.slice(0, 31)}é` },
      { name: 'a control character', value: `${API_KEY.slice(0, 31)}\u007f` },
      { name: 'an empty string', value: '' },
    ])('refuses a malformed api_key: $name', ({ value }) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pemSecret({ api_key: value }), 'v1', now));

      // Assess
      expect(error.message).toBe('SECRET_INVALID: api_key must be the 32-character APIv2 key');
    });

    it('accepts an api_key of 32 printable ASCII characters, from ! to ~', () => {
      // Prepare
      const apiKey = `!~${'A'.repeat(30)}`;

      // Act
      const credentials = parseMerchantSecret(pemSecret({ api_key: apiKey, mch_id: '1'.repeat(32) }), 'v1', now);

      // Assess
      expect(credentials.apiKey.export().toString('utf8')).toBe(apiKey);
      expect(credentials.mchId).toBe('1'.repeat(32));
    });

    it.each(['mch_id', 'api_key', 'cert_pem', 'key_pem', 'pfx_base64', 'pfx_passphrase'])('refuses a %s that is not a string', (field) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pfxSecret({ [field]: 1230000109 }), 'v1', now));

      // Assess
      expect(error.message).toBe(`SECRET_INVALID: secret field ${field} must be a string`);
    });

    it.each([
      { name: 'cert_pem without key_pem or pfx_base64', changes: { key_pem: undefined } },
      { name: 'key_pem without cert_pem or pfx_base64', changes: { cert_pem: undefined } },
    ])('refuses $name', ({ changes }) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pemSecret(changes), 'v1', now));

      // Assess
      expect(error.message).toBe('SECRET_INVALID: cert_pem and key_pem (or pfx_base64) are required');
    });

    it.each([
      { name: 'a cert_pem that is no certificate', changes: () => ({ cert_pem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }), expected: 'SECRET_CERT_INVALID: cert_pem is not a PEM certificate' },
      { name: 'a key_pem that is no key', changes: () => ({ key_pem: 'not a key' }), expected: 'SECRET_KEY_INVALID: key_pem is not an unencrypted PEM private key' },
      { name: 'a key_pem that does not belong to the certificate', changes: () => ({ key_pem: material.otherKeyPem }), expected: 'SECRET_KEY_MISMATCH: key_pem does not belong to the certificate in cert_pem' },
    ])('refuses $name', ({ changes, expected }) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pemSecret(changes()), 'v1', now));

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(expected);
      expect(refusedCertificateExpiry(error)).toBeUndefined();
    });

    it.each([
      { name: 'text that is not base64', pfx: () => 'not*base64', expected: 'SECRET_PFX_INVALID: pfx_base64 is not base64' },
      { name: 'base64 followed by text', pfx: () => `${material.pfx.mchId}==x`, expected: 'SECRET_PFX_INVALID: pfx_base64 is not base64' },
      { name: 'base64 of bytes that are no PKCS#12', pfx: () => Buffer.from('no pkcs12 here').toString('base64'), expected: 'SECRET_PFX_INVALID: pfx_base64 is not a usable PKCS#12 certificate and key' },
      { name: 'a PKCS#12 without its certificate', pfx: () => material.pfx.keyOnly, expected: 'SECRET_PFX_INVALID: pfx_base64 is not a usable PKCS#12 certificate and key' },
      { name: 'a PKCS#12 under another passphrase', pfx: () => material.pfx.custom, expected: 'SECRET_PFX_PASSPHRASE: pfx_base64 cannot be opened with pfx_passphrase (default: mch_id)' },
      { name: 'a PKCS#12 with an empty passphrase, opened with mch_id', pfx: () => material.pfx.empty, expected: 'SECRET_PFX_PASSPHRASE: pfx_base64 cannot be opened with pfx_passphrase (default: mch_id)' },
    ])('refuses $name', ({ pfx, expected }) => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pfxSecret({ pfx_base64: pfx() }), 'v1', now));

      // Assess
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toBe(expected);
    });

    it('refuses a PKCS#12 with legacy encryption and says how to re-export it', () => {
      // Act
      const error = thrownBy(() => parseMerchantSecret(pfxSecret({ pfx_base64: material.pfx.legacy }), 'v1', now));

      // Assess
      expect(error.message).toMatch(/^SECRET_PFX_UNSUPPORTED: .*re-export it with AES-256/);
    });
  });

  describe('refusedCertificateExpiry', () => {
    it.each([
      { name: 'another ConfigError', error: new ConfigError('SECRET_INVALID', 'x') },
      { name: 'a string', error: 'CERT_EXPIRED' },
      { name: 'null', error: null },
      { name: 'undefined', error: undefined },
    ])('gives nothing for $name', ({ error }) => {
      // Act / Assess
      expect(refusedCertificateExpiry(error)).toBeUndefined();
    });
  });
});
