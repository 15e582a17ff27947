// ESLint flat config: a modest rule set, plus the layer boundaries of the README's layer table.
// Workflow code runs in Temporal's deterministic sandbox, and src/core and src/contract must be
// importable from it: each of the three may import only what its allow-list names.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import exoclaw from './eslint-rules/layer-imports.js';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', '.temporal/', '.exoclaw/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        // Type-aware linting from tsconfig.json; root JS files are not in it, so they get
        // TypeScript's default project.
        projectService: {
          allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', 'bin/*.js', 'eslint-rules/*.js', 'src/tools/*.mjs', 'web/chat/*.js', 'dev/heap/*.cjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
  {
    // The gateway's web chat page runs in the browser, as written (no build step).
    files: ['web/chat/*.js', 'dev/heap/*.cjs'],
    languageOptions: {
      globals: Object.fromEntries(
        ['document', 'location', 'sessionStorage', 'fetch', 'Headers', 'AbortController', 'TextDecoderStream', 'crypto', 'setTimeout'].map((name) => [name, 'readonly']),
      ),
    },
  },
  { plugins: { exoclaw } },
  {
    files: ['workflows/**/*.ts', 'dev/workflows/**/*.ts'],
    rules: {
      'exoclaw/layer-imports': [
        'error',
        {
          layer: 'Workflow code',
          // The OpenTelemetry workflow interceptors (workflows/trace-interceptors.ts) run in the sandbox by design.
          packages: ['@temporalio/workflow', '@temporalio/interceptors-opentelemetry', 'zod'],
          dirs: ['workflows', 'dev/workflows', 'src/core', 'src/contract'],
          typeOnlyDirs: ['activities'],
        },
      ],
    },
  },
  {
    // Runtime-neutral core: no Temporal at all (the in-process runtime uses it too).
    files: ['src/core/**/*.ts'],
    rules: { 'exoclaw/layer-imports': ['error', { layer: 'src/core', packages: ['zod'], dirs: ['src/core'] }] },
  },
  {
    // The names every side shares: data, zod schemas and Temporal's definition types only.
    files: ['src/contract/**/*.ts'],
    rules: {
      'exoclaw/layer-imports': [
        'error',
        {
          layer: 'src/contract',
          packages: ['zod', 'ms'],
          typeOnlyPackages: ['@temporalio/common'],
          dirs: ['src/contract', 'src/core'],
        },
      ],
    },
  },
);
