/**
 * The escalation ladder, one mechanism for everything that can stand still: a step, or the contact with the family.
 * A ladder counts its levels from an instant (a due date, a reassignment); each level that falls due raises an
 * escalation record and an `escalation.raised` notification, and the ladder climbs to its next level.
 */
import { addDuration } from '../../definitions/durations.js';
import type { Definition } from '../../definitions/schema.js';
import type { Core } from './core.js';
import { describeRaised } from './escalation.js';
import { notify } from './outbox.js';
import type { EscalationRecord, Ladder } from './types.js';

/** What climbs a ladder (a step, the contact watch), as its next level sees it. */
export interface Climber {
  readonly ladder: Ladder;
  /** Who is responsible for what stands still: the record's organisation, and the role of `owner` levels. */
  readonly owner: string;
  /** The due date of what stands still. */
  readonly dueAt: number;
  /** The phase the notification names. */
  readonly phase: string | null;
  /** The record's identity at `level`; called once for each level raised. */
  identify(level: number): Pick<EscalationRecord, 'id' | 'kind' | 'stepId' | 'nodeId' | 'instance' | 'stepName'>;
}

/** A ladder at its first level, counted from `from` (none when the policy does not exist). */
export function startLadder(core: Core, policyId: string, from: number): Ladder | undefined {
  const policy = core.policies.get(policyId);
  if (!policy) return undefined;
  return { policy: policyId, level: 0, from, nextAt: addDuration(from, policy.levels[0]!.after, core.calendar) };
}

/** Raises every level that is due at `now`; `climber` is asked again before each (undefined: it does not climb now). */
export function climbDue(core: Core, climber: () => Climber | undefined, now: number): void {
  for (let c = climber(); c?.ladder.nextAt !== undefined && c.ladder.nextAt <= now; c = climber()) raise(core, c, now);
}

/** The ladder's next level fires: a record, a notification, and the next level's time. */
function raise(core: Core, climber: Climber, now: number): void {
  const ladder = climber.ladder;
  const policy = core.policies.get(ladder.policy)!;
  const level = policy.levels[ladder.level]!;
  const record: EscalationRecord = {
    ...climber.identify(ladder.level),
    level: ladder.level,
    role: level.role === 'owner' ? climber.owner : level.role,
    organisation: climber.owner,
    dueAt: climber.dueAt,
    raisedAt: now,
    recipients: [],
    decisions: [],
  };
  core.state.escalations.push(record);
  notify(core, 'escalation.raised', now, { escalation: describeRaised(core, record, ladder, level.role), recordId: record.id, owner: climber.owner, phase: climber.phase });
  climb(core, ladder, policy);
}

/** The ladder moves to its next level, due `after` that level's duration from where it counts (none past the top). */
function climb(core: Core, ladder: Ladder, policy: Definition['escalationPolicies'][string]): void {
  ladder.level++;
  const next = policy.levels[ladder.level];
  ladder.nextAt = next ? addDuration(ladder.from, next.after, core.calendar) : undefined;
}

/** The ladder moves on by `elapsed` (a pause): it keeps the time it had left. */
export function shiftLadder(ladder: Ladder, elapsed: number): void {
  ladder.from += elapsed;
  if (ladder.nextAt !== undefined) ladder.nextAt += elapsed;
}
