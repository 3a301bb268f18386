/**
 * The embedded Temporal dev server that `npm start` runs when no TEMPORAL_ADDRESS is configured: the Temporal CLI's
 * `server start-dev`, persisting to a SQLite file (trajectories and timers survive a restart), with the Web UI and
 * the engine's search attributes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli } from '../scripts/temporal-binaries.js';
import { devServerSearchAttributeFlags } from './search-attributes.js';

/** Options of the embedded dev server. */
export interface DevServerOptions {
  /** gRPC frontend port. */
  port: number;
  /** Web UI port. */
  uiPort: number;
  /** Interface to bind to, e.g. `127.0.0.1`. */
  ip: string;
  /** SQLite file the server persists to; its directory is created. */
  dbFile: string;
  /** Namespace to create at start. */
  namespace: string;
  /**
   * The Web UI's remote codec endpoint (the API's codec server, `http://127.0.0.1:3000/v1/codec`): the UI sends it
   * the payloads it shows, to decode them. Unset: the UI shows them as they are stored.
   */
  uiCodecEndpoint?: string;
  /** How long to wait for the frontend to answer, in milliseconds. Default 60 000. */
  readyTimeoutMs?: number;
  /** Receives the server's own log lines. Default: dropped. */
  onLog?: (line: string) => void;
}

/** How the dev server process ended: its exit code, or the signal that killed it. */
export interface DevServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningDevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  /** URL of the Web UI. */
  uiUrl: string;
  /** Process id of the server. */
  pid: number;
  /**
   * Resolves when the server exits by itself (it crashed, or something killed it) after it was ready; never when it
   * exits because {@link stop} was called. The process holding it should stop, or start it again: nothing works
   * without it.
   */
  unexpectedExit: Promise<DevServerExit>;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and resolves when it has exited. */
  stop(): Promise<void>;
}

/** "exit code 1" or "killed by SIGKILL". */
export function describeExit(exit: DevServerExit): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** Starts the dev server and resolves once its frontend answers for the namespace. */
export async function startDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const cli = resolveTemporalCli();
  if (!cli.path) {
    throw new Error(
      'no Temporal CLI found: run `npm install` (builds it with Go), put `temporal` on PATH, or set TEMPORAL_CLI_PATH',
    );
  }
  mkdirSync(dirname(opts.dbFile), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--db-filename', opts.dbFile,
    '--ip', opts.ip,
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--namespace', opts.namespace,
    ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []),
    '--log-format', 'json',
    '--log-level', 'warn',
    ...devServerSearchAttributeFlags(),
  ];
  // Its own process group: Ctrl-C reaches only Waakvlam, which stops the server last, after the worker drained.
  const child = spawn(cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = new Promise<DevServerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // E.g. ENOENT for a TEMPORAL_CLI_PATH that does not exist: reported by waitUntilReady as an exit.
    child.once('error', (err) => {
      opts.onLog?.(`cannot run ${cli.path}: ${err.message}`);
      resolve({ code: -1, signal: null });
    });
  });
  // Never leave the server behind when this process exits without an orderly stop (e.g. an uncaught error).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) opts.onLog?.(line);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const host = opts.ip === '0.0.0.0' ? '127.0.0.1' : opts.ip;
  const address = `${host}:${opts.port}`;
  try {
    await waitUntilReady(address, opts.namespace, opts.readyTimeoutMs ?? 60_000, exited);
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }
  let stopping = false;
  return {
    address,
    uiUrl: `http://${host}:${opts.uiPort}`,
    pid: child.pid!,
    unexpectedExit: exited.then((exit) => (stopping ? new Promise<never>(() => undefined) : exit)),
    stop: () => {
      stopping = true;
      return stopChild(child, exited);
    },
  };
}

async function waitUntilReady(address: string, namespace: string, timeoutMs: number, exited: Promise<DevServerExit>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: DevServerExit | undefined;
  void exited.then((e) => {
    exit = e;
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exit) {
      throw new Error(
        exit.code === -1
          ? 'the Temporal CLI could not be run (check TEMPORAL_CLI_PATH, or run `npm run provision`)'
          : `the Temporal dev server exited during start-up (${describeExit(exit)}); is port ${address} in use?`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs} ms: ${String(lastError)}`);
}

async function stopChild(child: ChildProcess, exited: Promise<DevServerExit>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
