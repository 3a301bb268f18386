/**
 * The determinism fence holds in the folders of workflows/ too (issue #10, point 2: workflows/engine/ and
 * workflows/trajectory/ import two levels up): probe files with violations are linted with the project's own ESLint
 * configuration, as in lint.test.ts.
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

describe.each(['workflows/engine', 'workflows/trajectory'])('lint in %s', (folder) => {
  it('forbids Node built-ins, activity values, api/worker modules and the impure definitions modules', async () => {
    const messages = await lintProbe(
      folder,
      [
        "import { readFileSync } from 'node:fs';",
        "import { createActivities } from '../../activities/index.js';",
        "import { WORKFLOWS_PATH } from '../../worker/worker.js';",
        "import { loadDefinitionFile } from '../../definitions/load.js';",
        'export const x = [readFileSync, createActivities, WORKFLOWS_PATH, loadDefinitionFile];',
      ].join('\n'),
    );
    expect(messages.filter((m) => m.startsWith('no-restricted-imports'))).toHaveLength(4);
  });

  it('allows activity types and the pure definitions modules', async () => {
    const messages = await lintProbe(
      folder,
      "import type { Activities } from '../../activities/index.js';\nimport { addDuration } from '../../definitions/durations.js';\nexport type A = Activities;\nexport const d = addDuration;\n",
    );
    expect(messages).toEqual([]);
  });
});
