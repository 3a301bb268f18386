/**
 * Request and response shapes of the API: zod is the single source of types and validation.
 */
import { z } from 'zod';
import { FREE_FORM_LIMITS, jsonProblems } from './json-limits.js';

const FREE_FORM_RULES = `at most ${FREE_FORM_LIMITS.depth} levels deep, ${FREE_FORM_LIMITS.entries} entries per object or array, strings of at most ${FREE_FORM_LIMITS.stringLength} characters, no "__proto__" key`;

/**
 * Free-form JSON from the case system, bounded ({@link FREE_FORM_LIMITS}): checked on the value as sent, before zod
 * copies it (a copy would drop a `__proto__` key silently).
 */
function freeForm<S extends z.ZodType>(schema: S) {
  return z
    .preprocess((value, ctx) => {
      for (const p of jsonProblems(value, FREE_FORM_LIMITS)) ctx.addIssue({ code: 'custom', message: p.message, path: p.path, input: value });
      return value;
    }, schema)
    .meta({ description: `Free-form JSON: ${FREE_FORM_RULES}.` });
}
/** Free-form JSON object (trajectory data, a step's output). */
const FreeFormObject = () => freeForm(z.record(z.string(), z.unknown()));

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

export const StartTrajectoryRequest = z.strictObject({
  caseRef: CaseRef,
  /** Must be the token's municipality when given (the token decides). */
  municipality: MunicipalityCode.optional(),
  definitionId: DefinitionId.default('gezinstraject'),
  /** A registered version; default the latest. */
  definitionVersion: z.number().int().min(1).optional(),
  /** Initial trajectory data (pseudonymous; e.g. `{ "dreigendeSchulden": true }`). */
  data: FreeFormObject().optional(),
});
export type StartTrajectoryRequest = z.infer<typeof StartTrajectoryRequest>;

// Who acts is never in a body: the API records the token's subject (`sub`).

export const CloseTrajectoryRequest = z.strictObject({
  reason: z.string().min(1).max(500).regex(/\S/, 'must not be blank'),
});

export const ReopenTrajectoryRequest = z.strictObject({
  /** Phase to re-open into; default the phase the trajectory was in when it closed. */
  phase: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a phase id').optional(),
  reason: z.string().min(1).max(500).regex(/\S/, 'must not be blank'),
});

export const CompleteStepRequest = z.strictObject({
  /** Data the step produced, merged into the trajectory's data (e.g. `{ "veiligheid": "acuut" }`). */
  output: FreeFormObject().optional(),
});

export const ReportEventRequest = z.strictObject({
  event: z.string().min(1).max(64),
  payload: freeForm(z.unknown()).optional(),
});

/** A step id: a node id, optionally `/key` (multi-instance) and `#n` (repeat). */
export const StepId = z.string().regex(/^[a-z][a-z0-9-]*(?:\/[A-Za-z0-9._-]+)?(?:#\d+)?$/, 'is not a step id');

/** Trajectory ids are `<municipality>-<caseRef>`: the business key, so a case has at most one trajectory. */
export const TrajectoryId = z.string().regex(/^GM\d{4}-[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'is not a trajectory id');

export function trajectoryId(municipality: string, caseRef: string): string {
  return `${municipality}-${caseRef}`;
}

/** Free text that must say something (not only white space). */
const Text = (max: number) => z.string().min(1).max(max).regex(/\S/, 'must not be blank');
const Reason = Text(1000);
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);
/**
 * An ISO 8601 date-time with offset, denoting an instant within the years 1970–2199 UTC (a deadline, not a typo of
 * year 10000): the instant counts, not the text, so `2199-12-31T23:59:59-12:00` (in 2200) is refused.
 */
const Instant = z.iso
  .datetime({ offset: true })
  .regex(/^(19[7-9]\d|2[01]\d\d)-/, 'must lie between 1970 and 2199') // in the document: what a client can check
  .refine((v) => Date.parse(v) >= EARLIEST && Date.parse(v) < LATEST, 'must lie between 1970-01-01T00:00:00Z and 2199-12-31T23:59:59Z');

export const AcknowledgeRequest = z.strictObject({});

export const DecisionRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('breakthrough'), budget: z.number().nonnegative().optional(), mandateHolder: z.string().min(1).max(128).optional(), reason: Reason }),
  z.strictObject({ type: z.literal('new-deadline'), dueAt: Instant, reason: Reason }),
  z.strictObject({
    type: z.literal('reassign'),
    /** A role id of the trajectory's definition (a role or partner organisation), never a person's name. */
    owner: z
      .string()
      .max(64)
      .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be the id of a role of the trajectory\'s definition, e.g. "teamleider" or "woningcorporatie"'),
    reason: Reason,
  }),
  z.strictObject({ type: z.literal('instruction'), text: Text(2000), reason: Reason }),
]);

