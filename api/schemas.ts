/**
 * Request and response shapes of the API: zod is the single source of their types, their validation and the OpenAPI
 * document, which is the case-system developer's manual: every field is described, with an example.
 *
 * Responses are exact (a field not listed here is not sent), and those the engine's and the workflow's types build are
 * checked against those types at compile time (`Checked<SameShape<…>>`, here and where the routes build them), so the
 * document cannot drift from what the API sends.
 */
import { z } from 'zod';
import type { CatalogEntry } from '../clients/catalog.js';
import { publicId, publicIdOrNull, publicReason } from '../definitions/ids.js';
import type { Problem as DefinitionProblem } from '../definitions/validate.js';
import type { Decision } from '../workflows/engine.js';
import type { ClosedStepView as WorkflowClosedStepView, TrajectoryView } from '../workflows/trajectory.js';
import { FREE_FORM_LIMITS, jsonProblems } from './json-limits.js';
import type { Checked, SameShape } from './shape.js';

const FREE_FORM_RULES = `at most ${FREE_FORM_LIMITS.depth} levels deep, ${FREE_FORM_LIMITS.entries} entries per object or array, strings of at most ${FREE_FORM_LIMITS.stringLength} characters, keys of at most ${FREE_FORM_LIMITS.keyLength}, no \`__proto__\` key`;

/**
 * Free-form JSON from the case system, bounded ({@link FREE_FORM_LIMITS}): checked on the value as sent, before zod
 * copies it (a copy would drop a `__proto__` key silently). The document says what it is for, with an example.
 */
function freeForm<S extends z.ZodType>(schema: S, description: string, example: unknown) {
  return z
    .preprocess(
      (value, ctx) => {
        for (const p of jsonProblems(value, FREE_FORM_LIMITS)) ctx.addIssue({ code: 'custom', message: p.message, path: p.path, input: value });
        return value;
      },
      schema.meta({ examples: [example] }), // on the inner schema: a request body's document shows the input side
    )
    .meta({ description: `${description} Free-form JSON: ${FREE_FORM_RULES}.` });
}
/** Free-form JSON object (trajectory data, a step's output). */
const FreeFormObject = (description: string, example: Record<string, unknown>) => freeForm(z.record(z.string(), z.unknown()), description, example);

/**
 * True when the string is nine digits passing the "elfproef", i.e. could be a BSN. The API refuses such values
 * where a pseudonymous reference is expected, so a BSN never ends up in a workflow id or search attribute.
 */
export function looksLikeBsn(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const digits = [...value].map(Number);
  const sum = digits.slice(0, 8).reduce((acc, d, i) => acc + d * (9 - i), 0) - digits[8]!;
  return sum % 11 === 0;
}

/**
 * True when the text holds nine digits that pass the elfproef, written as a BSN is written: a group of exactly nine
 * digits (not part of a longer run of digits: `bsn-123456782`, `ZAAK123456782`), or in the printed groupings
 * `1234.56.782`, `123.456.782` and `123-456-782` (one separator, `.`, `-` or `_`, used throughout). Such a number could
 * be a BSN, so a case reference holding one is refused. Longer digit runs (`ZAAK-2026-0000000042`, as Open Zaak numbers
 * zaken) and other groupings (`ZAAK-2026-00042`) are not BSNs.
 */
export function containsBsn(value: string): boolean {
  const candidates = [
    ...value.matchAll(/(?<!\d)\d{9}(?!\d)/g),
    // Not inside a longer chain of digit groups (`2026-123-456-782`).
    ...value.matchAll(/(?<!\d)(?<!\d[._-])\d{4}([._-])\d{2}\1\d{3}(?!\d|[._-]\d)/g),
    ...value.matchAll(/(?<!\d)(?<!\d[._-])\d{3}([._-])\d{3}\1\d{3}(?!\d|[._-]\d)/g),
  ].map((m) => m[0].replace(/[._-]/g, ''));
  return candidates.some((digits) => digits !== '000000000' && looksLikeBsn(digits));
}

// ---- identifiers -------------------------------------------------------------------------------------------------

/** CBS municipality code, e.g. `GM0363` (Amsterdam). */
export const MunicipalityCode = z.string().regex(/^GM\d{4}$/, 'must be a CBS municipality code such as GM0363');

/** The case system's pseudonymous case reference. */
export const CaseRef = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-", starting with a letter or digit')
  .refine(
    (v) => !containsBsn(v),
    "holds nine digits that could be a BSN; send the case system's pseudonymous case reference (such as ZAAK-2026-0042), with no nine digits passing the elfproef, alone or grouped as 1234.56.782 or 123-456-782",
  );

export const DefinitionId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a lower-case definition id such as gezinstraject');

/**
 * A step id as the API spells it (definitions/ids.ts): a node id, optionally `:key` (multi-instance) and `~n`
 * (repeat), safe in a path as it is. The engine's spelling (`/key`, `#n`) is accepted too, percent-encoded in a path.
 */
