import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { root } from './fleet';

export interface WorkerProcess {
  child: ChildProcess;
  /**
   * Sends a signal to the whole process group: `tsx` runs the worker in a child node
   * process, and a pod's kill reaches every process of the container too.
   */
  kill: (signal: NodeJS.Signals) => void;
  /** Resolves with the health server's port once the worker logged that it started. */
  ready: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every line the process wrote, for a failing test to show. */
  output: string[];
}

/**
 * Runs `apps/worker/src/main.ts` as its own process (the way a pod runs it), with the given
 * environment on top of this one.
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['apps/worker/src/main.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  let resolveReady: (port: number) => void;
  let rejectReady: (error: Error) => void;
  const ready = new Promise<number>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      output.push(line);
      try {
        const record = JSON.parse(line) as { msg?: string; port?: number };
        if (record.msg === 'worker started' && record.port) resolveReady(record.port);
      } catch {
        // Not a log line (a stack trace, a tsx message): kept in output only.
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      rejectReady(new Error(`the worker exited before it started:\n${output.join('\n')}`));
      resolve({ code, signal });
    });
  });
  const kill = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  return { child, kill, ready, exited, output };
}

/**
 * Worker processes for a test that kills or stops them, configured like pods with timings
 * that bring a crashed worker's job back within seconds (not 30). `killAll` in afterAll.
 */
export function crashTestWorkers(
  processEnv: (extra: Record<string, string>) => Record<string, string>,
) {
  const running: WorkerProcess[] = [];
  return {
    start(extra: Record<string, string> = {}): WorkerProcess {
      const worker = spawnWorker(
        processEnv({
          UPLOAD_CHUNK_SIZE_BYTES: String(5 * 1024 * 1024),
          WORKER_LOCK_DURATION_MS: '2000',
          WORKER_STALLED_INTERVAL_MS: '1000',
          ...extra,
        }),
      );
      running.push(worker);
      return worker;
    },
    killAll(): void {
      // The whole group: tsx's child node process is the worker itself.
      for (const worker of running) worker.kill('SIGKILL');
    },
  };
}

/**
 * Holds chunk `index` (0 = the first) of the next upload at the sandbox for `ms`, so a test
 * can act mid-upload. The sandbox's latency faults are taken by its next requests in order:
 * creator_info, init, then the chunks.
 */
export async function slowChunk(
  fault: (fault: Record<string, unknown>) => Promise<unknown>,
  index: number,
  ms: number,
): Promise<void> {
  for (let request = 0; request < index + 2; request++) await fault({ latencyMs: 0 });
  await fault({ latencyMs: ms });
}
