/**
 * The Waakvlam process definition language: one zod schema, the single source of its types and its structural
 * validation. Reference checks (unknown ids, reachability, FEEL syntax…) live in `validate.ts`.
 *
 * A definition is a list of phases; each phase is a small BPMN-style flow graph of nodes, entered at `start` and
 * left through an `end` node (on to the next phase) or a `goto` node (to another phase). Node ids are unique across
 * the whole definition: they are the ids of the trajectory's steps.
 *
 * This module is pure (zod only) so that workflow code may import its types. Every field carries a description and an
 * example (`.meta`): the API's OpenAPI document shows the language from here, as the manual of whoever writes one.
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
export const Duration = z.union([
  z.string().min(1).meta({ description: 'An ISO 8601 duration, counted in calendar time in Europe/Amsterdam.', examples: ['P5D'] }),
  z.strictObject({
    workingDays: z.number().int().min(0).meta({ description: 'A number of Dutch working days (weekends and national holidays excluded; the calendar may add more).', examples: [5] }),
  }),
]);
/** A {@link Duration} where the language uses one, described for the document. */
const DurationOf = (description: string, example: Duration) => Duration.meta({ description: `${description} An ISO 8601 duration (\`P5D\`, \`P2W\`, \`PT4H\`) or \`{ "workingDays": n }\`.`, examples: [example] });
export type Duration = z.infer<typeof Duration>;

/** When a task is due: a duration from when it opens, or a FEEL expression giving a date or date-time. */
export const Due = z.union([
  Duration,
  z.strictObject({ date: Feel.meta({ description: 'A FEEL expression giving the due date or date-time.', examples: ['item.deadline'] }) }),
]);
/** When a task is due, described for the document. */
const DueOf = (example: Due) =>
  Due.meta({
    description: 'When the task is due, from when it opens: an ISO 8601 duration, `{ "workingDays": n }`, or `{ "date": "<FEEL>" }` for a date from the data.',
    examples: [example],
  });
/** An id that refers to another element of the definition, described for the document. */
const Ref = (description: string, example: string) => Id.meta({ description, examples: [example] });
/** A FEEL expression where the language uses one, described for the document. */
const FeelOf = (description: string, example: string) => Feel.meta({ description: `${description} A FEEL expression over the trajectory's data.`, examples: [example] });
/** The name of a variable in the trajectory's data. */
const Variable = (description: string, example: string) => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).meta({ description, examples: [example] });
export type Due = z.infer<typeof Due>;

const NodeBase = {
  id: Ref('The node id, unique in the whole definition: the id of the steps it opens.', 'assign-director'),
  name: Label.meta({ description: 'The label people see (Dutch in the shipped definitions).', examples: ['Regisseur toewijzen'] }).optional(),
};
/** A node's `type`, described for the document. */
const NodeType = <T extends string>(type: T, description: string) => z.literal(type).meta({ description, examples: [type] });
/** Where a node continues. */
const Next = (description = 'The node the flow continues with.', example = 'first-contact') => Ref(description, example);

/** A task for a person or organisation: opens, is due, escalates while open, closes when completed via the API. */
export const UserTask = z.strictObject({
  ...NodeBase,
  type: NodeType('userTask', 'A task for a role: opens, is due, escalates while open, closes when completed through the API.'),
  owner: Ref('Who owns the task: a role id of `roles`.', 'teamleider'),
  due: DueOf({ workingDays: 2 }),
  escalation: Ref("Its escalation policy, an id of `escalationPolicies`. Default: the definition's `defaultEscalationPolicy`.", 'standaard').optional(),
  next: Next(),
});

/** Calls a registered activity by name; its result is stored in `resultVariable` if given. */
export const ServiceTask = z.strictObject({
  ...NodeBase,
  type: NodeType('serviceTask', 'Calls a registered activity.'),
  activity: z.string().min(1).meta({ description: 'The name of a registered activity.', examples: ['lookupDirectory'] }),
  input: z
    .record(z.string(), Feel)
    .meta({ description: "The activity's input: each value a FEEL expression over the trajectory's data.", examples: [{ gemeente: 'municipality' }] })
    .optional(),
  resultVariable: Variable('The variable of the trajectory\'s data that receives the result.', 'uitkomst').optional(),
  next: Next(),
});

