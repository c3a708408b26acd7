import { startTcpProxy, testServices, waitUntil } from '@tiktok-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepoFile, type Yaml } from '../support/files';
import { type ProcessFleet, startProcessFleet } from './support/fleet';
import { type PrometheusUnderTest, startPrometheus } from './support/prometheus';

/**
 * Debian's Prometheus scraping a fleet of real processes (API and worker, on the sandbox):
 * the fleet's metrics are read by Prometheus itself, the shipped alert rules load and fire on
 * a failure this test provokes, and every expression of the Grafana dashboard is accepted by
 * Prometheus' query API against what it scraped.
 */

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}
interface Target {
  labels: Record<string, string>;
  health: string;
  lastError: string;
}

let fleet: ProcessFleet;
let prometheus: PrometheusUnderTest;
/** The fleet reaches Redis through this relay, so the test can cut Redis away from it. */
let redis: Awaited<ReturnType<typeof startTcpProxy>>;

const alerts = async () => (await prometheus.api<{ alerts: Alert[] }>('alerts')).alerts;
const firing = async (name: string) =>
  (await alerts()).filter((a) => a.labels.alertname === name && a.state === 'firing');
const instant = (query: string) =>
  prometheus.api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
    'query',
    { query },
  );

beforeAll(async () => {
  redis = await startTcpProxy(testServices().redisUrl);
  fleet = await startProcessFleet({ REDIS_URL: redis.url });
  prometheus = await startPrometheus({
    api: new URL(fleet.apiUrl).host,
    workers: [new URL(fleet.workerUrl).host],
    interval: '1s',
    // The shipped rules as they are, but firing at once: a test cannot wait out `for: 10m`.
    rules: (file: Yaml) => {
      for (const group of file.groups) for (const rule of group.rules) rule.for = '0s';
      return file;
    },
  });
  // Both targets scraped successfully: the event the rest waits on.
  await waitUntil(
    async () => {
      const { activeTargets } = await prometheus.api<{ activeTargets: Target[] }>('targets');
      return activeTargets.length === 2 && activeTargets.every((t) => t.health === 'up');
    },
    {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'both targets up',
      describe: async () => JSON.stringify(await prometheus.api('targets')),
    },
  );
}, 90_000);

afterAll(async () => {
  await prometheus?.close();
  await fleet?.close();
  await redis?.close();
}, 30_000);

