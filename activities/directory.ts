/**
 * The directory: who holds which role, per municipality, for a team or a partner organisation, with a deputy.
 * Configuration (YAML), not code. Escalations are addressed to the role the ladder names, for the organisation
 * responsible for the stalled step; the deputy is always told too.
 *
 * ```yaml
 * municipalities:
 *   GM0363:
 *     fallback: { name: Regieteam, email: regieteam@gemeente.example }
 *     roles:                                # municipality-wide holders of a role
 *       teamleider: { name: Teamleider West, email: tl-west@gemeente.example, deputy: { email: tl-oost@gemeente.example } }
 *       wethouder: { name: Wethouder Zorg, email: wethouder.zorg@gemeente.example }
 *     organisations:                        # per partner organisation: who answers for it in which role
 *       woningcorporatie:
 *         owner: { name: Team Bijzondere Bemiddeling, email: bemiddeling@corporatie.example }
 *         procesregisseur: { name: Manager Verhuur, email: manager.verhuur@corporatie.example }
 * ```
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const Holder = z.strictObject({
  name: z.string().min(1).optional(),
  email: z.email(),
});
const Entry = Holder.extend({ deputy: Holder.optional() });

export const Directory = z.strictObject({
  municipalities: z.record(
    z.string().regex(/^GM\d{4}$/),
    z.strictObject({
      fallback: Holder.optional(),
      roles: z.record(z.string(), Entry).default({}),
      organisations: z.record(z.string(), z.record(z.string(), Entry)).default({}),
    }),
  ),
});
export type Directory = z.infer<typeof Directory>;

/** Reads and validates a directory file; throws naming every problem. */
export function loadDirectory(file: string): Directory {
  const parsed = Directory.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`invalid directory ${file}:\n${parsed.error.issues.map((i) => `  /${i.path.join('/')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

export interface RecipientQuery {
  municipality: string;
  /** The role the ladder's level names (`owner` already resolved to the step's owner). */
  role: string;
  /** The role or organisation responsible for the stalled step. */
  organisation: string;
}

/**
 * E-mail addresses for an escalation: the organisation's holder of the role, else the municipality's holder of the
 * role, else the organisation's own contact (when the role is the organisation itself), else the fallback; with
 * deputies. Empty when the directory knows nobody.
 */
export function resolveRecipients(directory: Directory | undefined, q: RecipientQuery): string[] {
  const m = directory?.municipalities[q.municipality];
  if (!m) return [];
  const org = m.organisations[q.organisation];
  const entry = org?.[q.role] ?? m.roles[q.role] ?? (q.role === q.organisation ? org?.owner : undefined);
  if (!entry) return m.fallback ? [m.fallback.email] : [];
  return [...new Set([entry.email, ...(entry.deputy ? [entry.deputy.email] : [])])];
}
