/**
 * The escalation ladder in the interpreter's state machine: levels on the right (working) days, resolution on
 * completion, decisions, pause/resume, rescheduling and the contact watch. The workflow tests run the same engine
 * with real timers, a real HTTP receiver and a real SMTP server.
 */
import { describe, expect, it } from 'vitest';
import { addIsoDuration, addWorkingDays } from '../definitions/calendar.js';
import { TrajectoryEngine } from '../workflows/engine.js';
import { gezinstraject } from './helpers/definitions.js';

// Monday 2 March 2026, 09:00 Amsterdam (08:00 UTC).
const T0 = Date.parse('2026-03-02T08:00:00Z');
const DAY = 24 * 3600 * 1000;

function started(): TrajectoryEngine {
  return TrajectoryEngine.start(gezinstraject(), {}, T0);
}

/** Fires every timer up to `until`, in order, like the workflow does. */
function runUntil(e: TrajectoryEngine, until: number): void {
  for (let next = e.nextTimerAt(); next !== undefined && next <= until; next = e.nextTimerAt()) e.fireTimers(next);
}

const raised = (e: TrajectoryEngine) => e.takeNotifications().filter((n) => n.type === 'escalation.raised').map((n) => (n.data.escalation as { id: string }).id);

describe('escalation ladder', () => {
  it('climbs owner → teamleider → procesregisseur → wethouder on Dutch working days, and not before', () => {
    const e = started();
    e.reportEvent('family-contact', null, undefined, T0); // keep the contact watch quiet
    e.takeNotifications();
    const step = e.state.openSteps[0]!; // assign-director, due in 2 working days
    const due = addWorkingDays(T0, 2);
    expect(step.dueAt).toBe(due);
    const at = (n: number) => addWorkingDays(due, n);

    runUntil(e, due - 1);
    expect(raised(e)).toEqual([]);
    runUntil(e, due);
    expect(raised(e)).toEqual(['assign-director@0']);
    runUntil(e, at(5) - 1);
    expect(raised(e)).toEqual([]);
    runUntil(e, at(5));
    expect(raised(e)).toEqual(['assign-director@1']);
    runUntil(e, at(10));
    expect(raised(e).filter((id) => id.startsWith('assign'))).toEqual(['assign-director@2']);
    runUntil(e, at(20) - 1);
    expect(raised(e).filter((id) => id.startsWith('assign'))).toEqual([]);
    runUntil(e, at(20));
    expect(raised(e).filter((id) => id.startsWith('assign'))).toEqual(['assign-director@3']);
    const records = e.state.escalations.filter((r) => r.stepId === 'assign-director');
    expect(records.map((r) => [r.level, r.role, r.organisation])).toEqual([
      [0, 'teamleider', 'teamleider'],
      [1, 'teamleider', 'teamleider'],
      [2, 'procesregisseur', 'teamleider'],
      [3, 'wethouder', 'teamleider'],
    ]);
    // Wednesday 4 March due; +5 working days = Wednesday 11 March; +20 = Wednesday 1 April.
    expect(new Date(records[3]!.raisedAt).toISOString()).toBe('2026-04-01T07:00:00.000Z');
  });

  it('stops the ladder when the step is completed and tells everyone who was told', () => {
    const e = started();
    const due = e.state.openSteps[0]!.dueAt;
    runUntil(e, addWorkingDays(due, 5));
    e.recordRecipients('assign-director@0', ['teamleider-west@gemeente.example'], T0);
    e.recordRecipients('assign-director@1', ['teamleider-west@gemeente.example', 'plaatsvervanger@gemeente.example'], T0);
    e.takeNotifications();
    e.completeStep('assign-director', 'teamleider-3', undefined, addWorkingDays(due, 6));
    const resolved = e.takeNotifications().find((n) => n.type === 'escalation.resolved')!;
    expect(resolved.data).toMatchObject({
      resolution: 'step-completed',
      recipients: ['teamleider-west@gemeente.example', 'plaatsvervanger@gemeente.example'],
    });
    expect(e.state.escalations.every((r) => r.resolvedAt !== undefined || r.kind === 'contact')).toBe(true);
    runUntil(e, addWorkingDays(due, 30));
    expect(e.state.escalations.filter((r) => r.stepId === 'assign-director')).toHaveLength(2);
  });

  it('pausing a step keeps the time it had left; resuming continues from there', () => {
    const e = started();
    const step = e.state.openSteps[0]!;
    const due = step.dueAt;
    e.pauseStep('assign-director', 'gezin in het buitenland', 'regisseur-1', T0 + DAY);
    runUntil(e, due + 30 * DAY);
    expect(e.state.escalations.filter((r) => r.stepId)).toEqual([]);
    e.resumeStep('assign-director', 'regisseur-1', T0 + 11 * DAY);
    expect(step.dueAt).toBe(due + 10 * DAY);
    runUntil(e, step.dueAt - 1);
    expect(e.state.escalations.filter((r) => r.stepId)).toEqual([]);
    runUntil(e, step.dueAt);
    expect(e.state.escalations.filter((r) => r.stepId).map((r) => r.id)).toEqual(['assign-director@0']);
  });

  it('pausing the whole trajectory stops every clock, including flow timers and the contact watch', () => {
    const e = started();
    e.pauseTrajectory('opschorting: verblijf buitenland', 'regisseur-1', T0);
    expect(e.nextTimerAt()).toBeUndefined();
    e.fireTimers(T0 + 60 * DAY);
    expect(e.state.escalations).toEqual([]);
    expect(() => e.resumeStep('assign-director', 'x', T0 + DAY)).toThrow(/whole trajectory is paused/);
    e.resumeTrajectory('regisseur-1', T0 + 30 * DAY);
    expect(e.state.openSteps[0]!.dueAt).toBe(addWorkingDays(T0, 2) + 30 * DAY);
    expect(e.state.contact!.dueAt).toBe(T0 + 14 * DAY + 30 * DAY);
  });

  it('records decisions with who, when and why; a new deadline restarts the ladder, an instruction does not', () => {
    const e = started();
    const due = e.state.openSteps[0]!.dueAt;
    runUntil(e, addWorkingDays(due, 5));
    e.acknowledge('assign-director@1', 'teamleider-3', addWorkingDays(due, 5) + 1000);
    e.decide('assign-director@1', { type: 'instruction', text: 'Vandaag toewijzen', decidedBy: 'teamleider-3', reason: 'wachtlijst' }, addWorkingDays(due, 5) + 2000);
    runUntil(e, addWorkingDays(due, 10));
    expect(e.state.escalations.some((r) => r.id === 'assign-director@2')).toBe(true);

    const newDue = addWorkingDays(due, 15);
    e.decide('assign-director@2', { type: 'new-deadline', dueAt: newDue, decidedBy: 'procesregisseur-1', reason: 'capaciteit na vakantie' }, addWorkingDays(due, 10) + 1);
    const record = e.state.escalations.find((r) => r.id === 'assign-director@2')!;
    expect(record.decisions[0]).toMatchObject({ type: 'new-deadline', decidedBy: 'procesregisseur-1', reason: 'capaciteit na vakantie' });
    expect(record.resolvedAt).toBeDefined();
    expect(e.state.escalations.find((r) => r.id === 'assign-director@1')).toMatchObject({
      acknowledgedBy: 'teamleider-3',
      decisions: [expect.objectContaining({ type: 'instruction', text: 'Vandaag toewijzen' })],
      resolution: 'new-deadline',
    });
    runUntil(e, newDue);
    expect(e.state.escalations.filter((r) => r.stepId === 'assign-director').map((r) => r.id)).toEqual([
      'assign-director@0',
      'assign-director@1',
      'assign-director@2',
      'assign-director@0#2',
    ]);
    expect(() => e.decide('assign-director@2', { type: 'instruction', text: 'x', decidedBy: 'y', reason: 'z' }, newDue)).toThrow(/already resolved/);
  });

  it('a breakthrough is recorded with budget and mandate holder; reassignment gives the new owner a fresh ladder', () => {
    const e = started();
    const due = e.state.openSteps[0]!.dueAt;
    runUntil(e, addWorkingDays(due, 5));
    const when = addWorkingDays(due, 5) + 1;
    e.decide('assign-director@1', { type: 'breakthrough', budget: 1200, mandateHolder: 'teamleider-3', decidedBy: 'teamleider-3', reason: 'hotel voor vannacht' }, when);
    e.decide('assign-director@1', { type: 'reassign', owner: 'procesregisseur', decidedBy: 'teamleider-3', reason: 'team vol' }, when + 1);
    const step = e.state.openSteps[0]!;
    expect(step.owner).toBe('procesregisseur');
    expect(step.ladder).toMatchObject({ level: 0, from: when + 1 });
    expect(e.state.escalations.find((r) => r.id === 'assign-director@1')!.decisions.map((d) => d.type)).toEqual(['breakthrough', 'reassign']);
  });

  it('no contact with the family for 14 days escalates; contact resolves it', () => {
    const e = started();
    e.takeNotifications();
    runUntil(e, T0 + 14 * DAY);
    expect(raised(e)).toContain('contact@0~1'); // notifications spell ids as the API does (definitions/ids.ts)
    e.reportEvent('family-contact', null, 'zaaksysteem', T0 + 15 * DAY);
    const resolved = e.takeNotifications().find((n) => n.type === 'escalation.resolved');
    expect(resolved?.data.resolution).toBe('contact-recorded');
    // 14 calendar days in Amsterdam time (across the switch to summer time on 29 March).
    expect(e.state.contact!.dueAt).toBe(addIsoDuration(T0 + 15 * DAY, 'P14D'));
    expect(e.state.contact!.dueAt).toBe(T0 + 29 * DAY - 3600 * 1000);
  });

  it('refuses decisions without a reason, deadlines in the past and unknown escalations', () => {
    const e = started();
    runUntil(e, e.state.openSteps[0]!.dueAt);
    expect(() => e.decide('assign-director@0', { type: 'instruction', text: 'x', decidedBy: 'y', reason: ' ' }, T0 + 5 * DAY)).toThrow(/reason/);
    expect(() => e.decide('assign-director@0', { type: 'new-deadline', dueAt: T0, decidedBy: 'y', reason: 'r' }, T0 + 5 * DAY)).toThrow(/future/);
    expect(() => e.decide('nope@0', { type: 'instruction', text: 'x', decidedBy: 'y', reason: 'r' }, T0 + 5 * DAY)).toThrow(/does not exist/);
  });

  it('loads a state from before 1.0.0 and runs the baseline, ignoring its escalationsEnabled and escalationRevision', () => {
    const before = started();
    before.takeNotifications();
    const state = { ...JSON.parse(JSON.stringify(before.state)), escalationsEnabled: false, escalationRevision: 1 };
    const e = new TrajectoryEngine(gezinstraject(), state);
    // The baseline escalates (those fields once turned it off) …
    runUntil(e, addWorkingDays(T0, 2));
    expect(raised(e)).toContain('assign-director@0');
    // … and a clock set during a trajectory pause shifts only by the time since (revision 1 shifted it by the whole pause).
    e.pauseTrajectory('opschorting', 'r', T0 + 3 * DAY);
    e.reportEvent('family-contact', null, undefined, T0 + 30 * DAY);
    const due = e.state.contact!.dueAt;
    e.resumeTrajectory('r', T0 + 31 * DAY);
    expect(e.state.contact!.dueAt).toBe(due + DAY);
  });

  it('a deadline set during a pause counts from then; clocks set during a trajectory pause shift only by the time since', () => {
    const e = started();
    e.pauseStep('assign-director', 'buitenland', 'r', T0 + DAY);
    const newDue = Date.parse('2026-04-01T08:00:00Z');
    e.reschedule('assign-director', newDue, 'afspraak', 'r', T0 + 20 * DAY);
    e.resumeStep('assign-director', 'r', T0 + 21 * DAY);
    expect(e.state.openSteps[0]!.dueAt).toBe(newDue + DAY);

    const t = started();
    t.pauseTrajectory('opschorting', 'r', T0 + DAY);
    t.reportEvent('family-contact', null, undefined, T0 + 30 * DAY);
    const due = t.state.contact!.dueAt;
    t.resumeTrajectory('r', T0 + 31 * DAY);
    expect(t.state.contact!.dueAt).toBe(due + DAY);
  });

  it('ends the contact watch, resolving its escalations, when aftercare begins', () => {
    const e = started();
    runUntil(e, T0 + 15 * DAY);
    expect(e.state.escalations.some((r) => r.kind === 'contact' && r.resolvedAt === undefined)).toBe(true);
    // Straight to aftercare through the relapse handler's target list is not possible; walk the phases quickly.
    e.reportEvent('family-contact', null, undefined, T0 + 15 * DAY);
    runUntil(e, T0 + 30 * DAY);
    const open = () => e.state.escalations.filter((r) => r.kind === 'contact' && r.resolvedAt === undefined);
    expect(open().length).toBeGreaterThan(0);
    (e as unknown as { enterPhase(p: string, n: number, r: string): void }).enterPhase('aftercare', T0 + 31 * DAY, 'test');
    expect(open()).toEqual([]);
    expect(e.state.escalations.filter((r) => r.kind === 'contact').at(-1)!.resolution).toBe('watch-ended');
  });

  it('keeps a cycle’s rhythm shifted by a trajectory pause', () => {
    const e = started();
    (e as unknown as { enterPhase(p: string, n: number, r: string): void }).enterPhase('aftercare', T0, 'test');
    e.advance(T0);
    const cycleTimer = () => e.state.tokens.map((t) => (t.wait?.kind === 'timer' && t.wait.cycle ? t.wait.at : undefined)).find((x) => x !== undefined)!;
    const first = cycleTimer();
    e.pauseTrajectory('opschorting', 'r', T0 + DAY);
    e.resumeTrajectory('r', T0 + 91 * DAY);
    expect(e.state.cycles['checkin-cycle']!.startedAt).toBe(T0 + 90 * DAY);
    expect(cycleTimer()).toBe(first + 90 * DAY);
  });

  it('sends no free text or data-derived ids in notifications', () => {
    const e = started();
    e.close('moeder opgenomen in kliniek', 'regisseur-1', T0 + DAY);
    const closed = e.takeNotifications().find((n) => n.type === 'trajectory.closed')!;
    expect(JSON.stringify(closed)).not.toMatch(/kliniek/);
  });
});


