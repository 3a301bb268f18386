/**
 * What an escalation's notifications and the inbox say, and two edges of the contract (issue #10, point 5):
 * - how long a step has stood still is one answer, with the definition's calendar (Goede Vrijdag, extra closed
 *   days): the engine puts it in the notification for the instant the level fell due (`levelDueAt`, beside the step's
 *   `dueAt`), the e-mail renders it, the inbox counts the same way;
 * - the e-mail's level labels come from the definition's policy and its owner line names the role, by the
 *   definition's label;
 * - the OpenAPI document gives acknowledging an escalation a 409, never a 422;
 * - `waakvlam validate FILE | head` ends quietly when the reader stops early.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NotificationEnvelope } from '../activities/cloudevents.js';
import { toCloudEvent } from '../activities/cloudevents.js';
import { renderEmail } from '../activities/email.js';
import { buildOpenApi } from '../api/openapi.js';
import { escalationRoutes, inboxItem } from '../api/routes/escalations.js';
import type { Services } from '../api/services.js';
import { overdue } from '../definitions/calendar.js';
import { TrajectoryEngine, type Notification } from '../workflows/engine.js';
import type { TrajectoryView } from '../workflows/trajectory.js';
import { validDefinition } from './helpers/notifying.js';

const root = resolve(import.meta.dirname, '..');

/**
 * A woningcorporatie's step due on Thursday 2 April 2026, 10:00 (summer time; opened a week before, in winter time),
 * the day before Goede Vrijdag, on a ladder that is not the shipped one: a reminder to the owner at the due date, the
 * wethouder 2 working days later. With Goede Vrijdag closed, Easter Monday a holiday and Tuesday 7 April an extra
 * closed day, the wethouder's level falls due on Thursday 9 April: 7 calendar days, 2 working days.
 */
const definition = validDefinition({
  id: 'pasen',
  version: 1,
  name: 'Pasen',
  roles: [
    { id: 'regisseur', name: 'Regisseur' },
    { id: 'wethouder', name: 'Wethouder Zorg' },
    { id: 'woningcorporatie', name: 'Woningcorporatie De Woonplaats' },
  ],
  escalationPolicies: {
    pasen: { levels: [{ role: 'owner', after: { workingDays: 0 } }, { role: 'wethouder', after: { workingDays: 2 } }] },
  },
  defaultEscalationPolicy: 'pasen',
  calendar: { goodFriday: true, extraClosedDays: ['2026-04-07'] },
  phases: [
    {
      id: 'a',
      name: 'A',
      start: 'housing',
      nodes: [
        { id: 'housing', type: 'userTask', name: 'Woning zoeken', owner: 'woningcorporatie', due: 'P7D', next: 'end' },
        { id: 'end', type: 'end' },
      ],
    },
  ],
});
const OPENED = Date.parse('2026-03-26T10:00:00+01:00');
const DUE = Date.parse('2026-04-02T10:00:00+02:00');
const WETHOUDER = Date.parse('2026-04-09T10:00:00+02:00');

/** The `escalation.raised` notifications of the step, as the engine queues them, level by level. */
function raised(): Notification[] {
  const engine = TrajectoryEngine.start(definition, {}, OPENED);
  const out: Notification[] = [];
  for (let at = engine.nextTimerAt(); at !== undefined; at = engine.nextTimerAt()) {
    engine.fireTimers(at);
    out.push(...engine.takeNotifications().filter((n) => n.type === 'escalation.raised'));
  }
  return out;
}

const envelope = (n: Notification): NotificationEnvelope => ({
  id: `GM0363-ZAAK-2026-0042:${n.seq}`,
  type: n.type,
  time: new Date(n.at).toISOString(),
  trajectoryId: 'GM0363-ZAAK-2026-0042',
  municipality: 'GM0363',
  data: n.data,
});

