/**
 * The validator at scale (issue #9): a definition has at most 1 000 nodes, FEEL expressions of at most 200
 * characters and 10 000 characters of FEEL, and a larger one gets that problem with its path before anything costly
 * is done; the validator's work (its own count of nodes and flows visited, and of FEEL characters parsed) grows
 * linearly with the definition, and suggestions, reported problems and tangled parallel splits cost a bounded
 * amount. The API validates in a thread, so the event loop answers other requests meanwhile, and that thread's time
 * is shared out: a bounded queue, one request per client, a deadline, and no work for clients that went away. Time
 * is measured by `npm run bench:validate`, not here.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import request from 'supertest';
import { Client } from '@temporalio/client';
import { FEEL_TOO_LONG, MAX_FEEL_LENGTH, MAX_FEEL_TEXT, MAX_NODES_PER_DEFINITION, TOO_MANY_NODES, TOO_MUCH_FEEL } from '../definitions/schema.js';
import { feelSyntaxError, MAX_PROBLEMS, validateDefinition, type Problem } from '../definitions/validate.js';
import { DEFAULT_VALIDATION_LIMITS, ValidationRefused, ValidationThread, validationThread } from '../definitions/validate-thread.js';
import { gezinstraject, shipped } from './helpers/definitions.js';
import { expectProblem, testApp, token } from './helpers/api.js';
import { chainDefinition, costliestDefinition, costlyFeel, manyConditionsDefinition, mixedDefinition, tangledDefinition } from './helpers/large-definitions.js';

const opts = { activities: ['notify-case-system'] };

function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input, opts);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

/** The validator's count of its work for one validation. */
function workOf(input: unknown): number {
  const work = { steps: 0 };
  validateDefinition(input, { ...opts, work });
  return work.steps;
}

/** The problems of a validation, and how many characters of FEEL it parsed. */
function feelWorkOf(input: unknown): { problems: Problem[]; feel: number } {
  const work = { steps: 0, feel: 0 };
  const result = validateDefinition(input, { ...opts, work });
  return { problems: result.problems, feel: work.feel };
}

/** The costliest definition we know within every bound: its FEEL fills the bound (one character left for `x`). */
const costliest = () => costliestDefinition(costlyFeel(MAX_FEEL_LENGTH, MAX_FEEL_TEXT - 1));

/** `n` distinct valid expressions of exactly `length` characters: `v7 + 1 + 1 + … + 1000`. */
const expressions = (n: number, length: number) =>
  Array.from({ length: n }, (_, i) => {
    let e = `v${i}`;
    while (e.length + 4 <= length) e += ' + 1';
    return e + '0'.repeat(length - e.length);
  });

/** A small definition whose event handlers have these conditions. */
const withConditions = (conditions: string[]) => ({ ...chainDefinition(3), eventHandlers: conditions.map((when) => ({ event: 'contact', when, goto: { phase: 'work' } })) });

const phases = (d: Record<string, unknown>) => d.phases as Array<{ id: string; start: string; entry?: string; nodes: Array<Record<string, unknown>> }>;

