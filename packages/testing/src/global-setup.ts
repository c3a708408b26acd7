import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createTemplateDatabase, dropRunDatabases } from './database';
import type {} from './provided-context';
import { resolveServices } from './services';

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
