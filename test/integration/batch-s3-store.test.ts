// The batch function's S3 store (lib/batch/store.ts) with the real @aws-sdk/client-s3 against the
// local S3 endpoint: what the prepare and report steps rely on when they read and write the bucket.
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Store } from '../../lib/batch/store.js';
import type { ObjectStore } from '../../lib/batch/store.js';
import { ifAssigned } from '../helpers/hooks.js';
import { startS3Sandbox } from '../sandbox/s3-server.js';
import type { S3Sandbox } from '../sandbox/s3-server.js';

const BUCKET = 'cancel-bill-store-test';

describe('batch/store on S3', () => {
  let s3: S3Sandbox;
  let store: ObjectStore;

  beforeAll(async () => {
    s3 = await startS3Sandbox([BUCKET]);
    const client = new S3Client({
      region: 'eu-west-1',
      endpoint: s3.url,
      credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
      maxAttempts: 1,
    });
    store = createS3Store(client, BUCKET);
  });
  afterAll(() => ifAssigned(s3)?.close());

  it('writes an object and reads back the same bytes, byte order mark and Chinese text included', async () => {
    // Prepare
    const body = '\uFEFFout_order_no,reason\r\nA1,"柜门未弹出, 退款"\r\n';

    // Act
    await store.put('results/e1/report.csv', body, 'text/csv; charset=utf-8');
    const read = await store.get('results/e1/report.csv', 1024);

    // Assess
    expect(read.kind).toBe('ok');
    expect(read.kind === 'ok' && Buffer.from(read.body).toString('utf8')).toBe(body);
    expect(s3.getObject(BUCKET, 'results/e1/report.csv')?.toString('utf8')).toBe(body);
  });

  it('reports a missing key as missing', async () => {
    // Act
    const read = await store.get('inputs/none.csv', 1024);

    // Assess
    expect(read).toEqual({ kind: 'missing' });
  });

  it('does not read an object larger than the limit', async () => {
    // Prepare
    s3.putObject(BUCKET, 'inputs/big.csv', 'x'.repeat(5000));
    const before = s3.stats.get;

    // Act
    const read = await store.get('inputs/big.csv', 4096);

    // Assess
    expect(read).toEqual({ kind: 'tooLarge', bytes: 5000 });
    expect(s3.stats.get).toBe(before + 1);
  });

  it('lets any other error through', async () => {
    // Prepare
    const other = createS3Store(new S3Client({ region: 'eu-west-1', endpoint: s3.url, credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' }, maxAttempts: 1 }), 'no-such-bucket');

    // Act
    const error = await other.get('inputs/a.csv', 1024).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ name: 'NoSuchBucket' });
  });
});