export const StepId = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(?:[/:][A-Za-z0-9._-]+)?(?:[#~]\d+)?$/, 'is not a step id')
  .meta({
    description:
      'An open step of the trajectory: its node id, `:<key>` after it for an element of a multi-instance (`goals:doel-fin-7731`), `~<n>` for the n-th time a node opens (`checkin~2`); safe in a path as it is. The older spelling with `/` and `#` (`goals/doel-fin-7731`, `checkin#2`) is accepted too, percent-encoded in a path (`goals%2Fdoel-fin-7731`, `checkin%232`).',
    examples: ['assign-director'],
  });

/** Trajectory ids are `<municipality>-<caseRef>`: the business key, so a case has at most one trajectory. */
export const TrajectoryId = z
  .string()
  .regex(/^GM\d{4}-[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'is not a trajectory id')
  .meta({ description: "The trajectory's id: `<municipality>-<caseRef>`, the business key (one trajectory per case).", examples: ['GM0363-ZAAK-2026-0042'] });

export function trajectoryId(municipality: string, caseRef: string): string {
  return `${municipality}-${caseRef}`;
}

/** An escalation id as the API spells it: `<step id>@<level>` or `contact@<level>~<n>`, optionally `~n`; or in the engine's spelling. */
export const EscalationId = z
  .string()
  .regex(/^[A-Za-z0-9._/:#~*-]+@\d+(?:[#~]\d+)?$/, 'is not an escalation id')
  .meta({
    description:
      "An escalation of the trajectory: `<step id>@<level>` for a step's (`checkin~2@1`, `goals:doel-fin-7731@0`), `contact@<level>~<n>` for the n-th stall of the contact with the family; `~<n>` after it when the same level was raised again. Safe in a path as it is (`@` needs no encoding). The older spelling with `/` and `#` is accepted too, percent-encoded in a path; and for an element of a multi-instance the reference its notifications carry, `<node>:*<element>@<level>` (`goals:*2@1`).",
    examples: ['assign-director@1'],
  });

// ---- requests ----------------------------------------------------------------------------------------------------

/** Free text that must say something (not only white space). */
const Text = (max: number) => z.string().min(1).max(max).regex(/\S/, 'must not be blank');
/** Why someone acts: recorded with who (the token's subject) and when. */
const Reason = (what: string, example: string) => Text(1000).meta({ description: `Why ${what}; recorded with who did it and when.`, examples: [example] });

const ISO_INSTANT = z.iso.datetime({ offset: true });
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);
/**
 * An ISO 8601 date-time with offset, denoting an instant within the years 1970–2199 UTC (a deadline, not a typo of
 * year 10000): the instant counts, not the text, so `2199-12-31T23:59:59-12:00` (in 2200) is refused. The document
 * shows it as a `date-time` whose year lies in 1970–2199 (what a client can check); the rest is checked here.
 */
const Instant = (description: string, example: string) =>
  z
    .string()
    .refine((v) => ISO_INSTANT.safeParse(v).success, 'must be an ISO 8601 date-time with an offset, such as 2026-12-01T17:00:00+01:00')
    .regex(/^(19[7-9]\d|2[01]\d\d)-/, 'must lie between 1970 and 2199')
    .refine((v) => Date.parse(v) >= EARLIEST && Date.parse(v) < LATEST, 'must lie between 1970-01-01T00:00:00Z and 2199-12-31T23:59:59Z')
    .meta({
      format: 'date-time',
      description: `${description} An ISO 8601 date-time with an offset (\`Z\`, \`+01:00\`) denoting an instant between 1970 and 2199 (UTC).`,
      examples: [example],
    });

/** A phase id of the trajectory's definition. */
const PhaseId = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a phase id');

export const StartTrajectoryRequest = z.strictObject({
  caseRef: CaseRef.meta({
    description:
      "The case system's pseudonymous case reference: the business key, so a case has at most one trajectory. Letters, digits, `.`, `_` and `-`, at most 64 characters; nine digits that could be a BSN are refused.",
    examples: ['ZAAK-2026-0042'],
  }),
  municipality: MunicipalityCode.meta({ description: "The municipality's CBS code; must be the token's (another is a 403). Default: the token's.", examples: ['GM0363'] }).optional(),
  definitionId: DefinitionId.meta({ description: 'The process definition to run, shipped or registered by the municipality.', examples: ['gezinstraject'] }).default('gezinstraject'),
  definitionVersion: z.number().int().min(1).meta({ description: 'A version of that definition. Default: the latest.', examples: [1] }).optional(),
  data: FreeFormObject("Initial trajectory data, merged over the definition's `variables`; pseudonymous only.", { dreigendeSchulden: true }).optional(),
});
export type StartTrajectoryRequest = z.infer<typeof StartTrajectoryRequest>;

// Who acts is never in a body: the API records the token's subject (`sub`).

export const CloseTrajectoryRequest = z.strictObject({
  reason: z.string().min(1).max(500).regex(/\S/, 'must not be blank').meta({ description: 'Why the trajectory closes; recorded with who closed it and when.', examples: ['gezin verhuisd naar andere gemeente'] }),
});

export const ReopenTrajectoryRequest = z.strictObject({
  phase: PhaseId.meta({ description: "The phase to re-open into, a phase id of the trajectory's definition. Default: the phase it was in when it closed.", examples: ['family-plan'] }).optional(),
  reason: z.string().min(1).max(500).regex(/\S/, 'must not be blank').meta({ description: 'Why the trajectory re-opens; recorded with who re-opened it and when.', examples: ['terugval: nieuwe betalingsachterstand huur'] }),
});

export const CompleteStepRequest = z.strictObject({
  output: FreeFormObject("What the step produced, merged into the trajectory's data (conditions further on read it).", { veiligheid: 'sociaal-economisch' }).optional(),
});

export const ReportEventRequest = z.strictObject({
  event: z.string().min(1).max(64).meta({ description: "An event id of the trajectory's definition (400 with the known ones otherwise).", examples: ['family-contact'] }),
  payload: freeForm(z.unknown(), 'Data with the event; a wait with `storeAs` keeps it, a handler reads it as `event`.', { onveilig: false }).optional(),
});

const DecidedReason = Reason('the decision is taken', 'huisuitzetting dreigt; doorbraak nodig');

export const AcknowledgeRequest = z.strictObject({});

export const DecisionRequest = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('breakthrough').meta({ description: 'A breakthrough: an exception is made; the ladder runs on until the step moves.', examples: ['breakthrough'] }),
      budget: z.number().nonnegative().meta({ description: 'Budget made available for it, in euros.', examples: [2500] }).optional(),
      mandateHolder: z.string().min(1).max(128).meta({ description: 'Who holds the mandate for the exception: a function or role, never a name.', examples: ['wethouder'] }).optional(),
      reason: DecidedReason,
    })
    .meta({ description: 'Break through: make an exception (doorbraak).' }),
  z
    .strictObject({
      type: z.literal('new-deadline').meta({ description: "A new deadline: the step's (or the contact's) open escalations are resolved and its ladder restarts from it.", examples: ['new-deadline'] }),
      dueAt: Instant('The new deadline; it must lie in the future (422 otherwise).', '2026-12-01T17:00:00+01:00'),
      reason: DecidedReason,
    })
    .meta({ description: 'Give the step (or the contact) a new deadline.' }),
  z
    .strictObject({
      type: z.literal('reassign').meta({ description: "A reassignment: the step gets another owner, with a fresh ladder from now (a step's escalation only).", examples: ['reassign'] }),
      owner: z
        .string()
        .max(64)
        .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be the id of a role of the trajectory\'s definition, e.g. "teamleider" or "woningcorporatie"')
        .meta({ description: "The new owner: a role id of the trajectory's definition (a role or partner organisation), never a person's name (422 otherwise).", examples: ['woningcorporatie'] }),
      reason: DecidedReason,
    })
    .meta({ description: 'Give the step another owner.' }),
  z
    .strictObject({
      type: z.literal('instruction').meta({ description: 'An instruction to the partner; the ladder runs on until the step moves.', examples: ['instruction'] }),
      text: Text(2000).meta({ description: 'The instruction.', examples: ['Plan binnen vijf werkdagen een huisbezoek met het gezin.'] }),
      reason: DecidedReason,
    })
    .meta({ description: 'Instruct the partner that owns the step.' }),
]);

