/**
 * Real Temporal servers for tests: the time-skipping test server for timers, the dev server end to end.
 * Both come from the binaries `npm install` provisioned (see scripts/temporal-binaries.ts); where none was
 * provisioned, the SDK downloads its own (needs the vendor's website).
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/temporal-binaries.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { WORKFLOWS_PATH } from '../../worker/worker.js';
import { ensureSearchAttributes } from '../../runtime/search-attributes.js';

let runtimeInstalled = false;
/** Keeps the SDK's own logging to warnings, so test output stays readable. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

/** A time-skipping test server environment (Java test server from Maven Central). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  const server = resolveTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: server.path ? { executable: { type: 'existing-path', path: server.path } } : {},
  });
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/** A dev server environment (Temporal CLI) with the engine's search attributes registered. */
export async function createDevServerEnv(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  const cli = resolveTemporalCli();
  return TestWorkflowEnvironment.createLocal({
    server: {
      ...(cli.path ? { executable: { type: 'existing-path', path: cli.path } } : {}),
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
    },
  });
}

/** Bundles the workflows once per test file; each test then starts a fresh worker with it. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
}

/** A unique id per test, readable in the Web UI. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
