import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
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
  /** The directory holding the template and the zips; removed by `cleanup`. */
  dir: string;
  template: Template;
  /** The service's zip: the cancel function's bundle (the batch function has its own zip beside it). */
  zipPath: string;
  cleanup: () => Promise<void>;
};

/** What `serverless package` reads from the project: the configuration, the files it names, the bundles. */
const PROJECT_FILES = ['serverless.yml', 'package.json', 'infra', 'dist'];

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
 * Runs `serverless package` offline on a copy of the project (its configuration, infra/ and dist/,
 * with node_modules linked) in a fresh temporary directory, and reads the update-stack template.
 * osls zips every artifact into the service's own `.serverless/` first and clears it at start, so
 * parallel test files packaging the project itself would delete each other's zips.
 *
 * @throws {Error} when packaging fails (its output is in the message).
 */
const packageService = async (params: Readonly<Record<string, string>>): Promise<PackagedService> => {
  const work = await mkdtemp(join(tmpdir(), 'cancel-bill-package-'));
  const project = join(work, 'project');
  const dir = join(work, 'out');
  const cleanup = () => rm(work, { recursive: true, force: true });
  const args = [SERVERLESS_JS, 'package', '--package', dir, ...Object.entries(params).map(([k, v]) => `--param=${k}=${v}`)];
  try {
    await mkdir(project);
    await Promise.all(PROJECT_FILES.map((file) => cp(join(ROOT, file), join(project, file), { recursive: true })));
    await symlink(join(ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    await run(process.execPath, args, { cwd: project, env: { ...process.env, ...OFFLINE_AWS_ENV }, timeout: 60_000 });
  } catch (error) {
    await cleanup();
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package failed:\n${stdout}\n${stderr}`, { cause: error });
  }
  const template = JSON.parse(
    await readFile(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return { dir, template, zipPath: join(dir, 'cancel-bill.zip'), cleanup };
};

export { packageService, OFFLINE_AWS_ENV, ROOT, SERVERLESS_JS, TEST_STAGE_PARAMS };
export type { PackagedService, Template, Resource };
