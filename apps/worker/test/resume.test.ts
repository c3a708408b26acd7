import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { enqueuePublish } from '@tiktok-fleet/queue';
import type { planChunks, UserTokens } from '@tiktok-fleet/tiktok';
import { beforeAll, describe, expect, test } from 'vitest';
import { isFinal, largeVideo, OWNER, sha256File, useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;
const MiB = 1024 * 1024;
let path: string;
let absolute: string;
let size: number;
let fileHash: string;

beforeAll(async () => {
  await env.start();
  path = await fleet.addMedia(await largeVideo(), 'resume/large.mp4');
  absolute = join(env.mediaRoot, path);
  fileHash = await sha256File(absolute);
  size = (await stat(absolute)).size;
});

/**
 * What a crashed attempt leaves behind: TikTok has an init for the post (made here with
 * the client, as the worker would), the post stored its publish id and upload URL, and the
 * publish job is queued again.
 */
async function leftBehind(
  tokens: UserTokens,
  accountId: string,
  stored: { uploadedBytes: number; uploadUrlExpiresAt: Date },
  beforeStoring?: (init: {
    uploadUrl: string;
    plan: ReturnType<typeof planChunks>;
  }) => Promise<void>,
) {
  const init = await env.client.initDirectPost(tokens.accessToken, {
    postInfo: { privacyLevel: 'PUBLIC_TO_EVERYONE', title: 'left behind' },
    source: { source: 'FILE_UPLOAD', videoSize: size, chunkSize: 5 * MiB },
  });
  const plan = init.plan as ReturnType<typeof planChunks>;
  await beforeStoring?.({ uploadUrl: init.uploadUrl as string, plan });
  const posts = env.deps().posts;
  const { post } = await posts.create({
    ownerId: OWNER,
    accountId,
    videoSourceKind: 'path',
    videoSource: path,
    privacyLevel: 'PUBLIC_TO_EVERYONE',
    mode: 'direct',
  });
  await posts.transition(post.id, 'validating');
  await posts.transition(post.id, 'uploading', {
    changes: {
      publishId: init.publishId,
      uploadUrl: init.uploadUrl,
      uploadUrlExpiresAt: stored.uploadUrlExpiresAt,
      uploadedBytes: stored.uploadedBytes,
      totalBytes: plan.videoSize,
      chunkSize: plan.chunkSize,
      totalChunkCount: plan.totalChunkCount,
    },
  });
  await enqueuePublish(env.queues, post.id);
  return { postId: post.id, publishId: init.publishId };
}

const details = (post: { events: { detail: unknown }[] }) =>
  JSON.stringify(post.events.map((e) => e.detail));

describe('a retried publish never makes a second TikTok post', () => {
  test('an upload URL past its hour, with nothing complete at TikTok, is abandoned for a new upload', async () => {
    const { account, openId, tokens } = await fleet.connectAccount();
    const old = await leftBehind(tokens, account.id, {
      uploadedBytes: 0,
      uploadUrlExpiresAt: new Date(Date.now() - 1000),
    });
    const post = await fleet.waitForPost(old.postId, isFinal);
    expect(post.status).toBe('published');
    expect(post.publishId).not.toBe(old.publishId);
    expect(details(post)).toContain(`"abandonedPublishId":"${old.publishId}"`);

    const publishes = (await fleet.publishes()).filter((p) => p.openId === openId);
    expect(publishes).toHaveLength(2);
    // The abandoned one never got its bytes, so it can never become a post.
    expect(publishes.find((p) => p.publishId === old.publishId)?.status).toBe('PROCESSING_UPLOAD');
    const done = publishes.find((p) => p.publishId === post.publishId);
    expect(done?.sha256).toBe(fileHash);
    expect(publishes.flatMap((p) => p.postIds)).toEqual([post.tiktokPostId]);
  });

  test('an upload URL TikTok refuses (403) while half the video is there starts over too', async () => {
    const { account, openId, tokens } = await fleet.connectAccount();
    const old = await leftBehind(
      tokens,
      account.id,
      // Our clock says it is still valid; TikTok's says otherwise.
      { uploadedBytes: 5 * MiB, uploadUrlExpiresAt: new Date(Date.now() + 3600_000) },
      async ({ uploadUrl, plan }) => {
        // The first chunk arrived before the crash, then the URL's time ran out at TikTok.
        const controller = new AbortController();
        await env.client
          .uploadVideo({
            uploadUrl,
            filePath: absolute,
            plan,
            signal: controller.signal,
            onProgress: (p) => {
              if (p.bytesSent > 0) controller.abort();
            },
          })
          .catch(() => undefined);
        // The URL's hour passes at TikTok only.
        await fleet.advanceClock(3600_000 + 1_000);
      },
    );
    const post = await fleet.waitForPost(old.postId, isFinal);
    expect(post.status).toBe('published');
    expect(details(post)).toContain('was refused by TikTok');
    // The job's result (what Bull Board shows) names the publish that lives, not the dead one.
    expect(await fleet.jobFinished('publish', old.postId)).toBe('completed');
    const job = await env.queues.publish.getJob(old.postId);
    expect(post.publishId).not.toBe(old.publishId);
    expect(job?.returnvalue).toMatchObject({ status: 'processing', publishId: post.publishId });
    const publishes = (await fleet.publishes()).filter((p) => p.openId === openId);
    expect(publishes).toHaveLength(2);
    expect(publishes.find((p) => p.publishId === old.publishId)?.bytesReceived).toBe(5 * MiB);
    expect(publishes.flatMap((p) => p.postIds)).toEqual([post.tiktokPostId]);
    expect(publishes.find((p) => p.publishId === post.publishId)?.sha256).toBe(fileHash);
  });

  test('TikTok got the whole video but the crash came before it was stored: no new init, just polling', async () => {
    const { account, openId, tokens } = await fleet.connectAccount();
    const old = await leftBehind(
      tokens,
      account.id,
      // Only the first chunk was recorded; the second was sent and answered 201.
      { uploadedBytes: 5 * MiB, uploadUrlExpiresAt: new Date(Date.now() + 3600_000) },
      async ({ uploadUrl, plan }) => {
        await env.client.uploadVideo({ uploadUrl, filePath: absolute, plan });
      },
    );
    const chunkPuts = async () => (await fleet.stats()).requests['/upload/video/'] ?? 0;
    const putsBefore = await chunkPuts();
    const post = await fleet.waitForPost(old.postId, isFinal);
    expect(post.status).toBe('published');
    expect(post.publishId).toBe(old.publishId);
    // The worker asked TikTok where the upload stands before sending anything: complete,
    // so it went straight to polling and sent no byte again.
    expect(details(post)).not.toContain('Resuming the upload');
    expect(details(post)).toContain('TikTok has the whole video');
    expect(details(post)).not.toContain('abandonedPublishId');
    expect(await chunkPuts()).toBe(putsBefore);
    const publishes = (await fleet.publishes()).filter((p) => p.openId === openId);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]?.postIds).toEqual([post.tiktokPostId]);
  });

  test('a post whose upload finished goes straight to polling', async () => {
    const { account, openId, tokens } = await fleet.connectAccount();
    const old = await leftBehind(
      tokens,
      account.id,
      { uploadedBytes: size, uploadUrlExpiresAt: new Date(Date.now() + 3600_000) },
      async ({ uploadUrl, plan }) => {
        await env.client.uploadVideo({ uploadUrl, filePath: absolute, plan });
      },
    );
    const post = await fleet.waitForPost(old.postId, isFinal);
    expect(post.status).toBe('published');
    expect(post.publishId).toBe(old.publishId);
    expect((await fleet.publishes()).filter((p) => p.openId === openId)).toHaveLength(1);
  });
});
