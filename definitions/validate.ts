/**
 * The definition validator: structure (the zod schema) and references (ids, reachability, roles, activities,
 * events, durations, FEEL), all problems at once, each with its JSON-pointer path and, where it can, a "did you
 * mean". Used by the `waakvlam validate` command, the API and the worker before a definition ever runs.
 */
import { CLOSED_PHASE, RESERVED_DEFINITION_IDS } from './reserved.js';
import { parseExpression } from 'feelin';
import type { ZodError } from 'zod';
import { parseIsoDuration } from './calendar.js';
import {
  Definition,
  FEEL_TOO_LONG,
  MAX_FEEL_LENGTH,
  MAX_FEEL_TEXT,
  MAX_NODES_PER_DEFINITION,
  NODE_TYPES,
  TOO_MANY_NODES,
  TOO_MUCH_FEEL,
  type Definition as DefinitionT,
} from './schema.js';

/** One thing wrong with a definition. */
export interface Problem {
  /** JSON pointer into the definition, e.g. `/phases/1/nodes/3/next`. */
  path: string;
  message: string;
  /** The closest valid value, when there is one. */
  suggestion?: string;
}

export type ValidationResult = { ok: true; definition: DefinitionT; problems: [] } | { ok: false; problems: Problem[] };

export interface ValidateOptions {
  /** Names of the activities the worker registers; a service task naming another is a problem. */
  activities: readonly string[];
  /**
   * Counts the validator's work into `steps`: nodes and flows visited by the graph checks, candidates and
   * characters compared for suggestions; and into `feel` (when given) the characters of FEEL it parsed. For tests
   * and benchmarks, which check that it grows linearly with the definition's size and stays within its bounds.
   */
  work?: { steps: number; feel?: number };
}

/** Most problems reported; when there are more, one last problem (path `""`) says that some were left out. */
export const MAX_PROBLEMS = 1000;

/** Longest value quoted in a message; a longer one is cut (the problem's path says where it is). */
const QUOTED_LENGTH = 100;
const cut = (value: string) => (value.length > QUOTED_LENGTH ? `${value.slice(0, QUOTED_LENGTH)}…` : value);
const quote = (value: string) => `"${cut(value)}"`;

/** Longest value a suggestion is sought for: longer ones are not typos of an id. */
const SUGGESTED_LENGTH = 64;

/**
 * What finding suggestions may cost in one validation, in candidates tried plus characters compared (a few
 * milliseconds). Every unknown reference is compared with every id it could have meant, so without a budget a
 * definition with thousands of roles and thousands of misspelt ones would take minutes; once it is spent, the
 * remaining problems come without a suggestion.
 */
const SUGGESTION_BUDGET = 5_000_000;

/**
 * What following the parallel splits' regions may cost in one validation, in flows followed. Well-formed splits of a
 * definition within {@link MAX_NODES_PER_DEFINITION} need at most a few hundred thousand (nested as deep as 1 000
 * nodes allow); only splits whose regions overlap everywhere need more, and they get a problem instead.
 */
const REGION_BUDGET = 1_000_000;

/** What is left of a {@link SUGGESTION_BUDGET}. */
export interface SuggestionBudget {
  left: number;
}

/** Every key the language knows, for "did you mean" on unknown keys. */
const KNOWN_KEYS = [
  'id', 'version', 'name', 'description', 'roles', 'events', 'escalationPolicies', 'defaultEscalationPolicy', 'calendar',
  'goodFriday', 'extraClosedDays', 'variables', 'phases', 'eventHandlers', 'entry', 'exit', 'start', 'nodes', 'type',
  'owner', 'due', 'escalation', 'next', 'activity', 'input', 'resultVariable', 'branches', 'default', 'when', 'join',
  'duration', 'date', 'cycle', 'every', 'times', 'done', 'event', 'storeAs', 'timeout', 'after', 'collection', 'task',
  'phase', 'cases', 'inPhases', 'goto', 'levels', 'role', 'workingDays', 'contactWatch', 'aftercare', 'relapse',
];

