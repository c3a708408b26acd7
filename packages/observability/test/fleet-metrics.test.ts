import { describe, expect, it } from 'vitest';
import {
  collectProcessMetrics,
  fleetMetrics,
  metricValue,
  parsePrometheusText,
  renderMetrics,
  tiktokEndpointLabel,
} from '../src/index';

const page = async () => parsePrometheusText((await renderMetrics()).body);

describe('the fleet metrics page', () => {
  it('is Prometheus text with process metrics and every fleet metric, typed and explained', async () => {
    collectProcessMetrics({ app: 'test' });
    const { contentType, body } = await renderMetrics();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(body);
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    const fleet = [...families.values()].filter((f) => f.name.startsWith('tiktok_fleet_'));
    expect(fleet.map((f) => [f.name, f.type])).toEqual(
      expect.arrayContaining([
        ['tiktok_fleet_jobs_total', 'counter'],
        ['tiktok_fleet_job_duration_seconds', 'histogram'],
        ['tiktok_fleet_job_wait_seconds', 'histogram'],
        ['tiktok_fleet_queue_jobs', 'gauge'],
        ['tiktok_fleet_upload_bytes_total', 'counter'],
        ['tiktok_fleet_upload_throughput_bytes_per_second', 'histogram'],
        ['tiktok_fleet_tiktok_api_calls_total', 'counter'],
        ['tiktok_fleet_tiktok_api_call_duration_seconds', 'histogram'],
        ['tiktok_fleet_rate_limit_waits_total', 'counter'],
        ['tiktok_fleet_lock_waits_total', 'counter'],
        ['tiktok_fleet_daily_cap_deferrals_total', 'counter'],
        ['tiktok_fleet_token_refreshes_total', 'counter'],
        ['tiktok_fleet_posts_finished_total', 'counter'],
      ]),
    );
    for (const f of fleet) expect(f.help, f.name).toBeTruthy();
    // Series that exist before anything happened, so rate() sees the first increase.
    expect(metricValue(families, 'tiktok_fleet_posts_finished_total', { status: 'failed' })).toBe(
      0,
    );
    expect(
      families.get('tiktok_fleet_posts_finished_total')?.samples.map((s) => s.labels.app),
    ).toEqual(['test', 'test', 'test']);
  });

  it('moves when the helpers are called, one call each', async () => {
    const before = await page();
    const value = (families: typeof before, name: string, labels = {}) =>
      metricValue(families, name, labels);
    fleetMetrics.jobFinished('publish', 'completed', { processedOn: 1_000, finishedOn: 3_500 });
    fleetMetrics.jobOutcome('publish', 'deferred');
    fleetMetrics.jobStarted('publish', { timestamp: 1_000, delay: 500, processedOn: 2_000 });
    fleetMetrics.bytesUploaded(4096);
    fleetMetrics.uploadFinished(4096, 0.5);
    fleetMetrics.tiktokCall({
      endpoint: '/v2/post/publish/video/init/',
      code: 'ok',
      httpStatus: 200,
      durationMs: 12,
    });
    fleetMetrics.tiktokCall({
      endpoint: 'PUT upload_url',
      code: '<html>oops</html>',
      httpStatus: 502,
      durationMs: 3,
    });
    fleetMetrics.rateLimitWait('init', 'fleet');
    fleetMetrics.lockWait('upload');
    fleetMetrics.dailyCapDeferral('tiktok');
    fleetMetrics.tokenRefresh('revoked');
    fleetMetrics.postFinished('published');
    const after = await page();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);

    expect(moved('tiktok_fleet_jobs_total', { queue: 'publish', outcome: 'completed' })).toBe(1);
    expect(moved('tiktok_fleet_jobs_total', { queue: 'publish', outcome: 'deferred' })).toBe(1);
    expect(moved('tiktok_fleet_job_duration_seconds_sum', { queue: 'publish' })).toBeCloseTo(2.5);
    expect(moved('tiktok_fleet_job_duration_seconds_count', { queue: 'publish' })).toBe(1);
    expect(moved('tiktok_fleet_job_wait_seconds_sum', { queue: 'publish' })).toBeCloseTo(0.5);
    expect(moved('tiktok_fleet_upload_bytes_total')).toBe(4096);
    expect(moved('tiktok_fleet_upload_throughput_bytes_per_second_sum')).toBe(8192);
    expect(
      moved('tiktok_fleet_tiktok_api_calls_total', {
        endpoint: 'post/publish/video/init',
        code: 'ok',
      }),
    ).toBe(1);
    // Anything that is not a code does not become a label value.
    expect(
      moved('tiktok_fleet_tiktok_api_calls_total', { endpoint: 'upload', code: 'other' }),
    ).toBe(1);
    expect(
      moved('tiktok_fleet_rate_limit_waits_total', { endpoint: 'init', enforced_by: 'fleet' }),
    ).toBe(1);
    expect(moved('tiktok_fleet_lock_waits_total', { lock: 'upload' })).toBe(1);
    expect(moved('tiktok_fleet_daily_cap_deferrals_total', { enforced_by: 'tiktok' })).toBe(1);
    expect(moved('tiktok_fleet_token_refreshes_total', { outcome: 'revoked' })).toBe(1);
    expect(moved('tiktok_fleet_posts_finished_total', { status: 'published' })).toBe(1);
  });

  it('reads queue depth from the registered sources at scrape time, and stops after unregister', async () => {
    let waiting = 3;
    const unregister = fleetMetrics.registerQueueDepth('{test}', async () => ({
      publish: { waiting, delayed: 1, active: 2, failed: 0, prioritized: 4 },
    }));
    try {
      let families = await page();
      expect(
        metricValue(families, 'tiktok_fleet_queue_jobs', { queue: 'publish', state: 'waiting' }),
      ).toBe(3);
      expect(
        metricValue(families, 'tiktok_fleet_queue_jobs', {
          queue: 'publish',
          state: 'prioritized',
        }),
      ).toBe(4);
      waiting = 7;
      families = await page();
      expect(
        metricValue(families, 'tiktok_fleet_queue_jobs', { queue: 'publish', state: 'waiting' }),
      ).toBe(7);
    } finally {
      unregister();
    }
    const families = await page();
    expect(families.get('tiktok_fleet_queue_jobs')?.samples).toEqual([]);
  });

  it('a depth source that fails leaves the gauge empty but the page whole', async () => {
    const unregister = fleetMetrics.registerQueueDepth('{broken}', async () => {
      throw new Error('Redis is away');
    });
    try {
      const families = await page();
      expect(families.get('tiktok_fleet_queue_jobs')?.samples).toEqual([]);
      expect(families.has('tiktok_fleet_jobs_total')).toBe(true);
    } finally {
      unregister();
    }
  });
});

