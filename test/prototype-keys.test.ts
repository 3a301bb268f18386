/**
 * Names of Object.prototype's properties (`constructor`, `__proto__`, `toString`) as keys (issue #9, point 4): a
 * role, an owner, an event, a node or a data key named like one is an ordinary name. The directory finds nobody for
 * it and answers with the fallback; an e-mail without a deliverable recipient goes to the fallback or fails once
 * (never retried without end); a trajectory with such a role escalates, tells the fallback and, once closed, ends.
 * The directory and the e-mail activity run against a real SMTP server, the workflow on the time-skipping server.
 */
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../activities/index.js';
import { resolveRecipients } from '../activities/directory.js';
import type { NotificationEnvelope } from '../activities/cloudevents.js';
import { TrajectoryEngine } from '../workflows/engine.js';
import { closeUpdate } from '../workflows/trajectory.js';
import { DIRECTORY, useNotifying, validDefinition, withNotifyingTrajectory } from './helpers/notifying.js';
import { uniqueId } from './helpers/temporal.js';

const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'];
const directory = DIRECTORY;

const raisedEnvelope = (id: string, municipality = 'GM0363'): NotificationEnvelope => ({
  id,
  type: 'escalation.raised',
  time: new Date().toISOString(),
  trajectoryId: `${municipality}-ZAAK-1`,
  municipality,
  data: {
    escalation: { id: 'x@0', stepId: 'x', stepName: 'Stap X', level: 0, role: 'constructor', organisation: 'constructor', dueAt: new Date().toISOString() },
  },
});

const notifying = useNotifying();
const { receiver, mail } = notifying;

describe('the directory', () => {
  it('answers a role or organisation named like an Object.prototype property with the fallback', () => {
    for (const role of PROTO_NAMES) {
      for (const organisation of [...PROTO_NAMES, 'woningcorporatie', 'regisseur']) {
        expect(resolveRecipients(directory, { municipality: 'GM0363', role, organisation }), `${role} / ${organisation}`).toEqual(['regieteam@gemeente.example']);
      }
      expect(resolveRecipients(directory, { municipality: 'GM0599', role, organisation: role })).toEqual([]);
    }
    expect(resolveRecipients(directory, { municipality: 'constructor', role: 'regisseur', organisation: 'regisseur' })).toEqual([]);
    // Ordinary look-ups are unchanged.
    expect(resolveRecipients(directory, { municipality: 'GM0363', role: 'woningcorporatie', organisation: 'woningcorporatie' })).toEqual(['bemiddeling@corporatie.example']);
    expect(resolveRecipients(directory, { municipality: 'GM0363', role: 'teamleider', organisation: 'woningcorporatie' })).toEqual(['teamleider@gemeente.example']);
  });
});