export const PauseRequest = z.strictObject({
  stepId: StepId.meta({ description: "The open step whose clock stops. Without it, every clock of the trajectory stops (opschorting): step deadlines, ladders, flow timers, the contact watch.", examples: ['safety-assessment'] }).optional(),
  reason: Reason('the clock stops', 'gezin drie weken in het buitenland'),
});
export const ResumeRequest = z.strictObject({
  stepId: StepId.meta({ description: 'The paused step to resume. Without it, the whole trajectory resumes.', examples: ['safety-assessment'] }).optional(),
});
export const RescheduleRequest = z.strictObject({
  dueAt: Instant("The step's new deadline; it must lie in the future (422 otherwise). The ladder restarts from it.", '2026-12-01T17:00:00+01:00'),
  reason: Reason('the deadline moves', 'wachten op uitspraak rechtbank'),
});

/** Filters for listing trajectories; served from Temporal's visibility store (search attributes). */
export const ListTrajectoriesQuery = z.strictObject({
  municipality: MunicipalityCode.meta({ description: "The municipality's CBS code; must be the token's (another is a 403). Default: the token's.", examples: ['GM0363'] }).optional(),
  definitionId: DefinitionId.meta({ description: 'Only trajectories of this definition.', examples: ['gezinstraject'] }).optional(),
  phase: PhaseId.meta({ description: 'Only trajectories in this phase (a phase id of their definition; `afgesloten` for closed ones).', examples: ['stabilisation'] }).optional(),
  overdue: z.literal('true').meta({ description: '`true`: only open trajectories with an open step past its due date (stalled).', examples: ['true'] }).optional(),
  minEscalationLevel: z.coerce
    .number()
    .int()
    .min(0)
    .max(20)
    .meta({ description: "Only open trajectories with an open escalation at this ladder level or higher (0: any, the owner's reminder included).", examples: [1] })
    .optional(),
  deadlineBefore: Instant('Only open trajectories with an open step due before this instant (with `overdue`, both hold).', '2026-12-01T00:00:00+01:00').optional(),
  status: z.enum(['open', 'closed']).meta({ description: 'Only open or only closed trajectories.', examples: ['open'] }).optional(),
  limit: z.coerce.number().int().min(1).max(200).meta({ description: 'At most this many trajectories.', examples: [50] }).default(50),
});

/** The escalation inbox of a role in the token's municipality. */
export const InboxQuery = z.strictObject({
  role: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'must be a role id')
    .meta({ description: "Only escalations heard by this ladder role. Default: every role the token answers (a manager's `escalation_roles`, else all).", examples: ['teamleider'] })
    .optional(),
  state: z
    .enum(['open', 'acknowledged', 'decided'])
    .meta({ description: '`open`: not yet acknowledged; `acknowledged`: seen, not decided; `decided`: decided, but the step has not moved yet (e.g. an instruction).', examples: ['open'] })
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).meta({ description: 'At most this many escalations.', examples: [50] }).default(50),
});

/** Which version of a definition to read. */
export const DefinitionVersionQuery = z.strictObject({
  version: z.coerce.number().int().min(1).meta({ description: 'The version to read. Default: the latest.', examples: [1] }).optional(),
});

