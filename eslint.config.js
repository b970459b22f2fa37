// eslint: typescript-eslint's recommended and type-checked rules over src/, tests/, bench/
// and scripts/; formatting is prettier's (eslint-config-prettier turns off the rules that
// would disagree with it). `npm run lint`; `npm test` runs it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      // Off: an async function without await is how a method keeps its interface's Promise
      // contract (Service.prepare, probes, hooks) and turns a throw into a rejection.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a value left out on purpose (`const { secret: _s, ...rest }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      // Off in tests only: jest's asymmetric matchers (expect.any, expect.stringMatching,
      // expect.objectContaining) are typed `any`, and tests read YAML and JSON documents to
      // assert on them. src/ keeps all four rules.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
