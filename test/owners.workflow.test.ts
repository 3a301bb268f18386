/**
 * Owners are roles the definition knows (issue #9, point 3): text from the family's data never becomes a step's owner
 * and never reaches a webhook or an e-mail. On the time-skipping server with a real HTTP receiver, a real SMTP server
 * and the real API app (tokens included):
 * - a multi-instance task whose owner comes from the plan (`item.eigenaar`) and is not a role is owned by the
 *   regisseur, with an incident naming the node (not the value); escalations carry role ids only;
 * - a step carried over from an earlier run with a free-text owner escalates under the regisseur too;
 * - a reassignment to anything but a role of the definition is refused (400 free text, 422 an unknown id naming the
 *   roles; the update validator too) and changes nothing; a reassignment to a role goes through;
 * - the notification activities themselves send role ids only, also for an event scheduled before owners were checked.
 */
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { toCloudEvent, type NotificationEnvelope } from '../activities/cloudevents.js';
import { renderEmail } from '../activities/email.js';
import type { Definition } from '../definitions/schema.js';
import { TrajectoryEngine } from '../workflows/engine.js';
import { decideEscalationUpdate, type TrajectoryInput } from '../workflows/trajectory.js';
import type { Driver } from './helpers/driver.js';
import { useNotifying, validDefinition, withNotifyingTrajectory } from './helpers/notifying.js';
import { shipped } from './helpers/definitions.js';
import { as, expectProblem, testApp } from './helpers/api.js';

/** Text from the family's plan: must stay in the trajectory's state, never in a notification. */
const PRIVATE = { owner: 'Mevrouw J. de Vries (GGZ Noord)', title: 'Rouwverwerking na overlijden vader' };
const leaks = (text: string) => /Vries|GGZ Noord|Rouwverwerking/.test(text);

function definition(): Definition {
  return validDefinition({
    id: 'eigenaren',
    version: 1,
    name: 'Eigenaren',
    roles: [
      { id: 'regisseur', name: 'Regisseur' },
      { id: 'teamleider', name: 'Teamleider' },
      { id: 'woningcorporatie', name: 'Woningcorporatie' },
    ],
    escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT1H' }] } },
    defaultEscalationPolicy: 'direct',
    phases: [
      {
        id: 'uitvoering',
        name: 'Uitvoering',
        start: 'goals',
        nodes: [
          { id: 'goals', type: 'multiInstance', name: 'Doelen uit het gezinsplan', collection: 'doelen', task: { name: 'item.titel', owner: 'item.eigenaar', due: 'PT1S' }, next: 'done' },
          { id: 'done', type: 'end' },
        ],
      },
    ],
  });
}

const plan = {
  doelen: [
    { id: 'rouw', titel: PRIVATE.title, eigenaar: PRIVATE.owner },
    { id: 'woning', titel: 'Woning', eigenaar: 'woningcorporatie' },
  ],
};

const notifying = useNotifying();
const { receiver, mail } = notifying;

const withTrajectory = (extra: Partial<TrajectoryInput>, fn: (d: Driver) => Promise<void>) =>
  withNotifyingTrajectory(notifying, { definition: definition(), ...extra }, fn);

/** Every webhook body and e-mail of one trajectory. */
function notificationsOf(workflowId: string) {
  const events = receiver.accepted().filter((e) => e.subject === workflowId);
  const mails = mail.messages.filter((m) => m.subject.includes(workflowId));
  return { events, mails, raised: events.filter((e) => e.type === 'nl.overheid.waakvlam.escalation.raised') };
}

