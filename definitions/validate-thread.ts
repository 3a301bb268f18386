/**
 * Validation off the event loop: a worker thread (`node:worker_threads`) that validates definitions, so that a large
 * one posted to the API never holds up other requests, the health checks, or (under `npm start`, one process) the
 * worker's timers. Validation is linear and bounded (`MAX_NODES_PER_DEFINITION`), but a 1 MB body still takes tens
 * of milliseconds (up to a second when it is full of distinct FEEL expressions), and anyone with a token may post
 * one.
 *
 * The thread runs this same module: a `.ts` file under `node --import tsx` and vitest (the thread then registers
 * tsx itself), a `.js` file once compiled (no loader needed). It starts on first use, validates one definition at a
 * time in the order they came, starts afresh after a failure, and does not keep the process alive while idle.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { validateDefinition, type ValidateOptions, type ValidationResult } from './validate.js';

/** Marks the thread this module starts, so that it serves requests only there. */
const THREAD_ROLE = 'waakvlam-definition-validator';

/**
 * A request and its answer cross between the threads as JSON text: serialising a 1 MB definition as JSON costs the
 * event loop a few milliseconds, cloning it as an object (`postMessage`'s structured clone) several times more.
 */
interface ValidationRequest {
  id: number;
  /** `JSON.stringify` of the definition. */
  input: string;
  activities: readonly string[];
}

/** `result`: `JSON.stringify` of the {@link ValidationResult}. */
type ValidationReply = { id: number; result: string } | { id: number; error: string };

if (!isMainThread && parentPort && (workerData as { role?: unknown } | null)?.role === THREAD_ROLE) {
  const port = parentPort;
  port.on('message', ({ id, input, activities }: ValidationRequest) => {
    let reply: ValidationReply;
    try {
      reply = { id, result: JSON.stringify(validateDefinition(JSON.parse(input), { activities })) };
    } catch (err) {
      reply = { id, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
}

/**
 * The thread's entry when this module is TypeScript: registers tsx in the thread, then loads the module. (Passing
 * `--import tsx` in the thread's `execArgv` is not enough: on Node 20 its hooks do not reach a thread's entry.)
 */
const TYPESCRIPT_ENTRY = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((tsx) => {
  tsx.register();
  return import(workerData.module);
});
`;

/** Starts a thread running this module: as it is when compiled, through tsx when it is TypeScript. */
function startThread(): Worker {
  const module = new URL(import.meta.url);
  if (!module.pathname.endsWith('.ts')) return new Worker(module, { workerData: { role: THREAD_ROLE } });
  return new Worker(TYPESCRIPT_ENTRY, {
    eval: true,
    // Not the parent's flags (`--import tsx`): the entry registers tsx itself.
    execArgv: [],
    workerData: { role: THREAD_ROLE, tsx: import.meta.resolve('tsx/esm/api'), module: module.href },
  });
}

/** A validation thread: requests are answered in order; the thread is started on the first one. */
export class ValidationThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: ValidationResult) => void; reject: (err: Error) => void }>();

  /**
   * Validates `input`, a JSON value (a parsed request body), in the thread: the same answer as `validateDefinition`
   * (`opts.work` is not counted).
   */
  async validate(input: unknown, opts: ValidateOptions): Promise<ValidationResult> {
    const request: ValidationRequest = { id: this.nextId++, input: JSON.stringify(input) ?? 'null', activities: [...opts.activities] };
    const worker = this.worker ?? this.start();
    return new Promise<ValidationResult>((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      worker.ref(); // an answer is awaited: keep the process alive for it
      worker.postMessage(request);
    });
  }

  /** Stops the thread; requests in flight fail. The next request starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.fail(worker, new Error('the validation thread was closed'));
    await worker.terminate();
  }

  private start(): Worker {
    const worker = startThread();
    worker.unref();
    worker.on('message', (reply: ValidationReply) => {
      const request = this.pending.get(reply.id);
      if (!request) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply) request.reject(new Error(`validation failed: ${reply.error}`));
      else request.resolve(JSON.parse(reply.result) as ValidationResult);
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the validation thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Fails every request in flight on `worker`, once, and forgets it. */
  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) request.reject(err);
  }
}

/** The process's validation thread (one is enough: definitions are validated now and then, not per request). */
export const validationThread = new ValidationThread();
