import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** A CloudFormation template as osls writes it; only the parts the tests read are typed. */
type Template = {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
};
type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown>; DependsOn?: unknown };

type PackagedService = {
  /** The directory holding the template and the zip; removed by `cleanup`. */
  dir: string;
  template: Template;
  zipPath: string;
  cleanup: () => Promise<void>;
};

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The osls CLI, run with this Node binary (not through npx, whose PID is not the server's). */
const SERVERLESS_JS = join(ROOT, 'node_modules/serverless/bin/serverless.js');

/** Fake credentials: packaging needs none, and the SDK must never walk to the metadata service. */
const OFFLINE_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake',
  AWS_REGION: 'eu-west-1',
  AWS_EC2_METADATA_DISABLED: 'true',
} as const;

/** Stage parameters of the packaged test stack: a fake secret, encrypted with a customer key. */
const TEST_STAGE_PARAMS = {
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wechatpay/merchant-AbCdEf',
  secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
} as const;

const run = promisify(execFile);

/**
 * Runs `serverless package` offline into a fresh temporary directory, so parallel test files never
 * collide (osls still clears the project's `.serverless/`), and reads the update-stack template.
 *
 * @throws {Error} when packaging fails (its output is in the message).
 */
const packageService = async (params: Readonly<Record<string, string>>): Promise<PackagedService> => {
  const dir = await mkdtemp(join(tmpdir(), 'cancel-bill-package-'));
  const args = [SERVERLESS_JS, 'package', '--package', dir, ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`)];
  try {
    await run(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...OFFLINE_AWS_ENV }, timeout: 60_000 });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package failed:\n${stdout}\n${stderr}`, { cause: error });
  }
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return {
    dir,
    template,
    zipPath: join(dir, 'cancel-bill.zip'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};

export { packageService, OFFLINE_AWS_ENV, ROOT, SERVERLESS_JS, TEST_STAGE_PARAMS };
export type { PackagedService, Template, Resource };
