// The limit of a cold start: a fresh process that does only the unavoidable network work of a
// first invocation, with bare node:http(s): fetch the secret (one JSON POST to the Secrets Manager
// endpoint), open mutual TLS with the certificate from it, post pre-signed bytes, read the reply.
// Prints the same marks as cold-start.mjs (with `timeline` last, the same network events too).
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { recordNetworkEvents } from './network-events.mjs';

const [secretsUrl, secretId, cancelUrl, body, headersJson, mode] = process.argv.slice(2);
const events = mode === 'timeline' ? recordNetworkEvents() : [];

const post = (send, url, options, payload) =>
  new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', ...options, headers: { ...options.headers, 'Content-Length': Buffer.byteLength(payload) } });
    req.on('error', reject);
    req.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(payload);
  });

const entered = performance.now();
const secretReply = await post(
  httpRequest,
  secretsUrl,
  { headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue', Authorization: 'bench' } },
  JSON.stringify({ SecretId: secretId }),
);
const secret = JSON.parse(JSON.parse(secretReply.text).SecretString);
const fetched = performance.now();
const agent = new Agent({ keepAlive: true, minVersion: 'TLSv1.2', rejectUnauthorized: true, cert: secret.cert_pem, key: secret.key_pem });
const reply = await post(httpsRequest, cancelUrl, { agent, headers: JSON.parse(headersJson) }, body);
const result = performance.now();
const cpu = process.cpuUsage();
const marks = {
  entered,
  imported: entered,
  fetched,
  result,
  ok: reply.status === 200 && reply.text.includes('<result_code><![CDATA[SUCCESS]]></result_code>'),
  cpuMs: (cpu.user + cpu.system) / 1000,
  ...(mode === 'timeline' ? { events } : {}),
};
process.stderr.write(`${JSON.stringify(marks)}\n`);
process.exit(0);