describe('the e-mail activity', () => {
  const email = () => ({ url: `smtp://127.0.0.1:${mail.port}`, from: 'Waakvlam <waakvlam@gemeente.example>' });

  it('sends a message whose recipients are not addresses (a null from an earlier lookup) to the fallback', async () => {
    const { sendEmail } = createActivities({ directory, email: email() });
    const id = uniqueId('GM0363-ZAAK');
    expect(await sendEmail({ envelope: raisedEnvelope(id), to: [null as unknown as string] })).toEqual({ sent: 1, refused: 0 });
    const sent = mail.messages.filter((m) => m.raw.includes(id.replace(/[^A-Za-z0-9._:-]/g, '-')));
    expect(sent.map((m) => m.to)).toEqual([['regieteam@gemeente.example']]);
  });

  it('fails once, not retryable, when nobody can be reached (no fallback either)', async () => {
    const { sendEmail } = createActivities({ directory, email: email() });
    const err = await sendEmail({ envelope: raisedEnvelope(uniqueId('GM0599-ZAAK'), 'GM0599'), to: [null as unknown as string] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
  });
});

describe('the engine', () => {
  const def = validDefinition({
    id: 'proto',
    version: 1,
    name: 'Proto',
    roles: [{ id: 'regisseur', name: 'Regisseur' }],
    events: [{ id: 'constructor', name: 'Constructor' }],
    phases: [
      {
        id: 'a',
        name: 'A',
        start: 'constructor',
        nodes: [
          { id: 'constructor', type: 'userTask', owner: 'regisseur', due: 'P1D', next: 'wait' },
          { id: 'wait', type: 'event', event: 'constructor', storeAs: 'antwoord', next: 'end' },
          { id: 'end', type: 'end' },
        ],
      },
    ],
  });

  it('opens, waits and counts nodes and events named like Object.prototype properties as any other', () => {
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const e = TrajectoryEngine.start(def, {}, T0);
    expect(e.state.openSteps.map((s) => s.id)).toEqual(['constructor']);
    // Data keys from a step's output stay data: `__proto__` is an own key, not the data's prototype.
    e.completeStep('constructor', 'u', JSON.parse('{"__proto__": {"polluted": true}, "x": 1}'), T0);
    expect(Object.getPrototypeOf(e.state.data)).toBe(Object.prototype);
    expect(Object.hasOwn(e.state.data, '__proto__')).toBe(true);
    // The event wait for `constructor` waits for that event; `__proto__` reported is just recorded.
    expect(e.state.tokens.map((t) => [t.node, t.wait?.kind])).toEqual([['wait', 'event']]);
    e.reportEvent('__proto__', { polluted: true }, 'zaaksysteem', T0 + 1);
    e.reportEvent('toString', null, 'zaaksysteem', T0 + 1);
    expect(Object.getPrototypeOf(e.state.unconsumedEvents)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(e.state.lastEventAt)).toBe(Object.prototype);
    expect(Object.keys(e.state.lastEventAt).sort()).toEqual(['__proto__', 'toString']);
    expect(e.state.tokens.map((t) => t.node)).toEqual(['wait']);
    e.reportEvent('constructor', { ok: 1 }, 'zaaksysteem', T0 + 2);
    expect(e.state.data.antwoord).toEqual({ ok: 1 });
    // The state stays plain JSON that survives continue-as-new.
    expect(e.state.status).toBe('closed');
    const again = new TrajectoryEngine(def, JSON.parse(JSON.stringify(e.state)));
    expect(Object.hasOwn(again.state.data, '__proto__')).toBe(true);
  });

  it('repeats a cycle timer named "constructor" as often as it says', () => {
    const T0 = Date.parse('2026-03-02T09:00:00Z');
    const cycle = validDefinition({
      id: 'cyclus',
      version: 1,
      name: 'Cyclus',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      phases: [
        {
          id: 'a',
          name: 'A',
          start: 'constructor',
          nodes: [
            { id: 'constructor', type: 'timer', cycle: { every: 'P1D', times: 2 }, next: 'check', done: 'end' },
            { id: 'check', type: 'userTask', owner: 'regisseur', due: 'P1D', next: 'constructor' },
            { id: 'end', type: 'end' },
          ],
        },
      ],
    });
    const e = TrajectoryEngine.start(cycle, {}, T0);
    for (const n of [1, 2]) {
      e.fireTimers(e.nextTimerAt()!);
      const open = e.state.openSteps.map((s) => s.id);
      expect(open).toEqual([n === 1 ? 'check' : 'check#2']);
      e.completeStep(open[0]!, 'u', undefined, T0 + n * 86_400_000);
    }
    expect(e.state.status).toBe('closed');
  });
});

describe('a trajectory with a role named "constructor"', () => {
  it('escalates to the fallback, records who was told, and ends when closed', async () => {
    const definition = validDefinition({
      id: 'constructie',
      version: 1,
      name: 'Constructie',
      roles: [
        { id: 'regisseur', name: 'Regisseur' },
        { id: 'teamleider', name: 'Teamleider' },
        { id: 'constructor', name: 'Aannemer' },
      ],
      escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'P30D' }] } },
      defaultEscalationPolicy: 'direct',
      phases: [
        {
          id: 'a',
          name: 'A',
          start: 'split',
          nodes: [
            { id: 'split', type: 'parallelSplit', branches: ['bouw', 'goals'], join: 'joined' },
            { id: 'bouw', type: 'userTask', name: 'Woning opknappen', owner: 'constructor', due: 'PT1S', next: 'joined' },
            { id: 'goals', type: 'multiInstance', name: 'Doelen', collection: 'doelen', task: { name: 'item.titel', owner: 'item.eigenaar', due: 'P10D' }, next: 'joined' },
            { id: 'joined', type: 'parallelJoin', next: 'end' },
            { id: 'end', type: 'end' },
          ],
        },
      ],
    });
    const data = { doelen: ['__proto__', 'toString', 'constructor'].map((eigenaar, i) => ({ id: `doel-${i + 1}`, titel: 'Doel', eigenaar })) };
    await withNotifyingTrajectory(notifying, { definition, data }, async (d) => {
      const handle = d.handle;
      await d.skip('1 minute');
      await d.settle();
      const state = await d.state();
      // Goal owners from the data named like prototype properties are not roles: the regisseur owns them; the
      // definition's own role "constructor" owns its task.
      expect(state.openSteps.map((s) => [s.id, s.owner])).toEqual([
        ['bouw', 'constructor'],
        ['goals/doel-1', 'regisseur'],
        ['goals/doel-2', 'regisseur'],
        ['goals/doel-3', 'constructor'],
      ]);
      const bouw = state.escalations.find((e) => e.id === 'bouw@0')!;
      expect(bouw).toMatchObject({ role: 'constructor', organisation: 'constructor', recipients: ['regieteam@gemeente.example'] });
      expect(mail.messages.filter((m) => m.subject.includes(handle.workflowId)).map((m) => m.to)).toEqual([['regieteam@gemeente.example']]);

      await handle.executeUpdate(closeUpdate, { args: [{ reason: 'verhuisd', closedBy: 'regisseur-1' }] });
      const ended = await Promise.race([handle.result(), new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
      expect(ended).toMatchObject({ status: 'closed' });
      expect((await handle.describe()).status.name).toBe('COMPLETED');
    });
  });
});

