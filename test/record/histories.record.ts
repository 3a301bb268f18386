/**
 * Records the histories the replay test replays: real runs of the shipped `gezinstraject` on the time-skipping
 * server. Run `npm run record-histories` after a deliberate, versioned change to the workflow, never to make a
 * failing replay test pass (that failure means running trajectories would break).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { pauseUpdate, resumeUpdate, trajectoryWorkflow } from '../../workflows/trajectory.js';
import { createWorker } from '../../worker/worker.js';
import { Driver, runToAftercare } from '../helpers/driver.js';
import { gezinstraject } from '../helpers/definitions.js';
import { bundleWorkflows, createTimeSkippingEnv, TEST_KEY_RING } from '../helpers/temporal.js';

const dir = resolve(import.meta.dirname, '../fixtures/histories');
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
});
afterAll(async () => {
  await env?.teardown();
});

async function record(name: string, drive: (d: Driver) => Promise<void>, extra: { maxHistoryEvents?: number } = {}) {
  const taskQueue = `record-${name}`;
  const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: bundle, keyRing: TEST_KEY_RING });
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(trajectoryWorkflow, {
      workflowId: `GM0363-REPLAY-${name}`,
      taskQueue,
      args: [{ caseRef: `REPLAY-${name}`, municipality: 'GM0363', definition: gezinstraject(), ...extra }],
    });
    await drive(new Driver(env, handle));
    const history = await handle.fetchHistory();
    writeFileSync(resolve(dir, `${name}.json`), historyToJSON(history));
  });
}

it('records Marianne’s full breakthrough route', async () => {
  await record('marianne-full', async (d) => {
    await runToAftercare(d);
    for (let i = 1; i <= 12; i++) {
      await d.skip('31 days');
      await d.complete(i === 1 ? 'checkin' : `checkin#${i}`);
    }
    await d.handle.result();
  });
});

it('records a relapse during aftercare (trajectory still open)', async () => {
  await record('relapse-open', async (d) => {
    await runToAftercare(d);
    await d.skip('31 days');
    await d.event('relapse-signal', { onveilig: false });
    await d.complete('analysis#2', { mdoNodig: true });
  });
});

it('records a pause and a resume of the whole trajectory, its ladder climbing after', async () => {
  await record('pause-resume', async (d) => {
    await d.complete('assign-director');
    await d.handle.executeUpdate(pauseUpdate, { args: [{ reason: 'gezin tijdelijk in het buitenland', by: 'regisseur-1' }] });
    await d.skip('3 days');
    await d.handle.executeUpdate(resumeUpdate, { args: [{ by: 'regisseur-1' }] });
    await d.skip('20 days');
    await d.complete('first-contact');
    await d.settle();
  });
});
