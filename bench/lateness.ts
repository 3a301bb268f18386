/**
 * `npm run bench` (second part): with a few thousand trajectories open on the dev server, how late each escalation
 * notification reaches a webhook receiver, against the instant its ladder level was due. Target: p99 ≤ 2 s.
 *
 * All trajectories are started first; their steps fall due spread evenly over BENCH_SPREAD_SECONDS (default 60),
 * starting BENCH_DUE_SECONDS (default 60) after the run began, each escalating to its owner at its due date. The
 * receiver (loopback HTTP, in this process) notes when each `escalation.raised` arrives.
 * Options (environment): BENCH_TRAJECTORIES (default 2000), BENCH_DUE_SECONDS, BENCH_SPREAD_SECONDS,
 * BENCH_CONCURRENCY (default 20).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { resolveTemporalCli } from '../scripts/temporal-binaries.js';
import { validateDefinition } from '../definitions/validate.js';
import type { Definition } from '../definitions/schema.js';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { trajectoryWorkflow } from '../workflows/trajectory.js';
import { createWorker } from '../worker/worker.js';
import { derivedKeyRing } from '../runtime/config.js';
import { dataConverter } from '../runtime/data-converter.js';

/** The bench's keys (public: the bench holds no real data). */
const BENCH_KEY_RING = derivedKeyRing('waakvlam-bench-keys', 'bench');

const TRAJECTORIES = Number(process.env.BENCH_TRAJECTORIES ?? 2000);
const DUE_SECONDS = Number(process.env.BENCH_DUE_SECONDS ?? 60);
const SPREAD_SECONDS = Number(process.env.BENCH_SPREAD_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const SECRET = `whsec_${Buffer.from('waakvlam-bench-secret-0123456789').toString('base64')}`;

function definition(): Definition {
  const result = validateDefinition(
    {
      id: 'bench-escalation',
      version: 1,
      name: 'Bench',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }] } },
      defaultEscalationPolicy: 'direct',
      phases: [
        {
          id: 'a',
          name: 'A',
          start: 'x',
          nodes: [
            { id: 'x', type: 'userTask', owner: 'regisseur', due: { date: 'deadline' }, next: 'e' },
            { id: 'e', type: 'end' },
          ],
        },
      ],
    },
    { activities: [] },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.definition;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const lateness: number[] = [];
  const seen = new Set<string>();
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const arrived = Date.now();
      const event = JSON.parse(body) as { id: string; type: string; data: { escalation?: { dueAt: string } } };
      if (event.type.endsWith('escalation.raised') && !seen.has(event.id)) {
        seen.add(event.id);
        lateness.push(arrived - Date.parse(event.data.escalation!.dueAt));
      }
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;

  const cli = resolveTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    client: { dataConverter: dataConverter(BENCH_KEY_RING) },
    server: { ...(cli.path ? { executable: { type: 'existing-path', path: cli.path } } : {}), searchAttributes: [...ALL_SEARCH_ATTRIBUTES] },
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'bench-lateness',
    keyRing: BENCH_KEY_RING,
    activityDeps: { webhook: { url, secret: SECRET } },
  });
  const def = definition();
  console.log(`lateness bench: ${TRAJECTORIES} trajectories open, escalations due from ${DUE_SECONDS} s over ${SPREAD_SECONDS} s`);
  await worker.runUntil(async () => {
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TRAJECTORIES) {
          const i = next++;
          const deadline = new Date(t0 + (DUE_SECONDS + (SPREAD_SECONDS * i) / TRAJECTORIES) * 1000).toISOString();
          await env.client.workflow.start(trajectoryWorkflow, {
            workflowId: `GM0363-bench-lateness-${t0}-${i}`,
            taskQueue: 'bench-lateness',
            args: [{ caseRef: `B-${i}`, municipality: 'GM0363', definition: def, data: { deadline } }],
          });
        }
      }),
    );
    console.log(`  started ${TRAJECTORIES} in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting for the escalations`);
    const deadline = t0 + (DUE_SECONDS + SPREAD_SECONDS + 120) * 1000;
    while (lateness.length < TRAJECTORIES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  });
  await env.teardown();
  receiver.close();

  const sorted = [...lateness].sort((a, b) => a - b);
  const result = {
    bench: 'escalation-lateness',
    trajectories: TRAJECTORIES,
    spreadSeconds: SPREAD_SECONDS,
    received: sorted.length,
    medianMs: pct(sorted, 50),
    p99Ms: pct(sorted, 99),
    maxMs: sorted[sorted.length - 1],
  };
  console.log(`\nescalation notifications received: ${result.received}/${TRAJECTORIES}`);
  console.log(`lateness against the due instant: median ${result.medianMs} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms (target p99 ≤ 2000 ms)`);
  console.log(JSON.stringify(result));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
