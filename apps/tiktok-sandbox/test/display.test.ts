import { randomBytes } from 'node:crypto';
import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import {
  api,
  connect,
  control,
  directInit,
  fileSource,
  form,
  logIdPattern,
  putChunk,
  sandboxFor,
} from './helpers';

const videoFields =
  'id,create_time,share_url,title,view_count,like_count,comment_count,share_count';

let sandbox: Sandbox;
let token: string;
let openId: string;
beforeAll(async () => {
  sandbox = await sandboxFor({ rateLimits: false });
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  await control(sandbox, 'POST', '/reset');
  const creator = (
    await control(sandbox, 'POST', '/creators', { username: 'sandy', nickname: 'Sandy' })
  ).body;
  await control(sandbox, 'PATCH', '/config', { autoApproveOpenId: creator.openId });
  const connected = await connect(sandbox);
  await control(sandbox, 'PATCH', '/config', { autoApproveOpenId: null });
  token = connected.access_token;
  openId = connected.open_id;
});

/** Posts and waits until the post is publicly available (or complete, for SELF_ONLY). */
async function post(privacy: string, title: string): Promise<string> {
  const init = await api(sandbox, token, '/v2/post/publish/video/init/', {
    ...directInit(privacy, fileSource(1000)),
    post_info: { title, privacy_level: privacy },
  });
  await putChunk(init.body.data.upload_url, randomBytes(1000), 0, 1000);
  const publishId = init.body.data.publish_id;
  return waitUntil(async () => {
    const res = await api(sandbox, token, '/v2/post/publish/status/fetch/', {
      publish_id: publishId,
    });
    const match = /"publicaly_available_post_id":\[(\d+)\]/.exec(res.raw);
    if (match?.[1]) return match[1];
    if (privacy === 'SELF_ONLY' && res.body.data.status === 'PUBLISH_COMPLETE') return '';
    return undefined;
  });
}

describe('user info', () => {
  it('answers the fields asked for', async () => {
    const res = await api(
      sandbox,
      token,
      '/v2/user/info/?fields=open_id,union_id,display_name,username,follower_count,video_count',
      undefined,
      'GET',
    );
    expect(res.status).toBe(200);
    expect(res.body.data.user).toEqual({
      open_id: openId,
      union_id: expect.any(String),
      display_name: 'Sandy',
      username: 'sandy',
      follower_count: expect.any(Number),
      video_count: 0,
    });
  });

  it('refuses fields whose scope was not granted with scope_permission_missed', async () => {
    const basic = await connect(sandbox, 'user.info.basic');
    const res = await api(
      sandbox,
      basic.access_token,
      '/v2/user/info/?fields=open_id,follower_count',
      undefined,
      'GET',
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      data: {},
      error: {
        code: 'scope_permission_missed',
        message: expect.any(String),
        log_id: expect.stringMatching(logIdPattern),
      },
    });
    const none = await api(sandbox, basic.access_token, '/v2/user/info/', undefined, 'GET');
    expect(none.body.error.code).toBe('invalid_params');
  });
});

