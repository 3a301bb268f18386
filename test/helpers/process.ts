/**
 * Runs `npm start` the way a person does: in its own process group, stopped by SIGINT to the whole group (Ctrl-C).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';

/**
 * A free TCP port on the loopback interface, reserved the way the Temporal CLI reserves its own (`GetFreePort`):
 * a connection to it is closed from the listening side, which leaves the port in TIME_WAIT, so the kernel hands it
 * to no other `listen(0)` (another test's, or one of the dev server's internal services) for a minute, while a
 * process that binds it explicitly (with SO_REUSEADDR, as Node and Go do) still can.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.once('connection', (accepted) => {
        accepted.destroy(); // the listening side closes first: its end goes to TIME_WAIT
        server.close(() => resolve(port));
      });
      const client = connect(port, '127.0.0.1');
      client.once('error', () => undefined); // the reset after the server side closed
      client.once('close', () => client.destroy());
    });
  });
}

export interface StartedProcess {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once the output contains `text`; rejects on exit or timeout. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /**
   * Sends SIGINT to the process group (as Ctrl-C does) and resolves with how npm ended: npm itself, like any
   * Ctrl-C'd program, may end by the signal; what the engine did is in the output.
   */
  interrupt(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startNpm(script: string, env: NodeJS.ProcessEnv, cwd: string): StartedProcess {
  const child = spawn('npm', ['run', '--silent', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let exitCode: number | null | undefined;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => {
    exit = e;
    exitCode = e.code;
    for (const l of listeners) l();
  });

  return {
    child,
    output: () => out,
    waitFor(text, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = typeof text === 'string' ? out.includes(text) : text.test(out);
          if (found) done(resolve);
          else if (exitCode !== undefined) done(() => reject(new Error(`exited (code ${exitCode}) before printing ${text}:\n${out}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${text} within ${timeoutMs} ms:\n${out}`))), timeoutMs);
        const done = (fn: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          fn();
        };
        listeners.add(check);
        check();
      });
    },
    async interrupt(timeoutMs = 30_000) {
      if (exit) return exit;
      process.kill(-child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** True while any process of the group still runs. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a process group is gone within `withinMs` (default 5,000 ms): after the group's leader exits, a helper it
 * started (tsx's esbuild service, which ends when its pipe closes) may take a moment to follow.
 */
export async function groupGone(pgid: number, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * The environment of an `npm start` with its embedded dev server on fresh ports (other test files running at the same
 * time take ports too), its state in `dataDir`, nothing configured for tokens (the development key), no metrics port,
 * and `extra` on top. Returns the ports with it.
 */
export async function embeddedStartEnv(dataDir: string, extra: Record<string, string> = {}) {
  const [apiPort, temporalPort, uiPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: '',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    WAAKVLAM_DATA_DIR: dataDir,
    WAAKVLAM_METRICS_PORT: '',
    WAAKVLAM_METRICS_HOST: '',
    LOG_LEVEL: 'warn',
    WAAKVLAM_JWT_SECRET: '',
    WAAKVLAM_JWKS_URL: '',
    ...extra,
  };
  return { env, apiPort, temporalPort, uiPort };
}
