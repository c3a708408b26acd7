import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { api, control, form, sandboxFor } from './helpers';

// The Research API's daily quotas and cached searches, over HTTP, with small quotas and the
// sandbox clock crossing 00:00 UTC instead of waiting for it.
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await sandboxFor({ researchDailyRequests: 4, researchDailyRecords: 6 });
});
afterAll(() => sandbox.close());
beforeEach(() => control(sandbox, 'POST', '/reset'));

async function clientToken(): Promise<string> {
  const res = await form(sandbox, '/v2/oauth/token/', {
    client_key: sandbox.clientKey,
    client_secret: sandbox.clientSecret,
    grant_type: 'client_credentials',
  });
  return res.body.access_token;
}

async function now(): Promise<number> {
  return Date.parse((await control(sandbox, 'GET', '/clock')).body.now);
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

async function query(token: string, body: Record<string, unknown>) {
  const today = day(await now());
  return api(sandbox, token, '/v2/research/video/query/?fields=id,video_description', {
    query: { and: [{ operation: 'EQ', field_name: 'keyword', field_values: ['owl'] }] },
    start_date: today,
    end_date: today,
    ...body,
  });
}

it('counts records per UTC day: over them it answers 429, and the next day it answers again', async () => {
  const at = await now();
  const midnight = Date.UTC(
    new Date(at).getUTCFullYear(),
    new Date(at).getUTCMonth(),
    new Date(at).getUTCDate(),
  );
  await control(sandbox, 'POST', '/research/videos', {
    count: 10,
    from: new Date(midnight).toISOString(),
    to: new Date(Math.max(midnight, at - 1000)).toISOString(),
    description: 'an owl',
  });
  const token = await clientToken();
  const first = await query(token, { max_count: 6 });
  expect(first.status).toBe(200);
  expect(first.body.data.videos).toHaveLength(6);
  expect(first.body.data.has_more).toBe(true);
  const usage = (await control(sandbox, 'GET', '/research/usage')).body;
  expect(usage).toMatchObject({ requests: 1, records: 6, limits: { requests: 4, records: 6 } });

  const over = await query(token, {
    max_count: 4,
    cursor: 6,
    search_id: first.body.data.search_id,
  });
  expect(over.status).toBe(429);
  expect(over.body.error.code).toBe('rate_limit_exceeded');

  await control(sandbox, 'POST', '/clock', { advanceMs: midnight + 86_400_000 - at + 1000 });
  const fresh = await clientToken();
  const tomorrow = await query(fresh, { max_count: 1 });
  expect(tomorrow.status).toBe(200);
  expect((await control(sandbox, 'GET', '/research/usage')).body).toMatchObject({
    requests: 1,
    records: 0,
  });
});

it('pages a cached search by search_id, refuses an unknown one, and answers user info', async () => {
  const at = await now();
  await control(sandbox, 'POST', '/research/videos', {
    count: 3,
    description: 'owl',
    to: new Date(at).toISOString(),
    from: new Date(at - 1000).toISOString(),
  });
  const token = await clientToken();
  const first = await query(token, { max_count: 2 });
  expect(first.body.data).toMatchObject({ cursor: 2, has_more: true });
  // A video posted meanwhile stays out of the cached search.
  await control(sandbox, 'POST', '/research/videos', {
    count: 1,
    description: 'owl',
    to: new Date(at).toISOString(),
    from: new Date(at - 1000).toISOString(),
  });
  const second = await query(token, {
    max_count: 2,
    cursor: 2,
    search_id: first.body.data.search_id,
  });
  expect(second.body.data.videos).toHaveLength(1);
  expect(second.body.data.has_more).toBe(false);
  const unknown = await query(token, { cursor: 2, search_id: '7000000000000000000' });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.code).toBe('invalid_params');

  await control(sandbox, 'POST', '/creators', { username: 'owl_fan' });
  const user = await api(
    sandbox,
    token,
    '/v2/research/user/info/?fields=display_name,follower_count',
    {
      username: 'owl_fan',
    },
  );
  expect(user.status).toBe(200);
  expect(Object.keys(user.body.data).sort()).toEqual(['display_name', 'follower_count']);
  expect((await control(sandbox, 'GET', '/research/usage')).body.requests).toBe(4);
});
