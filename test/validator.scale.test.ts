/**
 * The validator at scale (issue #9): a definition has at most 1 000 nodes, and a larger one gets that problem with
 * its path; the validator's work (its own count of nodes and flows visited) grows linearly with the definition, and
 * suggestions, reported problems and tangled parallel splits cost a bounded amount; the API validates in a thread,
 * so the event loop answers other requests meanwhile. Time is measured by `npm run bench:validate`, not here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { Client } from '@temporalio/client';
import { MAX_NODES_PER_DEFINITION, TOO_MANY_NODES } from '../definitions/schema.js';
import { MAX_PROBLEMS, validateDefinition, type Problem } from '../definitions/validate.js';
import { ValidationThread, validationThread } from '../definitions/validate-thread.js';
import { gezinstraject, shipped } from './helpers/definitions.js';
import { expectProblem, testApp, token } from './helpers/api.js';
import { chainDefinition, mixedDefinition, tangledDefinition } from './helpers/large-definitions.js';

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

const phases = (d: Record<string, unknown>) => d.phases as Array<{ id: string; start: string; nodes: Array<Record<string, unknown>> }>;

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

describe('API: validation in a thread, bounded', () => {
  let app: ReturnType<typeof testApp>;
  let server: Server;
  let base: string;
  /** Called when the server has read a whole body posted to the validate route. */
  let onValidateBody: (() => void) | undefined;

  beforeAll(async () => {
    // A lazy client: these routes validate before they would ever reach Temporal.
    app = testApp(new Client(), shipped, 'validator-scale', { activities: opts.activities });
    server = createServer((req, res) => {
      if (req.url === '/v1/definitions/validate') req.once('end', () => onValidateBody?.());
      app(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await validationThread.close();
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

  it('the largest accepted definition is valid through the API', async () => {
    const res = await post('/v1/definitions/validate', mixedDefinition(1000));
    expect(res.body).toEqual({ valid: true, problems: [] });
  });

  it('answers a health check while it validates the costliest definition it accepts', async () => {
    await post('/v1/definitions/validate', chainDefinition(10)); // the thread is started
    const largest = tangledDefinition(MAX_NODES_PER_DEFINITION);
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
