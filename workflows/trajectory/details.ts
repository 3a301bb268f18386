/**
 * What an operator reads in the Temporal Web UI without decoding JSON by hand (Temporal's user metadata): the static
 * summary a trajectory starts with, the current details the run keeps up to date (Markdown, with the Dutch labels of
 * the definition), and the one-line summaries of its timers and activities, so that the event history reads as a
 * story. Pure: types and pure helpers only, so the clients, the workflow and the tests share it.
 *
 * Labels come from the definition (phase, step, role, event names), never from the family's data: a multi-instance
 * element is named by its node and its opaque ordinal (as notifications name it), not by the name its data gave it.
 * Pause reasons are a person's own text and are shown in the current details (an operator needs the why); like every
 * payload, user metadata travels through the payload codec.
 */
import { toAmsterdamLocal } from '../../definitions/calendar.js';
import type { Definition } from '../../definitions/schema.js';
import { elementOf, type EngineState, type OpenStep, type Wait } from '../engine.js';

/** What the texts need of a trajectory's input: its pseudonymous references and its pinned definition. */
export interface DetailsInput {
  readonly caseRef: string;
  readonly municipality: string;
  readonly definition: Definition;
}

/** An instant as an operator in the Netherlands reads it: `2026-11-25 10:14` (Europe/Amsterdam). */
export function dutchTime(ms: number): string {
  const local = toAmsterdamLocal(ms);
  const hh = String(Math.floor(local.minutesOfDay / 60)).padStart(2, '0');
  const mm = String(local.minutesOfDay % 60).padStart(2, '0');
  return `${local.date} ${hh}:${mm}`;
}

/**
 * The static summary of a trajectory's start (the Web UI's list and its User Metadata tab): pseudonymous only,
 * `Gezinstraject (…) v1 · zaak ZAAK-2026-0042 · GM0363`; a re-opening says so (`· heropend`). Nothing from the data.
 */
export function trajectorySummary(input: DetailsInput, reopened = false): string {
  const { definition } = input;
  return `${oneLine(definition.name)} v${definition.version} · zaak ${input.caseRef} · ${input.municipality}${reopened ? ' · heropend' : ''}`;
}

/** The static details of a start: the same references, one per line (Markdown). */
export function trajectoryStaticDetails(input: DetailsInput): string {
  const { definition } = input;
  return [
    `**Zaak:** ${input.caseRef}`,
    `**Gemeente:** ${input.municipality}`,
    `**Proces:** ${oneLine(definition.name)} (\`${definition.id}\` versie ${definition.version})`,
    '',
    'De actuele stand staat onder *Current Details*.',
  ].join('\n');
}

/** The labels of a definition, looked up by id (an unknown id is shown as itself). */
class Labels {
  private readonly roles: Map<string, string>;
  private readonly events: Map<string, string>;
  private readonly phases: Map<string, Definition['phases'][number]>;
  /** Each node id's first node across the phases (the fallback of {@link node}). */
  private readonly nodes: Map<string, { name?: string }>;
  constructor(readonly definition: Definition) {
    this.roles = new Map(definition.roles.map((r) => [r.id, r.name]));
    this.events = new Map(definition.events.map((e) => [e.id, e.name]));
    this.phases = new Map(definition.phases.map((p) => [p.id, p] as const).reverse());
    this.nodes = new Map(definition.phases.flatMap((p) => p.nodes).map((n) => [n.id, n] as const).reverse());
  }
  role(id: string): string {
    return this.roles.get(id) ?? this.roles.get(id.trim().toLowerCase()) ?? id;
  }
  event(id: string): string {
    return this.events.get(id) ?? id;
  }
  phase(id: string | null): string {
    if (id === null) return 'afgesloten';
    return this.phases.get(id)?.name ?? id;
  }
  /** A node's name (its id when it has none), searched in `phase` first. */
  node(id: string, phase: string | null): string {
    const inPhase = phase === null ? undefined : this.phases.get(phase)?.nodes.find((n) => n.id === id);
    const node = inPhase ?? this.nodes.get(id);
    return node?.name ?? id;
  }
  /** The role that hears `level` of `policy` (`owner`: the step's owner), by name. */
  ladderRole(policy: string, level: number, owner: string): string {
    const role = this.definition.escalationPolicies[policy]?.levels[level]?.role;
    return this.role(role === undefined || role === 'owner' ? owner : role);
  }
}

/** The labels of a definition, built once per definition object (a run keeps its definition for its life). */
const labelsByDefinition = new WeakMap<Definition, Labels>();
function labelsOf(definition: Definition): Labels {
  let labels = labelsByDefinition.get(definition);
  if (!labels) labelsByDefinition.set(definition, (labels = new Labels(definition)));
  return labels;
}

