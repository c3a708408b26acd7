import { CliError, EXIT_INTERRUPTED } from './errors';

/**
 * Runs `work` with a signal that fires on Ctrl-C, so a long wait can stop cleanly (restore
 * the cursor, say what happens next) instead of dying mid-redraw.
 */
export async function withInterrupt<T>(
  message: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw new CliError('interrupted', message, EXIT_INTERRUPTED);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
