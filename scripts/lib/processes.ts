// The fleet's processes as children of a script (demo, start): each logs to its own file,
// an early exit is reported with the end of that log, and stop() waits until all are gone.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths';

export interface Child {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<void>;
}

export class ProcessGroup {
  readonly children: Child[] = [];
  private stopping = false;

  constructor(
    private readonly logDir: string,
    /** Called when a child exits while nobody asked it to. */
    private readonly onEarlyExit: (child: Child, how: string) => void,
  ) {}

  /**
   * Runs a TypeScript entry point; its stdout and stderr go to `<logDir>/<name>.log`. Node
   * loads tsx as a hook (`--import tsx`) instead of running the tsx CLI: that CLI sits between
   * us and the app and SIGKILLs it when it does not report a signal within 30 ms, which on a
   * busy machine cuts a graceful shutdown short.
   */
  start(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
    const log = join(this.logDir, `${name}.log`);
    const out = createWriteStream(log, { flags: 'a' });
    out.write(`\n--- ${new Date().toISOString()} ${name} starting\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        out.end();
        const how = signal ?? `code ${code}`;
        if (!this.stopping) this.onEarlyExit(entry, how);
        resolve();
      });
    });
    const entry: Child = { name, child, log, exited };
    this.children.push(entry);
    return entry;
  }

  /** SIGTERM to every child still running, SIGKILL to any still there after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    const running = this.children.filter((c) => c.child.exitCode === null && !c.child.signalCode);
    for (const { child } of running) child.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const { child } of running) if (child.exitCode === null) child.kill('SIGKILL');
    }, graceMs);
    await Promise.all(running.map((c) => c.exited));
    clearTimeout(force);
  }
}

/** The last lines of a log, to show why a process stopped without sending anyone looking. */
export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `url` until it answers 2xx, or throws after `timeoutMs`. */
export async function waitUntilReady(name: string, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready at ${url} within ${timeoutMs / 1000} s.`);
}
