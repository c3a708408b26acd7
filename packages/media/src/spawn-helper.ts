import { type ChildProcess, execFile, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * How the media checks spawn ffprobe: from a small long-lived helper process instead of
 * from the worker itself. `spawn()` in Node blocks the event loop for a time that grows with
 * the spawning process's memory (fork must copy its page tables: about 1 ms at 45 MiB RSS,
 * 20 ms at 350 MiB, measured in issue 12), so a worker that holds upload buffers stalled
 * every job it runs at each probe. The helper is ~40 MiB whatever the worker holds; asking
 * it is one IPC message each way.
 *
 * Same contract as `execFile`'s callback: `error.killed` after the timeout, a string
 * `error.code` when the program could not run (or its output was too large), a number when
 * it exited non-zero. When the helper cannot be started, the program is spawned here as
 * before, so a probe never fails for the helper's sake.
 */

export interface ExecOptions {
  timeout: number;
  killSignal: NodeJS.Signals;
  maxBuffer: number;
  windowsHide?: boolean;
}

export interface ExecError {
  killed: boolean;
  code: string | number | null;
  message: string;
}

type Callback = (error: ExecError | null, stdout: string) => void;

interface Reply {
  id: number;
  stdout: string;
  error: ExecError | null;
}

const childScript = fileURLToPath(new URL('./spawn-helper-child.mjs', import.meta.url));
/** The helper answers within the program's own timeout; this bounds a helper that hangs. */
const HELPER_GRACE_MS = 5_000;

let helper: ChildProcess | undefined;
let nextId = 1;
const pending = new Map<number, { callback: Callback; timer: NodeJS.Timeout }>();

function startHelper(): ChildProcess | undefined {
  if (helper?.connected) return helper;
  try {
    const child = fork(childScript, [], {
      // Not the parent's flags: no tsx loader, no inspector, nothing that makes it larger.
      execArgv: [],
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'json',
    });
    child.on('message', (reply: Reply) => settle(reply.id, reply.error, reply.stdout));
    child.on('exit', () => {
      if (helper === child) helper = undefined;
      // Whatever it was running is lost with it: the callers see a program that could not run.
      for (const id of [...pending.keys()]) {
        settle(id, { killed: false, code: 'EHELPEREXIT', message: 'the spawn helper exited' }, '');
      }
    });
    child.on('error', () => undefined);
    // An idle helper must not keep the worker alive at shutdown.
    child.unref();
    child.channel?.unref();
    helper = child;
    return child;
  } catch {
    return undefined;
  }
}

function settle(id: number, error: ExecError | null, stdout: string): void {
  const entry = pending.get(id);
  if (!entry) return;
  pending.delete(id);
  clearTimeout(entry.timer);
  if (pending.size === 0) helper?.channel?.unref();
  entry.callback(error, stdout);
}

/** Runs `file` with `args` from the helper process; see the module comment. */
export function execFileInHelper(
  file: string,
  args: readonly string[],
  options: ExecOptions,
  callback: Callback,
): void {
  const child = startHelper();
  if (!child) {
    execFileHere(file, args, options, callback);
    return;
  }
  const id = nextId++;
  // The helper died under this request (killed, out of memory): run it here instead.
  const viaHelper: Callback = (error, stdout) =>
    typeof error?.code === 'string' && error.code.startsWith('EHELPER')
      ? execFileHere(file, args, options, callback)
      : callback(error, stdout);
  const timer = setTimeout(
    () => settle(id, { killed: true, code: null, message: 'the spawn helper did not answer' }, ''),
    options.timeout + HELPER_GRACE_MS,
  );
  timer.unref();
  pending.set(id, { callback: viaHelper, timer });
  child.channel?.ref();
  child.send({ id, file, args, options }, (error) => {
    if (error) settle(id, { killed: false, code: 'EHELPERSEND', message: error.message }, '');
  });
}

function execFileHere(
  file: string,
  args: readonly string[],
  options: ExecOptions,
  callback: Callback,
): void {
  execFile(file, args, options, (error, stdout) =>
    callback(
      error
        ? { killed: error.killed === true, code: error.code ?? null, message: error.message }
        : null,
      String(stdout),
    ),
  );
}

/** The helper's pid, for tests and benchmarks; undefined until the first use. */
export function spawnHelperPid(): number | undefined {
  return helper?.connected ? helper.pid : undefined;
}
