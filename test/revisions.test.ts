/**
 * The registry of revisions (workflows/revisions.ts): its entries keep its rules (ids, releases, stages, the
 * fixtures that pin them, CHANGELOG.md), and its mechanism writes the markers the SDK's patching API writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { COLLAPSED_INTO_BASELINE, REVISIONS, type Revision } from '../workflows/revisions.js';
import { createTimeSkippingEnv, uniqueId } from './helpers/temporal.js';

const root = resolve(import.meta.dirname, '..');
const version = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string }).version;
const changelog = readFileSync(resolve(root, 'CHANGELOG.md'), 'utf8');
const fixtureExists = (name: string) => existsSync(resolve(root, 'test/fixtures/histories', name));

/** -1, 0 or 1 as release `a` comes before, is, or comes after release `b` (x.y.z). */
function compare(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return Math.sign(x![i]! - y![i]!);
  return 0;
}

/** What is wrong with a registry, one line a problem. */
function problems(registry: Record<string, Revision>, at: { version: string; changelog: string; fixtureExists: (name: string) => boolean }): string[] {
  const out: string[] = [];
  const release = /^\d+\.\d+\.\d+$/;
  for (const [id, r] of Object.entries(registry)) {
    if (!/^[a-z0-9]+(-[a-z0-9]+)*-v\d+$/.test(id)) out.push(`${id}: an id is kebab case ending in -v<n>`);
    if ((COLLAPSED_INTO_BASELINE as readonly string[]).includes(id)) out.push(`${id}: used before 1.0.0; never used again`);
    if (!r.changed.trim() || !r.why.trim() || !r.retirement.trim()) out.push(`${id}: says what changed, why, and how it is retired`);
    if (!at.changelog.includes(id)) out.push(`${id}: not in CHANGELOG.md`);
    // The releases, in order, none after the current one; each stage has its own.
    const releases = [r.since, r.deprecatedIn, r.removedIn].filter((v) => v !== undefined);
    if (releases.some((v) => !release.test(v))) out.push(`${id}: releases are x.y.z`);
    else if (releases.some((v, i) => compare(v, releases[i - 1] ?? v) < 0 || compare(v, at.version) > 0)) out.push(`${id}: releases out of order, or after ${at.version}`);
    if ((r.deprecatedIn !== undefined) !== (r.stage !== 'patched') || (r.removedIn !== undefined) !== (r.stage === 'removed')) {
      out.push(`${id}: stage ${r.stage} with deprecatedIn ${r.deprecatedIn ?? '-'} and removedIn ${r.removedIn ?? '-'}`);
    }
    // While patched, its fixtures pin the old branch; once deprecated, the old branch is gone and so are they.
    if (r.stage === 'patched' && r.fixtures.length === 0) out.push(`${id}: a patched revision names the fixtures recorded before it`);
    for (const f of r.fixtures) {
      if (r.stage === 'patched' && !at.fixtureExists(f)) out.push(`${id}: fixture ${f} is missing`);
      if (r.stage !== 'patched' && at.fixtureExists(f)) out.push(`${id}: fixture ${f} no longer replays (${r.stage}); delete it`);
    }
  }
  return out;
}

describe('the registry of revisions', () => {
  it('keeps its rules, and the release is in CHANGELOG.md', () => {
    expect(problems(REVISIONS as Record<string, Revision>, { version, changelog, fixtureExists })).toEqual([]);
    expect(changelog).toMatch(new RegExp(`^## ${version.replaceAll('.', '\\.')} `, 'm'));
  });

  it('finds what breaks its rules', () => {
    const entry: Revision = { stage: 'patched', changed: 'x', why: 'y', since: '1.1.0', fixtures: ['a-before.json'], retirement: 'z' };
    const registry: Record<string, Revision> = {
      'ok-v1': entry,
      'escalation-revision-2': entry,
      NoVersion: entry,
      'late-v1': { ...entry, since: '1.3.0' },
      'half-v1': { ...entry, stage: 'deprecated', fixtures: [] },
      'kept-v1': { ...entry, stage: 'deprecated', deprecatedIn: '1.2.0' },
      'lost-v1': { ...entry, fixtures: ['lost.json'] },
      'silent-v1': { ...entry, fixtures: [], why: ' ' },
      'gone-v1': { ...entry, stage: 'removed', deprecatedIn: '1.2.0', removedIn: '1.1.5', fixtures: [] },
    };
    const found = problems(registry, {
      version: '1.2.0',
      changelog: Object.keys(registry).filter((id) => id !== 'late-v1').join('\n'),
      fixtureExists: (name) => name === 'a-before.json',
    });
    expect(found).toEqual([
      'escalation-revision-2: an id is kebab case ending in -v<n>',
      'escalation-revision-2: used before 1.0.0; never used again',
      'NoVersion: an id is kebab case ending in -v<n>',
      'late-v1: not in CHANGELOG.md',
      'late-v1: releases out of order, or after 1.2.0',
      'half-v1: stage deprecated with deprecatedIn - and removedIn -',
      'kept-v1: fixture a-before.json no longer replays (deprecated); delete it',
      'lost-v1: fixture lost.json is missing',
      'silent-v1: says what changed, why, and how it is retired',
      'silent-v1: a patched revision names the fixtures recorded before it',
      'gone-v1: releases out of order, or after 1.2.0',
    ]);
  });

  it('asks once per run: a patch marker for a patched revision, a deprecated one for a deprecated revision, none for an answer the trajectory carries or a removed one', async () => {
    const env = await createTimeSkippingEnv();
    try {
      const workflowBundle = await bundleWorkflowCode({ workflowsPath: resolve(import.meta.dirname, 'fixtures/revision-workflow/index.ts'), logger: new DefaultLogger('WARN') });
      const taskQueue = uniqueId('revisions');
      const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle });
      const { result, history } = await worker.runUntil(async () => {
        const handle = await env.client.workflow.start('revisionProbe', { taskQueue, workflowId: uniqueId('revision-probe') });
        return { result: (await handle.result()) as Record<string, boolean>, history: await handle.fetchHistory() };
      });
      expect(result).toEqual({ 'probe-patched-v1': true, 'probe-deprecated-v1': true, 'probe-carried-v1': false });
      const markers = (history.events ?? []).flatMap((e) => {
        const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
        return data ? [JSON.parse(Buffer.from(data).toString('utf8')) as unknown] : [];
      });
      expect(markers).toEqual([
        { id: 'probe-patched-v1', deprecated: false },
        { id: 'probe-deprecated-v1', deprecated: true },
      ]);
      // The history replays with the same code.
      await Worker.runReplayHistory({ workflowBundle }, history);
    } finally {
      await env.teardown();
    }
  });
});
