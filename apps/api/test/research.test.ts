import { createLogger } from '@tiktok-fleet/observability';
import { DailyResearchBudget, fleetKey } from '@tiktok-fleet/queue';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildApi } from '../src';
import { startApi } from './support/harness';

// The API's clock (the budget's UTC day, the token's age); the sandbox's is moved with it.
let clock = Date.now();
const api = await startApi({
  env: { OPERATOR_OWNER_ID: 'owner-a' },
  deps: { now: () => clock },
});
const budget = new DailyResearchBudget(api.redis, {
  prefix: api.prefix,
  requestLimit: 1000,
  recordLimit: 100_000,
});
const QUERY_PATH = '/v2/research/video/query/';
const TOKEN_PATH = '/v2/oauth/token/';

async function sandboxRequests(path: string): Promise<number> {
  const stats = await api.sandboxControl('GET', '/_sandbox/stats');
  return stats.requests[path] ?? 0;
}

/** Moves both clocks: the API's and TikTok's. */
async function advance(ms: number) {
  clock += ms;
  await api.sandboxControl('POST', '/_sandbox/clock', { advanceMs: ms });
}

const cats = {
  query: { and: [{ operation: 'EQ', fieldName: 'keyword', fieldValues: ['cats'] }] },
  startDate: '2026-09-01',
  endDate: '2026-11-29',
  maxCount: 10,
};

async function seed(count: number, from: string, to: string, description: string) {
  return api.sandboxControl('POST', '/_sandbox/research/videos', {
    count,
    from,
    to,
    description,
    username: 'seeded',
  });
}

const query = (json: unknown, key?: string) =>
  api.call('POST', '/v1/research/videos/query', { json, ...(key ? { key } : {}) });

beforeEach(async () => {
  await api.sandboxControl('POST', '/_sandbox/reset');
  await api.redis.del(
    fleetKey(api.prefix, 'research', 'client-token'),
    fleetKey(api.prefix, 'research', 'budget', new Date(clock).toISOString().slice(0, 10)),
  );
});

