// `npm run lint`: typescript-eslint's recommended rules and the house style (2-space indent, single
// quotes, semicolons, long lines allowed). No prettier: it would reformat about half the files.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // syntax-error.mjs is a fixture: a metric module that does not parse.
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'report/', 'scratch/', 'fixtures/metrics/syntax-error.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,js,mjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', globalThis: 'readonly' } },
    plugins: { '@stylistic': stylistic },
    rules: {
      // Chained conditionals are written flat, one case per line.
      '@stylistic/indent': ['error', 2, { SwitchCase: 1, flatTernaryExpressions: true }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/eol-last': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0 }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The bottom layers stay at the bottom: field/ imports nothing else of flatcheck, linalg/ only field/.
  { files: ['src/field/**/*.ts'], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'field/ imports nothing else of flatcheck.' }] }] } },
  { files: ['src/linalg/**/*.ts'], ignores: ['**/*.test.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./(?!field/)', message: 'linalg/ depends only on field/.' }] }] } },
  // The loaders' property feeds them 1e400 on purpose: JSON's way to spell a number beyond float64.
  { files: ['properties/loaders.prop.ts'], rules: { 'no-loss-of-precision': 'off' } },
);