/** A step as an operator may see it: the definition's name, and a multi-instance element by its ordinal. */
function stepLabel(state: EngineState, labels: Labels, step: Pick<OpenStep, 'id' | 'nodeId' | 'name' | 'phase'>): string {
  if (!step.id.includes('/')) return oneLine(step.name);
  const element = elementOf(state, { instance: true, nodeId: step.nodeId, stepId: step.id });
  return `${labels.node(step.nodeId, step.phase)} (element ${element ?? '?'})`;
}

/** The highest open escalation level of a step (undefined: none open). */
function openLevel(state: EngineState, stepId: string): number | undefined {
  let level: number | undefined;
  for (const e of state.escalations) if (e.stepId === stepId && e.resolvedAt === undefined && (level === undefined || e.level > level)) level = e.level;
  return level;
}

/**
 * The current details (Markdown, Dutch labels): phase and since when, each open step with its owner, due date and
 * escalation level, paused or not and why, what the trajectory waits for (a person, an event from the case system,
 * a timer, a service task, the contact with the family), and its open incidents.
 */
export function currentDetails(state: EngineState, input: DetailsInput): string {
  const labels = labelsOf(input.definition);
  const lines: string[] = [];
  if (state.status === 'closed') {
    lines.push(`**Status:** afgesloten${state.closedAt !== undefined ? ` op ${dutchTime(state.closedAt)}` : ''}`);
  } else {
    const entered = [...state.phaseHistory].reverse().find((e) => e.phase === state.phase && e.leftAt === undefined);
    lines.push(`**Fase:** ${labels.phase(state.phase)}${entered ? ` — sinds ${dutchTime(entered.enteredAt)}` : ''}`);
  }
  lines.push('');

  lines.push(state.paused ? `**Gepauzeerd:** ja, sinds ${dutchTime(state.paused.at)} — ${oneLine(state.paused.reason)}` : '**Gepauzeerd:** nee');
  lines.push('');

  lines.push(`**Open stappen (${state.openSteps.length})**`);
  if (!state.openSteps.length) lines.push('- geen');
  for (const step of state.openSteps) {
    const level = openLevel(state, step.id);
    const parts = [
      `eigenaar: ${labels.role(step.owner)}`,
      `termijn: ${dutchTime(step.dueAt)}`,
      `opschaling: ${level === undefined ? 'geen' : `niveau ${level} (${labels.ladderRole(step.ladder?.policy ?? '', level, step.owner)})`}`,
    ];
    if (step.ladder?.nextAt !== undefined && !step.paused) parts.push(`volgend niveau ${step.ladder.level} op ${dutchTime(step.ladder.nextAt)}`);
    if (step.paused?.scope === 'step') parts.push(`gepauzeerd sinds ${dutchTime(step.paused.at)} — ${oneLine(step.paused.reason)}`);
    lines.push(`- **${stepLabel(state, labels, step)}** · ${parts.join(' · ')}`);
  }
  lines.push('');

  const waits = waitingFor(state, labels);
  lines.push('**Wacht op**');
  if (!waits.length) lines.push(state.status === 'closed' ? '- niets (afgesloten)' : '- niets');
  for (const w of waits) lines.push(`- ${w}`);
  lines.push('');

  const incidents = state.incidents;
  lines.push(`**Incidenten (${incidents.length})**`);
  if (!incidents.length) lines.push('- geen');
  for (const i of incidents.slice(-5)) lines.push(`- ${dutchTime(i.at)} · \`${i.node}\` · ${oneLine(i.message)}`);
  if (incidents.length > 5) lines.push(`- … en ${incidents.length - 5} eerdere`);
  return lines.join('\n');
}

