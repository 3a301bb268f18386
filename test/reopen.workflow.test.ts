/**
 * Re-opening a closed trajectory on the time-skipping test server: `reopenTrajectory` starts the trajectory's next run
 * under the same id with the closed run's state, so its history (steps, escalations, events, phases) stays; into the
 * phase it closed in or a chosen one, again after a second closure, and across continue-as-new without re-opening
 * twice. Refusals (open, unknown phase, ended otherwise than closed) start nothing. A trajectory closed while its run
 * still delivers notifications is re-opened in that run, by update.
 */
import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { OPEN_STEPS, PHASE } from '../workflows/search-attributes.js';
import { closeUpdate, getSnapshotQuery, getStateQuery, pauseUpdate, resumeUpdate, trajectoryWorkflow, type TrajectoryInput, type TrajectoryView } from '../workflows/trajectory.js';
import { ReopenError, reopenTrajectory } from '../clients/reopen.js';
import { createWorker } from '../worker/worker.js';
import { Driver, settle } from './helpers/driver.js';
import { WebhookReceiver } from './helpers/receivers.js';
import { gezinstraject } from './helpers/definitions.js';
import { uniqueId, useTemporal, TEST_KEY_RING } from './helpers/temporal.js';

// The bundle once per file; a time-skipping server per test, so no test's timers hold another's clock.
const temporal = useTemporal({ server: 'time-skipping', serverPerTest: true });

interface Ctx {
  d: Driver;
  workflowId: string;
  taskQueue: string;
  /** A handle on the latest run (the driver's handle follows the first run's chain). */
  latest(): WorkflowHandle<typeof trajectoryWorkflow>;
  state(): Promise<TrajectoryView>;
  /** Closes the latest run and waits until it completed; its last view. */
  close(reason: string): Promise<TrajectoryView>;
}

async function withTrajectory(fn: (c: Ctx) => Promise<void>, extra: { maxHistoryEvents?: number } = {}): Promise<void> {
  const taskQueue = uniqueId('tq');
  const caseRef = uniqueId('ZAAK');
  const workflowId = `GM0363-${caseRef}`;
  const worker = await createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: temporal.bundle, keyRing: TEST_KEY_RING });
  await worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
      workflowId,
      taskQueue,
      args: [{ caseRef, municipality: 'GM0363', definition: gezinstraject(), ...extra }],
    });
    const latest = () => temporal.client.workflow.getHandle<typeof trajectoryWorkflow>(workflowId);
    const ctx: Ctx = {
      d: new Driver(temporal.env, handle),
      workflowId,
      taskQueue,
      latest,
      state: () => latest().query(getStateQuery),
      close: async (reason) => {
        const view = await latest().executeUpdate(closeUpdate, { args: [{ reason, closedBy: 'regisseur-1' }] });
        // The run completes once the closure's notifications are delivered; polled (`result()` would skip time).
        const deadline = Date.now() + 15_000;
        while ((await latest().describe()).status.name === 'RUNNING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect((await latest().describe()).status.name).toBe('COMPLETED');
        return view;
      },
    };
    try {
      await fn(ctx);
    } finally {
      // Leave nothing running: an activity cut off by the worker's shutdown holds the test server's clock.
      await settle(latest()).catch(() => undefined);
      await latest().terminate('test finished').catch(() => undefined);
    }
  });
}

/** Intake done, into safety; lets the safety assessment (due in 5 working days) escalate. */
async function toEscalatedSafety(c: Ctx): Promise<void> {
  await c.d.complete('assign-director');
  await c.d.complete('first-contact');
  await c.d.event('family-contact');
  await c.d.skip('9 days');
  await c.d.settle();
}


const rejection = (fn: () => Promise<unknown>) =>
  fn().then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );

