/**
 * Case-system events (family contact, plan agreed, relapse signal…): a matching event handler jumps phase (a relapse
 * is announced first); otherwise the event resumes the tokens waiting for it, or is kept for a wait that opens later.
 */
import { evalCondition } from '../../definitions/feel.js';
import type { Core } from './core.js';
import { resetContact } from './escalation.js';
import { advance, deliverEvent } from './flow.js';
import { notify } from './outbox.js';
import { jumpTo } from './phases.js';
import { setOwn } from './records.js';
import type { EventRecord } from './types.js';

/** How many event records the state keeps (older ones are dropped; `lastEventAt` keeps every event's last time). */
const MAX_EVENT_RECORDS = 200;

/** A case-system event: a matching event handler jumps phase; otherwise it resumes the tokens waiting for it. */
export function reportEvent(core: Core, event: string, payload: unknown, reportedBy: string | undefined, now: number): EventRecord['effect'] {
  setOwn(core.state.lastEventAt, event, now);
  core.clock = now;
  let effect: EventRecord['effect'] = 'recorded';
  if (core.state.status === 'open') {
    if (core.definition.contactWatch?.event === event && core.state.contact) resetContact(core, now, 'contact-recorded');
    const handler = handlerFor(core, event, payload);
    if (handler) {
      if (handler.relapse) notify(core, 'relapse.signalled', now, { event, from: core.state.phase, to: handler.target.phase });
      jumpTo(core, handler.target, now, `event:${event}`);
      effect = 'handler';
    } else {
      for (const token of core.state.tokens) {
        if (token.wait?.kind !== 'event' || token.wait.event !== event) continue;
        deliverEvent(core, token, payload);
        effect = 'delivered';
      }
      if (effect === 'recorded') setOwn(core.state.unconsumedEvents, event, { at: now, payload: payload ?? null });
    }
    advance(core, now);
  }
  core.state.events.push({ event, at: now, ...(reportedBy ? { reportedBy } : {}), effect });
  if (core.state.events.length > MAX_EVENT_RECORDS) core.state.events.splice(0, core.state.events.length - MAX_EVENT_RECORDS);
  return effect;
}

/** The definition's first event handler for the event in the current phase whose condition holds, and its target. */
function handlerFor(core: Core, event: string, payload: unknown): { target: { phase: string }; relapse: boolean } | undefined {
  for (const handler of core.definition.eventHandlers) {
    if (handler.event !== event) continue;
    if (handler.inPhases && !handler.inPhases.includes(core.state.phase ?? '')) continue;
    if (handler.when && !evalCondition(handler.when, core.context({ event: payload ?? null }))) continue;
    const relapse = handler.relapse ?? false;
    if ('phase' in handler.goto) return { target: handler.goto, relapse };
    const chosen = handler.goto.cases.find((c) => evalCondition(c.when, core.context({ event: payload ?? null })));
    return { target: { phase: chosen?.phase ?? handler.goto.default }, relapse };
  }
  return undefined;
}
