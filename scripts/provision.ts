/**
 * `npm install` runs this (postinstall): it provisions the Temporal CLI and the time-skipping test server into the
 * cache outside the repository. Idempotent: a second run finds both and returns at once.
 *
 * Set WAAKVLAM_SKIP_PROVISION=1 to skip it (production images that connect to an external Temporal server).
 */
import { cacheDir, provisionTemporalCli, provisionTestServer } from './temporal-binaries.js';

const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  if (process.env.WAAKVLAM_SKIP_PROVISION === '1') {
    log('waakvlam: WAAKVLAM_SKIP_PROVISION=1, not provisioning Temporal binaries');
    return;
  }
  const started = Date.now();
  const failures: string[] = [];
  log(`waakvlam: provisioning Temporal binaries (cache: ${cacheDir()})`);
  // A failed build is reported, not fatal: without a provisioned binary the SDK downloads its own at run time
  // (which needs the vendor's website); `npm run provision` tries again.
  for (const [what, provision] of [
    ['time-skipping test server', provisionTestServer],
    ['Temporal CLI', provisionTemporalCli],
  ] as const) {
    try {
      await provision(log);
    } catch (err) {
      failures.push(what);
      console.error(`waakvlam: could not provision the ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failures.length) {
    console.error(`waakvlam: WARNING: ${failures.join(' and ')} not provisioned; tests and npm start fall back to the SDK's download.`);
    console.error('waakvlam: fix the cause (network to the Go module proxy / Maven Central, toolchains) and run `npm run provision`.');
  }
  log(`waakvlam: Temporal binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(`waakvlam: provisioning failed: ${err instanceof Error ? err.message : String(err)}`);
  console.error('waakvlam: fix the cause and run `npm run provision` again; a finished step is not redone.');
  process.exit(1);
});
