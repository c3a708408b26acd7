import { createServer, type Server } from 'node:net';
import { waitUntil } from '@tiktok-fleet/testing/wait-until';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir, writeRandomFile } from './support/files';
import { caught, useSandbox, waitForStatus } from './support/sandbox';

const env = useSandbox();
let dir: string;
// A TLS port that accepts and never answers: a PULL_FROM_URL download that stays in flight.
let silent: Server;
let silentUrl: string;

beforeAll(async () => {
  dir = await useTempDir();
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  silentUrl = `https://127.0.0.1:${port}/clip.mp4`;
});
afterAll(() => {
  silent.close();
});

const small = () => writeRandomFile(dir, `small-${Math.random()}.bin`, 4096);

describe('creator info', () => {
  it('reads the creator’s nickname, privacy options, interaction settings and max duration', async () => {
    await env.reset();
    const tokens = await env.connect({
      username: 'maker',
      nickname: 'The Maker',
      maxVideoPostDurationSec: 300,
      commentDisabled: true,
    });
    const info = await env.client.queryCreatorInfo(tokens.accessToken);
    expect(info).toMatchObject({
      username: 'maker',
      nickname: 'The Maker',
      commentDisabled: true,
      maxVideoPostDurationSec: 300,
    });
    expect(info.privacyLevelOptions).toEqual([
      'PUBLIC_TO_EVERYONE',
      'MUTUAL_FOLLOW_FRIENDS',
      'SELF_ONLY',
    ]);
  });

  it('offers FOLLOWER_OF_CREATOR to private accounts', async () => {
    await env.reset();
    const tokens = await env.connect({ privateAccount: true });
    const info = await env.client.queryCreatorInfo(tokens.accessToken);
    expect(info.privacyLevelOptions).toContain('FOLLOWER_OF_CREATOR');
    expect(info.privacyLevelOptions).not.toContain('PUBLIC_TO_EVERYONE');
  });

  it('turns a ban that arrives with HTTP 200 into an error, decided by its code', async () => {
    await env.reset();
    const tokens = await env.connect({ bannedFromPosting: true });
    const err = await caught(() => env.client.queryCreatorInfo(tokens.accessToken));
    expect(err).toMatchObject({
      code: 'spam_risk_user_banned_from_posting',
      httpStatus: 200,
      action: 'give_up',
      retryable: false,
    });
  });

  it('reports the creator’s daily post cap (HTTP 200 here, 403 at init)', async () => {
    await env.reset({ dailyPostCap: 1 });
    const tokens = await env.connect();
    const init = () =>
      env.client.initDirectPost(tokens.accessToken, {
        postInfo: { privacyLevel: 'SELF_ONLY' },
        source: { source: 'FILE_UPLOAD', videoSize: 4096 },
      });
    await init();
    const info = await caught(() => env.client.queryCreatorInfo(tokens.accessToken));
    expect(info).toMatchObject({
      code: 'spam_risk_too_many_posts',
      httpStatus: 200,
      action: 'wait_daily_cap',
    });
    const again = await caught(init);
    expect(again).toMatchObject({
      code: 'spam_risk_too_many_posts',
      httpStatus: 403,
      action: 'wait_daily_cap',
      retryable: true,
    });
  });
});

