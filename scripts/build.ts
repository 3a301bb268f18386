/**
 * `npm run build`: the production build in `dist/`, run with plain `node` and production dependencies only.
 *
 * 1. Compiles the engine's layers (not tests, benches or scripts) with `tsc -p tsconfig.build.json`.
 * 2. Copies the files the code reads beside itself (the shipped definitions, the API docs page's script).
 * 3. Pre-bundles the workflow code with the SDK's `bundleWorkflowCode` into `dist/workflow-bundle.js`, which the
 *    compiled worker loads (`workflowBundle`) instead of bundling at every start.
 *
 * Each run starts from an empty `dist/`, so nothing stale survives.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { PREBUILT_BUNDLE_FILE } from '../worker/worker.js';
import { FAILURE_CONVERTER_PATH } from '../runtime/data-converter.js';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const started = Date.now();
const log = (line: string) => console.log(`build: ${line} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

/** Files the compiled code reads from beside itself, by directory: copied as they are. */
const ASSETS: { dir: string; matches: (file: string) => boolean }[] = [
  { dir: 'definitions', matches: (f) => /\.ya?ml$/.test(f) },
  { dir: 'api', matches: (f) => f.endsWith('.js') },
  // The failure converter the worker and the client load by path (runtime/data-converter.ts).
  { dir: 'runtime', matches: (f) => f.endsWith('.cjs') },
];

async function main(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  log('compiling TypeScript (tsconfig.build.json)');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit code ${tsc.status})`);

  for (const { dir, matches } of ASSETS) {
    for (const file of readdirSync(join(root, dir)).filter(matches)) {
      mkdirSync(join(dist, dir), { recursive: true });
      copyFileSync(join(root, dir, file), join(dist, dir, file));
      log(`copied ${dir}/${file}`);
    }
  }

  log('bundling the workflow code');
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(dist, 'workflows/index.js'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  const bundle = join(dist, PREBUILT_BUNDLE_FILE);
  mkdirSync(dirname(bundle), { recursive: true });
  writeFileSync(bundle, code);
  log(`wrote ${PREBUILT_BUNDLE_FILE} (${(code.length / 1024).toFixed(0)} KiB); done`);
}

main().catch((err: unknown) => {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
