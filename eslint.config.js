// Lint: type-aware TypeScript rules everywhere, the determinism fence around workflows/, and the layer fence around
// every folder (the dependency direction is one way; README, "Architecture: where things live").
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

/** Import paths of the folders `folders`, from a module one, two or three levels below the root. */
function folderPaths(folders) {
  return ['../', '../../', '../../../'].flatMap((up) => folders.flatMap((f) => [`${up}${f}`, `${up}${f}/*`]));
}

/**
 * The worker package: it loads the worker's native runtime, which only a process that runs a worker needs. The API
 * process does without: api/, clients/ and runtime/ may not import it (worker/runtime.ts has what needs it).
 */
const WORKER_PACKAGE = {
  name: '@temporalio/worker',
  allowTypeImports: true,
  message: 'Only worker/ (and the entry points that run a worker) load the worker package: the API process does without it (the SDK runtime and the native connection are in worker/runtime.ts).',
};

/**
 * The layers, lowest first, and what each may not import (values; types are free): `forbidden` folders, `paths`
 * packages and `patterns` beyond them. definitions ← workflows ← activities, clients ← runtime ← worker, api ←
 * entrypoints.
 */
const LAYERS = [
  {
    folder: 'definitions',
    forbidden: ['workflows', 'activities', 'clients', 'runtime', 'worker', 'api', 'entrypoints', 'scripts'],
    message: 'definitions/ is the language only: it imports nothing from the engine, the activities, the clients, the runtime, worker, api or the entry points.',
  },
  {
    folder: 'activities',
    forbidden: ['clients', 'runtime', 'worker', 'api', 'entrypoints'],
    message: 'activities/ gets its dependencies injected: it imports nothing from clients, runtime, worker, api or the entry points.',
  },
  {
    folder: 'clients',
    forbidden: ['activities', 'runtime', 'worker', 'api', 'entrypoints'],
    paths: [WORKER_PACKAGE],
    message: 'clients/ (Temporal-client operations) builds on workflows/ and definitions/ only: nothing from activities, runtime, worker, api or the entry points.',
  },
  {
    folder: 'runtime',
    forbidden: ['activities', 'clients', 'worker', 'api', 'entrypoints'],
    paths: [WORKER_PACKAGE],
    message: 'runtime/ (configuration, connection, logging, metrics, dev server) is shared by worker/ and api/: it imports nothing from activities, clients, worker, api or the entry points.',
  },
  {
    folder: 'worker',
    forbidden: ['clients', 'api', 'entrypoints'],
    message: 'worker/ is worker wiring only: it imports nothing from clients, api or the entry points (shared concerns are in runtime/).',
  },
  {
    folder: 'api',
    forbidden: ['worker', 'entrypoints'],
    paths: [WORKER_PACKAGE],
    // Of activities/, the API knows the names only (activities/names.ts): the rest loads nodemailer.
    patterns: [{ regex: '^(\\.\\./)+activities(/(?!names\\.js$).*)?$', allowTypeImports: true, message: 'Of activities/, api/ imports only the names (activities/names.ts).' }],
    message: 'api/ is HTTP only: it imports nothing from worker/ or the entry points (shared concerns are in runtime/, Temporal-client operations in clients/).',
  },
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
          group: folderPaths(['clients', 'runtime', 'entrypoints']),
          allowTypeImports: true,
          message: 'Workflows import nothing from clients/, runtime/ or the entry points.',
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
  // The layer fence: every layer imports only the layers below it.
  ...LAYERS.map(({ folder, forbidden, message, paths = [], patterns = [] }) => ({
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { paths, patterns: [{ group: folderPaths(forbidden), allowTypeImports: true, message }, ...patterns] }],
    },
  })),
  {
    // The API's entry point composes the API with runtime/ only: the API process loads no worker.
    files: ['entrypoints/api.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [WORKER_PACKAGE], patterns: [{ group: folderPaths(['worker', 'activities']), allowTypeImports: true, message: 'The API process runs no worker: entrypoints/api.ts imports nothing from worker/ or activities/.' }] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // CommonJS modules the SDK require()s by path (runtime/failure-converter.cjs).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
