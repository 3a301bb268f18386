/**
 * `npm run bench`: the interpreter against a hand-written workflow doing the same work, on the same Temporal dev
 * server, worker and run. Reports trajectory starts per second and step transitions per second of each, and their
 * ratio (target: interpreter ≥ 0.8 × hand-written). Rounds alternate which variant goes first; medians are reported.
 *
 * The cost of encryption at rest (#12 point 5) in the same run: the interpreter once more with the payload codec
 * (runtime/encryption.ts) in its client and worker (a worker of its own on a task queue of its own), against the
 * interpreter without it; ratio codec/plain (target ≥ 0.9).
 *
 * Options (environment): BENCH_ROUNDS (default 3), BENCH_STARTS (workflows started per round, default 200),
 * BENCH_WORKFLOWS (workflows stepped concurrently, default 40), BENCH_STEPS (steps each, default 10),
 * BENCH_CONCURRENCY (requests in flight, default 20).
 */
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createActivities } from '../activities/index.js';
import { derivedKeyRing } from '../runtime/config.js';
import { dataConverter, FAILURE_CONVERTER_PATH } from '../runtime/data-converter.js';
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
const CODEC_TASK_QUEUE = 'bench-codec';
/** The bench's keys (public: the bench holds no real data). */
const BENCH_KEY_RING = derivedKeyRing('waakvlam-bench-keys', 'bench');

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

type VariantName = 'interpreter' | 'hand-written' | 'interpreter+codec';

interface Variant {
  name: VariantName;
  /** Whether its client and worker encrypt (the codec's own task queue). */
  codec?: boolean;
  start(client: Client, id: string): Promise<void>;
  complete(client: Client, id: string, step: number): Promise<void>;
}

const definition = linearDefinition(STEPS);
const interpreter = (name: VariantName, taskQueue: string, codec: boolean): Variant => ({
  name,
  codec,
  async start(client, id) {
    const handle = await client.workflow.start(trajectoryWorkflow, {
      workflowId: id,
      taskQueue,
      args: [{ caseRef: id, municipality: 'GM0363', definition }],
    });
    await handle.query(getStateQuery);
  },
  async complete(client, id, step) {
    await client.workflow.getHandle(id).executeUpdate(completeStepUpdate, { args: [{ stepId: `task-${step}`, completedBy: 'bench' }] });
  },
});
const variants: Variant[] = [
  interpreter('interpreter', TASK_QUEUE, false),
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
  interpreter('interpreter+codec', CODEC_TASK_QUEUE, true),
];

/** Starts STARTS workflows (start + first query, so the first workflow task has run); returns starts/s. */
async function measureStarts(client: Client, v: Variant, round: number): Promise<number> {
  const ids = Array.from({ length: STARTS }, (_, i) => `GM0363-bench-${v.name}-s${round}-${i}`);
  const t0 = performance.now();
  await pool(ids, CONCURRENCY, (id) => v.start(client, id));
  return STARTS / ((performance.now() - t0) / 1000);
}

/** Takes WORKFLOWS workflows through all STEPS steps (each completion a validated update); returns transitions/s. */
async function measureTransitions(client: Client, v: Variant, round: number): Promise<number> {
  const ids = Array.from({ length: WORKFLOWS }, (_, i) => `GM0363-bench-${v.name}-t${round}-${i}`);
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
  // One bundle (with the failure converter, as the build makes it) for both workers. The engine's activities are
  // registered: a trajectory that closes delivers its notifications (no receiver configured: nothing is sent), and
  // without them it would wait for an activity no worker runs.
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./workflows/index.ts', import.meta.url)),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  const workerOptions = { connection: testEnv.nativeConnection, workflowBundle, activities: createActivities() };
  const plainWorker = await Worker.create({ ...workerOptions, taskQueue: TASK_QUEUE });
  const codecWorker = await Worker.create({ ...workerOptions, taskQueue: CODEC_TASK_QUEUE, dataConverter: dataConverter(BENCH_KEY_RING) });
  const plainClient = testEnv.client;
  const codecClient = new Client({ connection: testEnv.connection, dataConverter: dataConverter(BENCH_KEY_RING) });
  const clientOf = (v: Variant) => (v.codec ? codecClient : plainClient);
  const results = Object.fromEntries(variants.map((v) => [v.name, { starts: [] as number[], transitions: [] as number[] }])) as Record<
    VariantName,
    { starts: number[]; transitions: number[] }
  >;
  console.log(`bench: ${ROUNDS} rounds; ${STARTS} starts; ${WORKFLOWS} workflows × ${STEPS} steps; ${CONCURRENCY} in flight`);
  await codecWorker.runUntil(
    plainWorker.runUntil(async () => {
      // Warm-up: every variant once, not counted.
      for (const v of variants) await measureTransitions(clientOf(v), v, -1);
      for (let round = 0; round < ROUNDS; round++) {
        // Alternating which goes first: forwards in even rounds, backwards in odd ones.
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const v of order) {
          results[v.name].starts.push(await measureStarts(clientOf(v), v, round));
          results[v.name].transitions.push(await measureTransitions(clientOf(v), v, round));
        }
        console.log(`  round ${round + 1}/${ROUNDS} done`);
      }
    }),
  );
  await testEnv.teardown();

  // Besides the ratio of the medians, the median of each round's ratio: the two ran minutes apart at most, so a
  // machine that is busier in one round than in another moves both.
  const table = (title: string, a: VariantName, b: VariantName, target: string) => {
    const paired = (xs: number[], ys: number[]) => median(xs.map((x, i) => x / ys[i]!));
    const rows = [
      ['trajectory starts/s', results[a].starts, results[b].starts],
      ['step transitions/s', results[a].transitions, results[b].transitions],
    ] as const;
    console.log(`\n${title}\nmetric                 ${a.padStart(17)}  ${b.padStart(12)}  ratio (target ≥ ${target})  per-round ratio`);
    for (const [name, xs, ys] of rows) {
      const [x, y] = [median(xs), median(ys)];
      console.log(`${name.padEnd(22)} ${x.toFixed(1).padStart(17)}  ${y.toFixed(1).padStart(12)}  ${(x / y).toFixed(2).padStart(20)}  ${paired(xs, ys).toFixed(2).padStart(15)}`);
    }
  };
  table('interpreter against hand-written (both without the codec)', 'interpreter', 'hand-written', '0.80');
  table('encryption at rest: the interpreter with the payload codec against without', 'interpreter+codec', 'interpreter', '0.90');
  console.log(JSON.stringify({ bench: 'interpreter-vs-hand-written-and-codec', rounds: ROUNDS, steps: STEPS, results }, null, 0));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
