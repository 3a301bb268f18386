/**
 * Where the Temporal binaries come from (the order of the look-up), that the provisioned ones really run, and that
 * a second `npm install` finds them without rebuilding.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cacheDir,
  resolveTemporalCli,
  resolveTestServer,
  TEMPORAL_CLI_VERSION,
} from '../scripts/temporal-binaries.js';

const scratch = mkdtempSync(join(tmpdir(), 'waakvlam-provision-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function executable(path: string): string {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\necho fake\n');
  chmodSync(path, 0o755);
  return path;
}

describe('binary resolution', () => {
  it('uses the cache root from WAAKVLAM_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache', () => {
    expect(cacheDir({ WAAKVLAM_CACHE_DIR: '/x/y' })).toBe('/x/y');
    expect(cacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/waakvlam');
    expect(cacheDir({ HOME: process.env.HOME })).toMatch(/\.cache\/waakvlam$/);
  });

  it('prefers TEMPORAL_CLI_PATH, then a temporal on PATH, then the cache, then the SDK download', () => {
    const cache = join(scratch, 'cache');
    const binDir = join(scratch, 'bin');
    const base = { WAAKVLAM_CACHE_DIR: cache, PATH: '/nonexistent' };
    expect(resolveTemporalCli(base)).toEqual({ path: null, source: 'sdk-download' });

    const cached = executable(join(cache, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal'));
    expect(resolveTemporalCli(base)).toEqual({ path: cached, source: 'cache' });

    const onPath = executable(join(binDir, 'temporal'));
    expect(resolveTemporalCli({ ...base, PATH: `/nonexistent:${binDir}` })).toEqual({ path: onPath, source: 'path' });

    expect(resolveTemporalCli({ ...base, PATH: binDir, TEMPORAL_CLI_PATH: '/opt/temporal' })).toEqual({
      path: '/opt/temporal',
      source: 'env',
    });
  });

  it('prefers TEMPORAL_TEST_SERVER_PATH, then the cache, then the SDK download', () => {
    const cache = join(scratch, 'empty-cache');
    expect(resolveTestServer({ WAAKVLAM_CACHE_DIR: cache })).toEqual({ path: null, source: 'sdk-download' });
    expect(resolveTestServer({ WAAKVLAM_CACHE_DIR: cache, TEMPORAL_TEST_SERVER_PATH: '/opt/ts' })).toEqual({
      path: '/opt/ts',
      source: 'env',
    });
  });
});

describe('provisioned binaries (from npm install)', () => {
  it('has built the pinned Temporal CLI', () => {
    const cli = resolveTemporalCli();
    expect(cli.path).not.toBeNull();
    const out = spawnSync(cli.path!, ['--version'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^temporal version \S+ \(Server \d+\.\d+\.\d+, UI \d+\.\d+\.\d+\)/);
  });

  it('has a test server launcher', () => {
    expect(resolveTestServer().path).not.toBeNull();
  });

  it('a second provisioning run reuses the cache and builds nothing', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/provision.ts'], {
      cwd: resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Temporal CLI: using .*\((cache|path|env)\)/);
    expect(run.stdout).toMatch(/Time-skipping test server: using .*\((cache|env)\)/);
    expect(run.stdout).not.toMatch(/\[go\]|\[mvn\]/);
  });
});
