import { GetObjectCommand, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createS3Store } from '../../../lib/batch/store.js';

/** What the fake client was sent: the command's class and its input. */
type Sent = { command: string; input: unknown };

/** A reply body that records whether it was read or cancelled. */
const createBody = (bytes: Uint8Array) => {
  const calls: string[] = [];
  return {
    calls,
    body: {
      transformToByteArray: async () => {
        calls.push('read');
        return bytes;
      },
      transformToWebStream: () => ({
        cancel: async () => {
          calls.push('cancel');
        },
      }),
    },
  };
};

/** An S3 client whose `send` records each command and answers with the next scripted reply (or throws it). */
const createFakeClient = (replies: unknown[]) => {
  const sent: Sent[] = [];
  const client = {
    send: async (command: GetObjectCommand | PutObjectCommand) => {
      const name = command instanceof GetObjectCommand ? 'GetObject' : command instanceof PutObjectCommand ? 'PutObject' : 'other';
      sent.push({ command: name, input: command.input });
      const reply = replies.shift();
      if (reply instanceof Error) throw reply;
      return reply;
    },
  } as unknown as S3Client;
  return { client, sent };
};

const BYTES = new TextEncoder().encode('out_order_no,reason\nA1,x\n');

describe('batch/store', () => {
  it('names the bucket it was created for', () => {
    // Act
    const store = createS3Store(createFakeClient([]).client, 'batch-bucket');

    // Assess
    expect(store.bucket).toBe('batch-bucket');
  });

  it('reads an object of the bucket by its key and returns its bytes', async () => {
    // Prepare
    const { body, calls } = createBody(BYTES);
    const { client, sent } = createFakeClient([{ ContentLength: BYTES.length, Body: body }]);
    const store = createS3Store(client, 'batch-bucket');

    // Act
    const read = await store.get('inputs/a.csv', 1024);

    // Assess
    expect(read).toEqual({ kind: 'ok', body: BYTES });
    expect(sent).toEqual([{ command: 'GetObject', input: { Bucket: 'batch-bucket', Key: 'inputs/a.csv' } }]);
    expect(calls).toEqual(['read']);
  });

  it('reads an object of exactly the limit', async () => {
    // Prepare
    const { body } = createBody(BYTES);
    const store = createS3Store(createFakeClient([{ ContentLength: BYTES.length, Body: body }]).client, 'batch-bucket');

    // Act
    const read = await store.get('inputs/a.csv', BYTES.length);

    // Assess
    expect(read).toEqual({ kind: 'ok', body: BYTES });
  });

  it('refuses an object larger than the limit without reading its body, and cancels the stream', async () => {
    // Prepare
    const { body, calls } = createBody(BYTES);
    const store = createS3Store(createFakeClient([{ ContentLength: BYTES.length, Body: body }]).client, 'batch-bucket');

    // Act
    const read = await store.get('inputs/a.csv', BYTES.length - 1);

    // Assess
    expect(read).toEqual({ kind: 'tooLarge', bytes: BYTES.length });
    expect(calls).toEqual(['cancel']);
  });

  it('refuses an object larger than the limit when the reply carries no body', async () => {
    // Prepare
    const store = createS3Store(createFakeClient([{ ContentLength: 2048 }]).client, 'batch-bucket');

    // Act
    const read = await store.get('inputs/a.csv', 1024);

    // Assess
    expect(read).toEqual({ kind: 'tooLarge', bytes: 2048 });
  });

  it('reads a reply without a body as an empty object', async () => {
    // Prepare
    const store = createS3Store(createFakeClient([{ ContentLength: 0 }]).client, 'batch-bucket');

    // Act
    const read = await store.get('inputs/empty.csv', 1024);

    // Assess
    expect(read).toEqual({ kind: 'ok', body: new Uint8Array() });
  });

  it.each([
    { name: 'the SDK NoSuchKey error', error: new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }) },
    { name: 'an error named NoSuchKey from another copy of the SDK', error: Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }) },
  ])('reports a missing object for $name', async ({ error }) => {
    // Prepare
    const store = createS3Store(createFakeClient([error]).client, 'batch-bucket');

    // Act
    const read = await store.get('inputs/none.csv', 1024);

    // Assess
    expect(read).toEqual({ kind: 'missing' });
  });

  it('passes on any other error of the SDK', async () => {
    // Prepare
    const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    const store = createS3Store(createFakeClient([denied]).client, 'batch-bucket');

    // Act
    const error = await store.get('inputs/a.csv', 1024).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBe(denied);
  });

  it('writes an object of the bucket with its body and content type', async () => {
    // Prepare
    const { client, sent } = createFakeClient([{}]);
    const store = createS3Store(client, 'batch-bucket');

    // Act
    await store.put('results/e1/report.csv', 'a,b\n', 'text/csv; charset=utf-8');

    // Assess
    expect(sent).toEqual([{ command: 'PutObject', input: { Bucket: 'batch-bucket', Key: 'results/e1/report.csv', Body: 'a,b\n', ContentType: 'text/csv; charset=utf-8' } }]);
  });
});
