/**
 * Escalation: the two things that climb a ladder (./ladder.ts), a stalled step and the contact watch; resolving
 * escalations; how notifications describe them (with how long a step stood still: `overdue` in
 * definitions/calendar.ts); acknowledgements and decisions.
 */
import { overdue } from '../../definitions/calendar.js';
import { addDuration } from '../../definitions/durations.js';
import { publicId, publicIdOrNull } from '../../definitions/ids.js';
import type { Core } from './core.js';
import { setDeadline } from './clocks.js';
import { climbDue, startLadder, type Climber } from './ladder.js';
import { notify } from './outbox.js';
import { EngineRejection, type Decision, type DecisionInput, type EngineState, type EscalationRecord, type Ladder, type OpenStep } from './types.js';

// ---- what climbs a ladder ----------------------------------------------------------------------------------------

/** A stalled step on its ladder. */
function stepClimber(core: Core, step: OpenStep, ladder: Ladder): Climber {
  return {
    ladder,
    // A step from a run before owners were checked may carry an owner that is no role: it escalates as the fallback's.
    owner: core.roleId(step.owner) ?? core.fallbackOwner,
    dueAt: step.dueAt,
    phase: step.phase,
    identify: (level) => {
      const id = `${step.id}@${level}`;
      return {
        // A restarted ladder raises the same level again: keep ids unique.
        id: core.state.escalations.some((e) => e.id === id) ? `${id}#${core.state.escalations.filter((e) => e.id.startsWith(id)).length + 1}` : id,
        kind: 'step',
        stepId: step.id,
        nodeId: step.nodeId,
        ...(step.item !== undefined ? { instance: true } : {}),
        // The definition's own label, never a name made from the trajectory's data (a plan goal may be sensitive).
        stepName: core.nodes.get(step.nodeId)?.node.name ?? step.nodeId,
      };
    },
  };
}

/** The contact with the family on its ladder: each climb from level 0 is a new stall. */
function contactClimber(core: Core, contact: NonNullable<EngineState['contact']>, ladder: Ladder): Climber {
  const watch = core.definition.contactWatch!;
  return {
    ladder,
    owner: watch.owner,
    dueAt: contact.dueAt,
    phase: core.state.phase,
    identify: (level) => {
      if (level === 0) contact.stalls++;
      return { id: `contact@${level}#${contact.stalls}`, kind: 'contact', stepId: null, nodeId: null, stepName: `Geen contact met het gezin (${watch.event})` };
    },
  };
}

/** Every ladder raises the levels due at `now`: the steps' (not while paused), then the contact watch's (while active). */
export function climbDueLadders(core: Core, now: number): void {
  for (const step of [...core.state.openSteps]) {
    climbDue(core, () => (!step.paused && step.ladder ? stepClimber(core, step, step.ladder) : undefined), now);
  }
  const contact = core.state.contact;
  climbDue(core, () => (contactWatchActive(core) && contact?.ladder ? contactClimber(core, contact, contact.ladder) : undefined), now);
}

// ---- the contact watch -------------------------------------------------------------------------------------------

export function contactWatchActive(core: Core): boolean {
  const watch = core.definition.contactWatch;
  if (!watch || core.state.status !== 'open' || !core.state.phase) return false;
  return !watch.inPhases || watch.inPhases.includes(core.state.phase);
}

export function resetContact(core: Core, now: number, why: string): void {
  const watch = core.definition.contactWatch;
  if (!watch) return;
  restartContact(core, addDuration(now, watch.after, core.calendar), why, now);
}

function restartContact(core: Core, dueAt: number, why: string, now: number): void {
  const watch = core.definition.contactWatch!;
  resolveEscalations(core, (e) => e.kind === 'contact', why, now);
  const policy = watch.escalation ?? core.definition.defaultEscalationPolicy;
  const ladder = policy ? startLadder(core, policy, dueAt) : undefined;
  core.state.contact = { dueAt, ...(ladder ? { ladder } : {}), stalls: core.state.contact?.stalls ?? 0, since: now };
}

// ---- resolving and describing ------------------------------------------------------------------------------------

