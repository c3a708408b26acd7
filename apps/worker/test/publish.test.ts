import { join } from 'node:path';
import { toPostResource } from '@tiktok-fleet/posts';
import { PostWindow } from '@tiktok-fleet/queue';
import { beforeAll, describe, expect, test } from 'vitest';
import { fixture, isFinal, largeVideo, sha256File, useFleet } from './support/fleet';

const fleet = useFleet();
const { env } = fleet;

beforeAll(async () => {
  await env.start();
});

const statuses = (post: { events: { status: string }[] }) => post.events.map((e) => e.status);

describe('publish: from a file in MEDIA_ROOT to a published TikTok post', () => {
  test('a small video is published with the bytes of the file and the exact 19-digit post id', async () => {
    const { account } = await fleet.connectAccount();
    const path = await fleet.addMedia('valid-vertical.mp4', 'clips/small.mp4');
    const created = await fleet.createPost({ accountId: account.id, video: { path } });

    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('published');
    expect(post.tiktokPostId).toMatch(/^\d{19}$/);
    expect(statuses(post)).toEqual([
      'queued',
      'validating',
      'uploading',
      'processing',
      'published',
    ]);

    const publish = (await fleet.publishes()).find((p) => p.publishId === post.publishId);
    expect(publish?.sha256).toBe(await sha256File(fixture('valid-vertical.mp4')));
    expect(publish?.totalChunkCount).toBe(1);
    // Exactly what TikTok sent: a 19-digit id above 2^53 that a JS number would round.
    expect(publish?.postIds).toEqual([post.tiktokPostId]);
    expect(post.shareUrl).toContain(post.tiktokPostId);
    expect(post.uploadedBytes).toBe(post.totalBytes);
    expect(post.publishedAt).toBeInstanceOf(Date);

    const job = await env.queues.publish.getJob(post.id);
    // The last chunk's progress is the job's result (no progress write for it).
    expect(job?.returnvalue).toMatchObject({ uploadedBytes: Number(post.totalBytes) });
    // The account learnt the creator's options on the way.
    const stored = await env.rows.account(account.id);
    expect(stored.privacyLevelOptions).toContain('PUBLIC_TO_EVERYONE');
    expect(stored.creatorInfoFetchedAt).toBeInstanceOf(Date);
  });

  test('a multi-chunk video is uploaded in order, chunk by chunk, and published intact', async () => {
    const { account } = await fleet.connectAccount();
    const file = await largeVideo();
    const path = await fleet.addMedia(file, 'clips/large.mp4');
    const created = await fleet.createPost({ accountId: account.id, video: { path } });

    const post = await fleet.waitForPost(created.id, isFinal, 40_000);
    expect(post.status).toBe('published');
    expect(post.tiktokPostId).toMatch(/^\d{19}$/);
    expect(post.totalChunkCount).toBe(2);

    const publish = (await fleet.publishes()).find((p) => p.publishId === post.publishId);
    expect(publish?.totalChunkCount).toBe(2);
    expect(publish?.sha256).toBe(await sha256File(join(env.mediaRoot, path)));
    expect(publish?.postIds).toEqual([post.tiktokPostId]);
    expect((await fleet.stats()).violations).toEqual([]);
  });

  test('a privacy level the creator cannot use fails with the levels it can', async () => {
    const { account } = await fleet.connectAccount({ privateAccount: true });
    const path = await fleet.addMedia('valid-vertical.mp4', 'clips/private.mp4');
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      privacyLevel: 'PUBLIC_TO_EVERYONE',
    });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('failed');
    expect(post.errorCode).toBe('privacy_level_option_mismatch');
    expect(post.errorMessage).toContain('FOLLOWER_OF_CREATOR, MUTUAL_FOLLOW_FRIENDS, SELF_ONLY');
    expect(post.publishId).toBeNull();
    // Nothing reached TikTok, so the post gave its place in the 24 h window back.
    const window = new PostWindow(env.redis, { prefix: env.prefix });
    expect(await window.count(account.id)).toBe(0);
  });

  test("settings the creator turned off stay off, and the post's history says so", async () => {
    const { account } = await fleet.connectAccount({ commentDisabled: true, stitchDisabled: true });
    const path = await fleet.addMedia('valid-horizontal.mov', 'clips/quiet.mov');
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      privacyLevel: 'SELF_ONLY',
      disableComment: false,
    });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('published');
    const uploading = post.events.find((e) => e.status === 'uploading');
    expect(uploading?.detail).toMatchObject({ forcedSettings: ['comment', 'stitch'] });
    expect(JSON.stringify(uploading?.detail)).toContain('turned off comments and stitches');
    // The resource shows what TikTok was sent beside what was asked.
    const resource = toPostResource(post, post.events);
    expect(resource).toMatchObject({ disableComment: false, disableStitch: false });
    expect(resource.sentToTikTok).toEqual({
      privacyLevel: 'SELF_ONLY',
      disableComment: true,
      disableDuet: false,
      disableStitch: true,
    });
    // Only the creator can see it: TikTok gives such posts no public id.
    expect(post.tiktokPostId).toBeNull();
  });

  test("a draft goes to the creator's inbox and counts as published with a note", async () => {
    const { account } = await fleet.connectAccount();
    const path = await fleet.addMedia('valid.webm', 'clips/draft.webm');
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      mode: 'draft',
    });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('published');
    expect(post.events.at(-1)?.detail).toMatchObject({
      tiktokStatus: 'SEND_TO_USER_INBOX',
      message: "in the creator's TikTok inbox; they finish posting in the app",
    });
    const publish = (await fleet.publishes()).find((p) => p.publishId === post.publishId);
    expect(publish?.mode).toBe('inbox');
    // Nothing of Direct Post's settings went to TikTok's inbox, and the resource says so.
    expect(toPostResource(post, post.events).sentToTikTok).toBeNull();
    expect(JSON.stringify(post.events.map((e) => e.detail))).not.toContain('forcedSettings');
  });

  test("TikTok's processing failure ends the post failed with its fail_reason, explained", async () => {
    const { account } = await fleet.connectAccount();
    const path = await fleet.addMedia('valid-vertical.mp4', 'clips/flagged.mp4');
    await fleet.fault({ failReason: 'spam_risk_text' });
    const created = await fleet.createPost({ accountId: account.id, video: { path } });
    const post = await fleet.waitForPost(created.id, isFinal);
    expect(post.status).toBe('failed');
    expect(post.errorCode).toBe('spam_risk_text');
    expect(post.errorMessage).toMatch(/flagged the caption/);
    expect(post.events.at(-1)?.detail).toMatchObject({ tiktokStatus: 'FAILED' });
    // TikTok received it: the slot stays taken, as TikTok counts it.
    const window = new PostWindow(env.redis, { prefix: env.prefix });
    expect(await window.count(account.id)).toBe(1);
  });

  test('a post canceled before its turn is left alone and takes no slot', async () => {
    const { account } = await fleet.connectAccount();
    const path = await fleet.addMedia('valid-vertical.mp4', 'clips/cancel.mp4');
    const created = await fleet.createPost({
      accountId: account.id,
      video: { path },
      scheduledAt: new Date(Date.now() + 1_500).toISOString(),
    });
    expect(created.status).toBe('scheduled');
    const before = (await fleet.publishes()).length;
    await env.deps().posts.transition(created.id, 'canceled', { detail: { by: 'test' } });
    expect(await fleet.jobFinished('publish', created.id)).toBe('completed');
    const post = await fleet.post(created.id);
    expect(post.status).toBe('canceled');
    expect((await fleet.publishes()).length).toBe(before);
    const window = new PostWindow(env.redis, { prefix: env.prefix });
    expect(await window.count(account.id)).toBe(0);
  });

  test('a post canceled mid-upload stops after the chunk in flight and never reaches TikTok whole', async () => {
    const { account } = await fleet.connectAccount();
    const file = await largeVideo();
    const path = await fleet.addMedia(file, 'clips/cancel-mid-upload.mp4');
    // Every TikTok call takes a while, so the cancel lands while the first chunk is on its way.
    await setSandboxLatency(1_500);
    try {
      const created = await fleet.createPost({ accountId: account.id, video: { path } });
      await fleet.waitForPost(created.id, (p) => p.status === 'uploading');
      await env.deps().posts.transition(created.id, 'canceled', { detail: { by: 'test' } });

      expect(await fleet.jobFinished('publish', created.id)).toBe('completed');
      const post = await fleet.post(created.id);
      expect(post.status).toBe('canceled');
      expect(post.totalChunkCount).toBe(2);
      const publish = (await fleet.publishes()).find((p) => p.publishId === post.publishId);
      // The first chunk arrived, the second was never sent: TikTok has no video to post.
      expect(publish?.bytesReceived).toBeGreaterThan(0);
      expect(publish?.bytesReceived).toBeLessThan(Number(post.totalBytes));
      expect(publish?.postIds ?? []).toEqual([]);
      // Nothing to follow at TikTok: no status poll was started.
      expect(await env.queues.status.getJob(`status-${created.id}`)).toBeUndefined();
    } finally {
      await setSandboxLatency(0);
    }
  });
});

async function setSandboxLatency(latencyMs: number): Promise<void> {
  const response = await fetch(`${env.sandbox.url}/_sandbox/config`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs }),
  });
  expect(response.ok).toBe(true);
}