/**
 * A process definition as posted. The route hands it to the definition validator, which applies the language's zod
 * schema ({@link Definition}, which the OpenAPI document shows) and then checks every reference, reporting all
 * problems at once with their paths and suggestions.
 */
export const DefinitionDocument = z.record(z.string(), z.unknown());
export { Definition as DefinitionSchema } from '../definitions/schema.js';

// ---- responses ---------------------------------------------------------------------------------------------------
// Exact: a response has the fields listed here and no others (additionalProperties: false in the document), and the
// ones built from the workflow's view are checked against it at compile time (below).

/** An instant the API reports: ISO 8601 in UTC. */
const At = (description: string, example = '2026-11-22T09:14:03.120Z') => z.string().meta({ format: 'date-time', description, examples: [example] });
const Who = (description: string, example = 'regisseur-1') => z.string().meta({ description: `${description} (a token's subject: a pseudonymous user or system reference).`, examples: [example] });
const Link = (description: string, example: string) => z.string().meta({ description, examples: [example] });
const SelfLink = (example: string) => z.strictObject({ self: Link('Where it is.', example) }).meta({ description: 'Links.' });
const Role = (description: string, example = 'teamleider') => z.string().meta({ description: `${description} (a role id of the trajectory's definition).`, examples: [example] });
const Count = (description: string, example: number) => z.number().int().min(0).meta({ description, examples: [example] });

export const ProblemResponse = z
  .looseObject({
    type: z.string().meta({ description: 'The kind of problem, a relative URI `/problems/<kind>` (see `x-problem-types`).', examples: ['/problems/conflict'] }),
    title: z.string().meta({ description: 'A short summary of the kind of problem, the same for every occurrence.', examples: ['The request conflicts with the current state'] }),
    status: z.number().int().meta({ description: 'The HTTP status code.', examples: [409] }),
    detail: z.string().meta({ description: 'What went wrong here, for a person to read.', examples: ['step "assign-director" is already closed'] }).optional(),
    instance: z.string().meta({ description: 'The request path (without the query).', examples: ['/v1/trajectories/GM0363-ZAAK-2026-0042/steps/assign-director/complete'] }).optional(),
    errors: z
      .array(
        z.strictObject({
          path: z.string().meta({ description: 'Where in the request: `/body/...`, `/query/...` or `/params/...` and the JSON pointer into it.', examples: ['/body/caseRef'] }),
          message: z.string().meta({ description: 'What is wrong with it.', examples: ['may contain only letters, digits, ".", "_" and "-", starting with a letter or digit'] }),
        }),
      )
      .meta({ description: 'Invalid requests (400) and refused definitions (422): every problem at once, each with its path.' })
      .optional(),
    existing: z
      .string()
      .meta({ description: 'A start of a case that has a trajectory already (409): where that trajectory is.', examples: ['/v1/trajectories/GM0363-ZAAK-2026-0042'] })
      .optional(),
  })
  .meta({ description: 'RFC 9457 problem details: the one format of every error.' });

export const HealthResponse = z.strictObject({
  status: z.literal('ok').meta({ description: 'The process answers.', examples: ['ok'] }),
  temporal: z.literal('reachable').meta({ description: 'Readiness only: the Temporal server answered.', examples: ['reachable'] }).optional(),
});

export const TrajectoryCreated = z.strictObject({ id: TrajectoryId, links: SelfLink('/v1/trajectories/GM0363-ZAAK-2026-0042') });

/** A person's or system's pause of a clock: since when, why, by whom. */
const PauseView = (what: string) =>
  z
    .strictObject({
      since: At('When the clock stopped.', '2026-11-23T10:00:00.000Z'),
      reason: z.string().meta({ description: 'Why.', examples: ['gezin drie weken in het buitenland'] }),
      by: Who('Who stopped it'),
    })
    .meta({ description: `Set while ${what} clock stands still (opschorting).` });

const Reschedules = z
  .array(
    z.strictObject({
      at: At('When the deadline moved.', '2026-11-24T08:30:00.000Z'),
      from: At('The deadline before.', '2026-11-25T09:14:03.120Z'),
      to: At('The deadline after.', '2026-12-01T16:00:00.000Z'),
      reason: z.string().meta({ description: 'Why it moved.', examples: ['wachten op uitspraak rechtbank'] }),
      by: Who('Who moved it'),
    }),
  )
  .meta({ description: "Every change of the step's deadline, oldest first (only once it changed)." });

/** What open and closed steps share: the step and its deadline. */
const StepFields = {
  id: StepId.meta({
    description: 'The step id: its node id, `:<key>` after it for an element of a multi-instance, `~<n>` for the n-th time the node opens; safe in a path as it is.',
    examples: ['assign-director'],
  }),
  nodeId: z.string().meta({ description: "The node of the definition it was opened for.", examples: ['assign-director'] }),
  name: z.string().meta({ description: 'Its label.', examples: ['Regisseur toewijzen'] }),
  owner: Role('Who owns it', 'teamleider'),
  phase: z.string().meta({ description: 'The phase it belongs to.', examples: ['intake'] }),
  escalation: z.string().meta({ description: "Its escalation policy (an id of the definition's `escalationPolicies`), when it has one.", examples: ['standaard'] }).optional(),
  item: z.unknown().meta({ description: 'The element of the multi-instance collection the step was opened for.', examples: [{ id: 'doel-fin-7731', titel: 'Schulden in beeld', eigenaar: 'schuldhulpverlening' }] }).optional(),
  openedAt: At('When it opened.'),
  dueAt: At('When it is due (moved on by pauses and new deadlines).', '2026-11-25T09:14:03.120Z'),
  reschedules: Reschedules.optional(),
};

