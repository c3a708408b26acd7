import { afterAll } from 'vitest';
import { enableAfterFile, runFileCleanups } from './after-file';

// Runs before each test file (vitest `setupFiles`). This afterAll is the file's first, so
// it runs last: after the file's own afterAll hooks, which may still use what it removes.
enableAfterFile();
// Cleanups stop worker fleets and drop databases one after another: more than one hook's
// usual minute on a loaded machine.
afterAll(runFileCleanups, 180_000);
