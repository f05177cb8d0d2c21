// A cold start in a fresh process: import the bundle (mode `import`), or import it and run the
// first invocation (mode `result`; `timeline` adds the network events). Prints one JSON line of
// marks, in ms since the process started (performance.timeOrigin), to stderr (stdout holds the
// function's logs), and exits at once, as a frozen Lambda sandbox would stop counting.
import { pathToFileURL } from 'node:url';
import { recordNetworkEvents } from './network-events.mjs';

const [mode, bundle, outOrderNo, reason] = process.argv.slice(2);
const entered = performance.now();
const events = mode === 'timeline' ? recordNetworkEvents() : [];
const { handler } = await import(pathToFileURL(bundle).href);
const imported = performance.now();
const marks = { entered, imported };
if (mode === 'result' || mode === 'timeline') {
  const deadline = Date.now() + 30_000;
  const context = {
    awsRequestId: `bench-cold-${process.pid}`,
    functionName: 'cancel-bill-bench-cancelBill',
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const result = await handler({ out_order_no: outOrderNo, reason }, context);
  marks.result = performance.now();
  marks.ok = result?.state === 'REVOKED';
  if (mode === 'timeline') marks.events = events;
}
const cpu = process.cpuUsage();
marks.cpuMs = (cpu.user + cpu.system) / 1000;
process.stderr.write(`${JSON.stringify(marks)}\n`);
process.exit(0);
