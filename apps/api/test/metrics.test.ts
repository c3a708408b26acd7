import { createServer } from 'node:net';
import { createPrismaClient } from '@tiktok-fleet/db';
import {
  createLogger,
  type MetricFamily,
  metricValue,
  parsePrometheusText,
} from '@tiktok-fleet/observability';
import { closeQueues, createQueues, QUEUE_NAMES, redisConnection } from '@tiktok-fleet/queue';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApi } from '../src';
import { connectedAccountId } from './support/connect';
import { startApi } from './support/harness';

const api = await startApi();
const deps = () => ({
  config: api.config,
  db: api.db,
  redis: api.redis,
  queues: api.queues,
  tiktok: api.tiktok,
});
let accountId: string;

async function scrape(): Promise<Map<string, MetricFamily>> {
  const reply = await api.call('GET', '/metrics', { key: null });
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(reply.text);
}

const depth = (families: Map<string, MetricFamily>, queue: string, state: string) =>
  metricValue(families, 'tiktok_fleet_queue_jobs', { queue, state });

describe("the API's /metrics", () => {
  test('is Prometheus text with process metrics and the fleet catalog, without an API key', async () => {
    const families = await scrape();
    expect(families.get('nodejs_eventloop_lag_seconds')?.samples[0]?.labels.app).toBe('api');
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    for (const name of [
      'tiktok_fleet_jobs_total',
      'tiktok_fleet_queue_jobs',
      'tiktok_fleet_tiktok_api_calls_total',
      'tiktok_fleet_posts_finished_total',
    ]) {
      expect(families.get(name)?.help, name).toBeTruthy();
    }
    // Depth of every queue in every state, even when empty.
    for (const queue of QUEUE_NAMES) {
      for (const state of ['waiting', 'delayed', 'active', 'failed', 'prioritized']) {
        expect(
          families
            .get('tiktok_fleet_queue_jobs')
            ?.samples.some((s) => s.labels.queue === queue && s.labels.state === state),
          `${queue} ${state}`,
        ).toBe(true);
      }
    }
  });

  test('TikTok calls count when an account connects', async () => {
    const before = await scrape();
    accountId = await connectedAccountId(api);
    const after = await scrape();
    const moved = (endpoint: string) =>
      metricValue(after, 'tiktok_fleet_tiktok_api_calls_total', { endpoint, code: 'ok' }) -
      metricValue(before, 'tiktok_fleet_tiktok_api_calls_total', { endpoint, code: 'ok' });
    expect(moved('oauth/token')).toBe(1);
    expect(moved('user/info')).toBeGreaterThanOrEqual(1);
  });

  test('queue depth and the KEDA backlog follow the posts sent', async () => {
    const before = await scrape();
    const now = await api.call('POST', '/v1/posts', {
      json: { accountId, video: { path: 'clips/now.mp4' }, privacyLevel: 'SELF_ONLY' },
    });
    expect(now.status).toBe(202);
    const later = await api.call('POST', '/v1/posts', {
      json: {
        accountId,
        video: { path: 'clips/later.mp4' },
        privacyLevel: 'SELF_ONLY',
        scheduledAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    expect(later.status).toBe(202);

    const after = await scrape();
    expect(depth(after, 'publish', 'waiting') - depth(before, 'publish', 'waiting')).toBe(1);
    expect(depth(after, 'publish', 'delayed') - depth(before, 'publish', 'delayed')).toBe(1);
    // What the stuck-post, waiting-job and re-auth alerts read (docker/prometheus/alerts.yml):
    // no worker runs here, so the post sent now waits, queued, and its job with it.
    const gauge = (name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels);
    expect(gauge('tiktok_fleet_posts_open', { status: 'queued' })).toBe(1);
    expect(gauge('tiktok_fleet_posts_open', { status: 'scheduled' })).toBe(1);
    expect(
      gauge('tiktok_fleet_posts_oldest_in_status_seconds', { status: 'queued' }),
    ).toBeGreaterThan(0);
    expect(
      gauge('tiktok_fleet_queue_oldest_waiting_seconds', { queue: 'publish' }),
    ).toBeGreaterThan(0);
    expect(gauge('tiktok_fleet_accounts', { status: 'active' })).toBe(1);

    const backlog = await api.call('GET', '/internal/queue-backlog', { key: null });
    expect(backlog.status).toBe(200);
    expect(Object.keys(backlog.body).sort()).toEqual([...QUEUE_NAMES].sort());
    const waiting = depth(after, 'publish', 'waiting');
    const delayed = depth(after, 'publish', 'delayed');
    // What KEDA reads (valueLocation publish.backlog): delayed jobs do not scale the fleet.
    expect(backlog.body.publish).toEqual({
      waiting,
      delayed,
      active: 0,
      prioritized: 0,
      backlog: waiting,
    });

    // A canceled post is final: the counter moves and its job leaves the queue.
    const canceled = await api.call('POST', `/v1/posts/${now.body.id}/cancel`);
    expect(canceled.status).toBe(200);
    const end = await scrape();
    expect(
      metricValue(end, 'tiktok_fleet_posts_finished_total', { status: 'canceled' }) -
        metricValue(after, 'tiktok_fleet_posts_finished_total', { status: 'canceled' }),
    ).toBe(1);
  });
});

describe('/readyz when a service is away', () => {
  let closedPort: number;
  let other: Awaited<ReturnType<typeof buildApi>>;
  const redis = () => redisConnection(`redis://127.0.0.1:${closedPort}`, 'producer');
  let away: ReturnType<typeof redis>;
  let queues: ReturnType<typeof createQueues>;
  const badDb = () => createPrismaClient(`postgresql://nobody@127.0.0.1:${closedPort}/none`);
  let db: ReturnType<typeof badDb>;

  beforeAll(async () => {
    // A port nothing listens on: taken, then let go.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedPort = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    away = redis();
    away.on('error', () => undefined);
    queues = createQueues(away, { prefix: api.prefix, onError: () => undefined });
    db = badDb();
    other = await buildApi({
      ...deps(),
      redis: away,
      queues,
      logger: createLogger({ name: 'readyz', level: 'silent' }),
    });
  });
  afterAll(async () => {
    await other.close();
    await closeQueues(queues).catch(() => undefined);
    away.disconnect();
    await db.$disconnect();
  });

  test('503 naming Redis when Redis does not answer, while /healthz still says the process lives', async () => {
    const ready = await other.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({
      status: 'not_ready',
      checks: { redis: expect.stringMatching(/^unavailable/), postgres: 'ok' },
    });
    expect((await other.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    // KEDA's endpoint says it cannot count rather than reporting an empty queue.
    const backlog = await other.inject({ method: 'GET', url: '/internal/queue-backlog' });
    expect(backlog.statusCode).toBe(503);
    // And the metrics page stays whole, without depth.
    const metrics = await other.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    const families = parsePrometheusText(metrics.body);
    expect(families.has('tiktok_fleet_jobs_total')).toBe(true);
    // What the TikTokFleetDependencyUnready alert reads (docker/prometheus/alerts.yml).
    const up = families.get('tiktok_fleet_dependency_up')?.samples ?? [];
    expect(up.map((sample) => `${sample.labels.dependency} ${sample.value}`).sort()).toEqual([
      'postgres 1',
      'redis 0',
    ]);
  });

  test('503 naming PostgreSQL when the database does not answer', async () => {
    const noDb = await buildApi({
      ...deps(),
      db,
      logger: createLogger({ name: 'readyz-db', level: 'silent' }),
    });
    try {
      const ready = await noDb.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks).toMatchObject({
        redis: 'ok',
        postgres: expect.stringMatching(/^unavailable/),
      });
    } finally {
      await noDb.close();
    }
  });
});
