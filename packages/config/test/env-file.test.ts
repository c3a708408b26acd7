import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEnvFile, envFilePath, repositoryRoot } from '../src/index';

const run = promisify(execFile);
let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'env-file-'));
  file = join(dir, '.env');
  await writeFile(
    file,
    [
      '# a comment',
      'PORT=4100',
      'DAILY_POST_CAP=3',
      'REDIS_PREFIX="{from-file}"',
      "CALLBACK_SIGNING_SECRET='quoted secret value'",
      'export_not_a_keyword=1',
    ].join('\n'),
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the .env file', () => {
  it('fills in what the environment lacks and never overrides what it sets', () => {
    const env: NodeJS.ProcessEnv = { PORT: '5000', DAILY_POST_CAP: '' };
    const applied = applyEnvFile(file, env);
    expect(env.PORT).toBe('5000');
    // Set, even to the empty string, is set: the environment wins.
    expect(env.DAILY_POST_CAP).toBe('');
    expect(env.REDIS_PREFIX).toBe('{from-file}');
    expect(env.CALLBACK_SIGNING_SECRET).toBe('quoted secret value');
    expect(applied.sort()).toEqual([
      'CALLBACK_SIGNING_SECRET',
      'REDIS_PREFIX',
      'export_not_a_keyword',
    ]);
  });

  it('is optional: a missing file changes nothing', () => {
    const env: NodeJS.ProcessEnv = { PORT: '1' };
    expect(applyEnvFile(join(dir, 'missing.env'), env)).toEqual([]);
    expect(env).toEqual({ PORT: '1' });
  });

  it('is the repository root .env, ENV_FILE when set, and none under a test runner', () => {
    expect(envFilePath({})).toBe(resolve(repositoryRoot, '.env'));
    expect(envFilePath({ ENV_FILE: file })).toBe(file);
    expect(envFilePath({ NODE_ENV: 'test' })).toBeNull();
    expect(envFilePath({ VITEST: 'true' })).toBeNull();
  });

  it('is read by a process at start, under the variables its environment sets', async () => {
    const script = `import { loadConfig } from './packages/config/src/index.ts';
      console.log(JSON.stringify(loadConfig(['PORT', 'DAILY_POST_CAP', 'REDIS_PREFIX'])));`;
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ENV_FILE: file, PORT: '4999' };
    const { stdout } = await run('node_modules/.bin/tsx', ['--eval', script], {
      env,
      cwd: repositoryRoot,
    });
    expect(JSON.parse(stdout)).toEqual({
      PORT: 4999,
      DAILY_POST_CAP: 3,
      REDIS_PREFIX: '{from-file}',
    });
  });
});
