/**
 * An escalation ladder across a restart of both the Temporal dev server (SQLite file) and the worker: the level
 * that fell due while everything was down is raised once, right after the restart, and the ladder goes on.
 *
 * The worker runs without a workflow cache, so every task replays the whole history: the test also fails on any
 * non-determinism. It once found one (a local activity's result applied at another point on replay, under load);
 * see `directoryLookups` in workflows/trajectory/delivery.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { validateDefinition } from '../definitions/validate.js';
import type { Definition } from '../definitions/schema.js';
import { startDevServer } from '../runtime/dev-server.js';
import { createWorker } from '../worker/worker.js';
import { getStateQuery, trajectoryWorkflow } from '../workflows/trajectory.js';
import { freePort } from './helpers/process.js';
import { bundleWorkflows, quietTemporalRuntime, uniqueId, TEST_KEY_RING, testDataConverter } from './helpers/temporal.js';

const dataDir = mkdtempSync(join(tmpdir(), 'waakvlam-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function quickDefinition(): Definition {
  const result = validateDefinition(
    {
      id: 'herstart',
      version: 1,
      name: 'Herstart',
      roles: [{ id: 'regisseur', name: 'Regisseur' }, { id: 'teamleider', name: 'Teamleider' }],
      escalationPolicies: {
        kort: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT8S' }, { role: 'teamleider', after: 'PT1H' }] },
      },
      defaultEscalationPolicy: 'kort',
      phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'PT2S', next: 'e' }, { id: 'e', type: 'end' }] }],
    },
    { activities: [] },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition;
}

describe('restart', () => {
  it('raises the level that fell due while server and worker were down, once, after they come back', { timeout: 240_000 }, async () => {
    quietTemporalRuntime();
    const bundle = await bundleWorkflows();
    // The state lives in the SQLite file; the restarted server gets fresh ports, since other test files may take
    // the old ones while it is down.
    let port = await freePort();
    const opts = async () => ({ port, uiPort: await freePort(), ip: '127.0.0.1', dbFile: join(dataDir, 'temporal.db'), namespace: 'default' });
    const taskQueue = uniqueId('restart');
    const workflowId = uniqueId('GM0363-RESTART');

    const runWorker = async (until: () => Promise<void>) => {
      const connection = await NativeConnection.connect({ address: `127.0.0.1:${port}` });
      // No sticky cache: after the restart, work and queries must not wait for a sticky queue of the gone worker.
      const worker = await createWorker({ connection, namespace: 'default', taskQueue, workflowBundle: bundle, overrides: { maxCachedWorkflows: 0 }, keyRing: TEST_KEY_RING });
      await worker.runUntil(until());
      await connection.close();
    };
    /** The state by query; right after a restart the worker may not poll yet, so it tries again for up to 60 s. */
    const state = async () => {
      const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            return await new Client({ connection, dataConverter: testDataConverter() }).workflow.getHandle(workflowId).query(getStateQuery);
          } catch (err) {
            if (attempt >= 120) {
              console.error('the query keeps failing; failed workflow tasks:', JSON.stringify(await failedTasks(connection)));
              throw err;
            }
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      } finally {
        await connection.close();
      }
    };

    /** Workflow task failures in the history, with their causes (a non-determinism error among them). */
    const failedTasks = async (connection: Connection) => {
      const history = await new Client({ connection, dataConverter: testDataConverter() }).workflow.getHandle(workflowId).fetchHistory();
      return (history.events ?? [])
        .map((e) => e.workflowTaskFailedEventAttributes)
        .filter((a) => a != null)
        .map((a) => ({ cause: a.cause, message: a.failure?.message }));
    };

    let server = await startDevServer(await opts());
    let before!: Awaited<ReturnType<typeof state>>;
    await runWorker(async () => {
      const connection = await Connection.connect({ address: server.address });
      await new Client({ connection, dataConverter: testDataConverter() }).workflow.start(trajectoryWorkflow, {
        workflowId,
        taskQueue,
        args: [{ caseRef: 'RESTART-1', municipality: 'GM0363', definition: quickDefinition() }],
      });
      await connection.close();
      // Until level 0 (at the due date, 2 s) is raised.
      for (let i = 0; i < 100; i++) {
        if ((await state()).escalations.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      before = await state();
    });
    expect(before.escalations.map((e) => e.id)).toEqual(['x@0']);
    const level1Due = Date.parse(before.openSteps[0]!.dueAt) + 8_000;
    expect(Date.now()).toBeLessThan(level1Due); // still before level 1

    await server.stop();
    // Everything is down while level 1 falls due.
    await new Promise((r) => setTimeout(r, Math.max(0, level1Due - Date.now()) + 1_000));

    port = await freePort();
    server = await startDevServer(await opts());
    try {
      let after!: Awaited<ReturnType<typeof state>>;
      let failures: unknown[] = [];
      await runWorker(async () => {
        for (let i = 0; i < 150; i++) {
          if ((await state()).escalations.length > 1) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 1_000)); // nothing more should come
        after = await state();
        const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
        failures = await failedTasks(connection);
        await connection.close();
      });
      expect(after.escalations.map((e) => [e.id, e.role])).toEqual([
        ['x@0', 'regisseur'],
        ['x@1', 'teamleider'],
      ]);
      // Raised once, after it fell due (not before), as soon as the worker was back.
      expect(Date.parse(after.escalations[1]!.raisedAt)).toBeGreaterThanOrEqual(level1Due);
      expect(after.openSteps[0]!.nextEscalation).toMatchObject({ level: 2 });
      // Without a cache every workflow task replays the whole history: none may fail (a non-determinism error once did).
      expect(failures).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});
