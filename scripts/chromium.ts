/**
 * Headless Chromium for the Web UI test (test/web-ui.e2e.test.ts): Debian's `chromium` package, installed with
 * apt-get when it is missing, as production-like installs PostgreSQL (apt output streamed, a heartbeat every 30 s of
 * silence). Idempotent: an installed Chromium is used as it is. Nothing is downloaded from outside the package
 * registries (playwright-core only drives it; it downloads no browser).
 *
 * `node --import tsx scripts/chromium.ts` provisions it up front (CI) and prints its path and version.
 */
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onPath, runWithProgress } from './temporal-binaries.js';

/** Where Debian's chromium package puts its launcher. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

type Log = (line: string) => void;

/** Debian's Chromium, or null when it is not installed. */
export function resolveChromium(): string | null {
  try {
    accessSync(DEBIAN_CHROMIUM, constants.X_OK);
    return DEBIAN_CHROMIUM;
  } catch {
    return null;
  }
}

/** Installs Debian's chromium package when it is missing (apt-get, as root); returns the launcher's path. */
export async function provisionChromium(log: Log = (line) => console.log(line)): Promise<string> {
  const existing = resolveChromium();
  if (existing) return existing;
  const install = 'apt-get install -y --no-install-recommends chromium';
  if (!onPath('apt-get')) throw new Error(`Chromium not found at ${DEBIAN_CHROMIUM} and no apt-get to install Debian's chromium package`);
  if (process.getuid?.() !== 0) throw new Error(`Chromium not found at ${DEBIAN_CHROMIUM}: install Debian's chromium package as root (${install})`);
  log("Chromium: installing Debian's chromium package (apt-get; about 30 s)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await runWithProgress('apt-get', ['update'], { env, label: 'apt', log });
  await runWithProgress('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, label: 'apt', log });
  const installed = resolveChromium();
  if (!installed) throw new Error(`apt-get installed chromium, but there is no ${DEBIAN_CHROMIUM}`);
  return installed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  provisionChromium()
    .then((path) => {
      // Debian's launcher script prints a shell warning on stderr on some machines; the version is on stdout.
      const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
      console.log(`Chromium: ${path} (${version || 'version unknown'})`);
    })
    .catch((err: unknown) => {
      console.error(`chromium: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