export const StepView = z.strictObject({
  ...StepFields,
  openForSeconds: Count('How long it has been open, in seconds, at the time of the request.', 86_400),
  nextEscalation: z
    .strictObject({
      level: Count('The ladder level that is raised next (0: the owner).', 1),
      at: At('When.', '2026-12-02T09:14:03.120Z'),
    })
    .meta({ description: 'The next rung of its escalation ladder, when there is one.' })
    .optional(),
  paused: PauseView("the step's").optional(),
});

export const ClosedStepView = z.strictObject({
  ...StepFields,
  outcome: z.enum(['completed', 'cancelled']).meta({ description: '`completed` through the API, or `cancelled` (the trajectory closed, or the flow moved on without it).', examples: ['completed'] }),
  closedAt: At('When it closed.', '2026-11-24T13:02:11.500Z'),
  closedBy: z.string().meta({ description: "Who completed it (the token's subject), or why it was cancelled.", examples: ['regisseur-1'] }),
  output: z.record(z.string(), z.unknown()).meta({ description: "What the step produced (merged into the trajectory's data).", examples: [{ veiligheid: 'sociaal-economisch' }] }).optional(),
});

/** What every decision records. */
const DecisionRecord = {
  decidedBy: Who('Who decided', 'teamleider-3'),
  decidedAt: At('When.', '2026-12-02T11:20:00.000Z'),
  reason: z.string().meta({ description: 'Why.', examples: ['huisuitzetting dreigt; doorbraak nodig'] }),
};
export const DecisionView = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('breakthrough').meta({ description: 'A breakthrough: an exception was made.', examples: ['breakthrough'] }),
    budget: z.number().meta({ description: 'Budget made available, in euros.', examples: [2500] }).optional(),
    mandateHolder: z.string().meta({ description: 'Who holds the mandate for the exception.', examples: ['wethouder'] }).optional(),
    ...DecisionRecord,
  }),
  z.strictObject({
    type: z.literal('new-deadline').meta({ description: 'A new deadline.', examples: ['new-deadline'] }),
    dueAt: At('The new deadline.', '2026-12-09T17:00:00.000Z'),
    ...DecisionRecord,
  }),
  z.strictObject({
    type: z.literal('reassign').meta({ description: 'A reassignment.', examples: ['reassign'] }),
    owner: Role('The new owner', 'woningcorporatie'),
    ...DecisionRecord,
  }),
  z.strictObject({
    type: z.literal('instruction').meta({ description: 'An instruction to the partner.', examples: ['instruction'] }),
    text: z.string().meta({ description: 'The instruction.', examples: ['Plan binnen vijf werkdagen een huisbezoek met het gezin.'] }),
    ...DecisionRecord,
  }),
]);

export const EscalationView = z.strictObject({
  id: EscalationId.meta({
    description: "The escalation's id: `<step id>@<level>`, or `contact@<level>~<n>` for the contact watch's n-th stall; `~<n>` after it when the same level was raised again. Safe in a path as it is.",
    examples: ['assign-director@1'],
  }),
  kind: z.enum(['step', 'contact']).meta({ description: '`step`: a step is past its due date; `contact`: no contact with the family for too long (the contact watch).', examples: ['step'] }),
  stepId: z.string().nullable().meta({ description: 'The stalled step (its id as in `openSteps`); null for the contact watch.', examples: ['assign-director'] }),
  nodeId: z.string().nullable().meta({ description: "The definition's node of the stalled step; null for the contact watch.", examples: ['assign-director'] }),
  instance: z.boolean().meta({ description: 'True when the step is an element of a multi-instance (its id then carries data of the trajectory).', examples: [true] }).optional(),
  element: Count("A multi-instance element's opaque ordinal (the order in which its node first opened the elements), fixed for the trajectory's life: its notifications name the escalation `<node>:*<element>@<level>` instead of the id, which carries data.", 2).optional(),
  stepName: z.string().meta({ description: "The stalled step's label (or the contact watch's).", examples: ['Regisseur toewijzen'] }),
  level: Count('The ladder level (0: the owner is reminded; then up the ladder).', 1),
  role: Role('Who hears this level: the ladder\'s role, `owner` resolved to the step\'s owner'),
  organisation: Role('The role or organisation responsible for the stalled step', 'teamleider'),
  dueAt: At('When the stalled step (or the contact) was due.', '2026-11-25T09:14:03.120Z'),
  raisedAt: At('When this level was raised.', '2026-12-02T09:14:03.120Z'),
  recipients: z
    .array(z.string().meta({ description: 'An e-mail address from the directory.', examples: ['teamleider.noord@gemeente.example'] }))
    .meta({ description: "Who was told by e-mail: the directory's holders of the role and their deputies (empty until the directory answered, or when it knows nobody).", examples: [['teamleider.noord@gemeente.example']] }),
  acknowledgedBy: Who('Who acknowledged it', 'teamleider-3').optional(),
  acknowledgedAt: At('When it was acknowledged.', '2026-12-02T10:05:00.000Z').optional(),
  decisions: z.array(DecisionView).meta({ description: 'The decisions on it, oldest first.' }),
  resolvedAt: At('When it was resolved (the step moved, a new deadline, a reassignment, closure…).', '2026-12-03T15:40:00.000Z').optional(),
  resolution: z
    .string()
    .meta({ description: 'Why it was resolved: `step-completed`, `step-cancelled`, `new-deadline`, `reassigned`; for the contact watch `contact-recorded`, `watch-ended` or `trajectory-closed`.', examples: ['step-completed'] })
    .optional(),
});

