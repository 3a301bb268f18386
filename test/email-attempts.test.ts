/**
 * The e-mail activity's attempts: each one ends well within its start-to-close timeout, handing who is done to the
 * next attempt by failing (a failure carries the last heartbeat; a time-out could lose it). Run in the SDK's activity
 * test environment (a real activity Context with heartbeats) against a real SMTP server in the test process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEmailSender } from '../activities/email.js';
import type { NotificationEnvelope } from '../activities/cloudevents.js';
import { MailServer } from './helpers/receivers.js';
import { uniqueId } from './helpers/temporal.js';

const mail = new MailServer();
beforeAll(() => mail.start());
afterAll(() => mail.stop());

const raised = (id: string): NotificationEnvelope => ({
  id,
  type: 'escalation.raised',
  time: new Date().toISOString(),
  trajectoryId: 'GM0363-ZAAK-1',
  municipality: 'GM0363',
  data: { escalation: { id: 'x@1', stepId: 'x', stepName: 'Stap X', level: 1, role: 'teamleider', organisation: 'regisseur', dueAt: new Date().toISOString() } },
});

describe('an e-mail attempt', () => {
  it('stops starting messages when its time is up, and the next attempts send each recipient exactly once', async () => {
    // A budget of 0 ms: every attempt sends one message, then hands on.
    const sendEmail = createEmailSender({ url: `smtp://127.0.0.1:${mail.port}`, from: 'waakvlam@gemeente.example', attemptBudgetMs: 0 });
    const id = uniqueId('GM0363-ZAAK-1');
    const to = ['a@gemeente.example', 'b@gemeente.example', `c@${MailServer.REFUSED_DOMAIN}`, 'd@gemeente.example'];
    let heartbeatDetails: unknown;
    const outcomes: unknown[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const env = new MockActivityEnvironment({ attempt, heartbeatDetails });
      env.on('heartbeat', (d: unknown) => (heartbeatDetails = d));
      const outcome = await env.run(sendEmail, { envelope: raised(id), to }).catch((e: unknown) => e);
      outcomes.push(outcome);
      if (!(outcome instanceof Error)) break;
      expect(outcome).toBeInstanceOf(ApplicationFailure);
      expect((outcome as ApplicationFailure).type).toBe('EmailAttemptOutOfTime');
    }
    // Four recipients, one at a time: three attempts hand on, the fourth ends with one refused for good.
    expect(outcomes).toHaveLength(4);
    expect(outcomes.at(-1)).toEqual({ sent: 3, refused: 1 });
    const copies = mail.messages.filter((m) => m.raw.includes(id.replace(/[^A-Za-z0-9._:-]/g, '-'))).map((m) => m.to);
    expect(copies).toEqual([['a@gemeente.example'], ['b@gemeente.example'], ['d@gemeente.example']]);
  });
});
