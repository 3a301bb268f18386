/**
 * Escalation on the production deployment, in real time: a step that stalls climbs its ladder, the worker signs and
 * delivers each level to a real webhook receiver and e-mails the directory's holders through a real SMTP server; the
 * stalled list and the inbox (SQL visibility behind both) find it; a manager acknowledges and decides.
 */
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../activities/webhook.js';
import { uniqueId } from '../helpers/temporal.js';
import { call, eventually, mails, PRODUCTION_WEBHOOK_SECRET, stallingDefinition, webhooks } from './context.js';

describe('escalation on the production deployment', () => {
  it('climbs the ladder to real receivers, shows in the stalled list and the inbox, and takes a decision', async () => {
    const definitionId = `prod-stall-${Date.now().toString(36)}`;
    const registered = await call('POST', '/v1/definitions', { as: 'operator', body: stallingDefinition(definitionId) });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const caseRef = uniqueId('PROD-ESC');
    const id = `GM0363-${caseRef}`;
    expect((await call('POST', '/v1/trajectories', { as: 'case-system', body: { caseRef, definitionId } })).status).toBe(201);

    // Both levels reach the webhook receiver, signed with the .env's secret, carrying roles and ids only.
    const raised = await eventually('webhooks for levels 0 and 1', async () => {
      const mine = (await webhooks()).filter((w) => w.subject === id && w.type.endsWith('.escalation.raised'));
      return mine.length >= 2 ? mine : undefined;
    });
    expect(raised.map((w) => w.data.escalation.level).sort()).toEqual([0, 1]);
    expect(raised.find((w) => w.data.escalation.level === 1)!.data.escalation).toMatchObject({ role: 'teamleider', stepId: 'task', reminder: false });
    for (const w of raised) expect(verifyWebhook(PRODUCTION_WEBHOOK_SECRET, w.headers, w.body)).toBe(true);

    // E-mail: the regisseur is reminded, the teamleider told; one message each.
    const sent = await eventually('e-mails to the regisseur and the teamleider', async () => {
      const mine = (await mails()).filter((m) => m.raw.includes(id));
      const to = mine.flatMap((m) => m.to);
      return to.includes('regisseur@gemeente.example') && to.includes('teamleider@gemeente.example') ? mine : undefined;
    });
    for (const m of sent) expect(m.to).toHaveLength(1);

    // The stalled list and the inbox, both from SQL visibility.
    await eventually('the stalled list (overdue, level ≥ 1) shows it', async () => {
      const list = await call('GET', `/v1/trajectories?overdue=true&minEscalationLevel=1&definitionId=${definitionId}`, { as: 'operator' });
      expect(list.status).toBe(200);
      return list.body.items.find((t: { id: string; escalationLevel: number }) => t.id === id && t.escalationLevel === 1);
    });
    const item = await eventually('the inbox shows its teamleider escalation', async () => {
      const inbox = await call('GET', '/v1/escalations?role=teamleider', { as: 'manager' });
      expect(inbox.status).toBe(200);
      return inbox.body.items.find((e: { trajectoryId: string; level: number }) => e.trajectoryId === id && e.level === 1);
    });
    const escalationId = item.id as string;

    const ack = await call('POST', `/v1/trajectories/${id}/escalations/${escalationId}/acknowledge`, { as: 'manager', body: {} });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect((await call('POST', `/v1/trajectories/${id}/escalations/${escalationId}/acknowledge`, { as: 'manager', body: {} })).status).toBe(409);
    const dueAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const decided = await call('POST', `/v1/trajectories/${id}/escalations/${escalationId}/decisions`, { as: 'manager', body: { type: 'new-deadline', dueAt, reason: 'nieuwe termijn afgesproken met de corporatie' } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const state = await call('GET', `/v1/trajectories/${id}`, { as: 'case-system' });
    expect(Date.parse(state.body.openSteps[0].dueAt)).toBe(Date.parse(dueAt));
  });
});
