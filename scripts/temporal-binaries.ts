/**
 * Where the Temporal servers that Waakvlam runs locally come from, and how the project provisions them.
 *
 * The SDK's testing package downloads its servers from the vendor's website at run time. Machines without that
 * access (CI, locked-down municipal build hosts) get them from package registries instead, built or fetched once
 * by `npm install` and cached outside the repository:
 *
 * - the Temporal CLI (dev server, SQLite persistence, Web UI), built from the vendor's Go module;
 * - the time-skipping test server, the vendor's Java artefact from Maven Central, behind a small launcher.
 *
 * Both resolvers are pure look-ups (no building), so tests and `npm start` can call them cheaply; `provision*`
 * does the building and is what `npm install` runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, chmodSync, accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Version of github.com/temporalio/cli that is built. Releases from v1.6.0 on carry a `replace` directive in their
 * go.mod, which `go install module@version` rejects; v1.5.1 (Temporal Server 1.29.1, UI 2.42.1) is the newest one
 * it accepts.
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** Version of io.temporal:temporal-test-server fetched from Maven Central. */
export const TEST_SERVER_VERSION = '1.38.0';

/** Revision of how the test server is assembled (pom, launcher); a change provisions it anew. */
const TEST_SERVER_RECIPE = 2;

/** Where a binary was found; `null` path means "let the SDK download it" (needs the vendor's website). */
export interface ResolvedBinary {
  path: string | null;
  source: 'env' | 'path' | 'cache' | 'sdk-download';
}

/** The cache root: `$WAAKVLAM_CACHE_DIR`, else `$XDG_CACHE_HOME/waakvlam`, else `~/.cache/waakvlam`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WAAKVLAM_CACHE_DIR) return env.WAAKVLAM_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'waakvlam');
}

function cliCachePath(env: NodeJS.ProcessEnv): string {
  return join(cacheDir(env), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

function testServerCacheDir(env: NodeJS.ProcessEnv): string {
  return join(cacheDir(env), 'temporal-test-server', `${TEST_SERVER_VERSION}-${TEST_SERVER_RECIPE}`);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds an executable by name on `PATH`, like `which`. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * The Temporal CLI to run the dev server with: `$TEMPORAL_CLI_PATH`, else a `temporal` on `PATH`, else the one
 * `npm install` built into the cache, else the SDK's own download.
 */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): ResolvedBinary {
  if (env.TEMPORAL_CLI_PATH) return { path: env.TEMPORAL_CLI_PATH, source: 'env' };
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'path' };
  const cached = cliCachePath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return { path: null, source: 'sdk-download' };
}

/**
 * The time-skipping test server: `$TEMPORAL_TEST_SERVER_PATH`, else the launcher `npm install` wrote into the cache,
 * else the SDK's own download.
 */
export function resolveTestServer(env: NodeJS.ProcessEnv = process.env): ResolvedBinary {
  if (env.TEMPORAL_TEST_SERVER_PATH) return { path: env.TEMPORAL_TEST_SERVER_PATH, source: 'env' };
  const launcher = join(testServerCacheDir(env), 'temporal-test-server');
  if (isExecutable(launcher)) return { path: launcher, source: 'cache' };
  return { path: null, source: 'sdk-download' };
}

type Log = (line: string) => void;

/**
 * Runs a command, streaming its output line by line with a prefix, and printing a heartbeat every 30 s of silence
 * so a long first build never looks hung. Rejects on a non-zero exit.
 */
