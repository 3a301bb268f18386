import { defineConfig } from 'vitest/config';

/**
 * `npm run test:production`: the end-to-end tests that matter for production, against the deployment a
 * municipality runs (test/production/global-setup.ts: PostgreSQL-backed Temporal server, the compiled worker twice
 * and the compiled API, configured by docker-compose.yml). One environment for all files, so they run one at a time.
 */
export default defineConfig({
  test: {
    include: ['test/production/**/*.test.ts'],
    globalSetup: ['test/production/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
