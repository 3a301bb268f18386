import { defineConfig } from 'vitest/config';

/** `npm run record-histories`: records the replay fixtures (not part of `npm test`). */
export default defineConfig({
  test: {
    include: ['test/record/**/*.record.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
