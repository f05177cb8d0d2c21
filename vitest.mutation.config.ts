import { defineConfig } from 'vitest/config';

/**
 * The unit tier only, for mutation testing (`npm run test:mutation`): the integration tests run the
 * built bundle in child processes, which mutants of lib/ never reach.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
