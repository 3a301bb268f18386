/**
 * Validation off the event loop: a worker thread (`node:worker_threads`) that validates definitions, so that a large
 * one posted to the API never holds up other requests, the health checks, or (under `npm start`, one process) the
 * worker's timers. Validation is linear and bounded (`MAX_NODES_PER_DEFINITION`, `MAX_FEEL_LENGTH`,
 * `MAX_FEEL_TEXT`), but the costliest definition we know within those bounds still takes over a second of the
 * thread (1.0–1.3 s in `npm run bench:validate` on a 2-core machine, nearly all of it parsing FEEL), and anyone with a token may post one.
 *
 * One thread serves every municipality, so its time is shared out and bounded ({@link ValidationLimits}):
 * - requests wait in a queue here, in the order they came, and the thread gets one at a time;
 * - at most `maxPending` wait or run at once, and at most one per client: more are refused at once (`busy`,
 *   `client-busy`), so no client can fill the queue and no body waits in memory behind a long line;
 * - a request whose client has gone away (its `signal` aborted) before its turn is dropped (`aborted`);
 * - a validation that takes longer than `deadlineMs` stops the thread: the request fails (`deadline`), and a new
 *   thread takes the next request.
 *
 * The thread runs this same module: a `.ts` file under `node --import tsx` and vitest (the thread then registers
 * tsx itself), a `.js` file once compiled (no loader needed). It starts on first use, says when it is ready (its
 * start-up is not counted against the deadline), starts afresh after a failure, and does not keep the process alive
 * while idle.
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

/** `ready`: the thread has loaded and takes requests. `result`: `JSON.stringify` of the {@link ValidationResult}. */
type ValidationReply = { ready: true } | { id: number; result: string } | { id: number; error: string };

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
  port.postMessage({ ready: true } satisfies ValidationReply);
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

/** How the thread's time is shared out. */
export interface ValidationLimits {
  /**
   * Longest one validation may take in the thread, from when the thread takes it up (parsing its JSON, validating,
   * answering). Past it the thread is stopped and a new one started; the request fails with `deadline`. Within the
   * validator's bounds the costliest definition we know takes 1.0–1.3 s, so 5 s is only reached on an overloaded
   * machine or by input nobody foresaw.
   */
  deadlineMs: number;
  /**
   * Most validations waiting or running at once, all clients together; more are refused (`busy`). With the deadline
   * this bounds how long a request can wait (8 × 5 s at the very worst, a few seconds in practice) and how many
   * bodies wait in memory (8 bodies of at most 1 MB of JSON each, held parsed: several times that).
   */
  maxPending: number;
  /**
   * Most validations waiting or running for one group (a municipality), so that one municipality's clients cannot
   * take every place in the queue from the others; more are refused (`busy`).
   */
  maxPerGroup: number;
  /** Longest a new thread may take to start (load its modules); past it, it is stopped and its requests fail (`unavailable`). */
  startMs: number;
}

export const DEFAULT_VALIDATION_LIMITS: Readonly<ValidationLimits> = { deadlineMs: 5_000, maxPending: 8, maxPerGroup: 2, startMs: 10_000 };

/**
 * Why the thread did not validate a request:
 * - `busy`: `maxPending` requests are waiting or running;
 * - `client-busy`: this client has a request waiting or running already;
 * - `deadline`: its validation took longer than `deadlineMs` (the thread was stopped and started afresh);
 * - `aborted`: its client went away before its turn;
 * - `unavailable`: the thread could not start, or stopped unexpectedly (a new one takes the next request).
 */
export type RefusalReason = 'busy' | 'client-busy' | 'deadline' | 'aborted' | 'unavailable';

