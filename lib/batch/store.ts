/**
 * The batch bucket as the batch steps see it: read an object (bounded in size), write one. The S3
 * implementation is the only place that knows S3; tests and local runs pass their own.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';

type ReadResult =
  | Readonly<{ kind: 'ok'; body: Uint8Array }>
  | Readonly<{ kind: 'missing' }>
  | Readonly<{ kind: 'tooLarge'; bytes: number }>;

/** One bucket. */
interface ObjectStore {
  /** The bucket's name. */
  readonly bucket: string;
  /** Reads `key`; an object over `maxBytes` is not read at all. */
  get(key: string, maxBytes: number): Promise<ReadResult>;
  put(key: string, body: string, contentType: string): Promise<void>;
}

/**
 * The store on S3. The client is passed in (STYLE §6), with its own timeouts.
 *
 * @throws from `get`/`put`: whatever the SDK throws, except NoSuchKey, which is `missing`.
 */
const createS3Store = (client: S3Client, bucket: string): ObjectStore => ({
  bucket,
  get: async (key, maxBytes) => {
    let reply;
    try {
      reply = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return { kind: 'missing' };
      throw error;
    }
    const bytes = reply.ContentLength ?? 0;
    if (bytes > maxBytes) {
      reply.Body?.transformToWebStream().cancel().catch(() => undefined);
      return { kind: 'tooLarge', bytes };
    }
    const body = (await reply.Body?.transformToByteArray()) ?? new Uint8Array();
    return { kind: 'ok', body };
  },
  put: async (key, body, contentType) => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  },
});

export { createS3Store };
export type { ObjectStore, ReadResult };
