import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../../sandbox/loopback.js';
import { OFFLINE_AWS_ENV, ROOT, SERVERLESS_JS } from './package-service.js';

type OfflineServer = {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:4123` (HTTP API routes have no stage prefix). */
  httpUrl: string;
  /** The Lambda invoke URL of a function, as Step Functions and the SDK call it. */
  invokeUrl: (functionName: string) => string;
  /** Everything serverless-offline and the function printed so far. */
  output: () => string;
  stop: () => Promise<void>;
};

/** CONTRACT.md variables that serverless.yml sets from these stage parameters. */
const PARAM_OF_VARIABLE: Readonly<Record<string, string>> = {
  WECHATPAY_SECRET_ID: 'secretArn',
  WECHATPAY_APPID: 'wechatpayAppid',
  WECHATPAY_SERVICE_ID: 'wechatpayServiceId',
  WECHATPAY_BASE_URL: 'wechatpayBaseUrl',
  WECHATPAY_BACKUP_BASE_URL: 'wechatpayBackupBaseUrl',
  WECHATPAY_TIMEOUT_MS: 'wechatpayTimeoutMs',
  WECHATPAY_MAX_ATTEMPTS: 'wechatpayMaxAttempts',
  WECHATPAY_SECRET_TTL_SECONDS: 'wechatpaySecretTtlSeconds',
};
const READY_TIMEOUT_MS = 30_000;

const stopChild = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
};

/**
 * Starts `serverless offline start` on free 127.0.0.1 ports as a child process (the binary
 * itself, so its PID is the server's), serving the built bundle. `env` holds the function's
 * environment: CONTRACT.md variables become stage parameters (serverless.yml sets them), the rest
 * (AWS_*, NODE_EXTRA_CA_CERTS) goes into the server's environment, which the function inherits.
 *
 * @throws {Error} without a local WECHATPAY_BASE_URL and WECHATPAY_SECRET_ID, or when the server is
 *   not ready within 30 s (its output is in the message).
 */
const startOffline = async (env: Readonly<Record<string, string>>): Promise<OfflineServer> => {
  const baseUrl = env.WECHATPAY_BASE_URL ?? '';
  if (baseUrl === '' || (env.WECHATPAY_SECRET_ID ?? '') === '') {
    throw new Error('startOffline needs WECHATPAY_BASE_URL and WECHATPAY_SECRET_ID (never the real WeChat Pay)');
  }
  // serverless.yml defaults the backup to the real api2 host, and `--param` takes no empty value:
  // a backup equal to the primary disables it (CONTRACT.md), so nothing ever leaves 127.0.0.1.
  const backup = env.WECHATPAY_BACKUP_BASE_URL;
  const contractEnv = { ...env, WECHATPAY_BACKUP_BASE_URL: backup === undefined || backup === '' ? baseUrl : backup };
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const params = Object.entries(contractEnv)
    .filter(([name, value]) => PARAM_OF_VARIABLE[name] !== undefined && value !== '')
    .map(([name, value]) => `--param=${PARAM_OF_VARIABLE[name]}=${value}`);
  const inherited = Object.fromEntries(Object.entries(env).filter(([name]) => PARAM_OF_VARIABLE[name] === undefined));
  // serverless-offline sets the function's AWS_REGION from the provider's region, not the environment.
  const region = env.AWS_REGION === undefined ? [] : ['--region', env.AWS_REGION];
  const ports = ['--host', '127.0.0.1', '--httpPort', `${httpPort}`, '--lambdaPort', `${lambdaPort}`];
  const child = spawn(
    process.execPath,
    [SERVERLESS_JS, 'offline', 'start', ...ports, ...region, ...params],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, ...OFFLINE_AWS_ENV, ...inherited },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('serverless offline was not ready in time')), READY_TIMEOUT_MS);
      const check = (): void => {
        // osls reports a start-up failure and then keeps running: fail fast instead of waiting.
        const failed = /^Error:$/m.test(output);
        if (!failed && !output.includes('Server ready:')) return;
        clearTimeout(timer);
        if (failed) reject(new Error('serverless offline failed to start'));
        else resolve();
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`serverless offline exited with ${code}`));
      });
    });
  } catch (error) {
    await stopChild(child);
    throw new Error(`${(error as Error).message}:\n${output}`, { cause: error });
  }
  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    invokeUrl: (functionName) => `http://127.0.0.1:${lambdaPort}/2015-03-31/functions/${functionName}/invocations`,
    output: () => output,
    stop: () => stopChild(child),
  };
};

export { startOffline, PARAM_OF_VARIABLE };
export type { OfflineServer };
