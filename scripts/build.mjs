// Builds the deployable artifacts: dist/cancel-bill/index.mjs (CONTRACT.md), and the batch
// function's dist/cancel-bill-batch/index.mjs (docs/batch.md), each with its source map.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Profile-based credential providers of the AWS SDK, never used on Lambda (see the stand-in's header). */
const PROFILE_PROVIDERS = /^@aws-sdk\/credential-provider-(ini|sso|process|web-identity|login)$/;
const withoutProfileCredentials = {
  name: 'without-profile-credentials',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: PROFILE_PROVIDERS }, () => ({
      path: fileURLToPath(new URL('./build/no-profile-credentials.mjs', import.meta.url)),
    }));
  },
};

/** One self-contained ESM bundle per function, built apart so neither changes the other. */
const bundle = async (entry, outdir) => {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { index: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // The SDK's ESM entry points avoid `require("node:https")` shims and shrink the bundle.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    plugins: [withoutProfileCredentials],
  });
  const bytes = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.mjs'))
    .reduce((sum, [, output]) => sum + output.bytes, 0);
  console.log(`built ${outdir}/index.mjs (${(bytes / 1024).toFixed(1)} KiB)`);
};

await bundle('functions/cancel-bill.ts', 'dist/cancel-bill');
await bundle('functions/cancel-bill-batch.ts', 'dist/cancel-bill-batch');
