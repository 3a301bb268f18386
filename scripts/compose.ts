/**
 * Reads docker-compose.yml the way `docker compose` does (interpolation from an env file, defaults, required values,
 * validation) and returns the resolved model, like `docker compose config --format json`. With the docker compose
 * plugin it runs that; without it (a docker CLI but no plugin, no engine: these build machines) it runs the same
 * loader, compose-go, through scripts/compose-config, built once with the Go toolchain into the cache.
 *
 * The compose test checks the file with it, and `npm run production-like` takes the worker's and the API's settings
 * from it, so both deployments run with the same settings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir } from './temporal-binaries.js';

const root = resolve(import.meta.dirname, '..');

/** The resolved compose model (the parts Waakvlam reads). */
export interface ComposeProject {
  services: Record<
    string,
    {
      image?: string;
      command?: string[];
      environment?: Record<string, string | null>;
      depends_on?: Record<string, { condition: string }>;
      ports?: { target: number; published?: string }[];
      volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
      healthcheck?: { test: string[] };
    }
  >;
}

/** The outcome of reading a compose file: the model, or the loader's complaint (e.g. a required value missing). */
export type ComposeResult = { ok: true; project: ComposeProject } | { ok: false; error: string };

type Loader = (file: string, envFile: string | undefined, env: NodeJS.ProcessEnv) => { status: number | null; stdout: string; stderr: string };
let loader: Loader | undefined;

function composeLoader(log: (line: string) => void): Loader {
  if (loader) return loader;
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (plugin.status === 0) {
    loader = (file, envFile, env) =>
      spawnSync('docker', ['compose', ...(envFile ? ['--env-file', envFile] : []), '-f', file, 'config', '--format', 'json'], { encoding: 'utf8', env });
    return loader;
  }
  const binary = join(cacheDir(), 'compose-config', 'compose-config');
  if (!existsSync(binary)) {
    log('compose: building scripts/compose-config (compose-go) with Go, once');
    const build = spawnSync('go', ['build', '-o', binary, '.'], { cwd: join(root, 'scripts', 'compose-config'), encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`could not build scripts/compose-config: ${build.stderr}`);
  }
  loader = (file, envFile, env) =>
    spawnSync(binary, [file, ...(envFile ? [envFile] : [])], { encoding: 'utf8', env: { ...env, COMPOSE_PROJECT_NAME: 'waakvlam' } });
  return loader;
}

/**
 * Reads `file` (default: the repository's docker-compose.yml) with `envFile` (default: the `.env` beside it, as
 * `docker compose` does). Variables of `env` (default: this process's environment) count too and win over the env
 * file, as they do for `docker compose`.
 */
export function loadCompose(
  options: { file?: string; envFile?: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): ComposeResult {
  const file = options.file ?? join(root, 'docker-compose.yml');
  const res = composeLoader(options.log ?? (() => undefined))(file, options.envFile, options.env ?? process.env);
  if (res.status !== 0) return { ok: false, error: res.stderr.trim() || `exit code ${res.status}` };
  return { ok: true, project: JSON.parse(res.stdout) as ComposeProject };
}
