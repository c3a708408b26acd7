import { defineConfig } from 'vitest/config';

// One vitest run for the whole workspace: unit tests and integration tests against real
// Redis, PostgreSQL, ffprobe and the TikTok sandbox. The global setup finds the services
// (or says what to start) and prepares a migrated template database; each test file then
// gets its own database and Redis key prefix, so files running in parallel never meet.
export default defineConfig({
  test: {
    include: [
      '{apps,packages}/*/test/**/*.test.ts',
      'docker/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
    ],
    globalSetup: ['packages/testing/src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
