/**
 * The Waakvlam process definition language: one zod schema, the single source of its types and its structural
 * validation. Reference checks (unknown ids, reachability, FEEL syntax…) live in `validate.ts`.
 *
 * A definition is a list of phases; each phase is a small BPMN-style flow graph of nodes, entered at `start` and
 * left through an `end` node (on to the next phase) or a `goto` node (to another phase). Node ids are unique across
 * the whole definition: they are the ids of the trajectory's steps.
 *
 * This module is pure (zod only) so that workflow code may import its types.
 */
import { z } from 'zod';

/** Lower-case English identifier: `safety-assessment`, `housing`. */
export const Id = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be a lower-case id of letters, digits and single dashes, e.g. "safety-assessment"');

/** A human label (Dutch in the shipped definitions). */
export const Label = z.string().trim().min(1, 'must not be empty');

/**
 * Longest FEEL expression, in characters as written (before trimming). The shipped gezinstraject's longest is 33
 * characters: a real condition is a line. The bound keeps checking an expression cheap: feelin's parser takes up to
 * about 0.1 ms a character on hostile input up to this length, but far more than linear time beyond it (a single
 * expression of 1 000 characters can take a second; 99 000 characters of `[` took 70 s, issue #9). Longer
 * expressions are refused before any FEEL is parsed.
 */
export const MAX_FEEL_LENGTH = 200;
/** The problem of a FEEL expression longer than {@link MAX_FEEL_LENGTH}, at its path. */
export const FEEL_TOO_LONG = `a FEEL expression may have at most ${MAX_FEEL_LENGTH} characters`;

/**
 * Most FEEL text per definition: the characters of its distinct expressions together (an expression that occurs more
 * than once is checked once, and counted once). The shipped gezinstraject has 204; the densest generated definition
 * of 1 000 nodes (`mixedDefinition` in the tests: every kind of node, distinct conditions in every block) has about
 * 4 900. At the parser's worst, about 0.1 ms a character, 10 000 characters cost about a second of the validation
 * thread (`npm run bench:validate`), a fifth of its deadline. A definition with more gets one problem, at the
 * expression that crosses the limit, and none of its FEEL is parsed.
 */
export const MAX_FEEL_TEXT = 10_000;
/** The problem of a definition with more FEEL than {@link MAX_FEEL_TEXT}. */
export const TOO_MUCH_FEEL = `at most ${MAX_FEEL_TEXT} characters of FEEL per definition (its distinct expressions together); its expressions are checked once it is within the limit`;

/** A FEEL expression (the expression language of BPMN/DMN), evaluated over the trajectory's data. */
export const Feel = z.string().max(MAX_FEEL_LENGTH, FEEL_TOO_LONG).trim().min(1, 'must be a FEEL expression');

/**
 * A duration: an ISO 8601 duration string (`P5D`, `P2W`, `P1M`, `PT4H`), counted in calendar time in
 * Europe/Amsterdam, or a number of Dutch working days (weekends and national holidays excluded).
 */
export const Duration = z.union([z.string().min(1), z.strictObject({ workingDays: z.number().int().min(0) })]);
export type Duration = z.infer<typeof Duration>;

/** When a task is due: a duration from when it opens, or a FEEL expression giving a date or date-time. */
export const Due = z.union([Duration, z.strictObject({ date: Feel })]);
export type Due = z.infer<typeof Due>;

const NodeBase = {
  id: Id,
  /** Label shown to people. */
  name: Label.optional(),
};

/** A task for a person or organisation: opens, is due, escalates while open, closes when completed via the API. */
export const UserTask = z.strictObject({
  ...NodeBase,
  type: z.literal('userTask'),
  /** Role id (from `roles`) of who owns the task. */
  owner: Id,
  due: Due,
  /** Escalation policy id (from `escalationPolicies`); default: the definition's `defaultEscalationPolicy`. */
  escalation: Id.optional(),
  next: Id,
});

/** Calls a registered activity by name; its result is stored in `resultVariable` if given. */
export const ServiceTask = z.strictObject({
  ...NodeBase,
  type: z.literal('serviceTask'),
  activity: z.string().min(1),
  /** Activity input: each value a FEEL expression. */
  input: z.record(z.string(), Feel).optional(),
  resultVariable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  next: Id,
});

