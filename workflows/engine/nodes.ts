/**
 * What each node type does when a token reaches it: one handler per type in {@link NODE_HANDLERS}. The table's type
 * is a mapped type over the schema's node types (as the SDK's `ActivationHandler` maps activation jobs to their
 * handlers), so the compiler refuses a table that misses a node type, or a handler for a type that does not exist,
 * and gives each handler its own node's type.
 */
import { addDuration, addDurationTimes, instantOf } from '../../definitions/durations.js';
import { evalCondition, evalFeel } from '../../definitions/feel.js';
import type { Node, NodeType } from '../../definitions/schema.js';
import type { Core } from './core.js';
import { deliverEvent, incident, inFork, moveOn } from './flow.js';
import { requestActivity } from './outbox.js';
import { jumpTo } from './phases.js';
import { own, setOwn } from './records.js';
import { openStep, stepKey } from './steps.js';
import type { Token } from './types.js';

/** The node of one type. */
export type NodeOf<T extends NodeType> = Extract<Node, { type: T }>;

/** Runs a node of type `T` for a token once (parks it, moves it on, or stops it with an incident). May throw. */
export type NodeHandler<T extends NodeType> = (core: Core, token: Token, node: NodeOf<T>, now: number) => void;

/** One handler for every node type, and none for anything else. */
export type NodeHandlers = { readonly [T in NodeType]: NodeHandler<T> };

