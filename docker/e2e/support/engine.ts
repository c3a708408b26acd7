import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The container engine the image test drives: podman (with runc and the ulimits these
 * machines need; see docker/README.md, "Podman on a machine without Docker") or a docker
 * engine. `reason` says why neither can run a container here.
 */
export type Engine =
  | { ok: true; command: string; globalArgs: string[]; runArgs: string[] }
  | { ok: false; reason: string };

export function findEngine(): Engine {
  const candidates: Array<{ command: string; globalArgs: string[]; runArgs: string[] }> = [];
  if (hasCommand('podman')) {
    candidates.push({
      command: 'podman',
      globalArgs: existsSync('/usr/sbin/runc') ? ['--runtime', '/usr/sbin/runc'] : [],
      runArgs: ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=1024:1024'],
    });
  }
  if (hasCommand('docker')) candidates.push({ command: 'docker', globalArgs: [], runArgs: [] });
  const problems: string[] = [];
  for (const candidate of candidates) {
    try {
      // Running a container is what counts, not that the client is installed.
      execFileSync(candidate.command, [...candidate.globalArgs, 'info'], { stdio: 'ignore' });
      return { ok: true, ...candidate };
    } catch (error) {
      problems.push(
        `${candidate.command} info failed (${(error as Error).message.split('\n')[0]})`,
      );
    }
  }
  return {
    ok: false,
    reason:
      candidates.length === 0
        ? 'neither podman nor docker is installed (apt-get install -y podman runc)'
        : `no container engine answers: ${problems.join('; ')}`,
  };
}

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One engine command; resolves to its stdout, rejects with its stderr in the message. */
export async function engineRun(
  engine: Extract<Engine, { ok: true }>,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await run(engine.command, [...engine.globalArgs, ...args], {
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(
      `${engine.command} ${args.slice(0, 3).join(' ')} … failed: ${(stderr || stdout || (error as Error).message).trim().slice(-2000)}`,
    );
  }
}
