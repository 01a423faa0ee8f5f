// ESLint flat config (STYLE.md): typescript-eslint's recommended-type-checked rules on the library, the
// sample app, the tests and the docs' examples, plus the promise and type-import rules. Formatting is
// Prettier's business (`npm run lint` checks it, `npm run format` writes), not the linter's.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'build-check/**',
      'node_modules/**',
      'coverage/**',
      'sample-app/data/**',
      'sample-app/public/**',
      'scripts/**',
      '*.config.*',
      'jest.config.mjs',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests read supertest's `res.body` (typed `any` by supertest), implement async store contracts with
    // synchronous doubles, and hand methods to `expect`/jest: the unsafe-any family, require-await and
    // unbound-method would flag the idiom, not a bug. Everything else applies to tests as to the library.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
