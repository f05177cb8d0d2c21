/**
 * Runs the sandbox until SIGINT/SIGTERM and prints the function's environment as JSON on stdout.
 * Any arguments are seeded as CREATED orders.
 *
 * Usage: npx tsx test/sandbox/cli.ts [out_order_no ...]
 */
import { startSandbox } from './index.js';

const sandbox = await startSandbox();
for (const outOrderNo of process.argv.slice(2)) sandbox.seedOrder(outOrderNo);
process.stdout.write(`${JSON.stringify(sandbox.env(), null, 2)}\n`);

const stop = (signal: NodeJS.Signals): void => {
  process.stderr.write(`sandbox: ${signal}, closing\n`);
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
