/**
 * Replays recorded histories of the shipped `gezinstraject` against the current workflow code. A change that would
 * break running trajectories (non-determinism) fails here. The fixtures come from `npm run record-histories`: one per
 * scenario from the current code (the 1.0.0 baseline, or the newest revision), and those each revision in
 * workflows/revisions.ts keeps while it is `patched`, recorded before it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../worker/worker.js';
import { REVISIONS, type Revision } from '../workflows/revisions.js';
import { FAILURE_CONVERTER_PATH } from '../runtime/data-converter.js';
import { quietTemporalRuntime, testDataConverter } from './helpers/temporal.js';

const dir = resolve(import.meta.dirname, 'fixtures/histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

function histories() {
  // Under a trajectory's id (the codec encrypts what the replayed workflow writes, for the municipality in its id).
  return fixtures.map((f) => ({ workflowId: `GM0363-${f}`, history: historyFromJSON(JSON.parse(readFileSync(resolve(dir, f), 'utf8'))) }));
}

async function replay(workflowsPath: string) {
  quietTemporalRuntime();
  // As a worker runs them: with the payload codec and the failure converter (the fixtures were recorded before the
  // codec: their payloads are unencoded, and pass through it unchanged).
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, failureConverterPath: FAILURE_CONVERTER_PATH, logger: new DefaultLogger('WARN') });
  const results: Array<{ workflowId: string; error?: unknown }> = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter: testDataConverter() }, histories())) {
    results.push({ ...result, workflowId: result.workflowId.replace(/^GM0363-/, '') });
  }
  return results;
}

describe('replay of recorded trajectories', () => {
  it('has recorded histories to replay: each scenario, and the fixtures of every patched revision', () => {
    // The scenarios of test/record/histories.record.ts.
    const scenarios = ['marianne-full.json', 'pause-resume.json', 'relapse-open.json'];
    const pinned = Object.values(REVISIONS as Record<string, Revision>).flatMap((r) => (r.stage === 'patched' ? r.fixtures : []));
    expect(fixtures).toEqual([...scenarios, ...pinned].sort());
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