/** What the waiting tokens wait for, one line each (a person, an event, a timer, a service task), and the contact watch. */
function waitingFor(state: EngineState, labels: Labels): string[] {
  const out: string[] = [];
  const stopped = state.paused ? ' (staat stil: gepauzeerd)' : '';
  for (const token of state.tokens) {
    const wait: Wait | undefined = token.wait;
    if (!wait) continue;
    switch (wait.kind) {
      case 'task': {
        const steps = state.openSteps.filter((s) => wait.stepIds.includes(s.id));
        const who = [...new Set(steps.map((s) => labels.role(s.owner)))].join(', ');
        out.push(`een persoon: ${steps.map((s) => stepLabel(state, labels, s)).join(', ') || labels.node(token.node, state.phase)}${who ? ` (${who})` : ''}`);
        break;
      }
      case 'event':
        out.push(
          `gebeurtenis uit het zaaksysteem: ${labels.event(wait.event)} (\`${wait.event}\`)` +
            (wait.since !== undefined ? `, sinds ${dutchTime(wait.since)}` : '') +
            (wait.timeoutAt !== undefined ? `, uiterlijk ${dutchTime(wait.timeoutAt)}` : ', zonder uiterste termijn') +
            stopped,
        );
        break;
      case 'timer':
        out.push(`timer: ${labels.node(token.node, state.phase)}${wait.cycle ? ' (herhalend)' : ''}, op ${dutchTime(wait.at)}${stopped}`);
        break;
      case 'activity':
        out.push(`servicetaak: ${labels.node(token.node, state.phase)}`);
        break;
      case 'incident':
        out.push(`een incident bij ${labels.node(token.node, state.phase)} (zie Incidenten)`);
        break;
      case 'join':
        break;
      default:
        wait satisfies never;
    }
  }
  const contact = state.contact;
  if (contact && state.status === 'open' && (labels.definition.contactWatch?.inPhases ?? [state.phase]).includes(state.phase ?? '')) {
    const watch = labels.definition.contactWatch;
    if (watch) out.push(`contact met het gezin (${labels.event(watch.event)}): verwacht vóór ${dutchTime(contact.dueAt)}${stopped}`);
  }
  return out;
}

/** One timer the run may set, by the instant it is due. */
export interface TimerPurpose {
  readonly at: number;
  readonly summary: string;
}

/**
 * What each clock the engine waits on is for (the same clocks as its `nextTimerAt`): a step's due date (`termijn
 * <stap>`, ladder level 0), a higher escalation level (`opschaling <rol>: <stap>`), a flow timer (`timer <node>`), an
 * event's timeout (`uiterste termijn <gebeurtenis>`), the contact watch (`termijn contact met het gezin`,
 * `opschaling <rol>: contact`). None while the trajectory is paused.
 */
export function timerPurposes(state: EngineState, input: DetailsInput): TimerPurpose[] {
  if (state.paused) return [];
  const labels = labelsOf(input.definition);
  const out: TimerPurpose[] = [];
  for (const t of state.tokens) {
    if (t.wait?.kind === 'timer') out.push({ at: t.wait.at, summary: `timer ${labels.node(t.node, state.phase)}` });
    if (t.wait?.kind === 'event' && t.wait.timeoutAt !== undefined) out.push({ at: t.wait.timeoutAt, summary: `uiterste termijn ${labels.event(t.wait.event)}` });
  }
  for (const step of state.openSteps) {
    const ladder = step.ladder;
    if (step.paused || ladder?.nextAt === undefined) continue;
    const name = stepLabel(state, labels, step);
    out.push({ at: ladder.nextAt, summary: ladder.level === 0 ? `termijn ${name}` : `opschaling ${labels.ladderRole(ladder.policy, ladder.level, step.owner)}: ${name}` });
  }
  const watch = input.definition.contactWatch;
  const contact = state.contact;
  if (watch && contact?.ladder?.nextAt !== undefined && (watch.inPhases ?? [state.phase]).includes(state.phase ?? '') && state.status === 'open') {
    const ladder = contact.ladder;
    out.push({ at: ladder.nextAt!, summary: ladder.level === 0 ? 'termijn contact met het gezin' : `opschaling ${labels.ladderRole(ladder.policy, ladder.level, watch.owner)}: contact met het gezin` });
  }
  return out;
}

/** The summary of the timer set for `at`: what falls due then (several joined), or a plain `wachten tot <at>`. */
export function timerSummary(state: EngineState, input: DetailsInput, at: number): string {
  const due = [...new Set(timerPurposes(state, input).filter((p) => p.at === at).map((p) => p.summary))];
  return clip(due.length ? due.join(', ') : `wachten tot ${dutchTime(at)}`);
}

/** The summary of a notification's activity: `webhook <type>`, `melding naar <rol>` (e-mail), `ontvangers <rol>`. */
export function notificationSummary(kind: 'webhook' | 'email' | 'recipients', type: string, roleName?: string): string {
  switch (kind) {
    case 'webhook':
      return `webhook ${type}`;
    case 'email':
      return clip(`melding naar ${roleName ?? 'ontvangers'} (${type})`);
    case 'recipients':
      return clip(`ontvangers opzoeken: ${roleName ?? 'onbekend'}`);
  }
}

/** The summary of a service task's activity: `servicetaak <node> (<activity>)`. */
export function serviceTaskSummary(input: DetailsInput, phase: string | null, node: string, activity: string): string {
  return clip(`servicetaak ${labelsOf(input.definition).node(node, phase)} (${activity})`);
}

/** A label on one line (summaries are single-line). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A single-line summary, at most 200 characters. */
function clip(text: string): string {
  const line = oneLine(text);
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
