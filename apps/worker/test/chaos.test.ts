// The fleet's promise under churn (issue 8): every accepted post ends published or failed,
// once, with its callback. A small chaos run of the harness in apps/worker/chaos (`pnpm chaos`
// runs the full scenarios): real worker and API processes, the sandbox over HTTP, multi-chunk
// videos, uploads throttled so the kills land mid-upload.
import { join } from 'node:path';
import { cloneTemplateDatabase } from '@tiktok-fleet/testing/database';
import type {} from '@tiktok-fleet/testing/global-setup';
import { freePort } from '@tiktok-fleet/testing/ports';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openScenarioContext } from '../chaos/context';
import { ChaosFleet, FINAL } from '../chaos/fleet';
import { formatTable } from '../chaos/outcome';
import { OwnRedis } from '../chaos/redis-server';
import { type ScenarioContext, sigkills } from '../chaos/scenarios';
import { root } from './support/fleet';

let ctx: ScenarioContext;
let close: (() => Promise<void>) | undefined;
const services = () => inject('services');
const newDatabase = () => cloneTemplateDatabase(services().databaseUrl, inject('runId'));

beforeAll(async () => {
  ({ ctx, close } = await openScenarioContext({
    root,
    tag: 'chaos',
    redisUrl: services().redisUrl,
    newDatabase,
  }));
}, 60_000);

afterAll(async () => {
  await close?.();
});

describe('no post left behind', () => {
  test('4 SIGKILLs of 3 worker processes, timed into uploads: every post published once, with its callback', async () => {
    const outcome = await sigkills(ctx, 'chaos-test 4 SIGKILLs', {
      posts: 12,
      kills: 4,
      workers: 3,
      accounts: 4,
      deadlineMs: 100_000,
    });
    const report = `${formatTable([outcome])}\nprocess logs: ${ctx.logDir}`;
    expect(outcome.posts).toBe(12);
    expect(outcome.stuck, report).toBe(0);
    expect(outcome.published, report).toBe(12);
    // One upload per post at TikTok, completed with the file's own bytes. (A kill between
    // TikTok's init answer and its write may leave an abandoned init: a file upload that
    // never gets a byte and so posts nothing; outcome.ts counts those apart.)
    expect(outcome.extraPublishes, report).toBe(0);
    expect(outcome.duplicates, report).toBe(0);
    // TikTok allows one upload per user at a time.
    expect(outcome.maxUploadsPerAccount, report).toBe(1);
    expect(outcome.missingCallbacks, report).toBe(0);
    // The run did what it says: every kill found a worker mid-upload.
    expect(outcome.notes, report).toContain('4 SIGKILLs into uploads');
  }, 150_000);

  test('a post created through the API while Redis is down is published once Redis is back, without a retry', async () => {
    const redis = new OwnRedis(await freePort(), join(ctx.logDir, 'redis'));
    await redis.start();
    const database = await newDatabase();
    const fleet = new ChaosFleet({
      root,
      tag: 'redis-down',
      logDir: ctx.logDir,
      sandbox: ctx.sandbox,
      mediaRoot: ctx.mediaRoot,
      videos: ctx.videos,
      redisUrl: redis.url,
      databaseUrl: database.url,
      workers: 1,
      accounts: 1,
    });
    try {
      await fleet.start();
      await redis.kill9();
      const answer = await fleet.post();
      // Saved, not queued: the API says so and names the post.
      expect(answer.status).toBe(503);
      expect(answer.code).toBe('queue_unavailable');
      expect(answer.postId).not.toBeNull();
      await redis.start();

      const postId = answer.postId as string;
      await fleet.waitAllFinal(Date.now() + 75_000);
      const post = await fleet.posts.get(postId);
      if (!post) throw new Error(`post ${postId} is not in PostgreSQL`);
      const job = await fleet.queues.publish.getJob(postId);
      const why =
        `post ${postId} is ${post.status}; history ${JSON.stringify(post.events.map((e) => [e.status, e.detail]))}; ` +
        `publish job: ${job ? await job.getState() : 'missing'}`;
      expect(FINAL, why).toContain(post.status);
      expect(post.status, why).toBe('published');
      const publishes = (await fleet.control.publishes()).filter(
        (p) => p.title === fleet.accepted[0]?.caption,
      );
      expect(publishes.map((p) => [p.status, p.sha256])).toEqual([
        ['PUBLISH_COMPLETE', fleet.accepted[0]?.video.sha256],
      ]);
      expect(fleet.callbacks.count(postId)).toBeGreaterThanOrEqual(1);
    } finally {
      await fleet.close();
      await redis.stop();
      await database.drop();
    }
  }, 150_000);
});
