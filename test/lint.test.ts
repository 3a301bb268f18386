/**
 * The lint rules that guard determinism and promises really fire: probe files with violations are linted with the
 * project's own ESLint configuration.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '..');

async function lintProbe(folder: string, code: string): Promise<string[]> {
  const file = join(root, folder, `__lint-probe-${process.pid}-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, code);
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([file]);
    return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('lint', () => {
  it('forbids Node built-ins and I/O packages in workflow code', async () => {
    const messages = await lintProbe(
      'workflows',
      [
        "import { readFileSync } from 'node:fs';",
        "import { randomUUID } from 'crypto';",
        "import { Client } from '@temporalio/client';",
        'export const x = [readFileSync, randomUUID, Client];',
      ].join('\n'),
    );
    expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(3);
  });

  it('allows activity types but not activity values in workflow code', async () => {
    const typeOnly = await lintProbe('workflows', "import type { Activities } from '../activities/index.js';\nexport type A = Activities;\n");
    expect(typeOnly).toEqual([]);
    const value = await lintProbe('workflows', "import { createActivities } from '../activities/index.js';\nexport const a = createActivities;\n");
    expect(value.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
  });

  it('lets only the registry of revisions call the patching API', async () => {
    const messages = await lintProbe('workflows', "import { deprecatePatch, patched, sleep } from '@temporalio/workflow';\nexport const x = [deprecatePatch, patched, sleep];\n");
    expect(messages.filter((m) => m.startsWith('no-restricted-imports') && m.includes('revisions.ts'))).toHaveLength(2);
    // Nor its gate: revisions are asked once, at the start of a run, with decideRevisions().
    const gate = await lintProbe('workflows', "import { decideRevisions, gate } from './revisions.js';\nexport const x = [decideRevisions, gate];\n");
    expect(gate.filter((m) => m.startsWith('no-restricted-imports'))).toEqual([expect.stringContaining('decideRevisions() (once, at the start of a run)')]);
  });

  it('forbids process in workflow code', async () => {
    const messages = await lintProbe('workflows', 'export const env = process.env.X;\n');
    expect(messages.some((m) => m.startsWith('no-restricted-globals'))).toBe(true);
  });

  it('flags floating promises everywhere', async () => {
    const messages = await lintProbe('api', 'async function work(): Promise<void> {}\nwork();\n');
    expect(messages.some((m) => m.startsWith('@typescript-eslint/no-floating-promises'))).toBe(true);
  });

  it('passes on the workflows the engine ships', async () => {
    const results = await new ESLint({ cwd: root }).lintFiles(['workflows/**/*.ts']);
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.ruleId} ${m.message}`))).toEqual([]);
  });
});

/**
 * The layer fence (issue #10, point 3): definitions ← workflows ← activities, clients ← runtime ← worker, api ←
 * entrypoints. Probes are linted as the text of an existing module of the layer (nothing is written to disk, as in
 * lint-folders.test.ts), one import of each forbidden layer per probe.
 */
async function lintAs(file: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: root }).lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

/** One import of a value from each layer, as written from a module one level below the root. */
const FROM: Record<string, string> = {
  workflows: "import { trajectoryWorkflow } from '../workflows/trajectory.js';",
  activities: "import { createActivities } from '../activities/index.js';",
  clients: "import { DefinitionCatalog } from '../clients/catalog.js';",
  runtime: "import { loadConfig } from '../runtime/config.js';",
  worker: "import { createWorker } from '../worker/worker.js';",
  api: "import { createApp } from '../api/app.js';",
  entrypoints: "import { main } from '../entrypoints/cli.js';",
};

describe.each([
  { file: 'definitions/calendar.ts', forbidden: ['workflows', 'activities', 'clients', 'runtime', 'worker', 'api', 'entrypoints'], allowed: [] },
  { file: 'workflows/revisions.ts', forbidden: ['activities', 'clients', 'runtime', 'worker', 'api', 'entrypoints'], allowed: [] },
  { file: 'activities/webhook.ts', forbidden: ['clients', 'runtime', 'worker', 'api', 'entrypoints'], allowed: ['workflows'] },
  { file: 'clients/reopen.ts', forbidden: ['activities', 'runtime', 'worker', 'api', 'entrypoints'], allowed: ['workflows'] },
  { file: 'runtime/logger.ts', forbidden: ['activities', 'clients', 'worker', 'api', 'entrypoints'], allowed: ['workflows'] },
  { file: 'worker/worker.ts', forbidden: ['clients', 'api', 'entrypoints'], allowed: ['workflows', 'activities', 'runtime'] },
  { file: 'api/app.ts', forbidden: ['activities', 'worker', 'entrypoints'], allowed: ['workflows', 'clients', 'runtime'] },
])('the layer fence of $file', ({ file, forbidden, allowed }) => {
  it(`forbids values of ${forbidden.join(', ')}`, async () => {
    const messages = await lintAs(file, forbidden.map((layer) => FROM[layer]).join('\n') + '\n');
    expect(messages).toHaveLength(forbidden.length);
  });

  it(`allows ${allowed.length ? allowed.join(', ') : 'the layers below'} and types from above`, async () => {
    const types = forbidden.filter((layer) => layer !== 'entrypoints').map((layer) => FROM[layer]!.replace('import {', 'import type {'));
    const messages = await lintAs(file, [...allowed.map((layer) => FROM[layer]), ...types].join('\n') + '\n');
    expect(messages).toEqual([]);
  });
});

it('lets api/ know the activity names, not load the activities', async () => {
  expect(await lintAs('api/app.ts', "import { ACTIVITY_NAMES } from '../activities/names.js';\nimport type { Activities } from '../activities/index.js';\n")).toEqual([]);
  expect(await lintAs('api/routes/definitions.ts', "import { createActivities } from '../../activities/index.js';\nimport { createWorker } from '../../worker/worker.js';\n")).toHaveLength(2);
});

it('keeps the worker package out of the API process: api/, clients/, runtime/ and entrypoints/api.ts', async () => {
  const worker = "import { Worker } from '@temporalio/worker';\n";
  for (const file of ['api/app.ts', 'clients/trajectories.ts', 'runtime/logger.ts', 'entrypoints/api.ts']) {
    expect(await lintAs(file, worker), file).toEqual([expect.stringContaining('worker/runtime.ts')]);
    expect(await lintAs(file, "import type { Worker } from '@temporalio/worker';\n"), file).toEqual([]);
  }
  expect(await lintAs('entrypoints/api.ts', "import { createWorker } from '../worker/worker.js';\n")).toHaveLength(1);
  expect(await lintAs('worker/runtime.ts', worker)).toEqual([]);
  expect(await lintAs('entrypoints/worker.ts', worker)).toEqual([]);
});
