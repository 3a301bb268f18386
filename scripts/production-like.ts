/**
 * The production-like environment (#11 point 4): the deployment of docker-compose.yml, on a machine without a
 * container engine, from package registries only, with the same versions and the settings compose reads from the
 * same `.env` (beside docker-compose.yml, or PRODUCTION_LIKE_ENV_FILE):
 *
 * - PostgreSQL, Debian's package, in a cluster of its own (password authentication with the .env's
 *   POSTGRES_PASSWORD), on its own port (compose does not publish it): PRODUCTION_LIKE_POSTGRES_PORT, default 55432;
 * - the Temporal server and `temporal-sql-tool`, built from the vendor's Go module (`go.temporal.io/server`, the
 *   version of the compose file), the schema created and upgraded by the tool as compose's `temporal-schema` does;
 *   the server configured as the `temporalio/server` image configures itself from compose's environment (SQL
 *   persistence and visibility on PostgreSQL, the dynamic config from deploy/dynamicconfig/), its frontend on the
 *   port compose publishes (TEMPORAL_PORT);
 * - the namespace with its retention, as compose's `temporal-namespace` creates it (TEMPORAL_NAMESPACE,
 *   TEMPORAL_RETENTION);
 * - the Temporal Web UI server, built from the vendor's Go module (`github.com/temporalio/ui-server/v2`, the version
 *   of the compose file), with the image's own config template, on TEMPORAL_UI_PORT;
 * - what compose runs from the Dockerfile's image, from the image rehearsed (scripts/image.ts): the worker's replicas
 *   and the API on WAAKVLAM_API_PORT, with compose's environment for them: see {@link startComposeWaakvlam}.
 *
 * Binaries and the database cluster are cached outside the repository ({@link cacheDir}), so a second start takes
 * seconds. Processes run detached, recorded in a state file, so `stop` and `status` work from another shell.
 * Everything binds 127.0.0.1 only.
 *
 *   npm run production-like              # start (or find running) and print the addresses
 *   npm run production-like -- start --no-waakvlam   # Temporal, PostgreSQL and the UI only
 *   npm run production-like -- status
 *   npm run production-like -- stop
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync,
  statSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { msToTs } from '@temporalio/common/lib/time.js';
import { loadCompose, type ComposeProject } from './compose.js';
import { composeProcesses, PORT_VARIABLES, type ComposeProcess } from './compose-processes.js';
import { rehearseImage } from './image.js';
import { cacheDir, onPath, runWithProgress } from './temporal-binaries.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** go.temporal.io/server: the `temporalio/server` and `temporalio/admin-tools` tag of docker-compose.yml. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** github.com/temporalio/ui-server/v2: the `temporalio/ui` tag of docker-compose.yml. */
export const TEMPORAL_UI_VERSION = 'v2.42.1';
/** Revision of how the binaries are assembled in the cache; a change provisions them anew. */
const BINARIES_RECIPE = 1;

type Log = (line: string) => void;

// ---------------------------------------------------------------------------------------------------------------
// Settings

export interface ProductionLikeOptions {
  /** Cache root (binaries, cluster, state). Default {@link cacheDir}. */
  cacheRoot?: string;
  postgresPort?: number;
  /** The frontend's gRPC port; the server's other services take the ports around it (see {@link temporalPorts}). */
  temporalPort?: number;
  uiPort?: number;
  /**
   * Compose: the Web UI's TEMPORAL_CODEC_ENDPOINT (the API's codec server as the browser reaches it) and
   * TEMPORAL_CODEC_INCLUDE_CREDENTIALS. Unset: the UI decodes nothing.
   */
  uiCodec?: { endpoint: string; includeCredentials: boolean };
  /** Compose: TEMPORAL_NAMESPACE, default `default`. */
  namespace?: string;
  /** Compose: TEMPORAL_RETENTION, default `90d`. */
  retention?: string;
  /** Compose: POSTGRES_USER, default `temporal`. */
  postgresUser?: string;
  /**
   * Compose: POSTGRES_PASSWORD (the .env's). Default: one generated once into the cache. A cluster created with
   * another password is given this one (ALTER ROLE) when it starts.
   */
  postgresPassword?: string;
  /** Compose: LOG_LEVEL (the server's log level), default `info`. */
  logLevel?: string;
  /** Dynamic config file; default deploy/dynamicconfig/waakvlam.yaml (what compose mounts). */
  dynamicConfigFile?: string;
  /** Compose: NUM_HISTORY_SHARDS of the temporal service (TEMPORAL_HISTORY_SHARDS); fixed when the cluster is created. */
  historyShards?: number;
  /** Compose: the PostgreSQL image's major version (POSTGRES_VERSION); Debian's package must have it. */
  postgresMajor?: string;
  /** Progress output; default console.log. */
  log?: Log;
}

export interface ProductionLikeSettings {
  cacheRoot: string;
  postgresPort: number;
  temporalPort: number;
  uiPort: number;
  uiCodec: { endpoint: string; includeCredentials: boolean } | undefined;
  namespace: string;
  retention: string;
  postgresUser: string;
  logLevel: string;
  dynamicConfigFile: string;
  historyShards: number;
}