describe('owners are roles of the definition', () => {
  it('a plan goal owned by someone who is not a role is the regisseur’s, with an incident; notifications carry role ids only', async () => {
    await withTrajectory({ data: plan }, async (d) => {
      await d.skip('1 minute');
      await d.settle();
      const state = await d.state();
      expect(state.openSteps.map((s) => [s.id, s.owner])).toEqual([
        ['goals/rouw', 'regisseur'],
        ['goals/woning', 'woningcorporatie'],
      ]);
      expect(state.incidents).toEqual([expect.objectContaining({ node: 'goals', message: expect.stringMatching(/element 1: .*not a role.*regisseur/) })]);
      expect(leaks(JSON.stringify(state.incidents))).toBe(false);
      expect(state.escalations.map((e) => [e.id, e.role, e.organisation])).toEqual([
        ['goals/rouw@0', 'regisseur', 'regisseur'],
        ['goals/woning@0', 'woningcorporatie', 'woningcorporatie'],
      ]);

      const { events, mails, raised } = notificationsOf(d.handle.workflowId);
      expect(raised.map((e) => [e.data.escalation.role, e.data.escalation.organisation, e.data.owner]).sort()).toEqual([
        ['regisseur', 'regisseur', 'regisseur'],
        ['woningcorporatie', 'woningcorporatie', 'woningcorporatie'],
      ]);
      expect(mails.map((m) => m.to).sort()).toEqual([['bemiddeling@corporatie.example'], ['regisseur@gemeente.example']]);
      // The owner line names the role by the definition's label.
      expect(mails.map((m) => /Eigenaar:\s+(\S+)/.exec(m.raw)?.[1]).sort()).toEqual(['Regisseur', 'Woningcorporatie']);
      for (const text of [...events.map((e) => e.body), ...mails.map((m) => m.raw)]) expect(leaks(text)).toBe(false);
    });
  });

  it('a step carried over from an earlier run with a free-text owner escalates under the regisseur', async () => {
    // A run from before the owner check (continue-as-new carries its state): its goal step has a free-text owner.
    const old = TrajectoryEngine.start(definition(), { doelen: [plan.doelen[1]] }, await notifying.env.currentTimeMs());
    old.state.openSteps[0]!.owner = PRIVATE.owner;
    old.takeNotifications();
    await withTrajectory({ state: old.state, runs: 1 }, async (d) => {
      await d.skip('1 minute');
      await d.settle();
      const { events, mails, raised } = notificationsOf(d.handle.workflowId);
      expect(raised.map((e) => [e.data.escalation.role, e.data.escalation.organisation, e.data.owner])).toEqual([['regisseur', 'regisseur', 'regisseur']]);
      expect(mails.map((m) => m.to)).toEqual([['regisseur@gemeente.example']]);
      for (const text of [...events.map((e) => e.body), ...mails.map((m) => m.raw)]) expect(leaks(text)).toBe(false);
    });
  });

  it('a reassignment names a role of the definition: free text is a 400, an unknown role a 422 naming the roles; nothing changes', async () => {
    await withTrajectory({ data: plan }, async (d) => {
      await d.skip('1 minute');
      await d.settle();
      const app = testApp(notifying.env.client, shipped, 'unused');
      const manager = await as(app, 'manager', 'GM0363', { subject: 'teamleider-3' });
      const decide = (owner: string) =>
        manager.post(`/v1/trajectories/${d.handle.workflowId}/escalations/${encodeURIComponent('goals/woning@0')}/decisions`).send({ type: 'reassign', owner, reason: 'andere partij' });
      const before = (await d.handle.fetchHistory()).events?.length ?? 0;

      const freeText = await decide(PRIVATE.owner);
      expectProblem(freeText, 400, 'invalid-request');
      expect(freeText.body.errors).toEqual([expect.objectContaining({ path: '/body/owner' })]);

      const unknown = await decide('ggz');
      expectProblem(unknown, 422, 'unprocessable');
      expect(unknown.body.detail).toMatch(/regisseur, teamleider, woningcorporatie/);
      expect(unknown.body.detail).not.toMatch(/ggz/);

      // The update's validator refuses it too, whoever calls it.
      const direct = await d.handle
        .executeUpdate(decideEscalationUpdate, { args: [{ escalationId: 'goals/woning@0', decision: { type: 'reassign', owner: PRIVATE.owner, decidedBy: 'teamleider-3', reason: 'x' } }] })
        .catch((err: unknown) => err);
      expect(direct).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((direct as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidRequest' });

      // Nothing reached history but workflow tasks (the time-skipping server has no speculative ones): no update
      // accepted, nothing scheduled.
      const added = ((await d.handle.fetchHistory()).events ?? []).slice(before).map((e) => temporal.api.enums.v1.EventType[e.eventType!]);
      expect(added.filter((t) => !/^EVENT_TYPE_WORKFLOW_TASK_(SCHEDULED|STARTED|COMPLETED)$/.test(String(t)))).toEqual([]);
      const state = await d.state();
      expect(state.openSteps.find((s) => s.id === 'goals/woning')!.owner).toBe('woningcorporatie');
      expect(state.escalations.find((e) => e.id === 'goals/woning@0')!.decisions).toEqual([]);

      const ok = await decide('teamleider');
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect((await d.state()).openSteps.find((s) => s.id === 'goals/woning')!.owner).toBe('teamleider');
    });
  });
});

describe('the notification activities', () => {
  it('send role ids only, also for an event scheduled before owners were checked', () => {
    const escalation = { id: 'goals/*@0', stepId: null, stepName: 'Doelen', level: 0, role: PRIVATE.owner, organisation: PRIVATE.owner, dueAt: '2026-03-02T09:00:00Z' };
    const old: NotificationEnvelope = {
      id: 'GM0363-ZAAK-1:7',
      type: 'escalation.raised',
      time: '2026-03-02T09:00:00Z',
      trajectoryId: 'GM0363-ZAAK-1',
      municipality: 'GM0363',
      data: { escalation, owner: PRIVATE.owner, phase: 'uitvoering' },
    };
    const event = toCloudEvent(old);
    // Its id in the API's spelling too (definitions/ids.ts).
    expect(event.data).toEqual({ escalation: { ...escalation, id: 'goals:*@0', role: null, organisation: null }, owner: null, phase: 'uitvoering' });
    const resolved = toCloudEvent({ ...old, type: 'escalation.resolved', data: { escalations: [escalation], resolution: 'step-completed' } });
    expect(resolved.data.escalations).toEqual([{ ...escalation, id: 'goals:*@0', role: null, organisation: null }]);
    const message = renderEmail(old)!;
    expect(message.text).toMatch(/Eigenaar:\s+onbekend/);
    expect(leaks(JSON.stringify(event) + JSON.stringify(resolved) + message.subject + message.text)).toBe(false);
    // Role ids pass unchanged.
    const fine = toCloudEvent({ ...old, data: { escalation: { ...escalation, role: 'teamleider', organisation: 'woningcorporatie' }, owner: 'woningcorporatie' } });
    expect(fine.data).toMatchObject({ escalation: { role: 'teamleider', organisation: 'woningcorporatie' }, owner: 'woningcorporatie' });
    expect(renderEmail({ ...old, data: fine.data })!.text).toMatch(/Eigenaar:\s+woningcorporatie/);
  });
});
