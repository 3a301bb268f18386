/**
 * Replays recorded histories of the shipped `gezinstraject` against the current workflow code. A change that would
 * break running trajectories (non-determinism) fails here. The fixtures come from `npm run record-histories`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../worker/worker.js';
import { quietTemporalRuntime } from './helpers/temporal.js';

const dir = resolve(import.meta.dirname, 'fixtures/histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

function histories() {
  return fixtures.map((f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(readFileSync(resolve(dir, f), 'utf8'))) }));
}

async function replay(workflowsPath: string) {
  quietTemporalRuntime();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const results: Array<{ workflowId: string; error?: unknown }> = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories())) results.push(result);
  return results;
}

describe('replay of recorded trajectories', () => {
  it('has recorded histories to replay', () => {
    // Histories from each version of the workflow's commands (before escalation, escalation v1, the fast
    // notification path, escalation revision 2, recipients by regular activity = current): all must keep replaying.
    expect(fixtures).toEqual([
      'marianne-full-escalation-v1.json',
      'marianne-full-fast-path.json',
      'marianne-full-pre-escalation.json',
      'marianne-full-revision-2.json',
      'marianne-full.json',
      'relapse-open-escalation-v1.json',
      'relapse-open-fast-path.json',
      'relapse-open-pre-escalation.json',
      'relapse-open-revision-2.json',
      'relapse-open.json',
    ]);
  });

  it('replays every recorded history against the current workflow code', async () => {
    const results = await replay(WORKFLOWS_PATH);
    expect(results.map((r) => [r.workflowId, r.error ? String(r.error) : 'ok'])).toEqual(fixtures.map((f) => [f, 'ok']));
  });

  it('fails for workflow code that would break them', async () => {
    const results = await replay(resolve(import.meta.dirname, 'fixtures/changed-workflow/index.ts'));
    expect(results).toHaveLength(fixtures.length);
    for (const r of results) expect(r.error?.constructor.name).toBe('DeterminismViolationError');
  });
});
