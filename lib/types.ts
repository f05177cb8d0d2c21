import type { KeyObject } from 'node:crypto';

/** Time, injected so cache expiry, deadlines and backoff are testable. */
interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** The merchant's API client certificate, as TLS options for `node:https`. */
type TlsIdentity =
  | Readonly<{ kind: 'pem'; cert: string; key: string }>
  | Readonly<{ kind: 'pfx'; pfx: Buffer; passphrase: string }>;

/** What the secret yields once checked: everything needed to sign and to open mutual TLS. */
type MerchantCredentials = Readonly<{
  mchId: string;
  /** The APIv2 key as a secret KeyObject, so a stray log of this object cannot print it. */
  apiKey: KeyObject;
  tls: TlsIdentity;
  /** Identifies this credential set (Secrets Manager VersionId): one https.Agent per version. */
  version: string;
  /** Validity of the client certificate. */
  certNotBefore: Date;
  certNotAfter: Date;
}>;

/** Loads the merchant credentials with a TTL cache and in-flight de-duplication. */
interface SecretsLoader {
  /**
   * Returns cached credentials, or fetches them. `refresh: true` bypasses the cache (one fresh
   * fetch, shared by concurrent callers); with `unless`, only when the cached version is still
   * that refused one (another caller may have refreshed already). A fetch is bounded by its own
   * timeout and by `deadline` (epoch ms); one that cannot start before it is not started.
   * @throws {ConfigError} the secret is missing, not JSON, incomplete, or its key and certificate do not match.
   * @throws {TransientError} throttling, network failure or no answer in time from Secrets Manager.
   */
  get(options?: { refresh?: boolean; unless?: string; deadline?: number }): Promise<MerchantCredentials>;
}

/** One HTTPS POST over mutual TLS. */
type HttpsRequest = Readonly<{
  url: string;
  body: string;
  headers: Readonly<Record<string, string>>;
  /** Overall limit for this attempt (connect + send + read). */
  timeoutMs: number;
  /** Client certificate to present; the transport keeps one keep-alive Agent per `credentials.version`. */
  credentials: Pick<MerchantCredentials, 'tls' | 'version'>;
}>;

type HttpsResponse = Readonly<{
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}>;

/**
 * Knows nothing about WeChat Pay.
 * @throws {TransientError} network, TLS, timeout (`phase` tells whether the request may have been processed).
 * @throws {WechatPayError} `SSL_CERT_ERROR` when the server refuses the client certificate at the TLS layer,
 *   `REPLY_TOO_LARGE` when the reply exceeds the size cap.
 */
interface HttpsTransport {
  request(request: HttpsRequest): Promise<HttpsResponse>;
}

export type { Clock, TlsIdentity, MerchantCredentials, SecretsLoader, HttpsRequest, HttpsResponse, HttpsTransport };