describe('research video query', () => {
  it('pages through a 90-day range in 30-day windows with cursor and search_id, newest first', async () => {
    await seed(25, '2026-09-01T12:00:00Z', '2026-11-29T12:00:00Z', 'my cats #cats');
    await seed(5, '2026-09-01T12:00:00Z', '2026-11-29T12:00:00Z', 'dogs only');

    const ids: string[] = [];
    const windows: Array<{ startDate: string; endDate: string }> = [];
    let cursor: string | undefined;
    let pages = 0;
    let remaining = 1000;
    do {
      // Three a page: the newest window (about 8 videos) takes several pages.
      const page = await query({ ...cats, maxCount: 3, cursor });
      expect(page.status, page.text).toBe(200);
      pages += 1;
      const left = Number(page.headers.get('x-research-requests-remaining'));
      expect(left).toBe(remaining - 1);
      remaining = left;
      expect(page.body.window.count).toBe(3);
      if (!windows.some((w) => w.startDate === page.body.window.startDate)) {
        windows.push(page.body.window);
      }
      for (const v of page.body.videos) {
        expect(v.videoDescription).toContain('cats');
        ids.push(v.id);
      }
      // New videos in the window being paged: the cached search (search_id) keeps them out,
      // so nothing is skipped or repeated.
      if (pages === 1) await seed(4, '2026-11-20T00:00:00Z', '2026-11-28T00:00:00Z', 'new cats');
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);

    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(25);
    for (const id of ids) expect(id).toMatch(/^\d{19}$/);
    expect(windows).toEqual([
      { startDate: '2026-10-30', endDate: '2026-11-29', index: 0, count: 3 },
      { startDate: '2026-09-29', endDate: '2026-10-29', index: 1, count: 3 },
      { startDate: '2026-09-01', endDate: '2026-09-28', index: 2, count: 3 },
    ]);
    expect(await sandboxRequests(QUERY_PATH)).toBe(pages);
    const usage = await api.sandboxControl('GET', '/_sandbox/research/usage');
    expect(usage.records).toBe(25);
    expect((await budget.usage(new Date(clock))).records.used).toBe(25);
  });

  it('refuses what it must without asking TikTok: another owner, a bad query, a foreign cursor', async () => {
    const other = await query(cats, api.keys.b);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('operator_only');

    const empty = await query({ ...cats, query: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('invalid_request');

    const backwards = await query({ ...cats, startDate: '2026-11-02', endDate: '2026-11-01' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.code).toBe('research_query_invalid');

    await seed(12, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 'cats');
    const first = await query(cats);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const foreign = await query({ ...cats, endDate: '2026-11-28', cursor: first.body.nextCursor });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('research_cursor_invalid');
    expect(await sandboxRequests(QUERY_PATH)).toBe(1);
  });
});

describe('research budget', () => {
  it('refuses the 1001st request of the UTC day before it reaches TikTok, and takes requests again after 00:00 UTC', async () => {
    await seed(3, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 'cats');
    // 999 requests spent today, as the counter says (sharing it is the next file's job).
    await budget.set(new Date(clock), { requests: 999, records: 0 });

    const last = await query(cats);
    expect(last.status).toBe(200);
    expect(last.headers.get('x-research-requests-remaining')).toBe('0');
    expect(last.body.budget.requests).toEqual({ used: 1000, limit: 1000, remaining: 0 });
    expect(await sandboxRequests(QUERY_PATH)).toBe(1);

    const refused = await query(cats);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('research_budget_exhausted');
    const midnight = new Date(clock);
    midnight.setUTCHours(24, 0, 0, 0);
    expect(refused.body.error.details.resetsAt).toBe(midnight.toISOString());
    expect(Number(refused.headers.get('retry-after'))).toBe(
      Math.ceil((midnight.getTime() - clock) / 1000),
    );
    expect(refused.headers.get('x-research-budget-reset')).toBe(midnight.toISOString());
    const user = await api.call('GET', '/v1/research/users/anyone');
    expect(user.status).toBe(429);
    expect(await sandboxRequests(QUERY_PATH)).toBe(1);
    expect(await sandboxRequests('/v2/research/user/info/')).toBe(0);

    const metrics = await api.call('GET', '/metrics', { key: null });
    expect(metrics.text).toMatch(
      /^tiktok_fleet_research_budget_used\{quota="requests"[^}]*\} 1000$/m,
    );
    expect(metrics.text).toMatch(
      /^tiktok_fleet_research_budget_limit\{quota="requests"[^}]*\} 1000$/m,
    );

    await advance(midnight.getTime() - clock + 1000);
    const tomorrow = await query(cats);
    expect(tomorrow.status, tomorrow.text).toBe(200);
    expect(tomorrow.body.budget.requests).toEqual({ used: 1, limit: 1000, remaining: 999 });
  });

  it('asks TikTok for no more records than are left, then refuses', async () => {
    await seed(20, '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', 'cats');
    await budget.set(new Date(clock), { requests: 0, records: 99_996 });
    const page = await query(cats);
    expect(page.status).toBe(200);
    expect(page.body.videos).toHaveLength(4);
    expect(page.body.budget.records).toEqual({ used: 100_000, limit: 100_000, remaining: 0 });
    const refused = await query({ ...cats, cursor: page.body.nextCursor });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('research_budget_exhausted');
    expect(refused.body.error.message).toContain('100000 records');
    expect(await sandboxRequests(QUERY_PATH)).toBe(1);
  });

  it("answers TikTok's own 429 as research_rate_limited", async () => {
    await api.sandboxControl('PATCH', '/_sandbox/config', { researchDailyRequests: 0 });
    try {
      const refused = await query(cats);
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('research_rate_limited');
      expect(refused.headers.get('retry-after')).toBe('60');
    } finally {
      await api.sandboxControl('PATCH', '/_sandbox/config', { researchDailyRequests: 1000 });
    }
  });
});

describe('research client token', () => {
  it('is shared in Redis (sealed), renewed once before its 2 h end by two API instances, and at once when TikTok refuses it', async () => {
    const second = await buildApi({
      config: api.config,
      db: api.db,
      redis: api.redis,
      queues: api.queues,
      tiktok: api.tiktok,
      logger: createLogger({ name: 'api-2', level: 'silent' }),
      now: () => clock,
    });
    try {
      const viaSecond = async () => {
        const response = await second.inject({
          method: 'POST',
          url: '/v1/research/videos/query',
          headers: { authorization: `Bearer ${api.keys.a}` },
          payload: cats,
        });
        return response.statusCode;
      };
      expect((await query(cats)).status).toBe(200);
      expect(await viaSecond()).toBe(200);
      expect(await sandboxRequests(TOKEN_PATH)).toBe(1);
      const stored = await api.redis.get(fleetKey(api.prefix, 'research', 'client-token'));
      expect(stored).not.toBeNull();
      expect(stored).not.toContain('clt.');

      // 1 h 51 min later the token has less than the 10 minutes' lead left: one renewal for
      // four concurrent queries through two instances.
      await advance(111 * 60_000);
      const statuses = await Promise.all([
        query(cats).then((r) => r.status),
        viaSecond(),
        query(cats).then((r) => r.status),
        viaSecond(),
      ]);
      expect(statuses).toEqual([200, 200, 200, 200]);
      expect(await sandboxRequests(TOKEN_PATH)).toBe(2);

      // TikTok's clock runs ahead of ours: it refuses the token, which is renewed at once.
      await api.sandboxControl('POST', '/_sandbox/clock', { advanceMs: 2 * 3600_000 });
      const page = await query(cats);
      expect(page.status, page.text).toBe(200);
      expect(await sandboxRequests(TOKEN_PATH)).toBe(3);
    } finally {
      await second.close();
    }
  });
});

describe('research user info', () => {
  it("answers a public account's profile, and 404 for an unknown or private one", async () => {
    await api.sandboxControl('POST', '/_sandbox/creators', { username: 'public_cat' });
    await api.sandboxControl('POST', '/_sandbox/creators', {
      username: 'hidden_cat',
      privateAccount: true,
    });
    const user = await api.call('GET', '/v1/research/users/@public_cat');
    expect(user.status, user.text).toBe(200);
    expect(user.body).toMatchObject({
      username: 'public_cat',
      displayName: expect.any(String),
      followerCount: expect.any(Number),
      videoCount: 0,
    });
    expect(user.headers.get('x-research-requests-remaining')).toBe('999');

    for (const name of ['nobody_here', 'hidden_cat']) {
      const missing = await api.call('GET', `/v1/research/users/${name}`);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('research_user_not_found');
    }
    const bad = await api.call('GET', '/v1/research/users/not%20a%20name');
    expect(bad.status).toBe(400);
  });
});
