/**
 * E-mail over SMTP (nodemailer) to the people the directory resolved: a plain message in Dutch that says which
 * trajectory, which step, how long it has been stalled, who owns it and what is asked, and nothing about the family.
 */
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { Overdue } from '../definitions/calendar.js';
import { publicId } from '../definitions/ids.js';
import { roleIdOrNull, type NotificationEnvelope } from './cloudevents.js';

/** SMTP settings. */
export interface EmailConfig {
  /** SMTP URL, e.g. `smtp://mail.gemeente.example:587` or `smtps://user:pass@host:465`. */
  url: string;
  /** Sender address, e.g. `Waakvlam <waakvlam@gemeente.example>`. */
  from: string;
  /**
   * How long one attempt keeps starting new messages, in milliseconds (it always tries one). Default 8 000. Past it
   * the attempt records who is done and fails, retryable, so the next attempt goes on: an attempt never runs into the activity's 30 s
   * start-to-close timeout, where the progress since its last heartbeat would be lost.
   */
  attemptBudgetMs?: number;
}

/**
 * SMTP time-outs, in milliseconds, so that one message (connect, greeting, sending) ends within about 20 s: with the
 * attempt budget it stays within the activity's 30 s (nodemailer's defaults are minutes).
 */
const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 };

const RESOLUTIONS = new Map<string, string>([
  ['step-completed', 'de stap is afgerond'],
  ['step-cancelled', 'de stap is vervallen'],
  ['new-deadline', 'er is een nieuwe termijn afgesproken'],
  ['reassigned', 'de stap is bij een andere eigenaar belegd'],
  ['contact-recorded', 'er is weer contact met het gezin'],
  ['watch-ended', 'het contacttoezicht is beëindigd (nazorg)'],
  ['watch-started', 'het contacttoezicht is opnieuw begonnen'],
  ['trajectory-closed', 'het traject is afgesloten'],
]);

const dateNl = (iso: string) =>
  new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: 'Europe/Amsterdam' }).format(new Date(iso));

/**
 * An escalation as the engine describes it in a notification (`describe` and `describeRaised` in
 * workflows/engine/escalation.ts). With `escalation.raised`, also {@link Overdue} (absent from an event scheduled
 * before the engine counted it): how long the step had stood still when the level fell due, in whole days, as the
 * engine counted it with the definition's calendar (`overdue` in definitions/calendar.ts); the e-mail renders those
 * numbers and counts nothing itself.
 */
interface EscalationData extends Partial<Overdue> {
  /** In the API's spelling (definitions/ids.ts); a multi-instance element's `<node>:*<n>@<level>`. */
  id: string;
  stepId: string | null;
  /** A multi-instance element's opaque ordinal (its step id, which carries data, is left out). */
  element?: number;
  stepName: string;
  level: number;
  /** Role id of who hears the level, and the definition's label of it. */
  role: string;
  roleName?: string;
  /** Role id of the step's owner, and the definition's label of it. */
  organisation: string;
  organisationName?: string;
  /** The step's due date. */
  dueAt: string;
  /** `escalation.raised` only: the policy's `owner` level, a reminder to the step's owner. */
  reminder?: boolean;
}

/**
 * A role's name for the message: the definition's label that came with its role id, else the id (an event from
 * before labels were sent); "onbekend" for anything that is not a role id (never text from the family's data).
 */
function roleName(id: unknown, name: unknown): string {
  const role = roleIdOrNull(id);
  if (role === null) return 'onbekend (zie het zaaksysteem)';
  return typeof name === 'string' && name.trim() ? name.replace(/\s+/g, ' ').trim() : role;
}

/**
 * After the step's label: its id in the API's spelling (an event scheduled before that spelling is translated here),
 * or for a multi-instance element its opaque ordinal.
 */
function stepRef(e: EscalationData): string {
  if (e.stepId) return ` (${publicId(e.stepId)})`;
  return typeof e.element === 'number' ? ` (onderdeel ${e.element})` : '';
}

