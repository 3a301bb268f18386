/**
 * The Waakvlam worker: runs the trajectory workflows and the activities on one task queue.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { loadDirectory } from '../activities/directory.js';
import type { Config } from '../runtime/config.js';
import { dataConverter } from '../runtime/data-converter.js';
import type { KeyRing } from '../runtime/keys.js';

/** Whether this module runs compiled (from `dist/`, `npm run build`) rather than as TypeScript source (tsx). */
const COMPILED = !import.meta.url.endsWith('.ts');

/** Path of the workflow entry point the worker bundles when no pre-built bundle is given. */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index.${COMPILED ? 'js' : 'ts'}`, import.meta.url));

/** The pre-built workflow bundle, relative to `dist/`: `npm run build` writes it, the compiled worker loads it. */
export const PREBUILT_BUNDLE_FILE = 'workflow-bundle.js';

/**
 * The workflow code a worker runs by default: compiled, the bundle `npm run build` wrote beside the code (no
 * bundling at start); from source, the workflows bundled at creation. The replay check (entrypoints/replay-check.ts)
 * replays against the same code.
 */
export function defaultWorkflowCode(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (!COMPILED) return { workflowsPath: WORKFLOWS_PATH };
  const codePath = fileURLToPath(new URL(`../${PREBUILT_BUNDLE_FILE}`, import.meta.url));
  if (!existsSync(codePath)) throw new Error(`${codePath} is missing: run \`npm run build\` (it pre-bundles the workflow code)`);
  return { workflowBundle: { codePath } };
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /**
   * The payload codec's keys: every payload the worker writes is encrypted with them, and what it reads decrypted
   * (runtime/data-converter.ts). A pre-built `workflowBundle` must have been bundled with FAILURE_CONVERTER_PATH.
   */
  keyRing: KeyRing;
  /** Dependencies handed to the activity factory. */
  activityDeps?: ActivityDeps;
  /** More activities for definitions' service tasks (a deployment's own integrations), next to the engine's. */
  extraActivities?: Record<string, (...args: any[]) => Promise<unknown>>;
  /**
   * A pre-built workflow bundle (tests bundle once per file); default: compiled, `dist/workflow-bundle.js`; from
   * source, {@link WORKFLOWS_PATH} bundled at creation.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options (e.g. concurrency limits). */
  overrides?: Partial<WorkerOptions>;
}

/** Activity dependencies from the configuration: the directory file is read (and validated) here. */
export function activityDepsFrom(config: Config['notifications']): ActivityDeps {
  return {
    ...(config.directoryFile ? { directory: loadDirectory(config.directoryFile) } : {}),
    ...(config.webhook ? { webhook: config.webhook } : {}),
    ...(config.email ? { email: config.email } : {}),
  };
}

/** Creates (does not run) a worker for the Waakvlam workflows and activities. */
export function createWorker(opts: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : defaultWorkflowCode()),
    activities: { ...opts.extraActivities, ...createActivities(opts.activityDeps) },
    dataConverter: dataConverter(opts.keyRing),
    ...opts.overrides,
  });
}