/** Levenshtein distance, ignoring case, for suggestions. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (x.charCodeAt(i - 1) === y.charCodeAt(j - 1) ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[y.length]!;
}

/**
 * The closest candidate, if close enough to be a likely typo. With a budget, each candidate tried and each pair of
 * characters compared spends one; none is suggested once it is spent.
 */
export function didYouMean(value: string, candidates: Iterable<string>, budget?: SuggestionBudget): string | undefined {
  if (value.length > SUGGESTED_LENGTH) return undefined;
  const limit = Math.max(2, Math.floor(value.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (budget && (budget.left -= 1) < 0) return undefined;
    // The distance is at least the difference in length: a candidate that much longer or shorter is never close.
    if (Math.abs(c.length - value.length) > limit) continue;
    if (budget && (budget.left -= value.length * c.length) < 0) return undefined;
    const d = distance(value, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

export function pointer(path: ReadonlyArray<string | number | symbol>): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * Problems as they are found, at most {@link MAX_PROBLEMS} of each kind (structure, references); beyond that they are
 * only noticed, so a definition with a hundred thousand mistakes costs no more than one with a thousand.
 */
class Found {
  readonly list: Problem[] = [];
  /** Whether a problem was left out. */
  overflowed = false;

  get full(): boolean {
    return this.list.length >= MAX_PROBLEMS;
  }

  push(problem: Problem): void {
    if (this.full) this.overflowed = true;
    else this.list.push(problem);
  }
}

function structureProblems(error: ZodError, budget: SuggestionBudget): Found {
  const problems = new Found();
  for (const issue of error.issues) {
    if (problems.full) {
      problems.overflowed = true;
      break;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, KNOWN_KEYS, budget);
        problems.push({ path: pointer([...issue.path, key]), message: `unknown field ${quote(key)}`, ...(suggestion ? { suggestion } : {}) });
      }
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator === 'type') {
      problems.push({ path: pointer(issue.path), message: `unknown node type; expected one of ${NODE_TYPES.join(', ')}` });
    } else if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
      problems.push({ path: pointer(issue.path), message: `missing required field "${String(issue.path[issue.path.length - 1])}"` });
    } else {
      problems.push({ path: pointer(issue.path), message: issue.message });
    }
  }
  return problems;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Syntax errors in a FEEL expression, as a message, or undefined when it parses. An expression longer than
 * {@link MAX_FEEL_LENGTH} is not parsed: its message is {@link FEEL_TOO_LONG}.
 */
export function feelSyntaxError(expression: string): string | undefined {
  if (expression.length > MAX_FEEL_LENGTH) return FEEL_TOO_LONG;
  let tree;
  try {
    tree = parseExpression(expression, {}, undefined);
  } catch (err) {
    return (err as Error).message;
  }
  let at: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (at === undefined && node.type.isError) at = node.from;
    },
  });
  return at === undefined ? undefined : `FEEL syntax error at character ${at + 1}`;
}

/**
 * Reference checks over the raw input; defensive, so they run even where the structure is broken. Those of the
 * phases' nodes (their references, and the flows between them) only with `nodes`.
 */
