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
  logIdPattern,
  putChunk,
  sandboxFor,
} from './helpers';

const creatorInfo = '/v2/post/publish/creator_info/query/';
const initPath = '/v2/post/publish/video/init/';
const inboxPath = '/v2/post/publish/inbox/video/init/';
const statusPath = '/v2/post/publish/status/fetch/';
const cancelPath = '/v2/post/publish/cancel/';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await sandboxFor();
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  await control(sandbox, 'POST', '/reset');
  await control(sandbox, 'PATCH', '/config', {
    autoApprove: true,
    autoApproveOpenId: null,
    unaudited: false,
    dailyPostCap: 15,
    pendingInboxCap: 5,
    rateLimits: true,
    processingDelayMs: 30,
    moderationDelayMs: 60,
  });
});

/** Connects a creator made through the control API (so its settings are known). */
async function connectCreator(settings: Record<string, unknown> = {}) {
  const creator = (await control(sandbox, 'POST', '/creators', settings)).body;
  await control(sandbox, 'PATCH', '/config', { autoApproveOpenId: creator.openId });
  const token = await connect(sandbox);
  await control(sandbox, 'PATCH', '/config', { autoApproveOpenId: null });
  return { creator, token: token.access_token };
}

/** Direct post of a small whole file; returns the publish_id once the last byte is in. */
async function postSmall(token: string, privacy: string) {
  const init = await api(sandbox, token, initPath, directInit(privacy, fileSource(1000)));
  expect(init.body.error.code).toBe('ok');
  const res = await putChunk(init.body.data.upload_url, randomBytes(1000), 0, 1000);
  expect(res.status).toBe(201);
  return init.body.data.publish_id as string;
}

const status = (token: string, publishId: string) =>
  api(sandbox, token, statusPath, { publish_id: publishId });

describe('creator_info', () => {
  it('answers the creator with privacy options by account type', async () => {
    const { token } = await connectCreator({ nickname: 'TikTok Official', username: 'tiktok' });
    const res = await api(sandbox, token, creatorInfo);
    expect(res.status).toBe(200);
    expect(res.body.error).toEqual({
      code: 'ok',
      message: '',
      log_id: expect.stringMatching(logIdPattern),
    });
    expect(res.body.data).toMatchObject({
      creator_username: 'tiktok',
      creator_nickname: 'TikTok Official',
      privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
      max_video_post_duration_sec: 600,
    });
    const priv = await connectCreator({ privateAccount: true });
    const info = (await api(sandbox, priv.token, creatorInfo)).body.data;
    expect(info.privacy_level_options).toEqual([
      'FOLLOWER_OF_CREATOR',
      'MUTUAL_FOLLOW_FRIENDS',
      'SELF_ONLY',
    ]);
    expect(info.duet_disabled).toBe(true);
  });

  it('reports the daily cap and a ban with HTTP 200, as TikTok documents', async () => {
    await control(sandbox, 'PATCH', '/config', { dailyPostCap: 1 });
    const { token } = await connectCreator();
    await postSmall(token, 'SELF_ONLY');
    const capped = await api(sandbox, token, creatorInfo);
    expect(capped.status).toBe(200);
    expect(capped.body).toEqual({
      data: {},
      error: {
        code: 'spam_risk_too_many_posts',
        message: expect.any(String),
        log_id: expect.stringMatching(logIdPattern),
      },
    });
    const init = await api(sandbox, token, initPath, directInit('SELF_ONLY', fileSource(1000)));
    expect(init.status).toBe(403);
    expect(init.body.error.code).toBe('spam_risk_too_many_posts');

    const banned = await connectCreator({ bannedFromPosting: true });
    const ban = await api(sandbox, banned.token, creatorInfo);
    expect(ban.status).toBe(200);
    expect(ban.body.error.code).toBe('spam_risk_user_banned_from_posting');
  });

  it('needs the video.publish scope', async () => {
    const token = await connect(sandbox, 'user.info.basic,video.upload');
    const res = await api(sandbox, token.access_token, creatorInfo);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('scope_not_authorized');
  });
});

