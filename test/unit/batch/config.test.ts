import { describe, expect, it } from 'vitest';
import { readBatchConfig } from '../../../lib/batch/config.js';
import { ConfigError } from '../../../lib/errors.js';

describe('batch/config', () => {
  it('reads the bucket, the row limit and the cancel function\'s defaults', () => {
    // Act
    const config = readBatchConfig({ BATCH_BUCKET: 'cancel-bill-prod-batch', BATCH_MAX_ROWS: '20000', WECHATPAY_APPID: 'wxd678efh567hg6787', WECHATPAY_SERVICE_ID: '123' });

    // Assess
    expect(config).toEqual({ bucket: 'cancel-bill-prod-batch', maxRows: 20_000, defaults: { appid: 'wxd678efh567hg6787', serviceId: '123' } });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('defaults to 50,000 rows and no appid or service_id, empty values counting as unset', () => {
    // Act
    const config = readBatchConfig({ BATCH_BUCKET: 'b-1', BATCH_MAX_ROWS: '', WECHATPAY_APPID: '', WECHATPAY_SERVICE_ID: '' });

    // Assess
    expect(config).toEqual({ bucket: 'b-1', maxRows: 50_000, defaults: { appid: undefined, serviceId: undefined } });
  });

  it('names every bad variable in one ConfigError', () => {
    // Act
    const act = () => readBatchConfig({ BATCH_BUCKET: 'Not_A_Bucket', BATCH_MAX_ROWS: '0', WECHATPAY_SERVICE_ID: '12a', WECHATPAY_APPID: 'a b' });

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(
      'CONFIG_INVALID: BATCH_BUCKET must be an S3 bucket name; BATCH_MAX_ROWS must be an integer from 1 to 1000000; WECHATPAY_APPID must be 1-32 characters without blanks, control characters, 4-byte characters or <>&\'"; WECHATPAY_SERVICE_ID must be 1-32 digits',
    );
  });

  it('requires the bucket', () => {
    // Assess
    expect(() => readBatchConfig({})).toThrow('CONFIG_INVALID: BATCH_BUCKET must be an S3 bucket name');
  });

  it('leaves unset WECHATPAY_APPID and WECHATPAY_SERVICE_ID out, like empty ones, and defaults an unset row limit', () => {
    // Act
    const config = readBatchConfig({ BATCH_BUCKET: 'b-1' });

    // Assess
    expect(config).toEqual({ bucket: 'b-1', maxRows: 50_000, defaults: { appid: undefined, serviceId: undefined } });
  });

  it('ignores blanks around the bucket and the row limit', () => {
    // Act
    const config = readBatchConfig({ BATCH_BUCKET: '  cancel-bill-batch \t', BATCH_MAX_ROWS: ' 250 ' });

    // Assess
    expect(config).toEqual({ bucket: 'cancel-bill-batch', maxRows: 250, defaults: { appid: undefined, serviceId: undefined } });
  });

  it.each([
    { name: 'the smallest, 1', value: '1', maxRows: 1 },
    { name: 'the largest, 1000000', value: '1000000', maxRows: 1_000_000 },
  ])('accepts $name, as the row limit', ({ value, maxRows }) => {
    // Act
    const config = readBatchConfig({ BATCH_BUCKET: 'b-1', BATCH_MAX_ROWS: value });

    // Assess
    expect(config.maxRows).toBe(maxRows);
  });

  it.each([
    { name: 'one above the largest', value: '1000001' },
    { name: 'an exponent', value: '1e3' },
    { name: 'a sign', value: '+5' },
    { name: 'a fraction', value: '2.5' },
    { name: 'a hexadecimal number', value: '0x10' },
    { name: 'digits followed by a letter', value: '12a' },
  ])('refuses $name as the row limit: only decimal digits count', ({ value }) => {
    // Act
    const act = () => readBatchConfig({ BATCH_BUCKET: 'b-1', BATCH_MAX_ROWS: value });

    // Assess
    expect(act).toThrow(new ConfigError('CONFIG_INVALID', 'BATCH_MAX_ROWS must be an integer from 1 to 1000000'));
  });

  it.each([
    { name: 'a name ending in a character S3 does not allow', value: 'abc_' },
    { name: 'a name of 64 characters', value: 'a'.repeat(64) },
    { name: 'a name of 2 characters', value: 'ab' },
    { name: 'a name ending in a hyphen', value: 'abc-' },
  ])('refuses $name as the bucket', ({ value }) => {
    // Act
    const act = () => readBatchConfig({ BATCH_BUCKET: value });

    // Assess
    expect(act).toThrow(new ConfigError('CONFIG_INVALID', 'BATCH_BUCKET must be an S3 bucket name'));
  });

  it('accepts a bucket name of 3 and of 63 characters', () => {
    // Act
    const buckets = ['abc', 'a'.repeat(63)].map((name) => readBatchConfig({ BATCH_BUCKET: name }).bucket);

    // Assess
    expect(buckets).toEqual(['abc', 'a'.repeat(63)]);
  });
});