export const TrajectoryState = z.strictObject({
  id: TrajectoryId,
  caseRef: z.string().meta({ description: "The case system's case reference.", examples: ['ZAAK-2026-0042'] }),
  municipality: z.string().meta({ description: "The municipality's CBS code.", examples: ['GM0363'] }),
  definition: z
    .strictObject({
      id: z.string().meta({ description: 'Its id.', examples: ['gezinstraject'] }),
      version: z.number().int().meta({ description: 'The version the trajectory runs, for its whole life.', examples: [1] }),
      name: z.string().meta({ description: 'Its name.', examples: ['Gezinstraject (1 gezin, 1 plan, 1 regisseur)'] }),
      calendar: z
        .strictObject({
          goodFriday: z.boolean().meta({ description: 'Goede Vrijdag is no working day.', examples: [true] }),
          extraClosedDays: z
            .array(z.string().meta({ description: 'A local date (Europe/Amsterdam), `YYYY-MM-DD`.', examples: ['2026-12-24'] }))
            .meta({ description: 'More days that are no working days.', examples: [['2026-12-24']] }),
        })
        .meta({
          description:
            "Its working-day calendar beyond weekends and national holidays: what the engine counts working days with (deadlines, the escalation ladder, and how long a step stood still, in notifications and in the inbox). Absent only for a trajectory whose last run ended before the state carried it.",
        })
        .optional(),
    })
    .meta({ description: 'The process definition it runs.' }),
  status: z.enum(['open', 'closed']).meta({ description: 'Open, or closed (it can be re-opened).', examples: ['open'] }),
  phase: z
    .strictObject({
      id: z.string().meta({ description: 'Its id.', examples: ['intake'] }),
      name: z.string().meta({ description: 'Its label.', examples: ['Aanmelding'] }),
      since: At('Since when the trajectory is in it.'),
    })
    .nullable()
    .meta({ description: 'The phase it is in; null once closed.' }),
  startedAt: At('When it started.'),
  startedBy: Who('Who started it').optional(),
  closedAt: At('When it closed.', '2027-05-10T14:00:00.000Z').optional(),
  closeReason: z.string().meta({ description: 'Why it closed: the reason given, or how its flow ended.', examples: ['gezin verhuisd naar andere gemeente'] }).optional(),
  closedBy: Who('Who closed it').optional(),
  openSteps: z.array(StepView).meta({ description: 'The open steps, with owner, deadline, how long open, the next escalation and any pause.' }),
  completedSteps: z.array(ClosedStepView).meta({ description: 'The completed steps, with who completed them and when, oldest first.' }),
  cancelledSteps: Count('How many steps were cancelled (closure, or the flow moved on).', 0),
  familyPlan: z.unknown().meta({ description: 'The family plan, as the flow recorded it in `gezinsplan`; null before.', examples: [{ doelen: [{ id: 'doel-fin-7731', titel: 'Schulden in beeld', leefgebied: 'financien', eigenaar: 'schuldhulpverlening', deadline: '2027-02-01' }] }] }),
  data: z.record(z.string(), z.unknown()).meta({ description: "The trajectory's data: the definition's variables, the start's data and what steps produced.", examples: [{ veiligheid: null, dreigendeSchulden: true }] }),
  phaseHistory: z
    .array(
      z.strictObject({
        phase: z.string().meta({ description: 'The phase.', examples: ['intake'] }),
        enteredAt: At('When it was entered.'),
        leftAt: At('When it was left.', '2026-11-29T11:00:00.000Z').optional(),
        reason: z.string().meta({ description: 'Why it was entered: `start`, `flow` (the previous phase ended), `goto:<node>`, `event:<event>` (a handler), `reopened`, `repeat: exit condition not met`, or `skipped` (its entry condition was false).', examples: ['start'] }),
      }),
    )
    .meta({ description: 'Every phase entered, oldest first.' }),
  events: z
    .array(
      z.strictObject({
        event: z.string().meta({ description: 'The event id.', examples: ['family-contact'] }),
        at: At('When it was reported.', '2026-11-24T15:30:00.000Z'),
        reportedBy: Who('Who reported it').optional(),
        effect: z.enum(['handler', 'delivered', 'recorded']).meta({ description: 'What it did: `handler` (moved the trajectory to another phase), `delivered` (resumed a wait), `recorded` (nothing else).', examples: ['recorded'] }),
      }),
    )
    .meta({ description: 'The events reported, oldest first (the most recent ones; `lastEventAt` keeps every event\'s last time).' }),
  lastEventAt: z
    .record(z.string(), z.string())
    .meta({ description: 'When each event was last reported, by event id (ISO 8601).', examples: [{ 'family-contact': '2026-11-24T15:30:00.000Z' }] }),
  incidents: z
    .array(
      z.strictObject({
        at: At('When.', '2026-11-26T02:00:00.000Z'),
        node: z.string().meta({ description: 'The node (or `reopen`) it happened at.', examples: ['goals'] }),
        message: z.string().meta({ description: 'What happened.', examples: ['owner "Mevrouw X" is not a role of the definition; the task goes to the regisseur'] }),
      }),
    )
    .meta({ description: 'What went wrong in the flow and needs a person to look (a failed service task, an owner that is not a role…), oldest first.' }),
  nextDeadline: At('The earliest due date of its open steps.', '2026-11-25T09:14:03.120Z').optional(),
  escalations: z.array(EscalationView).meta({ description: 'Every escalation, open and resolved, with its decisions: the audit trail.' }),
  paused: PauseView("the whole trajectory's").optional(),
  contactDueAt: At('When contact with the family is next due (the contact watch).', '2026-12-08T15:30:00.000Z').optional(),
  reopenings: z
    .array(
      z.strictObject({
        at: At('When it was re-opened.', '2027-06-01T09:00:00.000Z'),
        by: Who('Who re-opened it'),
        reason: z.string().meta({ description: 'Why.', examples: ['terugval: nieuwe betalingsachterstand huur'] }),
        phase: z.string().meta({ description: 'The phase it was re-opened into.', examples: ['family-plan'] }),
        closedAt: At('When it had been closed.', '2027-05-10T14:00:00.000Z'),
        closeReason: z.string().meta({ description: 'Why it had been closed.', examples: ['waakvlamcontract afgerond'] }),
        closedBy: Who('Who had closed it').optional(),
      }),
    )
    .meta({ description: 'Every re-opening after a closure, oldest first (only once re-opened).' })
    .optional(),
  runs: Count('How often it continued as new or was re-opened (each starts a new workflow run).', 0),
  waitingFor: z
    .array(
      z.strictObject({
        kind: z
          .enum(['person', 'event', 'timer', 'activity', 'incident'])
          .meta({ description: 'What the branch waits for: `person` (its open steps), `event` (from the case system), `timer`, `activity` (a service task), `incident` (a person to look at one).', examples: ['event'] }),
        node: z.string().meta({ description: "The definition's node the branch stands at.", examples: ['await-agreement'] }),
        since: At('Since when it waits (a person: since the earliest of its open steps opened).', '2026-12-01T10:00:00.000Z').optional(),
        owners: z.array(Role('Who owns one of its open steps')).meta({ description: 'A person: the role ids that own the open steps.', examples: [['regisseur']] }).optional(),
        event: z.string().meta({ description: 'An event: its id (`events` of the definition).', examples: ['plan-agreed'] }).optional(),
        timeoutAt: At('An event: when the wait gives up and takes its timeout path; absent when it waits without end.', '2026-12-15T10:00:00.000Z').optional(),
        at: At('A timer: when it fires.', '2026-12-15T10:00:00.000Z').optional(),
        cycle: z.boolean().meta({ description: 'A timer: it repeats (a cycle).', examples: [true] }).optional(),
      }),
    )
    .meta({
      description:
        'What each waiting branch of the flow waits for: ids and times, nothing from the data. While the whole trajectory is paused its timers and timeouts stand still (the instants move on by the time paused at resume). Absent only for a trajectory whose last run ended before the state carried it.',
    })
    .optional(),
});

