/**
 * The interpreter's state machine, element by element, on small definitions (pure: no server needed; the workflow
 * tests run the same engine on the time-skipping server).
 */
import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../definitions/validate.js';
import { Definition } from '../definitions/schema.js';
import { TrajectoryEngine } from '../workflows/engine.js';
import { fromAmsterdamLocal } from '../definitions/calendar.js';

const T0 = Date.parse('2026-03-02T09:00:00Z'); // a Monday
const DAY = 24 * 3600 * 1000;

function definition(phases: unknown[], extra: Record<string, unknown> = {}): Definition {
  const result = validateDefinition(
    {
      id: 'test',
      version: 1,
      name: 'Test',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      events: [
        { id: 'e1', name: 'E1' },
        { id: 'e2', name: 'E2' },
      ],
      phases,
      ...extra,
    },
    { activities: ['lookup'] },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.definition;
}

const task = (id: string, next: string, due: unknown = 'P1D') => ({ id, type: 'userTask', owner: 'regisseur', due, next });
const end = (id = 'end') => ({ id, type: 'end' });
const open = (e: TrajectoryEngine) => e.state.openSteps.map((s) => s.id).sort();

describe('engine', () => {
  it('waits on a timer until a date computed in FEEL, then moves on', () => {
    const e = TrajectoryEngine.start(
      definition([{ id: 'a', name: 'A', start: 't', nodes: [{ id: 't', type: 'timer', date: 'hoorzitting', next: 'x' }, task('x', 'end'), end()] }]),
      { hoorzitting: '2026-03-10' },
      T0,
    );
    // A date means the end of that day in Amsterdam.
    const at = fromAmsterdamLocal('2026-03-11', 0);
    expect(e.nextTimerAt()).toBe(at);
    e.fireTimers(at - 1);
    expect(open(e)).toEqual([]);
    e.fireTimers(at);
    expect(open(e)).toEqual(['x']);
  });

  it('takes an event wait’s timeout path, or stores the event’s payload when it comes', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 'w',
        nodes: [
          { id: 'w', type: 'event', event: 'e1', storeAs: 'antwoord', next: 'got', timeout: { after: { workingDays: 2 }, next: 'late' } },
          task('got', 'end'),
          task('late', 'end'),
          end(),
        ],
      },
    ]);
    const late = TrajectoryEngine.start(def, {}, T0);
    expect(late.nextTimerAt()).toBe(T0 + 2 * DAY); // Monday + 2 working days = Wednesday
    late.fireTimers(T0 + 2 * DAY);
    expect(open(late)).toEqual(['late']);

    const onTime = TrajectoryEngine.start(def, {}, T0);
    expect(onTime.reportEvent('e2', null, undefined, T0 + 1)).toBe('recorded');
    expect(onTime.reportEvent('e1', { ok: true }, 'zaaksysteem', T0 + 2)).toBe('delivered');
    expect(open(onTime)).toEqual(['got']);
    expect(onTime.state.data.antwoord).toEqual({ ok: true });
    expect(onTime.nextTimerAt()).toBeUndefined();
  });

  it('jumps phases with goto, repeats a phase until its exit condition holds, skips one whose entry is false', () => {
    const def = definition([
      { id: 'a', name: 'A', start: 'g', nodes: [{ id: 'g', type: 'goto', phase: 'c' }] },
      { id: 'b', name: 'B', start: 'bt', nodes: [task('bt', 'b-end'), end('b-end')] },
      { id: 'c', name: 'C', start: 'ct', exit: 'klaar = true', nodes: [task('ct', 'c-end'), end('c-end')] },
      { id: 'd', name: 'D', entry: 'nodig = true', start: 'dt', nodes: [task('dt', 'd-end'), end('d-end')] },
      { id: 'e', name: 'E', start: 'et', nodes: [task('et', 'e-end'), end('e-end')] },
    ]);
    const e = TrajectoryEngine.start(def, { klaar: false, nodig: false }, T0);
    expect(e.state.phase).toBe('c');
    e.completeStep('ct', 'u', undefined, T0 + 1);
    // The flow ended, but the exit condition does not hold: the work is redone.
    expect(e.state.phase).toBe('c');
    expect(open(e)).toEqual(['ct#2']);
    e.completeStep('ct#2', 'u', { klaar: true }, T0 + 2);
    // d is skipped (entry false), e is entered.
    expect(e.state.phase).toBe('e');
    expect(e.state.phaseHistory.map((h) => `${h.phase}:${h.reason}`)).toEqual([
      'a:start',
      'c:goto:g',
      'c:repeat: exit condition not met',
      'd:skipped',
      'e:flow',
    ]);
    e.completeStep('et', 'u', undefined, T0 + 3);
    expect(e.state.status).toBe('closed');
    expect(e.state.closeReason).toBe('all phases completed');
  });

  it('joins nested parallel branches only when every branch has arrived', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 's1',
        nodes: [
          { id: 's1', type: 'parallelSplit', branches: ['x', 's2'], join: 'j1' },
          task('x', 'j1'),
          { id: 's2', type: 'parallelSplit', branches: ['y', 'z'], join: 'j2' },
          task('y', 'j2'),
          task('z', 'j2'),
          { id: 'j2', type: 'parallelJoin', next: 'after-inner' },
          task('after-inner', 'j1'),
          { id: 'j1', type: 'parallelJoin', next: 'last' },
          task('last', 'end'),
          end(),
        ],
      },
    ]);
    const e = TrajectoryEngine.start(def, {}, T0);
    expect(open(e)).toEqual(['x', 'y', 'z']);
    e.completeStep('y', 'u', undefined, T0);
    e.completeStep('x', 'u', undefined, T0);
    expect(open(e)).toEqual(['z']);
    e.completeStep('z', 'u', undefined, T0);
    expect(open(e)).toEqual(['after-inner']);
    e.completeStep('after-inner', 'u', undefined, T0);
    expect(open(e)).toEqual(['last']);
    expect(e.state.tokens).toHaveLength(1);
    expect(e.state.forks).toEqual({});
  });

  it('runs one task per element of a collection that arrives at run time; an empty one continues at once', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 'plan',
        nodes: [
          task('plan', 'goals'),
          { id: 'goals', type: 'multiInstance', collection: 'doelen', task: { name: 'item.titel', owner: 'item.wie', due: { date: 'item.datum' } }, next: 'after' },
          task('after', 'end'),
          end(),
        ],
      },
    ], { roles: ['regisseur', 'woningcorporatie', 'gezin'].map((id) => ({ id, name: id })) }); // owners must be roles (owners.workflow.test.ts)
    const e = TrajectoryEngine.start(def, {}, T0);
    e.completeStep('plan', 'u', { doelen: [{ id: 'huis', titel: 'Woning', wie: 'woningcorporatie', datum: '2026-04-01' }, { titel: 'Werk', wie: 'gezin', datum: '2026-05-01' }] }, T0);
    expect(e.state.openSteps.map((s) => [s.id, s.name, s.owner])).toEqual([
      ['goals/huis', 'Woning', 'woningcorporatie'],
      ['goals/2', 'Werk', 'gezin'],
    ]);
    expect(e.state.openSteps[0]!.dueAt).toBe(fromAmsterdamLocal('2026-04-02', 0));
    expect(() => e.completeStep('goals', 'u', undefined, T0)).toThrow(/"goals" is not open; open instances of "goals": goals\/huis, goals\/2/);
    e.completeStep('goals/huis', 'u', undefined, T0);
    e.completeStep('goals/2', 'u', undefined, T0);
    expect(open(e)).toEqual(['after']);

    const empty = TrajectoryEngine.start(def, {}, T0);
    empty.completeStep('plan', 'u', { doelen: [] }, T0);
    expect(open(empty)).toEqual(['after']);

    const broken = TrajectoryEngine.start(def, {}, T0);
    broken.completeStep('plan', 'u', { doelen: 'geen lijst' }, T0);
    expect(open(broken)).toEqual([]);
    expect(broken.state.incidents).toEqual([{ at: T0, node: 'goals', message: 'the collection "doelen" is not a list' }]);
  });

  it('repeats with a cycle timer and then takes its done flow', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 'c',
        nodes: [
          { id: 'c', type: 'timer', cycle: { every: 'P1W', times: 3 }, next: 'check', done: 'end' },
          task('check', 'c'),
          end(),
        ],
      },
    ]);
    const e = TrajectoryEngine.start(def, {}, T0);
    for (let i = 1; i <= 3; i++) {
      expect(e.nextTimerAt()).toBe(T0 + i * 7 * DAY); // ticks keep the cycle's rhythm, not the completion time
      e.fireTimers(T0 + i * 7 * DAY);
      e.completeStep(i === 1 ? 'check' : `check#${i}`, 'u', undefined, T0 + i * 7 * DAY + 3 * DAY);
    }
    expect(e.state.status).toBe('closed');
    expect(e.state.closedSteps.map((s) => s.id)).toEqual(['check', 'check#2', 'check#3']);
  });

  it('queues an activity for a service task and stores its result; a failure is an incident', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 's',
        nodes: [{ id: 's', type: 'serviceTask', activity: 'lookup', input: { ref: 'zaak' }, resultVariable: 'gevonden', next: 'x' }, task('x', 'end'), end()],
      },
    ]);
    const e = TrajectoryEngine.start(def, { zaak: 'Z-1' }, T0);
    const [request] = e.takeActivityRequests();
    expect(request).toMatchObject({ activity: 'lookup', input: { ref: 'Z-1' } });
    expect(e.takeActivityRequests()).toEqual([]);
    e.activityCompleted(request!.tokenId, { team: 'west' }, T0 + 1);
    expect(e.state.data.gevonden).toEqual({ team: 'west' });
    expect(open(e)).toEqual(['x']);

    const failing = TrajectoryEngine.start(def, { zaak: 'Z-2' }, T0);
    failing.activityFailed(failing.takeActivityRequests()[0]!.tokenId, 'receiver down', T0 + 1);
    expect(failing.state.incidents[0]).toMatchObject({ node: 's', message: 'activity failed: receiver down' });
  });

  it('turns a flow that loops without waiting into an incident instead of hanging (the validator also refuses it)', () => {
    const phases = [
      {
        id: 'a',
        name: 'A',
        start: 'g1',
        nodes: [
          { id: 'g1', type: 'exclusiveGateway', branches: [{ when: 'false', next: 'end' }], default: 'g2' },
          { id: 'g2', type: 'exclusiveGateway', branches: [{ when: 'false', next: 'end' }], default: 'g1' },
          end(),
        ],
      },
    ];
    expect(() => definition(phases)).toThrow(/the loop g1 → g2 → g1 never waits/);
    // Skipping the validator (structure only), the engine still does not hang.
    const def = Definition.parse({ id: 'test', version: 1, name: 'T', roles: [{ id: 'regisseur', name: 'R' }], phases });
    const e = TrajectoryEngine.start(def, {}, T0);
    expect(e.state.incidents).toHaveLength(1);
    expect(e.state.incidents[0]!.message).toMatch(/loops without waiting/);
  });

  it('refuses completing a step that is not open, or with an output that is not an object', () => {
    const e = TrajectoryEngine.start(definition([{ id: 'a', name: 'A', start: 'x', nodes: [task('x', 'end'), end()] }]), {}, T0);
    expect(() => e.validateCompletion('nope', undefined)).toThrow(/not open/);
    expect(() => e.validateCompletion('x', ['a'])).toThrow(/output must be an object/);
    e.completeStep('x', 'u', undefined, T0);
    expect(() => e.validateCompletion('x', undefined)).toThrow(/closed/);
  });

  it('never completes a later instance for a retried completion of an earlier one', () => {
    const e = TrajectoryEngine.start(
      definition([{ id: 'a', name: 'A', start: 'x', exit: 'klaar = true', nodes: [task('x', 'end'), end()] }]),
      { klaar: false },
      T0,
    );
    e.completeStep('x', 'u', undefined, T0);
    expect(open(e)).toEqual(['x#2']);
    expect(() => e.completeStep('x', 'u', undefined, T0)).toThrow(/"x" is already closed; open instances of "x": x#2/);
    expect(open(e)).toEqual(['x#2']);
  });

  it('keeps an event that arrives just before its wait opens, within the phase', () => {
    const def = definition([
      { id: 'a', name: 'A', start: 'x', nodes: [task('x', 'w'), { id: 'w', type: 'event', event: 'e1', storeAs: 'p', next: 'y' }, task('y', 'end'), end()] },
    ]);
    const e = TrajectoryEngine.start(def, {}, T0);
    expect(e.reportEvent('e1', { vroeg: true }, undefined, T0 + 1)).toBe('recorded');
    e.completeStep('x', 'u', undefined, T0 + 2);
    expect(open(e)).toEqual(['y']);
    expect(e.state.data.p).toEqual({ vroeg: true });
  });

  it('reads date-times without a zone as Amsterdam time, whatever the machine’s zone, and offers nu/vandaag', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 't',
        nodes: [
          { id: 't', type: 'timer', date: 'moment', next: 'x' },
          { id: 'x', type: 'userTask', owner: 'regisseur', due: { date: 'vandaag' }, next: 'end' },
          end(),
        ],
      },
    ]);
    const e = TrajectoryEngine.start(def, { moment: '2026-03-10T17:00:00' }, T0);
    expect(e.nextTimerAt()).toBe(Date.parse('2026-03-10T16:00:00Z')); // CET = UTC+1
    e.fireTimers(Date.parse('2026-03-10T16:00:00Z'));
    expect(e.state.openSteps[0]!.dueAt).toBe(fromAmsterdamLocal('2026-03-11', 0)); // end of "today" in Amsterdam
    expect(validateDefinition({ ...def, phases: [{ ...def.phases[0], nodes: [{ id: 't', type: 'timer', date: 'now() + duration("P1D")', next: 'x' }, ...def.phases[0]!.nodes.slice(1)] }] }, { activities: [] }).problems).toContainEqual(
      expect.objectContaining({ path: '/phases/0/nodes/0/date', suggestion: 'nu' }),
    );
  });

  it('makes URL-safe step ids of multi-instance keys, and refuses elements without a usable due date or owner', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 'm',
        nodes: [{ id: 'm', type: 'multiInstance', collection: 'lijst', task: { name: 'item.t', owner: 'item.o', due: { date: 'item.d' } }, next: 'end' }, end()],
      },
    ]);
    const ok = TrajectoryEngine.start(def, { lijst: [{ id: 'Wonen 1/é', t: 'W', o: 'gezin', d: '2026-04-01' }] }, T0);
    expect(open(ok)).toEqual(['m/Wonen-1']);
    const bad = TrajectoryEngine.start(def, { lijst: [{ t: 'W', o: 'gezin', d: '2026-04-01' }, { t: 'X', o: 'gezin', d: 'ooit' }] }, T0);
    expect(open(bad)).toEqual([]);
    expect(bad.state.incidents[0]!.message).toMatch(/element 2: the due date/);
  });

  it('on close, leaves no phase and no queued activities behind', () => {
    const def = definition([
      {
        id: 'a',
        name: 'A',
        start: 's',
        nodes: [
          { id: 's', type: 'parallelSplit', branches: ['x', 'l'], join: 'j' },
          task('x', 'j'),
          { id: 'l', type: 'serviceTask', activity: 'lookup', next: 'j' },
          { id: 'j', type: 'parallelJoin', next: 'end' },
          end(),
        ],
      },
    ]);
    const e = TrajectoryEngine.start(def, {}, T0);
    e.close('verhuisd', 'regisseur-1', T0 + 1);
    expect(e.state.phase).toBeNull();
    expect(e.takeActivityRequests()).toEqual([]);
    expect(e.state.closedSteps.map((s) => [s.id, s.outcome])).toEqual([['x', 'cancelled']]);
  });
});