function referenceProblems(def: Obj, opts: ValidateOptions, budget: SuggestionBudget, nodes: boolean): Found {
  const problems = new Found();
  const add = (path: Array<string | number>, message: string, suggestion?: string) => {
    if (problems.full) problems.overflowed = true;
    else problems.push({ path: pointer(path), message, ...(suggestion ? { suggestion } : {}) });
  };
  const work = opts.work;
  const step = work ? () => void work.steps++ : () => undefined;

  const checkRef = (path: Array<string | number>, value: unknown, known: Set<string>, what: string) => {
    const v = str(value);
    if (v === undefined || known.has(v)) return;
    add(path, `unknown ${what} ${quote(v)}`, didYouMean(v, known, budget));
  };
  // FEEL is checked at the end, once every expression is known: parsed only if their text is within MAX_FEEL_TEXT.
  // Each distinct expression is parsed once (a parse costs from tens of microseconds to about 0.1 ms a character;
  // conditions repeat) and counted once; an expression longer than MAX_FEEL_LENGTH is neither parsed nor counted.
  const feelToParse: Array<{ path: Array<string | number>; expression: string }> = [];
  const feelDistinct = new Set<string>();
  let feelText = 0;
  let tooMuchFeel: Array<string | number> | undefined;
  const checkFeel = (path: Array<string | number>, value: unknown) => {
    const v = str(value);
    if (v === undefined || v.trim() === '') return;
    if (v.length > MAX_FEEL_LENGTH) return add(path, FEEL_TOO_LONG);
    if (!feelDistinct.has(v)) {
      feelDistinct.add(v);
      feelText += v.length;
      if (feelText > MAX_FEEL_TEXT) tooMuchFeel ??= path;
    }
    feelToParse.push({ path, expression: v });
  };
  const checkDuration = (path: Array<string | number>, value: unknown) => {
    const v = str(value);
    if (v !== undefined && parseIsoDuration(v) === null) {
      add(path, `${quote(v)} is not an ISO 8601 duration (e.g. P5D, P2W, P1M, PT4H) nor { workingDays: N }`);
    }
  };
  const checkDue = (path: Array<string | number>, value: unknown) => {
    if (isObj(value) && 'date' in value) checkFeel([...path, 'date'], value.date);
    else checkDuration(path, value);
  };
  const uniqueIds = (items: unknown[], basePath: Array<string | number>, what: string): Set<string> => {
    const seen = new Set<string>();
    items.forEach((item, i) => {
      const id = isObj(item) ? str(item.id) : undefined;
      if (id === undefined) return;
      if (seen.has(id)) add([...basePath, i, 'id'], `duplicate ${what} id ${quote(id)}`);
      seen.add(id);
    });
    return seen;
  };

  const roles = uniqueIds(arr(def.roles), ['roles'], 'role');
  const events = uniqueIds(arr(def.events), ['events'], 'event');
  const phases = arr(def.phases);
  const phaseIds = uniqueIds(phases, ['phases'], 'phase');
  phases.forEach((phase, p) => {
    if (isObj(phase) && phase.id === CLOSED_PHASE) add(['phases', p, 'id'], `the phase id ${quote(CLOSED_PHASE)} is reserved: a closed trajectory is in it`);
  });
  if (typeof def.id === 'string' && RESERVED_DEFINITION_IDS.has(def.id)) add(['id'], `the definition id ${quote(def.id)} is reserved (a path of the API)`);
  const activities = new Set(opts.activities);

  const policies = isObj(def.escalationPolicies) ? def.escalationPolicies : {};
  const policyIds = new Set(Object.keys(policies));
  const roleOrOwner = new Set([...roles, 'owner']);
  for (const [pid, policy] of Object.entries(policies)) {
    arr(isObj(policy) ? policy.levels : undefined).forEach((level, i) => {
      if (!isObj(level)) return;
      checkRef(['escalationPolicies', pid, 'levels', i, 'role'], level.role, roleOrOwner, 'role');
      checkDuration(['escalationPolicies', pid, 'levels', i, 'after'], level.after);
    });
  }
  if (def.defaultEscalationPolicy !== undefined) checkRef(['defaultEscalationPolicy'], def.defaultEscalationPolicy, policyIds, 'escalation policy');

  const regionBudget = { left: REGION_BUDGET };

  // Node ids are step ids: unique across the whole definition.
  const allNodeIds = new Map<string, string>();
  (nodes ? phases : []).forEach((phase, p) => {
    if (!isObj(phase)) return;
    arr(phase.nodes).forEach((node, n) => {
      const id = isObj(node) ? str(node.id) : undefined;
      if (id === undefined) return;
      if (allNodeIds.has(id)) add(['phases', p, 'nodes', n, 'id'], `duplicate node id ${quote(id)} (also at ${allNodeIds.get(id)})`);
      else allNodeIds.set(id, pointer(['phases', p, 'nodes', n]));
    });
  });

  (nodes ? phases : []).forEach((phase, p) => {
    if (!isObj(phase)) return;
    const base = ['phases', p];
    const phaseName = quote(str(phase.id) ?? String(p));
    const raw = arr(phase.nodes);

    // The phase's flow graph: the first node of each id, numbered in document order (`at`: its index in `nodes`).
    const index = new Map<string, number>();
    const graph: Array<{ id: string; node: Obj; at: number }> = [];
    raw.forEach((node, n) => {
      const id = isObj(node) ? str(node.id) : undefined;
      if (id !== undefined && !index.has(id)) {
        index.set(id, graph.length);
        graph.push({ id, node: node as Obj, at: n });
      }
    });
    const nodePath = (i: number) => [...base, 'nodes', graph[i]!.at];
    const nodeRef = (path: Array<string | number>, value: unknown) => {
      const v = str(value);
      if (v === undefined || index.has(v)) return;
      const elsewhere = allNodeIds.get(v);
      if (elsewhere) add(path, `${quote(v)} is a node of another phase (${elsewhere}); use a goto node to change phase`);
      else add(path, `unknown node ${quote(v)} in phase ${phaseName}`, didYouMean(v, index.keys(), budget));
    };

    nodeRef([...base, 'start'], phase.start);
    checkFeel([...base, 'entry'], phase.entry);
    checkFeel([...base, 'exit'], phase.exit);

    /** The edges out of a node, as [path, target]. */
    const edges = (node: Obj, n: number): Array<[Array<string | number>, unknown]> => {
      const np = [...base, 'nodes', n];
      const out: Array<[Array<string | number>, unknown]> = [];
      if ('next' in node) out.push([[...np, 'next'], node.next]);
      if ('default' in node) out.push([[...np, 'default'], node.default]);
      if ('done' in node) out.push([[...np, 'done'], node.done]);
      if (isObj(node.timeout)) out.push([[...np, 'timeout', 'next'], node.timeout.next]);
      if (node.type === 'exclusiveGateway') arr(node.branches).forEach((b, i) => isObj(b) && out.push([[...np, 'branches', i, 'next'], b.next]));
      if (node.type === 'parallelSplit') arr(node.branches).forEach((b, i) => out.push([[...np, 'branches', i], b]));
      return out;
    };

    /** For each join id, the splits naming it: their index in `nodes`, and in the graph when they are its node. */
    const joinsOfSplits = new Map<string, Array<{ at: number; graphIndex: number | undefined }>>();
    raw.forEach((node, n) => {
      if (!isObj(node)) return;
      const np = [...base, 'nodes', n];
      for (const [path, target] of edges(node, n)) nodeRef(path, target);
      switch (node.type) {
        case 'userTask':
          checkRef([...np, 'owner'], node.owner, roles, 'role');
          checkDue([...np, 'due'], node.due);
          if (node.escalation !== undefined) checkRef([...np, 'escalation'], node.escalation, policyIds, 'escalation policy');
          break;
        case 'serviceTask':
          checkRef([...np, 'activity'], node.activity, activities, 'activity');
          if (isObj(node.input)) for (const [k, v] of Object.entries(node.input)) checkFeel([...np, 'input', k], v);
          break;
        case 'exclusiveGateway':
          arr(node.branches).forEach((b, i) => isObj(b) && checkFeel([...np, 'branches', i, 'when'], b.when));
          if (node.default === undefined) add([...np, 'default'], 'an exclusive gateway needs a default flow, taken when no condition holds');
          break;
        case 'parallelSplit': {
          const join = str(node.join);
          if (join !== undefined) {
            nodeRef([...np, 'join'], join);
            const target = index.get(join);
            if (target !== undefined && graph[target]!.node.type !== 'parallelJoin') {
              add([...np, 'join'], `${quote(join)} is a ${String(graph[target]!.node.type)}, not a parallelJoin`);
            }
            const own = index.get(str(node.id) ?? '');
            const split = { at: n, graphIndex: own !== undefined && graph[own]!.at === n ? own : undefined };
            const splits = joinsOfSplits.get(join);
            if (splits) splits.push(split);
            else joinsOfSplits.set(join, [split]);
          }
          break;
        }
        case 'timer':
          checkDuration([...np, 'duration'], node.duration);
          checkFeel([...np, 'date'], node.date);
          if (isObj(node.cycle)) checkDuration([...np, 'cycle', 'every'], node.cycle.every);
          break;
        case 'event':
          checkRef([...np, 'event'], node.event, events, 'event');
          if (isObj(node.timeout)) checkDuration([...np, 'timeout', 'after'], node.timeout.after);
          break;
        case 'multiInstance':
          checkFeel([...np, 'collection'], node.collection);
          if (isObj(node.task)) {
            checkFeel([...np, 'task', 'name'], node.task.name);
            checkFeel([...np, 'task', 'owner'], node.task.owner);
            checkDue([...np, 'task', 'due'], node.task.due);
            if (node.task.escalation !== undefined) checkRef([...np, 'task', 'escalation'], node.task.escalation, policyIds, 'escalation policy');
          }
          break;
        case 'goto':
          checkRef([...np, 'phase'], node.phase, phaseIds, 'phase');
          break;
      }
    });

    // Every join belongs to exactly one split.
    graph.forEach(({ id, node }, i) => {
      if (node.type !== 'parallelJoin') return;
      const splits = joinsOfSplits.get(id)?.length ?? 0;
      if (splits === 0) add(nodePath(i), `parallel join ${quote(id)} has no parallelSplit naming it as its join`);
      if (splits > 1) add(nodePath(i), `parallel join ${quote(id)} is the join of ${splits} splits; give each split its own join`);
    });

    const size = graph.length;
    if (size === 0) return;
    // The graph's flows, each once: out of every node (a split's to its join too), and into it.
    const successors: number[][] = [];
    const predecessors: number[][] = graph.map(() => []);
    const linked = new Int32Array(size).fill(-1);
    graph.forEach(({ node, at }, i) => {
      const out: number[] = [];
      const link = (target: unknown) => {
        step();
        const j = index.get(str(target) ?? '');
        if (j === undefined || linked[j] === i) return;
        linked[j] = i;
        out.push(j);
        predecessors[j]!.push(i);
      };
      for (const [, target] of edges(node, at)) link(target);
      if (node.type === 'parallelSplit') link(node.join);
      successors.push(out);
    });

    // Parallel regions: from each branch of a split, the flow must reach the split's own join, without an end, without
    // passing another split's join from outside, and without coming back to the split itself. Per split, one walk
    // forwards from its branches (its region: what they reach before the join), then one backwards from the join
    // within the region (what reaches the join); marks hold the number of the split that set them. Well-formed splits
    // have regions that nest or are apart, which costs at most the phase's size times the depth of nesting; splits
    // whose regions overlap everywhere would cost their number times the whole graph, so the walks share a budget.
    const inRegion = new Int32Array(size).fill(-1);
    const reachesJoin = new Int32Array(size).fill(-1);
    const walk = () => {
      step();
      return --regionBudget.left >= 0;
    };
    for (let s = 0; s < size && regionBudget.left >= 0; s++) {
      const { id: sid, node: split } = graph[s]!;
      if (split.type !== 'parallelSplit') continue;
      const join = str(split.join);
      const j = index.get(join ?? '');
      if (join === undefined || j === undefined || graph[j]!.node.type !== 'parallelJoin') continue;
      const sp = nodePath(s);

      const region: number[] = [];
      const branches: Array<[number, number]> = [];
      arr(split.branches).forEach((b, i) => {
        const start = index.get(str(b) ?? '');
        if (start === undefined) return;
        branches.push([i, start]);
        if (start !== j && inRegion[start] !== s) {
          inRegion[start] = s;
          region.push(start);
        }
      });
      let complete = true;
      for (let k = 0; k < region.length && complete; k++) {
        for (const next of successors[region[k]!]!) {
          if (!(complete = walk())) break;
          if (next === j || inRegion[next] === s) continue;
          inRegion[next] = s;
          region.push(next);
        }
      }
      const back = [j];
      while (back.length && complete) {
        for (const from of predecessors[back.pop()!]!) {
          if (!(complete = walk())) break;
          if (inRegion[from] !== s || reachesJoin[from] === s) continue;
          reachesJoin[from] = s;
          back.push(from);
        }
      }
      if (!complete) {
        add(sp, `the branches of split ${quote(sid)} and of the splits after it were not checked: the regions of this phase's parallel splits overlap too much to follow (each branch should lead only to its own split's join)`);
        break;
      }

      for (const [i, start] of branches) {
        if (start !== j && reachesJoin[start] !== s) add([...sp, 'branches', i], `branch ${quote(graph[start]!.id)} of split ${quote(sid)} never reaches its join ${quote(join)}`);
      }
      if (inRegion[s] === s) add(sp, `a branch of split ${quote(sid)} flows back into the split itself; put the loop inside a branch or around the whole split`);
      for (const r of region) {
        const { id, node } = graph[r]!;
        if (node.type === 'end') add(nodePath(r), `end ${quote(id)} lies inside the parallel split ${quote(sid)}: its join would wait forever; lead the branch to ${quote(join)}`);
        if (node.type === 'parallelJoin') {
          const owners = joinsOfSplits.get(id) ?? [];
          if (!owners.some((o) => o.graphIndex !== undefined && inRegion[o.graphIndex] === s)) {
            add(nodePath(r), `join ${quote(id)} is reached from inside split ${quote(sid)} but belongs to a split outside it`);
          }
        }
      }
    }

    // Every cycle must pass a node that waits (task, timer, event, service task, multi-instance): a loop of gateways
    // alone would spin forever. A depth-first walk over the nodes that do not wait, without recursion; a flow back to a
    // node on the current path closes a loop, reported once at the node it comes back to.
    const waits = new Set(['userTask', 'serviceTask', 'timer', 'event', 'multiInstance']);
    const instant = graph.map(({ node }) => !waits.has(String(node.type)));
    const UNSEEN = 0;
    const ON_PATH = 1;
    const DONE = 2;
    const state = new Uint8Array(size);
    const onPath = new Int32Array(size).fill(-1);
    const reported = new Uint8Array(size);
    const path: number[] = [];
    const nextEdge: number[] = [];
    for (let root = 0; root < size; root++) {
      if (!instant[root] || state[root] !== UNSEEN) continue;
      state[root] = ON_PATH;
      onPath[root] = 0;
      path.push(root);
      nextEdge.push(0);
      while (path.length) {
        const top = path.length - 1;
        const id = path[top]!;
        const out = successors[id]!;
        if (nextEdge[top]! < out.length) {
          const next = out[nextEdge[top]!++]!;
          step();
          if (!instant[next]) continue;
          if (state[next] === ON_PATH) {
            if (!reported[next]) {
              reported[next] = 1;
              const loop = path.slice(onPath[next]).map((k) => cut(graph[k]!.id));
              const shown = loop.length > 8 ? [...loop.slice(0, 4), `… (${loop.length} nodes)`, ...loop.slice(-2)] : loop;
              add(nodePath(next), `the loop ${[...shown, loop[0]!].join(' → ')} never waits (no task, timer or event in it): it would spin forever`);
            }
          } else if (state[next] === UNSEEN) {
            state[next] = ON_PATH;
            onPath[next] = path.length;
            path.push(next);
            nextEdge.push(0);
          }
        } else {
          state[id] = DONE;
          onPath[id] = -1;
          path.pop();
          nextEdge.pop();
        }
      }
    }

    // Reachability from the start, and a way out (end or goto) from every reachable node.
    /** Marks (1) every node reached from `seeds` over `flows`, the seeds included. */
    const closure = (seeds: number[], flows: number[][]): Uint8Array => {
      const marked = new Uint8Array(size);
      for (const seed of seeds) marked[seed] = 1;
      const queue = [...seeds];
      while (queue.length) {
        for (const next of flows[queue.pop()!]!) {
          step();
          if (marked[next]) continue;
          marked[next] = 1;
          queue.push(next);
        }
      }
      return marked;
    };
    const start = index.get(str(phase.start) ?? '');
    if (start !== undefined) {
      const reachable = closure([start], successors);
      graph.forEach(({ id }, i) => {
        if (!reachable[i]) add(nodePath(i), `node ${quote(id)} is unreachable from the phase's start ${quote(graph[start]!.id)}`);
      });
      const exits = graph.flatMap(({ node }, i) => (node.type === 'end' || node.type === 'goto' ? [i] : []));
      if (exits.length === 0) add([...base, 'nodes'], `phase ${phaseName} has no end or goto node: it can never be left`);
      else {
        // Nodes from which an exit is reachable: backwards from the exits.
        const canExit = closure(exits, predecessors);
        graph.forEach(({ id }, i) => {
          if (reachable[i] && !canExit[i]) add(nodePath(i), `from node ${quote(id)} no path leads to an end or goto: the flow would be stuck`);
        });
      }
    }
  });

  if (isObj(def.contactWatch)) {
    const cw = def.contactWatch;
    checkRef(['contactWatch', 'event'], cw.event, events, 'event');
    checkRef(['contactWatch', 'owner'], cw.owner, roles, 'role');
    checkDuration(['contactWatch', 'after'], cw.after);
    if (cw.escalation !== undefined) checkRef(['contactWatch', 'escalation'], cw.escalation, policyIds, 'escalation policy');
    arr(cw.inPhases).forEach((ph, j) => checkRef(['contactWatch', 'inPhases', j], ph, phaseIds, 'phase'));
  }

  arr(def.eventHandlers).forEach((h, i) => {
    if (!isObj(h)) return;
    const hp = ['eventHandlers', i];
    checkRef([...hp, 'event'], h.event, events, 'event');
    checkFeel([...hp, 'when'], h.when);
    arr(h.inPhases).forEach((ph, j) => checkRef([...hp, 'inPhases', j], ph, phaseIds, 'phase'));
    if (isObj(h.goto)) {
      checkRef([...hp, 'goto', 'phase'], h.goto.phase, phaseIds, 'phase');
      checkRef([...hp, 'goto', 'default'], h.goto.default, phaseIds, 'phase');
      arr(h.goto.cases).forEach((c, j) => {
        if (!isObj(c)) return;
        checkFeel([...hp, 'goto', 'cases', j, 'when'], c.when);
        checkRef([...hp, 'goto', 'cases', j, 'phase'], c.phase, phaseIds, 'phase');
      });
    }
  });

  // Every expression is known now: parse them if their text is within the bound (otherwise one problem says so).
  if (tooMuchFeel) add(tooMuchFeel, TOO_MUCH_FEEL);
  const feelErrors = new Map<string, string | undefined>();
  for (const { path, expression: v } of feelToParse) {
    if (!tooMuchFeel) {
      if (!feelErrors.has(v)) {
        feelErrors.set(v, feelSyntaxError(v));
        if (work) work.feel = (work.feel ?? 0) + v.length;
      }
      const err = feelErrors.get(v);
      if (err) add(path, `${err} in ${quote(v)}`);
    }
    // The machine's clock and time zone must not leak into a workflow: the engine offers its own.
    if (/\bnow\s*\(/.test(v)) add(path, `use the variable "nu" (the trajectory's current date-time) instead of now() in ${quote(v)}`, 'nu');
    if (/\btoday\s*\(/.test(v)) add(path, `use the variable "vandaag" (today's date in Amsterdam) instead of today() in ${quote(v)}`, 'vandaag');
  }

  return problems;
}

/**
 * The problem of a definition with more than {@link MAX_NODES_PER_DEFINITION} nodes, at the `nodes` of the phase
 * that crosses the limit; counting is all it costs.
 */
function nodeLimitProblem(def: Obj): Problem | undefined {
  let count = 0;
  const phases = arr(def.phases);
  for (let p = 0; p < phases.length; p++) {
    const phase = phases[p];
    if (!isObj(phase)) continue;
    count += arr(phase.nodes).length;
    if (count > MAX_NODES_PER_DEFINITION) return { path: pointer(['phases', p, 'nodes']), message: TOO_MANY_NODES };
  }
  return undefined;
}

/** A JSON pointer's segments, array indexes as numbers, for {@link comparePaths}. */
function pathKey(path: string): Array<{ segment: string; index: number | undefined }> {
  return path.split('/').map((segment) => {
    const n = Number(segment);
    return { segment, index: Number.isInteger(n) ? n : undefined };
  });
}

/** Orders JSON pointers as the document does: segment by segment, array indexes numerically. */
function comparePaths(as: ReturnType<typeof pathKey>, bs: ReturnType<typeof pathKey>): number {
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const a = as[i]!;
    const b = bs[i]!;
    if (a.segment === b.segment) continue;
    if (a.index !== undefined && b.index !== undefined) return a.index - b.index;
    return 0; // different keys of one object: keep the order they were found in
  }
  return as.length - bs.length;
}

/**
 * Validates a definition (already parsed from YAML or JSON). Reports all problems at once, up to
 * {@link MAX_PROBLEMS}. Takes time linear in the definition's size; a definition of more than
 * {@link MAX_NODES_PER_DEFINITION} nodes gets that problem and those of its structure outside the nodes, and no more.
 * FEEL is parsed last, and only within its bounds: an expression longer than {@link MAX_FEEL_LENGTH} is a problem
 * and not parsed, and a definition with more than {@link MAX_FEEL_TEXT} characters of distinct expressions gets
 * that problem and none of its FEEL is parsed.
 */
export function validateDefinition(input: unknown, opts: ValidateOptions): ValidationResult {
  const budget: SuggestionBudget = { left: SUGGESTION_BUDGET };
  const parsed = Definition.safeParse(input);
  const tooLarge = isObj(input) ? nodeLimitProblem(input) : undefined;
  const structure = parsed.success ? new Found() : structureProblems(parsed.error, budget);
  const references = isObj(input) ? referenceProblems(input, opts, budget, !tooLarge) : new Found();
  // Beyond the node limit, nothing is said about the nodes but that: zod may or may not have looked at them (it does
  // not when one phase alone has too many), the reference checks did not.
  const nodeLevel = /^\/phases\/[^/]+\/nodes\//;
  const problems = tooLarge
    ? [...structure.list.filter((p) => !nodeLevel.test(p.path)), tooLarge, ...references.list]
    : [...structure.list, ...references.list];
  if (opts.work) opts.work.steps += SUGGESTION_BUDGET - Math.max(0, budget.left);
  // One problem per path and message, in path order.
  const seen = new Set<string>();
  const unique = problems
    .filter((p) => {
      const key = `${p.path}\u0000${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((problem) => ({ problem, key: pathKey(problem.path) }))
    .sort((a, b) => comparePaths(a.key, b.key))
    .map(({ problem }) => problem);
  if (parsed.success && unique.length === 0) return { ok: true, definition: parsed.data, problems: [] };
  if (unique.length > MAX_PROBLEMS || structure.overflowed || references.overflowed) {
    unique.length = Math.min(unique.length, MAX_PROBLEMS);
    unique.push({ path: '', message: `more problems, not listed: only the first ${MAX_PROBLEMS} are; fix these first` });
  }
  return { ok: false, problems: unique };
}
