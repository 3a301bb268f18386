/**
 * Escalation end to end on the time-skipping server, with a real HTTP receiver and a real SMTP server in the test
 * process: the ladder reaches the teamleider and then the wethouder on the right working days and not before,
 * completion resolves it and tells everyone who was told, decisions are recorded, a receiver that is down for a day
 * gets every event exactly once by id with a valid signature, and a paused step keeps the time it had left.
 */
import { describe, expect, it } from 'vitest';
import { addWorkingDays } from '../definitions/calendar.js';
import type { Directory } from '../activities/directory.js';
import { verifyWebhook } from '../activities/webhook.js';
import { decideEscalationUpdate, pauseUpdate, resumeUpdate, trajectoryWorkflow } from '../workflows/trajectory.js';
import { ESCALATION_LEVEL } from '../workflows/search-attributes.js';
import { createWorker } from '../worker/worker.js';
import { Driver } from './helpers/driver.js';
import { gezinstraject } from './helpers/definitions.js';
import { MailServer, WebhookReceiver } from './helpers/receivers.js';
import { uniqueId, useTemporal, TEST_KEY_RING } from './helpers/temporal.js';

const SECRET = `whsec_${Buffer.from('waakvlam-test-secret-32-bytes-long!').toString('base64')}`;
const directory: Directory = {
  municipalities: {
    GM0363: {
      fallback: { email: 'regieteam@gemeente.example' },
      roles: {
        regisseur: { email: 'regisseur@gemeente.example' },
        teamleider: { email: 'teamleider@gemeente.example', deputy: { email: 'teamleider-vervanger@gemeente.example' } },
        wethouder: { email: 'wethouder@gemeente.example' },
      },
      organisations: {
        woningcorporatie: {
          owner: { email: 'bemiddeling@corporatie.example' },
          procesregisseur: { email: 'manager-verhuur@corporatie.example' },
        },
      },
    },
  },
};

const receiver = new WebhookReceiver();
const mail = new MailServer();

// One time-skipping server per test (the bundle once per file), so no test's timers hold another's clock.
const temporal = useTemporal({ server: 'time-skipping', serverPerTest: true, services: [receiver, mail] });

async function withTrajectory(fn: (d: Driver) => Promise<void>): Promise<void> {
  const taskQueue = uniqueId('tq');
  const caseRef = uniqueId('ZAAK');
  const worker = await createWorker({
    keyRing: TEST_KEY_RING,
    connection: temporal.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: temporal.bundle,
    activityDeps: {
      directory,
      webhook: { url: receiver.url, secret: SECRET },
      email: { url: `smtp://127.0.0.1:${mail.port}`, from: 'Waakvlam <waakvlam@gemeente.example>' },
    },
  });
  await worker.runUntil(async () => {
    const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
      workflowId: `GM0363-${caseRef}`,
      taskQueue,
      args: [{ caseRef, municipality: 'GM0363', definition: gezinstraject() }],
    });
    const driver = new Driver(temporal.env, handle);
    try {
      await fn(driver);
    } finally {
      // Stop only once deliveries are done: an activity cut off by the worker's shutdown holds the server's clock.
      await driver.settle().catch(() => undefined);
      await handle.terminate('test finished').catch(() => undefined);
    }
  });
}

/** Gets the trajectory to stabilisation, where housing (woningcorporatie, due in 8 weeks) opens. */
async function toHousing(d: Driver): Promise<number> {
  await d.complete('assign-director');
  await d.complete('first-contact');
  await d.complete('safety-assessment', { veiligheid: 'veilig' });
  const housing = (await d.state()).openSteps.find((s) => s.id === 'housing')!;
  await d.complete('income');
  await d.complete('debts');
  return Date.parse(housing.dueAt);
}

/** Sleeps on the server until `at` (epoch ms), reporting family contact every week so the contact watch stays quiet. */
async function until(d: Driver, at: number): Promise<void> {
  for (;;) {
    const now = await d.env.currentTimeMs();
    if (now >= at) return;
    await d.event('family-contact');
    await d.skip(Math.min(at - now, 7 * 24 * 3600 * 1000));
  }
}

