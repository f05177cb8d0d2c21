import { describe, expect, it } from 'vitest';
import { readConfig, readTelemetrySettings } from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';

const BASE = { WECHATPAY_SECRET_ID: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:wechatpay-AbCdEf' };

describe('config', () => {
  describe('readConfig', () => {
    it('applies the contract defaults', () => {
      // Prepare / Act
      const config = readConfig(BASE);

      // Assess
      expect(config).toEqual({
        secretId: BASE.WECHATPAY_SECRET_ID,
        appid: undefined,
        serviceId: undefined,
        baseUrl: 'https://api.mch.weixin.qq.com',
        backupBaseUrl: 'https://api2.mch.weixin.qq.com',
        timeoutMs: 8000,
        maxAttempts: 3,
        secretTtlMs: 300_000,
      });
      expect(Object.isFrozen(config)).toBe(true);
    });

    it('reads every variable', () => {
      // Prepare
      const env = {
        ...BASE,
        WECHATPAY_APPID: 'wxd678efh567hg6787',
        WECHATPAY_SERVICE_ID: '2002000000000558128851361561536',
        WECHATPAY_BASE_URL: 'https://127.0.0.1:8443/',
        WECHATPAY_BACKUP_BASE_URL: 'https://127.0.0.1:9443',
        WECHATPAY_TIMEOUT_MS: '2500',
        WECHATPAY_MAX_ATTEMPTS: '5',
        WECHATPAY_SECRET_TTL_SECONDS: '60',
      };

      // Act
      const config = readConfig(env);

      // Assess
      expect(config).toEqual({
        secretId: BASE.WECHATPAY_SECRET_ID,
        appid: 'wxd678efh567hg6787',
        serviceId: '2002000000000558128851361561536',
        baseUrl: 'https://127.0.0.1:8443',
        backupBaseUrl: 'https://127.0.0.1:9443',
        timeoutMs: 2500,
        maxAttempts: 5,
        secretTtlMs: 60_000,
      });
    });

    it('disables the backup host when the variable is empty', () => {
      // Prepare / Act
      const config = readConfig({ ...BASE, WECHATPAY_BACKUP_BASE_URL: '' });

      // Assess
      expect(config.backupBaseUrl).toBeUndefined();
    });

    it.each([
      { name: 'missing secret id', env: {}, variable: 'WECHATPAY_SECRET_ID' },
      { name: 'http base url', env: { ...BASE, WECHATPAY_BASE_URL: 'http://api.mch.weixin.qq.com' }, variable: 'WECHATPAY_BASE_URL' },
      { name: 'garbage backup url', env: { ...BASE, WECHATPAY_BACKUP_BASE_URL: 'not a url' }, variable: 'WECHATPAY_BACKUP_BASE_URL' },
      { name: 'non-numeric timeout', env: { ...BASE, WECHATPAY_TIMEOUT_MS: '8s' }, variable: 'WECHATPAY_TIMEOUT_MS' },
      { name: 'zero attempts', env: { ...BASE, WECHATPAY_MAX_ATTEMPTS: '0' }, variable: 'WECHATPAY_MAX_ATTEMPTS' },
      { name: 'negative ttl', env: { ...BASE, WECHATPAY_SECRET_TTL_SECONDS: '-1' }, variable: 'WECHATPAY_SECRET_TTL_SECONDS' },
      { name: 'letters in service id', env: { ...BASE, WECHATPAY_SERVICE_ID: 'abc' }, variable: 'WECHATPAY_SERVICE_ID' },
      { name: 'overlong appid', env: { ...BASE, WECHATPAY_APPID: 'x'.repeat(33) }, variable: 'WECHATPAY_APPID' },
    ])('rejects a $name with a ConfigError naming the variable', ({ env, variable }) => {
      // Prepare / Act
      const read = () => readConfig(env);

      // Assess
      expect(read).toThrow(ConfigError);
      expect(read).toThrow(new RegExp(`^CONFIG_INVALID: .*${variable}`));
    });

    it.each([
      { variable: 'WECHATPAY_TIMEOUT_MS', value: '100', key: 'timeoutMs', expected: 100 },
      { variable: 'WECHATPAY_TIMEOUT_MS', value: '900000', key: 'timeoutMs', expected: 900_000 },
      { variable: 'WECHATPAY_MAX_ATTEMPTS', value: '1', key: 'maxAttempts', expected: 1 },
      { variable: 'WECHATPAY_MAX_ATTEMPTS', value: '10', key: 'maxAttempts', expected: 10 },
      { variable: 'WECHATPAY_SECRET_TTL_SECONDS', value: '0', key: 'secretTtlMs', expected: 0 },
      { variable: 'WECHATPAY_SECRET_TTL_SECONDS', value: '86400', key: 'secretTtlMs', expected: 86_400_000 },
      { variable: 'WECHATPAY_TIMEOUT_MS', value: ' 2500 ', key: 'timeoutMs', expected: 2500 },
      { variable: 'WECHATPAY_TIMEOUT_MS', value: ' ', key: 'timeoutMs', expected: 8000 },
    ] as const)('accepts $variable=$value, within its bounds', ({ variable, value, key, expected }) => {
      // Act
      const config = readConfig({ ...BASE, [variable]: value });

      // Assess
      expect(config[key]).toBe(expected);
    });

    it.each([
      { variable: 'WECHATPAY_TIMEOUT_MS', value: '99', bounds: 'from 100 to 900000' },
      { variable: 'WECHATPAY_TIMEOUT_MS', value: '900001', bounds: 'from 100 to 900000' },
      { variable: 'WECHATPAY_TIMEOUT_MS', value: '1e4', bounds: 'from 100 to 900000' },
      { variable: 'WECHATPAY_TIMEOUT_MS', value: '2500.5', bounds: 'from 100 to 900000' },
      { variable: 'WECHATPAY_TIMEOUT_MS', value: '99999999999999999999', bounds: 'from 100 to 900000' },
      { variable: 'WECHATPAY_MAX_ATTEMPTS', value: '11', bounds: 'from 1 to 10' },
      { variable: 'WECHATPAY_SECRET_TTL_SECONDS', value: '86401', bounds: 'from 0 to 86400' },
    ])('refuses $variable=$value: an integer $bounds', ({ variable, value, bounds }) => {
      // Act / Assess
      expect(() => readConfig({ ...BASE, [variable]: value })).toThrow(`CONFIG_INVALID: ${variable} must be an integer ${bounds}`);
    });

    it.each([
      { name: 'a user name', url: 'https://user@api.mch.weixin.qq.com' },
      { name: 'a password', url: 'https://:secret@api.mch.weixin.qq.com' },
      { name: 'a query', url: 'https://api.mch.weixin.qq.com/?a=1' },
      { name: 'a fragment', url: 'https://api.mch.weixin.qq.com/#top' },
    ])('refuses a base URL with $name', ({ url }) => {
      // Act / Assess
      expect(() => readConfig({ ...BASE, WECHATPAY_BASE_URL: url })).toThrow('CONFIG_INVALID: WECHATPAY_BASE_URL must be a plain https:// URL');
    });

    it('names a base URL that does not parse', () => {
      // Act / Assess
      expect(() => readConfig({ ...BASE, WECHATPAY_BASE_URL: 'https://' })).toThrow('CONFIG_INVALID: WECHATPAY_BASE_URL is not a URL');
    });

    it('trims blanks and every trailing slash off a base URL, and takes the default for a blank one', () => {
      // Act
      const config = readConfig({ ...BASE, WECHATPAY_BASE_URL: ' https://127.0.0.1:8443/pay// ', WECHATPAY_BACKUP_BASE_URL: ' https://api2.example.com/ ' });
      const blank = readConfig({ ...BASE, WECHATPAY_BASE_URL: '  ' });

      // Assess
      expect(config.baseUrl).toBe('https://127.0.0.1:8443/pay');
      expect(config.backupBaseUrl).toBe('https://api2.example.com');
      expect(blank.baseUrl).toBe('https://api.mch.weixin.qq.com');
    });

    it('disables the backup host when it equals the base URL', () => {
      // Act
      const config = readConfig({ ...BASE, WECHATPAY_BASE_URL: 'https://127.0.0.1:8443', WECHATPAY_BACKUP_BASE_URL: 'https://127.0.0.1:8443/' });

      // Assess
      expect(config.backupBaseUrl).toBeUndefined();
    });

    it.each([
      { name: 'trims the secret id', value: '  wechatpay/1  ', expected: 'wechatpay/1' },
      { name: 'takes a secret id of 2048 characters', value: 'x'.repeat(2048), expected: 'x'.repeat(2048) },
    ])('$name', ({ value, expected }) => {
      // Act / Assess
      expect(readConfig({ WECHATPAY_SECRET_ID: value }).secretId).toBe(expected);
    });

    it.each([
      { name: 'blank', value: '   ', message: 'CONFIG_INVALID: WECHATPAY_SECRET_ID is required' },
      { name: 'of 2049 characters', value: 'x'.repeat(2049), message: 'CONFIG_INVALID: WECHATPAY_SECRET_ID is too long' },
    ])('refuses a secret id that is $name', ({ value, message }) => {
      // Act / Assess
      expect(() => readConfig({ WECHATPAY_SECRET_ID: value })).toThrow(message);
    });

    it('treats an empty WECHATPAY_APPID or WECHATPAY_SERVICE_ID as unset, and names the rule a bad one breaks', () => {
      // Act
      const config = readConfig({ ...BASE, WECHATPAY_APPID: '', WECHATPAY_SERVICE_ID: '' });

      // Assess
      expect([config.appid, config.serviceId]).toEqual([undefined, undefined]);
      expect(() => readConfig({ ...BASE, WECHATPAY_SERVICE_ID: '12a' })).toThrow('CONFIG_INVALID: WECHATPAY_SERVICE_ID must be 1-32 digits');
    });

    it('lists the problems in one message, separated by semicolons', () => {
      // Act / Assess
      expect(() => readConfig({ WECHATPAY_TIMEOUT_MS: 'x' })).toThrow(
        'CONFIG_INVALID: WECHATPAY_SECRET_ID is required; WECHATPAY_TIMEOUT_MS must be an integer from 100 to 900000',
      );
    });

    it('names every bad variable in one error', () => {
      // Prepare
      const env = { WECHATPAY_TIMEOUT_MS: 'x', WECHATPAY_MAX_ATTEMPTS: '99' };

      // Act
      let message = '';
      try {
        readConfig(env);
      } catch (error) {
        message = (error as Error).message;
      }

      // Assess
      expect(message).toContain('WECHATPAY_SECRET_ID');
      expect(message).toContain('WECHATPAY_TIMEOUT_MS');
      expect(message).toContain('WECHATPAY_MAX_ATTEMPTS');
    });
  });

  describe('readTelemetrySettings', () => {
    it.each([
      { name: 'set', env: { POWERTOOLS_SERVICE_NAME: 'rentals', POWERTOOLS_METRICS_NAMESPACE: 'Shop' }, expected: { serviceName: 'rentals', metricsNamespace: 'Shop' } },
      { name: 'set with blanks', env: { POWERTOOLS_SERVICE_NAME: ' rentals ', POWERTOOLS_METRICS_NAMESPACE: ' Shop ' }, expected: { serviceName: 'rentals', metricsNamespace: 'Shop' } },
      { name: 'blank', env: { POWERTOOLS_SERVICE_NAME: ' ', POWERTOOLS_METRICS_NAMESPACE: '' }, expected: { serviceName: 'cancel-bill', metricsNamespace: 'CancelBill' } },
      { name: 'unset', env: {}, expected: { serviceName: 'cancel-bill', metricsNamespace: 'CancelBill' } },
    ])('returns the names when $name', ({ env, expected }) => {
      // Prepare / Act / Assess
      expect(readTelemetrySettings(env)).toEqual(expected);
    });
  });
});

describe('config: base URLs', () => {
  it.each([
    { name: 'a bare query mark', value: 'https://api.mch.weixin.qq.com/?' },
    { name: 'a bare fragment mark', value: 'https://api.mch.weixin.qq.com#' },
    { name: 'a query', value: 'https://api.mch.weixin.qq.com/?a=1' },
  ])('refuses a base URL with $name, which would swallow the request path', ({ value }) => {
    // Act / Assess
    expect(() => readConfig({ ...BASE, WECHATPAY_BASE_URL: value })).toThrow(/WECHATPAY_BASE_URL must be a plain https:\/\/ URL/);
    expect(() => readConfig({ ...BASE, WECHATPAY_BACKUP_BASE_URL: value })).toThrow(/WECHATPAY_BACKUP_BASE_URL must be a plain https:\/\/ URL/);
  });

  it('disables the backup host for a blank WECHATPAY_BACKUP_BASE_URL, as for an empty one', () => {
    // Act
    const config = readConfig({ ...BASE, WECHATPAY_BACKUP_BASE_URL: '  ' });

    // Assess
    expect(config.backupBaseUrl).toBeUndefined();
  });
});
