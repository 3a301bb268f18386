/**
 * The validator finds every mistake at once, each with its path and, where it can, a "did you mean".
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateDefinition, type Problem } from '../definitions/validate.js';
import { loadDefinitionFile, loadDefinitionText } from '../definitions/load.js';
import type { DefinitionInput } from '../definitions/schema.js';
import { gezinstraject } from './helpers/definitions.js';

const root = resolve(import.meta.dirname, '..');
const opts = { activities: ['notify-case-system'] };

/** The shipped definition, deep-copied, with `mutate` applied. */
function variant(mutate: (d: any) => void): DefinitionInput {
  const copy = JSON.parse(JSON.stringify(gezinstraject()));
  mutate(copy);
  return copy;
}

function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input, opts);
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.problems;
}

const phase = (d: any, id: string) => d.phases.find((p: any) => p.id === id);
const nodeIndex = (d: any, phaseId: string, nodeId: string) => phase(d, phaseId).nodes.findIndex((n: any) => n.id === nodeId);

describe('validator', () => {
  it('accepts the shipped gezinstraject', () => {
    expect(validateDefinition(gezinstraject(), opts)).toMatchObject({ ok: true, problems: [] });
  });

  it('refuses the ids the engine and the API give a meaning of their own: the closed phase, a definition named like an API path', () => {
    const p = problemsOf(
      variant((d) => {
        d.id = 'validate';
        phase(d, 'closure').id = 'afgesloten';
        for (const node of d.phases.flatMap((ph: any) => ph.nodes)) if (node.type === 'goto' && node.phase === 'closure') node.phase = 'afgesloten';
      }),
    );
    expect(p).toContainEqual({ path: '/id', message: 'the definition id "validate" is reserved (a path of the API)' });
    expect(p).toContainEqual({ path: '/phases/5/id', message: 'the phase id "afgesloten" is reserved: a closed trajectory is in it' });
  });

  it('names contact-watch problems by the pointer that is in the document (/contactWatch/event, not a path that does not exist)', () => {
    const problems = problemsOf(
      variant((d) => {
        d.contactWatch = { event: 'bestaat-niet', after: 'P14D', owner: 'nobody', inPhases: ['intake', 'nergens'] };
      }),
    );
    const paths = problems.map((p) => p.path).sort();
    expect(paths).toEqual(['/contactWatch/event', '/contactWatch/inPhases/1', '/contactWatch/owner']);
  });

  it('finds an unknown next step, with a suggestion', () => {
    const p = problemsOf(variant((d) => (phase(d, 'intake').nodes[0].next = 'first-contct')));
    expect(p).toContainEqual({ path: '/phases/0/nodes/0/next', message: 'unknown node "first-contct" in phase "intake"', suggestion: 'first-contact' });
  });

  it('finds a reference to a node of another phase', () => {
    const p = problemsOf(variant((d) => (phase(d, 'intake').nodes[0].next = 'housing')));
    expect(p.find((x) => x.path === '/phases/0/nodes/0/next')?.message).toMatch(/node of another phase.*goto/);
  });

  it('finds unreachable steps', () => {
    const p = problemsOf(
      variant((d) => phase(d, 'closure').nodes.push({ id: 'orphan', type: 'userTask', owner: 'regisseur', due: 'P1D', next: 'closure-done' })),
    );
    expect(p).toContainEqual({ path: '/phases/5/nodes/3', message: 'node "orphan" is unreachable from the phase\'s start "final-evaluation"' });
  });

  it('finds a join without its split, and a split whose join is not a join', () => {
    const p = problemsOf(
      variant((d) => {
        const stab = phase(d, 'stabilisation');
        stab.nodes[0].join = 'housing';
      }),
    );
    const i = nodeIndex(gezinstraject(), 'stabilisation', 'basic-security-done');
    expect(p).toContainEqual({ path: `/phases/2/nodes/${i}`, message: 'parallel join "basic-security-done" has no parallelSplit naming it as its join' });
    expect(p).toContainEqual({ path: '/phases/2/nodes/0/join', message: '"housing" is a userTask, not a parallelJoin' });
  });

  it('finds a gateway without a default, and a flow with no way out', () => {
    const p = problemsOf(
      variant((d) => {
        const safety = phase(d, 'safety');
        delete safety.nodes[1].default;
        const exec = phase(d, 'execution');
        exec.nodes.find((n: any) => n.id === 'goals-met').branches[0].next = 'evaluation-wait';
      }),
    );
    expect(p).toContainEqual({ path: '/phases/1/nodes/1/default', message: 'an exclusive gateway needs a default flow, taken when no condition holds' });
    expect(p.some((x) => x.path.startsWith('/phases/4/nodes/') && /no path leads to an end or goto/.test(x.message))).toBe(true);
  });

  it('finds unknown roles, events, activities, phases and escalation policies, with suggestions', () => {
    const p = problemsOf(
      variant((d) => {
        phase(d, 'intake').nodes[0].owner = 'teamleidr';
        phase(d, 'family-plan').nodes.find((n: any) => n.id === 'await-agreement').event = 'plan-agred';
        phase(d, 'intake').nodes[1].escalation = 'standard';
        d.eventHandlers[0].goto.cases[0].phase = 'safty';
        phase(d, 'closure').nodes[0] = { id: 'final-evaluation', type: 'serviceTask', activity: 'notify-case-sytem', next: 'aftercare-contract' };
      }),
    );
    expect(p).toContainEqual({ path: '/phases/0/nodes/0/owner', message: 'unknown role "teamleidr"', suggestion: 'teamleider' });
    expect(p).toContainEqual(expect.objectContaining({ path: '/phases/3/nodes/4/event', message: 'unknown event "plan-agred"', suggestion: 'plan-agreed' }));
    expect(p).toContainEqual({ path: '/phases/0/nodes/1/escalation', message: 'unknown escalation policy "standard"', suggestion: 'standaard' });
    expect(p).toContainEqual({ path: '/eventHandlers/0/goto/cases/0/phase', message: 'unknown phase "safty"', suggestion: 'safety' });
    expect(p).toContainEqual({ path: '/phases/5/nodes/0/activity', message: 'unknown activity "notify-case-sytem"', suggestion: 'notify-case-system' });
  });

  it('finds bad durations and FEEL that does not parse', () => {
    const p = problemsOf(
      variant((d) => {
        phase(d, 'intake').nodes[1].due = 'P5 days';
        phase(d, 'safety').nodes[1].branches[0].when = 'veiligheid = ';
        phase(d, 'aftercare').nodes[0].cycle.every = 'monthly';
      }),
    );
    expect(p.find((x) => x.path === '/phases/0/nodes/1/due')?.message).toMatch(/not an ISO 8601 duration/);
    expect(p.find((x) => x.path === '/phases/1/nodes/1/branches/0/when')?.message).toMatch(/FEEL syntax error/);
    expect(p.find((x) => x.path === '/phases/6/nodes/0/cycle/every')?.message).toMatch(/not an ISO 8601 duration/);
  });

  it('finds structural mistakes: unknown fields with suggestions, unknown node types, duplicates, missing fields', () => {
    const p = problemsOf(
      variant((d) => {
        const intake = phase(d, 'intake');
        intake.nodes[0].nxt = intake.nodes[0].next;
        intake.nodes[1].type = 'usertask';
        intake.nodes.push({ id: 'assign-director', type: 'end' });
        delete d.name;
      }),
    );
    expect(p).toContainEqual({ path: '/phases/0/nodes/0/nxt', message: 'unknown field "nxt"', suggestion: 'next' });
    expect(p.find((x) => x.path === '/phases/0/nodes/1/type')?.message).toMatch(/unknown node type; expected one of userTask/);
    expect(p.find((x) => x.path === '/phases/0/nodes/3/id')?.message).toMatch(/duplicate node id "assign-director"/);
    expect(p.some((x) => x.path === '/name')).toBe(true);
  });

  it('reports all problems of a file at once, with lines and columns', () => {
    const result = loadDefinitionFile(resolve(root, 'test/fixtures/definitions/broken.yaml'), opts);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byPath = Object.fromEntries(result.problems.map((x) => [x.path, x]));
    expect(byPath['/phases/0/nodes/0/owner']).toMatchObject({ suggestion: 'regisseur', line: 14 });
    expect(byPath['/phases/0/nodes/0/due']).toMatchObject({ line: 14 });
    expect(byPath['/phases/0/nodes/0/nxt']).toMatchObject({ suggestion: 'next', line: 14 });
    expect(byPath['/phases/0/nodes/1/default']).toMatchObject({ line: 15 });
    expect(byPath['/phases/0/nodes/1/branches/0/when']?.message).toMatch(/FEEL/);
    expect(byPath['/phases/0/nodes/2/event']).toMatchObject({ suggestion: 'plan-agreed', line: 16 });
    expect(byPath['/phases/0/nodes/2']?.message).toMatch(/unreachable/);
    expect(result.problems.length).toBeGreaterThanOrEqual(8);
  });

  it('reports YAML that does not parse', () => {
    const result = loadDefinitionText('id: x\n  bad: [\n', opts);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]!.message).toMatch(/not valid YAML/);
  });
});

