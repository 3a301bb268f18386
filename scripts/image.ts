/**
 * The Dockerfile, rehearsed without a container engine: each stage's COPY and RUN instructions carried out in a
 * directory of its own in the cache, in order, so that `npm run production-like` runs the worker and the API from
 * exactly what the image's last stage holds (its `npm ci --omit=dev`, its `dist/`), with its CMD and HEALTHCHECK.
 * These build machines have the docker CLI but no engine; this is how the Dockerfile's instructions are exercised
 * here, not a replacement for `docker build` (it does not isolate the file system or switch to the image's user).
 *
 * Like Docker's layer cache, a RUN instruction is skipped when it and everything it builds on (the instructions
 * before it, the files they copied) are unchanged since the last rehearsal, so a second rehearsal takes seconds.
 *
 * Understood: FROM (node images only: the local Node.js must have the image's major version), WORKDIR (one per stage,
 * the stage's directory), ENV, COPY (from the build context or `--from=<stage>`), RUN (shell form), USER, EXPOSE,
 * HEALTHCHECK CMD and CMD (exec form). Anything else is an error, so a new instruction cannot be silently skipped.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { cacheDir } from './temporal-binaries.js';

const root = resolve(import.meta.dirname, '..');

type Instruction =
  | { op: 'COPY'; from?: string; sources: string[]; dest: string; text: string }
  | { op: 'RUN'; command: string; text: string }
  | { op: 'ENV'; vars: Record<string, string>; text: string };

/** One stage of the Dockerfile, as read. */
export interface Stage {
  name: string;
  /** The base image, e.g. `node:20-bookworm-slim`. */
  base: string;
  workdir: string;
  instructions: Instruction[];
  user?: string;
  expose: number[];
  /** Exec form of HEALTHCHECK CMD. */
  healthcheck?: string[];
  /** Exec form of CMD. */
  cmd?: string[];
}

/** Joins continued lines and drops comments and blank lines. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    lines.push((current + line).trim());
    current = '';
  }
  if (current) lines.push(current.trim());
  return lines;
}

function execForm(text: string, where: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // reported below
  }
  throw new Error(`${where}: only the exec form (a JSON array of strings) is understood: ${text}`);
}

/** Reads a Dockerfile into its stages; throws, naming the line, on anything it does not understand. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const line of logicalLines(text)) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    const keyword = op.toUpperCase();
    if (keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`Dockerfile: cannot read ${line}`);
      stages.push({ name: m[2] ?? String(stages.length), base: m[1]!, workdir: '/', instructions: [], expose: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${line} before FROM`);
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = args;
        break;
      case 'ENV': {
        const vars: Record<string, string> = {};
        for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) vars[m[1]!] = m[2]!.replace(/^"|"$/g, '');
        stage.instructions.push({ op: 'ENV', vars, text: line });
        break;
      }
      case 'COPY': {
        const parts = rest.slice();
        let from: string | undefined;
        while (parts[0]?.startsWith('--')) {
          const flag = parts.shift()!;
          const m = /^--from=(.+)$/.exec(flag);
          if (!m) throw new Error(`Dockerfile: COPY flag not understood: ${flag}`);
          from = m[1];
        }
        const dest = parts.pop();
        if (!dest || !parts.length) throw new Error(`Dockerfile: cannot read ${line}`);
        stage.instructions.push({ op: 'COPY', ...(from ? { from } : {}), sources: parts, dest, text: line });
        break;
      }
      case 'RUN':
        if (args.startsWith('[')) throw new Error(`Dockerfile: only the shell form of RUN is understood: ${line}`);
        stage.instructions.push({ op: 'RUN', command: args, text: line });
        break;
      case 'USER':
        stage.user = args;
        break;
      case 'EXPOSE':
        stage.expose.push(...args.split(/\s+/).map(Number));
        break;
      case 'HEALTHCHECK': {
        const at = args.indexOf('CMD ');
        if (at < 0) throw new Error(`Dockerfile: HEALTHCHECK without CMD: ${line}`);
        stage.healthcheck = execForm(args.slice(at + 4).trim(), 'HEALTHCHECK');
        break;
      }
      case 'CMD':
        stage.cmd = execForm(args, 'CMD');
        break;
      default:
        throw new Error(`Dockerfile: the rehearsal does not understand ${keyword} (${line}); teach scripts/image.ts`);
    }
  }
  return stages;
}

/** A file or directory's content, hashed (names, modes and bytes), for the layer cache. */
function hashPath(path: string, hash = createHash('sha256')): ReturnType<typeof createHash> {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      hash.update(`\0${name}/`);
      hashPath(join(path, name), hash);
    }
  } else {
    hash.update(`${st.mode}:`).update(readFileSync(path));
  }
  return hash;
}

