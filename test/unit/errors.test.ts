import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConfigError,
  ERROR_NAMES,
  OrderNotFoundError,
  OrderStateError,
  SignatureError,
  TransientError,
  ValidationError,
  WechatPayError,
  isAppError,
} from '../../lib/errors.js';

const CLASSES = [ValidationError, ConfigError, OrderNotFoundError, OrderStateError, WechatPayError, SignatureError, TransientError];

describe('errors', () => {
  it('pins the exact set of public names of CONTRACT.md', () => {
    // Prepare / Act
    const names = CLASSES.map((ErrorClass) => new ErrorClass('CODE', 'detail').name);

    // Assess
    expect(names).toEqual([
      'ValidationError',
      'ConfigError',
      'OrderNotFoundError',
      'OrderStateError',
      'WechatPayError',
      'SignatureError',
      'TransientError',
    ]);
    expect([...ERROR_NAMES]).toEqual(names);
  });

  it.each(CLASSES.map((ErrorClass) => ({ name: ErrorClass.name, ErrorClass })))(
    '$name leads its message with the machine code and keeps the cause',
    ({ ErrorClass }) => {
      // Prepare
      const cause = new Error('root');

      // Act
      const error = new ErrorClass('ORDERNOTEXIST', 'no such order', { cause });

      // Assess
      expect(error.message).toBe('ORDERNOTEXIST: no such order');
      expect(error.code).toBe('ORDERNOTEXIST');
      expect(error.cause).toBe(cause);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toBeInstanceOf(Error);
      expect(isAppError(error)).toBe(true);
    },
  );

  it('keeps the name a literal so a minifier cannot change it', () => {
    // Prepare
    const Renamed = class X extends TransientError {};

    // Act
    const error = new Renamed('SYSTEMERROR', 'busy');

    // Assess
    expect(error.name).toBe('TransientError');
  });

  it('marks a transient failure as sent unless told it never left', () => {
    // Prepare / Act
    const unknown = new TransientError('READ_TIMEOUT', 'slow');
    const refused = new TransientError('CONNECTION_REFUSED', 'down', { phase: 'connect' });

    // Assess
    expect([unknown.phase, refused.phase]).toEqual(['sent', 'connect']);
  });

  it('tells foreign errors apart', () => {
    // Prepare / Act / Assess
    expect(isAppError(new Error('x'))).toBe(false);
    expect(isAppError('x')).toBe(false);
  });
});
