// The demo: the built function in its own process, against the local WeChat Pay + Secrets Manager
// sandbox, through every envelope. Prints one row per invocation; then a bulk cancellation of a few
// hundred orders through the local batch run, ending with its summary. Exits 0 when every outcome
// is the expected one.
import { startLambda } from '../test/helpers/lambda-process.js';
import type { Invocation } from '../test/helpers/lambda-process.js';
import { textOf } from '../test/helpers/text.js';
import { startSandbox } from '../test/sandbox/index.js';
import type { Sandbox } from '../test/sandbox/index.js';
import { runBulkDemo } from './batch/demo-bulk.js';

type OrderState = 'CREATED' | 'USER_ACCEPTED' | 'FINISHED' | 'USER_PAID' | 'REVOKED' | 'EXPIRED';
type Scenario = {
  envelope: string;
  orderNo: string;
  /** State to seed; `undefined` leaves the order unknown to WeChat Pay. */
  state: OrderState | undefined;
  event: (orderNo: string) => unknown;
  /** What the caller must see: `REVOKED`, `EXPIRED (already)`, an error name, or an HTTP status. */
  expected: string;
  before?: (sandbox: Sandbox) => Promise<void> | void;
  after?: (sandbox: Sandbox) => Promise<void> | void;
};

const direct = (reason: string) => (orderNo: string) => ({ out_order_no: orderNo, reason });
const eventBridge = (orderNo: string) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'RentalOrderCancellationRequested',
  source: 'com.example.rentals',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'eu-west-1',
  resources: [],
  detail: { out_order_no: orderNo, reason: '设备故障' },
});
const httpApi = (orderNo: string) => ({
  version: '2.0',
  routeKey: 'POST /rental-orders/{out_order_no}/cancel',
  rawPath: `/rental-orders/${orderNo}/cancel`,
  rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  requestContext: { http: { method: 'POST', path: `/rental-orders/${orderNo}/cancel` }, requestId: 'demo', stage: '$default' },
  pathParameters: { out_order_no: orderNo },
  body: JSON.stringify({ reason: '用户已归还' }),
  isBase64Encoded: false,
});
const restApi = (orderNo: string) => ({
  resource: '/rental-orders/{out_order_no}/cancel',
  path: `/dev/rental-orders/${orderNo}/cancel`,
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json' },
  requestContext: { requestId: 'demo', stage: 'dev', httpMethod: 'POST' },
  pathParameters: { out_order_no: orderNo },
  body: Buffer.from(JSON.stringify({ reason: 'duplicate request' })).toString('base64'),
  isBase64Encoded: true,
});

const SCENARIOS: Scenario[] = [
  { envelope: 'direct', orderNo: 'DEMO-PB-0001', state: 'CREATED', event: direct('用户投诉'), expected: 'REVOKED' },
  { envelope: 'step-functions', orderNo: 'DEMO-UM-0002', state: 'USER_ACCEPTED', event: direct('umbrella returned broken'), expected: 'REVOKED' },
  { envelope: 'eventbridge', orderNo: 'DEMO-BK-0003', state: 'CREATED', event: eventBridge, expected: 'REVOKED' },
  { envelope: 'http-api', orderNo: 'DEMO-PB-0004', state: 'CREATED', event: httpApi, expected: '200 REVOKED' },
  { envelope: 'rest-api', orderNo: 'DEMO-PB-0005', state: 'REVOKED', event: restApi, expected: '200 REVOKED (already)' },
  { envelope: 'direct', orderNo: 'DEMO-UM-0006', state: 'EXPIRED', event: direct('never confirmed'), expected: 'EXPIRED (already)' },
  { envelope: 'direct', orderNo: 'DEMO-BK-0007', state: 'FINISHED', event: direct('too late'), expected: 'OrderStateError' },
  { envelope: 'http-api', orderNo: 'DEMO-XX-0008', state: undefined, event: httpApi, expected: '404 OrderNotFoundError' },
  { envelope: 'direct', orderNo: 'DEMO-PB-0009', state: 'CREATED', event: direct('emoji 🚲 not allowed'), expected: 'ValidationError' },
  {
    envelope: 'direct',
    orderNo: 'DEMO-PB-0010',
    state: 'CREATED',
    event: direct('SYSTEMERROR once'),
    expected: 'REVOKED',
    before: (sandbox) => sandbox.primary.faults.push('systemError', { endpoint: 'cancelbill' }),
  },
  {
    envelope: 'direct',
    orderNo: 'DEMO-PB-0011',
    state: 'CREATED',
    event: direct('reply lost'),
    expected: 'REVOKED (already)',
    before: (sandbox) => sandbox.primary.faults.push('resetAfterProcessing', { endpoint: 'cancelbill' }),
  },
  {
    envelope: 'eventbridge',
    orderNo: 'DEMO-BK-0012',
    state: 'CREATED',
    event: eventBridge,
    expected: 'REVOKED',
    before: (sandbox) => sandbox.primary.down(),
    after: (sandbox) => sandbox.primary.up(),
  },
];