/** A request the thread did not validate, and when to try again. */
export class ValidationRefused extends Error {
  override name = 'ValidationRefused';
  constructor(
    readonly reason: RefusalReason,
    message: string,
    /** Seconds after which trying again makes sense: the longest one validation may take. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Who asks, and whether they still want the answer. */
export interface ValidationRequestOptions {
  /** The client (token subject and municipality): one request per client waits or runs at a time. */
  client?: string;
  /** The client's group (its municipality): at most `maxPerGroup` of a group's requests wait or run at a time. */
  group?: string;
  /** Aborted when the client has gone away: a request still waiting is dropped. */
  signal?: AbortSignal;
}

interface Job {
  input: unknown;
  activities: readonly string[];
  client: string | undefined;
  group: string | undefined;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  resolve: (result: ValidationResult) => void;
  reject: (err: Error) => void;
}

/** What the thread did since it was created: for tests, benchmarks and metrics. */
export interface ValidationCounts {
  /** Requests handed to a thread. */
  started: number;
  /** Requests dropped because their client went away before their turn. */
  dropped: number;
  /** Requests refused because the queue or the client's slot was full. */
  refused: number;
  /** Validations stopped at the deadline. */
  deadlines: number;
  /** Threads started. */
  threads: number;
}

/**
 * A validation thread: requests are validated one at a time, in order, within {@link ValidationLimits}; the thread
 * is started on the first one and after every stop.
 */
export class ValidationThread {
  /** Read when a request arrives (`maxPending`) and when the thread takes it up (`deadlineMs`). */
  limits: ValidationLimits;
  readonly counts: ValidationCounts = { started: 0, dropped: 0, refused: 0, deadlines: 0, threads: 0 };

  private worker: Worker | undefined;
  /** Whether `worker` has said it is ready. */
  private ready = false;
  private readonly queue: Job[] = [];
  private running: { id: number; job: Job; timer: NodeJS.Timeout } | undefined;
  private readonly clients = new Set<string>();
  private nextId = 1;

  constructor(limits: Partial<ValidationLimits> = {}) {
    this.limits = { ...DEFAULT_VALIDATION_LIMITS, ...limits };
  }

  /** Requests waiting or running. */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /**
   * Validates `input`, a JSON value (a parsed request body), in the thread: the same answer as `validateDefinition`
   * (`opts.work` is not counted). Fails with a {@link ValidationRefused} when the limits refuse it, its client went
   * away, or it ran past the deadline.
   */
  validate(input: unknown, opts: ValidateOptions, request: ValidationRequestOptions = {}): Promise<ValidationResult> {
    const { client, group, signal } = request;
    const retryAfter = this.retryAfterSeconds();
    if (signal?.aborted) {
      this.counts.dropped++;
      return Promise.reject(new ValidationRefused('aborted', 'the client went away before its definition was validated', retryAfter));
    }
    if (client !== undefined && this.clients.has(client)) {
      this.counts.refused++;
      return Promise.reject(
        new ValidationRefused('client-busy', `a definition of yours is still being validated; wait for its answer, or try again in ${retryAfter} s`, retryAfter),
      );
    }
    if (group !== undefined && [...this.queue, ...(this.running ? [this.running.job] : [])].filter((j) => j.group === group).length >= this.limits.maxPerGroup) {
      this.counts.refused++;
      return Promise.reject(
        new ValidationRefused('busy', `${this.limits.maxPerGroup} definitions of your municipality are being validated already; try again in ${retryAfter} s`, retryAfter),
      );
    }
    if (this.pending >= this.limits.maxPending) {
      this.counts.refused++;
      return Promise.reject(
        new ValidationRefused('busy', `the validation queue is full (${this.limits.maxPending} at most, waiting or being validated); try again in ${retryAfter} s`, retryAfter),
      );
    }
    return new Promise<ValidationResult>((resolve, reject) => {
      const job: Job = { input, activities: [...opts.activities], client, group, signal, onAbort: () => this.drop(job), resolve, reject };
      if (client !== undefined) this.clients.add(client);
      signal?.addEventListener('abort', job.onAbort, { once: true });
      this.queue.push(job);
      this.next();
    });
  }

  /** Stops the thread; requests waiting or in flight fail. The next request starts a new one. */
  async close(): Promise<void> {
    const worker = this.worker;
    const err = new Error('the validation thread was closed');
    this.stop();
    if (this.running) this.settle(this.running.job, err);
    this.running = undefined;
    for (const job of this.queue.splice(0)) this.settle(job, err);
    if (worker) await worker.terminate();
  }

  /** The refusal of requests whose thread could not start or stopped: the service is unavailable, try again. */
  private unavailable(cause: unknown): ValidationRefused {
    const retryAfter = this.retryAfterSeconds();
    const why = cause instanceof Error ? cause.message : String(cause);
    return Object.assign(new ValidationRefused('unavailable', `definitions cannot be validated right now (${why}); try again in ${retryAfter} s`, retryAfter), { cause });
  }

  /** Seconds after which trying again makes sense: the longest one validation may take, at least 1. */
  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.limits.deadlineMs / 1000));
  }

  /** Gives the thread the next request when it is ready and free; starts the thread if there is none. */
  private next(): void {
    if (this.running || this.queue.length === 0) {
      if (!this.running && this.queue.length === 0) this.worker?.unref(); // idle: do not keep the process alive
      return;
    }
    let worker = this.worker;
    if (!worker) {
      try {
        worker = this.start();
      } catch (err) {
        // No thread at all: every waiting request fails (the next one tries again).
        const refusal = this.unavailable(err);
        for (const job of this.queue.splice(0)) this.settle(job, refusal);
        return;
      }
    }
    worker.ref(); // an answer is awaited: keep the process alive for it
    if (!this.ready) return; // `ready` calls again
    const job = this.queue.shift()!;
    const id = this.nextId++;
    let input: string;
    try {
      input = JSON.stringify(job.input) ?? 'null';
    } catch (err) {
      this.settle(job, err instanceof Error ? err : new Error(String(err))); // not JSON: nothing to validate
      return this.next();
    }
    const timer = setTimeout(() => this.expire(id), this.limits.deadlineMs);
    this.running = { id, job, timer };
    this.counts.started++;
    worker.postMessage({ id, input, activities: job.activities } satisfies ValidationRequest);
  }

  private start(): Worker {
    const worker = startThread();
    this.worker = worker;
    this.ready = false;
    this.counts.threads++;
    // A thread that does not get ready in time is stopped: its requests must not wait without end.
    const starting = setTimeout(() => {
      this.fail(worker, new Error(`the validation thread did not start within ${this.limits.startMs / 1000} s`));
      void worker.terminate();
    }, this.limits.startMs);
    starting.unref();
    worker.once('exit', () => clearTimeout(starting));
    worker.on('message', (reply: ValidationReply) => {
      if (this.worker !== worker) return;
      if ('ready' in reply) {
        clearTimeout(starting);
        this.ready = true;
        return this.next();
      }
      const running = this.running;
      if (!running || running.id !== reply.id) return;
      this.running = undefined;
      clearTimeout(running.timer);
      if ('error' in reply) this.settle(running.job, new Error(`validation failed: ${reply.error}`));
      else this.settle(running.job, JSON.parse(reply.result) as ValidationResult);
      this.next();
    });
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`the validation thread stopped (exit code ${code})`)));
    return worker;
  }

  /** The deadline of request `id` has passed: stop the thread, fail the request, go on with a new thread. */
  private expire(id: number): void {
    const running = this.running;
    if (!running || running.id !== id) return;
    this.running = undefined;
    this.counts.deadlines++;
    const seconds = this.limits.deadlineMs / 1000;
    const retryAfter = this.retryAfterSeconds();
    this.settle(
      running.job,
      new ValidationRefused('deadline', `validating the definition took longer than ${seconds} s, the most it may take; the server is busy: try again in ${retryAfter} s`, retryAfter),
    );
    const worker = this.worker;
    this.stop();
    void worker?.terminate();
    this.next();
  }

  /**
   * `worker` failed or stopped. When it had started, the request it was validating fails and the others go to a new
   * thread; when it never became ready, every request fails (a thread that cannot start would fail them all in turn).
   */
  private fail(worker: Worker, cause: Error): void {
    if (this.worker !== worker) return;
    const started = this.ready;
    const err = this.unavailable(cause);
    this.stop();
    if (this.running) {
      clearTimeout(this.running.timer);
      this.settle(this.running.job, err);
      this.running = undefined;
    }
    if (!started) for (const job of this.queue.splice(0)) this.settle(job, err);
    this.next();
  }

  /** Forgets the thread (it is being stopped, or has stopped). */
  private stop(): void {
    if (this.running) clearTimeout(this.running.timer);
    this.worker = undefined;
    this.ready = false;
  }

  /** A waiting request's client went away: drop it. (One already in the thread runs on; its answer is not sent.) */
  private drop(job: Job): void {
    const at = this.queue.indexOf(job);
    if (at < 0) return;
    this.queue.splice(at, 1);
    this.counts.dropped++;
    this.settle(job, new ValidationRefused('aborted', 'the client went away before its definition was validated', this.retryAfterSeconds()));
    this.next();
  }

  /** Answers a request, and frees its client's slot. */
  private settle(job: Job, outcome: ValidationResult | Error): void {
    job.signal?.removeEventListener('abort', job.onAbort);
    if (job.client !== undefined) this.clients.delete(job.client);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }
}

/** The process's validation thread (one is enough: definitions are validated now and then, not per request). */
export const validationThread = new ValidationThread();
