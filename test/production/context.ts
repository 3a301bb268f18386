/**
 * What the production suite's files share: the environment global-setup.ts started (injected), tokens for its API,
 * what the receivers caught, and control over its processes (stop a worker, start it again).
 */
import { inject } from 'vitest';
import { signToken, type Role } from '../../api/auth.js';
import type { Directory } from '../../activities/directory.js';
import { withReadiness, type ComposeProcess } from '../../scripts/compose-processes.js';
import { runningProcesses, startWaakvlamProcesses, type ProductionLike } from '../../scripts/production-like.js';
import type { ReceivedMail } from '../helpers/receivers.js';

/** What global-setup.ts hands the files (plain data: they run in other processes). */
export interface ProductionContext {
  /** The compiled API, e.g. http://127.0.0.1:41234 (routes under /v1). */
  api: string;
  /** The API's token secret (WAAKVLAM_JWT_SECRET of the suite's .env). */
  secret: string;
  /** host:port of the Temporal frontend (PostgreSQL-backed server). */
  temporal: string;
  namespace: string;
  /** The namespace's retention as the .env gives it (`90d`). */
  retention: string;
  /** The Temporal Web UI. */
  ui: string;
  /** Where the environment keeps the database password (mode 0600). */
  passwordFile: string;
  /** Where the receivers' catch is read: GET /webhooks, GET /mails. */
  inspector: string;
  cacheRoot: string;
  envFile: string;
  /** The Waakvlam processes as compose runs them (without their readiness check, which is a function). */
  processes: Omit<ComposeProcess, 'ready'>[];
}

/** Standard Webhooks secret of the suite's .env. */
export const PRODUCTION_WEBHOOK_SECRET = `whsec_${Buffer.from('waakvlam-production-suite-secret-32').toString('base64')}`;

/** The suite's directory file: GM0363 knows a regisseur, a teamleider, a woningcorporatie contact and a fallback. */
export const PRODUCTION_DIRECTORY: Directory = {
  municipalities: {
    GM0363: {
      fallback: { email: 'regieteam@gemeente.example' },
      roles: {
        regisseur: { email: 'regisseur@gemeente.example' },
        teamleider: { email: 'teamleider@gemeente.example' },
        wethouder: { email: 'wethouder@gemeente.example' },
      },
      organisations: { woningcorporatie: { owner: { email: 'bemiddeling@corporatie.example' } } },
    },
  },
};

export function production(): ProductionContext {
  return inject('production');
}

/** A bearer token of the suite's API for `role` of `municipality` (default GM0363). */
export function token(role: Role, municipality = 'GM0363', extra: { escalationRoles?: string[] } = {}): Promise<string> {
  return signToken(production().secret, { role, municipality, subject: `production-suite-${role}`, ...extra });
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** An HTTP request to the compiled API: `as` a role of `municipality` (default GM0363; no role: no Authorization header). */
export async function call(
  method: string,
  path: string,
  options: { as?: Role; municipality?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.as) headers.authorization = `Bearer ${await token(options.as, options.municipality)}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${production().api}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Webhooks the receiver accepted so far, parsed CloudEvents with their headers. */
export async function webhooks(): Promise<Array<{ id: string; type: string; subject: string; data: any; headers: Record<string, string>; body: string }>> {
  return (await fetch(`${production().inspector}/webhooks`)).json() as Promise<any>;
}

/** E-mails the SMTP server took so far. */
export async function mails(): Promise<ReceivedMail[]> {
  return (await fetch(`${production().inspector}/mails`)).json() as Promise<ReceivedMail[]>;
}

export { eventually } from '../helpers/eventually.js';

/** The running process of that name (pid), as the environment's state file records it. */
export function processPid(name: string): number {
  const p = runningProcesses(production().cacheRoot).find((q) => q.name === name);
  if (!p) throw new Error(`${name} does not run`);
  return p.pid;
}

/** Starts the named Waakvlam processes again (after a test stopped them), as the environment started them. */
export async function startProcesses(names: string[]): Promise<void> {
  const ctx = production();
  const specs = ctx.processes.filter((p) => names.includes(p.name)).map(withReadiness);
  const environment = { settings: { cacheRoot: ctx.cacheRoot } } as unknown as ProductionLike;
  await startWaakvlamProcesses(environment, specs, () => undefined);
}

/** A step due `due` after it opens; its owner is reminded at once, the teamleider two seconds later. */
export function stallingDefinition(id: string, due = 'PT2S') {
  return {
    id,
    version: 1,
    name: 'Productietest: een stap die blijft liggen',
    roles: [{ id: 'regisseur', name: 'Regisseur' }, { id: 'teamleider', name: 'Teamleider' }],
    escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT2S' }] } },
    defaultEscalationPolicy: 'direct',
    phases: [
      {
        id: 'a',
        name: 'A',
        start: 'task',
        nodes: [
          { id: 'task', type: 'userTask', name: 'Plan maken', owner: 'regisseur', due, next: 'done' },
          { id: 'done', type: 'end' },
        ],
      },
    ],
  };
}