/** Resolves matching open escalations and tells everyone who was told. */
export function resolveEscalations(core: Core, match: (e: EscalationRecord) => boolean, resolution: string, now: number): void {
  const open = core.state.escalations.filter((e) => e.resolvedAt === undefined && match(e));
  if (open.length === 0) return;
  for (const e of open) {
    e.resolvedAt = now;
    e.resolution = resolution;
  }
  notify(core, 'escalation.resolved', now, {
    escalations: open.map((e) => describe(core, e)),
    resolution,
    recipients: [...new Set(open.flatMap((e) => e.recipients))],
  });
}

/**
 * An escalation as its `escalation.raised` notification carries it: as {@link describe}, with the instant its level
 * fell due (`levelDueAt`; `dueAt` stays the step's due date), how long the step had stood still then (with the
 * definition's calendar: `overdue` in definitions/calendar.ts, in whole days), and whether the level is the policy's
 * `owner` level (a reminder to the step's owner rather than an escalation to someone above).
 */
export function describeRaised(core: Core, record: EscalationRecord, ladder: Ladder, levelRole: string): Record<string, unknown> {
  const levelDueAt = ladder.nextAt ?? record.raisedAt;
  return {
    ...describe(core, record),
    levelDueAt: new Date(levelDueAt).toISOString(),
    ...overdue(record.dueAt, levelDueAt, core.calendar),
    reminder: levelRole === 'owner',
  };
}

/**
 * An escalation as notifications carry it: ids (in the API's spelling, definitions/ids.ts, so a receiver can use
 * them in an API path), roles and the definition's labels, nothing from the data.
 */
