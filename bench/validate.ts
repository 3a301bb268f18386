/**
 * `npm run bench:validate`: the definition validator against the definition's size. For each shape (a chain of user
 * tasks as in issue #9, a mix of every node kind, and the costliest tangle of parallel splits we know), the median
 * time to validate N and 2N nodes, in-process, and their ratio: ≈ 2 is linear, ≈ 4 quadratic. The validator's own
 * count of its work (nodes and flows visited) gives the same ratio without the noise of a shared machine.
 *
 * Then the event loop while the largest tangle (2N nodes, the largest body) is validated ROUNDS times, in-process (the
 * baseline) and through the validation thread (as the API does): how long the event loop was busy per validation,
 * and its longest stall (on a shared machine, some milliseconds of that are other processes').
 *
 * Then the worst case within the bounds (issue #9's review): the costliest definition we know, about 1 MB (the API's
 * largest body), whose FEEL fills the bounds (`MAX_FEEL_LENGTH`, `MAX_FEEL_TEXT`) with the costliest expressions we
 * found, in-process and through the thread, against the thread's deadline; and issue #9's probes of unbounded FEEL,
 * now refused before any is parsed.
 *
 * Options (environment): BENCH_VALIDATE_NODES (N, default 500: 2N is the limit of 1 000 nodes), BENCH_VALIDATE_ROUNDS
 * (validations measured per size, default 20). CI runs it once, small: BENCH_VALIDATE_NODES=20 BENCH_VALIDATE_ROUNDS=1.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MAX_FEEL_LENGTH, MAX_FEEL_TEXT } from '../definitions/schema.js';
import { feelSyntaxError, validateDefinition } from '../definitions/validate.js';
import { validationThread } from '../definitions/validate-thread.js';
import { chainDefinition, costliestDefinition, costlyFeel, manyConditionsDefinition, mixedDefinition, tangledDefinition } from '../test/helpers/large-definitions.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const N = env('BENCH_VALIDATE_NODES', 500);
const ROUNDS = Math.max(1, env('BENCH_VALIDATE_ROUNDS', 20));
const opts = { activities: ['notify-case-system'] };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The validator's count of its work for one validation. */
function steps(definition: unknown): number {
  const work = { steps: 0 };
  validateDefinition(definition, { ...opts, work });
  return work.steps;
}

/** Milliseconds of one validation. */
function time(definition: unknown): number {
  const t0 = performance.now();
  validateDefinition(definition, opts);
  return performance.now() - t0;
}

/** While `run` validates ROUNDS times: the event loop's busy milliseconds per validation, and its longest stall. */
async function eventLoop(run: () => Promise<void>): Promise<{ busyMs: number; stallMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const before = performance.eventLoopUtilization();
  await run();
  const busy = performance.eventLoopUtilization(before).active;
  histogram.disable();
  return { busyMs: busy / ROUNDS, stallMs: histogram.max / 1e6 };
}