function envPort(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name}: not a port: ${value}`);
  return n;
}

/** The settings from options, else the environment (compose's variable names where compose has one), else defaults. */
export function resolveSettings(options: ProductionLikeOptions = {}, env: NodeJS.ProcessEnv = process.env): ProductionLikeSettings {
  return {
    cacheRoot: options.cacheRoot ?? cacheDir(env),
    postgresPort: options.postgresPort ?? envPort(env.PRODUCTION_LIKE_POSTGRES_PORT, 55432, 'PRODUCTION_LIKE_POSTGRES_PORT'),
    temporalPort: options.temporalPort ?? envPort(env.PRODUCTION_LIKE_TEMPORAL_PORT, 17233, 'PRODUCTION_LIKE_TEMPORAL_PORT'),
    uiPort: options.uiPort ?? envPort(env.PRODUCTION_LIKE_UI_PORT, 18080, 'PRODUCTION_LIKE_UI_PORT'),
    uiCodec: options.uiCodec,
    namespace: options.namespace ?? (env.TEMPORAL_NAMESPACE || 'default'),
    retention: options.retention ?? (env.TEMPORAL_RETENTION || '90d'),
    postgresUser: options.postgresUser ?? (env.POSTGRES_USER || 'temporal'),
    logLevel: options.logLevel ?? (env.LOG_LEVEL || 'info'),
    dynamicConfigFile: resolve(options.dynamicConfigFile ?? join(REPO_ROOT, 'deploy', 'dynamicconfig', 'waakvlam.yaml')),
    historyShards: options.historyShards ?? 4,
  };
}

/**
 * The Temporal server's ports, laid out around the frontend's as the image lays them out around 7233: frontend
 * +0, history +1, matching +2, worker +6, frontend HTTP +10; membership ports 300 below each (6933 for 7233).
 */
export function temporalPorts(frontend: number) {
  // Temporal keeps membership ports in a smallint column: they must stay below 32768.
  if (frontend - 300 + 6 > 32767 || frontend < 1300) {
    throw new Error(`TEMPORAL_PORT ${frontend}: choose a port from 1300 to 33061 (the server's membership ports, 300 below it, must fit Temporal's smallint column)`);
  }
  const m = (p: number) => p - 300;
  return {
    frontend: { grpc: frontend, http: frontend + 10, membership: m(frontend) },
    history: { grpc: frontend + 1, membership: m(frontend + 1) },
    matching: { grpc: frontend + 2, membership: m(frontend + 2) },
    worker: { grpc: frontend + 6, membership: m(frontend + 6) },
  };
}

/** A retention like compose's `90d` (also `h`, `m`, `s`) in seconds. */
export function retentionSeconds(text: string): number {
  const match = /^\s*(\d+)\s*([dhms])\s*$/.exec(text);
  if (!match) throw new Error(`TEMPORAL_RETENTION: expected a number with d, h, m or s (e.g. 90d), got "${text}"`);
  const unit = { d: 86400, h: 3600, m: 60, s: 1 }[match[2] as 'd' | 'h' | 'm' | 's'];
  return Number(match[1]) * unit;
}

/** The image tags docker-compose.yml defaults to (`${VAR:-tag}`), by variable. */
export function composeImageDefaults(composeText: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of composeText.matchAll(/\$\{(\w+_VERSION):-([^}]+)\}/g)) out[m[1]!] = m[2]!;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Binaries: pure resolvers and their provisioning

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the module source (temporal/versioned, visibility/versioned). */
  schemaDir: string;
}

export interface UiServerBinaries {
  server: string;
  /** The config directory of the module source (docker.yaml is the image's template). */
  configDir: string;
}

function serverCacheDir(root: string): string {
  return join(root, 'temporal-server', `${TEMPORAL_SERVER_VERSION}-${BINARIES_RECIPE}`);
}

function uiCacheDir(root: string): string {
  return join(root, 'temporal-ui-server', `${TEMPORAL_UI_VERSION}-${BINARIES_RECIPE}`);
}

/** The cached Temporal server, or null (no building). */
export function resolveTemporalServer(root: string): TemporalServerBinaries | null {
  const dir = serverCacheDir(root);
  const found = { server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool'), schemaDir: join(dir, 'schema', 'postgresql', 'v12') };
  return existsSync(found.server) && existsSync(found.sqlTool) && existsSync(join(found.schemaDir, 'visibility', 'versioned')) ? found : null;
}

/** The cached Web UI server, or null (no building). */
export function resolveUiServer(root: string): UiServerBinaries | null {
  const dir = uiCacheDir(root);
  const found = { server: join(dir, 'temporal-ui-server'), configDir: join(dir, 'config') };
  return existsSync(found.server) && existsSync(join(found.configDir, 'docker.yaml')) ? found : null;
}

function goOrThrow(env: NodeJS.ProcessEnv): string {
  const go = onPath('go', env);
  if (!go) throw new Error('no Go toolchain on PATH: the Temporal server and Web UI are built from their Go modules');
  return go;
}

/** Where the Go module cache holds a module's source (`go mod download -json`). */
function moduleDir(go: string, module: string, env: NodeJS.ProcessEnv): string {
  const res = spawnSync(go, ['mod', 'download', '-json', module], { encoding: 'utf8', env: { ...env, GOFLAGS: '' }, cwd: tmpdir() });
  if (res.status !== 0) throw new Error(`go mod download ${module} failed: ${res.stderr || res.stdout}`);
  const info = JSON.parse(res.stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

/**
 * `go install`s packages of one module version into a staging directory, renames the binaries and copies parts of
 * the module source beside them, then moves the whole into place (a half-done build never looks done).
 */
async function buildIntoCache(
  target: string,
  packages: { pkg: string; binary: string; as: string }[],
  sources: { module: string; parts: string[] },
  log: Log,
  env: NodeJS.ProcessEnv,
  label: string,
): Promise<void> {
  const go = goOrThrow(env);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const gobin = join(staging, 'gobin');
  mkdirSync(gobin, { recursive: true });
  const started = Date.now();
  try {
    for (const { pkg, binary, as } of packages) {
      log(`${label}: go install ${pkg}`);
      await runWithProgress(go, ['install', '-v', '-trimpath', '-ldflags=-s -w', pkg], {
        env: { ...env, GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '' },
        cwd: tmpdir(),
        label: 'go',
        log,
      });
      renameSync(join(gobin, binary), join(staging, as));
    }
    const src = moduleDir(go, sources.module, env);
    for (const part of sources.parts) {
      cpSync(join(src, part), join(staging, part), { recursive: true });
    }
    // The module cache is read-only; the copies need not be.
    spawnSync('chmod', ['-R', 'u+w', staging]);
    rmSync(gobin, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`${label}: built in ${Math.round((Date.now() - started) / 1000)} s into ${target}`);
}

/** Builds the Temporal server and temporal-sql-tool from go.temporal.io/server into the cache, unless there. */
export async function provisionTemporalServer(root: string, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<TemporalServerBinaries> {
  const existing = resolveTemporalServer(root);
  if (existing) return existing;
  log(`Temporal server: building go.temporal.io/server ${TEMPORAL_SERVER_VERSION} (cmd/server, cmd/tools/sql) with Go`);
  log('  The first build downloads and compiles the server (minutes; faster when the Temporal CLI was built before).');
  const v = TEMPORAL_SERVER_VERSION;
  await buildIntoCache(
    serverCacheDir(root),
    [
      { pkg: `go.temporal.io/server/cmd/server@${v}`, binary: 'server', as: 'temporal-server' },
      { pkg: `go.temporal.io/server/cmd/tools/sql@${v}`, binary: 'sql', as: 'temporal-sql-tool' },
    ],
    { module: `go.temporal.io/server@${v}`, parts: ['schema/postgresql/v12'] },
    log,
    env,
    'Temporal server',
  );
  return resolveTemporalServer(root)!;
}

/** Builds the Web UI server from github.com/temporalio/ui-server/v2 (UI assets embedded) into the cache, unless there. */
export async function provisionUiServer(root: string, log: Log, env: NodeJS.ProcessEnv = process.env): Promise<UiServerBinaries> {
  const existing = resolveUiServer(root);
  if (existing) return existing;
  log(`Temporal Web UI: building github.com/temporalio/ui-server/v2 ${TEMPORAL_UI_VERSION} (cmd/server) with Go`);
  const v = TEMPORAL_UI_VERSION;
  await buildIntoCache(
    uiCacheDir(root),
    [{ pkg: `github.com/temporalio/ui-server/v2/cmd/server@${v}`, binary: 'server', as: 'temporal-ui-server' }],
    { module: `github.com/temporalio/ui-server/v2@${v}`, parts: ['config'] },
    log,
    env,
    'Temporal Web UI',
  );
  return resolveUiServer(root)!;
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

export interface PostgresBinaries {
  bin: string;
  version: string;
}

/** Debian's PostgreSQL server binaries (/usr/lib/postgresql/<major>/bin, newest first), or null. */
export function resolvePostgres(): PostgresBinaries | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const majors = readdirSync(base).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join(base, major, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')) && existsSync(join(bin, 'postgres'))) {
      return { bin, version: major };
    }
  }
  return null;
}

/** Installs Debian's postgresql package when no server binaries are there. */
export async function provisionPostgres(log: Log): Promise<PostgresBinaries> {
  const existing = resolvePostgres();
  if (existing) return existing;
  if (!onPath('apt-get')) throw new Error('PostgreSQL server binaries not found and no apt-get to install Debian\'s postgresql package');
  log('PostgreSQL: installing Debian\'s postgresql package (apt-get)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runWithProgress('apt-get', ['update'], { env, label: 'apt', log });
  await runWithProgress('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { env, label: 'apt', log });
  const installed = resolvePostgres();
  if (!installed) throw new Error('apt-get installed postgresql, but no server binaries under /usr/lib/postgresql/*/bin');
  return installed;
}

/**
 * The OS user the cluster runs as: PostgreSQL refuses to run as root, so root runs it as Debian's `postgres` user.
 */
function postgresRunAs(): { uid: number; gid: number; name: string } | null {
  if (process.getuid?.() !== 0) return null;
  const res = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (res.status !== 0 || gid.status !== 0) throw new Error('running as root, and there is no `postgres` user to run PostgreSQL as');
  return { uid: Number(res.stdout.trim()), gid: Number(gid.stdout.trim()), name: 'postgres' };
}

/**
 * Where the cluster lives: in the cache, except as root, where the `postgres` user must reach it and the cache is
 * usually under /root (mode 0700): then under /var/lib/postgresql, named after the cache root.
 */
export function clusterDir(root: string, asRoot: boolean): string {
  if (!asRoot) return join(root, 'production-like', 'postgresql');
  const tag = createHash('sha256').update(resolve(root)).digest('hex').slice(0, 10);
  return join('/var/lib/postgresql', `waakvlam-production-like-${tag}`);
}

/** The cluster of a cache root: who runs it (see {@link postgresRunAs}) and its data directory. */
function cluster(root: string): { owner: ReturnType<typeof postgresRunAs>; data: string } {
  const owner = postgresRunAs();
  return { owner, data: clusterDir(root, owner !== null) };
}

function stateDir(root: string): string {
  return join(root, 'production-like');
}

/** A secret generated once and kept in the cache's state directory with mode 0600 (never a usable default). */
function generatedSecret(root: string, name: string, bytes: number): string {
  const file = join(stateDir(root), name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(stateDir(root), { recursive: true, mode: 0o700 });
  const secret = randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The database password the cluster has (the one generated, or the .env's once applied). */
function databasePassword(root: string): string {
  return generatedSecret(root, 'postgres-password', 24);
}

/**
 * Gives the running cluster's user `wanted` as its password when it has another one (the .env's POSTGRES_PASSWORD
 * changed, or the cluster was created with a generated one), and records it. The statement goes by standard input.
 */
function applyDatabasePassword(s: ProductionLikeSettings, pg: PostgresBinaries, wanted: string, log: Log): string {
  const current = databasePassword(s.cacheRoot);
  if (current === wanted) return current;
  const quoted = (text: string, q: string) => `${q}${text.split(q).join(q + q)}${q}`;
  const sql = `ALTER ROLE ${quoted(s.postgresUser, '"')} PASSWORD ${quoted(wanted, "'")};\n`;
  const res = spawnSync(join(pg.bin, 'psql'), ['-h', '127.0.0.1', '-p', String(s.postgresPort), '-U', s.postgresUser, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-f', '-'], {
    input: sql,
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: current },
  });
  if (res.status !== 0) throw new Error(`could not set the database password of the .env: ${res.stderr}`);
  writeFileSync(join(stateDir(s.cacheRoot), 'postgres-password'), `${wanted}\n`, { mode: 0o600 });
  log(`PostgreSQL: the password of ${s.postgresUser} is now the .env's POSTGRES_PASSWORD`);
  return wanted;
}