describe('tiktokEndpointLabel', () => {
  it.each([
    ['/v2/post/publish/video/init/', 'post/publish/video/init'],
    ['/v2/post/publish/status/fetch/', 'post/publish/status/fetch'],
    ['/v2/oauth/token/', 'oauth/token'],
    ['/v2/user/info/?fields=open_id', 'user/info'],
    ['PUT upload_url', 'upload'],
  ])('%s → %s', (endpoint, label) => {
    expect(tiktokEndpointLabel(endpoint)).toBe(label);
  });
});

describe('parsePrometheusText', () => {
  const good = [
    '# HELP a_total Things.',
    '# TYPE a_total counter',
    'a_total{kind="x\\"y",b="2"} 3',
    'a_total 1 1700000000000',
    '# TYPE h histogram',
    'h_bucket{le="1"} 1',
    'h_bucket{le="+Inf"} 2',
    'h_sum 3.5',
    'h_count 2',
    'g NaN',
    '',
  ].join('\n');

  it('reads families, types, labels with escapes and values', () => {
    const families = parsePrometheusText(good);
    expect(families.get('a_total')).toMatchObject({ type: 'counter', help: 'Things.' });
    expect(families.get('a_total')?.samples[0]?.labels).toEqual({ kind: 'x"y', b: '2' });
    expect(families.get('h')?.samples.map((s) => s.name)).toEqual([
      'h_bucket',
      'h_bucket',
      'h_sum',
      'h_count',
    ]);
    expect(metricValue(families, 'a_total')).toBe(4);
  });

  it.each([
    ['a bad name', '1abc 1'],
    ['a value that is no number', 'a 1x'],
    ['an unquoted label', 'a{b=1} 1'],
    ['a label twice', 'a{b="1",b="2"} 1'],
    ['a TYPE after samples', 'a 1\n# TYPE a gauge'],
    ['two TYPEs', '# TYPE a gauge\n# TYPE a gauge'],
    ['an unknown type', '# TYPE a meter'],
    ['a family split in two', 'a 1\nb 1\na{x="1"} 2'],
    ['a duplicate sample', 'a 1\na 2'],
    ['a negative counter', '# TYPE a counter\na -1'],
    ['buckets that shrink', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1'],
    ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_count 2'],
    ['+Inf not the count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3'],
  ])('refuses %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow(/Line \d+ of the metrics text/);
  });
});

describe('queue depth sources of one fleet', () => {
  it('count once: the latest source of a key is read, the earlier one again after it leaves', async () => {
    const first = fleetMetrics.registerQueueDepth('{fleet}', async () => ({
      publish: { waiting: 1 },
    }));
    const second = fleetMetrics.registerQueueDepth('{fleet}', async () => ({
      publish: { waiting: 2 },
    }));
    const waiting = async () =>
      metricValue(await page(), 'tiktok_fleet_queue_jobs', { queue: 'publish', state: 'waiting' });
    try {
      expect(await waiting()).toBe(2);
      second();
      expect(await waiting()).toBe(1);
    } finally {
      first();
      second();
    }
    expect(await waiting()).toBe(0);
  });
});
