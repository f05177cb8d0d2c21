// One warm call of the built bundle's handler with a direct-invoke envelope, as the Lambda
// runtime makes it (a fresh context per invocation).
import { pathToFileURL } from 'node:url';

const TIMEOUT_MS = 30_000;

/**
 * Imports the bundle once and returns a caller that cancels one order per call.
 * @param {{ bundle: string, reason: string }} init
 * @returns {Promise<{ call(outOrderNo: string): Promise<void>, close(): void }>}
 * @throws {Error} from `call`: the handler threw, or its result is not a fresh REVOKED.
 */
const createHandlerCaller = async ({ bundle, reason }) => {
  const { handler } = await import(pathToFileURL(bundle).href);
  let sequence = 0;
  const call = async (outOrderNo) => {
    sequence += 1;
    const deadline = Date.now() + TIMEOUT_MS;
    const context = {
      awsRequestId: `bench-${process.pid}-${sequence}`,
      functionName: 'cancel-bill-bench-cancelBill',
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const result = await handler({ out_order_no: outOrderNo, reason }, context);
    if (result?.state !== 'REVOKED' || result.already_cancelled !== false) throw new Error(`unexpected result for ${outOrderNo}`);
  };
  return { call, close: () => undefined };
};

export { createHandlerCaller };
