import path from 'node:path';
import { testServices } from '@tiktok-fleet/testing';
import type { Sandbox } from '@tiktok-fleet/tiktok-sandbox';

/** The API's entry point and the tsx that runs it, as a deployed API process starts. */
export const apiMain = path.resolve(import.meta.dirname, '../../src/main.ts');
export const tsx = path.resolve(import.meta.dirname, '../../node_modules/.bin/tsx');

export interface ApiProcessEnvOptions {
  sandbox: Sandbox;
  port: number;
  prefix: string;
  databaseUrl: string;
  encryptionKey: string;
  /** `owner:key` pairs, as API_KEYS takes them. */
  apiKeys: string;
  mediaRoot: string;
}

/** The environment of an API process against the sandbox, on a test's own database and Redis prefix. */
export function apiProcessEnv(options: ApiProcessEnvOptions): NodeJS.ProcessEnv {
  const { sandbox, port } = options;
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    TIKTOK_CLIENT_KEY: sandbox.clientKey,
    TIKTOK_CLIENT_SECRET: sandbox.clientSecret,
    TIKTOK_API_BASE_URL: sandbox.url,
    TIKTOK_AUTH_URL: sandbox.authorizeUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    BACKEND_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: testServices().redisUrl,
    REDIS_PREFIX: options.prefix,
    DATABASE_URL: options.databaseUrl,
    TOKEN_ENCRYPTION_KEY: options.encryptionKey,
    API_KEYS: options.apiKeys,
    MEDIA_ROOT: options.mediaRoot,
  };
}
