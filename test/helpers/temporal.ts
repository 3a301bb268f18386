/**
 * Real Temporal servers for tests: the time-skipping test server for timers, the dev server end to end.
 * Both come from the binaries `npm install` provisioned (see scripts/temporal-binaries.ts); where none was
 * provisioned, the SDK downloads its own (needs the vendor's website).
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker, type WorkflowBundle } from '@temporalio/worker';
import { resolveTemporalCli, resolveTestServer } from '../../scripts/temporal-binaries.js';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { createWorker, WORKFLOWS_PATH, type CreateWorkerOptions } from '../../worker/worker.js';
import { ensureSearchAttributes } from '../../runtime/search-attributes.js';
import { derivedKeyRing } from '../../runtime/config.js';
import type { KeyRing } from '../../runtime/keys.js';
import { dataConverter, FAILURE_CONVERTER_PATH } from '../../runtime/data-converter.js';

/**
 * The key ring every test runs with: a key for any municipality code (`GM0363/test`), derived from a test secret.
 * Clients of the environments below and workers of {@link useTemporal} encrypt with it; a worker a test creates
 * itself passes it to createWorker.
 */
export const TEST_KEY_RING = derivedKeyRing('waakvlam-test-keys', 'test');

/** The data converter of the test environments' clients (and of any client a test makes for them). */
export const testDataConverter = () => dataConverter(TEST_KEY_RING);

/**
 * {@link TEST_KEY_RING}'s keys of `municipalities` as the WAAKVLAM_KEYS of a process a test starts (entry points read
 * their keys from the environment).
 */
export async function testKeysEnv(municipalities: string[]): Promise<string> {
  const entries = await Promise.all(
    municipalities.map(async (m) => [m, { current: 'test', keys: { test: (await TEST_KEY_RING.current(m))!.key.toString('base64') } }] as const),
  );
  return JSON.stringify({ municipalities: Object.fromEntries(entries) });
}

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
    client: { dataConverter: testDataConverter() },
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
    client: { dataConverter: testDataConverter() },
    server: {
      ...(cli.path ? { executable: { type: 'existing-path', path: cli.path } } : {}),
      searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
    },
  });
}

/**
 * Bundles the workflows once per test file (with the failure converter that encodes failures' messages, as the
 * production build does); each test then starts a fresh worker with it.
 */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: new DefaultLogger('WARN') });
}

/** What {@link useTemporal} sets up for a test file. */
export interface UseTemporalOptions {
  /** The dev server (default) or the time-skipping test server. */
  server?: 'dev' | 'time-skipping';
  /** Bundle the workflows (default true). */
  bundle?: boolean;
  /**
   * A server of its own for every test (started in beforeEach, stopped in afterEach), so that no test's timers hold
   * another's clock; the bundle and the services stay one per file. Not with `worker`.
   */
  serverPerTest?: boolean;
  /**
   * A worker for the whole file on the task queue `uniqueId(taskQueue)`, running once the server is up and shut down
   * before it stops; the rest (activity deps, extra activities, overrides) goes to createWorker as it is, with
   * {@link TEST_KEY_RING} unless it names a key ring.
   */
  worker?: { taskQueue: string; keyRing?: KeyRing } & Omit<CreateWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'workflowBundle' | 'keyRing'>;
  /** Started before the server, stopped after it (webhook receivers, mail servers). */
  services?: ReadonlyArray<{ start(): Promise<unknown>; stop(): Promise<unknown> }>;
}

/** The file's server, bundle and worker: each readable from the first beforeAll (beforeEach: `serverPerTest`) on. */
export interface TemporalFixture {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  readonly bundle: WorkflowBundle;
  readonly worker: Worker;
  /** The worker's task queue (known at once). */
  readonly taskQueue: string;
}

/**
 * One Temporal server per test file, with the bundled workflows and (with `worker`) a worker running on a task queue
 * of the file's own: registers the file's beforeAll and afterAll (call it at the top level, before the file's own
 * hooks, which then see it started and run their afterAll before it stops).
 */
export function useTemporal(options: UseTemporalOptions = {}): TemporalFixture {
  const { server = 'dev', bundle: bundled = true, serverPerTest = false, worker: workerOptions, services = [] } = options;
  if (serverPerTest && workerOptions) throw new Error('useTemporal: a worker for the whole file needs a server for the whole file');
  const taskQueue = workerOptions ? uniqueId(workerOptions.taskQueue) : undefined;
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundle | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;

  const createEnv = () => (server === 'dev' ? createDevServerEnv() : createTimeSkippingEnv());
  beforeAll(async () => {
    await Promise.all(services.map((s) => s.start()));
    [env, bundle] = await Promise.all([serverPerTest ? undefined : createEnv(), bundled ? bundleWorkflows() : undefined]);
    if (workerOptions && env) {
      const { taskQueue: _prefix, ...rest } = workerOptions;
      worker = await createWorker({ keyRing: TEST_KEY_RING, ...rest, connection: env.nativeConnection, namespace: 'default', taskQueue: taskQueue!, workflowBundle: bundle });
      workerRun = worker.run();
    }
  });

  if (serverPerTest) {
    beforeEach(async () => {
      env = await createEnv();
    });
    afterEach(async () => {
      await env?.teardown();
      env = undefined;
    });
  }

  afterAll(async () => {
    worker?.shutdown();
    await workerRun;
    await env?.teardown();
    await Promise.all(services.map((s) => s.stop()));
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useTemporal: no ${what} (not started yet, or not asked for)`);
    return value;
  };
  return {
    get env() {
      return ready(env, 'server');
    },
    get client() {
      return ready(env, 'server').client;
    },
    get bundle() {
      return ready(bundle, 'bundle');
    },
    get worker() {
      return ready(worker, 'worker');
    },
    get taskQueue() {
      return ready(taskQueue, 'worker');
    },
  };
}

/** A unique id per test, readable in the Web UI. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