/** Exclusive gateway: the first branch whose condition holds, else `default`. */
export const ExclusiveGateway = z.strictObject({
  ...NodeBase,
  type: z.literal('exclusiveGateway'),
  branches: z.array(z.strictObject({ when: Feel, next: Id })).min(1),
  default: Id.optional(),
});

/** Parallel split: runs every branch; they meet again at `join`. */
export const ParallelSplit = z.strictObject({
  ...NodeBase,
  type: z.literal('parallelSplit'),
  branches: z.array(Id).min(2),
  join: Id,
});

/** Parallel join: waits for every branch of its split, then continues. */
export const ParallelJoin = z.strictObject({
  ...NodeBase,
  type: z.literal('parallelJoin'),
  next: Id,
});

/**
 * Timer: waits a `duration`, until a `date` (FEEL), or on a repeating `cycle`. A cycle timer continues to `next` at
 * each tick (the flow loops back to it) and to `done` once all `times` ticks have passed.
 */
export const Timer = z
  .strictObject({
    ...NodeBase,
    type: z.literal('timer'),
    duration: Duration.optional(),
    date: Feel.optional(),
    cycle: z.strictObject({ every: Duration, times: z.number().int().min(1) }).optional(),
    next: Id,
    done: Id.optional(),
  })
  .superRefine((t, ctx) => {
    const kinds = [t.duration, t.date, t.cycle].filter((k) => k !== undefined).length;
    if (kinds !== 1) {
      ctx.addIssue({ code: 'custom', message: 'a timer needs exactly one of "duration", "date" or "cycle"', path: [] });
    }
    if (t.cycle && !t.done) ctx.addIssue({ code: 'custom', message: 'a cycle timer needs "done": where to go after the last tick', path: ['done'] });
    if (!t.cycle && t.done) ctx.addIssue({ code: 'custom', message: '"done" belongs to cycle timers only', path: ['done'] });
  });

/** Waits for a named event from the case system; optionally gives up after a timeout. */
export const EventWait = z.strictObject({
  ...NodeBase,
  type: z.literal('event'),
  event: Id,
  /** Variable that receives the event's payload. */
  storeAs: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  next: Id,
  timeout: z.strictObject({ after: Duration, next: Id }).optional(),
});

/**
 * Multi-instance: one user task per element of a collection that arrives at run time (e.g. the goals of the family
 * plan). `item` is the element in the task's FEEL expressions. Continues when every task is completed.
 */
export const MultiInstance = z.strictObject({
  ...NodeBase,
  type: z.literal('multiInstance'),
  collection: Feel,
  task: z.strictObject({
    /** FEEL giving the task's label, e.g. `item.titel`. */
    name: Feel,
    /** FEEL giving the owner, e.g. `item.eigenaar`. */
    owner: Feel,
    due: Due,
    escalation: Id.optional(),
  }),
  next: Id,
});

/** Leaves the phase for another phase (forwards, or back: re-opening an earlier phase). */
export const Goto = z.strictObject({
  ...NodeBase,
  type: z.literal('goto'),
  phase: Id,
});

/** Ends the phase's flow; the trajectory moves on to the next phase (or closes after the last). */
export const End = z.strictObject({
  ...NodeBase,
  type: z.literal('end'),
});

export const Node = z.discriminatedUnion('type', [
  UserTask,
  ServiceTask,
  ExclusiveGateway,
  ParallelSplit,
  ParallelJoin,
  Timer,
  EventWait,
  MultiInstance,
  Goto,
  End,
]);
export type Node = z.infer<typeof Node>;
export type NodeType = Node['type'];
export const NODE_TYPES: readonly NodeType[] = [
  'userTask',
  'serviceTask',
  'exclusiveGateway',
  'parallelSplit',
  'parallelJoin',
  'timer',
  'event',
  'multiInstance',
  'goto',
  'end',
];

/**
 * Most nodes a definition may have, all phases together. The shipped gezinstraject has 36; a municipality's most
 * elaborate process is a few hundred steps at most, so 1 000 is far beyond any real one. The bound keeps validation
 * (of any definition posted to the API, by any role, and of every definition the worker loads) small: it is linear
 * in the definition's size, and at 1 000 nodes takes a few milliseconds for a chain of tasks, some tens for every
 * kind of node, about a tenth of a second for the costliest graph we know, and 1.0–1.3 s when that graph's FEEL
 * also fills {@link MAX_FEEL_TEXT} with the costliest expressions we know (`npm run bench:validate`).
 */
