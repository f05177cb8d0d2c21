// ESLint for the whole repository (`npm run lint`, run first by `npm test`): typescript-eslint's
// type-aware `strict-type-checked` and `stylistic-type-checked` sets, with the few changes below,
// each with its reason. docs/testing.md ("Lint") lists them too.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Build output, tool reports and scratch space: generated, never edited by hand.
    ignores: ['dist/', 'node_modules/', '.serverless/', 'reports/', '.stryker-tmp/', '.tmp/', 'coverage/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      // Every TypeScript file is type-checked with tsconfig.json, whose `include` covers lib/,
      // functions/, scripts/, test/ and the *.config.ts files.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // STYLE §2 uses both on purpose: `interface` for injectable capabilities (Clock,
      // HttpsTransport, SecretsLoader) and `type` for data and unions. The rule enforces one of them.
      '@typescript-eslint/consistent-type-definitions': 'off',
      // It asks for `x!` where the code writes `x as T`, and `no-non-null-assertion` (strict) forbids
      // `x!`: the two cannot both pass. The strict rule is the one kept.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // Numbers in messages are the norm (limits, sizes, timeouts, status codes: `within ${ms} ms`);
      // everything else (objects, nullish values, booleans, `any`) still has to be turned into text.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // One-expression callbacks (`() => reject(error)`, `(row) => queue.set(row)`) are the code's
      // idiom for event handlers and hooks; a void value used as a value (assigned, passed, returned
      // from a block, in a condition or a template) is still reported.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Spreading a string into code points is deliberate: the field limits count characters as code
      // points (lib/fields.ts, spec §9), which is what `[...text].length` gives. Other spreads are checked.
      '@typescript-eslint/no-misused-spread': ['error', { allow: [{ from: 'lib', name: 'string' }] }],
      // `const { sign: _sign, ...rest } = fields` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Fakes of async capabilities (`transport.request`, `secrets.get`, `client.call`) are written
      // `async` with no `await`: they return a promise and turn a throw into a rejection, as the
      // real implementations do. lib/, functions/ and scripts/ keep the rule.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // JavaScript (scripts/*.mjs, test/helpers/*.mjs, infra/*.cjs, this file) is outside
    // tsconfig.json (no `allowJs`), so it gets the same sets without the rules that need type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
