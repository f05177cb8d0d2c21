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
});