describe('validator: at most 1 000 nodes per definition', () => {
  it('accepts the largest definition, 1 000 nodes, in one phase', () => {
    expect(MAX_NODES_PER_DEFINITION).toBe(1000);
    expect(validateDefinition(chainDefinition(1000), opts)).toMatchObject({ ok: true, problems: [] });
    expect(validateDefinition(mixedDefinition(1000), opts)).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses 1 001 nodes with one problem at the phase\'s nodes, besides those outside the nodes', () => {
    expect(problemsOf(chainDefinition(1001))).toEqual([{ path: '/phases/0/nodes', message: TOO_MANY_NODES }]);
    expect(TOO_MANY_NODES).toBe('at most 1000 nodes per definition (all phases together); its nodes are checked once it is within the limit');

    const broken = chainDefinition(1001);
    delete broken.name;
    broken.roles = [{ id: 'regisseur', name: 'R' }, { id: 'regisseur', name: 'R' }];
    phases(broken)[0]!.nodes[3]!.nxt = 'task-5'; // the nodes' own problems: not reported beyond the limit
    phases(broken)[0]!.nodes[7]!.owner = 'nobody';
    expect(problemsOf(broken)).toEqual([
      { path: '/name', message: 'missing required field "name"' },
      { path: '/phases/0/nodes', message: TOO_MANY_NODES },
      { path: '/roles/1/id', message: 'duplicate role id "regisseur"' },
    ]);
  });

  it('counts the nodes of every phase, and reports the phase that crosses the limit', () => {
    const d = chainDefinition(600);
    const second = chainDefinition(401);
    const renamed = JSON.parse(JSON.stringify(phases(second)[0]).replace(/"(task-\d+|done)"/g, '"b-$1"')) as ReturnType<typeof phases>[number];
    phases(d).push({ ...renamed, id: 'more' });
    expect(problemsOf(d)).toEqual([{ path: '/phases/1/nodes', message: TOO_MANY_NODES }]);
    phases(d)[1]!.nodes[3]!.nxt = 'b-task-5';
    expect(problemsOf(d)).toEqual([{ path: '/phases/1/nodes', message: TOO_MANY_NODES }]);
    phases(d)[1]!.nodes.pop(); // 1 000 in all, the end of the second phase gone: its nodes are checked again
    expect(problemsOf(d).map((p) => [p.path, p.message])).toEqual([
      ['/phases/1/nodes', 'phase "more" has no end or goto node: it can never be left'],
      ['/phases/1/nodes/3/nxt', 'unknown field "nxt"'],
      ['/phases/1/nodes/399/next', 'unknown node "b-done" in phase "more"'],
    ]);
  });
});

describe('validator: FEEL bounded before any of it is parsed', () => {
  it('an expression of more than 200 characters is not parsed: issue #9\'s probe answers at once', () => {
    expect(MAX_FEEL_LENGTH).toBe(200);
    expect(FEEL_TOO_LONG).toBe('a FEEL expression may have at most 200 characters');
    // Took 1.8 s before (and 99 000 characters 70 s), and answered a syntax error somewhere inside.
    expect(feelSyntaxError('['.repeat(20_000))).toBe(FEEL_TOO_LONG);
    expect(feelSyntaxError('['.repeat(201))).toBe(FEEL_TOO_LONG);
    const [longest] = expressions(1, 200);
    expect(longest).toHaveLength(200);
    expect(feelSyntaxError(longest!)).toBeUndefined();
  });

  it('every expression too long is a problem at its path, in the schema and the validator alike, and none is parsed', () => {
    const [long] = expressions(1, 201);
    const d = chainDefinition(3);
    phases(d)[0]!.entry = long;
    phases(d)[0]!.nodes[0]!.due = { date: long };
    // The schema and the validator both find each: one problem at each path.
    expect(feelWorkOf(d)).toEqual({
      problems: [
        { path: '/phases/0/entry', message: FEEL_TOO_LONG },
        { path: '/phases/0/nodes/0/due/date', message: FEEL_TOO_LONG },
      ],
      feel: 0,
    });
    // As written: surrounding blanks count (they are parsed too).
    phases(d)[0]!.entry = ` ${expressions(1, 200)[0]} `;
    phases(d)[0]!.nodes[0]!.due = 'P1D';
    expect(feelWorkOf(d)).toEqual({ problems: [{ path: '/phases/0/entry', message: FEEL_TOO_LONG }], feel: 0 });
  });

  it('more than 10 000 characters of FEEL in all: one problem where the bound is crossed, and nothing parsed', () => {
    expect(MAX_FEEL_TEXT).toBe(10_000);
    expect(TOO_MUCH_FEEL).toBe('at most 10000 characters of FEEL per definition (its distinct expressions together); its expressions are checked once it is within the limit');
    // 50 of 200 characters fill the bound, and are each parsed once; one more crosses it.
    expect(feelWorkOf(withConditions(expressions(50, 200)))).toEqual({ problems: [], feel: 10_000 });
    expect(feelWorkOf(withConditions([...expressions(50, 200), 'x']))).toEqual({ problems: [{ path: '/eventHandlers/50/when', message: TOO_MUCH_FEEL }], feel: 0 });
    // Issue #9's harmless but slow input: distinct conditions filling a 1 MB body (1.3 s for 1.5 MB before).
    const many = manyConditionsDefinition(9000);
    expect(JSON.stringify(many).length).toBeLessThan(1024 * 1024);
    const { problems, feel } = feelWorkOf(many);
    expect(feel).toBe(0);
    expect(problems).toEqual([{ path: expect.stringMatching(/^\/eventHandlers\/\d+\/when$/), message: TOO_MUCH_FEEL }]);
  });

  it('an expression that occurs again is counted, and parsed, once', () => {
    const [one] = expressions(1, 200);
    const d = withConditions(Array.from({ length: 1000 }, () => one!));
    expect(feelWorkOf(d)).toEqual({ problems: [], feel: 200 });
    // Its syntax error is reported at every place it occurs.
    const broken = withConditions(Array.from({ length: 3 }, () => 'a ]'));
    expect(feelWorkOf(broken).problems.map((p) => p.path)).toEqual(['/eventHandlers/0/when', '/eventHandlers/1/when', '/eventHandlers/2/when']);
  });

  it('the definitions we ship and generate are well within the bounds', () => {
    expect(feelWorkOf(gezinstraject()).feel).toBeLessThan(MAX_FEEL_TEXT / 20);
    const mixed = feelWorkOf(mixedDefinition(MAX_NODES_PER_DEFINITION));
    expect(mixed).toMatchObject({ problems: [] });
    expect(mixed.feel).toBeLessThan(MAX_FEEL_TEXT / 2);
  });

  it('the costliest definition we know is within every bound: all of its FEEL is parsed, once', () => {
    const d = costliest();
    expect(JSON.stringify(d).length).toBeLessThan(1024 * 1024);
    expect(feelWorkOf(d).feel).toBe(MAX_FEEL_TEXT);
  });
});

describe('validator: work linear in the size', () => {
  it.each([
    ['user tasks in a row (issue #9)', chainDefinition],
    ['every kind of node', mixedDefinition],
  ])('%s: twice the nodes, twice the work', (_name, make) => {
    for (const n of [250, 500]) {
      const ratio = workOf(make(2 * n)) / workOf(make(n));
      expect(ratio).toBeGreaterThan(1.8);
      expect(ratio).toBeLessThan(2.2);
    }
  });

  it('splits nested as deep as 1 000 nodes allow are all checked, within the budget', () => {
    // s0 → [a0, s1] … each split's second branch the next split, its join leading to the outer join.
    const depth = 332; // 3 nodes a level, and 2 more: 998
    const nodes: Array<Record<string, unknown>> = [];
    for (let k = 0; k < depth; k++) {
      nodes.push(
        { id: `s${k}`, type: 'parallelSplit', branches: [`a${k}`, k + 1 < depth ? `s${k + 1}` : 'last'], join: `j${k}` },
        { id: `a${k}`, type: 'userTask', owner: 'regisseur', due: 'P1D', next: `j${k}` },
        { id: `j${k}`, type: 'parallelJoin', next: k > 0 ? `j${k - 1}` : 'end' },
      );
    }
    nodes.push({ id: 'last', type: 'userTask', owner: 'regisseur', due: 'P1D', next: `j${depth - 1}` }, { id: 'end', type: 'end' });
    const d = { id: 'nested', version: 1, name: 'Genest', roles: [{ id: 'regisseur', name: 'R' }], phases: [{ id: 'a', name: 'A', start: 's0', nodes }] };
    expect(nodes.length).toBeLessThanOrEqual(MAX_NODES_PER_DEFINITION);
    expect(validateDefinition(d, opts)).toMatchObject({ ok: true });

    // The innermost split's branch now ends: every split around it reports the end inside it.
    nodes[nodes.length - 2]!.next = 'end';
    const inside = problemsOf(d).filter((p) => /^end "end" lies inside the parallel split/.test(p.message));
    expect(inside).toHaveLength(depth);
  });

  it('splits whose regions overlap everywhere cost a bounded amount, and get a problem', () => {
    const work = workOf(tangledDefinition(1000));
    expect(work).toBeLessThan(1_500_000); // 1 000 000 for the regions, the rest linear
    expect(problemsOf(tangledDefinition(1000)).some((p) => /overlap too much to follow/.test(p.message))).toBe(true);
    // Smaller tangles are followed to the end.
    expect(problemsOf(tangledDefinition(100)).some((p) => /overlap too much/.test(p.message))).toBe(false);
  });

  it('a loop of 1 000 gateways that never waits: found without recursion, reported once, its message short', () => {
    const nodes = Array.from({ length: 999 }, (_, i) => ({ id: `g${i}`, type: 'exclusiveGateway', branches: [{ when: 'klaar', next: 'end' }], default: `g${(i + 1) % 999}` }));
    const d = { id: 'loop', version: 1, name: 'Lus', roles: [{ id: 'regisseur', name: 'R' }], phases: [{ id: 'a', name: 'A', start: 'g0', nodes: [...nodes, { id: 'end', type: 'end' }] }] };
    const loops = problemsOf(d).filter((p) => /never waits/.test(p.message));
    expect(loops).toEqual([{ path: '/phases/0/nodes/0', message: expect.stringMatching(/^the loop g0 → g1 → g2 → g3 → … \(999 nodes\) → g997 → g998 → g0 never waits/) }]);
  });

  it('suggestions within a budget: thousands of misspelt roles cost no more than the budget', () => {
    const roles = Array.from({ length: 3000 }, (_, i) => ({ id: `rol-${i}`, name: 'R' }));
    const levels = Array.from({ length: 3000 }, (_, i) => ({ role: `rl-${i}`, after: 'P1D' }));
    const d = { ...chainDefinition(3), roles: [...roles, { id: 'regisseur', name: 'R' }], escalationPolicies: { p: { levels } } };
    const work = { steps: 0 };
    const result = validateDefinition(d, { ...opts, work });
    expect(work.steps).toBeLessThanOrEqual(5_000_000 + 100_000);
    const problems = result.ok ? [] : result.problems;
    expect(problems[0]).toEqual({ path: '/escalationPolicies/p/levels/0/role', message: 'unknown role "rl-0"', suggestion: 'rol-0' });
    expect(problems.filter((p) => p.suggestion === undefined).length).toBeGreaterThan(0); // the budget ran out
  });

  it('reports at most 1 000 problems, and says there were more', () => {
    const d = chainDefinition(3);
    d.roles = Array.from({ length: 3000 }, () => ({ id: 'twice', name: 'Tweemaal' }));
    const problems = problemsOf(d);
    expect(problems).toHaveLength(MAX_PROBLEMS + 1);
    expect(problems[0]).toEqual({ path: '/roles/1/id', message: 'duplicate role id "twice"' });
    expect(problems[MAX_PROBLEMS]).toEqual({ path: '', message: `more problems, not listed: only the first ${MAX_PROBLEMS} are; fix these first` });
  });

  it('quotes a long value cut short', () => {
    const d = chainDefinition(3);
    phases(d)[0]!.nodes[0]!.owner = 'x'.repeat(5000);
    const [problem] = problemsOf(d);
    expect(problem).toEqual({ path: '/phases/0/nodes/0/owner', message: `unknown role "${'x'.repeat(100)}…"` });
  });
});

describe('the validation thread', () => {
  it('answers as validating in-process does', async () => {
    const thread = new ValidationThread();
    try {
      const broken = JSON.parse(JSON.stringify(gezinstraject())) as Record<string, unknown>;
      phases(broken)[0]!.nodes[0]!.owner = 'teamleidr';
      for (const d of [gezinstraject(), broken, tangledDefinition(200), chainDefinition(1001)]) {
        expect(await thread.validate(d, opts)).toEqual(validateDefinition(d, opts));
      }
    } finally {
      await thread.close();
    }
  });

  it('fails the requests in flight when it stops, and starts afresh for the next', async () => {
    const thread = new ValidationThread();
    const inFlight = expect(thread.validate(tangledDefinition(1000), opts)).rejects.toThrow('the validation thread was closed');
    await thread.close();
    await inFlight;
    await expect(thread.validate(chainDefinition(3), opts)).resolves.toMatchObject({ ok: true, problems: [] });
    await thread.close();
  });
});

/** The refusal a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<ValidationRefused> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationRefused);
  return err as ValidationRefused;
}

describe('the validation thread shares its time out (issue #9 review)', () => {
  const small = chainDefinition(3);

  it('holds at most 8 requests, waiting or running; more are refused at once, to try again after the deadline', async () => {
    expect(DEFAULT_VALIDATION_LIMITS).toEqual({ deadlineMs: 5_000, maxPending: 8, maxPerGroup: 2, startMs: 10_000 });
    const thread = new ValidationThread();
    try {
      // All asked in one go: none can be answered before the ninth is refused.
      const held = Array.from({ length: 8 }, (_, i) => thread.validate(small, opts, { client: `c${i}` }));
      expect(thread.pending).toBe(8);
      const ninth = await refusal(thread.validate(small, opts, { client: 'c8' }));
      expect(ninth).toMatchObject({ reason: 'busy', retryAfterSeconds: 5, message: 'the validation queue is full (8 at most, waiting or being validated); try again in 5 s' });
      for (const answer of await Promise.all(held)) expect(answer).toEqual(validateDefinition(small, opts));
      expect(thread.counts).toMatchObject({ started: 8, refused: 1 });
      // Room again once they are answered.
      await expect(thread.validate(small, opts, { client: 'c8' })).resolves.toMatchObject({ ok: true });
    } finally {
      await thread.close();
    }
  });

  it('holds one request per client: a second while the first waits is refused, and accepted once it is answered', async () => {
    const thread = new ValidationThread();
    try {
      const first = thread.validate(small, opts, { client: 'GM0363:operator-1' });
      const second = await refusal(thread.validate(small, opts, { client: 'GM0363:operator-1' }));
      expect(second).toMatchObject({ reason: 'client-busy', retryAfterSeconds: 5 });
      // Another client, or the same subject in another municipality, is someone else.
      const other = thread.validate(small, opts, { client: 'GM0599:operator-1' });
      await Promise.all([first, other]);
      await expect(thread.validate(small, opts, { client: 'GM0363:operator-1' })).resolves.toMatchObject({ ok: true });
    } finally {
      await thread.close();
    }
  });

  it('holds at most 2 requests of one municipality, so that its clients cannot take every place from the others', async () => {
    const thread = new ValidationThread();
    try {
      const held = [thread.validate(small, opts, { client: 'GM0363:a', group: 'GM0363' }), thread.validate(small, opts, { client: 'GM0363:b', group: 'GM0363' })];
      const third = await refusal(thread.validate(small, opts, { client: 'GM0363:c', group: 'GM0363' }));
      expect(third).toMatchObject({ reason: 'busy', message: '2 definitions of your municipality are being validated already; try again in 5 s' });
      // Another municipality still finds room.
      await expect(thread.validate(small, opts, { client: 'GM0599:a', group: 'GM0599' })).resolves.toMatchObject({ ok: true });
      await Promise.all(held);
    } finally {
      await thread.close();
    }
  });

  it('refuses as unavailable (a 503, never a 500) the requests of a thread that does not start in time, and starts afresh', async () => {
    const thread = new ValidationThread({ startMs: 1 });
    try {
      const waiting = await refusal(thread.validate(small, opts, { client: 'a' }));
      expect(waiting).toMatchObject({ reason: 'unavailable', message: 'definitions cannot be validated right now (the validation thread did not start within 0.001 s); try again in 5 s' });
      thread.limits.startMs = 60_000;
      await expect(thread.validate(small, opts, { client: 'a' })).resolves.toMatchObject({ ok: true });
      expect(thread.counts.threads).toBe(2);
    } finally {
      await thread.close();
    }
  });

  it('drops a waiting request whose client went away: it never reaches the thread, and frees its client\'s place', async () => {
    const thread = new ValidationThread();
    try {
      const gone = new AbortController();
      const first = thread.validate(small, opts, { client: 'a' });
      const dropped = thread.validate(costliest(), opts, { client: 'b', signal: gone.signal });
      const third = thread.validate(small, opts, { client: 'c' });
      gone.abort(); // still waiting: the thread has not even started yet
      expect(await refusal(dropped)).toMatchObject({ reason: 'aborted' });
      expect(thread.pending).toBe(2);
      await Promise.all([first, third]);
      expect(thread.counts).toMatchObject({ started: 2, dropped: 1 });
      // Gone before it was even asked: not queued at all.
      await refusal(thread.validate(small, opts, { client: 'b', signal: gone.signal }));
      expect(thread.counts).toMatchObject({ started: 2, dropped: 2 });
      await expect(thread.validate(small, opts, { client: 'b' })).resolves.toMatchObject({ ok: true });
    } finally {
      await thread.close();
    }
  });

  it('stops a validation at its deadline, answers that, and validates the next request in a new thread', async () => {
    // The deadline is counted from when the thread takes the request up; 1 ms for the costliest definition within
    // the bounds, which takes about a second.
    const thread = new ValidationThread({ deadlineMs: 1 });
    try {
      const slow = thread.validate(costliest(), opts, { client: 'a' }).catch((err: unknown) => {
        thread.limits.deadlineMs = 60_000; // for the next one: the new thread is not ready before this runs
        throw err;
      });
      const next = thread.validate(gezinstraject(), opts, { client: 'b' });
      const stopped = await refusal(slow);
      expect(stopped).toMatchObject({ reason: 'deadline', retryAfterSeconds: 1 });
      expect(stopped.message).toBe('validating the definition took longer than 0.001 s, the most it may take; the server is busy: try again in 1 s');
      expect(await next).toEqual(validateDefinition(gezinstraject(), opts));
      expect(thread.counts).toMatchObject({ started: 2, deadlines: 1, threads: 2 });
    } finally {
      await thread.close();
    }
  });
});

describe('API: validation in a thread, bounded', () => {
  let app: ReturnType<typeof testApp>;
  let server: Server;
  let base: string;
  /** Called when the server has read a whole body posted to the validate route. */
  let onValidateBody: (() => void) | undefined;
  /** Called when the server has read a whole body posted to a definitions route. */
  let onDefinitionBody: ((req: IncomingMessage) => void) | undefined;

  beforeAll(async () => {
    // A lazy client: these routes validate before they would ever reach Temporal.
    app = testApp(new Client(), shipped, 'validator-scale', { activities: opts.activities });
    server = createServer((req, res) => {
      if (req.url === '/v1/definitions/validate') req.once('end', () => onValidateBody?.());
      if (req.url?.startsWith('/v1/definitions')) req.once('end', () => onDefinitionBody?.(req));
      app(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await validationThread.close();
  });

  /** Resolves once the server has read the next body posted to a definitions route. */
  const nextBody = () =>
    new Promise<void>((resolve) => {
      onDefinitionBody = () => {
        onDefinitionBody = undefined;
        resolve();
      };
    });

  const post = async (path: string, body: unknown, role: 'manager' | 'operator' = 'manager') =>
    request(base).post(path).set('authorization', `Bearer ${await token(role)}`).send(body as object);

  it('the validate route answers a definition of 1 001 nodes with the problem and its path', async () => {
    const res = await post('/v1/definitions/validate', chainDefinition(1001));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ valid: false, problems: [{ path: '/phases/0/nodes', message: TOO_MANY_NODES }] });
  });

  it('the register route refuses it (422) before it reaches Temporal, the path under /body', async () => {
    const res = await post('/v1/definitions', chainDefinition(1001), 'operator');
    expectProblem(res, 422, 'unprocessable');
    expect(res.body.errors).toEqual([{ path: '/body/phases/0/nodes', message: TOO_MANY_NODES }]);
  });

  it('FEEL too long, or too much of it: 422 with the paths under /body, before it reaches Temporal', async () => {
    const [long] = expressions(1, 201);
    const d = chainDefinition(3);
    phases(d)[0]!.nodes[0]!.due = { date: long };
    const refused = await post('/v1/definitions', d, 'operator');
    expectProblem(refused, 422, 'unprocessable');
    expect(refused.body.errors).toEqual([{ path: '/body/phases/0/nodes/0/due/date', message: FEEL_TOO_LONG }]);
    const checked = await post('/v1/definitions/validate', withConditions([...expressions(50, 200), 'x']));
    expect(checked.body).toEqual({ valid: false, problems: [{ path: '/eventHandlers/50/when', message: TOO_MUCH_FEEL }] });
  });

  it('too many waiting: 503 with Retry-After; one of the caller\'s own waiting: 429 with Retry-After', async () => {
    validationThread.limits.maxPending = 1;
    try {
      const received = nextBody();
      const slow = post('/v1/definitions/validate', costliest()); // about a second in the thread
      await received;
      // Asked while the manager's validation runs: another client finds no room, the manager itself its own place taken.
      const busy = await post('/v1/definitions', chainDefinition(3), 'operator');
      expectProblem(busy, 503, 'service-unavailable');
      expect(busy.headers['retry-after']).toBe('5');
      expect(busy.body.detail).toBe('the validation queue is full (1 at most, waiting or being validated); try again in 5 s');
      const own = await post('/v1/definitions/validate', chainDefinition(3));
      expectProblem(own, 429, 'too-many-requests');
      expect(own.headers['retry-after']).toBe('5');
      expect(own.body.detail).toBe('a definition of yours is still being validated; wait for its answer, or try again in 5 s');
      expect((await slow).status).toBe(200);
    } finally {
      validationThread.limits = { ...DEFAULT_VALIDATION_LIMITS };
    }
    expect((await post('/v1/definitions/validate', chainDefinition(3))).body).toEqual({ valid: true, problems: [] });
  });

  it('past the deadline: 503 with Retry-After, and the next request is validated by a new thread', async () => {
    const { deadlines, threads } = validationThread.counts;
    validationThread.limits.deadlineMs = 1;
    try {
      const stopped = await post('/v1/definitions/validate', costliest());
      expectProblem(stopped, 503, 'service-unavailable');
      expect(stopped.headers['retry-after']).toBe('1');
      expect(stopped.body.detail).toMatch(/^validating the definition took longer than 0.001 s, the most it may take; the server is busy: try again in 1 s$/);
    } finally {
      validationThread.limits = { ...DEFAULT_VALIDATION_LIMITS };
    }
    expect((await post('/v1/definitions', chainDefinition(1001), 'operator')).status).toBe(422);
    expect(validationThread.counts).toMatchObject({ deadlines: deadlines + 1, threads: threads + 1 });
  });

  it('a request whose client went away before its turn is dropped: it never reaches the thread', async () => {
    const { started, dropped } = validationThread.counts;
    const received = nextBody();
    const slow = post('/v1/definitions/validate', costliest()); // about a second in the thread
    await received;
    // Another client posts, and goes away once the server has its definition, while it waits behind the slow one.
    const body = JSON.stringify(mixedDefinition(1000));
    const gone = httpRequest(`${base}/v1/definitions/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${await token('operator')}` },
    });
    gone.on('error', () => undefined);
    onDefinitionBody = () => gone.destroy();
    gone.end(body);
    await vi.waitFor(() => expect(validationThread.counts.dropped).toBe(dropped + 1));
    onDefinitionBody = undefined;
    expect((await slow).status).toBe(200);
    expect(validationThread.counts.started).toBe(started + 1);
  });

  it('the largest accepted definition is valid through the API', async () => {
    const res = await post('/v1/definitions/validate', mixedDefinition(1000));
    expect(res.body).toEqual({ valid: true, problems: [] });
  });

  it('answers a health check while it validates the costliest definition it accepts', async () => {
    await post('/v1/definitions/validate', chainDefinition(10)); // the thread is started
    const largest = costliest();
    const answered: string[] = [];
    let health: Promise<void> | undefined;
    // Asked only once the server has the whole definition: from then on, validating it is all that is left.
    onValidateBody = () => {
      health = request(base)
        .get('/v1/health/live')
        .then((res) => {
          expect(res.status).toBe(200);
          answered.push('health');
        });
    };
    try {
      const res = await post('/v1/definitions/validate', largest);
      answered.push('validation');
      expect(res.status).toBe(200);
      expect(res.body.valid).toBe(false);
      await health;
    } finally {
      onValidateBody = undefined;
    }
    expect(answered).toEqual(['health', 'validation']);
  });
});