describe('re-opening a closed trajectory', () => {
  const entered = (e: TrajectoryEngine, p: string, n: number) => (e as unknown as { enterPhase(p: string, n: number, r: string): void }).enterPhase(p, n, 'test');

  it('re-opens into the phase it closed in, keeping its history, restarting the contact watch, and tells it without free text', () => {
    const e = started();
    e.completeStep('assign-director', 'teamleider-1', undefined, T0);
    runUntil(e, T0 + 20 * DAY); // contact watch and first-contact escalate
    const escalations = e.state.escalations.length;
    expect(escalations).toBeGreaterThan(0);
    e.reportEvent('family-contact', null, 'zaaksysteem', T0 + 20 * DAY);
    e.close('per abuis gesloten', 'regisseur-1', T0 + 21 * DAY);
    e.takeNotifications();
    const closedSteps = e.state.closedSteps.length;
    const history = e.state.phaseHistory.length;

    expect(e.reopen(undefined, 'gezin meldt zich opnieuw: verhuizing', 'regisseur-2', T0 + 30 * DAY)).toBe('intake');
    const s = e.state;
    expect(s.status).toBe('open');
    expect(s.phase).toBe('intake');
    expect(s.closedAt).toBeUndefined();
    expect(s.closeReason).toBeUndefined();
    expect(s.closedBy).toBeUndefined();
    expect(s.reopenings).toEqual([
      { at: T0 + 30 * DAY, by: 'regisseur-2', reason: 'gezin meldt zich opnieuw: verhuizing', phase: 'intake', closedAt: T0 + 21 * DAY, closeReason: 'per abuis gesloten', closedBy: 'regisseur-1' },
    ]);
    expect(s.escalations.length).toBe(escalations);
    expect(s.closedSteps.length).toBe(closedSteps);
    expect(s.events.map((ev) => ev.event)).toContain('family-contact');
    expect(s.phaseHistory.slice(0, history).every((p) => p.leftAt !== undefined)).toBe(true);
    expect(s.phaseHistory.at(-1)).toEqual({ phase: 'intake', enteredAt: T0 + 30 * DAY, reason: 'reopened' });
    // The intake flow runs again: its steps open anew under new ids.
    expect(s.openSteps.map((st) => st.id)).toEqual(['assign-director#2']);
    // The contact watch counts again from the re-opening.
    expect(s.contact!.dueAt).toBeGreaterThan(T0 + 30 * DAY);
    expect(e.nextTimerAt()).toBeDefined();

    const notes = e.takeNotifications();
    expect(notes.map((n) => n.type)).toEqual(['trajectory.reopened', 'phase.changed']);
    expect(notes[0]!.data).toEqual({ phase: 'intake' });
    expect(notes[1]!.data).toMatchObject({ phase: 'intake', reason: 'reopened' });
    expect(JSON.stringify(notes)).not.toMatch(/verhuizing|abuis|regisseur-2/);
  });

  it('re-opens into a chosen phase, after a pause that stood at the closure, and a second time', () => {
    const e = started();
    e.pauseTrajectory('opschorting', 'r', T0 + DAY);
    e.close('verhuisd', 'regisseur-1', T0 + 2 * DAY);
    e.reopen('stabilisation', 'terug in de gemeente', 'regisseur-1', T0 + 40 * DAY);
    expect(e.state.phase).toBe('stabilisation');
    expect(e.state.paused).toBeUndefined();
    expect(e.state.openSteps.every((s) => !s.paused)).toBe(true);
    expect(e.state.openSteps.map((s) => s.id).sort()).toEqual(['debts', 'housing', 'income']);

    e.close('opnieuw gesloten', 'regisseur-1', T0 + 41 * DAY);
    expect(() => e.reopen('stabilisatie', 'x', 'r', T0 + 42 * DAY)).toThrow(/unknown phase "stabilisatie"; phases: intake, safety, stabilisation/);
    e.reopen(undefined, 'nog eens', 'regisseur-3', T0 + 42 * DAY);
    expect(e.state.phase).toBe('stabilisation');
    expect(e.state.openSteps.map((s) => s.id).sort()).toEqual(['debts#2', 'housing#2', 'income#2']);
    expect(e.state.reopenings!.map((r) => [r.phase, r.closeReason])).toEqual([
      ['stabilisation', 'verhuisd'],
      ['stabilisation', 'opnieuw gesloten'],
    ]);
  });

  it('re-opens a trajectory whose phases all completed into its last phase (aftercare)', () => {
    const e = started();
    entered(e, 'aftercare', T0);
    e.advance(T0);
    e.close('nazorg afgerond', 'regisseur-1', T0 + DAY);
    e.takeNotifications();
    e.reopen(undefined, 'gezin terug na nazorg', 'regisseur-1', T0 + 400 * DAY);
    expect(e.state.phase).toBe('aftercare');
    expect(e.takeNotifications().map((n) => n.type)).toEqual(['trajectory.reopened', 'phase.changed', 'aftercare.started']);
  });

  it('refuses an open trajectory, an unknown phase and a missing reason, and a dry run changes nothing', () => {
    const e = started();
    expect(() => e.reopen(undefined, 'x', 'r', T0)).toThrow(expect.objectContaining({ type: 'TrajectoryOpen' }));
    e.close('klaar', 'r', T0 + DAY);
    const before = JSON.stringify(e.state);
    expect(() => e.reopen('nope', 'x', 'r', T0 + 2 * DAY)).toThrow(expect.objectContaining({ type: 'InvalidRequest' }));
    expect(() => e.reopen(undefined, ' ', 'r', T0 + 2 * DAY)).toThrow(expect.objectContaining({ type: 'InvalidRequest' }));
    expect(e.reopen('safety', 'x', 'r', T0 + 2 * DAY, true)).toBe('safety');
    expect(JSON.stringify(e.state)).toBe(before);
  });
});
