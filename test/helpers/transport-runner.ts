/**
 * lib/https-transport.ts alone in a child process (`node --import tsx`), so that
 * NODE_EXTRA_CA_CERTS, which Node reads once at start, can make it trust the sandbox; its clock
 * moves only when the parent says. Each message `{ id, advanceMs, url, credentials, timeoutMs }`
 * moves the clock, then posts one request; the reply is `{ id, status }` or `{ id, error }` (the
 * error's code). The first argument, when given, is the connect timeout in ms.
 */
import { createHttpsTransport } from '../../lib/https-transport.js';
import type { HttpsRequest } from '../../lib/types.js';

type Message = { id: number; advanceMs: number; url: string; credentials: HttpsRequest['credentials']; timeoutMs: number };

let now = 0;
const connectTimeoutMs = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
const transport = createHttpsTransport({ clock: { now: () => now }, ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }) });

process.on('message', (message: Message) => {
  now += message.advanceMs;
  const request = { url: message.url, body: '<xml></xml>', headers: { 'Content-Type': 'text/xml' }, timeoutMs: message.timeoutMs, credentials: message.credentials };
  transport.request(request).then(
    (response) => process.send?.({ id: message.id, status: response.status }),
    (error: unknown) => process.send?.({ id: message.id, error: (error as { code?: string }).code ?? String(error) }),
  );
});
process.send?.({ id: 0 });
