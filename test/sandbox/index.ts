/**
 * The whole local sandbox in one call: fresh certificates, a Secrets Manager endpoint holding the
 * merchant secret, and a primary and a backup WeChat Pay server sharing one order store.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCerts } from './certs.js';
import type { ClientCertName, SandboxCerts } from './certs.js';
import { buildMerchantSecret } from './merchant-secret.js';
import type { MerchantSecretOptions } from './merchant-secret.js';
import { startSecretsManagerSandbox } from './secrets-server.js';
import type { SecretsManagerSandbox } from './secrets-server.js';
import { startWechatPaySandbox } from './wechatpay-server.js';
import type { WechatPaySandbox, WechatPaySandboxOptions } from './wechatpay-server.js';
import { OrderState, createOrderStore } from './wechatpay-orders.js';
import type { Order, OrderStore, SeedOptions } from './wechatpay-orders.js';
import { hasValidSignature, parseXml, signFields, toXml } from './wechatpay-protocol.js';
import type { Fields } from './wechatpay-protocol.js';
import { Endpoint } from './wechatpay-endpoints.js';
import type { WechatPayFault } from './wechatpay-faults.js';

const SANDBOX_MCH_ID = '1230000109';
const SANDBOX_APPID = 'wxd678efh567hg6787';
const SANDBOX_SERVICE_ID = '2002000000000558128851361561536';
const SANDBOX_SECRET_ID = 'cancel-bill/wechatpay-merchant';
const SANDBOX_REGION = 'eu-west-1';
const API_KEY_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

type SandboxOptions = {
  /** Initial APIv2 key (default: 32 random alphanumerics). */
  apiKey?: string;
  /** Format of the secret stored at start (default `pem`). */
  secretFormat?: 'pem' | 'pfx';
  /** Behaviour switches applied to both WeChat Pay servers. */
  wechatpay?: Pick<WechatPaySandboxOptions, 'repeatCancelCode' | 'replyContentType' | 'signFailReplies' | 'rejectReusedNonce' | 'keepAlive'>;
};

type Sandbox = {
  mchId: string;
  /** The current APIv2 key of both servers. */
  readonly apiKey: string;
  appid: string;
  serviceId: string;
  secretId: string;
  certs: SandboxCerts;
  orders: OrderStore;
  primary: WechatPaySandbox;
  backup: WechatPaySandbox;
  secrets: SecretsManagerSandbox;
  /** Seeds an order (default state CREATED) with the sandbox appid and service_id. */
  seedOrder(outOrderNo: string, state?: OrderState, options?: SeedOptions): Order;
  /**
   * The secret JSON of CONTRACT.md.
   * @throws {Error} when a PKCS#12 is asked for an identity that has none.
   */
  merchantSecret(format: 'pem' | 'pfx', options?: MerchantSecretOptions): string;
  /** Stores `merchantSecret(format, options)` as a new version of the sandbox secret. */
  storeMerchantSecret(format: 'pem' | 'pfx', options?: MerchantSecretOptions): { arn: string; versionId: string };
  /** Rotates the APIv2 key on both servers (the stored secret is left alone). */
  setApiKey(apiKey: string): void;
  /** Environment for a process running the function against this sandbox. */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** Zeroes the statistics of all three servers. */
  resetStats(): void;
  /** Removes every queued and standing fault of all three servers. */
  clearFaults(): void;
  /** Stops the servers and deletes the certificate directory. */
  close(): Promise<void>;
};

/** A random 32-character alphanumeric APIv2 key. */
const createApiKey = (): string => Array.from({ length: 32 }, () => API_KEY_ALPHABET[randomInt(API_KEY_ALPHABET.length)]).join('');

/**
 * Starts the sandbox; certificates go to a temporary directory removed by `close()`.
 * @throws {Error} when openssl fails or a port cannot be bound (everything started is closed).
 * @example
 * const sandbox = await startSandbox();
 * sandbox.seedOrder('1234323JKHDFE1243252');
 * const lambda = await startLambda(sandbox.env());
 */
