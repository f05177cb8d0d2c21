/**
 * Bundle variants for profiling: the function unminified (readable names, a source map), and
 * bundles of single dependencies or without the SDK, to see what each costs at import. Built with
 * scripts/build.mjs's options (copied: that script builds on import); keep the two in step.
 */
import { build } from 'esbuild';
import type { BuildOptions, Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROFILE_PROVIDERS = /^@aws-sdk\/credential-provider-(ini|sso|process|web-identity|login)$/;
const STAND_IN = join(ROOT, 'scripts/build/no-profile-credentials.mjs');

/**
 * The variants: `full` is the production build again, `unminified` is for CPU profiles; the two
 * `*-log-line` builds swap the invocation log line for nothing or for a plain `JSON.stringify`.
 */
type Variant = 'full' | 'unminified' | 'no-sdk' | 'sdk-only' | 'powertools-only' | 'xml-only' | 'without-log-line' | 'plain-log-line';

const redirect = (name: string, filter: RegExp, path: string): Plugin => ({
  name,
  setup: (pluginBuild) => {
    pluginBuild.onResolve({ filter }, () => ({ path }));
  },
});

/** The SDK replaced by classes that do nothing: the function minus the SDK's import cost. */
const SDK_STUB = `export class SecretsManagerClient { constructor() {} send() { return Promise.reject(new Error('stub')); } }
export class GetSecretValueCommand { constructor(input) { this.input = input; } }`;

const ENTRIES: Readonly<Record<Variant, string>> = {
  full: 'functions/cancel-bill.ts',
  unminified: 'functions/cancel-bill.ts',
  'no-sdk': 'functions/cancel-bill.ts',
  'sdk-only': "export { SecretsManagerClient, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';",
  'powertools-only': "export { Logger } from '@aws-lambda-powertools/logger'; export { Metrics } from '@aws-lambda-powertools/metrics';",
  'xml-only': "export { XMLParser, XMLBuilder, XMLValidator } from 'fast-xml-parser';",
  'without-log-line': 'scripts/bench/entries/without-log-line.ts',
  'plain-log-line': 'scripts/bench/entries/plain-log-line.ts',
};

/**
 * Builds `variant` into `dir` and returns the bundle's path and size.
 * @throws {Error} when esbuild fails.
 */
const buildVariant = async (variant: Variant, dir: string): Promise<{ path: string; bytes: number }> => {
  const entry = ENTRIES[variant];
  const outfile = join(dir, `${variant}.mjs`);
  const plugins: Plugin[] = existsSync(STAND_IN) ? [redirect('without-profile-credentials', PROFILE_PROVIDERS, STAND_IN)] : [];
  if (variant === 'no-sdk') {
    const stub = join(dir, 'sdk-stub.mjs');
    await writeFile(stub, SDK_STUB);
    plugins.push(redirect('sdk-stub', /^@aws-sdk\/client-secrets-manager$/, stub));
  }
  const options: BuildOptions = {
    ...(entry.endsWith('.ts') ? { entryPoints: [join(ROOT, entry)] } : { stdin: { contents: entry, resolveDir: ROOT, loader: 'js' } }),
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: variant !== 'unminified',
    sourcemap: variant === 'unminified',
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins,
  };
  const result = await build(options);
  const bytes = Object.entries(result.metafile?.outputs ?? {}).find(([file]) => file.endsWith('.mjs'))?.[1].bytes ?? 0;
  return { path: outfile, bytes };
};

export { buildVariant };
export type { Variant };
