/** Exit codes: scripts tell "it failed" from "I called it wrongly". */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/** Interrupted (Ctrl-C): 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * An error the CLI reports as one line, with a stable `code` for `--json` callers. Anything
 * else that escapes a command is a bug, and is still reported without a stack trace.
 */
export class CliError extends Error {
  /**
   * What `--json` prints on stdout for this failure; by default `{ error: { code, message } }`.
   * A failed post prints the post itself, which carries its error.
   */
  document?: unknown;

  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command was called wrongly (a bad option value, a missing setting). */
export class UsageError extends CliError {
  constructor(message: string, code = 'usage') {
    super(code, message, EXIT_USAGE);
  }
}

/** A local file the command needs is missing or unreadable. */
export class FileError extends CliError {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('file_unreadable', `Cannot read ${file}: ${reason}.`);
  }
}

/** Node's errno codes, said the way a person would. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
