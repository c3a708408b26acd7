import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createTemplateDatabase, dropRunDatabases } from './database';
import { resolveServices, type ServiceUrls } from './services';

declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceUrls;
    /** Names this run's databases, so concurrent runs on one server never collide. */
    runId: string;
  }
}

export default async function setup(project: TestProject) {
  const { urls, stop } = await resolveServices();
  const runId = `${process.pid}_${randomBytes(3).toString('hex')}`;
  await createTemplateDatabase(urls.databaseUrl, runId);
  project.provide('services', urls);
  project.provide('runId', runId);
  return async () => {
    await dropRunDatabases(urls.databaseUrl, runId);
    await stop();
  };
}
