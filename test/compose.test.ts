/**
 * docker-compose.yml parses, wires the services together, gives the worker and the API every setting they need from
 * the env file, and refuses to start without the secrets and addresses that have no usable default. Read with the
 * same loader `docker compose` uses (scripts/compose.ts: the plugin, or compose-go built with Go).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCompose, type ComposeProject } from '../scripts/compose.js';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'waakvlam-compose-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An environment with nothing of the deployment's own variables (the test machine's must not fill them in). */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(POSTGRES_|TEMPORAL_|WAAKVLAM_|SMTP_|LOG_LEVEL)/.test(k)),
);

/** deploy/env.example with `values` filled in, as an operator's .env. */
function envFile(name: string, values: Record<string, string>): string {
  let text = readFileSync(join(root, 'deploy/env.example'), 'utf8');
  for (const [k, v] of Object.entries(values)) {
    expect(text, `env.example names ${k}`).toMatch(new RegExp(`^${k}=`, 'm'));
    text = text.replace(new RegExp(`^${k}=.*$`, 'm'), `${k}=${v}`);
  }
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

const FILLED = {
  POSTGRES_PASSWORD: 'a-long-random-password-for-the-test',
  WAAKVLAM_JWT_SECRET: 'a-secret-of-at-least-32-characters-long',
  SMTP_URL: 'smtp://mail.gemeente.example:587',
  WAAKVLAM_WEBHOOK_URL: 'https://zaaksysteem.gemeente.example/hooks/waakvlam',
  WAAKVLAM_WEBHOOK_SECRET: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
  WAAKVLAM_KEYS_FILE_HOST: '/srv/waakvlam/keys.yaml',
  WAAKVLAM_DIRECTORY_FILE: './deploy/directory.example.yaml',
};

function load(env: string): ComposeProject {
  const res = loadCompose({ envFile: env, env: cleanEnv });
  if (!res.ok) throw new Error(res.error);
  return res.project;
}

describe('docker-compose.yml', () => {
  it('parses, with PostgreSQL, Temporal, its schema set-up, the Web UI, and the Waakvlam worker and API', () => {
    const project = load(envFile('complete.env', FILLED));
    expect(Object.keys(project.services).sort()).toEqual(
      ['postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'waakvlam-api', 'waakvlam-worker'].sort(),
    );
    for (const name of ['waakvlam-worker', 'waakvlam-api']) {
      expect(project.services[name]!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(project.services[name]!.depends_on!['temporal-namespace']!.condition).toBe('service_completed_successfully');
    }
    expect(project.services.temporal!.depends_on!['temporal-schema']!.condition).toBe('service_completed_successfully');
    expect(project.services['waakvlam-api']!.ports![0]!.target).toBe(3000);
    expect(project.services['temporal-ui']!.environment!.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('runs the compiled build, and gives the worker its directory, webhook, SMTP and metrics settings from the env file', () => {
    const { services } = load(envFile('complete.env', FILLED));
    const worker = services['waakvlam-worker']!;
    const api = services['waakvlam-api']!;
    expect(worker.command).toEqual(['node', 'dist/entrypoints/worker.js']);
    expect(api.command).toEqual(['node', 'dist/entrypoints/api.js']);
    expect(worker.environment).toMatchObject({
      WAAKVLAM_DIRECTORY: '/etc/waakvlam/directory.yaml',
      WAAKVLAM_WEBHOOK_URL: FILLED.WAAKVLAM_WEBHOOK_URL,
      WAAKVLAM_WEBHOOK_SECRET: FILLED.WAAKVLAM_WEBHOOK_SECRET,
      SMTP_URL: FILLED.SMTP_URL,
      WAAKVLAM_METRICS_PORT: '9464',
    });
    expect(worker.volumes).toContainEqual(
      expect.objectContaining({ target: '/etc/waakvlam/directory.yaml', read_only: true, source: join(root, 'deploy/directory.example.yaml') }),
    );
    expect(api.environment).toMatchObject({ WAAKVLAM_JWT_SECRET: FILLED.WAAKVLAM_JWT_SECRET, WAAKVLAM_METRICS_PORT: '9464' });
    // The encryption keys: the same file, read-only, in the worker and the API.
    for (const service of [worker, api]) {
      expect(service.environment).toMatchObject({ WAAKVLAM_KEYS_FILE: '/etc/waakvlam/keys.yaml' });
      expect(service.volumes).toContainEqual(expect.objectContaining({ target: '/etc/waakvlam/keys.yaml', read_only: true, source: FILLED.WAAKVLAM_KEYS_FILE_HOST }));
    }
    expect(services['temporal-schema']!.environment!.POSTGRES_PWD).toBe(FILLED.POSTGRES_PASSWORD);
  });

  it('publishes the frontend, the Web UI and the API on the loopback interface unless told otherwise, and the UI cannot write', () => {
    const { services } = load(envFile('complete.env', FILLED));
    for (const name of ['temporal', 'temporal-ui', 'waakvlam-api']) {
      expect(services[name]!.ports!.map((p) => (p as { host_ip?: string }).host_ip), name).toEqual(['127.0.0.1']);
    }
    expect(services['temporal-ui']!.environment!.TEMPORAL_DISABLE_WRITE_ACTIONS).toBe('true');
    const opened = load(envFile('published.env', { ...FILLED, WAAKVLAM_PUBLISH_IP: '10.1.2.3' }));
    expect((opened.services['waakvlam-api']!.ports![0] as { host_ip?: string }).host_ip).toBe('10.1.2.3');
  });

  it('sets the history shards before the first start, and gives a draining worker time', () => {
    const { services } = load(envFile('complete.env', FILLED));
    expect(services.temporal!.environment!.NUM_HISTORY_SHARDS).toBe('128');
    expect((services['waakvlam-worker'] as { stop_grace_period?: string }).stop_grace_period).toBe('45s');
  });

  it('has a healthcheck for PostgreSQL, Temporal, the worker and the API', () => {
    const { services } = load(envFile('complete.env', FILLED));
    for (const name of ['postgresql', 'temporal', 'waakvlam-worker', 'waakvlam-api']) {
      expect(services[name]!.healthcheck?.test, name).toBeDefined();
    }
    expect(services['waakvlam-worker']!.healthcheck!.test).toEqual(['CMD', 'node', 'dist/entrypoints/healthcheck.js', 'worker']);
  });

  it('refuses to start without a database password, a token key, a notification channel, a directory file or a key file', () => {
    const res = loadCompose({ envFile: envFile('empty.env', {}), env: cleanEnv });
    expect(res.ok).toBe(false);
    const error = (res as { error: string }).error;
    expect(error).toMatch(/POSTGRES_PASSWORD/);
    const passwordOnly = loadCompose({ envFile: envFile('password-only.env', { POSTGRES_PASSWORD: 'x'.repeat(32) }), env: cleanEnv });
    expect(passwordOnly.ok).toBe(false);
    expect((passwordOnly as { error: string }).error).toMatch(/WAAKVLAM_JWT_SECRET or WAAKVLAM_JWKS_URL/);
    expect((passwordOnly as { error: string }).error).toMatch(/SMTP_URL and\/or WAAKVLAM_WEBHOOK_URL/);
    const noDirectory = loadCompose({ envFile: envFile('no-directory.env', { ...FILLED, WAAKVLAM_DIRECTORY_FILE: '' }), env: cleanEnv });
    expect(noDirectory.ok).toBe(false);
    expect((noDirectory as { error: string }).error).toMatch(/WAAKVLAM_DIRECTORY_FILE/);
    const webhookWithoutSecret = loadCompose({ envFile: envFile('no-webhook-secret.env', { ...FILLED, WAAKVLAM_WEBHOOK_SECRET: '' }), env: cleanEnv });
    expect(webhookWithoutSecret.ok).toBe(false);
    expect((webhookWithoutSecret as { error: string }).error).toMatch(/WAAKVLAM_WEBHOOK_SECRET/);
    const jwksWithoutAudience = loadCompose({
      envFile: envFile('no-audience.env', { ...FILLED, WAAKVLAM_JWT_SECRET: '', WAAKVLAM_JWKS_URL: 'https://idp.gemeente.example/jwks' }),
      env: cleanEnv,
    });
    expect(jwksWithoutAudience.ok).toBe(false);
    expect((jwksWithoutAudience as { error: string }).error).toMatch(/WAAKVLAM_JWT_AUDIENCE/);
    const noKeys = loadCompose({ envFile: envFile('no-keys.env', { ...FILLED, WAAKVLAM_KEYS_FILE_HOST: '' }), env: cleanEnv });
    expect(noKeys.ok).toBe(false);
    expect((noKeys as { error: string }).error).toMatch(/WAAKVLAM_KEYS_FILE_HOST/);
  });

  it('rejects a broken compose file (the check can fail)', () => {
    const broken = join(scratch, 'docker-compose.yml');
    writeFileSync(
      broken,
      readFileSync(join(root, 'docker-compose.yml'), 'utf8').replace('condition: service_healthy', 'condition: when_it_feels_like_it'),
    );
    const res = loadCompose({ file: broken, envFile: envFile('complete.env', FILLED), env: cleanEnv });
    expect(res.ok).toBe(false);
    expect((res as { error: string }).error).toMatch(/condition/);
  });
});
