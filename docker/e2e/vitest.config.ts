import { defineConfig } from 'vitest/config';

// The image test alone (`npm run test:images`, after scripts/images.sh): it runs the built
// images against the machine's Redis and PostgreSQL (REDIS_URL, DATABASE_URL) and needs none
// of the suite's global setup.
export default defineConfig({
  test: {
    include: ['docker/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
