/**
 * Step and escalation ids outside the engine (issue #10, point 5): the API's spelling is safe in a URL path segment
 * as it is (definitions/ids.ts), notifications use the same spelling, and a multi-instance element's escalations carry
 * an opaque, stable ordinal instead of the data-derived key. Pure: the engine and the notification activities'
 * renderers, no server.
 */
import { describe, expect, it } from 'vitest';
import { engineId, publicId, publicIdsIn, publicReason } from '../definitions/ids.js';
import { TrajectoryEngine, type Notification } from '../workflows/engine.js';
import { toCloudEvent, type NotificationEnvelope } from '../activities/cloudevents.js';
import { renderEmail } from '../activities/email.js';
import { stepBody } from '../api/schemas.js';
import { closedStepView } from '../workflows/trajectory.js';
import { view } from '../workflows/trajectory/view.js';
import { goalsLoopDefinition } from './helpers/notifying.js';

/** RFC 3986 pchar: unreserved, sub-delims, ':' and '@' (no percent-encoding needed). */
const PATH_SEGMENT = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]+$/;

describe('the API spelling of ids', () => {
  const engineIds = ['assign-director', 'checkin#2', 'goals/doel-fin-7731', 'goals/doel.fin_7731#3', 'housing@3', 'checkin#2@1#2', 'contact@0#4', 'goals/1@0'];

  it('is safe in a path segment as it is, one-to-one with the engine id, and accepts either spelling', () => {
    for (const id of engineIds) {
      const shown = publicId(id);
      expect(shown, id).toMatch(PATH_SEGMENT);
      expect(encodeURIComponent(shown).replace(/%3A|%40/g, (c) => (c === '%3A' ? ':' : '@')), id).toBe(shown);
      expect(engineId(shown), id).toBe(id);
      expect(engineId(id), id).toBe(id); // the old spelling (percent-decoded by the router) passes unchanged
      expect(publicId(shown), id).toBe(shown);
    }
    expect(engineIds.map(publicId)).toEqual(['assign-director', 'checkin~2', 'goals:doel-fin-7731', 'goals:doel.fin_7731~3', 'housing@3', 'checkin~2@1~2', 'contact@0~4', 'goals:1@0']);
    expect(new Set(engineIds.map(publicId)).size).toBe(engineIds.length);
  });

  it('is what a refusal names: quoted ids and the open instances it lists, nothing else', () => {
    expect(publicIdsIn('step "evaluation" is not open; open instances of "evaluation": evaluation#2, evaluation#3')).toBe(
      'step "evaluation" is not open; open instances of "evaluation": evaluation~2, evaluation~3',
    );
    expect(publicIdsIn('escalation "goals/doel-fin-7731#2@1#2" was already acknowledged by team/lead #4')).toBe('escalation "goals:doel-fin-7731~2@1~2" was already acknowledged by team/lead #4');
    expect(publicIdsIn('step "checkin#2" is already paused since 2026-03-02T09:00:00.000Z')).toBe('step "checkin~2" is already paused since 2026-03-02T09:00:00.000Z');
  });
});

// Monday 2 March 2026, 09:00 Amsterdam.
const T0 = Date.parse('2026-03-02T08:00:00Z');
const HOUR = 3600_000;

const definition = () => goalsLoopDefinition({ teamleiderAfter: 'PT1H', checkinDue: 'PT1S' });

const FIN = { id: 'doel-fin-7731', titel: 'Schulden saneren', eigenaar: 'regisseur' };
const WOON = { id: 'doel-woon-12', titel: 'Woning behouden', eigenaar: 'regisseur' };

function runUntil(e: TrajectoryEngine, until: number): void {
  for (let next = e.nextTimerAt(); next !== undefined && next <= until; next = e.nextTimerAt()) e.fireTimers(next);
}