const eventsOf = (workflowId: string, type: string) =>
  receiver.accepted().filter((e) => e.subject === workflowId && e.type === `nl.overheid.waakvlam.${type}`);

describe('escalation', () => {
  it('reaches the owner, the teamleider, the manager and the wethouder on the right working days; completion resolves it', async () => {
    await withTrajectory(async (d) => {
      const due = await toHousing(d);
      const level = (n: number) => addWorkingDays(due, [0, 5, 10, 20][n]!);
      const housingEvents = () => eventsOf(d.handle.workflowId, 'escalation.raised').filter((e) => e.data.escalation.stepId === 'housing');

      await until(d, level(1) - 60_000);
      expect(housingEvents().map((e) => e.data.escalation.level)).toEqual([0]);
      expect(mail.messages.find((m) => m.to.includes('bemiddeling@corporatie.example'))?.subject).toMatch(/herinnering: "Huisvesting regelen" staat stil/);
      expect(mail.messages.some((m) => m.to.includes('teamleider@gemeente.example') && m.subject.includes('Huisvesting'))).toBe(false);

      await until(d, level(1) + 60_000);
      expect(housingEvents().map((e) => e.data.escalation.level)).toEqual([0, 1]);
      const toTeamleider = mail.messages.filter((m) => m.subject.includes('niveau 1') && m.subject.includes('Huisvesting'));
      // The teamleider and the deputy, each in a message of their own.
      expect(toTeamleider.map((m) => m.to).sort()).toEqual([['teamleider-vervanger@gemeente.example'], ['teamleider@gemeente.example']]);
      expect((await d.handle.describe()).typedSearchAttributes.get(ESCALATION_LEVEL)).toBe(2);

      await until(d, level(3) - 60_000);
      expect(housingEvents().map((e) => e.data.escalation.level)).toEqual([0, 1, 2]);
      expect(mail.messages.some((m) => m.to.includes('manager-verhuur@corporatie.example'))).toBe(true);
      expect(mail.messages.some((m) => m.to.includes('wethouder@gemeente.example'))).toBe(false);
      await until(d, level(3) + 60_000);
      expect(housingEvents().map((e) => e.data.escalation.level)).toEqual([0, 1, 2, 3]);
      const toWethouder = mail.messages.find((m) => m.to.includes('wethouder@gemeente.example'))!;
      expect(toWethouder.subject).toMatch(/niveau 3/);
      expect(toWethouder.raw).toContain('(niveau 3: Wethouder)');
      // Stalled for 20 working days when the level fell due, however late the message goes out.
      expect(toWethouder.raw).toMatch(/Staat stil: +20 werkdagen \(\d+ kalenderdagen\) na de deadline/);

      // Each level was raised at its instant (workflow time): never before, and within a second after. The event
      // says when the level fell due (`levelDueAt`) beside the step's due date (`dueAt`), and how long the step had
      // stood still then.
      housingEvents().forEach((e, n) => {
        expect(Date.parse(e.time)).toBeGreaterThanOrEqual(level(n));
        expect(Date.parse(e.time)).toBeLessThan(level(n) + 1000);
        expect(e.data.escalation).toMatchObject({ dueAt: new Date(due).toISOString(), levelDueAt: new Date(level(n)).toISOString(), overdueWorkingDays: [0, 5, 10, 20][n] });
      });

      // A decision with its author and reason, then completion: resolved, everyone told, no further levels.
      await d.handle.executeUpdate(decideEscalationUpdate, {
        args: [{ escalationId: 'housing@3', decision: { type: 'breakthrough', budget: 2500, mandateHolder: 'wethouder', decidedBy: 'wethouder-1', reason: 'urgentieverklaring' } }],
      });
      await d.complete('housing', undefined, 'corporatie-medewerker-4');
      const state = await d.state();
      const records = state.escalations.filter((e) => e.stepId === 'housing');
      expect(records.map((r) => r.resolution)).toEqual(['step-completed', 'step-completed', 'step-completed', 'step-completed']);
      expect(records[3]!.decisions).toEqual([
        expect.objectContaining({ type: 'breakthrough', budget: 2500, mandateHolder: 'wethouder', decidedBy: 'wethouder-1', reason: 'urgentieverklaring' }),
      ]);
      expect(records[1]!.recipients.sort()).toEqual(['teamleider-vervanger@gemeente.example', 'teamleider@gemeente.example']);
      await d.skip('1 minute');
      // Everyone who was told hears it, each in a message of their own: nobody sees another's address.
      const resolvedMail = mail.messages.filter((m) => m.subject.startsWith('[Waakvlam] Opgelost') && m.subject.includes('Huisvesting') && m.subject.includes(d.handle.workflowId));
      expect(resolvedMail.map((m) => m.to).sort()).toEqual(
        ['bemiddeling@corporatie.example', 'manager-verhuur@corporatie.example', 'teamleider-vervanger@gemeente.example', 'teamleider@gemeente.example', 'wethouder@gemeente.example']
          .sort()
          .map((a) => [a]),
      );
      expect(eventsOf(d.handle.workflowId, 'escalation.resolved').some((e) => e.data.escalations.some((x: { stepId: string }) => x.stepId === 'housing'))).toBe(true);
      expect(eventsOf(d.handle.workflowId, 'escalation.decided')).toHaveLength(1);
      const count = housingEvents().length;
      await until(d, level(3) + 40 * 24 * 3600 * 1000);
      expect(housingEvents()).toHaveLength(count);
    });
  });

  it('delivers every event exactly once by id, signed, to a receiver that was down for a day', async () => {
    await withTrajectory(async (d) => {
      receiver.down = true;
      await d.complete('assign-director');
      await d.complete('first-contact'); // on to safety: another event
      await d.skip('1 day');
      const refused = receiver.received.filter((r) => !r.accepted && r.body.includes(d.handle.workflowId));
      expect(refused.length).toBeGreaterThan(0);
      receiver.down = false;
      // Retries back off up to 10 minutes; give them time to come round.
      await d.skip('30 minutes');
      await new Promise((r) => setTimeout(r, 3000));
      const mine = receiver.accepted().filter((e) => e.subject === d.handle.workflowId);
      const ids = mine.map((e) => e.id);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      expect(new Set(ids).size).toBe(ids.length); // exactly once each
      for (const id of new Set(refused.map((r) => JSON.parse(r.body).id))) expect(ids).toContain(id); // nothing lost
      for (const e of mine) {
        expect(verifyWebhook(SECRET, e.headers, e.body)).toBe(true);
        expect(e).toMatchObject({ specversion: '1.0', source: 'urn:nld:gemeente:GM0363:waakvlam', subject: d.handle.workflowId });
        expect(e.headers['webhook-id']).toBe(e.id);
        expect(e.headers['content-type']).toBe('application/cloudevents+json');
      }
      expect(verifyWebhook(SECRET, { ...mine[0]!.headers, 'webhook-signature': 'v1,AAAA' }, mine[0]!.body)).toBe(false);
      // No personal data: the events carry ids, roles and the definition's labels only.
      expect(JSON.stringify(mine)).not.toMatch(/@gemeente\.example|@corporatie\.example/);
    });
  });

  it('a paused step keeps the time it had left', async () => {
    await withTrajectory(async (d) => {
      const due = await toHousing(d);
      await d.handle.executeUpdate(pauseUpdate, { args: [{ stepId: 'housing', reason: 'gezin tijdelijk in het buitenland', by: 'regisseur-1' }] });
      const pausedAt = await d.env.currentTimeMs();
      await until(d, due + 10 * 24 * 3600 * 1000);
      expect((await d.state()).escalations.filter((e) => e.stepId === 'housing')).toEqual([]);
      await d.handle.executeUpdate(resumeUpdate, { args: [{ stepId: 'housing', by: 'regisseur-1' }] });
      const resumedAt = await d.env.currentTimeMs();
      const housing = (await d.state()).openSteps.find((s) => s.id === 'housing')!;
      expect(Date.parse(housing.dueAt) - due).toBeGreaterThanOrEqual(resumedAt - pausedAt - 5_000);
      expect(Date.parse(housing.dueAt) - due).toBeLessThanOrEqual(resumedAt - pausedAt + 5_000);
    });
  });
});
