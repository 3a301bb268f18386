/**
 * What the Temporal Web UI shows of a trajectory, on the dev server: the static summary and details of its start
 * (`describe()`'s user metadata, the UI's list and its User Metadata tab), and the current details the run keeps up to
 * date (the SDK's built-in `__temporal_workflow_metadata` query, which the UI's "Current Details" reads), after a
 * completion; the summaries its timers carry in the event history. Nothing from the family's data in any of them.
 */
import { expect, it } from 'vitest';
import type { temporal as proto } from '@temporalio/proto';
import { startTrajectory } from '../clients/trajectories.js';
import { closeUpdate, completeStepUpdate, getStateQuery, trajectoryWorkflow } from '../workflows/trajectory.js';
import { gezinstraject } from './helpers/definitions.js';
import { uniqueId, useTemporal } from './helpers/temporal.js';

const temporal = useTemporal({ worker: { taskQueue: 'details' } });
const CANARY = 'KANARIE-details-91c2';

/** The built-in query the Web UI reads the current details with (@temporalio/workflow's workflowMetadataQuery). */
const METADATA_QUERY = '__temporal_workflow_metadata';

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A summary from user metadata, decoded as the client decodes (through the payload codec, when there is one). */
async function summaryOf(metadata: proto.api.sdk.v1.IUserMetadata | null | undefined): Promise<string | undefined> {
  if (!metadata?.summary) return undefined;
  const { payloadConverter, payloadCodecs } = temporal.client.options.loadedDataConverter;
  let payloads = [metadata.summary];
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return payloadConverter.fromPayload<string>(payloads[0]!);
}

it('shows the static summary, and current details with the phase and the open step after a completion', { timeout: 60_000 }, async () => {
  const caseRef = uniqueId('ZAAK');
  const id = `GM0363-${caseRef}`;
  await startTrajectory(temporal.client, temporal.taskQueue, id, { caseRef, municipality: 'GM0363', definition: gezinstraject(), data: { notitie: CANARY } });
  const handle = temporal.client.workflow.getHandle<typeof trajectoryWorkflow>(id);

  const described = await handle.describe();
  const summary = await described.staticSummary();
  expect(summary).toBe(`Gezinstraject (1 gezin, 1 plan, 1 regisseur) v1 · zaak ${caseRef} · GM0363`);
  expect(described.raw.executionConfig?.userMetadata?.summary).toBeTruthy(); // what the Web UI reads
  expect(await described.staticDetails()).toContain('`gezinstraject` versie 1');

  await until('the first step', () => handle.query(getStateQuery), (s) => s.openSteps.some((o) => o.id === 'assign-director'));
  await handle.executeUpdate(completeStepUpdate, { args: [{ stepId: 'assign-director', completedBy: 'teamleider-1' }] });

  const metadata = await until(
    'the current details',
    () => handle.query<{ currentDetails?: string }>(METADATA_QUERY),
    (m) => (m.currentDetails ?? '').includes('Eerste contact met het gezin'),
  );
  const details = metadata.currentDetails!;
  expect(details).toMatch(/^\*\*Fase:\*\* Aanmelding — sinds \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  expect(details).toContain('- **Eerste contact met het gezin** · eigenaar: Regisseur · termijn: ');
  expect(details).toContain('- een persoon: Eerste contact met het gezin (Regisseur)');
  expect(details).toContain('**Gepauzeerd:** nee');
  expect(details).not.toContain('Regisseur toewijzen');
  expect(details).not.toContain(CANARY);
  const state = await handle.query(getStateQuery);
  expect(state.waitingFor).toEqual([{ kind: 'person', node: 'first-contact', since: state.openSteps[0]!.openedAt, owners: ['regisseur'] }]);

  // The event history reads as a story: each timer says what falls due, each activity what it delivers.
  await handle.executeUpdate(closeUpdate, { args: [{ reason: 'afgerond', closedBy: 'regisseur-1' }] });
  await until('the run to end', async () => (await handle.describe()).status.name, (s) => s === 'COMPLETED');
  const events = (await handle.fetchHistory()).events ?? [];
  const timers = await Promise.all(events.filter((e) => e.timerStartedEventAttributes).map((e) => summaryOf(e.userMetadata)));
  expect(timers[0]).toBe('termijn Regisseur toewijzen');
  expect(timers).toContain('termijn Eerste contact met het gezin');
  const activities = await Promise.all(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => summaryOf(e.userMetadata)));
  expect(activities).toContain('webhook trajectory.closed');
  for (const text of [...timers, ...activities]) expect(text).not.toContain(CANARY);
});
