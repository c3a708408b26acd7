import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createTemplateDatabase, dropRunDatabases } from './database';
import type {} from './provided-context';
import { startRedisCluster } from './redis-cluster';
import { resolveServices } from './services';

export default async function setup(project: TestProject) {
  const { urls, stop } = await resolveServices();
  // REDIS_CLUSTER=1: the whole run talks to a real three-master Redis Cluster started here,
  // instead of the single Redis (docs/architecture.md, Redis Cluster).
  const cluster = process.env.REDIS_CLUSTER === '1' ? await startRedisCluster() : undefined;
  if (cluster) {
    urls.redisUrl = cluster.url;
    console.log(`Redis Cluster for this run: ${cluster.url}`);
  }
  const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
  await createTemplateDatabase(urls.databaseUrl, runId);
  project.provide('services', urls);
  project.provide('runId', runId);
  return async () => {
    await dropRunDatabases(urls.databaseUrl, runId);
    await stop();
    const stray = (await cluster?.strayKeys()) ?? [];
    await cluster?.stop();
    if (stray.length > 0) {
      throw new Error(
        `Keys without a {hash tag} prefix were left on the Redis Cluster: ${stray.slice(0, 20).join(', ')}`,
      );
    }
  };
}
