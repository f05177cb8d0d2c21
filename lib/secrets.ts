import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { ConfigError, TransientError, isAppError } from './errors.js';
import { parseMerchantSecret } from './merchant-secret.js';
import type { Clock, MerchantCredentials, SecretsLoader } from './types.js';

/** The one method of `SecretsManagerClient` the loader needs; the client is passed in, never built here. */
interface SecretsClient {
  send(command: GetSecretValueCommand, options?: { abortSignal?: AbortSignal }): Promise<GetSecretValueCommandOutput>;
}

type SecretsLoaderOptions = {
  client: SecretsClient;
  secretId: string;
  ttlMs: number;
  clock: Clock;
  /** Limit of one GetSecretValue call, the SDK's own retries included (default `SECRET_CALL_TIMEOUT_MS`). */
  callTimeoutMs?: number;
};

/** One GetSecretValue call, with the SDK's own retries, never takes longer than this. */
const SECRET_CALL_TIMEOUT_MS = 5000;
/** A fetch with less time than this before the caller's deadline is not started. */
const MIN_FETCH_MS = 200;

/** After a failed refetch, how long the previous credentials are served before trying again. */
const STALE_RETRY_MS = 30_000;

const CONFIG_FAULTS: Readonly<Record<string, string>> = {
  ResourceNotFoundException: 'SECRET_NOT_FOUND',
  AccessDeniedException: 'SECRET_ACCESS_DENIED',
  DecryptionFailure: 'SECRET_DECRYPT_FAILED',
  InvalidRequestException: 'SECRET_UNAVAILABLE',
  InvalidParameterException: 'SECRET_UNAVAILABLE',
  UnrecognizedClientException: 'SECRET_ACCESS_DENIED',
  // The SDK found no AWS credentials at all: an environment fault, not a blip.
  CredentialsProviderError: 'AWS_CREDENTIALS_MISSING',
};

/** Maps an SDK failure to the contract without copying the SDK's message (it may echo request data). */
const toAppError = (error: unknown): Error => {
  if (isAppError(error)) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new TransientError('SECRET_FETCH_TIMEOUT', `Secrets Manager did not answer in time (${name})`, { cause: error, phase: 'connect' });
  }
  const configCode = CONFIG_FAULTS[name];
  if (configCode !== undefined) {
    return new ConfigError(configCode, `Secrets Manager refused GetSecretValue (${name})`, { cause: error });
  }
  const metadata = (error as { $metadata?: { httpStatusCode?: number }; $fault?: string } | undefined) ?? {};
  const status = metadata.$metadata?.httpStatusCode;
  if (metadata.$fault === 'client' && status !== undefined && status !== 429 && name !== 'ThrottlingException') {
    return new ConfigError('SECRET_UNAVAILABLE', `Secrets Manager refused GetSecretValue (${name})`, { cause: error });
  }
  return new TransientError('SECRET_FETCH_FAILED', `could not read the secret from Secrets Manager (${name})`, {
    cause: error,
    phase: 'connect',
  });
};

/**
 * Creates the secret loader: lazy GetSecretValue, a TTL cache, one in-flight fetch shared by
 * concurrent callers, failures never cached. A refetch that fails transiently after the TTL keeps
 * serving the previous credentials; a forced refresh (after a credential refusal) never does.
 *
 * @throws {ConfigError} from `get()`: the secret is missing, unreadable or malformed.
 * @throws {TransientError} from `get()`: throttling or network failure with nothing cached.
 */
const createSecretsLoader = (options: SecretsLoaderOptions): SecretsLoader => {
  const { client, secretId, ttlMs, clock } = options;
  const callTimeoutMs = options.callTimeoutMs ?? SECRET_CALL_TIMEOUT_MS;
  let cached: { credentials: MerchantCredentials; expiresAt: number } | undefined;
  let inFlight: Promise<MerchantCredentials> | undefined;

  const fetchFresh = async (timeoutMs: number): Promise<MerchantCredentials> => {
    let output: GetSecretValueCommandOutput;
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw toAppError(error);
    }
    if (typeof output.SecretString !== 'string') {
      throw new ConfigError('SECRET_NOT_STRING', 'the secret has no SecretString (binary secrets are not supported)');
    }
    const credentials = parseMerchantSecret(output.SecretString, output.VersionId ?? 'unversioned', clock.now());
    cached = { credentials, expiresAt: clock.now() + ttlMs };
    return credentials;
  };

  /** This caller's wait for `fetch`: no longer than its own budget. */
  const within = (fetch: Promise<MerchantCredentials>, budgetMs: number): Promise<MerchantCredentials> => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new TransientError('SECRET_FETCH_TIMEOUT', `Secrets Manager did not answer within ${budgetMs} ms`, { phase: 'connect' }));
      }, budgetMs);
    });
    return Promise.race([fetch, expired]).finally(() => clearTimeout(timer));
  };

  /**
   * The shared fetch, bounded by its own call timeout (never by one caller's budget, which would
   * cut short every other caller's wait), awaited by each caller no longer than its own budget.
   * A caller that joined a fetch another started, which failed, tries once on its own while its
   * budget lasts (that fetch may have outlived its invocation, even a freeze).
   */
  const awaitFetch = async (budgetMs: number, mayRetry = true): Promise<MerchantCredentials> => {
    const started = clock.now();
    const joined = inFlight !== undefined;
    const shared = (inFlight ??= fetchFresh(callTimeoutMs).finally(() => {
      inFlight = undefined;
    }));
    try {
      return await within(shared, budgetMs);
    } catch (error) {
      const left = budgetMs - (clock.now() - started);
      if (!joined || !mayRetry || !(error instanceof TransientError) || left < MIN_FETCH_MS) throw error;
      return awaitFetch(left, false);
    }
  };

  const get = async (getOptions?: { refresh?: boolean; unless?: string; deadline?: number }): Promise<MerchantCredentials> => {
    const refresh = getOptions?.refresh === true;
    if (refresh && getOptions.unless !== undefined && cached !== undefined && cached.credentials.version !== getOptions.unless) {
      return cached.credentials;
    }
    if (!refresh && cached !== undefined && clock.now() < cached.expiresAt) return cached.credentials;
    const stale = refresh ? undefined : cached?.credentials;
    const budgetMs = Math.min(callTimeoutMs, (getOptions?.deadline ?? Number.POSITIVE_INFINITY) - clock.now());
    try {
      if (budgetMs < MIN_FETCH_MS) {
        throw new TransientError('DEADLINE_EXCEEDED', 'no time left to fetch the secret from Secrets Manager', { phase: 'connect' });
      }
      return await awaitFetch(budgetMs);
    } catch (error) {
      if (
        stale === undefined ||
        !(error instanceof TransientError) ||
        // Stryker disable next-line ConditionalExpression: `cached` is never unset once set, so a stale value implies it (the check narrows the type)
        cached === undefined
      ) {
        throw error;
      }
      // Secrets Manager is struggling: keep the last good credentials a little longer instead of
      // making every invocation wait for another failing fetch.
      cached = { credentials: stale, expiresAt: clock.now() + STALE_RETRY_MS };
      return stale;
    }
  };

  return { get };
};

export { createSecretsLoader, SECRET_CALL_TIMEOUT_MS };
export type { SecretsClient, SecretsLoaderOptions };
