// The limit: the least any client of this endpoint must do, as a Lambda handler, so the bench
// calls it exactly as it calls the function. The first invocation fetches the secret with one bare
// HTTP POST (Secrets Manager's JSON protocol, unsigned: the sandbox only wants the header) and
// builds a keep-alive Agent with the client certificate in one secure context, as
// lib/https-transport.ts does. Each invocation posts a body the bench signed beforehand and checks
// for a success reply: no validation, signing, XML or log line.
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { createSecureContext } from 'node:tls';
import { urlToHttpOptions } from 'node:url';

const SUCCESS = '<result_code><![CDATA[SUCCESS]]></result_code>';
const HEADERS = { 'Content-Type': 'text/xml; charset=utf-8', Accept: 'text/xml, text/plain' };
const target = urlToHttpOptions(new URL(`${process.env.WECHATPAY_BASE_URL}/wxv/cancelbill`));

const post = (send, options, body) =>
  new Promise((resolve, reject) => {
    const req = send({ ...options, method: 'POST', headers: { ...options.headers, 'Content-Length': Buffer.byteLength(body) } });
    req.on('error', reject);
    req.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(body);
  });

const createAgent = async () => {
  const headers = { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'secretsmanager.GetSecretValue', Authorization: 'limit' };
  const endpoint = urlToHttpOptions(new URL(process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER));
  const reply = await post(httpRequest, { ...endpoint, headers }, JSON.stringify({ SecretId: process.env.WECHATPAY_SECRET_ID }));
  const secret = JSON.parse(JSON.parse(reply.text).SecretString);
  const secureContext = createSecureContext({ minVersion: 'TLSv1.2', cert: secret.cert_pem, key: secret.key_pem });
  return new Agent({ keepAlive: true, scheduling: 'lifo', minVersion: 'TLSv1.2', rejectUnauthorized: true, secureContext });
};

let agent;

/** @param {{ body: string }} event a signed cancel request */
export const handler = async (event) => {
  agent ??= createAgent();
  const { status, text } = await post(httpsRequest, { ...target, agent: await agent, headers: HEADERS }, event.body);
  if (status !== 200 || !text.includes(SUCCESS)) throw new Error(`the limit's call failed: HTTP ${status}`);
  return { state: 'REVOKED' };
};