type Described = { id: string; stepId: string | null; element?: number; level: number };
const raisedOf = (ns: Notification[]) => ns.filter((n) => n.type === 'escalation.raised').map((n) => n.data.escalation as Described);
const resolvedOf = (ns: Notification[]) => ns.filter((n) => n.type === 'escalation.resolved').flatMap((n) => n.data.escalations as Described[]);
/** Continue-as-new: the state crosses as JSON into a new engine. */
const continued = (e: TrajectoryEngine) => new TrajectoryEngine(e.definition, JSON.parse(JSON.stringify(e.state)));

/** As the workflow hands a notification to the activities (workflows/trajectory/delivery.ts): without `recordId` and `recipients`. */
function envelope(n: Notification): NotificationEnvelope {
  const data = Object.fromEntries(Object.entries(n.data).filter(([k]) => k !== 'recipients' && k !== 'recordId'));
  return { id: `GM0363-ZAAK-1:${n.seq}`, type: n.type, time: new Date(n.at).toISOString(), trajectoryId: 'GM0363-ZAAK-1', municipality: 'GM0363', data };
}

describe('escalation notifications of multi-instance steps', () => {
  it('tell the elements apart by an opaque ordinal, stable across continue-as-new and re-opening, with nothing of the data', () => {
    let e = TrajectoryEngine.start(definition(), { doelen: [FIN, WOON] }, T0);
    expect(e.state.openSteps.map((s) => s.id)).toEqual(['goals/doel-fin-7731', 'goals/doel-woon-12']); // the engine's ids stay
    runUntil(e, T0 + 2000);
    const first = e.takeNotifications();
    expect(raisedOf(first).map((d) => [d.id, d.element, d.stepId])).toEqual([
      ['goals:*1@0', 1, null],
      ['goals:*2@0', 2, null],
    ]);

    e = continued(e);
    runUntil(e, T0 + 2000 + HOUR);
    const second = e.takeNotifications();
    expect(raisedOf(second).map((d) => [d.id, d.element])).toEqual([
      ['goals:*1@1', 1],
      ['goals:*2@1', 2],
    ]);

    // The second goal moves first: its own escalations resolve, under its own ordinal.
    e.completeStep('goals/doel-woon-12', 'regisseur-1', undefined, T0 + 2 * HOUR);
    e.completeStep('goals/doel-fin-7731', 'regisseur-1', { doelen: [WOON, FIN] }, T0 + 2 * HOUR); // the plan reordered
    const third = e.takeNotifications();
    expect(resolvedOf(third).map((d) => d.id)).toEqual(['goals:*2@0', 'goals:*2@1', 'goals:*1@0', 'goals:*1@1']);

    // The check-in loops back to the goals: each opens again (`#2`) and keeps its ordinal, whatever the plan's order.
    e.completeStep('checkin', 'regisseur-1', undefined, T0 + 3 * HOUR);
    e = continued(e);
    expect(e.state.openSteps.map((s) => s.id)).toEqual(['goals/doel-woon-12#2', 'goals/doel-fin-7731#2']);
    e.takeNotifications();
    runUntil(e, T0 + 3 * HOUR + 2000);
    const fourth = e.takeNotifications();
    expect(raisedOf(fourth).map((d) => [d.id, d.element])).toEqual([
      ['goals:*2~2@0', 2],
      ['goals:*1~2@0', 1],
    ]);

    for (const n of [...first, ...second, ...third, ...fourth]) {
      const event = toCloudEvent(envelope(n));
      const mail = renderEmail(envelope(n));
      const text = JSON.stringify(event) + (mail ? mail.subject + mail.text : '');
      expect(text).not.toMatch(/doel-|fin-7731|woon-12|Schulden|Woning/);
    }
    expect(renderEmail(envelope(fourth.find((n) => n.type === 'escalation.raised')!))!.text).toMatch(/Stap:\s+Doelen \(onderdeel 2\)\n/);
  });

  it('a loop step and its escalations carry the API spelling, in the webhook and the e-mail', () => {
    const e = TrajectoryEngine.start(definition(), { doelen: [], klaar: false }, T0);
    e.completeStep('checkin', 'regisseur-1', undefined, T0);
    expect(e.state.openSteps.map((s) => s.id)).toEqual(['checkin#2']);
    e.takeNotifications();
    runUntil(e, T0 + 2000);
    const raised = e.takeNotifications().find((n) => n.type === 'escalation.raised')!;
    expect(raised.data.escalation).toMatchObject({ id: 'checkin~2@0', stepId: 'checkin~2' });
    expect(toCloudEvent(envelope(raised)).data.escalation).toMatchObject({ id: 'checkin~2@0', stepId: 'checkin~2' });
    const mail = renderEmail(envelope(raised))!;
    expect(mail.text).toMatch(/Stap:\s+Check-in \(checkin~2\)\n/);
    expect(mail.text).toMatch(/Escalatie:\s+checkin~2@0\n/);
    expect(e.state.escalations.map((r) => r.id)).toEqual(['checkin#2@0']); // the engine's record keeps its id
  });

  it('an event scheduled before the API spelling is sent in it', () => {
    const old = { id: 'checkin#2@0', stepId: 'checkin#2', stepName: 'Check-in', level: 0, role: 'regisseur', organisation: 'regisseur', dueAt: '2026-03-02T09:00:00Z' };
    const env: NotificationEnvelope = { id: 'GM0363-ZAAK-1:3', type: 'escalation.raised', time: '2026-03-02T09:00:00Z', trajectoryId: 'GM0363-ZAAK-1', municipality: 'GM0363', data: { escalation: old } };
    expect(toCloudEvent(env).data.escalation).toMatchObject({ id: 'checkin~2@0', stepId: 'checkin~2' });
    expect(renderEmail(env)!.text).toMatch(/Escalatie:\s+checkin~2@0\n/);
  });
});

