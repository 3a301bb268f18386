/**
 * The upgrade gate, `npm run replay-check` (entrypoints/replay-check.ts), as an operator runs it: a child process
 * against a dev server with running trajectories (one a step further), a terminated one and a workflow of another
 * type beside them. This build's workflow code takes them all over; the deliberately incompatible code of
 * test/fixtures/changed-workflow/ is refused, naming the trajectories; an unreachable server is exit 2.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateDefinition } from '../definitions/validate.js';
import { completeStepUpdate, trajectoryWorkflow } from '../workflows/trajectory.js';
import { settle } from './helpers/driver.js';
import { freePort } from './helpers/process.js';
import { testKeysEnv, uniqueId, useTemporal } from './helpers/temporal.js';

const root = resolve(import.meta.dirname, '..');
const changedWorkflows = resolve(import.meta.dirname, 'fixtures/changed-workflow/index.ts');
const temporal = useTemporal({ bundle: false, worker: { taskQueue: 'replay-check' } });

/** Family data in the trajectories' input: the check must never print it. */
const FAMILY_DATA = 'Gezin-Vertrouwelijk-7f3a';

/** The running trajectories, oldest first. */
const running: string[] = [];

async function replayCheck(args: string[], address = temporal.env.address): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'entrypoints/replay-check.ts', ...args], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', LOG_LEVEL: 'info', WAAKVLAM_KEYS: await testKeysEnv(['GM0363', 'GM0599']) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
  return { code, out, err };
}

beforeAll(async () => {
  const definition = validateDefinition(
    {
      id: 'upgrade',
      version: 1,
      name: 'Upgrade',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      escalationPolicies: { later: { levels: [{ role: 'owner', after: 'P1D' }] } },
      defaultEscalationPolicy: 'later',
      phases: [{ id: 'a', name: 'A', start: 'x', nodes: [{ id: 'x', type: 'userTask', owner: 'regisseur', due: 'P7D', next: 'y' }, { id: 'y', type: 'userTask', owner: 'regisseur', due: 'P7D', next: 'e' }, { id: 'e', type: 'end' }] }],
    },
    { activities: [] },
  );
  if (!definition.ok) throw new Error(JSON.stringify(definition.problems));
  const start = async (label: string) => {
    const handle = await temporal.client.workflow.start(trajectoryWorkflow, {
      workflowId: uniqueId(`GM0599-${label}`),
      taskQueue: temporal.taskQueue,
      args: [{ caseRef: label, municipality: 'GM0599', definition: definition.definition, data: { gezin: FAMILY_DATA } }],
    });
    await settle(handle);
    await new Promise((r) => setTimeout(r, 20)); // distinct start times: "newest first" is well defined
    return handle;
  };
  for (const label of ['OUDSTE', 'MIDDEN', 'NIEUWSTE']) running.push((await start(label)).workflowId);
  // One a step further: its history has an update and the commands that followed.
  const further = temporal.client.workflow.getHandle<typeof trajectoryWorkflow>(running[1]!);
  await further.executeUpdate(completeStepUpdate, { args: [{ stepId: 'x', completedBy: 'regisseur-1' }] });
  await settle(further);
  // Not counted: a trajectory no longer running, and a running workflow of another type (no worker polls its queue).
  await (await start('BEEINDIGD')).terminate('test: not running');
  await temporal.client.workflow.start('otherWorkflow', { workflowId: uniqueId('other'), taskQueue: uniqueId('nobody') });

  // Visibility follows the histories a moment later.
  const counted = async () => (await temporal.client.workflow.count(`WorkflowType = 'trajectoryWorkflow' AND ExecutionStatus = 'Running'`)).count;
  for (let i = 0; i < 100 && (await counted()) !== running.length; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await counted()).toBe(running.length);
});

describe('npm run replay-check', () => {
  it('replays every running trajectory against this build: all compatible, exit 0, no family data printed', { timeout: 120_000 }, async () => {
    const { code, out, err } = await replayCheck([]);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('3 running workflows in namespace default');
    expect(out).toContain('replayed 3 of 3 running workflows: all compatible');
    expect(out).not.toContain('incompatible');
    expect(out).not.toContain(FAMILY_DATA);
  });

  it('refuses workflow code that would break them: exit 1, naming each trajectory', { timeout: 120_000 }, async () => {
    const { code, out, err } = await replayCheck(['--workflows', changedWorkflows]);
    expect({ code, err }).toEqual({ code: 1, err: '' });
    const named = [...out.matchAll(/^incompatible: (\S+): DeterminismViolationError: .*(?:Nondeterminism error|patch marker).*$/gim)].map((m) => m[1]);
    expect(named.sort()).toEqual([...running].sort());
    expect(out).toContain('replayed 3 of 3 running workflows: 3 incompatible');
    expect(out).not.toContain('all compatible');
    expect(out).not.toContain(FAMILY_DATA);
  });

  it('with --limit, replays the newest only and says how many there are in all', { timeout: 120_000 }, async () => {
    const { code, out } = await replayCheck(['--limit', '2', '--workflows', changedWorkflows]);
    expect(code).toBe(1);
    const named = [...out.matchAll(/^incompatible: (\S+): /gm)].map((m) => m[1]);
    expect(named).toEqual(running.slice(1).reverse());
    expect(out).toContain('replayed 2 of 3 running workflows: 2 incompatible');
    expect(out).toContain('--limit 3 checks them all');
  });

  it('exits 2 with a clear message when Temporal cannot be reached', { timeout: 60_000 }, async () => {
    const { code, out, err } = await replayCheck([], `127.0.0.1:${await freePort()}`);
    expect(code).toBe(2);
    expect(err).toMatch(/^replay check: cannot reach Temporal at 127\.0\.0\.1:\d+ \(namespace default\)/);
    expect(out).toBe('');
  });
});
