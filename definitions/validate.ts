/**
 * The definition validator: structure (the zod schema) and references (ids, reachability, roles, activities,
 * events, durations, FEEL), all problems at once, each with its JSON-pointer path and, where it can, a "did you
 * mean". Used by the `waakvlam validate` command, the API and the worker before a definition ever runs.
 */
import { parseExpression } from 'feelin';
import type { ZodError } from 'zod';
import { parseIsoDuration } from './calendar.js';
import { Definition, NODE_TYPES, type Definition as DefinitionT } from './schema.js';

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
}

/** Every key the language knows, for "did you mean" on unknown keys. */
const KNOWN_KEYS = [
  'id', 'version', 'name', 'description', 'roles', 'events', 'escalationPolicies', 'defaultEscalationPolicy', 'calendar',
  'goodFriday', 'extraClosedDays', 'variables', 'phases', 'eventHandlers', 'entry', 'exit', 'start', 'nodes', 'type',
  'owner', 'due', 'escalation', 'next', 'activity', 'input', 'resultVariable', 'branches', 'default', 'when', 'join',
  'duration', 'date', 'cycle', 'every', 'times', 'done', 'event', 'storeAs', 'timeout', 'after', 'collection', 'task',
  'phase', 'cases', 'inPhases', 'goto', 'levels', 'role', 'workingDays', 'contactWatch', 'aftercare', 'relapse',
];

/** Levenshtein distance, for suggestions. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate, if close enough to be a likely typo. */
export function didYouMean(value: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(value, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(value.length / 3)) ? best : undefined;
}

export function pointer(path: ReadonlyArray<string | number | symbol>): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function structureProblems(error: ZodError): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = didYouMean(key, KNOWN_KEYS);
        problems.push({ path: pointer([...issue.path, key]), message: `unknown field "${key}"`, ...(suggestion ? { suggestion } : {}) });
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

