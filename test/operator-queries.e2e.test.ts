/**
 * The Web UI queries an operator saves (the README's operator section), run as written against the dev server's
 * visibility: they find exactly what they say. Trajectories in the situations an operator looks for: stuck and
 * escalated, on time, in another municipality, paused, waiting for an event from the case system, with an incident.
 */
import { expect, it } from 'vitest';
import { startTrajectory } from '../clients/trajectories.js';
import { pauseUpdate, trajectoryWorkflow } from '../workflows/trajectory.js';
import { gezinstraject, validDefinition } from './helpers/definitions.js';
import { uniqueId, useTemporal } from './helpers/temporal.js';

const temporal = useTemporal({ worker: { taskQueue: 'operator-queries' } });

/** A step due in a second; its ladder reminds the owner at once (level 0) and the teamleider two seconds later (1). */
function stalling() {
  return validDefinition(
    {
      id: 'stokt',
      version: 1,
      name: 'Stokt',
      roles: [
        { id: 'regisseur', name: 'Regisseur' },
        { id: 'teamleider', name: 'Teamleider' },
      ],
      escalationPolicies: { kort: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT2S' }] } },
      defaultEscalationPolicy: 'kort',
      phases: [{ id: 'uitvoering', name: 'Uitvoering', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'PT1S', next: 'e' }, { id: 'e', type: 'end' }] }],
    },
  );
}

/** One phase `uitvoering` of the given nodes (the first starts), with the roles and the event `plan-agreed`. */
function flow(id: string, nodes: unknown[]) {
  return validDefinition(
    {
      id,
      version: 1,
      name: id,
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      events: [{ id: 'plan-agreed', name: 'Gezinsplan akkoord' }],
      phases: [{ id: 'uitvoering', name: 'Uitvoering', start: (nodes[0] as { id: string }).id, nodes: [...nodes, { id: 'e', type: 'end' }] }],
    },
  );
}

/** The workflow ids a visibility query finds, sorted. */
async function found(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const run of temporal.client.workflow.list({ query })) ids.push(run.workflowId);
  return ids.sort();
}

/** Visibility is eventually consistent: asks again until the query finds `expected` (or fails with what it found). */
async function expectFinds(query: string, expected: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ids = await found(query);
  while (JSON.stringify(ids) !== JSON.stringify([...expected].sort()) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    ids = await found(query);
  }
  expect(ids, query).toEqual([...expected].sort());
}

async function start(municipality: string, definition = stalling()): Promise<string> {
  const caseRef = uniqueId('ZAAK');
  const id = `${municipality}-${caseRef}`;
  await startTrajectory(temporal.client, temporal.taskQueue, id, { caseRef, municipality, definition });
  return id;
}

it('finds stuck trajectories of a municipality, per escalation level and in a phase, with the queries as the README gives them', { timeout: 90_000 }, async () => {
  const stuck = await start('GM0363');
  const onTime = await start('GM0363', gezinstraject());
  const elsewhere = await start('GM0599');

  // Stuck: past the earliest due date and still running (the ladder climbs to level 1, the teamleider).
  await new Promise((r) => setTimeout(r, 4_000));
  const now = new Date().toISOString();
  await expectFinds(`WaakvlamMunicipality = 'GM0363' AND WaakvlamNextDeadline < '${now}' AND ExecutionStatus = 'Running'`, [stuck]);
  await expectFinds(`WaakvlamNextDeadline < '${now}' AND ExecutionStatus = 'Running'`, [stuck, elsewhere]);

  // Per escalation level: the attribute is the highest open ladder level + 1 (0: nothing escalated).
  await expectFinds(`WaakvlamMunicipality = 'GM0363' AND WaakvlamEscalationLevel > 0`, [stuck]);
  await expectFinds(`WaakvlamMunicipality = 'GM0363' AND WaakvlamEscalationLevel >= 2`, [stuck]); // the teamleider heard it (level 1) or higher
  await expectFinds(`WaakvlamEscalationLevel >= 3`, []); // nothing reached the procesregisseur (level 2)
  await expectFinds(`WaakvlamMunicipality = 'GM0363' AND WaakvlamEscalationLevel = 0 AND ExecutionStatus = 'Running'`, [onTime]);

  // In a phase: by the phase's id in the definition (`intake`), not its label (`Aanmelding`).
  await expectFinds(`WaakvlamMunicipality = 'GM0363' AND WaakvlamPhase = 'intake'`, [onTime]);
  await expectFinds(`WaakvlamPhase = 'aanmelding'`, []);
  await expectFinds(`WaakvlamDefinitionId = 'gezinstraject' AND WaakvlamDefinitionVersion = 1`, [onTime]);
  await expectFinds(`WaakvlamPhase = 'uitvoering' AND WaakvlamOpenSteps > 0`, [stuck, elsewhere]);
});

it('finds paused trajectories, ones waiting for an event from the case system and ones with incidents (since 1.1.0)', { timeout: 90_000 }, async () => {
  const paused = await start('GM0344', gezinstraject());
  const waiting = await start('GM0344', flow('wacht', [{ id: 'akkoord', type: 'event', event: 'plan-agreed', next: 'e', timeout: { after: 'P2W', next: 'e' } }]));
  const broken = await start('GM0344', flow('kapot', [{ id: 'doelen', type: 'multiInstance', collection: '"geen lijst"', task: { name: 'item', owner: '"regisseur"', due: 'P1D' }, next: 'e' }]));
  const quiet = await start('GM0344', gezinstraject());
  await expectFinds(`WaakvlamMunicipality = 'GM0344' AND WaakvlamPaused = false AND ExecutionStatus = 'Running'`, [paused, waiting, broken, quiet]);
  await temporal.client.workflow.getHandle<typeof trajectoryWorkflow>(paused).executeUpdate(pauseUpdate, { args: [{ reason: 'gezin op vakantie', by: 'regisseur-1' }] });

  await expectFinds(`WaakvlamMunicipality = 'GM0344' AND WaakvlamPaused = true AND ExecutionStatus = 'Running'`, [paused]);
  await expectFinds(`WaakvlamMunicipality = 'GM0344' AND WaakvlamWaitingForEvent = 'plan-agreed'`, [waiting]);
  await expectFinds(`WaakvlamMunicipality = 'GM0344' AND WaakvlamWaitingForEvent IS NOT NULL AND ExecutionStatus = 'Running'`, [waiting]);
  await expectFinds(`WaakvlamMunicipality = 'GM0344' AND WaakvlamHasIncidents = true AND ExecutionStatus = 'Running'`, [broken]);
});
