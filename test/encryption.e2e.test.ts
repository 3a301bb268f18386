/**
 * Encryption at rest on the dev server (#12 point 1): distinctive strings sent as start data and as a step's output
 * never appear in the raw history, in describe or in visibility (as a client without the codec, or anyone with the
 * database, sees them); every payload carries the municipality's key id; a client with the codec reads them back.
 * And a trajectory started before the codec (unencoded payloads) carries on once a worker with the codec takes over.
 */
import { describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { Definition } from '../definitions/schema.js';
import { AAD_SCHEME, EncryptionCodec, ENCODING, KEY_ID, WORKFLOW_ID } from '../runtime/encryption.js';
import { createWorker } from '../worker/worker.js';
import { completeStepUpdate, getStateQuery, trajectoryWorkflow } from '../workflows/trajectory.js';
import { settle } from './helpers/driver.js';
import { metadataOf, payloadsIn, rawText } from './helpers/payloads.js';
import { TEST_KEY_RING, uniqueId, useTemporal } from './helpers/temporal.js';
import { validDefinition } from './helpers/definitions.js';

const temporal = useTemporal({ worker: { taskQueue: 'encryption' } });

/** Two user tasks in a row: the first's output is the second canary. */
function twoSteps(): Definition {
  return validDefinition(
    {
      id: 'versleuteld',
      version: 1,
      name: 'Versleuteld',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      phases: [
        {
          id: 'a',
          name: 'A',
          start: 'eerste',
          nodes: [
            { id: 'eerste', type: 'userTask', owner: 'regisseur', due: 'P5D', next: 'tweede' },
            { id: 'tweede', type: 'userTask', owner: 'regisseur', due: 'P5D', next: 'einde' },
            { id: 'einde', type: 'end' },
          ],
        },
      ],
    },
  );
}

const canaries = () => {
  const tag = Math.random().toString(36).slice(2, 10).toUpperCase();
  return { start: `KANARIE-START-${tag}`, output: `KANARIE-UITKOMST-${tag}`, startedBy: `KANARIE-DOOR-${tag}` };
};

/** A client without the codec: what the server (and its database) holds. */
const plainClient = () => new Client({ connection: temporal.env.connection });

describe('encryption at rest (dev server)', () => {
  it('keeps start data and step outputs out of the raw history, describe and visibility; the codec reads them back', async () => {
    const c = canaries();
    const caseRef = uniqueId('ZAAK');
    const workflowId = `GM0363-${caseRef}`;
    const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
      workflowId,
      taskQueue: temporal.taskQueue,
      args: [{ caseRef, municipality: 'GM0363', definition: twoSteps(), startedBy: c.startedBy, data: { notitie: c.start } }],
    });
    await handle.executeUpdate(completeStepUpdate, { args: [{ stepId: 'eerste', completedBy: 'regisseur-1', output: { verslag: c.output } }] });
    // Read back through the codec: the query's answer (written by the worker, encrypted, decrypted by the client).
    const state = await handle.query(getStateQuery);
    expect(state.data).toMatchObject({ notitie: c.start, verslag: c.output });

    const plain = plainClient();
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    const text = rawText(history);
    for (const canary of Object.values(c)) expect(text).not.toContain(canary);
    // Every payload is encrypted under the municipality's key, and names its workflow.
    const payloads = payloadsIn(history.events);
    expect(payloads.length).toBeGreaterThan(3);
    for (const p of payloads) {
      expect(metadataOf(p)).toEqual({ encoding: ENCODING, [KEY_ID]: 'GM0363/test', [WORKFLOW_ID]: workflowId, [AAD_SCHEME]: 'key-and-workflow' });
    }
    // The codec decrypts them: the canaries are in there.
    const decoded = (await new EncryptionCodec(TEST_KEY_RING).decode(payloads)).map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
    expect(decoded).toContain(c.start);
    expect(decoded).toContain(c.output);
    expect(decoded).toContain(c.startedBy);

    // Describe and visibility (search attributes stay plain, so they must hold none of it), codec-less.
    const described = await plain.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
    const listed = await plain.workflowService.listWorkflowExecutions({ namespace: 'default', query: `WorkflowId = '${workflowId}'` });
    expect(listed.executions).toHaveLength(1);
    const visible = [
      Buffer.from(proto.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(described).finish()).toString('latin1'),
      Buffer.from(proto.api.workflowservice.v1.ListWorkflowExecutionsResponse.encode(listed).finish()).toString('latin1'),
    ].join('\n');
    for (const canary of Object.values(c)) expect(visible).not.toContain(canary);
    expect(visible).toContain(caseRef); // the pseudonymous case reference is there (search attribute): the check reads real data

    // The codec-less client cannot read the state: the answer comes encrypted.
    await expect(plain.workflow.getHandle(workflowId).query(getStateQuery)).rejects.toThrow(/binary\/encrypted|Unknown encoding/);
  });

  it('refuses to write the payloads of a workflow whose id names no municipality, rather than writing them plain', async () => {
    const c = canaries();
    const workflowId = uniqueId('no-municipality');
    await expect(
      temporal.client.workflow.start(trajectoryWorkflow, {
        workflowId,
        taskQueue: temporal.taskQueue,
        args: [{ caseRef: 'X', municipality: 'GM0363', definition: twoSteps(), data: { notitie: c.start } }],
      }),
    ).rejects.toThrow(/names no municipality/);
    await expect(plainClient().workflow.getHandle(workflowId).describe()).rejects.toThrow(/not found/i);
  });

  it('lets a trajectory started before the codec (unencoded payloads) carry on under a worker with the codec', async () => {
    const c = canaries();
    const caseRef = uniqueId('ZAAK');
    const workflowId = `GM0363-${caseRef}`;
    const taskQueue = uniqueId('before-codec');
    const plain = plainClient();
    // Before: a worker and a client without the codec.
    const before = await createWorker({
      connection: temporal.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: temporal.bundle,
      keyRing: TEST_KEY_RING,
      overrides: { dataConverter: {}, maxCachedWorkflows: 0 },
    });
    await before.runUntil(async () => {
      const handle = await plain.workflow.start(trajectoryWorkflow, {
        workflowId,
        taskQueue,
        args: [{ caseRef, municipality: 'GM0363', definition: twoSteps(), data: { notitie: c.start } }],
      });
      await handle.executeUpdate(completeStepUpdate, { args: [{ stepId: 'eerste', completedBy: 'regisseur-1' }] });
      await settle(handle); // no activity left with this worker when it stops
    });
    expect(rawText(await plain.workflow.getHandle(workflowId).fetchHistory())).toContain(c.start); // unencoded indeed

    // After: the codec everywhere. No sticky cache, so the new worker replays the unencoded history.
    const after = await createWorker({
      connection: temporal.env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: temporal.bundle,
      keyRing: TEST_KEY_RING,
      overrides: { maxCachedWorkflows: 0 },
    });
    await after.runUntil(async () => {
      const handle = temporal.client.workflow.getHandle(workflowId);
      expect((await handle.query(getStateQuery)).data).toMatchObject({ notitie: c.start });
      await handle.executeUpdate(completeStepUpdate, { args: [{ stepId: 'tweede', completedBy: 'regisseur-1', output: { verslag: c.output } }] });
      const result = await handle.result();
      expect(result).toBeTruthy();
    });
    const history = await plain.workflow.getHandle(workflowId).fetchHistory();
    expect(rawText(history)).not.toContain(c.output);
    const kinds = new Set(payloadsIn(history.events).map((p) => metadataOf(p).encoding));
    expect(kinds).toEqual(new Set(['json/plain', ENCODING])); // both: the old ones as they were, the new ones encrypted
  });
});
