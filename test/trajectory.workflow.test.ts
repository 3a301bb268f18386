/**
 * The trajectory workflow on the time-skipping test server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { closeUpdate, getStateQuery, INITIAL_PHASE, trajectoryWorkflow } from '../workflows/trajectory.js';
import { MUNICIPALITY, PHASE, CASE_REF } from '../workflows/search-attributes.js';
import { createWorker } from '../worker/worker.js';
import { bundleWorkflows, createTimeSkippingEnv, uniqueId } from './helpers/temporal.js';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
});

afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: bundle });
  return worker.runUntil(fn());
}

describe('trajectoryWorkflow', () => {
  it('starts in the intake phase, answers its state and closes by update after months of skipped time', async () => {
    const taskQueue = uniqueId('tq');
    const caseRef = uniqueId('ZAAK');
    await withWorker(taskQueue, async () => {
      const handle = await env.client.workflow.start(trajectoryWorkflow, {
        workflowId: `GM0363-${caseRef}`,
        taskQueue,
        args: [{ caseRef, municipality: 'GM0363', definitionId: 'gezinstraject' }],
      });
      const state = await handle.query(getStateQuery);
      expect(state).toMatchObject({ caseRef, municipality: 'GM0363', status: 'open', phase: INITIAL_PHASE });
      const startedAt = Date.parse(state.startedAt);

      await env.sleep('90 days');
      const closed = await handle.executeUpdate(closeUpdate, { args: [{ reason: 'doelen behaald' }] });
      expect(closed.status).toBe('closed');
      expect(closed.closeReason).toBe('doelen behaald');
      // Workflow time moved with the skipped server clock, not the wall clock.
      expect(Date.parse(closed.closedAt!) - startedAt).toBeGreaterThanOrEqual(90 * 24 * 3600 * 1000);

      const result = await handle.result();
      expect(result.status).toBe('closed');
    });
  });

  it('rejects an invalid close without accepting it, and a second close', async () => {
    const taskQueue = uniqueId('tq');
    const caseRef = uniqueId('ZAAK');
    await withWorker(taskQueue, async () => {
      const handle = await env.client.workflow.start(trajectoryWorkflow, {
        workflowId: `GM0599-${caseRef}`,
        taskQueue,
        args: [{ caseRef, municipality: 'GM0599', definitionId: 'gezinstraject' }],
      });
      await handle.query(getStateQuery);
      const rejected = await handle.executeUpdate(closeUpdate, { args: [{ reason: '  ' }] }).catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((rejected as WorkflowUpdateFailedError).cause?.message).toMatch(/reason is required/);
      // No update was accepted into the history. (The time-skipping server still records the speculative workflow
      // task that ran the validator; the real server drops it: the API test on the dev server checks the length.)
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(0);
      expect((await handle.query(getStateQuery)).status).toBe('open');

      await handle.executeUpdate(closeUpdate, { args: [{ reason: 'verhuisd' }] });
      await handle.result();
      await expect(handle.executeUpdate(closeUpdate, { args: [{ reason: 'nogmaals' }] })).rejects.toThrow();
    });
  });

  it('upserts its search attributes', async () => {
    const taskQueue = uniqueId('tq');
    const caseRef = uniqueId('ZAAK');
    await withWorker(taskQueue, async () => {
      const handle = await env.client.workflow.start(trajectoryWorkflow, {
        workflowId: `GM0344-${caseRef}`,
        taskQueue,
        args: [{ caseRef, municipality: 'GM0344', definitionId: 'gezinstraject' }],
      });
      await handle.query(getStateQuery);
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(MUNICIPALITY)).toBe('GM0344');
      expect(description.typedSearchAttributes.get(CASE_REF)).toBe(caseRef);
      expect(description.typedSearchAttributes.get(PHASE)).toBe(INITIAL_PHASE);
      await handle.executeUpdate(closeUpdate, { args: [{ reason: 'test' }] });
    });
  });
});