/** Exclusive gateway: the first branch whose condition holds, else `default`. */
export const ExclusiveGateway = z.strictObject({
  ...NodeBase,
  type: NodeType('exclusiveGateway', 'A choice: the first branch whose condition holds.'),
  branches: z
    .array(
      z.strictObject({
        when: FeelOf('The condition of the branch.', 'veiligheid = "acuut"'),
        next: Next('Where the flow goes when it holds.', 'consult-veilig-thuis'),
      }),
    )
    .min(1)
    .meta({ description: 'The branches, tried in order.' }),
  default: Next('Where the flow goes when no condition holds (an incident when there is none).', 'safety-done').optional(),
});

/** Parallel split: runs every branch; they meet again at `join`. */
export const ParallelSplit = z.strictObject({
  ...NodeBase,
  type: NodeType('parallelSplit', 'Runs every branch at once.'),
  branches: z.array(Id).min(2).meta({ description: 'The first node of each branch.', examples: [['housing', 'income', 'debts-urgency']] }),
  join: Ref('The parallel join where the branches meet again.', 'basic-security-done'),
});

/** Parallel join: waits for every branch of its split, then continues. */
export const ParallelJoin = z.strictObject({
  ...NodeBase,
  type: NodeType('parallelJoin', 'Waits for every branch of its split.'),
  next: Next('The node the flow continues with once every branch arrived.', 'stabilisation-done'),
});

/**
 * Timer: waits a `duration`, until a `date` (FEEL), or on a repeating `cycle`. A cycle timer continues to `next` at
 * each tick (the flow loops back to it) and to `done` once all `times` ticks have passed.
 */
export const Timer = z
  .strictObject({
    ...NodeBase,
    type: NodeType('timer', 'Waits: a duration, until a date, or on a repeating cycle.'),
    duration: DurationOf('How long to wait (exactly one of duration, date and cycle).', 'P2W').optional(),
    date: FeelOf('Until when to wait, a date or date-time (exactly one of duration, date and cycle).', 'datumZitting').optional(),
    cycle: z
      .strictObject({
        every: DurationOf('How long between ticks.', 'P1M'),
        times: z.number().int().min(1).meta({ description: 'How many ticks.', examples: [12] }),
      })
      .meta({ description: 'A repeating timer: the flow continues to `next` at every tick and to `done` after the last (exactly one of duration, date and cycle).' })
      .optional(),
    next: Next('Where the flow goes when the timer fires (at each tick of a cycle).', 'checkin'),
    done: Next('A cycle only: where the flow goes after the last tick.', 'aftercare-done').optional(),
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
  type: NodeType('event', 'Waits for an event from the case system.'),
  event: Ref('The event it waits for: an id of `events`.', 'plan-agreed'),
  storeAs: Variable("The variable of the trajectory's data that receives the event's payload.", 'akkoord').optional(),
  next: Next('Where the flow goes when the event arrives.', 'plan-done'),
  timeout: z
    .strictObject({
      after: DurationOf('How long to wait for it.', 'P2W'),
      next: Next('Where the flow goes when it has not arrived by then.', 'draft-plan'),
    })
    .meta({ description: 'Give up waiting after a while.' })
    .optional(),
});

/**
 * Multi-instance: one user task per element of a collection that arrives at run time (e.g. the goals of the family
 * plan). `item` is the element in the task's FEEL expressions. Continues when every task is completed.
 */