export const TrajectorySummary = z.strictObject({
  id: TrajectoryId,
  status: z.enum(['open', 'closed']).meta({ description: 'Open or closed.', examples: ['open'] }),
  municipality: z.string().nullable().meta({ description: "The municipality's CBS code.", examples: ['GM0363'] }),
  caseRef: z.string().nullable().meta({ description: "The case system's case reference.", examples: ['ZAAK-2026-0042'] }),
  definition: z
    .strictObject({
      id: z.string().nullable().meta({ description: 'Its id.', examples: ['gezinstraject'] }),
      version: z.number().nullable().meta({ description: 'Its version.', examples: [1] }),
    })
    .meta({ description: 'The process definition it runs.' }),
  phase: z.string().nullable().meta({ description: 'The phase it is in (`afgesloten` once closed).', examples: ['intake'] }),
  openSteps: Count('How many steps are open.', 1),
  nextDeadline: z.string().nullable().meta({ format: 'date-time', description: 'The earliest due date of its open steps; null when none.', examples: ['2026-11-25T09:14:03.120Z'] }),
  escalationLevel: z
    .number()
    .int()
    .nullable()
    .meta({ description: "The highest ladder level of its open escalations (0: the owner's reminder); null when nothing is escalated.", examples: [1] }),
  links: SelfLink('/v1/trajectories/GM0363-ZAAK-2026-0042'),
});
export const TrajectoryList = z.strictObject({
  items: z.array(TrajectorySummary).meta({ description: 'The trajectories, newest first: each once, as it is now.' }),
  count: Count('How many items.', 1),
});

export const EventAccepted = z.strictObject({
  accepted: z.literal(true).meta({ description: 'The event was handed to the trajectory, which processes it right after.', examples: [true] }),
  event: z.string().meta({ description: 'The event id.', examples: ['family-contact'] }),
});