function runAsPostgres(
  pg: PostgresBinaries,
  tool: string,
  args: string[],
  owner: ReturnType<typeof postgresRunAs>,
): { status: number | null; output: string } {
  const opts: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' };
  if (owner) Object.assign(opts, { uid: owner.uid, gid: owner.gid, env: { ...process.env, HOME: '/var/lib/postgresql', USER: owner.name } });
  const res = spawnSync(join(pg.bin, tool), args, { ...opts, encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}` };
}

/** initdb (once), then starts the cluster on its port, unless it runs. Returns the data directory. */
async function startPostgres(s: ProductionLikeSettings, pg: PostgresBinaries, password: string, log: Log): Promise<string> {
  const { owner, data } = cluster(s.cacheRoot);
  const logFile = join(data, 'server.log');
  if (!existsSync(join(data, 'PG_VERSION'))) {
    log(`PostgreSQL ${pg.version}: creating a cluster in ${data} (superuser ${s.postgresUser}, password authentication)`);
    rmSync(data, { recursive: true, force: true });
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const pwfile = join(tmpdir(), `waakvlam-pw-${process.pid}-${randomBytes(4).toString('hex')}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    try {
      if (owner) {
        chownSync(data, owner.uid, owner.gid);
        chownSync(pwfile, owner.uid, owner.gid);
      }
      const res = runAsPostgres(pg, 'initdb', [
        '-D', data, '-U', s.postgresUser, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8',
      ], owner);
      if (res.status !== 0) throw new Error(`initdb failed:\n${res.output}`);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }
  if (runAsPostgres(pg, 'pg_ctl', ['status', '-D', data], owner).status === 0) {
    log(`PostgreSQL ${pg.version}: running (${data})`);
    return data;
  }
  log(`PostgreSQL ${pg.version}: starting on 127.0.0.1:${s.postgresPort}`);
  // The socket directory is the data directory: the cluster needs nothing of the system's /var/run/postgresql.
  const opts = `-p ${s.postgresPort} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${data}`;
  const res = runAsPostgres(pg, 'pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', logFile, '-o', opts], owner);
  if (res.status !== 0) {
    const end = tail(logFile, 20);
    throw new Error(`PostgreSQL did not start:\n${res.output}\n${end}`);
  }
  return data;
}