describe('texts the engine writes with an id in them', () => {
  it('a deadline a decision set names the escalation in the API spelling where the API shows the step; the engine keeps its text', () => {
    const d = definition();
    const e = TrajectoryEngine.start(d, { doelen: [FIN], klaar: false }, T0);
    e.completeStep('goals/doel-fin-7731', 'regisseur-1', undefined, T0);
    e.completeStep('checkin', 'regisseur-1', undefined, T0);
    expect(e.state.openSteps.map((s) => s.id)).toEqual(['goals/doel-fin-7731#2']);
    runUntil(e, T0 + 2000);
    const due = T0 + 48 * HOUR;
    e.decide('goals/doel-fin-7731#2@0', { type: 'new-deadline', dueAt: due, decidedBy: 'teamleider-3', reason: 'gezin op vakantie' }, T0 + 3000);
    // The engine's record keeps its own spelling (states and histories replay as they were).
    expect(e.state.openSteps[0]!.reschedules!.map((r) => r.reason)).toEqual(['decision on goals/doel-fin-7731#2@0: gezin op vakantie']);

    // The state as the API shows it (the view's open steps through stepBody, as the trajectory route presents them).
    const state = view(e, { caseRef: 'ZAAK-1', municipality: 'GM0363', definition: d }, 0);
    expect(stepBody(state.openSteps[0]!)).toMatchObject({ id: 'goals:doel-fin-7731~2', reschedules: [{ reason: 'decision on goals:doel-fin-7731~2@0: gezin op vakantie' }] });
    // And once completed (the completion's answer and completedSteps).
    const closed = e.completeStep('goals/doel-fin-7731#2', 'regisseur-1', undefined, T0 + 4000);
    expect(stepBody(closedStepView(closed)).reschedules!.map((r) => r.reason)).toEqual(['decision on goals:doel-fin-7731~2@0: gezin op vakantie']);
  });

  it("leaves a person's own reason exactly as written", () => {
    for (const reason of ['zie checkin#2: "goals/x"', 'decision on teamoverleg: week 12', 'decision on checkin#2: geen escalatie-id', ' decision on checkin#2@0: spatie ervoor']) {
      expect(publicReason(reason), reason).toBe(reason);
    }
    expect(publicReason('decision on checkin#2@1#2: kan pas na de zomer')).toBe('decision on checkin~2@1~2: kan pas na de zomer');
    expect(publicReason('decision on checkin~2@1~2: al zo gespeld')).toBe('decision on checkin~2@1~2: al zo gespeld');
  });
});