export const InboxItem = EscalationView.extend({
  trajectoryId: TrajectoryId,
  state: z
    .enum(['open', 'acknowledged', 'decided'])
    .meta({ description: '`open`: not yet acknowledged; `acknowledged`: seen, not decided; `decided`: decided, but the step has not moved yet.', examples: ['open'] }),
  overdueDays: z
    .number()
    .int()
    .min(0)
    .meta({
      description:
        'How long the step (or the contact with the family) has stood still past its due date at the time of the request: the calendar days (Europe/Amsterdam dates) after the due date, up to and including today; 0 on the due date itself. The escalation\'s e-mail and webhook give the same count for the instant the level fell due.',
      examples: [8],
    }),
  overdueWorkingDays: z
    .number()
    .int()
    .min(0)
    .meta({ description: "Of overdueDays, the working days by the calendar of the trajectory's definition (weekends, national holidays, Goede Vrijdag and extra closed days when the definition says so, excluded).", examples: [6] }),
  links: z
    .strictObject({
      trajectory: Link('The trajectory.', '/v1/trajectories/GM0363-ZAAK-2026-0042'),
      acknowledge: Link('Acknowledge it (POST).', '/v1/trajectories/GM0363-ZAAK-2026-0042/escalations/assign-director@1/acknowledge'),
      decide: Link('Decide on it (POST).', '/v1/trajectories/GM0363-ZAAK-2026-0042/escalations/assign-director@1/decisions'),
    })
    .meta({ description: 'Links to act on it.' }),
});
export const Inbox = z.strictObject({
  items: z.array(InboxItem).meta({ description: 'The unresolved escalations, oldest first.' }),
  count: Count('How many items.', 1),
  truncated: z.boolean().meta({ description: 'True when more trajectories have open escalations than one request reads: narrow by `role` or `state`.', examples: [false] }),
});

export const DefinitionSummary = z.strictObject({
  id: z.string().meta({ description: "The definition's id.", examples: ['gezinstraject'] }),
  name: z.string().meta({ description: 'The name of its latest version.', examples: ['Gezinstraject (1 gezin, 1 plan, 1 regisseur)'] }),
  versions: z
    .array(
      z.strictObject({
        version: z.number().int().meta({ description: 'The version.', examples: [1] }),
        source: z.enum(['shipped', 'registered']).meta({ description: '`shipped` with Waakvlam (for every municipality), or `registered` by the municipality itself.', examples: ['shipped'] }),
        registeredAt: z.string().meta({ format: 'date-time', description: 'When it was registered (registered versions only).', examples: ['2026-10-01T12:00:00.000Z'] }).optional(),
        registeredBy: Who('Who registered it (registered versions only)', 'beheerder-9').optional(),
      }),
    )
    .meta({ description: 'Its versions, oldest first.' }),
});
export const DefinitionList = z.strictObject({ items: z.array(DefinitionSummary).meta({ description: 'Every definition the municipality can start trajectories with.' }) });
export const ValidationResult = z.strictObject({
  valid: z.boolean().meta({ description: 'Whether the definition is valid (and could be registered).', examples: [false] }),
  problems: z
    .array(
      z.strictObject({
        path: z.string().meta({ description: 'JSON pointer into the definition.', examples: ['/phases/0/nodes/0/next'] }),
        message: z.string().meta({ description: 'What is wrong.', examples: ['unknown node "first-contct"'] }),
        suggestion: z.string().meta({ description: 'The closest valid value, when there is one.', examples: ['first-contact'] }).optional(),
      }),
    )
    .meta({ description: 'Every problem at once (none when valid).' }),
});
export const DefinitionRegistered = z.strictObject({
  id: z.string().meta({ description: "The definition's id.", examples: ['wijkaanpak-noord'] }),
  version: z.number().int().meta({ description: 'The registered version.', examples: [2] }),
  links: SelfLink('/v1/definitions/wijkaanpak-noord?version=2'),
});

// ---- compile-time checks against the engine's and the workflow's types ---------------------------------------------

/** A decision as the API shows it: the engine's {@link Decision}, its times as ISO 8601 (as the workflow's view writes them). */
export type DecisionBody = Decision extends infer D
  ? D extends { dueAt: number }
    ? Omit<D, 'decidedAt' | 'dueAt'> & { decidedAt: string; dueAt: string }
    : Omit<D, 'decidedAt'> & { decidedAt: string }
  : never;

type ViewEscalation = TrajectoryView['escalations'][number];
/** An escalation as the API shows it: the view's, its decisions typed ({@link DecisionBody}). */
export type EscalationBody = Omit<ViewEscalation, 'decisions'> & { decisions: DecisionBody[] };

/**
 * The view's escalation with its decisions typed: the workflow's view (workflows/trajectory/view.ts) types them as plain
 * records, though it writes the engine's decisions with ISO times, which {@link DecisionBody} is derived from. Its ids
 * in the API's spelling ({@link publicId}).
 */
export function escalationBody(e: ViewEscalation): EscalationBody {
  return { ...(e as EscalationBody), id: publicId(e.id), stepId: publicIdOrNull(e.stepId) };
}

/**
 * A step (open or closed) of the workflow's view with its id in the API's spelling ({@link publicId}), and so the
 * escalation id in the reason the engine wrote for a deadline set by a decision ({@link publicReason}).
 */
export function stepBody<S extends { id: string; reschedules?: Array<{ reason: string }> }>(s: S): S {
  return { ...s, id: publicId(s.id), ...(s.reschedules ? { reschedules: s.reschedules.map((r) => ({ ...r, reason: publicReason(r.reason) })) } : {}) };
}

export type _DecisionView = Checked<SameShape<z.output<typeof DecisionView>, DecisionBody>>;
export type _ClosedStepView = Checked<SameShape<z.output<typeof ClosedStepView>, WorkflowClosedStepView>>;
export type _DefinitionSummary = Checked<SameShape<z.output<typeof DefinitionSummary>, CatalogEntry>>;
export type _ValidationProblem = Checked<SameShape<z.output<typeof ValidationResult>['problems'][number], DefinitionProblem>>;