export const MultiInstance = z.strictObject({
  ...NodeBase,
  type: NodeType('multiInstance', 'One user task per element of a collection that arrives at run time.'),
  collection: FeelOf('The collection: one task per element.', 'gezinsplan.doelen'),
  task: z
    .strictObject({
      name: FeelOf("The task's label; `item` is the element.", 'item.titel'),
      owner: FeelOf('Who owns the task, giving a role id; `item` is the element (an owner that is not a role goes to the regisseur, with an incident).', 'item.eigenaar'),
      due: DueOf({ date: 'item.deadline' }),
      escalation: Ref("Its escalation policy, an id of `escalationPolicies`. Default: the definition's `defaultEscalationPolicy`.", 'standaard').optional(),
    })
    .meta({ description: 'The task opened for each element.' }),
  next: Next('Where the flow goes when every task is completed.', 'execution-joined'),
});

/** Leaves the phase for another phase (forwards, or back: re-opening an earlier phase). */
export const Goto = z.strictObject({
  ...NodeBase,
  type: NodeType('goto', 'Leaves the phase for another one.'),
  phase: Ref('The phase to go to: an id of `phases`.', 'family-plan'),
});

/** Ends the phase's flow; the trajectory moves on to the next phase (or closes after the last). */
export const End = z.strictObject({
  ...NodeBase,
  type: NodeType('end', "Ends the phase's flow: on to the next phase, or closed after the last."),
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
  id: Ref('The phase id (`afgesloten` is reserved for a closed trajectory).', 'intake'),
  name: Label.meta({ description: 'The label people see.', examples: ['Aanmelding'] }),
  entry: FeelOf('When false on arrival, the phase is skipped.', 'dreigendeSchulden = true').optional(),
  aftercare: z.boolean().meta({ description: 'Marks the aftercare phase (waakvlamcontract): entering it is announced as `aftercare.started`.', examples: [true] }).optional(),
  exit: FeelOf("When the flow has ended but this is false, the phase's flow runs again from `start`.", 'veiligheid != null').optional(),
  start: Ref('The first node of its flow.', 'assign-director'),
  nodes: z
    .array(Node)
    .min(1)
    .max(MAX_NODES_PER_DEFINITION, TOO_MANY_NODES)
    .meta({ description: `Its flow graph. At most ${MAX_NODES_PER_DEFINITION} nodes in all phases together.` }),
});
export type Phase = z.infer<typeof Phase>;

/** Where a phase jump goes: a fixed phase, or the first case whose FEEL condition holds, else `default`. */
export const PhaseTarget = z.union([
  z.strictObject({ phase: Ref('The phase to go to.', 'family-plan') }),
  z.strictObject({
    cases: z
      .array(
        z.strictObject({
          when: FeelOf('The condition; `event` is the payload.', 'event.onveilig = true'),
          phase: Ref('The phase to go to when it holds.', 'safety'),
        }),
      )
      .min(1)
      .meta({ description: 'The cases, tried in order.' }),
    default: Ref('The phase to go to when no case holds.', 'family-plan'),
  }),
]);
export type PhaseTarget = z.infer<typeof PhaseTarget>;

/** Reacts to a case-system event whatever the flow is doing, e.g. a relapse signal re-opening the trajectory. */
export const EventHandler = z.strictObject({
  event: Ref('The event it reacts to: an id of `events`.', 'relapse-signal'),
  inPhases: z.array(Id).min(1).meta({ description: 'Only while the trajectory is in one of these phases. Default: any.', examples: [['closure', 'aftercare']] }).optional(),
  when: FeelOf('Only when this holds; `event` is the payload.', 'event.onveilig = true').optional(),
  goto: PhaseTarget.meta({ description: 'Where the trajectory goes: `{ "phase": id }`, or the first of `cases` whose condition holds, else `default`.' }),
  relapse: z.boolean().meta({ description: 'The handler handles a relapse: announced as `relapse.signalled`.', examples: [true] }).optional(),
});

/** One rung of an escalation ladder: who hears, how long after the due date. */
export const EscalationLevel = z.strictObject({
  role: Ref("Who hears it: a role id of `roles`, or `owner` for the step's owner.", 'teamleider'),
  after: DurationOf("How long after the step's due date (or the contact's).", { workingDays: 5 }),
});

export const EscalationPolicy = z.strictObject({
  name: Label.meta({ description: 'The label people see.', examples: ['Standaard opschaling'] }).optional(),
  levels: z.array(EscalationLevel).min(1).meta({ description: 'The rungs of the ladder, level 0 first.' }),
});

