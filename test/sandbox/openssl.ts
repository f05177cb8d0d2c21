/**
 * Thin wrappers over the `openssl` CLI (OpenSSL 3.0) for the sandbox certificates: run with
 * execFile (no shell), one minimal config file, keys written as unencrypted PKCS#8 PEM.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `ec` is P-256 (fast); `rsa` is RSA 2048, the type WeChat Pay issues merchant certificates with. */
type KeyType = 'ec' | 'rsa';

/** Extension profiles of the config below. */
type Profile = 'ca_ext' | 'server_ext' | 'client_ext';

/** A certificate and key on disk. */
type Issuer = { certPath: string; keyPath: string };

const CONFIG = `
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[ client_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
[ ca ]
default_ca = dated
[ dated ]
dir = $ENV::SANDBOX_CA_DIR
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = any_name
unique_subject = no
x509_extensions = client_ext
[ any_name ]
commonName = supplied
`;

const NEW_KEY: Readonly<Record<KeyType, readonly string[]>> = {
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  rsa: ['-newkey', 'rsa:2048'],
};

/** Writes the config into `dir` and returns a runner bound to it. */
const createOpenssl = async (dir: string) => {
  const configPath = join(dir, 'openssl.cnf');
  await writeFile(configPath, CONFIG);
  const openssl = async (args: readonly string[], env: Record<string, string> = {}): Promise<void> => {
    try {
      await run('openssl', [...args], { cwd: dir, env: { ...process.env, SANDBOX_CA_DIR: dir, ...env } });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, { cause: error });
    }
  };
  const paths = (name: string): Issuer => ({ certPath: join(dir, `${name}.pem`), keyPath: join(dir, `${name}.key`) });
  const subject = (cn: string): string[] => ['-subj', `/CN=${cn}`, '-config', configPath];

  return {
    /** A self-signed CA valid for 365 days. */
    selfSigned: async (name: string, cn: string): Promise<Issuer> => {
      const out = paths(name);
      await openssl(['req', '-x509', ...NEW_KEY.ec, '-nodes', '-keyout', out.keyPath, '-out', out.certPath, ...subject(cn), '-extensions', 'ca_ext', '-days', '365']);
      return out;
    },
    /** A certificate signed by `issuer`, valid from now for 365 days. */
    issue: async (name: string, options: { cn: string; issuer: Issuer; profile: Profile; keyType: KeyType }): Promise<Issuer> => {
      const out = paths(name);
      await openssl(['req', '-x509', ...NEW_KEY[options.keyType], '-nodes', '-keyout', out.keyPath, '-out', out.certPath, ...subject(options.cn),
        '-extensions', options.profile, '-days', '365', '-CA', options.issuer.certPath, '-CAkey', options.issuer.keyPath]);
      return out;
    },
    /** A client certificate with explicit validity (`openssl ca`, which takes -startdate/-enddate). */
    issueDated: async (name: string, options: { cn: string; issuer: Issuer; notBefore: Date; notAfter: Date }): Promise<Issuer> => {
      const out = paths(name);
      const caDir = join(dir, `${name}.ca`);
      await mkdir(caDir);
      await writeFile(join(caDir, 'index.txt'), '');
      await writeFile(join(caDir, 'serial'), `${randomBytes(8).toString('hex')}\n`);
      const csrPath = join(dir, `${name}.csr`);
      const stamp = (date: Date): string => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
      await openssl(['req', '-new', ...NEW_KEY.ec, '-nodes', '-keyout', out.keyPath, '-out', csrPath, ...subject(options.cn)]);
      await openssl(['ca', '-batch', '-notext', '-config', configPath, '-cert', options.issuer.certPath, '-keyfile', options.issuer.keyPath,
        '-in', csrPath, '-out', out.certPath, '-startdate', stamp(options.notBefore), '-enddate', stamp(options.notAfter)], { SANDBOX_CA_DIR: caDir });
      return out;
    },
    /** A bare private key. */
    key: async (name: string, keyType: KeyType): Promise<string> => {
      const keyPath = join(dir, `${name}.key`);
      const algorithm = keyType === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
      await openssl(['genpkey', ...algorithm, '-out', keyPath]);
      return keyPath;
    },
    /** A PKCS#12 of `identity`: AES-256-CBC + SHA-256 MAC, or OpenSSL's `-legacy` RC2/3DES. */
    pkcs12: async (name: string, options: { identity: Issuer; passphrase: string; legacy: boolean }): Promise<string> => {
      const path = join(dir, `${name}.p12`);
      const cipher = options.legacy ? ['-legacy'] : ['-certpbe', 'AES-256-CBC', '-keypbe', 'AES-256-CBC', '-macalg', 'sha256'];
      await openssl(['pkcs12', '-export', '-in', options.identity.certPath, '-inkey', options.identity.keyPath, '-out', path, '-passout', 'env:SANDBOX_PFX_PASS',
        ...cipher], { SANDBOX_PFX_PASS: options.passphrase });
      return path;
    },
  };
};

export { createOpenssl };
export type { KeyType, Profile, Issuer };
