/**
 * A local S3 endpoint for the batch function: GetObject, HeadObject and PutObject on path-style
 * URLs (`/<bucket>/<key>`), which the real `@aws-sdk/client-s3` uses for an IP endpoint given as
 * `AWS_ENDPOINT_URL_S3`. Objects live in memory; the local batch run reads and writes them
 * directly where Step Functions itself would (ItemReader, ResultWriter). Signatures are not checked.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback.js';

type StoredObject = { body: Buffer; contentType: string; lastModified: Date };

type S3Stats = { get: number; put: number; head: number };

type S3Sandbox = {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL_S3`. */
  url: string;
  createBucket(bucket: string): void;
  /** An object's body, or undefined. */
  getObject(bucket: string, key: string): Buffer | undefined;
  putObject(bucket: string, key: string, body: string | Uint8Array, contentType?: string): void;
  /** Every key of a bucket under `prefix`, sorted. */
  keys(bucket: string, prefix?: string): string[];
  stats: S3Stats;
  close(): Promise<void>;
};

const xmlError = (response: ServerResponse, status: number, code: string, message: string): void => {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
};

const readBody = async (request: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/** The payload of an `aws-chunked` body: `<hex size>[;...]\r\n<data>\r\n`, until a size of 0 (trailers follow). */
const decodeAwsChunked = (raw: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const end = raw.indexOf('\r\n', offset);
    if (end === -1) break;
    const size = Number.parseInt(raw.subarray(offset, end).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size === 0) break;
    parts.push(raw.subarray(end + 2, end + 2 + size));
    offset = end + 2 + size + 2;
  }
  return Buffer.concat(parts);
};

/**
 * Starts the endpoint on 127.0.0.1 (any free port), with `buckets` created.
 * @throws {Error} when the port cannot be bound.
 * @example
 * const s3 = await startS3Sandbox(['cancel-bill-batch']);
 * s3.putObject('cancel-bill-batch', 'inputs/orders.csv', 'out_order_no,reason\r\nA1,late\r\n');
 */
const startS3Sandbox = async (buckets: readonly string[] = []): Promise<S3Sandbox> => {
  const store = new Map<string, Map<string, StoredObject>>(buckets.map((bucket) => [bucket, new Map()]));
  const stats: S3Stats = { get: 0, put: 0, head: 0 };
  const put = (bucket: string, key: string, body: Buffer, contentType: string): void => {
    store.get(bucket)?.set(key, { body, contentType, lastModified: new Date() });
  };

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const [, bucket = '', ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const objects = store.get(decodeURIComponent(bucket));
      const raw = await readBody(request);
      if (objects === undefined) {
        xmlError(response, 404, 'NoSuchBucket', 'The specified bucket does not exist');
        return;
      }
      if (request.method === 'PUT' && key !== '') {
        stats.put += 1;
        const chunked = (request.headers['content-encoding'] ?? '').includes('aws-chunked') || request.headers['x-amz-decoded-content-length'] !== undefined;
        const body = chunked ? decodeAwsChunked(raw) : raw;
        put(decodeURIComponent(bucket), key, body, request.headers['content-type'] ?? 'application/octet-stream');
        response.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"`, 'content-length': 0 });
        response.end();
        return;
      }
      if ((request.method === 'GET' || request.method === 'HEAD') && key !== '') {
        if (request.method === 'GET') stats.get += 1;
        else stats.head += 1;
        const object = objects.get(key);
        if (object === undefined) {
          xmlError(response, 404, 'NoSuchKey', 'The specified key does not exist.');
          return;
        }
        response.writeHead(200, {
          'content-type': object.contentType,
          'content-length': object.body.length,
          etag: `"${createHash('md5').update(object.body).digest('hex')}"`,
          'last-modified': object.lastModified.toUTCString(),
        });
        response.end(request.method === 'GET' ? object.body : undefined);
        return;
      }
      xmlError(response, 405, 'MethodNotAllowed', 'The local S3 endpoint serves GetObject, HeadObject and PutObject only');
    })().catch((error: unknown) => xmlError(response, 500, 'InternalError', String(error)));
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    createBucket: (bucket) => {
      if (!store.has(bucket)) store.set(bucket, new Map());
    },
    getObject: (bucket, key) => store.get(bucket)?.get(key)?.body,
    putObject: (bucket, key, body, contentType = 'application/octet-stream') => put(bucket, key, Buffer.from(body), contentType),
    keys: (bucket, prefix = '') => [...(store.get(bucket)?.keys() ?? [])].filter((key) => key.startsWith(prefix)).sort(),
    stats,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export { startS3Sandbox };
export type { S3Sandbox, S3Stats };