/**
 * The trajectory-level watch: no recorded `event` (contact with the family) for `after` is a stall too, and climbs
 * the escalation ladder like an overdue step owned by `owner`.
 */
export const ContactWatch = z.strictObject({
  event: Ref('The event that records contact with the family: an id of `events`.', 'family-contact'),
  after: DurationOf('How long without contact counts as a stall.', 'P14D'),
  owner: Ref('Who keeps the contact (hears level 0): a role id of `roles`.', 'regisseur'),
  escalation: Ref("Its escalation policy, an id of `escalationPolicies`. Default: the definition's `defaultEscalationPolicy`.", 'standaard').optional(),
  inPhases: z.array(Id).min(1).meta({ description: 'Only in these phases. Default: all.', examples: [['intake', 'safety', 'stabilisation']] }).optional(),
});

export const Definition = z.strictObject({
  id: Ref('The definition id (`validate` is reserved).', 'gezinstraject'),
  version: z.number().int().min(1).meta({ description: 'Its version: a running trajectory keeps the version it started with.', examples: [1] }),
  name: Label.meta({ description: 'The name people see.', examples: ['Gezinstraject (1 gezin, 1 plan, 1 regisseur)'] }),
  description: z.string().meta({ description: 'What the process is for.', examples: ['Aanmelding, veiligheid, stabilisatie, gezinsplan, uitvoering, afsluiting en nazorg.'] }).optional(),
  roles: z
    .array(
      z.strictObject({
        id: Ref('The role id: owners and ladder roles name it.', 'regisseur'),
        name: Label.meta({ description: 'The label people see (in e-mails too).', examples: ['Regisseur'] }),
      }),
    )
    .min(1)
    .meta({ description: 'The roles and partner organisations that own tasks or hear escalations.' }),
  events: z
    .array(
      z.strictObject({
        id: Ref('The event id the case system reports.', 'family-contact'),
        name: Label.meta({ description: 'The label people see.', examples: ['Contact met het gezin'] }),
      }),
    )
    .default([])
    .meta({ description: 'The events the case system may report.' }),
  escalationPolicies: z
    .record(Id, EscalationPolicy)
    .default({})
    .meta({ description: 'Escalation ladders by id.', examples: [{ standaard: { levels: [{ role: 'owner', after: { workingDays: 0 } }, { role: 'teamleider', after: { workingDays: 5 } }] } }] }),
  defaultEscalationPolicy: Ref('The ladder of tasks (and the contact watch) that name none: an id of `escalationPolicies`.', 'standaard').optional(),
  calendar: z
    .strictObject({
      goodFriday: z.boolean().default(false).meta({ description: 'Goede Vrijdag is no working day.', examples: [true] }),
      extraClosedDays: z
        .array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'))
        .default([])
        .meta({ description: 'More days that are no working days (`YYYY-MM-DD`).', examples: [['2026-12-24']] }),
    })
    .default({ goodFriday: false, extraClosedDays: [] })
    .meta({ description: 'The working-day calendar, beyond weekends and national holidays: for working-day durations and counts.' }),
  variables: z
    .record(z.string(), z.unknown())
    .default({})
    .meta({ description: "The trajectory's initial data (the start's `data` is merged over it).", examples: [{ veiligheid: null, dreigendeSchulden: false }] }),
  phases: z.array(Phase).min(1).meta({ description: 'The phases, in order: a trajectory starts in the first and closes after the last.' }),
  eventHandlers: z.array(EventHandler).default([]).meta({ description: "Reactions to events whatever the flow is doing (a relapse signal re-opening an earlier phase)." }),
  contactWatch: ContactWatch.meta({ description: 'Contact with the family as a deadline: no recorded contact for a while climbs the ladder like an overdue task.' }).optional(),
});
export type Definition = z.infer<typeof Definition>;
/** A definition as written in a file, before defaults are applied. */
export type DefinitionInput = z.input<typeof Definition>;
