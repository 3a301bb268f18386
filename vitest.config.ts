import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The production suite runs against its own environment: `npm run test:production` (vitest.production.config.ts).
    exclude: ['test/production/**', '**/node_modules/**'],
    // Each file starts its own Temporal server and worker; separate processes keep the native runtime apart.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
