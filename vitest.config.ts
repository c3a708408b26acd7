import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (each near a minute or more of waiting on worker processes,
 * SIGKILLs, browsers and polls): started first, so the run does not end on one of them
 * alone while the other workers sit idle. Vitest orders by the last run's times when it has
 * them; a fresh checkout (CI) has none and would go by file size.
 */
const SLOW_FIRST = [
  'apps/worker/test/chaos.test.ts',
  'apps/worker/test/shutdown-rescue.test.ts',
  'apps/cli/test/fleet.test.ts',
  'apps/worker/test/metrics.test.ts',
  'scripts/test/redis-eviction.test.ts',
  'apps/web/test/page.browser.test.ts',
  'apps/worker/test/account-limits.test.ts',
  'scripts/test/start.test.ts',
  'apps/worker/test/prepare.test.ts',
  'apps/cli/test/usage.test.ts',
  'apps/worker/test/prepare-crash.test.ts',
  'apps/worker/test/crash.test.ts',
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(relative(spec.project.config.root, spec.moduleId));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

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
    // One afterAll per file that runs the helpers' afterFile cleanups (an afterAll inside a
    // beforeAll is dropped by vitest 4).
    setupFiles: ['packages/testing/src/setup-file.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files spend their time waiting (on worker processes, HTTP, Redis, PostgreSQL,
    // ffmpeg), not on the CPU: one file alone keeps about two thirds of a core busy, so three
    // at once fill two cores without starving the files that time SIGKILLs and leases.
    // Vitest's default is one fewer than the cores: a single file at a time on 2 cores.
    // `--maxWorkers=N` overrides it for a bigger machine.
    maxWorkers: 3,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ['default'],
  },
});
