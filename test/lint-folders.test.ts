/**
 * The determinism fence holds in the folders of workflows/ too (issue #10, point 2: workflows/engine/ and
 * workflows/trajectory/ import two levels up): probe files with violations are linted with the project's own ESLint
 * configuration, as in lint.test.ts (as the text of a module of the folder: nothing is written to disk).
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '..');

/**
 * Lints `code` as if it were the module `file` (an existing module of the folder, so the type-aware rules find it in
 * the project). Nothing is written to disk: lint.test.ts lints every file of workflows/, possibly at the same time.
 */
async function lintProbe(file: string, code: string): Promise<string[]> {
  const [result] = await new ESLint({ cwd: root }).lintText(code, { filePath: join(root, file) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe.each(['workflows/engine/records.ts', 'workflows/trajectory/messages.ts'])('lint of %s', (file) => {
  it('forbids Node built-ins, activity values, api/worker modules and the impure definitions modules', async () => {
    const messages = await lintProbe(
      file,
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
      file,
      "import type { Activities } from '../../activities/index.js';\nimport { addDuration } from '../../definitions/durations.js';\nexport type A = Activities;\nexport const d = addDuration;\n",
    );
    expect(messages).toEqual([]);
  });
});
