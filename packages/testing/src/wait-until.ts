export interface WaitUntilOptions {
  /** How long to keep asking before failing. @defaultValue 10000 */
  timeoutMs?: number;
  /** How long to wait between two questions. @defaultValue 20 */
  intervalMs?: number;
  /** What is awaited, for the failure message ("post abc published"). */
  what?: string;
  /** Says where things stand when the deadline passes (the last value seen, for example). */
  describe?: () => string | Promise<string>;
}

/**
 * Asks `check` every `intervalMs` until it returns something other than undefined or false,
 * and returns that. The one way tests wait: on the event they need, never for a fixed time.
 * Fails with `what` (and `describe()`) in the message once `timeoutMs` has passed.
 */
export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitUntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20, what = 'the condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const state = options.describe ? `: ${await options.describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