function stopPostgres(root: string, log: Log): void {
  const pg = resolvePostgres();
  if (!pg) return;
  const { owner, data } = cluster(root);
  if (!existsSync(join(data, 'PG_VERSION'))) return;
  if (runAsPostgres(pg, 'pg_ctl', ['status', '-D', data], owner).status !== 0) return;
  const res = runAsPostgres(pg, 'pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data], owner);
  log(res.status === 0 ? 'PostgreSQL: stopped' : `PostgreSQL: pg_ctl stop failed: ${res.output}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Schema, as compose's temporal-schema service applies it

async function applySchema(s: ProductionLikeSettings, bins: TemporalServerBinaries, password: string, log: Log): Promise<void> {
  // The password goes by the tool's environment variable, not the command line (which `ps` shows).
  const env = {
    ...process.env, SQL_PLUGIN: 'postgres12', SQL_HOST: '127.0.0.1', SQL_PORT: String(s.postgresPort),
    SQL_USER: s.postgresUser, SQL_PASSWORD: password,
  };
  const tool = (db: string, args: string[]) => {
    const res = spawnSync(bins.sqlTool, ['--db', db, ...args], { env, encoding: 'utf8' });
    return { ok: res.status === 0, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
  };
  const started = Date.now();
  for (const [db, dir] of [['temporal', 'temporal'], ['temporal_visibility', 'visibility']] as const) {
    // As compose: create-database fails when the database exists, which is fine.
    tool(db, ['create-database']);
    for (const args of [['setup-schema', '-v', '0.0'], ['update-schema', '-d', join(bins.schemaDir, dir, 'versioned')]]) {
      const res = tool(db, args);
      if (!res.ok) throw new Error(`temporal-sql-tool --db ${db} ${args.join(' ')} failed:\n${res.output}`);
    }
  }
  log(`Schema: temporal and temporal_visibility set up and up to date (temporal-sql-tool, ${Date.now() - started} ms)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Temporal server configuration: what the image's config_template.yaml renders from compose's environment

/**
 * The server's configuration, as `temporalio/server` renders docker/config_template.yaml from compose's environment
 * (DB=postgres12, POSTGRES_SEEDS, DB_PORT, POSTGRES_USER/PWD, TEMPORAL_BROADCAST_ADDRESS=127.0.0.1,
 * DYNAMIC_CONFIG_FILE_PATH) and the template's defaults. The one difference: BIND_ON_IP is 127.0.0.1 (compose binds
 * 0.0.0.0 inside the container, published on the host), and the ports are moved (see {@link temporalPorts}).
 */
export function temporalServerConfig(s: ProductionLikeSettings, password: string): string {
  const p = temporalPorts(s.temporalPort);
  const q = (v: string) => JSON.stringify(v);
  const sql = (db: string, conns: number) => `            sql:
                pluginName: "postgres12"
                databaseName: "${db}"
                connectAddr: "127.0.0.1:${s.postgresPort}"
                connectProtocol: "tcp"
                user: ${q(s.postgresUser)}
                password: ${q(password)}
                maxConns: ${conns}
                maxIdleConns: ${conns}
                maxConnLifetime: 1h
                tls:
                    enabled: false`;
  const service = (name: string, ports: { grpc: number; membership: number; http?: number }) => `    ${name}:
        rpc:
            grpcPort: ${ports.grpc}
            membershipPort: ${ports.membership}
            bindOnIP: "127.0.0.1"${ports.http ? `\n            httpPort: ${ports.http}` : ''}`;
  return `# Written by scripts/production-like.ts: the image's config_template.yaml as compose's environment renders it.
log:
    stdout: true
    level: ${s.logLevel}

persistence:
    numHistoryShards: ${s.historyShards}
    defaultStore: default
    visibilityStore: visibility
    datastores:
        default:
${sql('temporal', 20)}
        visibility:
${sql('temporal_visibility', 10)}

global:
    membership:
        maxJoinDuration: 30s
        broadcastAddress: "127.0.0.1"
    pprof:
        port: 0

services:
${service('frontend', p.frontend)}
${service('matching', p.matching)}
${service('history', p.history)}
${service('worker', p.worker)}

clusterMetadata:
    enableGlobalNamespace: false
    failoverVersionIncrement: 10
    masterClusterName: "active"
    currentClusterName: "active"
    clusterInformation:
        active:
            enabled: true
            initialFailoverVersion: 1
            rpcName: "frontend"
            rpcAddress: 127.0.0.1:${p.frontend.grpc}
            httpAddress: 127.0.0.1:${p.frontend.http}

dcRedirectionPolicy:
    policy: "noop"

archival:
  history:
    state: "enabled"
    enableRead: true
    provider:
      filestore:
        fileMode: "0666"
        dirMode: "0766"
  visibility:
    state: "enabled"
    enableRead: true
    provider:
      filestore:
        fileMode: "0666"
        dirMode: "0766"

namespaceDefaults:
  archival:
    history:
      state: "disabled"
      URI: "file:///tmp/temporal_archival/development"
    visibility:
      state: "disabled"
      URI: "file:///tmp/temporal_vis_archival/development"

dynamicConfigClient:
    filepath: ${q(s.dynamicConfigFile)}
    pollInterval: "60s"
`;
}

// ---------------------------------------------------------------------------------------------------------------
// Detached processes, recorded in a state file

export interface ManagedProcess {
  name: string;
  pid: number;
  command: string;
  args: string[];
  log: string;
  /** A hash of what a Waakvlam process was started with (command, arguments, directory, environment). */
  settings?: string;
}

interface State {
  settings: ProductionLikeSettings;
  processes: ManagedProcess[];
}

function statePath(root: string): string {
  return join(stateDir(root), 'state.json');
}

function readState(root: string): State | null {
  try {
    return JSON.parse(readFileSync(statePath(root), 'utf8')) as State;
  } catch {
    return null;
  }
}

function writeState(root: string, state: State): void {
  mkdirSync(stateDir(root), { recursive: true, mode: 0o700 });
  writeFileSync(statePath(root), JSON.stringify(state, null, 2), { mode: 0o600 });
}

/** Whether `pid` runs `command` still (a recycled pid runs something else). */
export function isAlive(p: Pick<ManagedProcess, 'pid' | 'command'>): boolean {
  try {
    process.kill(p.pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(p.command) || (cmdline[0] ?? '').endsWith(p.command);
  } catch {
    return true;
  }
}

function spawnDetached(
  root: string,
  name: string,
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string },
): ManagedProcess {
  const logs = join(stateDir(root), 'logs');
  mkdirSync(logs, { recursive: true });
  const log = join(logs, `${name}.log`);
  const fd = openSync(log, 'a', 0o600);
  try {
    const child = spawn(command, args, { cwd: opts.cwd ?? stateDir(root), env: opts.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    child.unref();
    return { name, pid: child.pid, command, args, log };
  } finally {
    closeSync(fd);
  }
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Throws, naming them, when any of `ports` on 127.0.0.1 is taken: no process of ours may share a port. */
async function assertPortsFree(what: string, ports: number[]): Promise<void> {
  const { createServer } = await import('node:net');
  const taken: number[] = [];
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) taken.push(port);
  }
  if (taken.length) throw new Error(`${what}: port${taken.length > 1 ? 's' : ''} ${taken.join(', ')} in use on 127.0.0.1 (another server? stop it, or choose other ports in .env)`);
}

async function waitUntil(what: string, check: () => Promise<boolean>, p: ManagedProcess | null, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exited = () => new Error(`${what}: the process exited; the end of ${p!.log}:\n${tail(p!.log)}`);
  for (;;) {
    // Our own process must live: an answer from another process on the port is no readiness of ours.
    if (p && !isAlive(p)) throw exited();
    if (await check().catch(() => false)) {
      if (p && !isAlive(p)) throw exited();
      return;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${p ? `; the end of ${p.log}:\n${tail(p.log)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopProcess(p: ManagedProcess, log: Log, timeoutMs = 30_000): Promise<void> {
  if (!isAlive(p)) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(p) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(p)) {
    log(`${p.name}: did not stop within ${timeoutMs / 1000} s, killing`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  log(`${p.name}: stopped`);
}

// ---------------------------------------------------------------------------------------------------------------
// Temporal: server readiness and the namespace, as compose's temporal-namespace service does

async function withConnection<T>(address: string, fn: (c: import('@temporalio/client').Connection) => Promise<T>): Promise<T> {
  const { Connection } = await import('@temporalio/client');
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    return await fn(connection);
  } finally {
    await connection.close();
  }
}

/** `temporal operator namespace describe || create --retention`, with the SDK's operator calls. */
async function ensureNamespace(address: string, namespace: string, retention: string, log: Log): Promise<void> {
  const seconds = retentionSeconds(retention);
  await withConnection(address, async (c) => {
    try {
      await c.workflowService.describeNamespace({ namespace });
      log(`Namespace ${namespace}: exists`);
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 5) throw err; // NOT_FOUND
    }
    await c.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(seconds * 1000) });
    log(`Namespace ${namespace}: created, retention ${retention}`);
  });
}

async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return res.ok;
}

// ---------------------------------------------------------------------------------------------------------------
// The environment

export interface ProductionLikeAddresses {
  postgres: { host: string; port: number; user: string; passwordFile: string; databases: string[] };
  /** host:port of the Temporal frontend (gRPC). */
  temporal: string;
  temporalHttp: string;
  ui: string;
  namespace: string;
  retention: string;
}

export interface ProductionLike {
  addresses: ProductionLikeAddresses;
  settings: ProductionLikeSettings;
  /** Whether this call found the environment running (and so started nothing). */
  alreadyRunning: boolean;
  /**
   * Stops the environment this call started (every recorded process, the Waakvlam ones too, and PostgreSQL);
   * nothing if the call found it running.
   */
  stop(): Promise<void>;
}

function addressesOf(s: ProductionLikeSettings): ProductionLikeAddresses {
  return {
    postgres: {
      host: '127.0.0.1', port: s.postgresPort, user: s.postgresUser, passwordFile: join(stateDir(s.cacheRoot), 'postgres-password'),
      databases: ['temporal', 'temporal_visibility'],
    },
    temporal: `127.0.0.1:${s.temporalPort}`,
    temporalHttp: `http://127.0.0.1:${temporalPorts(s.temporalPort).frontend.http}`,
    ui: `http://127.0.0.1:${s.uiPort}`,
    namespace: s.namespace,
    retention: s.retention,
  };
}

/** The processes in the state file that still run. */
export function runningProcesses(root: string): ManagedProcess[] {
  return (readState(root)?.processes ?? []).filter(isAlive);
}

/**
 * Provisions (first time: builds) and starts PostgreSQL, the schema, the Temporal server, the namespace and the Web
 * UI; idempotent: a running environment is found and returned as it is (with `alreadyRunning`).
 */
export async function startProductionLike(options: ProductionLikeOptions = {}): Promise<ProductionLike> {
  const log = options.log ?? ((line: string) => console.log(line));
  const s = resolveSettings(options);
  const started = Date.now();
  const previous = readState(s.cacheRoot);
  const alive = (previous?.processes ?? []).filter(isAlive);
  const names = new Set(alive.map((p) => p.name));
  if (previous && names.has('temporal-server') && names.has('temporal-ui')) {
    const same = previous.settings.postgresPort === s.postgresPort && previous.settings.temporalPort === s.temporalPort && previous.settings.uiPort === s.uiPort;
    if (!same) throw new Error('the production-like environment runs with other ports; `npm run production-like -- stop` first');
    log('Production-like environment: already running');
    return { addresses: addressesOf(previous.settings), settings: previous.settings, alreadyRunning: true, stop: async () => undefined };
  }
  // A partly running environment (a crash, a killed process) is stopped and started whole.
  for (const p of alive) await stopProcess(p, log);

  log(`Production-like environment: cache ${s.cacheRoot}`);
  const [pg, server, ui] = [await provisionPostgres(log), await provisionTemporalServer(s.cacheRoot, log), await provisionUiServer(s.cacheRoot, log)];
  if (options.postgresMajor && options.postgresMajor !== pg.version) {
    throw new Error(
      `compose runs PostgreSQL ${options.postgresMajor} (POSTGRES_VERSION) and this machine has Debian's PostgreSQL ${pg.version}: set POSTGRES_VERSION=${pg.version} in .env, or install postgresql-${options.postgresMajor}`,
    );
  }
  checkHistoryShards(s);
  let password = databasePassword(s.cacheRoot);
  const processes: ManagedProcess[] = [];
  const state: State = { settings: s, processes };
  // Everything recorded goes, the Waakvlam processes started on top of this environment included.
  const stopAll = () => stopProductionLike({ cacheRoot: s.cacheRoot, log });
  try {
    await startPostgres(s, pg, password, log);
    if (options.postgresPassword) password = applyDatabasePassword(s, pg, options.postgresPassword, log);
    await applySchema(s, server, password, log);

    const configDir = join(stateDir(s.cacheRoot), 'temporal-config');
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(configDir, 'production-like.yaml'), temporalServerConfig(s, password), { mode: 0o600 });
    chmodSync(join(configDir, 'production-like.yaml'), 0o600);
    if (!existsSync(s.dynamicConfigFile)) throw new Error(`dynamic config file not found: ${s.dynamicConfigFile}`);
    processes.push(await runTemporalServer(s, server, log));
    writeState(s.cacheRoot, state);
    const address = `127.0.0.1:${s.temporalPort}`;
    await ensureNamespace(address, s.namespace, s.retention, log);

    // The UI image's own template (config/docker.yaml), from the environment compose gives the container; the
    // listening host pinned to the loopback interface (the image listens on all, in its container).
    const uiConfigDir = join(stateDir(s.cacheRoot), 'ui-config');
    mkdirSync(uiConfigDir, { recursive: true });
    writeFileSync(join(uiConfigDir, 'docker.yaml'), `${readFileSync(join(ui.configDir, 'docker.yaml'), 'utf8').trimEnd()}\nhost: 127.0.0.1\n`);
    await assertPortsFree('Temporal Web UI', [s.uiPort]);
    log(`Temporal Web UI ${TEMPORAL_UI_VERSION}: starting on 127.0.0.1:${s.uiPort}`);
    const uiProcess = spawnDetached(s.cacheRoot, 'temporal-ui', ui.server, ['--root', stateDir(s.cacheRoot), '--config', 'ui-config', '--env', 'docker', 'start'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_DEFAULT_NAMESPACE: s.namespace,
        TEMPORAL_UI_PORT: String(s.uiPort),
        TEMPORAL_CORS_ORIGINS: `http://localhost:${s.uiPort},http://127.0.0.1:${s.uiPort}`,
        TEMPORAL_NOTIFY_ON_NEW_VERSION: 'false',
        // The API's codec server, as compose gives it to the UI (the operator's browser calls it).
        ...(s.uiCodec ? { TEMPORAL_CODEC_ENDPOINT: s.uiCodec.endpoint, TEMPORAL_CODEC_INCLUDE_CREDENTIALS: String(s.uiCodec.includeCredentials) } : {}),
      },
    });
    processes.push(uiProcess);
    writeState(s.cacheRoot, state);
    await waitUntil('Temporal Web UI', () => httpOk(`http://127.0.0.1:${s.uiPort}/`), uiProcess, 60_000);
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
  log(`Production-like environment: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { addresses: addressesOf(s), settings: s, alreadyRunning: false, stop: stopAll };
}

/**
 * The history shards the cluster's schema was set up with are fixed for its life: a different TEMPORAL_HISTORY_SHARDS
 * is refused with what to do, before the server would refuse to start. A new cluster records the number it gets.
 */
function checkHistoryShards(s: ProductionLikeSettings): void {
  const file = join(stateDir(s.cacheRoot), 'history-shards');
  const { data: clusterData } = cluster(s.cacheRoot);
  const exists = existsSync(join(clusterData, 'PG_VERSION'));
  // Clusters from before the number was recorded were set up with the server's default, 4.
  const recorded = exists ? (existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 4) : undefined;
  if (recorded !== undefined && recorded !== s.historyShards) {
    throw new Error(
      `the cluster in ${clusterData} was set up with ${recorded} history shards and TEMPORAL_HISTORY_SHARDS is ${s.historyShards}: ` +
        `the number cannot change. Set TEMPORAL_HISTORY_SHARDS=${recorded} in .env, or (losing every trajectory in it) stop the environment and remove ${clusterData}`,
    );
  }
  mkdirSync(stateDir(s.cacheRoot), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${s.historyShards}\n`);
}

/** Starts the Temporal server (configured in the cache by {@link startProductionLike}) and waits until it answers. */
async function runTemporalServer(s: ProductionLikeSettings, server: TemporalServerBinaries, log: Log): Promise<ManagedProcess> {
  const ports = temporalPorts(s.temporalPort);
  await assertPortsFree('Temporal server', [ports.frontend.http, ...Object.values(ports).flatMap((p) => [p.grpc, p.membership])]);
  log(`Temporal server ${TEMPORAL_SERVER_VERSION}: starting, frontend 127.0.0.1:${s.temporalPort}`);
  const temporal = spawnDetached(s.cacheRoot, 'temporal-server', server.server,
    ['--root', stateDir(s.cacheRoot), '--config', 'temporal-config', '--env', 'production-like', '--allow-no-auth', 'start'], {});
  const address = `127.0.0.1:${s.temporalPort}`;
  await waitUntil('Temporal server', () => withConnection(address, async (c) => {
    await c.workflowService.getSystemInfo({});
    return true;
  }), temporal, 120_000);
  return temporal;
}

/**
 * Stops the running Temporal server of the environment (SIGTERM, as `docker compose stop temporal`), leaving
 * PostgreSQL, the UI and the Waakvlam processes running: what a server restart or upgrade does to them.
 */
export async function stopTemporalServer(options: ProductionLikeOptions = {}): Promise<void> {
  const s = resolveSettings(options);
  const state = readState(s.cacheRoot);
  const server = state?.processes.find((p) => p.name === 'temporal-server');
  if (!state || !server) throw new Error('the production-like environment has no Temporal server');
  await stopProcess(server, options.log ?? (() => undefined));
}

/** Starts the environment's Temporal server again after {@link stopTemporalServer}, on the same database. */
export async function startTemporalServer(options: ProductionLikeOptions = {}): Promise<void> {
  const log = options.log ?? (() => undefined);
  const state = readState(resolveSettings(options).cacheRoot);
  if (!state) throw new Error('the production-like environment was never started');
  const server = resolveTemporalServer(state.settings.cacheRoot);
  if (!server) throw new Error('the Temporal server is not provisioned');
  const running = state.processes.find((p) => p.name === 'temporal-server' && isAlive(p));
  if (running) return;
  const started = await runTemporalServer(state.settings, server, log);
  const now = readState(state.settings.cacheRoot) ?? state;
  writeState(state.settings.cacheRoot, { ...now, processes: [...now.processes.filter((p) => p.name !== 'temporal-server'), started] });
}

/** Stops every recorded process, then PostgreSQL. */
export async function stopProductionLike(options: ProductionLikeOptions = {}): Promise<void> {
  const log = options.log ?? ((line: string) => console.log(line));
  const s = resolveSettings(options);
  const state = readState(s.cacheRoot);
  for (const p of [...(state?.processes ?? [])].reverse()) await stopProcess(p, log);
  if (state) writeState(s.cacheRoot, { ...state, processes: [] });
  stopPostgres(s.cacheRoot, log);
}

// ---------------------------------------------------------------------------------------------------------------
// The Waakvlam processes (hook)

/** One Waakvlam process to run beside the environment: what compose's waakvlam-worker / waakvlam-api run. */
export interface WaakvlamProcessSpec {
  /** Unique name (log file, state); e.g. `waakvlam-worker-1`. */
  name: string;
  command: string;
  args: string[];
  /** The process's environment on top of this process's. */
  env: Record<string, string>;
  /** Working directory; default the repository (scripts/compose-processes.ts gives the rehearsed image's). */
  cwd?: string;
  /** Resolves true once the process is ready (e.g. the API's /v1/health/ready); default: it is alive after 1 s. */
  ready?: () => Promise<boolean>;
}

/**
 * The hook for the Waakvlam processes: starts each spec that does not run yet detached, records it in the state
 * file (so `stop` and `status` see it) and waits until it is ready. Returns what it started. The caller decides
 * the commands: {@link startComposeWaakvlam} gives those compose runs from the image.
 */
export async function startWaakvlamProcesses(env: ProductionLike, specs: WaakvlamProcessSpec[], log: Log = console.log): Promise<ManagedProcess[]> {
  const root = env.settings.cacheRoot;
  const started: ManagedProcess[] = [];
  const running = new Map(runningProcesses(root).map((p) => [p.name, p]));
  for (const spec of specs) {
    // As `docker compose up -d`: a process that runs with these settings is kept; one with other settings (a changed
    // .env, a new build) is replaced.
    const settings = createHash('sha256').update(JSON.stringify([spec.command, spec.args, spec.cwd ?? REPO_ROOT, spec.env])).digest('hex');
    const current = running.get(spec.name);
    if (current && current.settings === settings) {
      log(`${spec.name}: running`);
      continue;
    }
    if (current) {
      log(`${spec.name}: its settings changed; restarting it`);
      await stopProcess(current, log);
    }
    const ports = PORT_VARIABLES.map((k) => Number(spec.env[k])).filter((n) => n > 0);
    await assertPortsFree(spec.name, ports);
    // Only what compose gives the container (and PATH to find programs): nothing else of this shell leaks in.
    const p: ManagedProcess = {
      ...spawnDetached(root, spec.name, spec.command, spec.args, { env: { PATH: process.env.PATH ?? '', ...spec.env }, cwd: spec.cwd ?? REPO_ROOT }),
      settings,
    };
    started.push(p);
    const state = readState(root) ?? { settings: env.settings, processes: [] };
    writeState(root, { ...state, processes: [...state.processes.filter((q) => q.name !== p.name), p] });
    const ready = spec.ready ?? (async () => {
      await new Promise((r) => setTimeout(r, 1_000));
      return true;
    });
    try {
      await waitUntil(spec.name, ready, p, 120_000);
    } catch (err) {
      for (const q of started.reverse()) await stopProcess(q, log);
      throw err;
    }
    log(`${spec.name}: ready (pid ${p.pid}, log ${p.log})`);
  }
  return started;
}

/**
 * The environment's settings as docker-compose.yml (read with the `.env`) gives them to its services: the ports it
 * publishes for the Temporal frontend (`TEMPORAL_PORT`) and the Web UI (`TEMPORAL_UI_PORT`), the Web UI's codec
 * endpoint (`WAAKVLAM_CODEC_ENDPOINT`), the namespace and its
 * retention (temporal-namespace), the database user and password (postgresql). PostgreSQL is not published by
 * compose; here it keeps its own port.
 */
export function productionLikeOptionsFromCompose(project: ComposeProject): ProductionLikeOptions {
  const { services } = project;
  const published = (name: string, target: number) => {
    const port = services[name]?.ports?.find((p) => p.target === target)?.published;
    return port ? Number(port) : undefined;
  };
  const env = (name: string, key: string) => services[name]?.environment?.[key] ?? undefined;
  const options: ProductionLikeOptions = {};
  const temporalPort = published('temporal', 7233);
  const uiPort = published('temporal-ui', 8080);
  if (temporalPort) options.temporalPort = temporalPort;
  if (uiPort) options.uiPort = uiPort;
  const codecEndpoint = env('temporal-ui', 'TEMPORAL_CODEC_ENDPOINT');
  if (codecEndpoint) options.uiCodec = { endpoint: codecEndpoint, includeCredentials: env('temporal-ui', 'TEMPORAL_CODEC_INCLUDE_CREDENTIALS') === 'true' };
  const [namespace, retention] = [env('temporal-namespace', 'NAMESPACE'), env('temporal-namespace', 'RETENTION')];
  if (namespace) options.namespace = namespace;
  if (retention) options.retention = retention;
  const shards = env('temporal', 'NUM_HISTORY_SHARDS');
  if (shards) options.historyShards = Number(shards);
  const major = /^postgres:(\d+)/.exec(services.postgresql?.image ?? '')?.[1];
  if (major) options.postgresMajor = major;
  const [user, password] = [env('postgresql', 'POSTGRES_USER'), env('postgresql', 'POSTGRES_PASSWORD')];
  if (user) options.postgresUser = user;
  if (password) options.postgresPassword = password;
  return options;
}

/**
 * Starts what compose runs from this repository's image (the worker's replicas and the API) on the environment: the
 * Dockerfile rehearsed (scripts/image.ts), its services translated to local processes (scripts/compose-processes.ts),
 * each ready when its compose healthcheck passes. Their metrics ports (private to each container in compose) are
 * handed out from PRODUCTION_LIKE_METRICS_PORT (default 19464) on.
 */
export async function startComposeWaakvlam(pl: ProductionLike, project: ComposeProject, log: Log = console.log): Promise<ComposeProcess[]> {
  const image = rehearseImage({ log });
  const specs = composeProcesses(project, image, {
    services: { 'temporal:7233': pl.addresses.temporal },
    privatePortBase: envPort(process.env.PRODUCTION_LIKE_METRICS_PORT, 19464, 'PRODUCTION_LIKE_METRICS_PORT'),
  });
  await startWaakvlamProcesses(pl, specs, log);
  return specs;
}

// ---------------------------------------------------------------------------------------------------------------
// Command line

function printAddresses(a: ProductionLikeAddresses): void {
  console.log(`
  PostgreSQL       127.0.0.1:${a.postgres.port}  user ${a.postgres.user}, password in ${a.postgres.passwordFile}
  Temporal         ${a.temporal}  (namespace ${a.namespace}, retention ${a.retention}; HTTP ${a.temporalHttp})
  Temporal Web UI  ${a.ui}

  TEMPORAL_ADDRESS=${a.temporal} TEMPORAL_NAMESPACE=${a.namespace}
  Stop: npm run production-like -- stop`);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? 'start';
  const s = resolveSettings();
  if (command === 'start') {
    // The settings are compose's, from the same .env (beside docker-compose.yml, or PRODUCTION_LIKE_ENV_FILE).
    const envFile = process.env.PRODUCTION_LIKE_ENV_FILE;
    const compose = loadCompose({ ...(envFile ? { envFile } : {}), log: console.log });
    if (!compose.ok) {
      throw new Error(
        `docker-compose.yml cannot be read with ${envFile ?? '.env'} (copy deploy/env.example to .env and fill it in):\n${compose.error}`,
      );
    }
    const env = await startProductionLike(productionLikeOptionsFromCompose(compose.project));
    if (argv.includes('--no-waakvlam')) {
      console.log('Waakvlam worker and API: not started (--no-waakvlam).');
    } else {
      const specs = await startComposeWaakvlam(env, compose.project);
      const api = specs.find((p) => p.service === 'waakvlam-api');
      const workers = specs.filter((p) => p.service === 'waakvlam-worker').length;
      if (api) console.log(`\n  Waakvlam API     http://127.0.0.1:${api.env.PORT}/v1  (${workers} workers; logs in ${join(stateDir(env.settings.cacheRoot), 'logs')})`);
    }
    printAddresses(env.addresses);
  } else if (command === 'stop') {
    await stopProductionLike();
  } else if (command === 'status') {
    const state = readState(s.cacheRoot);
    const procs = state?.processes ?? [];
    const pg = resolvePostgres();
    const { owner, data } = cluster(s.cacheRoot);
    const pgUp = pg && existsSync(join(data, 'PG_VERSION')) && runAsPostgres(pg, 'pg_ctl', ['status', '-D', data], owner).status === 0;
    console.log(`PostgreSQL${pg ? ` ${pg.version}` : ''}: ${pgUp ? 'running' : 'stopped'} (${data})`);
    for (const p of procs) console.log(`${p.name}: ${isAlive(p) ? `running, pid ${p.pid}` : 'stopped'} (log ${p.log})`);
    if (!procs.length) console.log('Temporal server, Web UI: stopped');
    if (state && procs.some(isAlive)) printAddresses(addressesOf(state.settings));
    const up = Boolean(pgUp) && procs.length > 0 && procs.every(isAlive);
    process.exitCode = up ? 0 : 3;
  } else {
    throw new Error(`unknown command "${command}": start, stop or status`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`production-like: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

/** For tests: the permission bits of a file, or -1. */
export function fileMode(file: string): number {
  try {
    return statSync(file).mode & 0o777;
  } catch {
    return -1;
  }
}