describe('validator: parallel regions and loops', () => {
  const withPhase = (nodes: unknown[]) => ({
    id: 'p',
    version: 1,
    name: 'P',
    roles: [{ id: 'regisseur', name: 'R' }],
    phases: [{ id: 'a', name: 'A', start: nodes[0] && (nodes[0] as { id: string }).id, nodes }],
  });
  const t = (id: string, next: string) => ({ id, type: 'userTask', owner: 'regisseur', due: 'P1D', next });

  it('refuses an end inside a parallel split, whose join would wait forever', () => {
    const p = problemsOf(
      withPhase([
        { id: 's', type: 'parallelSplit', branches: ['a', 'g'], join: 'j' },
        t('a', 'j'),
        { id: 'g', type: 'exclusiveGateway', branches: [{ when: 'x = 1', next: 'j' }], default: 'e' },
        { id: 'j', type: 'parallelJoin', next: 'e' },
        { id: 'e', type: 'end' },
      ]),
    );
    expect(p.find((x) => x.path === '/phases/0/nodes/4')?.message).toMatch(/end "e" lies inside the parallel split "s"/);
  });

  it('refuses a branch that flows back into its own split, and one that never reaches its join', () => {
    const p = problemsOf(
      withPhase([
        { id: 's', type: 'parallelSplit', branches: ['a', 'b'], join: 'j' },
        t('a', 's'),
        t('b', 'j'),
        { id: 'j', type: 'parallelJoin', next: 'e' },
        { id: 'e', type: 'end' },
      ]),
    );
    expect(p.find((x) => x.path === '/phases/0/nodes/0')?.message).toMatch(/flows back into the split itself/);
  });

  it('refuses a loop of gateways that never waits', () => {
    const p = problemsOf(
      withPhase([
        { id: 'g1', type: 'exclusiveGateway', branches: [{ when: 'false', next: 'e' }], default: 'g2' },
        { id: 'g2', type: 'exclusiveGateway', branches: [{ when: 'false', next: 'e' }], default: 'g1' },
        { id: 'e', type: 'end' },
      ]),
    );
    expect(p.some((x) => /never waits/.test(x.message))).toBe(true);
  });

  it('accepts a loop that waits (the two-weekly evaluation)', () => {
    expect(
      validateDefinition(
        withPhase([
          { id: 'w', type: 'timer', duration: 'P2W', next: 'ev' },
          t('ev', 'g'),
          { id: 'g', type: 'exclusiveGateway', branches: [{ when: 'klaar = true', next: 'e' }], default: 'w' },
          { id: 'e', type: 'end' },
        ]),
        opts,
      ).ok,
    ).toBe(true);
  });
});

describe('waakvlam validate', () => {
  const cli = (...files: string[]) =>
    spawnSync(process.execPath, ['bin/waakvlam.mjs', 'validate', ...files], { cwd: root, encoding: 'utf8' });

  it('exits 0 on the shipped definition', () => {
    const run = cli('definitions/gezinstraject.yaml');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/valid \(gezinstraject version 1, 7 phases\)/);
  });

  it('exits non-zero and prints every problem with file, line, path and suggestion', () => {
    const run = cli('test/fixtures/definitions/broken.yaml');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/broken\.yaml:14:\d+ \/phases\/0\/nodes\/0\/owner: unknown role "regiseur" \(did you mean "regisseur"\?\)/);
    expect(run.stdout).toMatch(/broken\.yaml: \d+ problems/);
  });

  it('exits 2 on a usage error', () => {
    expect(cli().status).toBe(2);
  });
});