describe('how long a step has stood still', () => {
  it('counts Amsterdam dates, working days by the calendar given, and nothing up to the due date', () => {
    const calendar = { goodFriday: true, extraClosedDays: ['2026-04-07'] };
    expect(overdue(DUE, WETHOUDER, calendar)).toEqual({ overdueDays: 7, overdueWorkingDays: 2 });
    // Without the definition's calendar it would be 4 working days (Goede Vrijdag and 7 April working).
    expect(overdue(DUE, WETHOUDER)).toEqual({ overdueDays: 7, overdueWorkingDays: 4 });
    expect(overdue(DUE, DUE, calendar)).toEqual({ overdueDays: 0, overdueWorkingDays: 0 });
    expect(overdue(DUE, DUE - 1, calendar)).toEqual({ overdueDays: 0, overdueWorkingDays: 0 });
    // Across the clock change: 5 working days at the same time of day are 7 calendar days, not 6.
    expect(overdue(Date.parse('2026-03-27T10:00:00+01:00'), Date.parse('2026-04-03T10:00:00+02:00'))).toEqual({ overdueDays: 7, overdueWorkingDays: 5 });
    // A day is a date: due at 23:00, looked at 01:00 the next day, that is one day.
    expect(overdue(Date.parse('2026-04-08T23:00:00+02:00'), Date.parse('2026-04-09T01:00:00+02:00'))).toEqual({ overdueDays: 1, overdueWorkingDays: 1 });
  });

  it('is in the notification for the instant the level fell due, and the e-mail and the inbox say the same', () => {
    const [reminder, wethouder] = raised();
    expect(reminder!.data.escalation).toMatchObject({ level: 0, dueAt: new Date(DUE).toISOString(), levelDueAt: new Date(DUE).toISOString(), overdueDays: 0, overdueWorkingDays: 0 });
    expect(wethouder!.data.escalation).toMatchObject({
      level: 1,
      // The step's due date stays `dueAt`; the level's own instant is `levelDueAt`.
      dueAt: new Date(DUE).toISOString(),
      levelDueAt: new Date(WETHOUDER).toISOString(),
      overdueDays: 7,
      overdueWorkingDays: 2,
    });
    // The webhook carries it as the engine gave it.
    expect(toCloudEvent(envelope(wethouder!)).data.escalation).toMatchObject({ levelDueAt: new Date(WETHOUDER).toISOString(), overdueDays: 7, overdueWorkingDays: 2 });

    // The e-mail renders the engine's numbers, however late it is sent.
    const text = renderEmail(envelope(wethouder!))!.text;
    expect(text).toMatch(/Staat stil: +2 werkdagen \(7 kalenderdagen\) na de deadline/);
    expect(renderEmail(envelope(reminder!))!.text).toMatch(/Staat stil: +0 werkdagen \(0 kalenderdagen\) na de deadline/);

    // The inbox counts with the same function and the definition's calendar: at that instant, the same answer.
    const record = { ...(wethouder!.data.escalation as Record<string, unknown>), recipients: [], decisions: [] } as unknown as TrajectoryView['escalations'][number];
    expect(inboxItem('GM0363-ZAAK-2026-0042', record, definition.calendar, WETHOUDER)).toMatchObject({ overdueDays: 7, overdueWorkingDays: 2 });
    expect(inboxItem('GM0363-ZAAK-2026-0042', record, definition.calendar, Date.parse('2026-04-10T09:00:00+02:00'))).toMatchObject({ overdueDays: 8, overdueWorkingDays: 3 });
  });
});

