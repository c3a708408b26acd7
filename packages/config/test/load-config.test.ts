import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/index';

const run = promisify(execFile);
const key = `k1:${Buffer.alloc(32, 7).toString('base64')}`;

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(
      ['PORT', 'BACKEND_URL', 'DAILY_POST_CAP', 'TIKTOK_API_BASE_URL'],
      {},
    );
    expect(config).toEqual({
      PORT: 3001,
      BACKEND_URL: 'http://localhost:3001',
      DAILY_POST_CAP: 10,
      TIKTOK_API_BASE_URL: 'https://open.tiktokapis.com',
    });
  });

  it('names every missing or malformed variable with what is expected', () => {
    let error: unknown;
    try {
      parseConfig(['DATABASE_URL', 'REDIS_URL', 'DAILY_POST_CAP', 'TOKEN_ENCRYPTION_KEY'], {
        REDIS_URL: 'http://not-redis',
        DAILY_POST_CAP: 'ten',
        TOKEN_ENCRYPTION_KEY: 'k1:c2hvcnQ=',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual([
      'DAILY_POST_CAP',
      'DATABASE_URL',
      'REDIS_URL',
      'TOKEN_ENCRYPTION_KEY',
    ]);
    const message = (error as ConfigError).message;
    expect(message).toContain('DATABASE_URL is missing');
    expect(message).toContain('REDIS_URL is invalid: expected a redis: or rediss: URL');
    expect(message).toContain('32 bytes');
  });

  it('accepts a well-formed encryption key and treats empty strings as unset', () => {
    const config = parseConfig(['TOKEN_ENCRYPTION_KEY', 'PORT'], {
      TOKEN_ENCRYPTION_KEY: key,
      PORT: '',
    });
    expect(config.TOKEN_ENCRYPTION_KEY).toBe(key);
    expect(config.PORT).toBe(3001);
  });
});

describe('loadConfig at process start', () => {
  it('stops a process without DATABASE_URL with one clear line and no stack trace', async () => {
    const script = `import { loadConfig } from './packages/config/src/index.ts';
      loadConfig(['DATABASE_URL']); console.log('should not get here');`;
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const result = await run('node_modules/.bin/tsx', ['--eval', script], { env }).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect('code' in result ? result.code : 0).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Configuration error: DATABASE_URL is missing/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain('should not get here');
  });
});