export const PauseRequest = z.strictObject({ stepId: StepId.optional(), reason: Reason });
export const ResumeRequest = z.strictObject({ stepId: StepId.optional() });
export const RescheduleRequest = z.strictObject({ dueAt: Instant, reason: Reason });

/** An escalation id: `<step id>@<level>` or `contact@<level>#<n>`, optionally `#n`. */
export const EscalationId = z.string().regex(/^[A-Za-z0-9._/#-]+@\d+(?:#\d+)?$/, 'is not an escalation id');

/** Filters for listing trajectories; served from Temporal's visibility store (search attributes). */
export const ListTrajectoriesQuery = z.strictObject({
  /** Must be the token's municipality when given. */
  municipality: MunicipalityCode.optional(),
  definitionId: DefinitionId.optional(),
  phase: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a phase id').optional(),
  /** `true`: only trajectories with an open step past its due date (stalled). */
  overdue: z.literal('true').optional(),
  /** Only trajectories escalated to at least this ladder level (0 = any open escalation). */
  minEscalationLevel: z.coerce.number().int().min(0).max(20).optional(),
  /** Only trajectories with an open step due before this instant. */
  deadlineBefore: Instant.optional(),
  status: z.enum(['open', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** The escalation inbox of a role in the token's municipality. */
export const InboxQuery = z.strictObject({
  /** The ladder role whose inbox this is, e.g. `teamleider` or `wethouder`. Default: every role the token answers. */
  role: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a role id').optional(),
  /** `open`: not yet acknowledged; `acknowledged`: seen, not decided; `decided`: decided but the step has not moved. */
  state: z.enum(['open', 'acknowledged', 'decided']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Which version of a definition to read. */
export const DefinitionVersionQuery = z.strictObject({ version: z.coerce.number().int().min(1).optional() });

/**
 * A process definition as posted. The route hands it to the definition validator, which applies the language's zod
 * schema ({@link Definition}, which the OpenAPI document shows) and then checks every reference, reporting all
 * problems at once with their paths and suggestions.
 */
export const DefinitionDocument = z.record(z.string(), z.unknown());
export { Definition as DefinitionSchema } from '../definitions/schema.js';

// ---- responses ---------------------------------------------------------------------------------------------------

const Links = z.record(z.string(), z.string());

export const ProblemResponse = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ description: 'RFC 9457 problem details' });

export const HealthResponse = z.looseObject({ status: z.literal('ok'), temporal: z.string().optional() });

export const TrajectoryCreated = z.object({ id: TrajectoryId, links: Links });

const Iso = z.string().meta({ format: 'date-time' });

export const StepView = z.looseObject({
  id: z.string(),
  nodeId: z.string(),
  name: z.string(),
  owner: z.string(),
  phase: z.string(),
  openedAt: Iso,
  dueAt: Iso,
  openForSeconds: z.number().int().optional(),
  nextEscalation: z.object({ level: z.number().int(), at: Iso }).optional(),
  paused: z.object({ since: Iso, reason: z.string(), by: z.string() }).optional(),
});

export const ClosedStepView = z.looseObject({
  id: z.string(),
  name: z.string(),
  owner: z.string(),
  outcome: z.enum(['completed', 'cancelled']),
  openedAt: Iso,
  dueAt: Iso,
  closedAt: Iso,
  closedBy: z.string(),
  output: z.record(z.string(), z.unknown()).optional(),
});

export const EscalationView = z.looseObject({
  id: z.string(),
  kind: z.enum(['step', 'contact']),
  stepId: z.string().nullable(),
  stepName: z.string(),
  level: z.number().int(),
  role: z.string(),
  organisation: z.string(),
  dueAt: Iso,
  raisedAt: Iso,
  recipients: z.array(z.string()),
  acknowledgedBy: z.string().optional(),
  acknowledgedAt: Iso.optional(),
  decisions: z.array(z.looseObject({ type: z.string(), decidedBy: z.string(), decidedAt: Iso, reason: z.string() })),
  resolvedAt: Iso.optional(),
  resolution: z.string().optional(),
});

export const TrajectoryState = z.looseObject({
  id: TrajectoryId,
  caseRef: z.string(),
  municipality: z.string(),
  definition: z.object({ id: z.string(), version: z.number().int(), name: z.string() }),
  status: z.enum(['open', 'closed']),
  phase: z.object({ id: z.string(), name: z.string(), since: Iso }).nullable(),
  startedAt: Iso,
  closedAt: Iso.optional(),
  openSteps: z.array(StepView),
  completedSteps: z.array(ClosedStepView),
  escalations: z.array(EscalationView),
  nextDeadline: Iso.optional(),
  paused: z.object({ since: Iso, reason: z.string(), by: z.string() }).optional(),
  runs: z.number().int(),
});

export const TrajectorySummary = z.object({
  id: z.string(),
  status: z.enum(['open', 'closed']),
  municipality: z.string().nullable(),
  caseRef: z.string().nullable(),
  definition: z.object({ id: z.string().nullable(), version: z.number().nullable() }),
  phase: z.string().nullable(),
  openSteps: z.number(),
  nextDeadline: Iso.nullable(),
  /** The highest ladder level of its open escalations (0: the owner's reminder); null when nothing is escalated. */
  escalationLevel: z.number().int().nullable(),
  links: Links,
});
export const TrajectoryList = z.object({ items: z.array(TrajectorySummary), count: z.number().int() });

export const EventAccepted = z.object({ accepted: z.literal(true), event: z.string() });

export const InboxItem = EscalationView.extend({
  trajectoryId: z.string(),
  state: z.enum(['open', 'acknowledged', 'decided']),
  /**
   * How long the step (or the contact with the family) has stood still past its due date (`dueAt`) at the time of the
   * request: the calendar days (Europe/Amsterdam dates) after the due date's, up to and including today; 0 on the due
   * date itself. The escalation's e-mail and webhook give the same count for the instant the level fell due.
   */
  overdueDays: z.number().int().min(0).meta({ description: 'Calendar days (Europe/Amsterdam dates) after the due date, up to and including today.' }),
  /** Of {@link overdueDays}, the working days by the calendar of the trajectory's definition (Goede Vrijdag, extra closed days). */
  overdueWorkingDays: z
    .number()
    .int()
    .min(0)
    .meta({ description: "Of overdueDays, the working days by the calendar of the trajectory's definition (weekends, national holidays, Goede Vrijdag and extra closed days when the definition says so, excluded)." }),
  links: Links,
});
export const Inbox = z.object({
  items: z.array(InboxItem),
  count: z.number().int(),
  /** True when more trajectories have open escalations than one request reads: narrow by `role` or `state`. */
  truncated: z.boolean(),
});

export const DefinitionSummary = z.object({
  id: z.string(),
  name: z.string(),
  versions: z.array(z.looseObject({ version: z.number().int(), source: z.enum(['shipped', 'registered']) })),
});
export const DefinitionList = z.object({ items: z.array(DefinitionSummary) });
export const ValidationResult = z.object({
  valid: z.boolean(),
  problems: z.array(z.object({ path: z.string(), message: z.string(), suggestion: z.string().optional() })),
});
export const DefinitionRegistered = z.object({ id: z.string(), version: z.number().int(), links: Links });
