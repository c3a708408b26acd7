/**
 * The chaos run (`pnpm chaos`, `npm run chaos`): a real fleet as processes (an API, three
 * workers, the TikTok sandbox, PostgreSQL, Redis) under the churn it is built for, one
 * scenario at a time, and a table of what each left behind. CHAOS_SCENARIOS=a,b picks some.
 *
 *   a  10 SIGKILLs of workers timed into uploads, over 50 posts (a new worker after each)
 *   b  TikTok faults: 5 % chunk 5xx, 5 % mid-chunk resets, 2 % init 429, 5 % status 5xx,
 *      every access token expired mid-run; 30 posts
 *   c  `kill -9` of an AOF Redis of its own with 20 posts in flight, 2 posted during the
 *      outage, restarted on the same port and directory
 *   d  PostgreSQL cut for 15 s behind a TCP proxy while posts flow; the API's 500s counted
 *   e  SIGTERM of workers under load: each exits within SHUTDOWN_GRACE_MS + 2 s
 *   f  SIGSTOP of workers mid-chunk until another took their uploads over, then SIGCONT
 *
 * REDIS_URL and DATABASE_URL as for the tests (default: the machine's). Process logs go to
 * .tmp/chaos/<run>/. Every scenario has a deadline; posts not final by then count as stuck.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cloneTemplateDatabase,
  createTemplateDatabase,
  dropRunDatabases,
} from '@tiktok-fleet/testing/database';
import { chaosMedia, startChaosSandbox } from './context';
import { formatTable, type Outcome } from './outcome';
import { killEverything } from './process';
import { type ScenarioContext, scenarios } from './scenarios';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export async function main(): Promise<number> {
  const selected = (process.env.CHAOS_SCENARIOS || Object.keys(scenarios).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = selected.filter((s) => !scenarios[s]);
  if (unknown.length > 0) {
    throw new Error(
      `CHAOS_SCENARIOS: unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`,
    );
  }
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const adminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const runId = `chaos${randomBytes(3).toString('hex')}`;
  const logDir = join(root, '.tmp', 'chaos', runId);
  await mkdir(logDir, { recursive: true });
  const { videos, mediaRoot } = await chaosMedia(root, 'chaos');
  console.log(
    `chaos run ${runId}: scenarios ${selected.join(', ')}; videos ${videos
      .map((v) => `${(v.size / 1e6).toFixed(1)} MB`)
      .join(', ')}; logs in ${logDir}`,
  );
  await createTemplateDatabase(adminUrl, runId);
  const sandbox = await startChaosSandbox();
  const ctx: ScenarioContext = {
    root,
    logDir,
    sandbox,
    mediaRoot,
    videos,
    redisUrl,
    newDatabase: () => cloneTemplateDatabase(adminUrl, runId),
  };
  const outcomes: Outcome[] = [];
  try {
    for (const key of selected) {
      const run = scenarios[key];
      if (!run) continue;
      console.log(`\nscenario ${key} ...`);
      const outcome = await run(ctx);
      outcomes.push(outcome);
      console.log(formatTable([outcome]));
    }
  } finally {
    await sandbox.close();
    await dropRunDatabases(adminUrl, runId);
    await rm(mediaRoot, { recursive: true, force: true });
  }
  console.log(`\n${formatTable(outcomes)}`);
  const clean = outcomes.every(
    (o) => o.stuck === 0 && o.duplicates === 0 && o.extraPublishes === 0,
  );
  return clean ? 0 : 1;
}

// Stopped from outside (Ctrl-C, a CI timeout): leave no fleet process behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\nchaos run: ${signal}; stopping every process it started`);
    killEverything();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\nchaos run failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
