import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliBundle } from './cli-bundle';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const main = join(repoRoot, 'apps', 'cli', 'src', 'main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as an operator would, in its own process with pipes for stdout and stderr (so
 * not a TTY: progress comes as lines). The caller's environment is not passed on beyond
 * PATH and HOME, so a TIKTOK_FLEET_* or DATABASE_URL of the machine cannot leak in.
 */
/** A word for `sh -c`, quoted so the shell passes it through unchanged. */
const shellWord = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

export async function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  options: {
    timeoutMs?: number;
    tty?: boolean;
    /** Sends SIGINT (Ctrl-C) once stdout satisfies this. */
    interruptWhen?: (stdout: string) => boolean;
  } = {},
): Promise<CliRun> {
  // The CLI's own code, bundled once per test file (cli-bundle.ts), run by plain node.
  const cli = [process.execPath, await cliBundle(main)];
  // With `tty`, util-linux's script(1) gives the CLI a pseudo-terminal, as in an operator's
  // shell; everything it draws comes back on stdout.
  const [command, argv] = options.tty
    ? ['script', ['-qec', [...cli, ...args].map(shellWord).join(' '), '/dev/null']]
    : [cli[0] as string, [...cli.slice(1), ...args]];
  return new Promise((ok, ko) => {
    const child = spawn(command, argv, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      if (!interrupted && options.interruptWhen?.(stdout)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      ko(new Error(`tiktok-fleet ${args.join(' ')} did not finish in time.\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('error', ko);
    child.once('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr });
    });
  });
}