/** One short word for what the caller saw. */
const describeOutcome = (invocation: Invocation): string => {
  if (!invocation.ok) return invocation.error.name;
  const result = invocation.result as Record<string, unknown>;
  if (typeof result.statusCode === 'number') {
    const body = JSON.parse(String(result.body)) as Record<string, unknown>;
    const inner = body.error ?? `${String(body.state)}${body.already_cancelled === true ? ' (already)' : ''}`;
    return `${result.statusCode} ${textOf(inner)}`;
  }
  return `${String(result.state)}${result.already_cancelled === true ? ' (already)' : ''}`;
};

const pad = (value: string, width: number): string => value + ' '.repeat(Math.max(0, width - [...value].length));

const main = async (): Promise<number> => {
  const sandbox = await startSandbox();
  const lambda = await startLambda(sandbox.env({ WECHATPAY_TIMEOUT_MS: '2000' }));
  const hosts = new Map([
    [new URL(sandbox.primary.url).host, 'primary'],
    [new URL(sandbox.backup.url).host, 'backup'],
  ]);
  const rows: string[][] = [];
  let failures = 0;
  try {
    for (const scenario of SCENARIOS) {
      if (scenario.state !== undefined) sandbox.seedOrder(scenario.orderNo, scenario.state);
      await scenario.before?.(sandbox);
      const invocation = await lambda.invoke(scenario.event(scenario.orderNo));
      await scenario.after?.(sandbox);
      const line = lambda.records().filter((record) => record.message === 'cancel-bill invocation').at(-1) ?? {};
      const outcome = describeOutcome(invocation);
      const ok = outcome === scenario.expected;
      failures += ok ? 0 : 1;
      const host = typeof line.host === 'string' ? `${hosts.get(line.host) ?? '?'} ${line.host}` : '-';
      rows.push([scenario.envelope, scenario.orderNo, scenario.state ?? '(none)', outcome, textOf(line.attempts ?? '-'), host, `${Math.round(invocation.ms)} ms`, ok ? 'ok' : `EXPECTED ${scenario.expected}`]);
    }
  } finally {
    await lambda.stop();
    await sandbox.close();
  }
  const header = ['envelope', 'order', 'seeded', 'outcome', 'attempts', 'host', 'latency', 'check'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => [...(row[column] ?? '')].length)));
  const print = (row: string[]): void => console.log(row.map((cell, column) => pad(cell, widths[column] ?? 0)).join('  '));
  print(header);
  print(widths.map((width) => '-'.repeat(width)));
  rows.forEach(print);
  console.log(`\n${rows.length - failures} of ${rows.length} outcomes as expected\n`);
  const bulkOk = await runBulkDemo((line) => console.log(line));
  return failures === 0 && bulkOk ? 0 : 1;
};

process.exitCode = await main();