describe('Prometheus scraping the fleet', () => {
  it("reads the API's and the worker's series, each under its job", async () => {
    const series = await prometheus.api<Array<Record<string, string>>>('series', {
      'match[]': '{__name__=~"tiktok_fleet_.+"}',
    });
    const names = (job: string) =>
      new Set(series.filter((s) => s.job === job).map((s) => s.__name__));
    const api = names('tiktok-fleet-api');
    const worker = names('tiktok-fleet-worker');
    for (const name of [
      'tiktok_fleet_queue_jobs',
      'tiktok_fleet_queue_oldest_waiting_seconds',
      'tiktok_fleet_dependency_up',
      'tiktok_fleet_posts_finished_total',
    ]) {
      expect(api, `api: ${name}`).toContain(name);
    }
    for (const name of [
      'tiktok_fleet_worker_running',
      'tiktok_fleet_dependency_up',
      'tiktok_fleet_token_refreshes_total',
      'tiktok_fleet_upload_bytes_total',
    ]) {
      expect(worker, `worker: ${name}`).toContain(name);
    }
    // Queue depth is the API's alone: a worker never polls Redis for it.
    expect(worker).not.toContain('tiktok_fleet_queue_jobs');

    const up = await instant('min by (job, dependency) (tiktok_fleet_dependency_up)');
    expect(
      up.result.map((r) => `${r.metric.job} ${r.metric.dependency} ${r.value[1]}`).sort(),
    ).toEqual([
      'tiktok-fleet-api postgres 1',
      'tiktok-fleet-api redis 1',
      'tiktok-fleet-worker postgres 1',
      'tiktok-fleet-worker redis 1',
    ]);
    const running = await instant('min(tiktok_fleet_worker_running)');
    expect(running.result[0]?.value[1]).toBe('1');
  });

  it('loads every shipped alert rule, and none fires on a healthy fleet', async () => {
    const { groups } = await prometheus.api<{
      groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>;
    }>('rules', { type: 'alert' });
    const rules = groups.flatMap((g) => g.rules);
    const shipped = [...readRepoFile('docker/prometheus/alerts.yml').matchAll(/- alert: (\S+)/g)];
    expect(rules.map((r) => r.name).sort()).toEqual(shipped.map((m) => m[1]).sort());
    // Evaluated at least once without an error (health "ok", not "unknown" or "err").
    await waitUntil(
      async () => {
        const { groups: now } = await prometheus.api<{
          groups: Array<{ rules: Array<{ health: string }> }>;
        }>('rules', { type: 'alert' });
        return now.flatMap((g) => g.rules).every((r) => r.health === 'ok');
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'every rule evaluated' },
    );
    expect((await alerts()).filter((a) => a.state === 'firing')).toEqual([]);
  });

  it('fires TikTokFleetPublishFailures with the code once posts fail, and publishes count', async () => {
    const accountId = await fleet.connectAccount();
    // One good post (uploads, TikTok calls, the status poll) and six that fail validation.
    const good = await fleet.addMedia('valid-vertical.mp4');
    const bad = await fleet.addMedia('too-short.mp4');
    const post = (path: string) =>
      fleet.call('POST', '/v1/posts', {
        accountId,
        video: { path },
        privacyLevel: 'SELF_ONLY',
        caption: 'prometheus test',
      });
    const created = [await post(good)];
    for (let i = 0; i < 6; i += 1) created.push(await post(bad));
    for (const reply of created) expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    const finals = [];
    for (const reply of created) finals.push(await fleet.waitForFinal(reply.body.id));
    expect(finals.map((p) => p.status)).toEqual(['published', ...Array(6).fill('failed')]);
    expect(finals.slice(1).every((p) => p.error?.code === 'video_duration_too_short')).toBe(true);

    const alert = await waitUntil(async () => (await firing('TikTokFleetPublishFailures'))[0], {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'TikTokFleetPublishFailures firing',
      describe: async () => JSON.stringify(await alerts()),
    });
    expect(alert.labels.code).toBe('video_duration_too_short');
    // The gauges the API reads from PostgreSQL and Redis at scrape time, as Prometheus has them.
    await waitUntil(
      async () =>
        (await instant('tiktok_fleet_accounts{status="active"}')).result[0]?.value[1] === '1',
      { timeoutMs: 10_000, intervalMs: 200, what: 'one active account scraped' },
    );
    const waiting = await instant('tiktok_fleet_queue_oldest_waiting_seconds');
    expect(waiting.result.map((r) => r.metric.queue)).toEqual(
      expect.arrayContaining(['publish', 'status', 'notify']),
    );
    // Prometheus read the publish too: bytes TikTok confirmed, its calls by endpoint and code.
    await waitUntil(
      async () =>
        Number((await instant('sum(tiktok_fleet_upload_bytes_total)')).result[0]?.value[1]) > 0,
      { timeoutMs: 10_000, intervalMs: 200, what: 'upload bytes scraped' },
    );
    const calls = await instant(
      'sum by (endpoint, code) (tiktok_fleet_tiktok_api_calls_total{job="tiktok-fleet-worker"})',
    );
    const endpoints = calls.result.map((r) => `${r.metric.endpoint} ${r.metric.code}`);
    expect(endpoints).toContain('post/publish/video/init ok');
    expect(endpoints).toContain('upload ok');
  }, 60_000);

  it('accepts every expression of docker/grafana/dashboard.json, over metrics it scraped', async () => {
    const dashboard = JSON.parse(readRepoFile('docker/grafana/dashboard.json'));
    const exprs: Array<{ panel: string; expr: string }> = dashboard.panels.flatMap(
      (p: { title: string; targets?: Array<{ expr: string }> }) =>
        (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
    );
    expect(exprs.length).toBeGreaterThan(20);
    // Every metric a panel names is one the fleet exposes (its HELP/TYPE reached Prometheus,
    // even for a labelled counter nothing has incremented yet).
    const metadata = await prometheus.api<Record<string, unknown>>('metadata');
    const known = new Set([...Object.keys(metadata), 'up']);
    const withData: string[] = [];
    for (const { panel, expr } of exprs) {
      // As Grafana sends it: $__rate_interval is at least four scrape intervals.
      const query = expr.replaceAll('$__rate_interval', '1m');
      for (const [, name] of query.matchAll(/\b((?:tiktok_fleet|nodejs)_[a-z_]+|up)\b/g)) {
        const family = (name as string).replace(/_(bucket|sum|count)$/, '');
        expect(known.has(family) || known.has(name as string), `${panel}: ${name}`).toBe(true);
      }
      const { result } = await instant(query); // throws on a query Prometheus refuses
      if (result.length > 0) withData.push(panel);
    }
    // Most panels have data after one publish and six failures; the rest count rare events.
    expect(withData.length).toBeGreaterThan(exprs.length * 0.6);
    console.info(`dashboard: ${exprs.length} expressions accepted, ${withData.length} with series`);
  });

  it('fires TikTokFleetDependencyUnready while Redis is cut away, and resolves once it is back', async () => {
    redis.cut();
    const down = await waitUntil(
      async () => {
        const now = await firing('TikTokFleetDependencyUnready');
        return now.length === 2 ? now : undefined;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 200,
        what: 'TikTokFleetDependencyUnready firing for the api and the worker',
        describe: async () => JSON.stringify(await alerts()),
      },
    );
    expect(down.map((a) => `${a.labels.job} ${a.labels.dependency}`).sort()).toEqual([
      'tiktok-fleet-api redis',
      'tiktok-fleet-worker redis',
    ]);
    redis.restore();
    await waitUntil(async () => (await firing('TikTokFleetDependencyUnready')).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'TikTokFleetDependencyUnready resolved',
      describe: async () => JSON.stringify(await alerts()),
    });
  }, 60_000);

  it('fires TikTokFleetWorkerDown once the worker stops answering its scrape', async () => {
    fleet.apps.worker.child.pid && process.kill(-fleet.apps.worker.child.pid, 'SIGTERM');
    await fleet.apps.worker.exited;
    const alert = await waitUntil(async () => (await firing('TikTokFleetWorkerDown'))[0], {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: 'TikTokFleetWorkerDown firing',
      describe: async () => JSON.stringify(await alerts()),
    });
    expect(alert.labels.instance).toBe(new URL(fleet.workerUrl).host);
  });
});
