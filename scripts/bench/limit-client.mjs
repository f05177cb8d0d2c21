// The physical limit of one call: a bare node:https keep-alive Agent posting pre-signed bytes,
// configured like lib/https-transport.ts (same TLS options, the client certificate in a secure
// context built once, no `ca`: trust comes from NODE_EXTRA_CA_CERTS), with none of the
// function's work around it.
import { Agent, request } from 'node:https';
import { createSecureContext } from 'node:tls';

const SUCCESS = '<result_code><![CDATA[SUCCESS]]></result_code>';

/**
 * Creates a caller that posts one pre-built body and resolves when the whole reply has arrived.
 * @param {{ url: string, cert: string, key: string, headers: Record<string, string> }} init
 * @returns {{ call(body: string): Promise<void>, close(): void }}
 * @throws {Error} from `call`: a network failure, a status other than 200, or a reply that is not a success.
 */
const createLimitCaller = ({ url, cert, key, headers }) => {
  const secureContext = createSecureContext({ minVersion: 'TLSv1.2', cert, key });
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo', timeout: 50_000, minVersion: 'TLSv1.2', rejectUnauthorized: true, secureContext });
  const { hostname, port, pathname } = new URL(url);
  const call = (body) =>
    new Promise((resolve, reject) => {
      const req = request({ hostname, port, path: pathname, method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } });
      req.on('error', reject);
      req.on('response', (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200 && text.includes(SUCCESS)) resolve();
          else reject(new Error(`limit call failed: HTTP ${response.statusCode}`));
        });
      });
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
};

export { createLimitCaller };