describe('video list and query', () => {
  it('lists public posts only, newest first, with growing counts', async () => {
    const first = await post('PUBLIC_TO_EVERYONE', 'first #one');
    const second = await post('PUBLIC_TO_EVERYONE', 'second');
    await post('SELF_ONLY', 'hidden');
    const list = async () =>
      api(sandbox, token, `/v2/video/list/?fields=${videoFields}`, { max_count: 20 });
    const res = await list();
    expect(res.status).toBe(200);
    expect(res.body.data.videos.map((v: { id: string }) => v.id)).toEqual([second, first]);
    expect(res.body.data.has_more).toBe(false);
    const video = res.body.data.videos[1];
    expect(video.share_url).toBe(
      `https://www.tiktok.com/@sandy/video/${first}?utm_campaign=tt4d_open_api&utm_source=${sandbox.clientKey}`,
    );
    expect(Object.keys(video).sort()).toEqual(videoFields.split(',').sort());
    // A minute passes at TikTok: the counts grow with the post's age.
    await control(sandbox, 'POST', '/clock', { advanceMs: 60_000 });
    const later = (await list()).body.data.videos[1];
    expect(later.view_count).toBeGreaterThan(video.view_count);
    expect(later.like_count).toBeGreaterThanOrEqual(video.like_count);

    const page = await api(sandbox, token, `/v2/video/list/?fields=id`, { max_count: 1 });
    expect(page.body.data.has_more).toBe(true);
    const next = await api(sandbox, token, `/v2/video/list/?fields=id`, {
      max_count: 1,
      cursor: page.body.data.cursor,
    });
    expect(next.body.data.videos).toEqual([{ id: first }]);
    const tooMany = await api(sandbox, token, `/v2/video/list/?fields=id`, { max_count: 21 });
    expect(tooMany.body.error.code).toBe('invalid_params');
  });

  it('queries own videos only, at most 20 ids', async () => {
    const mine = await post('PUBLIC_TO_EVERYONE', 'mine');
    const res = await api(sandbox, token, '/v2/video/query/?fields=id,title', {
      filters: { video_ids: [mine, '7000000000000000001'] },
    });
    expect(res.body.data.videos).toEqual([{ id: mine, title: 'mine' }]);
    const ids = Array.from({ length: 21 }, (_, i) =>
      String(7_000_000_000_000_000_000n + BigInt(i)),
    );
    const over = await api(sandbox, token, '/v2/video/query/?fields=id', {
      filters: { video_ids: ids },
    });
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('invalid_params');
  });
});

describe('research API', () => {
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const query = (clientToken: string, body: Record<string, unknown>) =>
    api(sandbox, clientToken, '/v2/research/video/query/?fields=id,username,video_description', {
      query: { and: [{ operation: 'EQ', field_name: 'username', field_values: ['sandy'] }] },
      start_date: today,
      end_date: today,
      ...body,
    });

  async function clientToken(): Promise<string> {
    const res = await form(sandbox, '/v2/oauth/token/', {
      client_key: sandbox.clientKey,
      client_secret: sandbox.clientSecret,
      grant_type: 'client_credentials',
    });
    return res.body.access_token;
  }

  it('finds public videos with a client token; ids are raw int64', async () => {
    const id = await post('PUBLIC_TO_EVERYONE', 'research me #sandbox');
    const clt = await clientToken();
    const res = await query(clt, {});
    expect(res.status).toBe(200);
    expect(res.raw).toContain(`"id":${id}`);
    expect(res.body.data.videos[0]).toMatchObject({
      username: 'sandy',
      video_description: 'research me #sandbox',
    });
    const user = await query(token, {});
    expect(user.status).toBe(401);
    expect(user.body.error.code).toBe('scope_not_authorized');
  });

  it('validates the date range and max_count', async () => {
    const clt = await clientToken();
    const wide = await query(clt, { start_date: '20260101', end_date: '20260201' });
    expect(wide.body.error.code).toBe('invalid_params');
    expect((await query(clt, { start_date: '20260101', end_date: '20260131' })).status).toBe(200);
    expect((await query(clt, { max_count: 101 })).body.error.code).toBe('invalid_params');
    expect((await query(clt, { query: {} })).body.error.code).toBe('invalid_params');
  });

  it('allows 1000 requests a day', async () => {
    await control(sandbox, 'PATCH', '/config', { rateLimits: true });
    const clt = await clientToken();
    for (let i = 0; i < 1000; i += 1) {
      const res = await query(clt, {});
      if (res.status !== 200) throw new Error(`request ${i + 1} answered ${res.status}`);
    }
    const over = await query(clt, {});
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('rate_limit_exceeded');
    await control(sandbox, 'PATCH', '/config', { rateLimits: false });
  });
});
