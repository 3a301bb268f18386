/**
 * E-mail recipients do not see each other (issue #10, point 5), on the time-skipping server with a real SMTP server
 * and a real webhook receiver: a resolution notice reaches everyone who was told (the housing corporation, the
 * teamleider, the regieteam) in a message of their own, with only their own address in `To:`; when one recipient is
 * refused for the time being, the others are sent, the activity is retried, and the retry sends only to that one.
 * The e-mail's "stalled" line is the webhook's count, for the instant the level fell due.
 */
import { describe, expect, it } from 'vitest';
import { messageIdFor } from '../activities/email.js';
import { useNotifying, validDefinition, withNotifyingTrajectory } from './helpers/notifying.js';
import type { ReceivedMail } from './helpers/receivers.js';

const definition = validDefinition({
  id: 'ontvangers',
  version: 1,
  name: 'Ontvangers',
  roles: [
    { id: 'regisseur', name: 'Regisseur' },
    { id: 'teamleider', name: 'Teamleider' },
    { id: 'wethouder', name: 'Wethouder' },
    { id: 'woningcorporatie', name: 'Woningcorporatie' },
  ],
  escalationPolicies: {
    snel: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT1H' }, { role: 'wethouder', after: 'P2D' }] },
  },
  defaultEscalationPolicy: 'snel',
  phases: [
    {
      id: 'a',
      name: 'A',
      start: 'housing',
      nodes: [
        { id: 'housing', type: 'userTask', name: 'Woning zoeken', owner: 'woningcorporatie', due: 'PT1S', next: 'wait' },
        { id: 'wait', type: 'userTask', name: 'Afronden', owner: 'regisseur', due: 'P30D', next: 'end' },
        { id: 'end', type: 'end' },
      ],
    },
  ],
});

/** Who was told of the housing step, level by level (the directory has no wethouder: the regieteam hears it). */
const TOLD = ['bemiddeling@corporatie.example', 'teamleider@gemeente.example', 'regieteam@gemeente.example'];

const notifying = useNotifying();
const { receiver, mail } = notifying;

/** The `To:` header of a message, unfolded. */
const toHeader = (m: ReceivedMail) => /^To: (.*(?:\r?\n[ \t].*)*)/m.exec(m.raw)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '';
const messageId = (m: ReceivedMail) => /^Message-ID: (.*)$/im.exec(m.raw)?.[1]?.trim();

describe('e-mail recipients', () => {
  it('each get a message of their own; a retry after one was refused for the time being sends only to that one', async () => {
    await withNotifyingTrajectory(notifying, { definition }, async (d) => {
      const id = d.handle.workflowId;
      const mine = () => mail.messages.filter((m) => m.subject.includes(id));
      await d.skip('3 days');
      await d.settle();
      const raised = receiver.accepted().filter((e) => e.subject === id && e.type === 'nl.overheid.waakvlam.escalation.raised');
      expect(raised.map((e) => e.data.escalation.level)).toEqual([0, 1, 2]);

      // The e-mail says what the webhook says: the count for the instant the level fell due.
      const due = Date.parse(raised[0]!.data.escalation.dueAt);
      expect(raised.map((e) => Date.parse(e.data.escalation.levelDueAt) - due)).toEqual([0, 3600_000, 2 * 86_400_000]);
      for (const e of raised) {
        const m = mine().find((x) => x.raw.includes(`Escalatie:      ${e.data.escalation.id}`))!;
        const { overdueDays, overdueWorkingDays } = e.data.escalation as { overdueDays: number; overdueWorkingDays: number };
        expect(m.raw).toMatch(new RegExp(`Staat stil: +${overdueWorkingDays} werkdag(en)? \\(${overdueDays} kalenderdag(en)?\\) na de deadline`));
      }
      expect(raised[2]!.data.escalation.overdueDays).toBe(2);

      // The teamleider is refused for the time being once: the others get the notice, the retry reaches the teamleider.
      const before = mine().length;
      mail.deferOnce.add('teamleider@gemeente.example');
      await d.complete('housing');
      await d.skip('1 minute');
      await d.settle();
      const resolved = mine().slice(before);
      expect(resolved.every((m) => m.subject.startsWith('[Waakvlam] Opgelost'))).toBe(true);
      expect(mail.deferOnce.size).toBe(0); // the teamleider was refused once
      // One message per recipient, each exactly once (no second copy for those sent before the retry).
      expect(resolved.map((m) => m.to).sort()).toEqual(TOLD.map((a) => [a]).sort());
      for (const m of resolved) {
        expect(toHeader(m)).toBe(m.to[0]);
        for (const other of TOLD.filter((a) => a !== m.to[0])) expect(m.raw).not.toContain(other);
      }
      // Message ids differ per recipient and are the same on every retry (derived from the event and the recipient).
      const event = receiver.accepted().find((e) => e.subject === id && e.type === 'nl.overheid.waakvlam.escalation.resolved')!;
      expect(resolved.map(messageId).sort()).toEqual(TOLD.map((a) => messageIdFor(event.id, a)).sort());
      expect(new Set(resolved.map(messageId)).size).toBe(3);
    });
  });
});
