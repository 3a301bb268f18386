/**
 * Key rotation (#12 point 1) on the time-skipping server: a trajectory started under key 1; key 2 added and made
 * current; a new worker and client carry it on: it escalates and closes. What they write carries key 2, what was
 * written before still decrypts, and nothing had to be re-encrypted.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Definition } from '../definitions/schema.js';
import { dataConverter } from '../runtime/data-converter.js';
import { EncryptionCodec, KEY_ID } from '../runtime/encryption.js';
import { staticKeyRing } from '../runtime/keys.js';
import { createWorker } from '../worker/worker.js';
import { completeStepUpdate, getStateQuery, trajectoryWorkflow } from '../workflows/trajectory.js';
import { settle } from './helpers/driver.js';
import { metadataOf, payloadsIn, rawText } from './helpers/payloads.js';
import { uniqueId, useTemporal } from './helpers/temporal.js';
import { validDefinition } from './helpers/definitions.js';

const temporal = useTemporal({ server: 'time-skipping' });

const key1 = Buffer.alloc(32, 0x11).toString('base64');
const key2 = Buffer.alloc(32, 0x22).toString('base64');
const ringBefore = staticKeyRing({ municipalities: { GM0363: { current: '2025-06', keys: { '2025-06': key1 } } } });
const ringAfter = staticKeyRing({ municipalities: { GM0363: { current: '2026-12', keys: { '2025-06': key1, '2026-12': key2 } } } });

/** One step, due at once, escalating to the teamleider after a day. */
function escalating(): Definition {
  return validDefinition(
    {
      id: 'rotatie',
      version: 1,
      name: 'Rotatie',
      roles: [{ id: 'regisseur', name: 'Regisseur' }, { id: 'teamleider', name: 'Teamleider' }],
      escalationPolicies: { kort: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'P1D' }] } },
      defaultEscalationPolicy: 'kort',
      phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'PT1H', next: 'e' }, { id: 'e', type: 'end' }] }],
    },
  );
}

describe('key rotation', () => {
  it('carries a trajectory started under key 1 on under key 2: it escalates and closes, old payloads still decrypt', { timeout: 120_000 }, async () => {
    const caseRef = uniqueId('ZAAK');
    const workflowId = `GM0363-${caseRef}`;
    const taskQueue = uniqueId('rotation');
    const canary = `KANARIE-ROTATIE-${caseRef}`;
    const worker = (keyRing: typeof ringBefore) =>
      createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: temporal.bundle, keyRing, overrides: { maxCachedWorkflows: 0 } });
    const client = (keyRing: typeof ringBefore) => new Client({ connection: temporal.env.connection, dataConverter: dataConverter(keyRing) });

    // Under key 1.
    const before = client(ringBefore);
    await (await worker(ringBefore)).runUntil(async () => {
      const handle = await before.workflow.start(trajectoryWorkflow, {
        workflowId,
        taskQueue,
        args: [{ caseRef, municipality: 'GM0363', definition: escalating(), data: { notitie: canary } }],
      });
      expect((await handle.query(getStateQuery)).openSteps.map((s) => s.id)).toEqual(['x']);
      await settle(handle);
    });

    // Key 2 added and made current: a new worker and client.
    const after = client(ringAfter);
    await (await worker(ringAfter)).runUntil(async () => {
      const handle = after.workflow.getHandle<typeof trajectoryWorkflow>(workflowId);
      await temporal.env.sleep('2 days');
      const state = await handle.query(getStateQuery);
      expect(state.data).toMatchObject({ notitie: canary });
      expect(state.escalations.map((e) => e.level)).toEqual([0, 1]);
      await settle(handle);
      await handle.executeUpdate(completeStepUpdate, { args: [{ stepId: 'x', completedBy: 'regisseur-1', output: { verslag: `${canary}-2` } }] });
      expect((await handle.result()).status).toBe('closed');
    });

    const history = await new Client({ connection: temporal.env.connection }).workflow.getHandle(workflowId).fetchHistory();
    expect(rawText(history)).not.toContain(canary);
    const payloads = payloadsIn(history.events);
    const ids = payloads.map((p) => metadataOf(p)[KEY_ID]);
    expect(new Set(ids)).toEqual(new Set(['GM0363/2025-06', 'GM0363/2026-12']));
    // Started under key 1; everything since the rotation under key 2 (the last payload is the result).
    expect(ids[0]).toBe('GM0363/2025-06');
    expect(ids.at(-1)).toBe('GM0363/2026-12');
    // The new ring reads all of them; the old one not what key 2 wrote.
    const decoded = await new EncryptionCodec(ringAfter).decode(payloads);
    expect(decoded.map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p))).join('\n')).toContain(`${canary}-2`);
    await expect(new EncryptionCodec(ringBefore).decode(payloads)).rejects.toThrow(/unknown key GM0363\/2026-12/);
  });

  it('keeps a worker that lacks the new key running: its workflow task fails naming the key only, and a worker with it carries on', { timeout: 120_000 }, async () => {
    const caseRef = uniqueId('ZAAK');
    const workflowId = `GM0363-${caseRef}`;
    const taskQueue = uniqueId('rotation-early');
    const canary = `KANARIE-VROEG-${caseRef}`;
    // The client already encrypts with key 2; the first worker has only key 1 (step 1 of a rotation skipped).
    const early = new Client({ connection: temporal.env.connection, dataConverter: dataConverter(ringAfter) });
    const handle = await early.workflow.start(trajectoryWorkflow, {
      workflowId,
      taskQueue,
      args: [{ caseRef, municipality: 'GM0363', definition: escalating(), data: { notitie: canary } }],
    });
    const plain = new Client({ connection: temporal.env.connection }).workflow.getHandle(workflowId);
    const lagging = await createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: temporal.bundle, keyRing: ringBefore });
    const failedTask = await lagging.runUntil(async () => {
      for (;;) {
        const failed = ((await plain.fetchHistory()).events ?? []).find((e) => e.workflowTaskFailedEventAttributes);
        if (failed) return failed;
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    expect(lagging.getState()).toBe('STOPPED'); // it ran until told to stop: the failure did not bring it down
    const failure = failedTask.workflowTaskFailedEventAttributes!.failure!;
    expect(failure.message).toMatch(/EncryptionError: encryption: unknown key GM0363\/2026-12/);
    expect(failure.stackTrace ?? '').toBe('');
    expect(rawText(await plain.fetchHistory())).not.toContain(canary);

    const ready = await createWorker({ connection: temporal.env.nativeConnection, namespace: 'default', taskQueue, workflowBundle: temporal.bundle, keyRing: ringAfter });
    await ready.runUntil(async () => {
      expect((await handle.query(getStateQuery)).data).toMatchObject({ notitie: canary });
      await handle.executeUpdate(completeStepUpdate, { args: [{ stepId: 'x', completedBy: 'regisseur-1' }] });
      expect((await handle.result()).status).toBe('closed');
    });
  });
});