function describe(core: Core, e: EscalationRecord): Record<string, unknown> {
  // A multi-instance element's id carries a key from the family plan: the key becomes `*<n>`, the element's opaque
  // ordinal (`goals:*2@1`, also given as `element`), and the step id is left out.
  const element = elementOf(core.state, e);
  const key = e.stepId?.replace(/#\d+$/, '') ?? '';
  return {
    id: e.instance ? publicId(`${e.nodeId}/*${element ?? ''}${key && e.id.startsWith(key) ? e.id.slice(key.length) : `@${e.level}`}`) : publicId(e.id),
    kind: e.kind,
    stepId: e.instance ? null : publicIdOrNull(e.stepId),
    ...(element !== undefined ? { element } : {}),
    node: e.nodeId,
    stepName: e.stepName,
    level: e.level,
    // Records from before owners were checked may hold other text: notifications carry role ids only, and the
    // definition's labels of those roles.
    ...roleAndName(core, 'role', e.role),
    ...roleAndName(core, 'organisation', e.organisation),
    dueAt: new Date(e.dueAt).toISOString(),
    raisedAt: new Date(e.raisedAt).toISOString(),
  };
}

/**
 * A multi-instance element's opaque reference: its position (1-based) among the elements its node has opened, in the
 * order they first opened. `state.opened` keeps that order (a JSON object's insertion order, kept by continue-as-new
 * and re-opening) and never loses a key, so the number is fixed when the element first opens and is the same in every
 * notification of it, on every retry, and when the element opens again; it says nothing of the element's data.
 */
export function elementOf(state: Pick<EngineState, 'opened'>, e: Pick<EscalationRecord, 'instance' | 'nodeId' | 'stepId'>): number | undefined {
  if (!e.instance || e.nodeId === null || e.stepId === null) return undefined;
  const base = e.stepId.replace(/#\d+$/, '');
  const position = Object.keys(state.opened).filter((k) => k.startsWith(`${e.nodeId}/`)).indexOf(base);
  return position < 0 ? undefined : position + 1;
}

/** `{ role, roleName }` (or `organisation`…): a role id of the definition and its label, never other text. */
function roleAndName(core: Core, field: 'role' | 'organisation', value: string): Record<string, string> {
  const id = core.roleId(value) ?? core.fallbackOwner;
  return { [field]: id, [`${field}Name`]: core.roleNames.get(id) ?? id };
}

// ---- what people do with an escalation ---------------------------------------------------------------------------

/** Records who an escalation reached (from the directory). */
export function recordRecipients(core: Core, escalationId: string, recipients: string[], now: number): void {
  const record = core.state.escalations.find((e) => e.id === escalationId);
  if (!record) return;
  record.recipients = recipients;
  // Resolved before the directory answered: those just told still hear that it is resolved.
  if (record.resolvedAt !== undefined && recipients.length) {
    notify(core, 'escalation.resolved', now, { escalations: [describe(core, record)], resolution: record.resolution, recipients });
  }
}

function escalationRecord(core: Core, id: string, open = true): EscalationRecord {
  if (core.state.status === 'closed') throw new EngineRejection('TrajectoryClosed', 'the trajectory is closed');
  const record = core.state.escalations.find((e) => e.id === id);
  if (!record) throw new EngineRejection('EscalationNotFound', `escalation "${id}" does not exist`);
  if (open && record.resolvedAt !== undefined) throw new EngineRejection('EscalationResolved', `escalation "${id}" is already resolved (${record.resolution})`);
  return record;
}

export function acknowledge(core: Core, escalationId: string, by: string, now: number, dryRun = false): EscalationRecord {
  const record = escalationRecord(core, escalationId);
  if (record.acknowledgedAt !== undefined) throw new EngineRejection('StateConflict', `escalation "${escalationId}" was already acknowledged by ${record.acknowledgedBy}`);
  if (dryRun) return record;
  record.acknowledgedBy = by;
  record.acknowledgedAt = now;
  return record;
}

/**
 * Records a decision on an open escalation. A new deadline resolves the step's open escalations and restarts its
 * ladder from the new due date; a reassignment resolves them and gives the new owner a fresh ladder from now;
 * a breakthrough or an instruction is recorded while the ladder keeps running until the step moves.
 */
export function decide(core: Core, escalationId: string, decision: DecisionInput, now: number, dryRun = false): EscalationRecord {
  const record = escalationRecord(core, escalationId);
  const step = record.stepId ? core.state.openSteps.find((s) => s.id === record.stepId) : undefined;
  if (!decision.reason?.trim()) throw new EngineRejection('InvalidRequest', 'a decision needs a reason');
  if (decision.type === 'new-deadline' && !(decision.dueAt > now)) throw new EngineRejection('InvalidRequest', 'the new deadline must lie in the future');
  if (decision.type === 'reassign' && (record.kind !== 'step' || !decision.owner?.trim())) {
    throw new EngineRejection('InvalidRequest', 'only a step can be reassigned, to a named owner');
  }
  // The update's validator (the dry run) refuses an owner that is not a role of the definition, without echoing
  // it. Not checked when applying: reassignments accepted before this check must replay as they ran.
  if (dryRun && decision.type === 'reassign' && !core.roles.has(decision.owner)) {
    const roles = [...core.roles];
    const listed = roles.length > 20 ? `${roles.slice(0, 20).join(', ')} and ${roles.length - 20} more` : roles.join(', ');
    throw new EngineRejection('InvalidRequest', `a step can be reassigned to a role of the definition only: ${listed}`);
  }
  if (dryRun) return record;
  record.decisions.push({ ...decision, decidedAt: now } as Decision);
  // Only the kind of decision goes out; who decided and why (free text) stay in the state, the audit trail.
  notify(core, 'escalation.decided', now, { escalation: describe(core, record), decision: { type: decision.type, decidedAt: new Date(now).toISOString() } });
  if (decision.type === 'new-deadline') {
    if (step) setDeadline(core, step, decision.dueAt, `decision on ${record.id}: ${decision.reason}`, decision.decidedBy, now);
    else if (record.kind === 'contact' && core.state.contact) restartContact(core, decision.dueAt, 'new-deadline', now);
  } else if (decision.type === 'reassign' && step) {
    step.owner = decision.owner;
    resolveEscalations(core, (e) => e.stepId === step.id, 'reassigned', now);
    if (step.ladder) step.ladder = startLadder(core, step.ladder.policy, now);
    if (step.paused) step.paused.at = now;
  }
  return record;
}