const startSandbox = async (options: SandboxOptions = {}): Promise<Sandbox> => {
  const dir = await mkdtemp(join(tmpdir(), 'wechatpay-sandbox-'));
  const started: { close(): Promise<void> }[] = [];
  try {
    const certs = await generateCerts(dir, { mchId: SANDBOX_MCH_ID });
    let apiKey = options.apiKey ?? createApiKey();
    const orders = createOrderStore({ appid: SANDBOX_APPID, service_id: SANDBOX_SERVICE_ID });
    const serverOptions = (name: string): WechatPaySandboxOptions => ({
      ...options.wechatpay,
      name,
      tls: { cert: certs.server.certPem, key: certs.server.keyPem, clientCa: certs.merchantCa.certPem },
      mchId: SANDBOX_MCH_ID,
      apiKey,
      orders,
    });
    const secrets = await startSecretsManagerSandbox({ region: SANDBOX_REGION });
    started.push(secrets);
    const primary = await startWechatPaySandbox(serverOptions('primary'));
    started.push(primary);
    const backup = await startWechatPaySandbox(serverOptions('backup'));
    started.push(backup);

    const merchantSecret = (format: 'pem' | 'pfx', secretOptions: MerchantSecretOptions = {}): string =>
      buildMerchantSecret(certs, format, {
        ...secretOptions,
        mchId: secretOptions.mchId ?? SANDBOX_MCH_ID,
        apiKey: secretOptions.apiKey ?? apiKey,
      });
    const storeMerchantSecret = (format: 'pem' | 'pfx', secretOptions?: MerchantSecretOptions) =>
      secrets.setSecret(SANDBOX_SECRET_ID, merchantSecret(format, secretOptions));
    storeMerchantSecret(options.secretFormat ?? 'pem');

    return {
      mchId: SANDBOX_MCH_ID,
      get apiKey() {
        return apiKey;
      },
      appid: SANDBOX_APPID,
      serviceId: SANDBOX_SERVICE_ID,
      secretId: SANDBOX_SECRET_ID,
      certs,
      orders,
      primary,
      backup,
      secrets,
      seedOrder: (outOrderNo, state, seedOptions) => orders.seed(outOrderNo, state, seedOptions),
      merchantSecret,
      storeMerchantSecret,
      setApiKey: (next) => {
        apiKey = next;
        primary.setApiKey(next);
        backup.setApiKey(next);
      },
      env: (overrides = {}) => ({
        WECHATPAY_SECRET_ID: SANDBOX_SECRET_ID,
        WECHATPAY_APPID: SANDBOX_APPID,
        WECHATPAY_SERVICE_ID: SANDBOX_SERVICE_ID,
        WECHATPAY_BASE_URL: primary.url,
        WECHATPAY_BACKUP_BASE_URL: backup.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        AWS_REGION: SANDBOX_REGION,
        AWS_ACCESS_KEY_ID: 'AKIAFAKE',
        AWS_SECRET_ACCESS_KEY: 'fake',
        AWS_EC2_METADATA_DISABLED: 'true',
        NODE_EXTRA_CA_CERTS: certs.ca.certPath,
        ...overrides,
      }),
      resetStats: () => {
        primary.resetStats();
        backup.resetStats();
        secrets.resetStats();
      },
      clearFaults: () => {
        primary.faults.clear();
        backup.faults.clear();
        secrets.faults.clear();
      },
      close: async () => {
        await Promise.all(started.map((server) => server.close()));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((server) => server.close()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
};

export {
  startSandbox,
  createApiKey,
  OrderState,
  Endpoint,
  signFields,
  hasValidSignature,
  toXml,
  parseXml,
  SANDBOX_MCH_ID,
  SANDBOX_APPID,
  SANDBOX_SERVICE_ID,
  SANDBOX_SECRET_ID,
};
export type {
  Sandbox,
  SandboxOptions,
  MerchantSecretOptions,
  SandboxCerts,
  ClientCertName,
  Order,
  OrderStore,
  Fields,
  WechatPaySandbox,
  WechatPayFault,
  SecretsManagerSandbox,
};
