// Processes of the scaling benchmark: the sandbox, the API and the workers, each started
// with `tsx` the way a pod starts it, logging to a file, stopped by process group.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FleetProcess {
  name: string;
  log: string;
  child: ChildProcess;
  /** Resolves once the process exited; SIGTERM first, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * `tsx <entry>` from the repository root with `env` on top of this process's environment.
 * Detached, so a stop reaches the node process tsx starts as well.
 */
export function startProcess(
  root: string,
  name: string,
  entry: string,
  env: Record<string, string>,
  logDir: string,
): FleetProcess {
  const log = join(logDir, `${name}.log`);
  const out = createWriteStream(log);
  // BENCH_CPU_PROF_DIR=dir writes a CPU profile of each fleet process there (where the time goes).
  const profile = process.env.BENCH_CPU_PROF_DIR;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [...flags, entry], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  return {
    name,
    log,
    child,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal('SIGTERM');
      const inTime = await Promise.race([exited.then(() => true), sleep(graceMs, false)]);
      if (!inTime) {
        signal('SIGKILL');
        await exited;
      }
    },
  };
}

/** Polls `url` until it answers 2xx; fails early when the process exits. */
export async function waitUntilReady(
  proc: FleetProcess,
  url: string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) {
      throw new Error(`${proc.name} exited with code ${proc.child.exitCode}; see ${proc.log}`);
    }
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(
    `${proc.name} was not ready at ${url} after ${timeoutMs / 1000} s; see ${proc.log}`,
  );
}

/**
 * CPU seconds (user + system, waited-for children included) used so far by each group:
 * a group is either process group ids or a string its processes' command line contains
 * (PostgreSQL backends name their database). Linux only; null elsewhere.
 */
export function cpuSeconds(
  groups: Record<string, number[] | string>,
): Record<string, number> | null {
  const ticks: Record<string, number> = Object.fromEntries(Object.keys(groups).map((g) => [g, 0]));
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name may hold spaces: the fields after it are what we read.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgrp = Number(fields[2]);
      let cmdline: string | undefined;
      for (const [group, match] of Object.entries(groups)) {
        if (typeof match === 'string') {
          cmdline ??= readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
          if (!cmdline.includes(match)) continue;
        } else if (!match.includes(pgrp)) continue;
        // utime, stime, cutime, cstime (ffprobe's time lands in its worker's cutime).
        ticks[group] =
          (ticks[group] ?? 0) + [11, 12, 13, 14].reduce((t, i) => t + Number(fields[i]), 0);
        break;
      }
    } catch {
      // gone meanwhile
    }
  }
  return Object.fromEntries(Object.entries(ticks).map(([g, t]) => [g, t / 100]));
}