describe('re-opening a closed trajectory', () => {
  it('re-opens into the phase it closed in, keeping its history, and again after a second closure', async () => {
    await withTrajectory(async (c) => {
      await toEscalatedSafety(c);
      const before = await c.state();
      expect(before.phase?.id).toBe('safety');
      expect(before.escalations.map((e) => e.id)).toContain('safety-assessment@0');
      const closedView = await c.close('per abuis gesloten');
      const closed = await c.latest().describe();
      expect(closed.status.name).toBe('COMPLETED');

      const { runId } = await reopenTrajectory(temporal.client, { workflowId: c.workflowId, taskQueue: c.taskQueue, reason: 'gezin meldt zich opnieuw', by: 'regisseur-2' });
      expect(runId).not.toBe(closed.runId);
      await settle(c.latest());
      const running = await c.latest().describe();
      expect(running).toMatchObject({ runId, status: { name: 'RUNNING' } });

      const s = await c.state();
      expect(s.status).toBe('open');
      expect(s.phase?.id).toBe('safety');
      expect(s.closedAt).toBeUndefined();
      expect(s.runs).toBe(1);
      expect(s.openSteps.map((o) => o.id)).toEqual(['safety-assessment#2']);
      // History kept: escalations (resolved by the closure), completed and cancelled steps, events, phases.
      expect(s.escalations.map((e) => e.id)).toEqual(before.escalations.map((e) => e.id));
      expect(s.escalations.find((e) => e.id === 'safety-assessment@0')).toMatchObject({ resolution: 'step-cancelled' });
      expect(s.completedSteps.map((o) => o.id)).toEqual(['assign-director', 'first-contact']);
      expect(s.cancelledSteps).toBe(1);
      expect(s.events.map((e) => e.event)).toEqual(['family-contact']);
      expect(s.phaseHistory.map((p) => [p.phase, p.reason])).toEqual([
        ['intake', 'start'],
        ['safety', 'flow'],
        ['safety', 'reopened'],
      ]);
      expect(s.reopenings).toEqual([
        {
          at: expect.any(String),
          by: 'regisseur-2',
          reason: 'gezin meldt zich opnieuw',
          phase: 'safety',
          closedAt: closedView.closedAt,
          closeReason: 'per abuis gesloten',
          closedBy: 'regisseur-1',
        },
      ]);
      expect(s.contactDueAt && Date.parse(s.contactDueAt)).toBeGreaterThan(Date.parse(s.reopenings![0]!.at));
      // The new run publishes its search attributes.
      await settle(c.latest());
      const sa = (await c.latest().describe()).typedSearchAttributes;
      expect(sa.get(PHASE)).toBe('safety');
      expect(sa.get(OPEN_STEPS)).toBe(1);

      // Closed again and re-opened a second time, into a chosen phase.
      await c.close('opnieuw gesloten');
      await reopenTrajectory(temporal.client, { workflowId: c.workflowId, taskQueue: c.taskQueue, phase: 'stabilisation', reason: 'terug', by: 'regisseur-3' });
      await settle(c.latest());
      const again = await c.state();
      expect(again).toMatchObject({ status: 'open', phase: { id: 'stabilisation' }, runs: 2 });
      expect(again.openSteps.map((o) => o.id).sort()).toEqual(['debts', 'housing', 'income']);
      expect(again.reopenings!.map((r) => [r.phase, r.closeReason, r.by])).toEqual([
        ['safety', 'per abuis gesloten', 'regisseur-2'],
        ['stabilisation', 'opnieuw gesloten', 'regisseur-3'],
      ]);
      expect(again.completedSteps.map((o) => o.id)).toEqual(['assign-director', 'first-contact']);
    });
  });

  it('continues as new after a re-opening without re-opening again', async () => {
    await withTrajectory(
      async (c) => {
        await settle(c.latest());
        await c.close('verhuisd');
        await reopenTrajectory(temporal.client, { workflowId: c.workflowId, taskQueue: c.taskQueue, phase: 'intake', reason: 'terug', by: 'regisseur-2' });
        await settle(c.latest());
        const reopened = (await c.state()).runs;
        // Updates until the history passes maxHistoryEvents: the run continues as new in the task of the update.
        for (let i = 0; i < 20 && (await c.state()).runs === reopened; i++) {
          if (i % 2) await c.latest().executeUpdate(resumeUpdate, { args: [{ by: 'r' }] });
          else await c.latest().executeUpdate(pauseUpdate, { args: [{ reason: 'test', by: 'r' }] });
          await settle(c.latest());
        }
        const s = await c.state();
        expect(s.runs).toBeGreaterThan(reopened);
        expect(s.status).toBe('open');
        expect(s.reopenings).toHaveLength(1);
        // A carried-on re-opening would have been refused (the trajectory is open) and left an incident.
        expect(s.incidents).toEqual([]);
        expect(s.phaseHistory.filter((p) => p.reason === 'reopened')).toHaveLength(1);
        const snapshot = await c.latest().query(getSnapshotQuery);
        expect(snapshot.input).not.toHaveProperty('reopen');
        expect(snapshot.input).toMatchObject({ caseRef: s.caseRef, municipality: 'GM0363', maxHistoryEvents: 40 });
      },
      { maxHistoryEvents: 40 },
    );
  });

  it('re-opens a snapshot from before 1.0.0 on the baseline, ignoring the behaviour choices it carries', async () => {
    await withTrajectory(async (c) => {
      await settle(c.latest());
      await c.close('per abuis gesloten');
      const { snapshot } = await c.latest().result();
      // Fields runs before 1.0.0 carried, each set against the baseline: escalation off, revision 1, the directory
      // looked up by a local activity (fast path without revision 3).
      const input = { ...snapshot.input, fastDelivery: true, recipientsByActivity: false };
      const state = { ...snapshot.state, escalationsEnabled: false, escalationRevision: 1 };
      // As reopenTrajectory starts the next run from a snapshot.
      const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
        workflowId: c.workflowId,
        taskQueue: c.taskQueue,
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        args: [{ ...input, state, runs: snapshot.runs + 1, reopen: { reason: 'gezin meldt zich opnieuw', by: 'regisseur-2' } } as TrajectoryInput],
      });
      await settle(c.latest());
      expect(await c.state()).toMatchObject({ status: 'open', phase: { id: 'intake' }, runs: 1 });
      await c.d.skip('5 days');
      await settle(c.latest());
      // The re-opened step escalates, and its recipients are looked up by a regular activity; no markers (of a local
      // activity or a patch).
      expect((await c.state()).escalations.map((e) => e.id)).toContain('assign-director#2@0');
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter((name) => name !== undefined);
      expect(scheduled).toContain('resolveRecipients');
      expect(events.filter((e) => e.markerRecordedEventAttributes)).toEqual([]);
    });
  });

  it('refuses an open trajectory, an unknown phase and one that did not close normally, starting nothing', async () => {
    await withTrajectory(async (c) => {
      const open = await rejection(() => reopenTrajectory(temporal.client, { workflowId: c.workflowId, taskQueue: c.taskQueue, reason: 'x', by: 'r' }));
      expect(open).toBeInstanceOf(ReopenError);
      expect(open).toMatchObject({ type: 'TrajectoryOpen', message: 'the trajectory is open' });

      await settle(c.latest());
      await c.close('klaar');
      const closed = await c.latest().describe();
      const typo = await rejection(() =>
        reopenTrajectory(temporal.client, { workflowId: c.workflowId, taskQueue: c.taskQueue, phase: 'stabilsation', reason: 'x', by: 'r' }),
      );
      expect(typo).toBeInstanceOf(ReopenError);
      expect(typo).toMatchObject({ type: 'InvalidRequest' });
      expect((typo as Error).message).toBe(
        'unknown phase "stabilsation"; phases: intake, safety, stabilisation, family-plan, execution, closure, aftercare (did you mean "stabilisation"?)',
      );
      const noReason = await rejection(() => reopenTrajectory(temporal.client, { workflowId: c.workflowId, taskQueue: c.taskQueue, reason: ' ', by: 'r' }));
      expect(noReason).toMatchObject({ type: 'InvalidRequest', message: 'a re-opening needs a reason' });
      // Nothing changed: the same closed run.
      const after = await c.latest().describe();
      expect(after).toMatchObject({ runId: closed.runId, status: { name: 'COMPLETED' }, historyLength: closed.historyLength });

      const missing = await rejection(() => reopenTrajectory(temporal.client, { workflowId: `${c.workflowId}-nope`, taskQueue: c.taskQueue, reason: 'x', by: 'r' }));
      expect(missing).toBeInstanceOf(WorkflowNotFoundError);
    });

    await withTrajectory(async (c) => {
      await settle(c.latest());
      await c.latest().terminate('beheer');
      const terminated = await c.latest().describe();
      const refused = await rejection(() => reopenTrajectory(temporal.client, { workflowId: c.workflowId, taskQueue: c.taskQueue, reason: 'x', by: 'r' }));
      expect(refused).toMatchObject({
        type: 'InvalidRequest',
        message: 'the trajectory ended as TERMINATED; only a closed trajectory can be re-opened',
      });
      expect((await c.latest().describe()).runId).toBe(terminated.runId);
    });
  });
  it('re-opens a closed trajectory whose run still delivers its last notifications (receiver down), in that run', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    receiver.down = true;
    const taskQueue = uniqueId('tq');
    const caseRef = uniqueId('ZAAK');
    const workflowId = `GM0363-${caseRef}`;
    const worker = await createWorker({
      keyRing: TEST_KEY_RING,
      connection: temporal.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: temporal.bundle,
      activityDeps: { webhook: { url: receiver.url, secret: `whsec_${Buffer.from('waakvlam-test-secret-0123456789').toString('base64')}` } },
    });
    try {
      await worker.runUntil(async () => {
        const handle = await temporal.client.workflow.start(trajectoryWorkflow, { workflowId, taskQueue, args: [{ caseRef, municipality: 'GM0363', definition: gezinstraject() }] });
        const closed = await handle.executeUpdate(closeUpdate, { args: [{ reason: 'verhuisd', closedBy: 'regisseur-1' }] });
        expect(closed.status).toBe('closed');
        // The receiver is down: the run stays, delivering, although the trajectory is closed.
        await new Promise((r) => setTimeout(r, 500));
        const before = await handle.describe();
        expect(before.status.name).toBe('RUNNING');

        await reopenTrajectory(temporal.client, { workflowId, taskQueue, phase: 'safety', reason: 'nieuw signaal', by: 'regisseur-1' });
        const state = await handle.query(getStateQuery);
        expect(state).toMatchObject({ status: 'open', phase: { id: 'safety' }, reopenings: [{ by: 'regisseur-1', reason: 'nieuw signaal', phase: 'safety' }] });
        expect((await temporal.client.workflow.getHandle(workflowId).describe()).runId).toBe(before.runId); // the same run
        await expect(reopenTrajectory(temporal.client, { workflowId, taskQueue, reason: 'nogmaals', by: 'x' })).rejects.toMatchObject({ type: 'TrajectoryOpen' });
        await handle.terminate('test finished'); // its deliveries would retry for ever against the receiver that is down
      });
    } finally {
      await receiver.stop();
    }
  });
});
