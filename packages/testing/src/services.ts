import { createConnection } from 'node:net';

/** Where the real services a test run talks to live. */
export interface ServiceUrls {
  redisUrl: string;
  databaseUrl: string;
}

const LOCAL_REDIS = 'redis://127.0.0.1:6379';
const LOCAL_POSTGRES = 'postgresql://postgres@127.0.0.1:5432/postgres';

function portAnswers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds Redis and PostgreSQL for a test run, in this order:
 * 1. `REDIS_URL` / `DATABASE_URL` from the environment;
 * 2. containers started with testcontainers, when a Docker engine answers;
 * 3. the local defaults (127.0.0.1:6379 and :5432), when they answer.
 * Otherwise it throws one message that says what to start.
 */
export async function resolveServices(): Promise<{ urls: ServiceUrls; stop: () => Promise<void> }> {
  let redisUrl = process.env.REDIS_URL;
  let databaseUrl = process.env.DATABASE_URL;
  const stops: Array<() => Promise<unknown>> = [];

  if ((!redisUrl || !databaseUrl) && (await dockerAnswers())) {
    const { GenericContainer, Wait } = await import('testcontainers');
    if (!redisUrl) {
      const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      stops.push(() => redis.stop());
      redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    }
    if (!databaseUrl) {
      const pg = await new GenericContainer('postgres:16-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
        .start();
      stops.push(() => pg.stop());
      databaseUrl = `postgresql://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
    }
  }
  if (!redisUrl && (await portAnswers(LOCAL_REDIS, 6379))) redisUrl = LOCAL_REDIS;
  if (!databaseUrl && (await portAnswers(LOCAL_POSTGRES, 5432))) databaseUrl = LOCAL_POSTGRES;

  const missing = [
    !redisUrl && 'Redis (set REDIS_URL, e.g. redis://127.0.0.1:6379)',
    !databaseUrl &&
      'PostgreSQL (set DATABASE_URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres)',
  ].filter(Boolean);
  if (missing.length > 0 || !redisUrl || !databaseUrl) {
    throw new Error(
      `The integration tests need real services and found none for: ${missing.join('; ')}. ` +
        'Start them (or a Docker engine for testcontainers), or run `bash scripts/services.sh`.',
    );
  }
  return {
    urls: { redisUrl, databaseUrl },
    stop: async () => {
      await Promise.all(stops.map((s) => s()));
    },
  };
}
