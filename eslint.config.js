// Lint: type-aware TypeScript rules everywhere, and the determinism fence around workflows/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Modules workflow code may never import: Node built-ins and anything doing I/O or reading clocks/randomness. */
const forbiddenInWorkflows = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  'uuid',
  'nanoid',
  'express',
  'pino',
  'nodemailer',
  'axios',
  'undici',
];

/**
 * The determinism fence of workflows/ (its no-restricted-imports), with `extra` imports (paths) and `extraPatterns`
 * forbidden in part of it.
 */
function workflowImports(extra = [], extraPatterns = []) {
  return [
    'error',
    {
      paths: [
        ...forbiddenInWorkflows.map((name) => ({
          name,
          message: 'Workflow code must be deterministic: no Node built-ins, I/O or non-workflow Temporal packages.',
        })),
        ...extra,
      ],
      patterns: [
        {
          // workflows/ and its folders (workflows/engine/, workflows/trajectory/).
          group: ['../', '../../'].flatMap((up) => [`${up}activities`, `${up}activities/*`, `${up}api/*`, `${up}worker/*`, `${up}scripts/*`]),
          allowTypeImports: true,
          message: 'Workflows import activities as types only (proxyActivities), and nothing from api/worker/scripts.',
        },
        {
          group: ['../', '../../'].flatMap((up) => [`${up}definitions/load*`, `${up}definitions/registry*`, `${up}definitions/cli*`]),
          allowTypeImports: true,
          message: 'Of definitions/, workflows import only the pure modules (schema types, calendar, durations, feel).',
        },
        ...extraPatterns,
      ],
    },
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': workflowImports(),
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflow code must not read the process environment.' },
        { name: 'require', message: 'Use static imports in workflow code.' },
      ],
    },
  },
  {
    // Behaviour changes go through the registry of revisions, the one module that calls the patching API.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/revisions.ts'],
    rules: {
      'no-restricted-imports': workflowImports([
        {
          name: '@temporalio/workflow',
          importNames: ['patched', 'deprecatePatch'],
          message: 'Ask for revisions with decideRevisions() from workflows/revisions.ts (the registry of revisions), not with the patching API.',
        },
      ], [
        {
          group: ['./revisions', './revisions.js', '../revisions', '../revisions.js'],
          importNames: ['gate'],
          message: 'Ask for revisions with decideRevisions() (once, at the start of a run), not with gate().',
        },
      ]),
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
