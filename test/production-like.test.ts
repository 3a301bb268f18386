/**
 * The production-like environment's pure parts (scripts/production-like.ts): it builds the versions of the compose
 * file, reads retentions as compose writes them, and takes its settings from the compose model. The environment
 * itself is tested by the production suite (`npm run test:production`, test/production/).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeImageDefaults, productionLikeOptionsFromCompose, retentionSeconds, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../scripts/production-like.js';
import { loadCompose } from '../scripts/compose.js';

const repo = join(import.meta.dirname, '..');

describe('production-like versions and settings', () => {
  it('builds the versions of the compose file', () => {
    const tags = composeImageDefaults(readFileSync(join(repo, 'docker-compose.yml'), 'utf8'));
    expect(`v${tags.TEMPORAL_VERSION}`).toBe(TEMPORAL_SERVER_VERSION);
    expect(`v${tags.TEMPORAL_UI_VERSION}`).toBe(TEMPORAL_UI_VERSION);
  });

  it('reads retentions as compose writes them', () => {
    expect(retentionSeconds('90d')).toBe(90 * 86400);
    expect(retentionSeconds('36h')).toBe(36 * 3600);
    expect(() => retentionSeconds('90 days')).toThrow(/TEMPORAL_RETENTION/);
  });

  it("takes compose's published ports, the Web UI's codec endpoint, namespace, retention and database credentials from the .env", () => {
    const env = {
      POSTGRES_PASSWORD: 'a-long-random-password-for-the-test',
      WAAKVLAM_JWT_SECRET: 'a-secret-of-at-least-32-characters-long',
      SMTP_URL: 'smtp://mail.gemeente.example:587',
      TEMPORAL_PORT: '27233',
      TEMPORAL_UI_PORT: '28080',
      TEMPORAL_NAMESPACE: 'gemeente',
      TEMPORAL_RETENTION: '30d',
      WAAKVLAM_DIRECTORY_FILE: './deploy/directory.example.yaml',
      WAAKVLAM_KEYS_FILE_HOST: './keys.yaml',
    };
    const res = loadCompose({ envFile: '/dev/null', env });
    if (!res.ok) throw new Error(res.error);
    expect(productionLikeOptionsFromCompose(res.project)).toEqual({
      temporalPort: 27233,
      uiPort: 28080,
      uiCodec: { endpoint: 'http://localhost:3000/v1/codec', includeCredentials: true },
      namespace: 'gemeente',
      retention: '30d',
      postgresUser: 'temporal',
      postgresPassword: env.POSTGRES_PASSWORD,
      historyShards: 128,
      postgresMajor: '15',
    });
  });
});
