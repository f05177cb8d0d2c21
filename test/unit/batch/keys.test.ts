import { describe, expect, it } from 'vitest';
import { BatchFileError } from '../../../lib/batch/errors.js';
import { assertInputKey, resultKeys } from '../../../lib/batch/keys.js';

const EXECUTION_MESSAGE = 'INVALID_EXECUTION: the execution name must be 1-80 characters without blanks or slashes';
const KEY_MESSAGE = 'INVALID_KEY: the execution input must be {"key": "inputs/..."}, the key of a file under inputs/';
const SEGMENT_MESSAGE = 'INVALID_KEY: the key must not contain . or .. segments';

/** Runs `act` and returns what it threw; fails the test when it returns. */
const thrownBy = (act: () => unknown): BatchFileError => {
  let outcome: unknown;
  try {
    act();
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof BatchFileError)) throw new Error(`expected a BatchFileError, got ${String(outcome)}`);
  return outcome;
};

describe('batch/keys', () => {
  describe('resultKeys', () => {
    it('puts every result of an execution under results/<execution>/', () => {
      // Act
      const keys = resultKeys('venue-42');

      // Assess
      expect(keys).toEqual({
        prefix: 'results/venue-42',
        items: 'results/venue-42/items.json',
        report: 'results/venue-42/report.csv',
        retry: 'results/venue-42/retry.csv',
        refusal: 'results/venue-42/refusal.txt',
      });
    });

    it.each([
      { name: '.', execution: '.' },
      { name: '..', execution: '..' },
      { name: 'an empty name', execution: '' },
      { name: 'a name with a slash', execution: 'a/b' },
      { name: 'a name with a blank', execution: 'a b' },
      { name: 'a name of 81 characters', execution: 'x'.repeat(81) },
    ])('refuses $name as an execution name, with INVALID_EXECUTION', ({ execution }) => {
      // Act
      const error = thrownBy(() => resultKeys(execution));

      // Assess
      expect(error.code).toBe('INVALID_EXECUTION');
      expect(error.message).toBe(EXECUTION_MESSAGE);
    });

    it('accepts names that only contain dots among other characters, and 80 characters', () => {
      // Act
      const keys = ['...', '.a', 'x'.repeat(80)].map((execution) => resultKeys(execution).prefix);

      // Assess
      expect(keys).toEqual(['results/...', 'results/.a', `results/${'x'.repeat(80)}`]);
    });
  });

  describe('assertInputKey', () => {
    it('returns a key under inputs/ unchanged, up to 1024 characters', () => {
      // Prepare
      const longest = `inputs/${'a'.repeat(1017)}`;

      // Act
      const keys = ['inputs/orders.csv', 'inputs/x', longest].map((key) => assertInputKey(key));

      // Assess
      expect(longest).toHaveLength(1024);
      expect(keys).toEqual(['inputs/orders.csv', 'inputs/x', longest]);
    });

    it.each([
      { name: 'a key that is not a string', key: 42 },
      { name: 'a key outside inputs/', key: 'results/orders.csv' },
      { name: 'the prefix alone', key: 'inputs/' },
      { name: 'a key of 1025 characters', key: `inputs/${'a'.repeat(1018)}` },
    ])('refuses $name, naming the expected input', ({ key }) => {
      // Act
      const error = thrownBy(() => assertInputKey(key));

      // Assess
      expect(error.code).toBe('INVALID_KEY');
      expect(error.message).toBe(KEY_MESSAGE);
    });

    it.each([
      { name: 'a . segment', key: 'inputs/./orders.csv' },
      { name: 'a .. segment', key: 'inputs/../secrets.csv' },
      { name: 'a final . segment', key: 'inputs/a/.' },
    ])('refuses a key with $name', ({ key }) => {
      // Act
      const error = thrownBy(() => assertInputKey(key));

      // Assess
      expect(error.code).toBe('INVALID_KEY');
      expect(error.message).toBe(SEGMENT_MESSAGE);
    });

    it('accepts segments that merely contain dots, and empty segments', () => {
      // Act
      const keys = ['inputs/.hidden.csv', 'inputs/a..b/...', 'inputs//orders.csv'].map((key) => assertInputKey(key));

      // Assess
      expect(keys).toEqual(['inputs/.hidden.csv', 'inputs/a..b/...', 'inputs//orders.csv']);
    });
  });
});
