/**
 * What the Web UI shows of a trajectory (workflows/trajectory/details.ts), pure: the static summary of a start, the
 * current details (Markdown with the definition's Dutch labels) and the summaries of timers and activities. The
 * workflow sets them (test/details.e2e.test.ts proves that on the dev server).
 */
import { describe, expect, it } from 'vitest';
import type { Definition } from '../definitions/schema.js';
import { TrajectoryEngine } from '../workflows/engine.js';
import {
  currentDetails,
  dutchTime,
  notificationSummary,
  serviceTaskSummary,
  timerPurposes,
  timerSummary,
  trajectoryStaticDetails,
  trajectorySummary,
} from '../workflows/trajectory/details.js';
import { waitsView } from '../workflows/trajectory/view.js';
import { gezinstraject, validDefinition } from './helpers/definitions.js';

const T0 = Date.parse('2026-03-02T09:00:00Z'); // a Monday, 10:00 in Amsterdam
const DAY = 24 * 3600 * 1000;
const CANARY = 'KANARIE-7f3a';

function small(nodes: unknown[]): Definition {
  return validDefinition(
    {
      id: 'klein',
      version: 3,
      name: 'Klein traject',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      events: [{ id: 'plan-agreed', name: 'Gezinsplan akkoord' }],
      escalationPolicies: { kort: { levels: [{ role: 'owner', after: 'P0D' }, { role: 'regisseur', after: 'P1D' }] } },
      defaultEscalationPolicy: 'kort',
      phases: [{ id: 'a', name: 'Fase A', start: nodes[0] && (nodes[0] as { id: string }).id, nodes }],
    },
    ['lookup'],
  );
}

describe('the static summary of a start', () => {
  it('names the definition and its version, the case reference and the municipality: nothing from the data', () => {
    const input = { caseRef: 'ZAAK-2026-0042', municipality: 'GM0363', definition: gezinstraject() };
    expect(trajectorySummary(input)).toBe('Gezinstraject (1 gezin, 1 plan, 1 regisseur) v1 · zaak ZAAK-2026-0042 · GM0363');
    expect(trajectorySummary(input, true)).toBe('Gezinstraject (1 gezin, 1 plan, 1 regisseur) v1 · zaak ZAAK-2026-0042 · GM0363 · heropend');
    expect(trajectoryStaticDetails(input)).toContain('`gezinstraject` versie 1');
    expect(trajectorySummary(input)).not.toContain('\n');
  });
});