export function runWithProgress(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; label: string; log: Log },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let lastOutput = Date.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      lastOutput = Date.now();
      for (const line of chunk.toString().split('\n')) if (line.trim()) opts.log(`  [${opts.label}] ${line}`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const heartbeat = setInterval(() => {
      if (Date.now() - lastOutput >= 30_000) {
        opts.log(`  [${opts.label}] still working, ${Math.round((Date.now() - started) / 1000)} s so far`);
        lastOutput = Date.now();
      }
    }, 5_000);
    child.on('error', (err) => {
      clearInterval(heartbeat);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(heartbeat);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} exited with code ${code}`));
    });
  });
}

/**
 * Builds the Temporal CLI from the vendor's Go module into the cache, unless a CLI is already available.
 * Returns the resolved CLI; `sdk-download` when there is no Go toolchain to build with.
 */
export async function provisionTemporalCli(log: Log, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedBinary> {
  const existing = resolveTemporalCli(env);
  if (existing.path) {
    const version = spawnSync(existing.path, ['--version'], { encoding: 'utf8' }).stdout?.trim();
    log(`Temporal CLI: using ${existing.path} (${existing.source}): ${version || 'version unknown'}`);
    return existing;
  }
  const go = onPath('go', env);
  if (!go) {
    log('Temporal CLI: no Go toolchain on PATH; the SDK will download the CLI at run time (needs internet).');
    return existing;
  }
  const target = cliCachePath(env);
  const staging = `${target}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  log(`Temporal CLI: building github.com/temporalio/cli ${TEMPORAL_CLI_VERSION} with ${go} into ${target}`);
  log('  The first build downloads and compiles the Temporal server (several minutes); later installs reuse it.');
  const started = Date.now();
  try {
    await runWithProgress(
      go,
      [
        'install',
        '-v',
        '-trimpath',
        `-ldflags=-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION.slice(1)}`,
        `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`,
      ],
      { env: { ...env, GOBIN: staging, CGO_ENABLED: '0', GOFLAGS: '' }, label: 'go', log },
    );
    renameSync(join(staging, 'temporal'), target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`Temporal CLI: built in ${Math.round((Date.now() - started) / 1000)} s`);
  return { path: target, source: 'cache' };
}

const TEST_SERVER_POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>nl.waakvlam.provision</groupId>
  <artifactId>temporal-test-server-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
    <!-- Silences SLF4J's "no binding" warning on every start. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
`;

/**
 * The launcher. The SDK starts a given executable with the port as its only argument and waits only a few seconds
 * for it to accept connections, so the JVM starts from a class-data-sharing archive made at provisioning time
 * (roughly halves start-up); a missing or stale archive is ignored by the JVM.
 */
const LAUNCHER = `#!/bin/sh
# Temporal time-skipping test server ${TEST_SERVER_VERSION} (io.temporal:temporal-test-server, Maven Central).
# Usage: temporal-test-server PORT. Written by Waakvlam's scripts/provision.ts.
DIR="$(cd "$(dirname "$0")" && pwd)"
JAVA="\${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$JAVA" -Xshare:auto -XX:SharedArchiveFile="$DIR/app.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \\
  -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $WAAKVLAM_TEST_SERVER_JAVA_OPTS \\
  -cp "$DIR/lib/*" io.temporal.testserver.TestServer "$@"
`;

/**
 * Fetches the time-skipping test server and its dependencies from Maven Central into the cache and writes the
 * launcher, unless a test server is already available. Returns `sdk-download` when there is no JDK or Maven.
 */
export async function provisionTestServer(log: Log, env: NodeJS.ProcessEnv = process.env): Promise<ResolvedBinary> {
  const existing = resolveTestServer(env);
  if (existing.path) {
    log(`Time-skipping test server: using ${existing.path} (${existing.source})`);
    return existing;
  }
  const mvn = onPath('mvn', env);
  // The same java the launcher runs ($JAVA_HOME first), or the class-data archive would not fit it.
  const java = env.JAVA_HOME && isExecutable(join(env.JAVA_HOME, 'bin', 'java')) ? join(env.JAVA_HOME, 'bin', 'java') : onPath('java', env);
  if (!mvn || !java) {
    log('Time-skipping test server: no java/mvn on PATH; the SDK will download it at run time (needs internet).');
    return existing;
  }
  const target = testServerCacheDir(env);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`Time-skipping test server: fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} with Maven`);
  const started = Date.now();
  try {
    writeFileSync(join(staging, 'pom.xml'), TEST_SERVER_POM);
    await runWithProgress(
      mvn,
      ['-B', '--no-transfer-progress', 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${join(staging, 'lib')}`],
      { cwd: staging, env, label: 'mvn', log },
    );
    const jars = readdirSync(join(staging, 'lib')).filter((f) => f.endsWith('.jar'));
    if (!jars.some((j) => j.startsWith('temporal-test-server-'))) throw new Error('Maven did not deliver temporal-test-server');
    const launcher = join(staging, 'temporal-test-server');
    writeFileSync(launcher, LAUNCHER);
    chmodSync(launcher, 0o755);
    log('Time-skipping test server: recording a class-data-sharing archive for fast JVM start-up');
    recordCdsArchive(java, staging);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(join(target, '..'), { recursive: true });
    // The archive records the class path, so it is recorded under the final path: move first, then record again.
    renameSync(staging, target);
    recordCdsArchive(java, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`Time-skipping test server: ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return { path: join(target, 'temporal-test-server'), source: 'cache' };
}

/** Starts the server once with -XX:ArchiveClassesAtExit and stops it, leaving `app.jsa` beside the launcher. */
function recordCdsArchive(java: string, dir: string): void {
  const archive = join(dir, 'app.jsa');
  rmSync(archive, { force: true });
  const port = String(20000 + Math.floor(Math.random() * 20000));
  // `timeout` sends SIGTERM after 6 s; the JVM writes the archive on that orderly shutdown.
  const res = spawnSync(
    'timeout',
    ['6', java, `-XX:ArchiveClassesAtExit=${archive}`, '-Xlog:cds=off', '-Xlog:cds+dynamic=off', '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1', '-cp', `${join(dir, 'lib')}/*`, 'io.temporal.testserver.TestServer', port],
    { stdio: 'ignore' },
  );
  if (res.error || !existsSync(archive)) {
    // Not fatal: the launcher runs without the archive, only slower to start.
    rmSync(archive, { force: true });
  }
}