async function main(): Promise<void> {
  const shapes = { chain: chainDefinition, mixed: mixedDefinition, tangled: tangledDefinition };
  console.log(`bench: validation of N = ${N} and 2N = ${2 * N} nodes; median of ${ROUNDS} each`);
  console.log('\nshape     N ms     2N ms   ratio   steps N   steps 2N   ratio   (≈2 linear, ≈4 quadratic)');
  const results: Record<string, unknown> = {};
  const definitions = Object.entries(shapes).map(([name, make]) => ({ name, small: make(N), large: make(2 * N) }));
  // Warm-up (not counted): every shape and size a few times, so the first measured is not the one compiling.
  for (let w = 0; w < 3; w++) for (const d of definitions) [d.small, d.large].forEach(time);
  for (const { name, small, large } of definitions) {
    // N and 2N alternate, so that what else the machine does weighs on both alike.
    const times = { small: [] as number[], large: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      times.small.push(time(small));
      times.large.push(time(large));
    }
    const ms = [median(times.small), median(times.large)] as const;
    const counted = [steps(small), steps(large)] as const;
    const timeRatio = ms[1] / ms[0];
    const stepRatio = counted[1] / counted[0];
    results[name] = { ms, timeRatio, steps: counted, stepRatio };
    console.log(
      `${name.padEnd(7)} ${ms[0].toFixed(2).padStart(6)} ${ms[1].toFixed(2).padStart(9)} ${timeRatio.toFixed(2).padStart(7)} ${String(counted[0]).padStart(9)} ${String(counted[1]).padStart(10)} ${stepRatio.toFixed(2).padStart(7)}`,
    );
  }
  console.log('(the tangle\'s steps are capped: its splits\' regions overlap everywhere, and get a problem once they cost 1 000 000)');

  const largest = tangledDefinition(2 * N);
  await validationThread.validate(largest, opts); // start the thread, not counted
  const inProcess = await eventLoop(async () => {
    for (let r = 0; r < ROUNDS; r++) {
      validateDefinition(largest, opts);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });
  const inThread = await eventLoop(async () => {
    for (let r = 0; r < ROUNDS; r++) await validationThread.validate(largest, opts);
  });
  results.eventLoop = { inProcess, inThread };
  const bytes = (JSON.stringify(largest).length / 1e6).toFixed(2);
  console.log(`\nevent loop while validating the ${2 * N}-node tangle (${bytes} MB) ${ROUNDS}×    busy per validation   longest stall`);
  for (const [name, r] of [['in-process (baseline)', inProcess], ['validation thread', inThread]] as const) {
    console.log(`${name.padEnd(52)} ${r.busyMs.toFixed(1).padStart(8)} ms ${r.stallMs.toFixed(1).padStart(12)} ms`);
  }
  console.log(`ratio thread / in-process${(inThread.busyMs / inProcess.busyMs).toFixed(2).padStart(36)}`);

  results.worstCase = await worstCase();
  await validationThread.close();
  console.log(JSON.stringify({ bench: 'validate', nodes: N, rounds: ROUNDS, results }));
}

/** Median milliseconds of `f` over `rounds` runs. */
async function medianMs(rounds: number, f: () => unknown): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

/**
 * The costliest definition within the bounds (2N nodes of the tangle, its FEEL filling the bounds with the costliest
 * expressions), against the tangle alone and the thread's deadline; and issue #9's probes of unbounded FEEL.
 */
async function worstCase(): Promise<Record<string, unknown>> {
  const rounds = Math.min(ROUNDS, 5);
  const feel = costlyFeel(MAX_FEEL_LENGTH, MAX_FEEL_TEXT - 1);
  const costliest = costliestDefinition(feel, 2 * N);
  const tangle = tangledDefinition(2 * N);
  const bytes = JSON.stringify(costliest).length;
  const work = { steps: 0, feel: 0 };
  validateDefinition(costliest, { ...opts, work });
  const tangleMs = await medianMs(rounds, () => validateDefinition(tangle, opts));
  const inProcessMs = await medianMs(rounds, () => validateDefinition(costliest, opts));
  const inThreadMs = await medianMs(rounds, () => validationThread.validate(costliest, opts));
  const deadlineMs = validationThread.limits.deadlineMs;
  console.log(`\nworst case within the bounds: the ${2 * N}-node tangle, its FEEL ${work.feel} characters (${feel.length} distinct expressions of up to ${MAX_FEEL_LENGTH}), ${(bytes / 1e6).toFixed(2)} MB; median of ${rounds}`);
  console.log(`${'the tangle alone (its FEEL one character), in-process'.padEnd(60)} ${tangleMs.toFixed(0).padStart(7)} ms`);
  console.log(`${'the costliest definition, in-process'.padEnd(60)} ${inProcessMs.toFixed(0).padStart(7)} ms`);
  console.log(`${'the costliest definition, through the validation thread'.padEnd(60)} ${inThreadMs.toFixed(0).padStart(7)} ms`);
  console.log(`${'ratio to the thread\'s deadline'.padEnd(60)} ${(inThreadMs / deadlineMs).toFixed(2).padStart(7)}    (of ${deadlineMs} ms)`);

  // Issue #9's probes: the first took 0.25 s, 1.8 s and 70 s; the second 1.3 s for 1.5 MB.
  const probes: Record<string, number> = {};
  for (const n of [5_000, 20_000, 99_000]) probes[`feelSyntaxError('['.repeat(${n}))`] = await medianMs(rounds, () => feelSyntaxError('['.repeat(n)));
  const conditions = manyConditionsDefinition(9_000);
  probes[`9 000 distinct conditions (${(JSON.stringify(conditions).length / 1e6).toFixed(2)} MB)`] = await medianMs(rounds, () => validateDefinition(conditions, opts));
  console.log('\nissue #9\'s probes, refused before any FEEL is parsed');
  for (const [name, ms] of Object.entries(probes)) console.log(`${name.padEnd(60)} ${ms.toFixed(2).padStart(7)} ms`);
  return { bytes, feel: work.feel, tangleMs, inProcessMs, inThreadMs, deadlineMs, probes };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