describe('the current details', () => {
  const definition = gezinstraject();
  const input = { caseRef: 'ZAAK-2026-0042', municipality: 'GM0363', definition };

  it('say the phase and since when, each open step with its owner, due date and level, not paused, and what it waits for', () => {
    const e = TrajectoryEngine.start(definition, { notitie: CANARY }, T0);
    const text = currentDetails(e.state, input);
    expect(text).toContain('**Fase:** Aanmelding — sinds 2026-03-02 10:00');
    expect(text).toContain('**Gepauzeerd:** nee');
    expect(text).toContain('**Open stappen (1)**');
    const due = dutchTime(e.state.openSteps[0]!.dueAt);
    expect(text).toContain(`- **Regisseur toewijzen** · eigenaar: Teamleider · termijn: ${due} · opschaling: geen · volgend niveau 0 op ${due}`);
    expect(text).toContain('- een persoon: Regisseur toewijzen (Teamleider)');
    expect(text).toMatch(/- contact met het gezin \(Contact met het gezin\): verwacht vóór 2026-03-16 10:00/);
    expect(text).toContain('**Incidenten (0)**\n- geen');
    expect(text).not.toContain(CANARY);

    e.completeStep('assign-director', 'teamleider-1', undefined, T0 + 1000);
    const after = currentDetails(e.state, input);
    expect(after).toContain('- **Eerste contact met het gezin** · eigenaar: Regisseur');
    expect(after).not.toContain('Regisseur toewijzen');
  });

  it('say the escalation level reached, with the role that hears it', () => {
    const e = TrajectoryEngine.start(definition, {}, T0);
    e.fireTimers(T0 + 14 * DAY); // due after 2 working days, then 5 more: level 1 (teamleider)
    const text = currentDetails(e.state, input);
    expect(text).toContain('opschaling: niveau 1 (Teamleider)');
    expect(text).toMatch(/volgend niveau 2 op \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
  });

  it('say that the trajectory is paused, since when and why, and that its clocks stand still', () => {
    const e = TrajectoryEngine.start(definition, {}, T0);
    e.pauseTrajectory('Gezin tijdelijk in het buitenland', 'regisseur-1', T0 + DAY);
    const text = currentDetails(e.state, input);
    expect(text).toContain('**Gepauzeerd:** ja, sinds 2026-03-03 10:00 — Gezin tijdelijk in het buitenland');
    expect(text).not.toContain('volgend niveau');
    expect(text).toContain('(staat stil: gepauzeerd)');
    expect(timerPurposes(e.state, input)).toEqual([]);
  });

  it('say which event from the case system it waits for, since when and until when, and which timer', () => {
    const def = small([
      { id: 'w', type: 'event', name: 'Akkoord afwachten', event: 'plan-agreed', next: 't', timeout: { after: 'P2W', next: 't' } },
      { id: 't', type: 'timer', name: 'Evaluatie over een week', duration: 'P1W', next: 'end' },
      { id: 'end', type: 'end' },
    ]);
    const small_ = { caseRef: 'ZAAK-1', municipality: 'GM0363', definition: def };
    const e = TrajectoryEngine.start(def, {}, T0);
    expect(currentDetails(e.state, small_)).toContain(
      '- gebeurtenis uit het zaaksysteem: Gezinsplan akkoord (`plan-agreed`), sinds 2026-03-02 10:00, uiterlijk 2026-03-16 10:00',
    );
    expect(timerSummary(e.state, small_, T0 + 14 * DAY)).toBe('uiterste termijn Gezinsplan akkoord');
    e.reportEvent('plan-agreed', { akkoord: CANARY }, 'zaaksysteem', T0 + DAY);
    const text = currentDetails(e.state, small_);
    expect(text).toContain('- timer: Evaluatie over een week, op 2026-03-10 10:00');
    expect(text).not.toContain(CANARY);
    expect(timerSummary(e.state, small_, T0 + 8 * DAY)).toBe('timer Evaluatie over een week');
  });

  it('list open incidents, and say when the trajectory is closed', () => {
    const e = TrajectoryEngine.start(definition, {}, T0);
    e.state.incidents.push({ at: T0, node: 'lookup', message: 'activity failed' });
    expect(currentDetails(e.state, input)).toContain('**Incidenten (1)**\n- 2026-03-02 10:00 · `lookup` · activity failed');
    e.close('afgerond', 'regisseur-1', T0 + DAY);
    const text = currentDetails(e.state, input);
    expect(text).toContain('**Status:** afgesloten op 2026-03-03 10:00');
    expect(text).toContain('**Open stappen (0)**');
  });
});

describe('the summaries of timers and activities', () => {
  const definition = gezinstraject();
  const input = { caseRef: 'ZAAK-2026-0042', municipality: 'GM0363', definition };

  it('name a step’s due date "termijn <stap>" and a higher level "opschaling <rol>"', () => {
    const e = TrajectoryEngine.start(definition, {}, T0);
    const step = e.state.openSteps[0]!;
    expect(timerSummary(e.state, input, step.dueAt)).toBe('termijn Regisseur toewijzen');
    e.fireTimers(step.dueAt);
    expect(timerSummary(e.state, input, e.state.openSteps[0]!.ladder!.nextAt!)).toBe('opschaling Teamleider: Regisseur toewijzen');
    expect(timerSummary(e.state, input, e.state.contact!.ladder!.nextAt!)).toBe('termijn contact met het gezin');
    expect(timerSummary(e.state, input, T0 + 1)).toBe('wachten tot 2026-03-02 10:00');
  });

  it('name notifications and service tasks by what they are for', () => {
    expect(notificationSummary('webhook', 'escalation.raised')).toBe('webhook escalation.raised');
    expect(notificationSummary('email', 'escalation.raised', 'Teamleider')).toBe('melding naar Teamleider (escalation.raised)');
    expect(notificationSummary('recipients', 'escalation.raised', 'Teamleider')).toBe('ontvangers opzoeken: Teamleider');
    expect(serviceTaskSummary(input, 'intake', 'assign-director', 'lookup')).toBe('servicetaak Regisseur toewijzen (lookup)');
  });
});

describe("the state's waitingFor", () => {
  it('says what each waiting branch waits for: a person by the owners, an event since when and until when, a timer', () => {
    const def = small([
      { id: 'w', type: 'event', name: 'Akkoord afwachten', event: 'plan-agreed', storeAs: 'akkoord', next: 't', timeout: { after: 'P2W', next: 't' } },
      { id: 't', type: 'timer', name: 'Evaluatie over een week', duration: 'P1W', next: 'x' },
      { id: 'x', type: 'userTask', name: 'Evalueren', owner: 'regisseur', due: 'P1D', next: 'end' },
      { id: 'end', type: 'end' },
    ]);
    const e = TrajectoryEngine.start(def, {}, T0);
    expect(waitsView(e.state)).toEqual([{ kind: 'event', node: 'w', event: 'plan-agreed', since: '2026-03-02T09:00:00.000Z', timeoutAt: '2026-03-16T09:00:00.000Z' }]);
    e.reportEvent('plan-agreed', { akkoord: CANARY }, 'zaaksysteem', T0 + DAY);
    expect(waitsView(e.state)).toEqual([{ kind: 'timer', node: 't', since: '2026-03-03T09:00:00.000Z', at: '2026-03-10T09:00:00.000Z' }]);
    e.fireTimers(T0 + 8 * DAY);
    expect(waitsView(e.state)).toEqual([{ kind: 'person', node: 'x', since: '2026-03-10T09:00:00.000Z', owners: ['regisseur'] }]);
    expect(JSON.stringify(waitsView(e.state))).not.toContain(CANARY);
  });
});
