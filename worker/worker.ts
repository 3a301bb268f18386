/**
 * The Waakvlam worker: runs the trajectory workflows and the activities on one task queue.
 */
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { loadDirectory } from '../activities/directory.js';
import type { Config } from '../runtime/config.js';

/** Path of the workflow entry point the worker bundles. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Dependencies handed to the activity factory. */
  activityDeps?: ActivityDeps;
  /** More activities for definitions' service tasks (a deployment's own integrations), next to the engine's. */
  extraActivities?: Record<string, (...args: any[]) => Promise<unknown>>;
  /**
   * A pre-built workflow bundle (tests bundle once per file); default: bundle {@link WORKFLOWS_PATH} at creation.
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
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: { ...opts.extraActivities, ...createActivities(opts.activityDeps) },
    ...opts.overrides,
  });
}
