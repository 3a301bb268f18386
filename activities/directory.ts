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

/** A municipality's part of the directory with Maps for look-ups: a role or organisation is any text. */
interface MunicipalityIndex {
  fallback?: string;
  roles: Map<string, Entry>;
  organisations: Map<string, Map<string, Entry>>;
}
type Entry = z.infer<typeof Entry>;

const indexes = new WeakMap<Directory, Map<string, MunicipalityIndex>>();

/**
 * The directory indexed by Maps, once per directory. Keys come from definitions and (before owners were checked) from
 * a family's data, so a plain-object look-up of `constructor`, `__proto__` or `toString` would find Object.prototype's
 * members instead of nobody.
 */
function indexOf(directory: Directory): Map<string, MunicipalityIndex> {
  let index = indexes.get(directory);
  if (!index) {
    index = new Map(
      Object.entries(directory.municipalities).map(([code, m]) => [
        code,
        {
          ...(m.fallback ? { fallback: m.fallback.email } : {}),
          roles: new Map(Object.entries(m.roles)),
          organisations: new Map(Object.entries(m.organisations).map(([org, holders]) => [org, new Map(Object.entries(holders))])),
        },
      ]),
    );
    indexes.set(directory, index);
  }
  return index;
}

/** The municipality's fallback address, if the directory has one. */
export function fallbackRecipient(directory: Directory | undefined, municipality: string): string | undefined {
  return directory ? indexOf(directory).get(municipality)?.fallback : undefined;
}

/**
 * E-mail addresses for an escalation: the organisation's holder of the role, else the municipality's holder of the
 * role, else the organisation's own contact (when the role is the organisation itself), else the fallback; with
 * deputies. Empty when the directory knows nobody.
 */
export function resolveRecipients(directory: Directory | undefined, q: RecipientQuery): string[] {
  const m = directory ? indexOf(directory).get(q.municipality) : undefined;
  if (!m) return [];
  const org = m.organisations.get(q.organisation);
  const entry = org?.get(q.role) ?? m.roles.get(q.role) ?? (q.role === q.organisation ? org?.get('owner') : undefined);
  if (!entry) return m.fallback ? [m.fallback] : [];
  return [...new Set([entry.email, ...(entry.deputy ? [entry.deputy.email] : [])])];
}
