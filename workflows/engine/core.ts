/**
 * What every part of the engine works on: the definition (indexed once), the state, and the clock of the current
 * operation. Lookups only; the changes are in the modules by concern (flow, nodes, phases, steps, clocks, ladder,
 * escalation, events, outbox), each a set of functions over a {@link Core}.
 */
import { toAmsterdamLocal, type CalendarOptions } from '../../definitions/calendar.js';
import { addDuration, instantOf } from '../../definitions/durations.js';
import { evalFeel, type FeelContext } from '../../definitions/feel.js';
import type { Definition, Due, Node, Phase } from '../../definitions/schema.js';
import type { EngineState } from './types.js';

export class Core {
  readonly phases: Map<string, Phase>;
  readonly nodes = new Map<string, { node: Node; phase: string }>();
  readonly policies: Map<string, Definition['escalationPolicies'][string]>;
  /** The definition's roles and organisations: the only owners a step can have, the only ids notifications carry. */
  readonly roles: Set<string>;
  /** The definition's label of each role (notifications name roles by these, never by text from the data). */
  readonly roleNames: Map<string, string>;
  readonly calendar: CalendarOptions;
  /** Workflow time of the current operation: FEEL sees it as `nu` (date-time) and `vandaag` (Amsterdam date). */
  clock = 0;

  constructor(
    readonly definition: Definition,
    readonly state: EngineState,
  ) {
    this.phases = new Map(definition.phases.map((p) => [p.id, p]));
    this.policies = new Map(Object.entries(definition.escalationPolicies));
    this.roles = new Set(definition.roles.map((r) => r.id));
    this.roleNames = new Map(definition.roles.map((r) => [r.id, r.name]));
    for (const p of definition.phases) for (const n of p.nodes) this.nodes.set(n.id, { node: n, phase: p.id });
    this.calendar = { goodFriday: definition.calendar.goodFriday, extraClosedDays: definition.calendar.extraClosedDays };
  }

  get phase(): Phase | undefined {
    return this.state.phase ? this.phases.get(this.state.phase) : undefined;
  }

  node(id: string): Node {
    const entry = this.nodes.get(id);
    if (!entry) throw new Error(`unknown node "${id}"`); // validated definitions never get here
    return entry.node;
  }

  nextOf(id: string): string | undefined {
    const node = this.node(id);
    return 'next' in node ? node.next : undefined;
  }

  context(extra: FeelContext = {}): FeelContext {
    return { ...this.state.data, nu: new Date(this.clock).toISOString(), vandaag: toAmsterdamLocal(this.clock).date, ...extra };
  }

  /** A due date: a FEEL date, or a duration from `now` by the definition's calendar. */
  due(due: Due, now: number, extra: FeelContext = {}): number | undefined {
    if (typeof due === 'object' && 'date' in due) return instantOf(evalFeel(due.date, this.context(extra)));
    return addDuration(now, due, this.calendar);
  }

  /** The role id an owner names (its own spelling, or trimmed and in lower case), if the definition has that role. */
  roleId(owner: unknown): string | undefined {
    if (typeof owner !== 'string') return undefined;
    if (this.roles.has(owner)) return owner;
    const normalised = owner.trim().toLowerCase();
    return this.roles.has(normalised) ? normalised : undefined;
  }

  /**
   * Who owns a step whose owner is not a role of the definition: the regisseur (one family, one plan, one regisseur),
   * or the definition's first role when it has no regisseur.
   */
  get fallbackOwner(): string {
    return this.roles.has('regisseur') ? 'regisseur' : this.definition.roles[0]!.id;
  }
}