const days = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Subject and text of the message for an envelope, or undefined for events that are not mailed. */
export function renderEmail(envelope: NotificationEnvelope): { subject: string; text: string } | undefined {
  const footer = '\nDit bericht bevat bewust geen gegevens over het gezin; de context staat in het zaaksysteem.\n-- Waakvlam';
  if (envelope.type === 'escalation.raised') {
    const e = envelope.data.escalation as EscalationData;
    // The level's label comes from the definition's policy: its `owner` level reminds the owner, every other level
    // names the role that hears it.
    const reminder = e.reminder === true;
    const owner = roleName(e.organisation, e.organisationName);
    const level = reminder ? `herinnering aan de eigenaar: ${owner}` : `niveau ${e.level}: ${roleName(e.role, e.roleName)}`;
    const stalled =
      typeof e.overdueDays === 'number' && typeof e.overdueWorkingDays === 'number'
        ? [`Staat stil:     ${days(e.overdueWorkingDays, 'werkdag', 'werkdagen')} (${days(e.overdueDays, 'kalenderdag', 'kalenderdagen')}) na de deadline`]
        : [];
    const what = reminder
      ? 'Rond de stap af, of laat de regisseur weten wat er nodig is.'
      : 'Neem een besluit in Waakvlam: een doorbraak (uitzondering, eventueel met budget), een nieuwe termijn, ' +
        'het beleggen van de stap bij een andere eigenaar, of een instructie aan de partner.';
    return {
      subject: `[Waakvlam] Escalatie ${reminder ? 'herinnering' : `niveau ${e.level}`}: "${e.stepName}" staat stil (${envelope.trajectoryId})`,
      text: [
        'Beste ontvanger,',
        '',
        `Een stap in traject ${envelope.trajectoryId} staat stil en is bij u gemeld (${level}).`,
        '',
        `Traject:        ${envelope.trajectoryId}`,
        `Stap:           ${e.stepName}${stepRef(e)}`,
        // The definition's name of the owner's role (the engine sends role ids only; an older event could hold other text).
        `Eigenaar:       ${owner}`,
        `Deadline:       ${dateNl(e.dueAt)}`,
        ...stalled,
        `Escalatie:      ${publicId(e.id)}`,
        '',
        `Gevraagd: ${what}`,
        footer,
      ].join('\n'),
    };
  }
  if (envelope.type === 'escalation.resolved') {
    const list = envelope.data.escalations as EscalationData[];
    return {
      subject: `[Waakvlam] Opgelost: "${list[0]?.stepName}" (${envelope.trajectoryId})`,
      text: [
        'Beste ontvanger,',
        '',
        `De escalatie waarover u eerder bericht kreeg, is opgelost: ${RESOLUTIONS.get(String(envelope.data.resolution)) ?? String(envelope.data.resolution)}.`,
        '',
        `Traject:        ${envelope.trajectoryId}`,
        `Stap:           ${list[0]?.stepName}${list[0] ? stepRef(list[0]) : ''}`,
        `Escalaties:     ${list.map((e) => publicId(e.id)).join(', ')}`,
        '',
        'U hoeft niets meer te doen.',
        footer,
      ].join('\n'),
    };
  }
  return undefined;
}

/** Failure type of an e-mail nobody can receive: not retried (the workflow records an incident). */
export const EMAIL_UNDELIVERABLE = 'EmailUndeliverable';

const Address = z.email();

/** The recipients that are e-mail addresses (a lookup from before the directory used Maps could hold `null`). */
export function deliverableAddresses(to: readonly unknown[]): string[] {
  return [...new Set(to.filter((a): a is string => Address.safeParse(a).success))];
}

/** Whether nodemailer's error is the SMTP server refusing every recipient for good (5xx), or there being none. */
function permanentlyRefused(err: unknown): boolean {
  const e = err as { code?: string; responseCode?: number };
  return e?.code === 'EENVELOPE' && (e.responseCode === undefined || e.responseCode >= 500);
}

/** What earlier attempts of a `sendEmail` activity did, kept in its heartbeat so a retry sends no message twice. */
interface Progress {
  /** Recipients the SMTP server accepted a message for. */
  sent: string[];
  /** Recipients the SMTP server refused for good (5xx): not tried again. */
  refused: string[];
}

