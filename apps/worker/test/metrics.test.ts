import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type MetricFamily, metricValue, parsePrometheusText } from '@tiktok-fleet/observability';
import { AccountUploadLock } from '@tiktok-fleet/queue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isFinal, useFleet } from './support/fleet';
import { spawnWorker, type WorkerProcess } from './support/worker-process';

const fleet = useFleet();
const { env } = fleet;
let worker: WorkerProcess;
let base: string;

beforeAll(async () => {
  // A worker process as a pod runs it: main.ts, its own metrics server, its own registry.
  worker = spawnWorker(
    // The callback receiver below listens on loopback.
    fleet.workerProcessEnv({ URL_SOURCE_ALLOW_PRIVATE: 'true' }),
  );
  base = `http://127.0.0.1:${await worker.ready}`;
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  await worker?.exited;
});

async function scrape(): Promise<{
  contentType: string | null;
  families: Map<string, MetricFamily>;
}> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return {
    contentType: response.headers.get('content-type'),
    families: parsePrometheusText(await response.text()),
  };
}

describe("the worker's /metrics", () => {
  test('is Prometheus text with process metrics and the fleet catalog, and no queue depth', async () => {
    const { contentType, families } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const lag = families.get('nodejs_eventloop_lag_seconds');
    expect(lag?.samples[0]?.labels.app).toBe('worker');
    expect(families.get('tiktok_fleet_jobs_total')?.type).toBe('counter');
    expect(families.get('tiktok_fleet_job_duration_seconds')?.type).toBe('histogram');
    // Queue depth is the API's to serve: N worker pods polling Redis for it would be N times the load.
    expect(families.get('tiktok_fleet_queue_jobs')?.samples ?? []).toEqual([]);
  });

  test('its counters move when a post is published through the sandbox', async () => {
    const before = (await scrape()).families;
    const { account } = await fleet.connectAccount();
    const path = await fleet.addMedia('valid-vertical.mp4', 'clips/metrics.mp4');
    const size = (await stat(join(env.mediaRoot, path))).size;
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      privacyLevel: 'SELF_ONLY',
    });
    const post = await fleet.waitForPost(created.id, isFinal, 60_000);
    expect(post.status).toBe('published');

    const moved = (families: Map<string, MetricFamily>, name: string, labels = {}) =>
      metricValue(families, name, labels) - metricValue(before, name, labels);
    // The status job's `completed` event follows the post's last write by a moment.
    let after = before;
    await expect
      .poll(
        async () => {
          after = (await scrape()).families;
          return moved(after, 'tiktok_fleet_jobs_total', { queue: 'status', outcome: 'completed' });
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(1);

    const jobs = (queue: string, outcome: string) =>
      moved(after, 'tiktok_fleet_jobs_total', { queue, outcome });
    expect(jobs('publish', 'completed')).toBe(1);
    expect(jobs('publish', 'failed')).toBe(0);
    expect(moved(after, 'tiktok_fleet_job_duration_seconds_count', { queue: 'publish' })).toBe(1);
    expect(moved(after, 'tiktok_fleet_job_wait_seconds_count', { queue: 'publish' })).toBe(1);
    expect(moved(after, 'tiktok_fleet_upload_bytes_total')).toBe(size);
    expect(moved(after, 'tiktok_fleet_upload_throughput_bytes_per_second_count')).toBe(1);

    const calls = (endpoint: string) =>
      moved(after, 'tiktok_fleet_tiktok_api_calls_total', { endpoint, code: 'ok' });
    expect(calls('post/publish/creator_info/query')).toBe(1);
    expect(calls('post/publish/video/init')).toBe(1);
    expect(calls('upload')).toBe(1);
    expect(calls('post/publish/status/fetch')).toBeGreaterThanOrEqual(1);
    expect(
      moved(after, 'tiktok_fleet_tiktok_api_call_duration_seconds_count', {
        endpoint: 'post/publish/video/init',
      }),
    ).toBe(1);

    expect(moved(after, 'tiktok_fleet_posts_finished_total', { status: 'published' })).toBe(1);
    expect(moved(after, 'tiktok_fleet_posts_finished_total', { status: 'failed' })).toBe(0);
  });

  test('a post that cannot be published counts as a failed job and a failed post, not a retry', async () => {
    const before = (await scrape()).families;
    const { account } = await fleet.connectAccount();
    const path = await fleet.addMedia('too-short.mp4', 'clips/too-short.mp4');
    const created = await fleet.createPost({ accountId: account.id, video: { path } });
    const post = await fleet.waitForPost(created.id, isFinal, 60_000);
    expect(post.status).toBe('failed');

    const moved = (families: Map<string, MetricFamily>, name: string, labels = {}) =>
      metricValue(families, name, labels) - metricValue(before, name, labels);
    let after = before;
    await expect
      .poll(
        async () => {
          after = (await scrape()).families;
          return moved(after, 'tiktok_fleet_jobs_total', { queue: 'publish', outcome: 'failed' });
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(1);
    expect(moved(after, 'tiktok_fleet_jobs_total', { queue: 'publish', outcome: 'retried' })).toBe(
      0,
    );
    expect(moved(after, 'tiktok_fleet_posts_finished_total', { status: 'failed' })).toBe(1);
    // Nothing reached TikTok's init: the video was refused before.
    expect(
      moved(after, 'tiktok_fleet_tiktok_api_calls_total', { endpoint: 'post/publish/video/init' }),
    ).toBe(0);
  });

  test('a callback receiver that answers 503 makes a retried notify job, not a failed one', async () => {
    const receiver = createServer((req, res) => {
      req.resume();
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    try {
      const before = (await scrape()).families;
      const { account } = await fleet.connectAccount();
      const path = await fleet.addMedia('valid-vertical.mp4', 'clips/callback.mp4');
      await fleet.createPost({
        accountId: account.id,
        video: { path },
        privacyLevel: 'SELF_ONLY',
        callbackUrl: `http://127.0.0.1:${port}/hooks/tiktok`,
      });
      const notify = (families: Map<string, MetricFamily>, outcome: string) =>
        metricValue(families, 'tiktok_fleet_jobs_total', { queue: 'notify', outcome }) -
        metricValue(before, 'tiktok_fleet_jobs_total', { queue: 'notify', outcome });
      let after = before;
      await expect
        .poll(
          async () => {
            after = (await scrape()).families;
            return notify(after, 'retried');
          },
          { timeout: 40_000, interval: 200 },
        )
        .toBeGreaterThanOrEqual(1);
      expect(notify(after, 'failed')).toBe(0);
      expect(
        metricValue(after, 'tiktok_fleet_job_duration_seconds_count', {
          queue: 'notify',
          outcome: 'retried',
        }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      receiver.close();
    }
  });

  test('a post of a busy account counts a lock wait and a deferred job, then publishes', async () => {
    const before = (await scrape()).families;
    const { account } = await fleet.connectAccount();
    // Another upload of the account holds its lease (as a worker elsewhere would).
    const other = new AccountUploadLock(env.redis, {
      accountId: account.id,
      token: 'another-upload',
      ttlMs: 60_000,
      prefix: env.prefix,
    });
    expect((await other.acquire()).acquired).toBe(true);
    const path = await fleet.addMedia('valid-vertical.mp4', 'clips/busy.mp4');
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      privacyLevel: 'SELF_ONLY',
    });
    const moved = (families: Map<string, MetricFamily>, name: string, labels = {}) =>
      metricValue(families, name, labels) - metricValue(before, name, labels);
    let after = before;
    try {
      await expect
        .poll(
          async () => {
            after = (await scrape()).families;
            return moved(after, 'tiktok_fleet_jobs_total', {
              queue: 'publish',
              outcome: 'deferred',
            });
          },
          { timeout: 20_000, interval: 200 },
        )
        .toBeGreaterThanOrEqual(1);
      expect(
        moved(after, 'tiktok_fleet_lock_waits_total', { lock: 'upload' }),
      ).toBeGreaterThanOrEqual(1);
      // A deferral is no failure and spends no attempt.
      expect(moved(after, 'tiktok_fleet_jobs_total', { queue: 'publish', outcome: 'failed' })).toBe(
        0,
      );
      expect(
        moved(after, 'tiktok_fleet_jobs_total', { queue: 'publish', outcome: 'retried' }),
      ).toBe(0);
    } finally {
      await other.release();
    }
    const post = await fleet.waitForPost(created.id, isFinal, 60_000);
    expect(post.status).toBe('published');
  });

  test('an expired token is refreshed once on the way and counted', async () => {
    const before = (await scrape()).families;
    const { account, openId } = await fleet.connectAccount();
    const repo = fleet.accounts();
    const tokens = await repo.getTokens(account.id);
    await repo.saveTokens(account.id, {
      ...tokens,
      accessTokenExpiresAt: new Date(Date.now() - 1000),
    });
    await fleet.control('POST', '/tokens/expire', { openId });
    const path = await fleet.addMedia('valid-vertical.mp4', 'clips/refresh.mp4');
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      privacyLevel: 'SELF_ONLY',
    });
    const post = await fleet.waitForPost(created.id, isFinal, 60_000);
    expect(post.status).toBe('published');
    const after = (await scrape()).families;
    const moved = (name: string, labels = {}) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(moved('tiktok_fleet_token_refreshes_total', { outcome: 'refreshed' })).toBe(1);
    expect(moved('tiktok_fleet_token_refreshes_total', { outcome: 'failed' })).toBe(0);
    expect(
      moved('tiktok_fleet_tiktok_api_calls_total', { endpoint: 'oauth/token', code: 'ok' }),
    ).toBe(1);
  });

  test('/healthz and /readyz answer on the same port', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
  });
});
