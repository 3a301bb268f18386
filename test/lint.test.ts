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
