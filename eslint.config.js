// Type-aware linting (typescript-eslint): the rules that catch real bugs, on every TypeScript file of the project.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'evidence-*/**', '.evidence-locker/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Promises: a forgotten await loses errors and ordering (write-once stores, sealing), so these are errors.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      // A leading underscore marks a value left unused on purpose (destructured away, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Evidence is verbatim AWS JSON of open shape, read as `unknown` and narrowed; zod checks every boundary instead.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Async functions without an await implement async interfaces (the store contract, query collectors): not a bug.
      '@typescript-eslint/require-await': 'off',
      // Style, not a bug: an assertion the compiler already knows is harmless.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    // Tests build and mutate untyped documents (catalog YAML, OSCAL JSON) to break them on purpose.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