describe('Direct Post', () => {
  it('publishes a file and returns the public post id exactly as TikTok sent it (int64)', async () => {
    await env.reset();
    const tokens = await env.connect();
    const file = await small();
    const init = await env.client.initDirectPost(tokens.accessToken, {
      postInfo: {
        title: 'Launch day #demo',
        privacyLevel: 'PUBLIC_TO_EVERYONE',
        videoCoverTimestampMs: 1000,
      },
      source: { source: 'FILE_UPLOAD', videoSize: file.size },
    });
    expect(init.publishId).toMatch(/^v_pub_file~/);
    expect(init.plan).toMatchObject({ chunkSize: file.size, totalChunkCount: 1 });
    if (!init.uploadUrl || !init.plan)
      throw new Error('FILE_UPLOAD init must give an upload URL and plan');

    await env.client.uploadVideo({
      uploadUrl: init.uploadUrl,
      filePath: file.path,
      plan: init.plan,
    });
    const done = await waitForStatus(
      env.client,
      tokens.accessToken,
      init.publishId,
      (s) => s.postIds.length > 0,
    );
    expect(done.status).toBe('PUBLISH_COMPLETE');
    expect(done.uploadedBytes).toBe(file.size);

    const atSandbox = await env.publish(init.publishId);
    expect(done.postIds).toEqual(atSandbox.postIds);
    const [postId] = done.postIds;
    expect(postId).toMatch(/^\d{19}$/);
    // Above 2^53: a plain JSON.parse would have changed its last digits.
    expect(BigInt(postId as string) > 2n ** 53n).toBe(true);
    expect(atSandbox).toMatchObject({
      title: 'Launch day #demo',
      privacyLevel: 'PUBLIC_TO_EVERYONE',
      sha256: file.sha256,
    });
  });

  it('never gets a public post id for SELF_ONLY', async () => {
    await env.reset();
    const tokens = await env.connect();
    const file = await small();
    const init = await env.client.initDirectPost(tokens.accessToken, {
      postInfo: { privacyLevel: 'SELF_ONLY' },
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
      (s) => s.status === 'PUBLISH_COMPLETE',
    );
    // Nothing is left to happen at TikTok (no moderation pending), and still no post id.
    await waitUntil(async () => (await env.stats()).pendingTimers === 0, {
      what: 'the sandbox to have nothing scheduled',
    });
    const later = await env.client.fetchPublishStatus(tokens.accessToken, init.publishId);
    expect(done.postIds).toEqual([]);
    expect(later.postIds).toEqual([]);
  });

  it('reports a FAILED publish with its fail_reason described', async () => {
    await env.reset();
    await env.fault({ failReason: 'frame_rate_check_failed' });
    const tokens = await env.connect();
    const file = await small();
    const init = await env.client.initDirectPost(tokens.accessToken, {
      postInfo: { privacyLevel: 'SELF_ONLY' },
      source: { source: 'FILE_UPLOAD', videoSize: file.size },
    });
    await env.client.uploadVideo({
      uploadUrl: init.uploadUrl as string,
      filePath: file.path,
      plan: init.plan as never,
    });
    const failed = await waitForStatus(
      env.client,
      tokens.accessToken,
      init.publishId,
      (s) => s.status === 'FAILED',
    );
    expect(failed.failReason).toBe('frame_rate_check_failed');
    expect(failed.failure).toMatchObject({ retryable: false, action: 'fix_request' });
    expect(failed.failure?.message).toMatch(/frame rate/);
  });

  it('starts a PULL_FROM_URL post and cancels it while it downloads', async () => {
    await env.reset();
    const tokens = await env.connect();
    const init = await env.client.initDirectPost(tokens.accessToken, {
      postInfo: { privacyLevel: 'SELF_ONLY' },
      source: { source: 'PULL_FROM_URL', videoUrl: silentUrl },
    });
    expect(init.publishId).toMatch(/^v_pub_url~/);
    expect(init.uploadUrl).toBeUndefined();
    const downloading = await env.client.fetchPublishStatus(tokens.accessToken, init.publishId);
    expect(downloading.status).toBe('PROCESSING_DOWNLOAD');

    await env.client.cancelPublish(tokens.accessToken, init.publishId);
    const cancelled = await waitForStatus(
      env.client,
      tokens.accessToken,
      init.publishId,
      (s) => s.status === 'FAILED',
    );
    expect(cancelled.failReason).toBe('publish_cancelled');

    const again = await caught(() => env.client.cancelPublish(tokens.accessToken, init.publishId));
    expect(again).toMatchObject({ code: 'publish_not_cancellable', action: 'give_up' });
  });

  it('classifies the init errors', async () => {
    await env.reset();
    const tokens = await env.connect({ privateAccount: true });
    const mismatch = await caught(() =>
      env.client.initDirectPost(tokens.accessToken, {
        postInfo: { privacyLevel: 'PUBLIC_TO_EVERYONE' },
        source: { source: 'FILE_UPLOAD', videoSize: 4096 },
      }),
    );
    expect(mismatch).toMatchObject({
      code: 'privacy_level_option_mismatch',
      action: 'fix_request',
      httpStatus: 403,
    });

    const unverified = await caught(() =>
      env.client.initDirectPost(tokens.accessToken, {
        postInfo: { privacyLevel: 'SELF_ONLY' },
        source: { source: 'PULL_FROM_URL', videoUrl: 'http://127.0.0.1/clip.mp4' },
      }),
    );
    expect(unverified).toMatchObject({ code: 'url_ownership_unverified', action: 'fix_request' });

    const tooLong = await caught(() =>
      env.client.initDirectPost(tokens.accessToken, {
        postInfo: { privacyLevel: 'SELF_ONLY', title: 'x'.repeat(2201) },
        source: { source: 'FILE_UPLOAD', videoSize: 4096 },
      }),
    );
    expect(tooLong).toMatchObject({ code: 'invalid_params', action: 'fix_request' });

    const tooBig = await caught(() =>
      env.client.initDirectPost(tokens.accessToken, {
        postInfo: { privacyLevel: 'SELF_ONLY' },
        source: { source: 'FILE_UPLOAD', videoSize: 5 * 1024 ** 3 },
      }),
    );
    expect(tooBig).toMatchObject({ code: 'video_size_too_large', action: 'fix_request' });
  });

  it('is limited to SELF_ONLY on private accounts, and to 5 creators a day, for an unaudited app', async () => {
    await env.reset({ unaudited: true });
    const init = (token: string, privacyLevel: 'SELF_ONLY' | 'FOLLOWER_OF_CREATOR') =>
      env.client.initDirectPost(token, {
        postInfo: { privacyLevel },
        source: { source: 'FILE_UPLOAD', videoSize: 4096 },
      });
    for (let i = 0; i < 5; i++) {
      const tokens = await env.connect({ privateAccount: true });
      const publicPost = await caught(() => init(tokens.accessToken, 'FOLLOWER_OF_CREATOR'));
      expect(publicPost).toMatchObject({
        code: 'unaudited_client_can_only_post_to_private_accounts',
        action: 'fix_request',
        retryable: false,
      });
      await init(tokens.accessToken, 'SELF_ONLY');
    }
    const sixth = await env.connect({ privateAccount: true });
    const capped = await caught(() => init(sixth.accessToken, 'SELF_ONLY'));
    expect(capped).toMatchObject({
      code: 'reached_active_user_cap',
      action: 'wait_daily_cap',
      retryable: true,
    });
  });
});

describe('inbox (draft) upload', () => {
  it('sends a file to the creator’s inbox', async () => {
    await env.reset();
    const tokens = await env.connect();
    const file = await small();
    const init = await env.client.initInboxUpload(tokens.accessToken, {
      source: { source: 'FILE_UPLOAD', videoSize: file.size },
    });
    expect(init.publishId).toMatch(/^v_inbox_file~/);
    await env.client.uploadVideo({
      uploadUrl: init.uploadUrl as string,
      filePath: file.path,
      plan: init.plan as never,
    });
    const delivered = await waitForStatus(
      env.client,
      tokens.accessToken,
      init.publishId,
      (s) => s.status === 'SEND_TO_USER_INBOX',
    );
    expect(delivered.failReason).toBeUndefined();
    expect(await env.publish(init.publishId)).toMatchObject({ mode: 'inbox', sha256: file.sha256 });
  });

  it('starts a PULL_FROM_URL draft', async () => {
    await env.reset();
    const tokens = await env.connect();
    const init = await env.client.initInboxUpload(tokens.accessToken, {
      source: { source: 'PULL_FROM_URL', videoUrl: silentUrl },
    });
    expect(init.publishId).toMatch(/^v_inbox_url~/);
    expect(await env.publish(init.publishId)).toMatchObject({
      mode: 'inbox',
      source: 'PULL_FROM_URL',
    });
    await env.client.cancelPublish(tokens.accessToken, init.publishId);
  });

  it('stops at the pending-inbox cap and needs video.upload', async () => {
    await env.reset({ pendingInboxCap: 1 });
    const tokens = await env.connect();
    const init = () =>
      env.client.initInboxUpload(tokens.accessToken, {
        source: { source: 'FILE_UPLOAD', videoSize: 4096 },
      });
    await init();
    const capped = await caught(init);
    expect(capped).toMatchObject({
      code: 'spam_risk_too_many_pending_share',
      action: 'wait_daily_cap',
    });

    const publishOnly = await env.connect({}, ['user.info.basic', 'video.publish']);
    const scope = await caught(() =>
      env.client.initInboxUpload(publishOnly.accessToken, {
        source: { source: 'FILE_UPLOAD', videoSize: 4096 },
      }),
    );
    expect(scope).toMatchObject({
      code: 'scope_not_authorized',
      action: 'reauthorize',
      httpStatus: 401,
    });
  });
});

describe('status and cancel errors', () => {
  it('classifies an unknown publish id and another account’s publish', async () => {
    await env.reset();
    const owner = await env.connect();
    const stranger = await env.connect();
    const init = await env.client.initDirectPost(owner.accessToken, {
      postInfo: { privacyLevel: 'SELF_ONLY' },
      source: { source: 'FILE_UPLOAD', videoSize: 4096 },
    });
    const unknown = await caught(() =>
      env.client.fetchPublishStatus(owner.accessToken, 'v_pub_file~v2-1.1'),
    );
    expect(unknown).toMatchObject({ code: 'invalid_publish_id', action: 'fix_request' });
    const foreign = await caught(() =>
      env.client.fetchPublishStatus(stranger.accessToken, init.publishId),
    );
    expect(foreign).toMatchObject({
      code: 'token_not_authorized_for_specified_publish_id',
      action: 'fix_request',
    });
    const cancelForeign = await caught(() =>
      env.client.cancelPublish(stranger.accessToken, init.publishId),
    );
    expect(cancelForeign.code).toBe('token_not_authorized_for_specified_publish_id');
  });
});

describe('limits and faults', () => {
  it('hits TikTok’s 6 inits per minute per token as rate_limit_exceeded', async () => {
    await env.reset({ rateLimits: true });
    const tokens = await env.connect();
    const init = () =>
      env.client.initDirectPost(tokens.accessToken, {
        postInfo: { privacyLevel: 'SELF_ONLY' },
        source: { source: 'FILE_UPLOAD', videoSize: 4096 },
      });
    for (let i = 0; i < 6; i++) await init();
    const limited = await caught(init);
    expect(limited).toMatchObject({
      code: 'rate_limit_exceeded',
      httpStatus: 429,
      action: 'wait_rate_limit',
      retryable: true,
    });
  });

  it('classifies an injected 429 on any endpoint', async () => {
    await env.reset();
    const tokens = await env.connect();
    await env.fault({ rateLimit: { endpoint: '/v2/post/publish/status/fetch/', count: 1 } });
    const err = await caught(() =>
      env.client.fetchPublishStatus(tokens.accessToken, 'v_pub_file~v2-1.1'),
    );
    expect(err).toMatchObject({ code: 'rate_limit_exceeded', action: 'wait_rate_limit' });
  });

  it('asks for a refresh when the access token expired, and the refreshed token works', async () => {
    await env.reset();
    const tokens = await env.connect();
    await env.control('POST', '/tokens/expire', {});
    const expired = await caught(() => env.client.queryCreatorInfo(tokens.accessToken));
    expect(expired).toMatchObject({
      code: 'access_token_invalid',
      action: 'refresh_token',
      retryable: true,
    });
    expect(expired.message).not.toContain(tokens.accessToken);
    const fresh = await env.client.refreshToken(tokens.refreshToken);
    await expect(env.client.queryCreatorInfo(fresh.accessToken)).resolves.toMatchObject({});
  });
});