describe('the e-mail of an escalation', () => {
  it("labels each level by the definition's policy and names the owner by the definition's label of its role", () => {
    const [reminder, wethouder] = raised().map((n) => renderEmail(envelope(n))!);
    expect(reminder!.subject).toMatch(/Escalatie herinnering: "Woning zoeken" staat stil/);
    expect(reminder!.text).toContain('is bij u gemeld (herinnering aan de eigenaar: Woningcorporatie De Woonplaats)');
    expect(reminder!.text).toMatch(/Gevraagd: Rond de stap af/);
    // Level 1 of this policy is the wethouder, not the shipped ladder's teamleider.
    expect(wethouder!.subject).toMatch(/Escalatie niveau 1: "Woning zoeken" staat stil/);
    expect(wethouder!.text).toContain('is bij u gemeld (niveau 1: Wethouder Zorg)');
    expect(wethouder!.text).toMatch(/Gevraagd: Neem een besluit/);
    for (const m of [reminder!, wethouder!]) {
      expect(m.text).toMatch(/^Eigenaar: +Woningcorporatie De Woonplaats$/m);
      expect(m.text).not.toMatch(/teamleider|management van de betrokken organisatie/i);
    }
  });

  it('asks for a decision at a first level that is not the owner’s', () => {
    const direct = validDefinition({
      ...definition,
      escalationPolicies: { direct: { levels: [{ role: 'wethouder', after: 'PT0S' }] } },
      defaultEscalationPolicy: 'direct',
    });
    const engine = TrajectoryEngine.start(direct, {}, OPENED);
    engine.fireTimers(engine.nextTimerAt()!);
    const n = engine.takeNotifications().find((x) => x.type === 'escalation.raised')!;
    const message = renderEmail(envelope(n))!;
    expect(message.subject).toMatch(/Escalatie niveau 0:/);
    expect(message.text).toContain('(niveau 0: Wethouder Zorg)');
    expect(message.text).toMatch(/Gevraagd: Neem een besluit/);
  });

  it('keeps a name only with a role id: no text from the data passes as a name', () => {
    const [wethouder] = raised().slice(1);
    const data = { ...wethouder!.data, escalation: { ...(wethouder!.data.escalation as object), organisation: 'Mevrouw J. de Vries', organisationName: 'Mevrouw J. de Vries' } };
    const event = toCloudEvent({ ...envelope(wethouder!), data });
    expect(event.data.escalation).toMatchObject({ organisation: null, organisationName: null, role: 'wethouder', roleName: 'Wethouder Zorg' });
    expect(renderEmail({ ...envelope(wethouder!), data })!.text).toMatch(/^Eigenaar: +onbekend/m);
  });
});

describe('the OpenAPI document', () => {
  it('gives acknowledging an escalation a 409 (already acknowledged, resolved, closed) and no 422', () => {
    const doc = buildOpenApi(escalationRoutes({} as Services), { title: 'Waakvlam', version: '0', description: '' }) as {
      paths: Record<string, Record<string, { description?: string; responses: Record<string, unknown> }>>;
    };
    const acknowledge = doc.paths['/v1/trajectories/{id}/escalations/{escalationId}/acknowledge']!.post!;
    expect(Object.keys(acknowledge.responses)).toContain('409');
    expect(Object.keys(acknowledge.responses)).not.toContain('422');
    expect(acknowledge.description).toMatch(/409 when .*acknowledged already/);
    expect(acknowledge.description).not.toMatch(/422/);
    // A decision can be refused as a whole (a reassignment to a role the definition does not have): both stay.
    expect(Object.keys(doc.paths['/v1/trajectories/{id}/escalations/{escalationId}/decisions']!.post!.responses)).toEqual(expect.arrayContaining(['409', '422']));
  });
});

describe('waakvlam validate', () => {
  /** Runs the command with its output read by nobody (as `| head` does once it has its lines). */
  const withClosedOutput = (file: string) =>
    new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['bin/waakvlam.mjs', 'validate', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => done({ code, stderr }));
    });

  it('ends quietly, with the validation’s exit code, when the reader of its output stops early', async () => {
    const [valid, broken] = await Promise.all([withClosedOutput('definitions/gezinstraject.yaml'), withClosedOutput('test/fixtures/definitions/broken.yaml')]);
    expect(valid).toEqual({ code: 0, stderr: '' });
    expect(broken).toEqual({ code: 1, stderr: '' });
  });
});
