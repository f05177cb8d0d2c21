/**
 * Builds the merchant secret JSON of CONTRACT.md ("The secret") from the sandbox certificates.
 */
import type { ClientCertName, SandboxCerts } from './certs.js';

/** How to build a merchant secret; defaults give the valid current one. */
type MerchantSecretOptions = {
  /** Which client certificate to put in it (default `merchant`). */
  identity?: ClientCertName;
  apiKey?: string;
  mchId?: string;
  /** pfx only: written as `pfx_passphrase`; omitted by default (the contract's default is mch_id). */
  passphrase?: string;
  /** pfx only: use the legacy RC2/3DES PKCS#12. */
  legacy?: boolean;
};

/**
 * The SecretString: `mch_id`, `api_key` and either `cert_pem` + `key_pem` or `pfx_base64`
 * (+ `pfx_passphrase` when asked for).
 * @throws {Error} when a PKCS#12 is asked for an identity that has none.
 */
const buildMerchantSecret = (
  certs: SandboxCerts,
  format: 'pem' | 'pfx',
  options: MerchantSecretOptions & { mchId: string; apiKey: string },
): string => {
  const name = options.identity ?? 'merchant';
  const identity = certs.clients[name];
  const base = { mch_id: options.mchId, api_key: options.apiKey };
  if (format === 'pem') return JSON.stringify({ ...base, cert_pem: identity.certPem, key_pem: identity.keyPem });
  const pfx = options.legacy === true ? certs.legacyPfx : identity.pfx;
  if (pfx === undefined) throw new Error(`the sandbox has no ${options.legacy === true ? 'legacy ' : ''}PKCS#12 for ${name}`);
  const passphrase = options.passphrase === undefined ? {} : { pfx_passphrase: options.passphrase };
  return JSON.stringify({ ...base, pfx_base64: pfx.der.toString('base64'), ...passphrase });
};

export { buildMerchantSecret };
export type { MerchantSecretOptions };
