import { CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from './errors';
import { buildProgram } from './program';

/**
 * Runs the CLI on `argv` (process.argv shape) and returns the exit code. Every error ends
 * here and becomes one line on stderr (and, under --json, one document on stdout); a stack
 * trace is shown only with TIKTOK_FLEET_DEBUG=1.
 */
export async function run(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return EXIT_OK;
  } catch (error) {
    // Commander has already printed its own message (or the help) for these.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    const json = Boolean(program.opts().json);
    const failure =
      error instanceof CliError
        ? error
        : new CliError(
            'unexpected',
            `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
          );
    // Ctrl-C is the operator's choice, not an error: say what happens next, plainly.
    const prefix = failure.exitCode === EXIT_INTERRUPTED ? '' : 'error: ';
    process.stderr.write(`${prefix}${failure.message}\n`);
    if (process.env.TIKTOK_FLEET_DEBUG === '1' && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    if (json) {
      const document = failure.document ?? {
        error: { code: failure.code, message: failure.message },
      };
      process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    }
    return failure.exitCode ?? EXIT_FAILURE;
  }
}
