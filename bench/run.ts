/**
 * `npm run bench`: the interpreter against a hand-written workflow doing the same work, on the same Temporal dev
 * server, worker and run. Reports trajectory starts per second and step transitions per second of each, and their
 * ratio (target: interpreter ≥ 0.8 × hand-written). Rounds alternate which variant goes first; medians are reported.
 *
 * Options (environment): BENCH_ROUNDS (default 3), BENCH_STARTS (workflows started per round, default 200),
 * BENCH_WORKFLOWS (workflows stepped concurrently, default 40), BENCH_STEPS (steps each, default 10),
 * BENCH_CONCURRENCY (requests in flight, default 20).
 */
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { resolveTemporalCli } from '../scripts/temporal-binaries.js';
import { validateDefinition } from '../definitions/validate.js';
import type { Definition } from '../definitions/schema.js';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { completeStepUpdate, getStateQuery, trajectoryWorkflow } from '../workflows/trajectory.js';
import { handWrittenComplete, handWrittenState, handWrittenWorkflow } from './workflows/index.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const ROUNDS = env('BENCH_ROUNDS', 3);
const STARTS = env('BENCH_STARTS', 200);
const WORKFLOWS = env('BENCH_WORKFLOWS', 40);
const STEPS = env('BENCH_STEPS', 10);
const CONCURRENCY = env('BENCH_CONCURRENCY', 20);
const TASK_QUEUE = 'bench';

/** The hand-written workflow's process as a definition: one phase, STEPS user tasks in a row. */
function linearDefinition(steps: number): Definition {
  const nodes = Array.from({ length: steps }, (_, i) => ({
    id: `task-${i + 1}`,
    type: 'userTask',
    owner: 'regisseur',
    due: { workingDays: 5 },
    next: i + 1 < steps ? `task-${i + 2}` : 'done',
  }));
  const result = validateDefinition(
    {
      id: 'bench-linear',
      version: 1,
      name: 'Benchmark',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      phases: [{ id: 'work', name: 'Werk', start: 'task-1', nodes: [...nodes, { id: 'done', type: 'end' }] }],
    },
    { activities: [] },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition;
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

interface Variant {
  name: 'interpreter' | 'hand-written';
  start(client: Client, id: string): Promise<void>;
  complete(client: Client, id: string, step: number): Promise<void>;
}

const definition = linearDefinition(STEPS);
const variants: Variant[] = [
  {
    name: 'interpreter',
    async start(client, id) {
      const handle = await client.workflow.start(trajectoryWorkflow, {
        workflowId: id,
        taskQueue: TASK_QUEUE,
        args: [{ caseRef: id, municipality: 'GM0363', definition }],
      });
      await handle.query(getStateQuery);
    },
    async complete(client, id, step) {
      await client.workflow.getHandle(id).executeUpdate(completeStepUpdate, { args: [{ stepId: `task-${step}`, completedBy: 'bench' }] });
    },
  },
  {
    name: 'hand-written',
    async start(client, id) {
      const handle = await client.workflow.start(handWrittenWorkflow, {
        workflowId: id,
        taskQueue: TASK_QUEUE,
        args: [{ caseRef: id, municipality: 'GM0363', steps: STEPS }],
      });
      await handle.query(handWrittenState);
    },
    async complete(client, id, step) {
      await client.workflow.getHandle(id).executeUpdate(handWrittenComplete, { args: [{ stepId: `task-${step}`, completedBy: 'bench' }] });
    },
  },
];

/** Starts STARTS workflows (start + first query, so the first workflow task has run); returns starts/s. */
async function measureStarts(client: Client, v: Variant, round: number): Promise<number> {
  const ids = Array.from({ length: STARTS }, (_, i) => `bench-${v.name}-s${round}-${i}`);
  const t0 = performance.now();
  await pool(ids, CONCURRENCY, (id) => v.start(client, id));
  return STARTS / ((performance.now() - t0) / 1000);
}

/** Takes WORKFLOWS workflows through all STEPS steps (each completion a validated update); returns transitions/s. */
async function measureTransitions(client: Client, v: Variant, round: number): Promise<number> {
  const ids = Array.from({ length: WORKFLOWS }, (_, i) => `bench-${v.name}-t${round}-${i}`);
  await pool(ids, CONCURRENCY, (id) => v.start(client, id));
  const t0 = performance.now();
  await pool(ids, CONCURRENCY, async (id) => {
    for (let step = 1; step <= STEPS; step++) await v.complete(client, id, step);
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const id of ids) await client.workflow.getHandle(id).result();
  return (WORKFLOWS * STEPS) / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const cli = resolveTemporalCli();
  const testEnv = await TestWorkflowEnvironment.createLocal({
    server: { ...(cli.path ? { executable: { type: 'existing-path', path: cli.path } } : {}), searchAttributes: [...ALL_SEARCH_ATTRIBUTES] },
  });
  const worker = await Worker.create({
    connection: testEnv.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: fileURLToPath(new URL('./workflows/index.ts', import.meta.url)),
  });
  const results: Record<string, { starts: number[]; transitions: number[] }> = {
    interpreter: { starts: [], transitions: [] },
    'hand-written': { starts: [], transitions: [] },
  };
  console.log(`bench: ${ROUNDS} rounds; ${STARTS} starts; ${WORKFLOWS} workflows × ${STEPS} steps; ${CONCURRENCY} in flight`);
  await worker.runUntil(async () => {
    // Warm-up: both variants once, not counted.
    for (const v of variants) await measureTransitions(testEnv.client, v, -1);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        results[v.name]!.starts.push(await measureStarts(testEnv.client, v, round));
        results[v.name]!.transitions.push(await measureTransitions(testEnv.client, v, round));
      }
      console.log(`  round ${round + 1}/${ROUNDS} done`);
    }
  });
  await testEnv.teardown();

  const i = results.interpreter!;
  const h = results['hand-written']!;
  const rows = [
    ['trajectory starts/s', median(i.starts), median(h.starts)],
    ['step transitions/s', median(i.transitions), median(h.transitions)],
  ] as const;
  console.log('\nmetric                 interpreter  hand-written  ratio (target ≥ 0.80)');
  for (const [name, a, b] of rows) {
    console.log(`${name.padEnd(22)} ${a.toFixed(1).padStart(11)}  ${b.toFixed(1).padStart(12)}  ${(a / b).toFixed(2).padStart(5)}`);
  }
  console.log(JSON.stringify({ bench: 'interpreter-vs-hand-written', rounds: ROUNDS, steps: STEPS, results }, null, 0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