export const MAX_NODES_PER_DEFINITION = 1000;
/**
 * The problem a definition with too many nodes gets, at the `nodes` of the phase that crosses the limit (zod's own
 * check, per phase, gives the same). Its nodes are not checked further: neither their fields nor their flows.
 */
export const TOO_MANY_NODES = `at most ${MAX_NODES_PER_DEFINITION} nodes per definition (all phases together); its nodes are checked once it is within the limit`;

export const Phase = z.strictObject({
  id: Id,
  name: Label,
  /** FEEL condition; when false on arrival, the phase is skipped. */
  entry: Feel.optional(),
  /** Marks the aftercare phase (waakvlamcontract): entering it is announced as `aftercare.started`. */
  aftercare: z.boolean().optional(),
  /** FEEL condition; when the flow has ended but this is false, the phase's flow runs again from `start`. */
  exit: Feel.optional(),
  /** Id of the first node. */
  start: Id,
  nodes: z.array(Node).min(1).max(MAX_NODES_PER_DEFINITION, TOO_MANY_NODES),
});
export type Phase = z.infer<typeof Phase>;

/** Where a phase jump goes: a fixed phase, or the first case whose FEEL condition holds, else `default`. */
export const PhaseTarget = z.union([
  z.strictObject({ phase: Id }),
  z.strictObject({ cases: z.array(z.strictObject({ when: Feel, phase: Id })).min(1), default: Id }),
]);
export type PhaseTarget = z.infer<typeof PhaseTarget>;

/** Reacts to a case-system event whatever the flow is doing, e.g. a relapse signal re-opening the trajectory. */
export const EventHandler = z.strictObject({
  event: Id,
  /** Only while the trajectory is in one of these phases (default: any). */
  inPhases: z.array(Id).min(1).optional(),
  /** FEEL condition over the data and `event` (the payload). */
  when: Feel.optional(),
  goto: PhaseTarget,
  /** The handler handles a relapse: announced as `relapse.signalled`. */
  relapse: z.boolean().optional(),
});

/** One rung of an escalation ladder: who hears, how long after the due date. */
export const EscalationLevel = z.strictObject({
  /** Role id that hears it; `owner` means the step's owner. */
  role: Id,
  after: Duration,
});

export const EscalationPolicy = z.strictObject({
  name: Label.optional(),
  levels: z.array(EscalationLevel).min(1),
});

/**
 * The trajectory-level watch: no recorded `event` (contact with the family) for `after` is a stall too, and climbs
 * the escalation ladder like an overdue step owned by `owner`.
 */
export const ContactWatch = z.strictObject({
  event: Id,
  /** How long without contact counts as a stall. */
  after: Duration,
  /** Role that owns keeping contact (hears level 0). */
  owner: Id,
  /** Escalation policy id; default: the definition's `defaultEscalationPolicy`. */
  escalation: Id.optional(),
  /** Only in these phases (default: all). */
  inPhases: z.array(Id).min(1).optional(),
});

export const Definition = z.strictObject({
  id: Id,
  version: z.number().int().min(1),
  name: Label,
  description: z.string().optional(),
  /** Roles that own tasks or hear escalations. */
  roles: z.array(z.strictObject({ id: Id, name: Label })).min(1),
  /** Events the case system may report. */
  events: z.array(z.strictObject({ id: Id, name: Label })).default([]),
  escalationPolicies: z.record(Id, EscalationPolicy).default({}),
  defaultEscalationPolicy: Id.optional(),
  /** Working-day calendar: Goede Vrijdag as a holiday, and extra closed days (`YYYY-MM-DD`). */
  calendar: z
    .strictObject({
      goodFriday: z.boolean().default(false),
      extraClosedDays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')).default([]),
    })
    .default({ goodFriday: false, extraClosedDays: [] }),
  /** Initial trajectory data (merged with the start input's `data`). */
  variables: z.record(z.string(), z.unknown()).default({}),
  phases: z.array(Phase).min(1),
  eventHandlers: z.array(EventHandler).default([]),
  contactWatch: ContactWatch.optional(),
});
export type Definition = z.infer<typeof Definition>;
/** A definition as written in a file, before defaults are applied. */
export type DefinitionInput = z.input<typeof Definition>;
