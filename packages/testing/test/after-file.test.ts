import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
const config = join(import.meta.dirname, 'fixtures', 'after-file.vitest.config.ts');
const dir = await mkdtemp(join(tmpdir(), 'tf-after-file-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs the fixture file in its own vitest (the repo's binary): its exit, output and log. */
async function runFixture(name: string, env: Record<string, string> = {}) {
  const logFile = join(dir, `${name}.log`);
  const child = spawn(
    join(repoRoot, 'node_modules', '.bin', 'vitest'),
    ['run', '--config', config, '--no-color'],
    { cwd: repoRoot, env: { ...process.env, ...env, AFTER_FILE_LOG: logFile } },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const steps = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  return { code, output, steps };
}

test('cleanups registered in beforeAll run, newest first, after the file afterAll', async () => {
  const run = await runFixture('pass');
  expect(run.code, run.output).toBe(0);
  expect(run.steps).toEqual(['test', 'file-afterAll', 'cleanup-3', 'cleanup-2', 'cleanup-1']);
}, 60_000);

test('a failing cleanup fails the run with its message, and the others still run', async () => {
  const run = await runFixture('fail', { AFTER_FILE_FAIL: '1' });
  expect(run.code).not.toBe(0);
  expect(run.output).toContain('cleanup-2 broke');
  expect(run.steps).toEqual(['test', 'file-afterAll', 'cleanup-3', 'cleanup-2', 'cleanup-1']);
}, 60_000);
