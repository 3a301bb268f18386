/**
 * E-mail over SMTP (nodemailer) to the people the directory resolved: a plain message in Dutch that says which
 * trajectory, which step, how long it has been stalled, who owns it and what is asked, and nothing about the family.
 */
import { ApplicationFailure } from '@temporalio/activity';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import { workingDaysBetween } from '../definitions/calendar.js';
import { roleIdOrNull, type NotificationEnvelope } from './cloudevents.js';

/** SMTP settings. */
export interface EmailConfig {
  /** SMTP URL, e.g. `smtp://mail.gemeente.example:587` or `smtps://user:pass@host:465`. */
  url: string;
  /** Sender address, e.g. `Waakvlam <waakvlam@gemeente.example>`. */
  from: string;
}

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

const LEVELS = ['herinnering aan de eigenaar', 'teamleider', 'management van de betrokken organisatie', 'wethouder'];

const dateNl = (iso: string) =>
  new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: 'Europe/Amsterdam' }).format(new Date(iso));

interface EscalationData {
  id: string;
  stepId: string | null;
  stepName: string;
  level: number;
  role: string;
  organisation: string;
  dueAt: string;
}

/** Subject and text of the message for an envelope, or undefined for events that are not mailed. */
export function renderEmail(envelope: NotificationEnvelope, now = Date.now()): { subject: string; text: string } | undefined {
  const footer = '\nDit bericht bevat bewust geen gegevens over het gezin; de context staat in het zaaksysteem.\n-- Waakvlam';
  if (envelope.type === 'escalation.raised') {
    const e = envelope.data.escalation as EscalationData;
    const stalledDays = Math.max(0, Math.floor((now - Date.parse(e.dueAt)) / 86_400_000));
    const stalledWorkingDays = workingDaysBetween(Date.parse(e.dueAt), now);
    const what =
      e.level === 0
        ? 'Rond de stap af, of laat de regisseur weten wat er nodig is.'
        : 'Neem een besluit in Waakvlam: een doorbraak (uitzondering, eventueel met budget), een nieuwe termijn, ' +
          'het beleggen van de stap bij een andere eigenaar, of een instructie aan de partner.';
    return {
      subject: `[Waakvlam] Escalatie ${e.level === 0 ? 'herinnering' : `niveau ${e.level}`}: "${e.stepName}" staat stil (${envelope.trajectoryId})`,
      text: [
        'Beste ontvanger,',
        '',
        `Een stap in traject ${envelope.trajectoryId} staat stil en is bij u gemeld (${LEVELS[e.level] ?? `niveau ${e.level}`}).`,
        '',
        `Traject:        ${envelope.trajectoryId}`,
        `Stap:           ${e.stepName}${e.stepId ? ` (${e.stepId})` : ''}`,
        // A role or organisation id only (the engine sends nothing else; an older event could hold other text).
        `Eigenaar:       ${roleIdOrNull(e.organisation) ?? 'onbekend (zie het zaaksysteem)'}`,
        `Deadline:       ${dateNl(e.dueAt)}`,
        `Staat stil:     ${stalledWorkingDays} werkdagen (${stalledDays} kalenderdagen) na de deadline`,
        `Escalatie:      ${e.id}`,
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
        `Stap:           ${list[0]?.stepName}${list[0]?.stepId ? ` (${list[0].stepId})` : ''}`,
        `Escalaties:     ${list.map((e) => e.id).join(', ')}`,
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

/**
 * The `sendEmail` activity for a configuration; `undefined` config means e-mail is off. `fallback` gives the
 * address for a message none of whose recipients is an address. A message nobody can receive fails once, not
 * retryable ({@link EMAIL_UNDELIVERABLE}): retrying it would never succeed and would keep the trajectory's run from
 * ending.
 */
export function createEmailSender(config: EmailConfig | undefined, fallback: (municipality: string) => string | undefined = () => undefined) {
  const transport = config ? nodemailer.createTransport(config.url) : undefined;
  return async function sendEmail(input: { envelope: NotificationEnvelope; to: string[] }): Promise<{ sent: number }> {
    if (!transport || !config || input.to.length === 0) return { sent: 0 };
    const message = renderEmail(input.envelope);
    if (!message) return { sent: 0 };
    const to = deliverableAddresses(input.to);
    if (to.length === 0) to.push(...deliverableAddresses([fallback(input.envelope.municipality)]));
    if (to.length === 0) {
      throw ApplicationFailure.nonRetryable(`no recipient with an e-mail address for ${input.envelope.id}, and no fallback`, EMAIL_UNDELIVERABLE);
    }
    try {
      await transport.sendMail({
        from: config.from,
        to,
        subject: message.subject,
        text: message.text,
        // The same id on every retry, so mail clients recognise a duplicate.
        messageId: `<${input.envelope.id.replace(/[^A-Za-z0-9._:-]/g, '-')}@waakvlam>`,
      });
    } catch (err) {
      if (permanentlyRefused(err)) {
        const code = (err as { responseCode?: number }).responseCode ?? 'no recipients';
        throw ApplicationFailure.nonRetryable(`the SMTP server refused every recipient of ${input.envelope.id} (${code})`, EMAIL_UNDELIVERABLE);
      }
      throw err;
    }
    return { sent: to.length };
  };
}