/** The image's last stage, rehearsed: where its files are and how it runs. */
export interface RehearsedImage {
  /** The directory holding what the image's WORKDIR holds. */
  dir: string;
  env: Record<string, string>;
  cmd: string[];
  healthcheck?: string[];
  user?: string;
  expose: number[];
}

/**
 * Rehearses the Dockerfile (default: the repository's) in `<cache>/image/<stage>/`, printing each instruction, and
 * returns the last stage.
 */
export function rehearseImage(options: { dockerfile?: string; context?: string; cache?: string; log?: (line: string) => void } = {}): RehearsedImage {
  const context = options.context ?? root;
  const log = options.log ?? ((line: string) => console.log(line));
  const stages = parseDockerfile(readFileSync(options.dockerfile ?? join(context, 'Dockerfile'), 'utf8'));
  const base = join(options.cache ?? cacheDir(), 'image');
  const dirs = new Map<string, string>();
  let last: RehearsedImage | undefined;
  for (const stage of stages) {
    const m = /^node:(\d+)/.exec(stage.base);
    if (!m) throw new Error(`Dockerfile: the rehearsal runs node images only (FROM ${stage.base})`);
    const local = process.versions.node.split('.')[0];
    if (m[1] !== local) throw new Error(`Dockerfile: FROM ${stage.base} needs Node.js ${m[1]}, this machine runs ${process.versions.node}`);
    const dir = join(base, stage.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(stage.name, dir);
    const cacheFile = join(dir, '.rehearsal-layers.json');
    const done: string[] = existsSync(cacheFile) ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as string[]) : [];
    const env: Record<string, string> = {};
    const chain = createHash('sha256').update(stage.base);
    let cached = true;
    const layers: string[] = [];
    log(`image: stage ${stage.name} (FROM ${stage.base}) in ${dir}`);
    stage.instructions.forEach((ins, i) => {
      chain.update(`\n${ins.text}`);
      if (ins.op === 'ENV') Object.assign(env, ins.vars);
      if (ins.op === 'COPY') {
        const fromDir = ins.from ? dirs.get(ins.from) : context;
        if (!fromDir) throw new Error(`Dockerfile: COPY --from=${ins.from}: no such stage before this one`);
        for (const source of ins.sources) {
          // Paths inside another stage are absolute in its WORKDIR; ours are relative to it.
          const from = ins.from ? join(fromDir, posix.relative(stages.find((s) => s.name === ins.from)!.workdir, source)) : join(fromDir, source);
          if (!existsSync(from)) throw new Error(`Dockerfile: COPY ${source}: not found in ${ins.from ? `stage ${ins.from}` : 'the build context'}`);
          chain.update(hashPath(from).digest('hex'));
          const target = ins.dest.endsWith('/') || ins.sources.length > 1 ? join(dir, ins.dest, posix.basename(source)) : join(dir, ins.dest);
          rmSync(target, { recursive: true, force: true });
          cpSync(from, target, { recursive: true });
        }
      }
      const key = chain.copy().digest('hex');
      layers.push(key);
      if (ins.op !== 'RUN') return;
      if (cached && done[i] === key) {
        log(`image:   ${ins.text} (cached)`);
        return;
      }
      cached = false;
      log(`image:   ${ins.text}`);
      // An npm cache of the rehearsal's own: the image's `npm cache clean` must not empty this machine's.
      const npmCache = join(base, 'npm-cache');
      const run = spawnSync('sh', ['-c', ins.command], { cwd: dir, stdio: 'inherit', env: { ...process.env, npm_config_cache: npmCache, ...env } });
      if (run.status !== 0) throw new Error(`Dockerfile: ${ins.text} failed (exit code ${run.status})`);
    });
    // What ran is recorded only once the whole stage succeeded.
    writeFileSync(cacheFile, JSON.stringify(layers));
    if (!stage.cmd) continue;
    last = {
      dir,
      env,
      cmd: stage.cmd,
      ...(stage.healthcheck ? { healthcheck: stage.healthcheck } : {}),
      ...(stage.user ? { user: stage.user } : {}),
      expose: stage.expose,
    };
  }
  if (!last || last.dir !== dirs.get(stages.at(-1)!.name)) throw new Error('Dockerfile: its last stage has no CMD');
  return last;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const image = rehearseImage();
  console.log(JSON.stringify(image, null, 2));
}
