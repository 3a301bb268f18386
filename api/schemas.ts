/**
 * Request and response shapes of the API: zod is the single source of types and validation.
 */
import { z } from 'zod';

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

/** CBS municipality code, e.g. `GM0363` (Amsterdam). */
export const MunicipalityCode = z.string().regex(/^GM\d{4}$/, 'must be a CBS municipality code such as GM0363');

/** The case system's pseudonymous case reference. */
export const CaseRef = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'may contain only letters, digits, ".", "_" and "-", starting with a letter or digit')
  .refine((v) => !looksLikeBsn(v), 'looks like a BSN; send the case system\'s pseudonymous case reference instead');

export const DefinitionId = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be a lower-case definition id such as gezinstraject');

export const StartTrajectoryRequest = z.strictObject({
  caseRef: CaseRef,
  municipality: MunicipalityCode,
  definitionId: DefinitionId.default('gezinstraject'),
  /** A registered version; default the latest. */
  definitionVersion: z.number().int().min(1).optional(),
  /** Initial trajectory data (pseudonymous; e.g. `{ "dreigendeSchulden": true }`). */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type StartTrajectoryRequest = z.infer<typeof StartTrajectoryRequest>;

export const CloseTrajectoryRequest = z.strictObject({
  reason: z.string().trim().min(1).max(500),
  /** Who closes it (pseudonymous user reference). Replaced by the token's subject once authentication lands. */
  closedBy: z.string().min(1).max(128).optional(),
});

export const CompleteStepRequest = z.strictObject({
  /** Who completed the step (pseudonymous user reference). */
  completedBy: z.string().min(1).max(128),
  /** Data the step produced, merged into the trajectory's data (e.g. `{ "veiligheid": "acuut" }`). */
  output: z.record(z.string(), z.unknown()).optional(),
});

export const ReportEventRequest = z.strictObject({
  event: z.string().min(1).max(64),
  payload: z.unknown().optional(),
  reportedBy: z.string().min(1).max(128).optional(),
});

/** A step id: a node id, optionally `/key` (multi-instance) and `#n` (repeat). */
export const StepId = z.string().regex(/^[a-z][a-z0-9-]*(?:\/[A-Za-z0-9._-]+)?(?:#\d+)?$/, 'is not a step id');

/** Trajectory ids are `<municipality>-<caseRef>`: the business key, so a case has at most one trajectory. */
export const TrajectoryId = z.string().regex(/^GM\d{4}-[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'is not a trajectory id');

export function trajectoryId(municipality: string, caseRef: string): string {
  return `${municipality}-${caseRef}`;
}

const By = z.string().min(1).max(128);
const Reason = z.string().trim().min(1).max(1000);
const Instant = z.iso.datetime({ offset: true });

export const AcknowledgeRequest = z.strictObject({ acknowledgedBy: By });

export const DecisionRequest = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('breakthrough'), budget: z.number().nonnegative().optional(), mandateHolder: z.string().min(1).max(128).optional(), decidedBy: By, reason: Reason }),
  z.strictObject({ type: z.literal('new-deadline'), dueAt: Instant, decidedBy: By, reason: Reason }),
  z.strictObject({ type: z.literal('reassign'), owner: z.string().min(1).max(64), decidedBy: By, reason: Reason }),
  z.strictObject({ type: z.literal('instruction'), text: z.string().trim().min(1).max(2000), decidedBy: By, reason: Reason }),
]);

export const PauseRequest = z.strictObject({ stepId: z.string().min(1).max(140).optional(), reason: Reason, by: By });
export const ResumeRequest = z.strictObject({ stepId: z.string().min(1).max(140).optional(), by: By });
export const RescheduleRequest = z.strictObject({ dueAt: Instant, reason: Reason, by: By });

/** An escalation id: `<step id>@<level>` or `contact@<level>#<n>`, optionally `#n`. */
export const EscalationId = z.string().regex(/^[A-Za-z0-9._/#-]+@\d+(?:#\d+)?$/, 'is not an escalation id');

/** Filters for listing trajectories; served from Temporal's visibility store (search attributes). */
export const ListTrajectoriesQuery = z.strictObject({
  municipality: MunicipalityCode.optional(),
  definitionId: DefinitionId.optional(),
  phase: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a phase id').optional(),
  /** `true`: only trajectories with an open step past its due date. */
  overdue: z.enum(['true', 'false']).optional(),
  /** Only trajectories escalated to at least this ladder level (0 = any open escalation). */
  minEscalationLevel: z.coerce.number().int().min(0).max(20).optional(),
  /** Only trajectories with an open step due before this instant. */
  deadlineBefore: z.iso.datetime({ offset: true }).optional(),
  status: z.enum(['open', 'closed']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
