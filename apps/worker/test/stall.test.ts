// A crash never makes a second post, and neither does a worker that is not dead but stalled
// (a long GC pause, a process starved of CPU, a frozen VM): its job locks run out, BullMQ
// hands the job to another worker, the same job id takes the account's lease back at once,
// and the first worker wakes up later with a chunk in flight. Real worker and API processes,
// the sandbox over HTTP; SIGSTOP/SIGCONT stand in for the stall (apps/worker/chaos, scenario f).
import { cloneTemplateDatabase } from '@tiktok-fleet/testing/database';
import type {} from '@tiktok-fleet/testing/global-setup';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openScenarioContext } from '../chaos/context';
import { formatTable } from '../chaos/outcome';
import { type ScenarioContext, sigstops } from '../chaos/scenarios';
import { root } from './support/fleet';

let ctx: ScenarioContext;
let close: (() => Promise<void>) | undefined;
const services = () => inject('services');

beforeAll(async () => {
  ({ ctx, close } = await openScenarioContext({
    root,
    tag: 'stall',
    redisUrl: services().redisUrl,
    newDatabase: () => cloneTemplateDatabase(services().databaseUrl, inject('runId')),
  }));
}, 60_000);

afterAll(async () => {
  await close?.();
});

describe('a stalled worker', () => {
  test('a worker stopped mid-chunk until another took its upload over, then woken: one post at TikTok each', async () => {
    const outcome = await sigstops(ctx, 'stall-test 2 SIGSTOPs', {
      posts: 6,
      stops: 2,
      workers: 2,
      accounts: 3,
      deadlineMs: 45_000,
    });
    const report = `${formatTable([outcome])}\nprocess logs: ${ctx.logDir}`;
    // The run did what it says: each stop caught a worker sending a chunk, and another
    // worker took over an upload of it while it was stopped. (A stop that caught no upload
    // to take over is stopped again by sigstops, up to 3 times, and noted in the report.)
    const stops = outcome.notes.find((n) => n.includes('SIGSTOPs into uploads')) ?? '';
    expect(stops, report).toMatch(/^2 SIGSTOPs into uploads/);
    const takeovers = (stops.split(': ')[1] ?? '').split(', ').map(Number);
    expect(takeovers, report).toHaveLength(2);
    for (const n of takeovers) expect(n, report).toBeGreaterThanOrEqual(1);

    expect(outcome.stuck, report).toBe(0);
    expect(outcome.published, report).toBe(6);
    // One upload per post at TikTok: the worker that took over resumed the stopped worker's
    // upload (its publish id was stored before the first byte) instead of starting another,
    // and the woken worker stopped at its stale fence. (A job of the stopped worker that was
    // inside its init call may leave an abandoned init: no byte, no post; outcome.ts.)
    expect(outcome.extraPublishes, report).toBe(0);
    expect(outcome.duplicates, report).toBe(0);
    expect(outcome.maxUploadsPerAccount, report).toBe(1);
    expect(outcome.missingCallbacks, report).toBe(0);
  }, 90_000);
});
