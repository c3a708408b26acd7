import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@tiktok-fleet/testing';
import { describe, expect, it } from 'vitest';
import pkg from '../package.json' with { type: 'json' };
import { repoRoot, runCli } from './support/run-cli';

const COMMANDS = [
  [],
  ['publish'],
  ['watch'],
  ['accounts'],
  ['accounts', 'list'],
  ['accounts', 'show'],
  ['accounts', 'connect'],
  ['posts'],
  ['posts', 'list'],
  ['keys'],
  ['keys', 'create'],
  ['keys', 'list'],
  ['keys', 'revoke'],
  ['research'],
  ['research', 'query'],
  ['research', 'user'],
  ['stats'],
];

/** The leaf commands, which each carry examples. */
const LEAVES = COMMANDS.filter(
  (c) => !['accounts', 'posts', 'keys', 'research'].includes(c.join(' ')),
);

describe('--help', () => {
  it('works for every command, exits 0 and shows examples for each leaf', async () => {
    const runs = await Promise.all(COMMANDS.map((c) => runCli([...c, '--help'])));
    runs.forEach((run, i) => {
      const command = COMMANDS[i] ?? [];
      expect(run.code, `${command.join(' ')} --help`).toBe(0);
      expect(run.stdout).toContain(
        `Usage: tiktok-fleet${command.length ? ` ${command.join(' ')}` : ''}`,
      );
      if (LEAVES.includes(command)) expect(run.stdout).toContain('Examples:\n  $ ');
    });
  }, 180_000);

  it('documents the global options and their environment variables', async () => {
    const { stdout } = await runCli(['--help']);
    expect(stdout).toMatch(/--api-url <url>[\s\S]*env: TIKTOK_FLEET_API_URL/);
    expect(stdout).toMatch(/--api-key <key>[\s\S]*env: TIKTOK_FLEET_API_KEY/);
    expect(stdout).toContain('--json');
  });
});

describe('the bin', () => {
  it('runs the TypeScript entry point from any directory, through plain node', async () => {
    const bin = join(repoRoot, 'apps', 'cli', 'bin', 'tiktok-fleet.js');
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--version'], {
      cwd: '/',
    });
    expect(stdout).toBe(`${pkg.version}\n`);
  }, 60_000);
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['bogus'], "unknown command 'bogus'"],
    [['publish', 'clip.mp4'], "required option '-a, --account <id>' not specified"],
    [
      ['publish', 'clip.mp4', '-a', 'acc_1', '--privacy', 'EVERYONE'],
      'Allowed choices are PUBLIC_TO_EVERYONE',
    ],
    [['publish', 'clip.mp4', '-a', 'acc_1', '--schedule', '2026-12-01 09:30'], 'with a zone'],
    [['posts', 'list', '--limit', '500'], 'from 1 to 100'],
    [['posts', 'list', '--status', 'done'], 'Allowed choices are queued'],
  ])('%j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('asks for an API key before calling the API', async () => {
    const run = await runCli(['posts', 'list']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: No API key: pass --api-key or set TIKTOK_FLEET_API_KEY. An operator creates one with `tiktok-fleet keys create --owner <id>`.\n',
    );
  });

  it('names the missing setting of an operator command', async () => {
    const keys = await runCli(['keys', 'list']);
    expect(keys.code).toBe(2);
    expect(keys.stderr).toContain('error: DATABASE_URL is missing');
    const stats = await runCli(['stats']);
    expect(stats.code).toBe(2);
    expect(stats.stderr).toContain('error: REDIS_URL is missing');
  });

  it('refuses an --api-url that is not a URL', async () => {
    const run = await runCli(['watch', 'post_1', '--api-url', 'localhost:3001', '--api-key', 'k']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--api-url must be an http(s) URL');
  });
});

describe('failures exit 1 with one clear line and no stack trace', () => {
  it('says the API cannot be reached, and where to point the CLI', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['posts', 'list'], {
      TIKTOK_FLEET_API_URL: url,
      TIKTOK_FLEET_API_KEY: 'tfk_whatever',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: Cannot reach the API at ${url}: is it running? (set --api-url or TIKTOK_FLEET_API_URL)\n`,
    );
  });

  it('prints the error as the JSON document under --json', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await runCli(['watch', 'post_1', '--json', '--api-url', url, '--api-key', 'k']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'api_unreachable', message: expect.stringContaining('Cannot reach the API') },
    });
  });

  it('says which file is missing, before anything is sent', async () => {
    const run = await runCli(['publish', 'no/such/clip.mp4', '-a', 'acc_1', '--api-key', 'k']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: Cannot read no/such/clip.mp4: no such file.\n');
  });

  it('says a directory is not a video file', async () => {
    const run = await runCli(['publish', 'fixtures', '-a', 'acc_1', '--api-key', 'k']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: Cannot read fixtures: it is not a regular file.\n');
  });

  it('says Redis cannot be reached for stats', async () => {
    const run = await runCli(['stats'], { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error: Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): is it running\? \(set REDIS_URL\)\n$/,
    );
  });
});
