/**
 * docker-compose.yml parses and wires the services together. With the docker compose plugin this runs
 * `docker compose config`; without it (a docker CLI but no plugin, no engine: these build machines) it runs the
 * same loader, compose-go, through scripts/compose-config, built with the Go toolchain.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir } from '../scripts/temporal-binaries.js';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'waakvlam-compose-'));
let config: (file: string) => { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  const plugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (plugin.status === 0) {
    config = (file) => spawnSync('docker', ['compose', '-f', file, 'config', '--format', 'json'], { encoding: 'utf8' });
    return;
  }
  const binary = join(cacheDir(), 'compose-config', 'compose-config');
  const build = spawnSync('go', ['build', '-o', binary, '.'], { cwd: join(root, 'scripts', 'compose-config'), encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  config = (file) => spawnSync(binary, [file], { encoding: 'utf8', env: { ...process.env, COMPOSE_PROJECT_NAME: 'waakvlam' } });
}, 300_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('docker-compose.yml', () => {
  it('parses, with PostgreSQL, Temporal, its schema set-up, the Web UI, and the Waakvlam worker and API', () => {
    const res = config(join(root, 'docker-compose.yml'));
    expect(res.status, res.stderr).toBe(0);
    const project = JSON.parse(res.stdout);
    expect(Object.keys(project.services).sort()).toEqual(
      ['postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'waakvlam-api', 'waakvlam-worker'].sort(),
    );
    for (const name of ['waakvlam-worker', 'waakvlam-api']) {
      expect(project.services[name].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(project.services[name].depends_on['temporal-namespace'].condition).toBe('service_completed_successfully');
    }
    expect(project.services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
    expect(project.services['waakvlam-api'].ports[0].target).toBe(3000);
    expect(project.services['temporal-ui'].environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('rejects a broken compose file (the check can fail)', () => {
    const broken = join(scratch, 'docker-compose.yml');
    writeFileSync(
      broken,
      readFileSync(join(root, 'docker-compose.yml'), 'utf8').replace('condition: service_healthy', 'condition: when_it_feels_like_it'),
    );
    const res = config(broken);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/condition/);
  });
});
