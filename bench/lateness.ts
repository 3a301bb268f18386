/**
 * `npm run bench` (second part): with a few thousand trajectories open on the dev server, how late each escalation
 * notification reaches a webhook receiver, against the instant its ladder level was due. Target: p99 ≤ 2 s.
 *
 * Every trajectory has one step due BENCH_DUE_SECONDS after its start (default 120), escalating to its owner at the
 * due date; the receiver (loopback HTTP, in this process) notes when each `escalation.raised` arrives.
 * Options (environment): BENCH_TRAJECTORIES (default 2000), BENCH_DUE_SECONDS, BENCH_CONCURRENCY (default 20).
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

const TRAJECTORIES = Number(process.env.BENCH_TRAJECTORIES ?? 2000);
const DUE_SECONDS = Number(process.env.BENCH_DUE_SECONDS ?? 120);
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
            { id: 'x', type: 'userTask', owner: 'regisseur', due: `PT${DUE_SECONDS}S`, next: 'e' },
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
    server: { ...(cli.path ? { executable: { type: 'existing-path', path: cli.path } } : {}), searchAttributes: [...ALL_SEARCH_ATTRIBUTES] },
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'bench-lateness',
    activityDeps: { webhook: { url, secret: SECRET } },
  });
  const def = definition();
  console.log(`lateness bench: ${TRAJECTORIES} trajectories, each escalating ${DUE_SECONDS} s after its start`);
  await worker.runUntil(async () => {
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TRAJECTORIES) {
          const i = next++;
          await env.client.workflow.start(trajectoryWorkflow, {
            workflowId: `bench-lateness-${t0}-${i}`,
            taskQueue: 'bench-lateness',
            args: [{ caseRef: `B-${i}`, municipality: 'GM0363', definition: def }],
          });
        }
      }),
    );
    console.log(`  started ${TRAJECTORIES} in ${((Date.now() - t0) / 1000).toFixed(1)} s; waiting for the escalations`);
    const deadline = Date.now() + (DUE_SECONDS + 120) * 1000;
    while (lateness.length < TRAJECTORIES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  });
  await env.teardown();
  receiver.close();

  const sorted = [...lateness].sort((a, b) => a - b);
  const result = {
    bench: 'escalation-lateness',
    trajectories: TRAJECTORIES,
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
