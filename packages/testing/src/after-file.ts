/**
 * Cleanups that belong to the test file being run. Vitest 4 silently drops an `afterAll`
 * registered inside a `beforeAll`, so a helper called from `beforeAll` (a database, a Redis
 * prefix, a fleet of processes) cannot register its own teardown with `afterAll`. It calls
 * `afterFile` instead; the setup file (./setup-file.ts, in the vitest config's `setupFiles`)
 * registers the one top-level `afterAll` that runs them. Being registered first, that hook
 * runs after every hook of the file itself (vitest runs after-hooks as a stack).
 */

export type Cleanup = () => unknown;

/** Thrown when `afterFile` is called in a run whose config lacks the setup file. */
export class AfterFileNotEnabledError extends Error {
  readonly code = 'AFTER_FILE_NOT_ENABLED';
  constructor() {
    super(
      'afterFile() needs @tiktok-fleet/testing/src/setup-file.ts in the vitest config setupFiles',
    );
    this.name = 'AfterFileNotEnabledError';
  }
}

interface State {
  enabled: boolean;
  cleanups: Cleanup[];
}

// On globalThis rather than in module scope: should the module be loaded twice (two
// specifiers resolving apart), the setup file and the helpers still share one list.
const KEY = Symbol.for('@tiktok-fleet/testing/after-file');
const state = (): State => {
  const g = globalThis as { [KEY]?: State };
  g[KEY] ??= { enabled: false, cleanups: [] };
  return g[KEY];
};

/** Called by the setup file: from now on `afterFile` collects cleanups for this file. */
export function enableAfterFile(): void {
  state().enabled = true;
}

/**
 * Registers `fn` to run once the current test file is done, after the file's own hooks.
 * Cleanups run newest first, like the teardown of what they undo. Safe inside `beforeAll`.
 */
export function afterFile(fn: Cleanup): void {
  const s = state();
  // Failing loudly here beats the silent leak this module exists to end.
  if (!s.enabled) throw new AfterFileNotEnabledError();
  s.cleanups.push(fn);
}

/**
 * Runs and forgets the registered cleanups, newest first. Every one runs even if an earlier
 * one fails; the failures come back together as one AggregateError naming each.
 */
export async function runFileCleanups(): Promise<void> {
  const s = state();
  const cleanups = s.cleanups.splice(0).reverse();
  const errors: unknown[] = [];
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) {
    const names = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    throw new AggregateError(
      errors,
      `${errors.length} of ${cleanups.length} file cleanups failed: ${names.join('; ')}`,
    );
  }
}
