import { X509Certificate, createPrivateKey, createSecretKey } from 'node:crypto';
import { TLSSocket, createSecureContext } from 'node:tls';
import { ConfigError } from './errors.js';
import type { MerchantCredentials, TlsIdentity } from './types.js';

const MCH_ID_PATTERN = /^\d{1,32}$/;
const API_KEY_PATTERN = /^[\x21-\x7e]{32}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/\s]+={0,2}\s*$/;

type Fields = Record<string, unknown>;

/**
 * The expiry of the certificate behind each CERT_EXPIRED / CERT_NOT_YET_VALID error, so the
 * invocation that refused it still reports its days to expiry (errors carry no custom fields).
 */
const refusedCertificateExpiries = new WeakMap<object, Date>();

const invalid = (detail: string): ConfigError => new ConfigError('SECRET_INVALID', detail);

/** A field's value for a pattern check: a missing field is the empty string, which no pattern accepts. */
// Stryker disable next-line StringLiteral: any other stand-in fails the patterns as well
const orEmpty = (value: string | undefined): string => value ?? '';

const readString = (fields: Fields, name: string): string | undefined => {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(`secret field ${name} must be a string`);
  return value === '' ? undefined : value;
};

/** `pfx_passphrase` as given: unlike other fields, an empty string is a real (empty) passphrase. */
const readPassphrase = (fields: Fields): string | undefined => {
  const value = Object.hasOwn(fields, 'pfx_passphrase') ? fields.pfx_passphrase : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid('secret field pfx_passphrase must be a string');
  return value;
};

/** Reads the certificate of a PKCS#12 through a TLS context: Node has no other PKCS#12 parser. */
const certificateOfPfx = (pfx: Buffer, passphrase: string): X509Certificate => {
  let socket: TLSSocket | undefined;
  try {
    socket = new TLSSocket(null as never, { secureContext: createSecureContext({ pfx, passphrase }) });
    // createSecureContext has already refused a PKCS#12 without a certificate, so the context holds one
    // (were it missing, X509Certificate would throw, and the secret would be SECRET_PFX_INVALID below).
    return new X509Certificate((socket.getCertificate() as { raw: Buffer }).raw);
  } catch (error) {
    // Stryker disable next-line StringLiteral: any stand-in text names neither failure below
    const reason = error instanceof Error ? error.message : '';
    if (/unsupported/i.test(reason)) {
      throw new ConfigError(
        'SECRET_PFX_UNSUPPORTED',
        'pfx_base64 uses legacy PKCS#12 encryption (RC2/3DES) that OpenSSL 3 refuses; re-export it with AES-256 or store cert_pem/key_pem',
      );
    }
    if (/mac verify|password|decrypt/i.test(reason)) {
      throw new ConfigError('SECRET_PFX_PASSPHRASE', 'pfx_base64 cannot be opened with pfx_passphrase (default: mch_id)');
    }
    throw new ConfigError('SECRET_PFX_INVALID', 'pfx_base64 is not a usable PKCS#12 certificate and key');
  } finally {
    socket?.destroy();
  }
};

const identityFromPem = (certPem: string, keyPem: string): { tls: TlsIdentity; certificate: X509Certificate } => {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch {
    throw new ConfigError('SECRET_CERT_INVALID', 'cert_pem is not a PEM certificate');
  }
  let matches: boolean;
  try {
    matches = certificate.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    throw new ConfigError('SECRET_KEY_INVALID', 'key_pem is not an unencrypted PEM private key');
  }
  if (!matches) throw new ConfigError('SECRET_KEY_MISMATCH', 'key_pem does not belong to the certificate in cert_pem');
  return { tls: { kind: 'pem', cert: certPem, key: keyPem }, certificate };
};

const identityFromPfx = (pfxBase64: string, passphrase: string): { tls: TlsIdentity; certificate: X509Certificate } => {
  if (!BASE64_PATTERN.test(pfxBase64)) throw new ConfigError('SECRET_PFX_INVALID', 'pfx_base64 is not base64');
  const pfx = Buffer.from(pfxBase64, 'base64');
  const certificate = certificateOfPfx(pfx, passphrase);
  return { tls: { kind: 'pfx', pfx, passphrase }, certificate };
};

/**
 * Checks the secret JSON of CONTRACT.md ("The secret") and turns it into usable credentials.
 * The key must belong to the certificate and the certificate must be valid at `now`.
 *
 * @throws {ConfigError} `SECRET_NOT_JSON`, `SECRET_INVALID`, `SECRET_CERT_INVALID`, `SECRET_KEY_INVALID`,
 *   `SECRET_KEY_MISMATCH`, `SECRET_PFX_*`, `CERT_EXPIRED`, `CERT_NOT_YET_VALID`; messages name fields, never values.
 */
const parseMerchantSecret = (secretString: string, version: string, now: number): MerchantCredentials => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new ConfigError('SECRET_NOT_JSON', 'the secret string is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('SECRET_NOT_JSON', 'the secret string is not a JSON object');
  }
  const fields = parsed as Fields;
  const mchId = readString(fields, 'mch_id');
  const apiKey = readString(fields, 'api_key');
  const certPem = readString(fields, 'cert_pem');
  const keyPem = readString(fields, 'key_pem');
  const pfxBase64 = readString(fields, 'pfx_base64');

  const problems: string[] = [];
  if (!MCH_ID_PATTERN.test(orEmpty(mchId))) problems.push('mch_id must be 1-32 digits');
  if (!API_KEY_PATTERN.test(orEmpty(apiKey))) problems.push('api_key must be the 32-character APIv2 key');
  if (pfxBase64 === undefined && (certPem === undefined || keyPem === undefined)) {
    problems.push('cert_pem and key_pem (or pfx_base64) are required');
  }
  if (problems.length > 0) throw invalid(problems.join('; '));

  const { tls, certificate } =
    certPem !== undefined && keyPem !== undefined
      ? identityFromPem(certPem, keyPem)
      : identityFromPfx(pfxBase64 as string, readPassphrase(fields) ?? (mchId as string));

  const certNotBefore = new Date(certificate.validFrom);
  const certNotAfter = new Date(certificate.validTo);
  const refuse = (error: ConfigError): ConfigError => {
    refusedCertificateExpiries.set(error, certNotAfter);
    return error;
  };
  if (now > certNotAfter.getTime()) {
    throw refuse(new ConfigError('CERT_EXPIRED', `the merchant API certificate expired on ${certNotAfter.toISOString()}`));
  }
  if (now < certNotBefore.getTime()) {
    throw refuse(new ConfigError('CERT_NOT_YET_VALID', `the merchant API certificate is valid from ${certNotBefore.toISOString()}`));
  }
  return Object.freeze({
    mchId: mchId as string,
    // Stryker disable next-line StringLiteral: Buffer.from reads a string as UTF-8 by default
    apiKey: createSecretKey(Buffer.from(apiKey as string, 'utf8')),
    tls,
    version,
    certNotBefore,
    certNotAfter,
  });
};

/**
 * The expiry of the certificate a CERT_EXPIRED / CERT_NOT_YET_VALID error refused; otherwise
 * `undefined` (a WeakMap answers `undefined` for anything that is not an object).
 */
const refusedCertificateExpiry = (error: unknown): Date | undefined => refusedCertificateExpiries.get(error as object);

export { parseMerchantSecret, refusedCertificateExpiry };
