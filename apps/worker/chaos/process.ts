import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every process group the harness started and that still runs, for `killEverything`. */
const live = new Set<number>();

/** SIGKILLs every process group still running: the harness itself was told to stop. */
export function killEverything(): void {
  for (const group of live) {
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  live.clear();
}

/** Spawns `command` in a process group of its own, known to `killEverything`. */
export function spawnGroup(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdio: 'ignore' | 'pipe' },
): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', options.stdio, options.stdio],
    detached: true,
  });
  const group = child.pid;
  if (group !== undefined) {
    live.add(group);
    child.once('exit', () => live.delete(group));
  }
  return child;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the process was seen gone (epoch ms). */
  at: number;
}

/**
 * A fleet process (`tsx <entry>` from the repository root, as a pod runs it), in a process
 * group of its own so a signal reaches the node process tsx starts too; output to a log file.
 */
export class FleetProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly log: string;

  constructor(
    root: string,
    readonly name: string,
    entry: string,
    env: Record<string, string>,
    logDir: string,
  ) {
    this.log = join(logDir, `${name}.log`);
    const out = createWriteStream(this.log, { flags: 'a' });
    this.child = spawnGroup(join(root, 'node_modules', '.bin', 'tsx'), [entry], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    this.child.stdout?.pipe(out);
    this.child.stderr?.pipe(out);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
  }

  get pgid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    try {
      if (this.child.pid) process.kill(-this.child.pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const inTime = await Promise.race([this.exited.then(() => true), sleep(graceMs, false)]);
    if (!inTime) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  /** Polls `url` until it answers 2xx; fails early when the process exits. */
  async ready(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running)
        throw new Error(`${this.name} exited before it was ready; see ${this.log}`);
      try {
        if ((await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(200);
    }
    throw new Error(`${this.name} was not ready at ${url} within ${timeoutMs} ms; see ${this.log}`);
  }
}