export const NODE_HANDLERS: NodeHandlers = {
  userTask(core, token, node, now) {
    const dueAt = core.due(node.due, now);
    if (dueAt === undefined) return incident(core, token, 'the due date does not evaluate to a date', now);
    const step = openStep(core, node.id, node.name ?? node.id, node.owner, dueAt, now, node.escalation ?? core.definition.defaultEscalationPolicy);
    token.wait = { kind: 'task', stepIds: [step.id] };
  },

  multiInstance(core, token, node, now) {
    const items = evalFeel(node.collection, core.context());
    if (!Array.isArray(items)) return incident(core, token, `the collection "${node.collection}" is not a list`, now);
    const stepIds: string[] = [];
    // Check every element first, so a bad one opens none of them.
    const planned: Array<{ key: string; name: string; owner: string; dueAt: number; item: unknown }> = [];
    for (const [i, item] of items.entries()) {
      const ctx = { item };
      const dueAt = core.due(node.task.due, now, ctx);
      const owner = evalFeel(node.task.owner, core.context(ctx));
      if (dueAt === undefined) return incident(core, token, `element ${i + 1}: the due date does not evaluate to a date`, now);
      if (typeof owner !== 'string' || owner.trim() === '') return incident(core, token, `element ${i + 1}: the owner is not a text`, now);
      planned.push({ key: stepKey(item, i), name: String(evalFeel(node.task.name, core.context(ctx)) ?? `${node.id} ${i + 1}`), owner, dueAt, item });
    }
    for (const [i, p] of planned.entries()) {
      // The owner comes from the trajectory's data: only a role of the definition may own the step (and reach
      // notifications). Anything else is the fallback owner's, with an incident naming the element, not the text.
      const owner = core.roleId(p.owner);
      if (owner === undefined) {
        core.state.incidents.push({
          at: now,
          node: node.id,
          message: `element ${i + 1}: the owner is not a role of the definition; the step is owned by ${core.fallbackOwner} until it is reassigned`,
        });
      }
      const policy = node.task.escalation ?? core.definition.defaultEscalationPolicy;
      stepIds.push(openStep(core, node.id, p.name, owner ?? core.fallbackOwner, p.dueAt, now, policy, p.key, p.item).id);
    }
    if (stepIds.length === 0) return moveOn(core, token, node.next);
    token.wait = { kind: 'task', stepIds };
  },

  serviceTask(core, token, node) {
    const input = Object.fromEntries(Object.entries(node.input ?? {}).map(([k, expr]) => [k, evalFeel(expr, core.context())]));
    requestActivity(core, { tokenId: token.id, node: node.id, activity: node.activity, input });
    token.wait = { kind: 'activity' };
  },

  exclusiveGateway(core, token, node, now) {
    const branch = node.branches.find((b) => evalCondition(b.when, core.context()));
    const next = branch?.next ?? node.default;
    if (!next) return incident(core, token, 'no condition holds and there is no default flow', now);
    moveOn(core, token, next);
  },

  parallelSplit(core, token, node) {
    const forkId = core.state.nextForkId++;
    core.state.forks[forkId] = { split: node.id, join: node.join, ...(token.fork !== undefined ? { parent: token.fork } : {}) };
    const [first, ...rest] = node.branches;
    token.node = first!;
    token.fork = forkId;
    for (const branch of rest) core.state.tokens.push({ id: core.state.nextTokenId++, node: branch, fork: forkId });
  },

  parallelJoin(core, token, node, now) {
    const forkId = token.fork;
    const fork = forkId !== undefined ? core.state.forks[forkId] : undefined;
    if (forkId === undefined || !fork || fork.join !== node.id) return incident(core, token, 'reached a join outside its split', now);
    token.wait = { kind: 'join' };
    // Members are all tokens inside this fork, also those still inside a nested fork.
    const members = core.state.tokens.filter((t) => inFork(core, t, forkId));
    if (members.every((t) => t.fork === forkId && t.wait?.kind === 'join' && t.node === node.id)) {
      // All branches arrived: one token continues in the enclosing fork.
      core.state.tokens = core.state.tokens.filter((t) => t.fork !== forkId || t === token);
      delete core.state.forks[forkId];
      if (fork.parent !== undefined) token.fork = fork.parent;
      else delete token.fork;
      moveOn(core, token, node.next);
    }
  },

  timer(core, token, node, now) {
    if (node.cycle) {
      let cycle = own(core.state.cycles, node.id);
      if (!cycle) setOwn(core.state.cycles, node.id, (cycle = { startedAt: now, ticks: 0 }));
      if (cycle.ticks >= node.cycle.times) {
        delete core.state.cycles[node.id];
        return moveOn(core, token, node.done);
      }
      token.wait = { kind: 'timer', at: addDurationTimes(cycle.startedAt, node.cycle.every, cycle.ticks + 1, core.calendar), cycle: true, since: now };
      return;
    }
    const at = node.duration !== undefined ? addDuration(now, node.duration, core.calendar) : instantOf(evalFeel(node.date!, core.context()));
    if (at === undefined) return incident(core, token, `the timer date "${node.date}" does not evaluate to a date`, now);
    token.wait = { kind: 'timer', at, since: now };
  },

  event(core, token, node, now) {
    const early = own(core.state.unconsumedEvents, node.event);
    if (early) {
      delete core.state.unconsumedEvents[node.event];
      return deliverEvent(core, token, early.payload);
    }
    token.wait = {
      kind: 'event',
      event: node.event,
      since: now,
      ...(node.timeout ? { timeoutAt: addDuration(now, node.timeout.after, core.calendar) } : {}),
    };
  },

  goto(core, _token, node, now) {
    jumpTo(core, { phase: node.phase }, now, `goto:${node.id}`);
  },

  end(core, token, _node, now) {
    // An end inside a parallel split would leave its join waiting forever (the validator forbids it).
    if (token.fork !== undefined) return incident(core, token, 'a parallel branch reached an end before its join', now);
    moveOn(core, token, undefined);
  },
};

/** Runs the token's node through its handler. */
export function runNode(core: Core, token: Token, node: Node, now: number): void {
  // TypeScript cannot relate `node.type` to the handler's parameter (a correlated union); the table's type does.
  (NODE_HANDLERS[node.type] as NodeHandler<NodeType>)(core, token, node, now);
}
