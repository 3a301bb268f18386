/**
 * What docker-compose.yml runs as Waakvlam containers, as local processes: the production-like environment starts
 * the worker and the API from this, so they run with the settings compose gives the containers, read from the same
 * `.env`, and from what the image holds (the Dockerfile rehearsed by scripts/image.ts).
 *
 * A container's view of the world is translated to this machine's, and nothing else is changed:
 * - the command's `node` is this Node.js, run in the image's WORKDIR, with the image's ENV beneath compose's;
 * - another service's address (`temporal:7233`) is where that service runs here;
 * - a path inside a bind-mounted volume (`/etc/waakvlam/directory.yaml`) is the file on the host it mounts;
 * - a container port published on the host (the API's 3000 as `WAAKVLAM_API_PORT`) is listened on at that host port
 *   on the loopback interface;
 * - a port every replica has for itself in its container (the metrics port, 9464) gets a port of its own per
 *   process here (from `ports.private`);
 * - `deploy.replicas` processes are started, named `<service>-1`, `<service>-2`, …;
 * - readiness is the service's own healthcheck command, run as compose runs it.
 */
import { spawn } from 'node:child_process';
import type { ComposeProject } from './compose.js';
import type { RehearsedImage } from './image.js';

/** One process to run: a compose service's replica. */
export interface ComposeProcess {
  /** `<service>-<replica>`, e.g. `waakvlam-worker-2`. */
  name: string;
  service: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The service's healthcheck test as compose gives it (`CMD …`), if any. */
  healthcheck?: string[];
  /** Resolves true once the service's healthcheck passes (false while it does not yet). */
  ready: () => Promise<boolean>;
}

export interface Translation {
  /** `host:port` of another compose service as it runs here, by its address in compose (`temporal:7233`). */
  services: Record<string, string>;
  /** First of the ports handed out for ports each replica keeps for itself (metrics); counted up per process. */
  privatePortBase: number;
  /** Container ports each replica keeps for itself and that are not published (default: the metrics port 9464). */
  privatePorts?: number[];
}

/** The environment variables that name the port the process listens on, by the container port they hold. */
export const PORT_VARIABLES = ['PORT', 'WAAKVLAM_METRICS_PORT'];

/** The Waakvlam services of the compose model (those built from this repository's image), as local processes. */
export function composeProcesses(project: ComposeProject, image: RehearsedImage, translation: Translation): ComposeProcess[] {
  const privatePorts = new Set((translation.privatePorts ?? [9464]).map(String));
  let nextPrivate = translation.privatePortBase;
  const out: ComposeProcess[] = [];
  for (const [service, def] of Object.entries(project.services)) {
    if (!def.image?.startsWith('waakvlam:')) continue;
    const command = def.command ?? image.cmd;
    if (command[0] !== 'node') throw new Error(`${service}: only node commands run here (${command.join(' ')})`);
    const replicas = (def as { deploy?: { replicas?: number } }).deploy?.replicas ?? 1;
    const published = new Map((def.ports ?? []).map((p) => [String(p.target), String(p.published)]));
    for (let replica = 1; replica <= replicas; replica++) {
      const env: Record<string, string> = { ...image.env };
      for (const [key, raw] of Object.entries(def.environment ?? {})) {
        if (raw === null || raw === undefined) continue;
        let value = raw;
        for (const [address, here] of Object.entries(translation.services)) if (value === address) value = here;
        for (const v of def.volumes ?? []) {
          if (v.type === 'bind' && (value === v.target || value.startsWith(`${v.target}/`))) value = v.source + value.slice(v.target.length);
        }
        if (PORT_VARIABLES.includes(key)) {
          if (published.has(value)) value = published.get(value)!;
          else if (privatePorts.has(value)) value = String(nextPrivate++);
        }
        env[key] = value;
      }
      // A published port listens on the host's loopback interface here; the metrics port stays there too.
      if (env.PORT) env.HOST = '127.0.0.1';
      if (env.WAAKVLAM_METRICS_PORT) env.WAAKVLAM_METRICS_HOST = '127.0.0.1';
      const test = def.healthcheck?.test ?? (image.healthcheck ? ['CMD', ...image.healthcheck] : undefined);
      out.push(withReadiness({
        name: replicas > 1 ? `${service}-${replica}` : service,
        service,
        command: process.execPath,
        args: command.slice(1),
        cwd: image.dir,
        env,
        ...(test ? { healthcheck: test } : {}),
      }));
    }
  }
  return out;
}

/** A process description (e.g. one handed to another process) with its readiness check: its healthcheck. */
export function withReadiness(p: Omit<ComposeProcess, 'ready'>): ComposeProcess {
  const test = p.healthcheck;
  return { ...p, ready: test ? () => healthcheck(test, p.cwd, p.env) : async () => true };
}

/** Runs a compose healthcheck test (`CMD …` or `CMD-SHELL …`) as the container would: true when it exits 0. */
function healthcheck(test: string[], cwd: string, env: Record<string, string>): Promise<boolean> {
  const [kind, ...rest] = test;
  let command: string;
  let args: string[];
  if (kind === 'CMD') {
    [command, ...args] = rest as [string, ...string[]];
    if (command === 'node') command = process.execPath;
  } else if (kind === 'CMD-SHELL') {
    [command, args] = ['sh', ['-c', rest.join(' ')]];
  } else {
    return Promise.resolve(true); // NONE
  }
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}
