/**
 * A local Secrets Manager endpoint for `GetSecretValue` only, speaking the AWS JSON 1.1 protocol
 * (docs/testing.md#the-secrets-manager-endpoint) so the real `@aws-sdk/client-secrets-manager` can talk to it over plain HTTP.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { createFaultQueue } from './fault-queue.js';
import { listenOnLoopback } from './loopback.js';

/**
 * Injectable faults: `throttle` (400 ThrottlingException), `internalError` (500), two 400s, and
 * `stall`: the request is read and never answered (the connection stays open).
 */
type SecretsFault = 'throttle' | 'internalError' | 'accessDenied' | 'decryptionFailure' | 'stall';

type SecretsFaultTarget = { secretId?: string };

type StoredSecret = { name: string; arn: string; versionId: string; secretString: string; createdDate: number };

type SecretsStats = {
  /** GetSecretValue calls received, including refused ones (the SDK retries throttling and 500s). */
  getSecretValue: number;
  /** The same count per secret name (or per unknown SecretId). */
  bySecret: Record<string, number>;
};

type SecretsManagerSandbox = {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  url: string;
  /**
   * Creates or replaces a secret; a new VersionId (UUID) unless `versionId` is given.
   * @returns its ARN and VersionId.
   */
  setSecret(name: string, secretString: string, options?: { versionId?: string }): { arn: string; versionId: string };
  /** Removes a secret; later reads get ResourceNotFoundException. */
  deleteSecret(nameOrArn: string): boolean;
  faults: {
    push(fault: SecretsFault, options?: SecretsFaultTarget & { times?: number }): void;
    set(fault: SecretsFault, options?: SecretsFaultTarget): void;
    clear(): void;
    pending(): number;
  };
  stats: SecretsStats;
  resetStats(): void;
  close(): Promise<void>;
};

const FAULT_ERRORS: Readonly<Record<Exclude<SecretsFault, 'stall'>, [number, string, string]>> = {
  throttle: [400, 'ThrottlingException', 'Rate exceeded'],
  internalError: [500, 'InternalServiceError', 'An error occurred on the server side.'],
  accessDenied: [400, 'AccessDeniedException', 'User is not authorized to perform: secretsmanager:GetSecretValue'],
  decryptionFailure: [400, 'DecryptionFailure', "Secrets Manager can't decrypt the protected secret text using the provided KMS key."],
};

const NOT_FOUND: [number, string, string] = [400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret."];

const readJson = async (request: IncomingMessage): Promise<Record<string, unknown> | undefined> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Starts the endpoint on 127.0.0.1 (any free port).
 * @throws {Error} when the port cannot be bound.
 * @example
 * const secrets = await startSecretsManagerSandbox();
 * secrets.setSecret('cancel-bill/wechatpay', JSON.stringify({ mch_id: '1230000109' }));
 */
const startSecretsManagerSandbox = async (options: { region?: string; accountId?: string } = {}): Promise<SecretsManagerSandbox> => {
  const region = options.region ?? 'eu-west-1';
  const accountId = options.accountId ?? '123456789012';
  const secrets = new Map<string, StoredSecret>();
  const faults = createFaultQueue<SecretsFault, { secretId: string; name: string | undefined }>();
  const stats: SecretsStats = { getSecretValue: 0, bySecret: {} };
  const find = (id: string): StoredSecret | undefined =>
    secrets.get(id) ?? [...secrets.values()].find((secret) => secret.arn === id || secret.arn.slice(0, -7) === id);
  const targeted = ({ secretId }: SecretsFaultTarget) => (context: { secretId: string; name: string | undefined }) =>
    secretId === undefined || secretId === context.secretId || secretId === context.name;

  /** The status and JSON body of an answer. */
  type Answer = [status: number, body: unknown];
  const refusal = ([status, type, message]: [number, string, string]): Answer => [status, { __type: type, message }];

  /** The answer to one request; `undefined` for a stalled one, which gets none. */
  const answerOf = async (request: IncomingMessage): Promise<Answer | undefined> => {
    const body = await readJson(request);
    if (request.method !== 'POST' || request.url !== '/') return refusal([404, 'UnknownOperationException', 'Not found']);
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') return refusal([400, 'UnknownOperationException', 'Unknown operation']);
    if (request.headers.authorization === undefined) return refusal([400, 'MissingAuthenticationTokenException', 'Missing Authentication Token']);
    if (body === undefined || typeof body.SecretId !== 'string') return refusal([400, 'ValidationException', 'SecretId is required']);
    const secretId = body.SecretId;
    const secret = find(secretId);
    const key = secret?.name ?? secretId;
    stats.getSecretValue += 1;
    stats.bySecret[key] = (stats.bySecret[key] ?? 0) + 1;
    const fault = faults.take({ secretId, name: secret?.name });
    if (fault === 'stall') return undefined;
    if (fault !== undefined) return refusal(FAULT_ERRORS[fault]);
    const wrongVersion = body.VersionId !== undefined && body.VersionId !== secret?.versionId;
    const wrongStage = body.VersionStage !== undefined && body.VersionStage !== 'AWSCURRENT';
    if (secret === undefined || wrongVersion || wrongStage) return refusal(NOT_FOUND);
    return [
      200,
      {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: secret.versionId,
        SecretString: secret.secretString,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: secret.createdDate,
      },
    ];
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const answer = await answerOf(request);
    if (answer === undefined) return;
    const [status, body] = answer;
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    response.end(JSON.stringify(body));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    setSecret: (name, secretString, setOptions = {}) => {
      const existing = secrets.get(name);
      const arn = existing?.arn ?? `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${randomBytes(3).toString('hex')}`;
      const versionId = setOptions.versionId ?? randomUUID();
      secrets.set(name, { name, arn, versionId, secretString, createdDate: Date.now() / 1000 });
      return { arn, versionId };
    },
    deleteSecret: (nameOrArn) => {
      const secret = find(nameOrArn);
      return secret !== undefined && secrets.delete(secret.name);
    },
    faults: {
      push: (fault, target = {}) => faults.push(fault, { match: targeted(target), times: target.times ?? 1 }),
      set: (fault, target = {}) => faults.set(fault, { match: targeted(target) }),
      clear: faults.clear,
      pending: faults.pending,
    },
    stats,
    resetStats: () => {
      stats.getSecretValue = 0;
      stats.bySecret = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

export { startSecretsManagerSandbox };
export type { SecretsManagerSandbox, SecretsFault, SecretsStats };
