import { beforeAll, describe, expect, it } from 'vitest';
import { createTikTokClient } from '../src/client';
import { userInfoFieldsForScopes } from '../src/display';
import type { UserTokens } from '../src/oauth';
import { InMemoryResearchBudget } from '../src/research/budget';
import { useTempDir, writeRandomFile } from './support/files';
import { caught, useSandbox, waitForStatus } from './support/sandbox';

const env = useSandbox();
let dir: string;

beforeAll(async () => {
  dir = await useTempDir();
});

async function publishPublic(tokens: UserTokens, title: string): Promise<string> {
  const file = await writeRandomFile(dir, `${title}.bin`, 2048);
  const init = await env.client.initDirectPost(tokens.accessToken, {
    postInfo: { title, privacyLevel: 'PUBLIC_TO_EVERYONE' },
    source: { source: 'FILE_UPLOAD', videoSize: file.size },
  });
  await env.client.uploadVideo({
    uploadUrl: init.uploadUrl as string,
    filePath: file.path,
    plan: init.plan as never,
  });
  const done = await waitForStatus(
    env.client,
    tokens.accessToken,
    init.publishId,
    (s) => s.postIds.length > 0,
  );
  return done.postIds[0] as string;
}

describe('Display API', () => {
  it('reads the user fields the granted scopes allow', async () => {
    await env.reset();
    const tokens = await env.connect({ username: 'shown' });
    const user = await env.client.getUserInfo(
      tokens.accessToken,
      userInfoFieldsForScopes(tokens.scopes),
    );
    expect(user.openId).toBe(tokens.openId);
    expect(user.username).toBe('shown');
    expect(typeof user.displayName).toBe('string');
    expect(typeof user.followerCount).toBe('number');
    expect(typeof user.isVerified).toBe('boolean');

    const basic = await env.connect({}, ['user.info.basic']);
    const fields = userInfoFieldsForScopes(basic.scopes);
    const basicUser = await env.client.getUserInfo(basic.accessToken, fields);
    expect(basicUser.openId).toBe(basic.openId);
    expect(basicUser.followerCount).toBeUndefined();

    const tooMuch = await caught(() =>
      env.client.getUserInfo(basic.accessToken, ['open_id', 'follower_count']),
    );
    expect(tooMuch).toMatchObject({ code: 'scope_permission_missed', action: 'fix_request' });
  });

  it('lists the user’s public videos page by page, with exact ids', async () => {
    await env.reset();
    const tokens = await env.connect();
    const first = await publishPublic(tokens, 'first');
    const second = await publishPublic(tokens, 'second');

    const all = await env.client.listVideos(tokens.accessToken);
    expect(all.videos.map((v) => v.id).sort()).toEqual([first, second].sort());
    for (const v of all.videos) {
      expect(v.id).toMatch(/^\d{19}$/);
      expect(v.shareUrl).toContain(v.id);
      expect(typeof v.viewCount).toBe('number');
    }

    const page1 = await env.client.listVideos(tokens.accessToken, {
      maxCount: 1,
      fields: ['id', 'title'],
    });
    expect(page1.videos).toHaveLength(1);
    expect(page1.hasMore).toBe(true);
    const page2 = await env.client.listVideos(tokens.accessToken, {
      maxCount: 1,
      cursor: page1.cursor,
    });
    expect(page2.videos).toHaveLength(1);
    expect(page2.videos[0]?.id).not.toBe(page1.videos[0]?.id);

    const tooMany = await caught(() => env.client.listVideos(tokens.accessToken, { maxCount: 21 }));
    expect(tooMany).toMatchObject({ code: 'invalid_params', action: 'fix_request' });
  });

  it('queries videos by id (at most 20) and needs video.list', async () => {
    await env.reset();
    const tokens = await env.connect();
    const id = await publishPublic(tokens, 'queried');
    const page = await env.client.queryVideos(tokens.accessToken, {
      videoIds: [id],
      fields: ['id', 'cover_image_url', 'like_count'],
    });
    expect(page.videos).toHaveLength(1);
    expect(page.videos[0]?.id).toBe(id);
    expect(page.videos[0]?.coverImageUrl).toMatch(/^https:/);

    const ids = Array.from({ length: 21 }, (_, i) => `${7_000_000_000_000_000_000n + BigInt(i)}`);
    const tooMany = await caught(() =>
      env.client.queryVideos(tokens.accessToken, { videoIds: ids }),
    );
    expect(tooMany).toMatchObject({ code: 'invalid_params' });

    const noList = await env.connect({}, ['user.info.basic', 'video.publish']);
    const scope = await caught(() => env.client.listVideos(noList.accessToken));
    expect(scope).toMatchObject({ code: 'scope_not_authorized', action: 'reauthorize' });
  });
});

describe('Research API', () => {
  const query = {
    query: {
      and: [{ operation: 'IN' as const, fieldName: 'region_code', fieldValues: ['US', 'GB'] }],
    },
    startDate: '20261101',
    endDate: '20261130',
    maxCount: 10,
  };

  it('queries videos with a client token', async () => {
    await env.reset();
    const token = await env.client.getClientToken();
    const page = await env.client.queryResearchVideos(token.accessToken, query);
    expect(Array.isArray(page.videos)).toBe(true);
    expect(typeof page.hasMore).toBe('boolean');
    for (const v of page.videos) expect(typeof v.id).toBe('string');
  });

  it('refuses locally what TikTok would refuse, without spending the budget', async () => {
    await env.reset();
    const token = await env.client.getClientToken();
    const before = (await env.stats()).requests['/v2/research/video/query/'] ?? 0;
    const range = await caught(() =>
      env.client.queryResearchVideos(token.accessToken, { ...query, endDate: '20261215' }),
    );
    expect(range).toMatchObject({ code: 'invalid_params', action: 'fix_request' });
    const count = await caught(() =>
      env.client.queryResearchVideos(token.accessToken, { ...query, maxCount: 101 }),
    );
    expect(count.code).toBe('invalid_params');
    const empty = await caught(() =>
      env.client.queryResearchVideos(token.accessToken, { ...query, query: {} }),
    );
    expect(empty.code).toBe('invalid_params');
    expect((await env.stats()).requests['/v2/research/video/query/'] ?? 0).toBe(before);
  });

  it('stops at the daily request budget before calling TikTok, and starts again the next UTC day', async () => {
    await env.reset();
    let now = new Date('2026-11-27T23:59:00Z');
    const client = createTikTokClient({
      clientKey: env.sandbox.clientKey,
      clientSecret: env.sandbox.clientSecret,
      apiBaseUrl: env.sandbox.url,
      researchBudget: new InMemoryResearchBudget(2),
      now: () => now,
    });
    try {
      const token = await client.getClientToken();
      await client.queryResearchVideos(token.accessToken, query);
      await client.queryResearchVideos(token.accessToken, query);
      const spent = await caught(() => client.queryResearchVideos(token.accessToken, query));
      expect(spent).toMatchObject({
        code: 'research_daily_quota_exhausted',
        action: 'wait_daily_cap',
        retryable: true,
      });
      expect(spent.message).toContain('2026-11-28T00:00:00.000Z');
      expect((await env.stats()).requests['/v2/research/video/query/']).toBe(2);

      now = new Date('2026-11-28T00:00:01Z');
      await expect(client.queryResearchVideos(token.accessToken, query)).resolves.toBeTruthy();
    } finally {
      client.close();
    }
  });
});