describe('an e-mail nobody can receive', () => {
  it('does not cut off the webhook of the same notification: the closed run ends only once the webhook is delivered', async () => {
    // GM0598's regisseur has an address the mail server refuses, and no fallback: the e-mail fails at once, not
    // retried; the receiver is down, so the webhook of the same escalation is still being retried.
    const definition = validDefinition({
      id: 'onbereikbaar',
      version: 1,
      name: 'Onbereikbaar',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }] } },
      defaultEscalationPolicy: 'direct',
      phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'PT1S', next: 'e' }, { id: 'e', type: 'end' }] }],
    });
    receiver.down = true;
    try {
      await withNotifyingTrajectory(notifying, { definition, municipality: 'GM0598' }, async (d) => {
        const handle = d.handle;
        await d.skip('1 minute');
        const raised = () => receiver.received.filter((r) => r.body.includes(`"subject":"${handle.workflowId}"`) && r.body.includes('escalation.raised'));
        for (let i = 0; i < 100 && raised().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
        expect(raised().length).toBeGreaterThanOrEqual(2); // refused, retried
        // Hours later its retries are 10 minutes apart; the close's own notifications start retrying at 1 s, so
        // they arrive first once the receiver is back: a run that no longer waited for the escalation's webhook
        // would end before it arrived.
        await d.skip('2 hours');
        await handle.executeUpdate(closeUpdate, { args: [{ reason: 'verhuisd', closedBy: 'regisseur-1' }] });
        expect((await handle.describe()).status.name).toBe('RUNNING'); // still delivering
        receiver.down = false;
        const ended = await Promise.race([handle.result(), new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
        expect(ended).toMatchObject({ status: 'closed' });
        // The refused e-mails (the escalation, and its resolution at the close) are incidents that say why.
        const incidents = (ended as { incidents: Array<{ node: string; message: string }> }).incidents;
        expect(incidents.map((i) => i.message)).toEqual([expect.stringMatching(/refused every recipient.*\(550\)/), expect.stringMatching(/refused every recipient.*\(550\)/)]);
        const delivered = receiver.accepted().filter((w) => w.subject === handle.workflowId).map((w) => w.type);
        expect(delivered).toEqual(expect.arrayContaining(['nl.overheid.waakvlam.escalation.raised', 'nl.overheid.waakvlam.trajectory.closed']));
      });
    } finally {
      receiver.down = false;
    }
  });
});