describe('init rules', () => {
  it('privacy_level must be one of the options', async () => {
    const { token } = await connectCreator({ privateAccount: true });
    const res = await api(
      sandbox,
      token,
      initPath,
      directInit('PUBLIC_TO_EVERYONE', fileSource(1000)),
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('privacy_level_option_mismatch');
    const missing = await api(sandbox, token, initPath, {
      post_info: {},
      source_info: fileSource(1000),
    });
    expect(missing.body.error.code).toBe('privacy_level_option_mismatch');
  });

  it('unaudited clients may only post SELF_ONLY to private accounts', async () => {
    await control(sandbox, 'PATCH', '/config', { unaudited: true });
    const pub = await connectCreator();
    const onPublic = await api(
      sandbox,
      pub.token,
      initPath,
      directInit('SELF_ONLY', fileSource(1000)),
    );
    expect(onPublic.status).toBe(403);
    expect(onPublic.body.error.code).toBe('unaudited_client_can_only_post_to_private_accounts');
    const priv = await connectCreator({ privateAccount: true });
    const friends = await api(
      sandbox,
      priv.token,
      initPath,
      directInit('MUTUAL_FOLLOW_FRIENDS', fileSource(1000)),
    );
    expect(friends.body.error.code).toBe('unaudited_client_can_only_post_to_private_accounts');
    const selfOnly = await api(
      sandbox,
      priv.token,
      initPath,
      directInit('SELF_ONLY', fileSource(1000)),
    );
    expect(selfOnly.body.error.code).toBe('ok');
  });

  it('unaudited clients may have at most 5 posting users a day', async () => {
    await control(sandbox, 'PATCH', '/config', { unaudited: true });
    for (let i = 0; i < 5; i += 1) {
      const { token } = await connectCreator({ privateAccount: true });
      await postSmall(token, 'SELF_ONLY');
    }
    const sixth = await connectCreator({ privateAccount: true });
    const info = await api(sandbox, sixth.token, creatorInfo);
    expect(info.status).toBe(200);
    expect(info.body.error.code).toBe('reached_active_user_cap');
    const init = await api(
      sandbox,
      sixth.token,
      initPath,
      directInit('SELF_ONLY', fileSource(1000)),
    );
    expect(init.status).toBe(403);
    expect(init.body.error.code).toBe('reached_active_user_cap');
  });

  it('caps pending inbox shares at 5', async () => {
    await control(sandbox, 'PATCH', '/config', { rateLimits: false });
    const { token } = await connectCreator();
    for (let i = 0; i < 5; i += 1) {
      const res = await api(sandbox, token, inboxPath, { source_info: fileSource(1000) });
      expect(res.body.data.publish_id).toMatch(/^v_inbox_file~v2\./);
    }
    const sixth = await api(sandbox, token, inboxPath, { source_info: fileSource(1000) });
    expect(sixth.status).toBe(403);
    expect(sixth.body.error.code).toBe('spam_risk_too_many_pending_share');
  });

  it('the 7th init in a minute answers 429 rate_limit_exceeded', async () => {
    const { token } = await connectCreator();
    for (let i = 0; i < 6; i += 1) {
      const res = await api(sandbox, token, initPath, directInit('SELF_ONLY', fileSource(1000)));
      expect(res.status).toBe(200);
    }
    const seventh = await api(sandbox, token, initPath, directInit('SELF_ONLY', fileSource(1000)));
    expect(seventh.status).toBe(429);
    expect(seventh.body).toEqual({
      data: {},
      error: {
        code: 'rate_limit_exceeded',
        message: expect.any(String),
        log_id: expect.stringMatching(logIdPattern),
      },
    });
    // Per token: another creator's token is unaffected.
    const other = await connectCreator();
    expect(
      (await api(sandbox, other.token, initPath, directInit('SELF_ONLY', fileSource(1000)))).status,
    ).toBe(200);
    const stats = (await control(sandbox, 'GET', '/stats')).body;
    expect(stats.violations).toContainEqual(
      expect.objectContaining({ rule: 'rate_limit_exceeded' }),
    );
  });

  it.each([
    [creatorInfo, 20, undefined],
    [statusPath, 30, { publish_id: 'v_pub_file~v2-1.1' }],
  ])('%s allows %i requests a minute', async (path, limit, body) => {
    const { token } = await connectCreator();
    for (let i = 0; i < limit; i += 1) {
      expect((await api(sandbox, token, path, body)).status).not.toBe(429);
    }
    expect((await api(sandbox, token, path, body)).status).toBe(429);
  });

  it('rate limits can be switched off, and injected as faults', async () => {
    await control(sandbox, 'PATCH', '/config', { rateLimits: false });
    const { token } = await connectCreator();
    for (let i = 0; i < 25; i += 1)
      expect((await api(sandbox, token, creatorInfo)).status).toBe(200);
    await control(sandbox, 'POST', '/faults', { rateLimit: { endpoint: creatorInfo, count: 2 } });
    expect((await api(sandbox, token, creatorInfo)).status).toBe(429);
    expect((await api(sandbox, token, creatorInfo)).status).toBe(429);
    expect((await api(sandbox, token, creatorInfo)).status).toBe(200);
  });
});

describe('status', () => {
  it('goes PROCESSING_UPLOAD -> PUBLISH_COMPLETE, then the post id appears as a raw int64', async () => {
    const { token } = await connectCreator();
    const init = await api(
      sandbox,
      token,
      initPath,
      directInit('PUBLIC_TO_EVERYONE', fileSource(1000)),
    );
    const publishId = init.body.data.publish_id;
    expect(publishId).toMatch(/^v_pub_file~v2-1\.\d+$/);
    const before = await status(token, publishId);
    expect(before.body.data).toEqual({
      status: 'PROCESSING_UPLOAD',
      publicaly_available_post_id: [],
      uploaded_bytes: 0,
    });
    await putChunk(init.body.data.upload_url, randomBytes(1000), 0, 1000);

    await waitUntil(async () => {
      const res = await status(token, publishId);
      return res.body.data.status === 'PUBLISH_COMPLETE' ? res : undefined;
    });
    const res = await waitUntil(async () => {
      const r = await status(token, publishId);
      return r.body.data.publicaly_available_post_id.length > 0 ? r : undefined;
    });
    const match = /"publicaly_available_post_id":\[(\d{19})\]/.exec(res.raw);
    expect(match).not.toBeNull();
    const digits = match?.[1] ?? '';
    // The digits are unquoted, above 2^53, and JSON.parse cannot hold them exactly.
    expect(BigInt(digits) > 2n ** 53n).toBe(true);
    expect(String(res.body.data.publicaly_available_post_id[0])).not.toBe(digits);
    const publishes = (await control(sandbox, 'GET', '/publishes')).body;
    expect(publishes[0].postIds).toEqual([digits]);
  });

  it('SELF_ONLY never gets a post id', async () => {
    const { token } = await connectCreator();
    const publishId = await postSmall(token, 'SELF_ONLY');
    await waitUntil(async () => {
      const res = await status(token, publishId);
      return res.body.data.status === 'PUBLISH_COMPLETE' ? true : undefined;
    });
    // Nothing is left to happen at TikTok (no moderation pending), and still no post id.
    await waitUntil(
      async () => (await control(sandbox, 'GET', '/stats')).body.pendingTimers === 0,
      { what: 'the sandbox to have nothing scheduled' },
    );
    expect((await status(token, publishId)).body.data.publicaly_available_post_id).toEqual([]);
  });

  it('ends FAILED with an injected fail_reason', async () => {
    const { token } = await connectCreator();
    await control(sandbox, 'POST', '/faults', { failReason: 'picture_size_check_failed' });
    const publishId = await postSmall(token, 'PUBLIC_TO_EVERYONE');
    const res = await waitUntil(async () => {
      const r = await status(token, publishId);
      return r.body.data.status === 'FAILED' ? r : undefined;
    });
    expect(res.body.data).toEqual({
      status: 'FAILED',
      fail_reason: 'picture_size_check_failed',
      publicaly_available_post_id: [],
      uploaded_bytes: 1000,
    });
  });

  it('refuses unknown and foreign publish ids', async () => {
    const a = await connectCreator();
    const b = await connectCreator();
    const publishId = await postSmall(a.token, 'SELF_ONLY');
    const unknown = await status(a.token, 'v_pub_file~v2-1.123');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_publish_id');
    const foreign = await status(b.token, publishId);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('token_not_authorized_for_specified_publish_id');
  });

  it('inbox shares go to SEND_TO_USER_INBOX, then complete when the user posts', async () => {
    const { token } = await connectCreator();
    const init = await api(sandbox, token, inboxPath, {
      post_info: { title: 'ignored' },
      source_info: fileSource(1000),
    });
    const publishId = init.body.data.publish_id;
    await putChunk(init.body.data.upload_url, randomBytes(1000), 0, 1000);
    await waitUntil(async () => {
      const r = await status(token, publishId);
      return r.body.data.status === 'SEND_TO_USER_INBOX' ? true : undefined;
    });
    const posted = await control(
      sandbox,
      'POST',
      `/publishes/${encodeURIComponent(publishId)}/complete`,
      {
        privacyLevel: 'PUBLIC_TO_EVERYONE',
      },
    );
    expect(posted.body.status).toBe('PUBLISH_COMPLETE');
    expect((await status(token, publishId)).body.data.status).toBe('PUBLISH_COMPLETE');
  });

  it('PULL_FROM_URL downloads, and an unreachable URL ends in video_pull_failed', async () => {
    const { token } = await connectCreator();
    const http = await api(sandbox, token, initPath, {
      post_info: { privacy_level: 'SELF_ONLY' },
      source_info: { source: 'PULL_FROM_URL', video_url: 'http://media.example/v.mp4' },
    });
    expect(http.status).toBe(403);
    expect(http.body.error.code).toBe('url_ownership_unverified');
    const init = await api(sandbox, token, initPath, {
      post_info: { privacy_level: 'SELF_ONLY' },
      source_info: { source: 'PULL_FROM_URL', video_url: 'https://127.0.0.1:9/v.mp4' },
    });
    const publishId = init.body.data.publish_id;
    expect(publishId).toMatch(/^v_pub_url~v2\./);
    expect(init.body.data.upload_url).toBeUndefined();
    expect((await status(token, publishId)).body.data).toEqual({
      status: 'PROCESSING_DOWNLOAD',
      publicaly_available_post_id: [],
      downloaded_bytes: 0,
    });
    const failed = await waitUntil(async () => {
      const r = await status(token, publishId);
      return r.body.data.status === 'FAILED' ? r : undefined;
    });
    expect(failed.body.data.fail_reason).toBe('video_pull_failed');
  });
});

describe('cancel', () => {
  it('only a PULL_FROM_URL download can be cancelled; the answer has no data', async () => {
    await control(sandbox, 'PATCH', '/config', { processingDelayMs: 2000 });
    const { token } = await connectCreator();
    const fileId = await postSmall(token, 'SELF_ONLY');
    const refused = await api(sandbox, token, cancelPath, { publish_id: fileId });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: {
        code: 'publish_not_cancellable',
        message: expect.any(String),
        log_id: expect.stringMatching(logIdPattern),
      },
    });
    const init = await api(sandbox, token, initPath, {
      post_info: { privacy_level: 'SELF_ONLY' },
      source_info: { source: 'PULL_FROM_URL', video_url: 'https://127.0.0.1:9/v.mp4' },
    });
    const publishId = init.body.data.publish_id;
    const ok = await api(sandbox, token, cancelPath, { publish_id: publishId });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      error: { code: 'ok', message: '', log_id: expect.stringMatching(logIdPattern) },
    });
    expect((await status(token, publishId)).body.data).toMatchObject({
      status: 'FAILED',
      fail_reason: 'publish_cancelled',
    });
  });
});
