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
  log(`waakvlam: provisioning Temporal binaries (cache: ${cacheDir()})`);
  await provisionTestServer(log);
  await provisionTemporalCli(log);
  log(`waakvlam: Temporal binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(`waakvlam: provisioning failed: ${err instanceof Error ? err.message : String(err)}`);
  console.error('waakvlam: fix the cause and run `npm run provision` again; a finished step is not redone.');
  process.exit(1);
});