/** Syntax errors in a FEEL expression, as a message, or undefined when it parses. */
export function feelSyntaxError(expression: string): string | undefined {
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

/** Reference checks over the raw input; defensive, so they run even where the structure is broken. */
function referenceProblems(def: Obj, opts: ValidateOptions): Problem[] {
  const problems: Problem[] = [];
  const add = (path: Array<string | number>, message: string, suggestion?: string) =>
    problems.push({ path: pointer(path), message, ...(suggestion ? { suggestion } : {}) });

  const checkRef = (path: Array<string | number>, value: unknown, known: Set<string>, what: string) => {
    const v = str(value);
    if (v === undefined || known.has(v)) return;
    add(path, `unknown ${what} "${v}"`, didYouMean(v, known));
  };
  const checkFeel = (path: Array<string | number>, value: unknown) => {
    const v = str(value);
    if (v === undefined || v.trim() === '') return;
    const err = feelSyntaxError(v);
    if (err) add(path, `${err} in "${v}"`);
    // The machine's clock and time zone must not leak into a workflow: the engine offers its own.
    if (/\bnow\s*\(/.test(v)) add(path, `use the variable "nu" (the trajectory's current date-time) instead of now() in "${v}"`, 'nu');
    if (/\btoday\s*\(/.test(v)) add(path, `use the variable "vandaag" (today's date in Amsterdam) instead of today() in "${v}"`, 'vandaag');
  };
  const checkDuration = (path: Array<string | number>, value: unknown) => {
    const v = str(value);
    if (v !== undefined && parseIsoDuration(v) === null) {
      add(path, `"${v}" is not an ISO 8601 duration (e.g. P5D, P2W, P1M, PT4H) nor { workingDays: N }`);
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
      if (seen.has(id)) add([...basePath, i, 'id'], `duplicate ${what} id "${id}"`);
      seen.add(id);
    });
    return seen;
  };

  const roles = uniqueIds(arr(def.roles), ['roles'], 'role');
  const events = uniqueIds(arr(def.events), ['events'], 'event');
  const phases = arr(def.phases);
  const phaseIds = uniqueIds(phases, ['phases'], 'phase');
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

  // Node ids are step ids: unique across the whole definition.
  const allNodeIds = new Map<string, string>();
  phases.forEach((phase, p) => {
    if (!isObj(phase)) return;
    arr(phase.nodes).forEach((node, n) => {
      const id = isObj(node) ? str(node.id) : undefined;
      if (id === undefined) return;
      if (allNodeIds.has(id)) add(['phases', p, 'nodes', n, 'id'], `duplicate node id "${id}" (also at ${allNodeIds.get(id)})`);
      else allNodeIds.set(id, pointer(['phases', p, 'nodes', n]));
    });
  });

  phases.forEach((phase, p) => {
    if (!isObj(phase)) return;
    const base = ['phases', p];
    const nodes = arr(phase.nodes).filter(isObj);
    const byId = new Map<string, Obj>();
    const indexOf = new Map<string, number>();
    arr(phase.nodes).forEach((node, n) => {
      const id = isObj(node) ? str(node.id) : undefined;
      if (id !== undefined && !byId.has(id)) {
        byId.set(id, node as Obj);
        indexOf.set(id, n);
      }
    });
    const local = new Set(byId.keys());
    const nodeRef = (path: Array<string | number>, value: unknown) => {
      const v = str(value);
      if (v === undefined || local.has(v)) return;
      const elsewhere = allNodeIds.get(v);
      if (elsewhere) add(path, `"${v}" is a node of another phase (${elsewhere}); use a goto node to change phase`);
      else add(path, `unknown node "${v}" in phase "${str(phase.id) ?? p}"`, didYouMean(v, local));
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

    const joinsOfSplits = new Map<string, number[]>();
    arr(phase.nodes).forEach((raw, n) => {
      if (!isObj(raw)) return;
      const node = raw;
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
            const target = byId.get(join);
            if (target && target.type !== 'parallelJoin') add([...np, 'join'], `"${join}" is a ${String(target.type)}, not a parallelJoin`);
            joinsOfSplits.set(join, [...(joinsOfSplits.get(join) ?? []), n]);
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
    nodes.forEach((node) => {
      if (node.type !== 'parallelJoin') return;
      const id = str(node.id)!;
      const splits = joinsOfSplits.get(id) ?? [];
      const n = indexOf.get(id)!;
      if (splits.length === 0) add([...base, 'nodes', n], `parallel join "${id}" has no parallelSplit naming it as its join`);
      if (splits.length > 1) add([...base, 'nodes', n], `parallel join "${id}" is the join of ${splits.length} splits; give each split its own join`);
    });

    const successors = (id: string): string[] => {
      const node = byId.get(id);
      const n = indexOf.get(id);
      if (!node || n === undefined) return [];
      const targets = edges(node, n).map(([, t]) => str(t)).filter((t): t is string => t !== undefined && local.has(t));
      if (node.type === 'parallelSplit' && str(node.join) && local.has(str(node.join)!)) targets.push(str(node.join)!);
      return targets;
    };
    // Parallel regions: from each branch of a split, the flow must reach the split's own join, without an end, without
    // passing another split's join from outside, and without coming back to the split itself.
    nodes.forEach((split) => {
      if (split.type !== 'parallelSplit') return;
      const sid = str(split.id)!;
      const join = str(split.join);
      if (!join || byId.get(join)?.type !== 'parallelJoin') return;
      const sp = [...base, 'nodes', indexOf.get(sid)!];
      const region = new Set<string>();
      arr(split.branches).forEach((b, i) => {
        const start = str(b);
        if (!start || !local.has(start)) return;
        const seen = new Set<string>();
        const queue = [start];
        let reachesJoin = false;
        while (queue.length) {
          const id = queue.pop()!;
          if (id === join) {
            reachesJoin = true;
            continue;
          }
          if (seen.has(id)) continue;
          seen.add(id);
          region.add(id);
          queue.push(...successors(id));
        }
        if (!reachesJoin) add([...sp, 'branches', i], `branch "${start}" of split "${sid}" never reaches its join "${join}"`);
      });
      if (region.has(sid)) add(sp, `a branch of split "${sid}" flows back into the split itself; put the loop inside a branch or around the whole split`);
      for (const id of region) {
        const node = byId.get(id)!;
        const n = indexOf.get(id)!;
        if (node.type === 'end') add([...base, 'nodes', n], `end "${id}" lies inside the parallel split "${sid}": its join would wait forever; lead the branch to "${join}"`);
        if (node.type === 'parallelJoin') {
          const owners = (joinsOfSplits.get(id) ?? []).map((k) => str(nodes.find((x) => indexOf.get(str(x.id)!) === k)?.id));
          if (!owners.some((o) => o !== undefined && region.has(o))) {
            add([...base, 'nodes', n], `join "${id}" is reached from inside split "${sid}" but belongs to a split outside it`);
          }
        }
      }
    });

    // Every cycle must pass a node that waits (task, timer, event, service task, multi-instance): a loop of gateways
    // alone would spin forever.
    const waits = new Set(['userTask', 'serviceTask', 'timer', 'event', 'multiInstance']);
    const instant = [...byId].filter(([, node]) => !waits.has(String(node.type))).map(([id]) => id);
    const state = new Map<string, 'visiting' | 'done'>();
    const reported = new Set<string>();
    const visit = (id: string, stack: string[]) => {
      state.set(id, 'visiting');
      for (const next of successors(id)) {
        if (!instant.includes(next)) continue;
        if (state.get(next) === 'visiting') {
          const cycle = [...stack.slice(stack.indexOf(next)), id];
          const key = [...cycle].sort().join(',');
          if (!reported.has(key)) {
            reported.add(key);
            add([...base, 'nodes', indexOf.get(next)!], `the loop ${[...cycle, next].join(' → ')} never waits (no task, timer or event in it): it would spin forever`);
          }
        } else if (!state.has(next)) visit(next, [...stack, id]);
      }
      state.set(id, 'done');
    };
    for (const id of instant) if (!state.has(id)) visit(id, []);

    // Reachability from the start, and a way out (end or goto) from every reachable node.
    const start = str(phase.start);
    const reachable = new Set<string>();
    if (start && local.has(start)) {
      const queue = [start];
      while (queue.length) {
        const id = queue.pop()!;
        if (reachable.has(id)) continue;
        reachable.add(id);
        queue.push(...successors(id));
      }
      for (const [id, n] of indexOf) {
        if (!reachable.has(id)) add([...base, 'nodes', n], `node "${id}" is unreachable from the phase's start "${start}"`);
      }
      const exits = new Set([...byId].filter(([, node]) => node.type === 'end' || node.type === 'goto').map(([id]) => id));
      if (exits.size === 0) add([...base, 'nodes'], `phase "${str(phase.id) ?? p}" has no end or goto node: it can never be left`);
      else {
        // Nodes from which an exit is reachable: backwards closure from the exits.
        const canExit = new Set(exits);
        let changed = true;
        while (changed) {
          changed = false;
          for (const id of reachable) {
            if (!canExit.has(id) && successors(id).some((s) => canExit.has(s))) {
              canExit.add(id);
              changed = true;
            }
          }
        }
        for (const id of reachable) {
          if (!canExit.has(id)) add([...base, 'nodes', indexOf.get(id)!], `from node "${id}" no path leads to an end or goto: the flow would be stuck`);
        }
      }
    }
  });

  if (isObj(def.contactWatch)) {
    const cw = def.contactWatch;
    checkRef(['contactWatch', 'aftercare', 'relapse', 'event'], cw.event, events, 'event');
    checkRef(['contactWatch', 'aftercare', 'relapse', 'owner'], cw.owner, roles, 'role');
    checkDuration(['contactWatch', 'aftercare', 'relapse', 'after'], cw.after);
    if (cw.escalation !== undefined) checkRef(['contactWatch', 'aftercare', 'relapse', 'escalation'], cw.escalation, policyIds, 'escalation policy');
    arr(cw.inPhases).forEach((ph, j) => checkRef(['contactWatch', 'aftercare', 'relapse', 'inPhases', j], ph, phaseIds, 'phase'));
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

  return problems;
}

/** Orders JSON pointers as the document does: segment by segment, array indexes numerically. */
function comparePaths(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    if (as[i] === bs[i]) continue;
    const an = Number(as[i]);
    const bn = Number(bs[i]);
    if (Number.isInteger(an) && Number.isInteger(bn)) return an - bn;
    return 0; // different keys of one object: keep the order they were found in
  }
  return as.length - bs.length;
}

/** Validates a definition (already parsed from YAML or JSON). Reports all problems at once. */
export function validateDefinition(input: unknown, opts: ValidateOptions): ValidationResult {
  const parsed = Definition.safeParse(input);
  const problems = [
    ...(parsed.success ? [] : structureProblems(parsed.error)),
    ...(isObj(input) ? referenceProblems(input, opts) : []),
  ];
  // One problem per path and message, in path order.
  const seen = new Set<string>();
  const unique = problems
    .filter((p) => {
      const key = `${p.path}\u0000${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => comparePaths(a.path, b.path));
  if (parsed.success && unique.length === 0) return { ok: true, definition: parsed.data, problems: [] };
  return { ok: false, problems: unique };
}