/** The running activity's context, if any (the activity is also called directly, in tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** The progress an earlier attempt recorded in its last heartbeat, or none. */
function progressOf(context: Context | undefined): Progress {
  const details = context?.info.heartbeatDetails as Partial<Progress> | undefined;
  const addresses = (v: unknown) => (Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string') : []);
  return { sent: addresses(details?.sent), refused: addresses(details?.refused) };
}

/**
 * The message id for one recipient's copy: the same on every retry (mail clients recognise a duplicate), another for
 * each recipient, and without the address itself.
 */
export function messageIdFor(envelopeId: string, recipient: string): string {
  const who = createHash('sha256').update(recipient.toLowerCase()).digest('hex').slice(0, 16);
  return `<${envelopeId.replace(/[^A-Za-z0-9._:-]/g, '-')}.${who}@waakvlam>`;
}

/**
 * The `sendEmail` activity for a configuration; `undefined` config means e-mail is off. `fallback` gives the
 * address for a message none of whose recipients is an address.
 *
 * Each recipient gets a message of their own, with only their own address in `To:` (a housing corporation does not
 * learn the alderman's address from a resolution notice). The recipients done so far (sent, or refused for good) are
 * the activity's heartbeat: when one recipient fails for the time being, the others are still sent, the activity
 * fails and is retried, and the retry sends only to those not done yet. A message nobody can receive fails once, not
 * retryable ({@link EMAIL_UNDELIVERABLE}): retrying it would never succeed and would keep the trajectory's run from
 * ending.
 */
export function createEmailSender(config: EmailConfig | undefined, fallback: (municipality: string) => string | undefined = () => undefined) {
  const transport = config ? nodemailer.createTransport({ url: config.url, ...SMTP_TIMEOUTS }) : undefined;
  const budgetMs = config?.attemptBudgetMs ?? 8_000;
  return async function sendEmail(input: { envelope: NotificationEnvelope; to: string[] }): Promise<{ sent: number; refused: number }> {
    if (!transport || !config || input.to.length === 0) return { sent: 0, refused: 0 };
    const message = renderEmail(input.envelope);
    if (!message) return { sent: 0, refused: 0 };
    const to = deliverableAddresses(input.to);
    if (to.length === 0) to.push(...deliverableAddresses([fallback(input.envelope.municipality)]));
    if (to.length === 0) {
      throw ApplicationFailure.nonRetryable(`no recipient with an e-mail address for ${input.envelope.id}, and no fallback`, EMAIL_UNDELIVERABLE);
    }
    const context = activityContext();
    const progress = progressOf(context);
    let failure: unknown;
    let refusal: string | number | undefined;
    const started = Date.now();
    let tried = 0;
    for (const recipient of to) {
      if (progress.sent.includes(recipient) || progress.refused.includes(recipient)) continue;
      if (context?.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new Error('cancelled');
      // Each attempt tries at least one recipient, so every attempt makes progress.
      if (tried++ > 0 && Date.now() - started > budgetMs) {
        // Failing hands the last heartbeat (who is done) to the next attempt; ending by time-out could lose it.
        failure ??= ApplicationFailure.retryable(`the attempt's time for ${input.envelope.id} is up; the next attempt sends the rest`, 'EmailAttemptOutOfTime');
        break;
      }
      try {
        await transport.sendMail({
          from: config.from,
          to: recipient,
          subject: message.subject,
          text: message.text,
          messageId: messageIdFor(input.envelope.id, recipient),
        });
        progress.sent.push(recipient);
      } catch (err) {
        if (!permanentlyRefused(err)) {
          failure ??= err;
          continue;
        }
        refusal = (err as { responseCode?: number }).responseCode ?? 'no recipients';
        progress.refused.push(recipient);
      }
      context?.heartbeat(progress);
    }
    // Retried: the heartbeat tells the next attempt whom not to send to again.
    if (failure !== undefined) throw failure;
    if (progress.sent.length === 0) {
      throw ApplicationFailure.nonRetryable(`the SMTP server refused every recipient of ${input.envelope.id} (${refusal ?? 'earlier'})`, EMAIL_UNDELIVERABLE);
    }
    if (progress.refused.length) {
      // A directory entry the mail server does not know: say so (no addresses in the log), so it can be corrected.
      log.warn('e-mail refused for good for some recipients', { notification: input.envelope.id, refused: progress.refused.length, sent: progress.sent.length });
    }
    return { sent: progress.sent.length, refused: progress.refused.length };
  };
}
