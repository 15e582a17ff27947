// ESLint flat config: a modest rule set, plus the layer boundaries from DESIGN.md.
// Workflow code runs in Temporal's deterministic sandbox and src/core must be importable
// from it, so neither may reach Node, SDKs, or the Node-side project folders.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const NODE_ONLY_PACKAGES = [
  'openai',
  '@anthropic-ai/sdk',
  'pino',
  '@temporalio/worker',
  '@temporalio/client',
  '@temporalio/activity',
  '@temporalio/testing',
];
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** @typescript-eslint/no-restricted-imports options for a sandbox-safe layer. */
function sandboxImports({ layer, nodeSideDirs, extraPackages = [] }) {
  const packages = [...NODE_ONLY_PACKAGES, ...extraPackages];
  const why = `${layer} must stay free of Node/SDK code (see DESIGN.md "Layers")`;
  return [
    'error',
    {
      paths: builtinModules.map((name) => ({ name, message: `Node built-in: ${why}.` })),
      patterns: [
        { regex: '^node:', message: `Node built-in: ${why}.` },
        { regex: `^(${packages.map(escape).join('|')})(/|$)`, message: `Node-only package: ${why}.` },
        { regex: '^@modelcontextprotocol/', message: `Node-only package: ${why}.` },
        {
          regex: `^(\\.\\./)+${nodeSideDirs}(providers|conversation|tools|runtime|temporal|config|logger|cli)([./]|$)`,
          message: `Node-side project code: ${why}. Go through an activity instead.`,
        },
        {
          regex: '^(\\.\\./)+activities(/|$)',
          allowTypeImports: true,
          message: `${layer} may import activity *types* only: use \`import type\`.`,
        },
      ],
    },
  ];
}

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', '.temporal/', '.exoclaw/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        // Type-aware linting from tsconfig.json; root JS files are not in it, so they get
        // TypeScript's default project.
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', 'bin/*.js', 'src/tools/*.mjs'] },
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
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': sandboxImports({ layer: 'Workflow code', nodeSideDirs: 'src/' }),
    },
  },
  {
    // Runtime-neutral core: additionally no Temporal at all (the in-process runtime uses it too).
    files: ['src/core/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': sandboxImports({
        layer: 'src/core',
        nodeSideDirs: '(src/)?',
        extraPackages: ['@temporalio/workflow', '@temporalio/common'],
      }),
    },
  },
);
