/**
 * Generates every certificate the sandbox and its tests need, fresh for each run, so none can
 * expire in the repository or leak from it.
 */
import { readFile } from 'node:fs/promises';
import { createOpenssl } from './openssl.js';
import type { Issuer } from './openssl.js';

/** A certificate and its key, as files and as PEM text. */
type CertFiles = { certPath: string; keyPath: string; certPem: string; keyPem: string };

/** A PKCS#12 file and its bytes. */
type Pfx = { path: string; der: Buffer; passphrase: string };

/** A merchant client identity; `pfx` exists for `merchant` and `rotated`. */
type ClientIdentity = CertFiles & { pfx?: Pfx };

/**
 * The client identities:
 * - `merchant`: the merchant API certificate (RSA 2048, CN = mch_id, signed by the merchant CA);
 * - `rotated`: a second valid one, for certificate rotation;
 * - `expired` / `notYetValid`: outside their validity period; `expiringSoon`: valid for 10 more days;
 * - `foreign`: CN = mch_id but signed by the server CA, which the server does not trust for clients;
 * - `otherMerchant`: signed by the merchant CA for another mch_id;
 * - `mismatched`: the `merchant` certificate with a private key that does not belong to it.
 */
type ClientCertName = 'merchant' | 'rotated' | 'expired' | 'expiringSoon' | 'notYetValid' | 'foreign' | 'otherMerchant' | 'mismatched';

type SandboxCerts = {
  dir: string;
  mchId: string;
  /** The CA of the server certificate: give its path to `NODE_EXTRA_CA_CERTS`. */
  ca: CertFiles;
  /** The server certificate, for SAN `IP:127.0.0.1, DNS:localhost`. */
  server: CertFiles;
  /** The CA the server trusts for client certificates. */
  merchantCa: CertFiles;
  clients: Record<ClientCertName, ClientIdentity>;
  /** The `merchant` identity in a legacy (RC2/3DES) PKCS#12, when this openssl can write one. */
  legacyPfx: Pfx | undefined;
};

const DAY_MS = 24 * 60 * 60 * 1000;
const OTHER_MCH_ID = '1900000001';

const load = async (files: Issuer): Promise<CertFiles> => ({
  ...files,
  certPem: await readFile(files.certPath, 'utf8'),
  keyPem: await readFile(files.keyPath, 'utf8'),
});

const loadPfx = async (path: string, passphrase: string): Promise<Pfx> => ({ path, der: await readFile(path), passphrase });

/**
 * Writes CAs, server and client certificates, keys and PKCS#12 files into `dir` (which must
 * exist) using the `openssl` CLI; takes a few hundred milliseconds.
 * @throws {Error} when an openssl command fails (the message carries openssl's last lines).
 * @example
 * const certs = await generateCerts(await mkdtemp(join(tmpdir(), 'certs-')));
 */
const generateCerts = async (dir: string, options: { mchId?: string } = {}): Promise<SandboxCerts> => {
  const mchId = options.mchId ?? '1230000109';
  const openssl = await createOpenssl(dir);
  const now = Date.now();
  const [ca, merchantCa, mismatchedKeyPath] = await Promise.all([
    openssl.selfSigned('ca', 'WeChat Pay Sandbox Server CA'),
    openssl.selfSigned('merchant-ca', 'WeChat Pay Sandbox Merchant CA'),
    openssl.key('mismatched', 'rsa'),
  ]);
  const client = (name: string, cn: string, issuer: Issuer, keyType: 'ec' | 'rsa' = 'ec') =>
    openssl.issue(name, { cn, issuer, profile: 'client_ext', keyType });
  const [server, merchant, rotated, expired, expiringSoon, notYetValid, foreign, otherMerchant] = await Promise.all([
    openssl.issue('server', { cn: 'localhost', issuer: ca, profile: 'server_ext', keyType: 'ec' }),
    client('merchant', mchId, merchantCa, 'rsa'),
    client('rotated', mchId, merchantCa, 'rsa'),
    openssl.issueDated('expired', { cn: mchId, issuer: merchantCa, notBefore: new Date(now - 60 * DAY_MS), notAfter: new Date(now - DAY_MS) }),
    openssl.issueDated('expiring-soon', { cn: mchId, issuer: merchantCa, notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 10 * DAY_MS) }),
    openssl.issueDated('not-yet-valid', { cn: mchId, issuer: merchantCa, notBefore: new Date(now + 30 * DAY_MS), notAfter: new Date(now + 60 * DAY_MS) }),
    client('foreign', mchId, ca),
    client('other-merchant', OTHER_MCH_ID, merchantCa),
  ]);
  const [merchantPfx, rotatedPfx, legacyPfx] = await Promise.all([
    openssl.pkcs12('merchant', { identity: merchant, passphrase: mchId, legacy: false }),
    openssl.pkcs12('rotated', { identity: rotated, passphrase: mchId, legacy: false }),
    openssl.pkcs12('merchant-legacy', { identity: merchant, passphrase: mchId, legacy: true }).catch(() => undefined),
  ]);
  const merchantFiles = await load(merchant);
  return {
    dir,
    mchId,
    ca: await load(ca),
    server: await load(server),
    merchantCa: await load(merchantCa),
    clients: {
      merchant: { ...merchantFiles, pfx: await loadPfx(merchantPfx, mchId) },
      rotated: { ...(await load(rotated)), pfx: await loadPfx(rotatedPfx, mchId) },
      expired: await load(expired),
      expiringSoon: await load(expiringSoon),
      notYetValid: await load(notYetValid),
      foreign: await load(foreign),
      otherMerchant: await load(otherMerchant),
      mismatched: { ...merchantFiles, keyPath: mismatchedKeyPath, keyPem: await readFile(mismatchedKeyPath, 'utf8') },
    },
    legacyPfx: legacyPfx === undefined ? undefined : await loadPfx(legacyPfx, mchId),
  };
};

export { generateCerts };
export type { SandboxCerts, CertFiles, ClientIdentity, ClientCertName, Pfx };
